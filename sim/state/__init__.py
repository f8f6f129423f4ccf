"""The model's state: the only code that writes person and tie arrays.

- :mod:`sim.state.people`   per-person arrays (:class:`Population`), drawn at set-up
- :mod:`sim.state.ties`     per-tie arrays and flag bits (:class:`TieState`)
- :mod:`sim.state.sellers`  the seller table, one row per reseller (host)
- :mod:`sim.state.reports`  the platform's report window
- :mod:`sim.state.core`     :class:`State`: named operations that keep every index,
  mirror and running sum in step, and :meth:`State.check`
"""

from sim.state.core import SellerTies, State, StateError
from sim.state.people import (
    BLOCKER_TYPE,
    MUTER,
    ROLE_PERSON,
    ROLE_RESELLER,
    TOLERANT,
    TYPE_NAMES,
    Population,
    UserView,
)
from sim.state.reports import ReportWindow
from sim.state.sellers import ACTIVE, BANNED, QUIT, STATUS_NAMES, SellerTable
from sim.state.ties import BLOCKER, BOUGHT, IN_GROUP, MUTED, REMOVED, REPORTED, STRONG, TieState

__all__ = ["State", "StateError", "SellerTies", "Population", "UserView", "TieState",
           "SellerTable", "ReportWindow", "MUTED", "REMOVED", "BLOCKER", "REPORTED", "IN_GROUP",
           "BOUGHT", "STRONG", "ACTIVE", "QUIT", "BANNED", "STATUS_NAMES", "TOLERANT", "MUTER",
           "BLOCKER_TYPE", "TYPE_NAMES", "ROLE_PERSON", "ROLE_RESELLER"]
