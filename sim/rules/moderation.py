"""Step 6, moderation: the platform bans sellers over its report threshold (ODD step 6; F12, F13).

Today's reports (:mod:`sim.rules.relationships`) join the report window of
the last ``platform.report_window_days`` days (LIT U13), kept in the model's
state (:class:`sim.state.reports.ReportWindow`), and the moderation policy
(:mod:`sim.platform`) decides from each seller's total in the window whom
to ban: by default, everyone with at least ``platform.report_threshold``
reports (F12); with ``platform.policy = "none"``, no one (F13). A banned
seller stops posting and selling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.state.sellers import ACTIVE, BANNED

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

PARAMS = ("platform",)
READS = ("model.reports_today", "sellers: status")
WRITES = ("state.reports (the report window)", "sellers: reports, status, left_day")
STREAMS: tuple[str, ...] = ()


def moderate(model: SocialCommerceModel) -> None:
    """Step 6; sets the ``bans`` metric."""
    t = model.sellers
    reports = model.reports_today
    if reports.shape[0] < t.size:
        reports = np.pad(reports, (0, t.size - reports.shape[0]))
    t.cols["reports"][: t.size] += reports
    window = model.state.reports
    window.days = model.params.platform.report_window_days
    ban = np.asarray(model.policy.ban(model, window.add_day(reports)), dtype=bool)
    slots = (ban & (t.status == ACTIVE)).nonzero()[0]
    t.cols["status"][slots] = BANNED
    t.cols["left_day"][slots] = model.day
    model.today["bans"] = float(slots.size)
