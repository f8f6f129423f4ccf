"""The scsim app: ``solara run app.py`` (or ``scsim app``).

Everything lives in :mod:`sim.app`; this file only gives Solara a ``Page``.
"""

from sim.app import Page

__all__ = ["Page"]
