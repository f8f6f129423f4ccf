"""The scsim app: ``solara run app.py`` (or ``scsim app``).

Everything lives in :mod:`sim.app`; this file only gives Solara a ``Page``.
It also switches Solara's usage telemetry and its banner off, so that a plain
``solara run app.py`` stays on localhost like ``scsim app`` does (add
``--no-check-version`` to skip Solara's version check against PyPI), and sets
the page's title as ``scsim app`` does.
"""

import solara.server.settings

from sim.app import Page
from sim.app_cli import APP_TITLE

solara.server.settings.telemetry.mixpanel_enable = False
solara.server.settings.theme.show_banner = False
solara.server.settings.theme.title = APP_TITLE  # (Solara's default is "Solara ☀️")

__all__ = ["Page"]
