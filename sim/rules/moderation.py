"""Step 6, moderation: the platform bans sellers over its report threshold (ODD step 6; F12, F13).

Today's reports (:mod:`sim.rules.relationships`) and complaints about
counterfeits (:func:`complain`, called in step 5) join the report window of
the last ``platform.report_window_days`` days (LIT U13), kept in the model's
state (:class:`sim.state.reports.ReportWindow`); a complaint counts as
``platform.counterfeit_report_weight`` reports there. The moderation policy
(:mod:`sim.platform`) decides from each seller's total in the window whom
to ban: by default, everyone with at least ``platform.report_threshold``
reports, less for an account younger than ``platform.account_maturity_days``
(F12: new accounts are banned first); with ``platform.policy = "none"``, no
one (F13). A banned seller stops posting and selling.

Complaints (F12, LIT U13): a buyer who receives a counterfeit reports the
seller with probability ``users.p_report_counterfeit``, once per order,
drawn from the stream ``complain``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.backend import to_host
from sim.state.sellers import ACTIVE, BANNED

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

PARAMS = ("platform", "users")
READS = ("model.reports_today", "model.complaints_today", "sellers: status, joined_day, "
         "account_age_start", "seller ties: slot")
WRITES = ("state.reports (the report window)", "sellers: reports, status, left_day",
          "model.complaints_today", "metrics: complaints, reports")
STREAMS: tuple[str, ...] = ("complain",)


def complain(model: SocialCommerceModel, pos: Any) -> None:
    """Step 5: the buyers of orders at seller-tie positions ``pos`` received a counterfeit.

    Each reports the seller with probability ``users.p_report_counterfeit``
    (one draw per order from the stream ``complain``); the complaints are
    added to ``model.complaints_today`` (per seller slot) and to the day's
    ``complaints`` and ``reports``.
    """
    if pos.shape[0] == 0:
        return
    p = model.params.users.p_report_counterfeit
    hit = pos[model.draws["complain"].random(pos.shape[0], np.float64) < p]
    n = model.sellers.size
    got = np.bincount(to_host(model.state.st.slot[hit]), minlength=n).astype(np.int64)
    have = model.complaints_today
    if have.shape[0] < n:
        have = np.pad(have, (0, n - have.shape[0]))
    model.complaints_today = have + got
    model.today["complaints"] += float(hit.shape[0])
    model.today["reports"] += float(hit.shape[0])


def moderate(model: SocialCommerceModel) -> None:
    """Step 6; sets the ``bans`` metric."""
    t = model.sellers
    reports = _padded(model.reports_today, t.size)
    complaints = _padded(model.complaints_today, t.size)
    model.complaints_today = np.zeros(0, np.int64)
    t.cols["reports"][: t.size] += reports + complaints
    window = model.state.reports
    window.days = model.params.platform.report_window_days
    weight = model.params.platform.counterfeit_report_weight
    ban = np.asarray(model.policy.ban(model, window.add_day(reports + weight * complaints)),
                     dtype=bool)
    slots = (ban & (t.status == ACTIVE)).nonzero()[0]
    t.cols["status"][slots] = BANNED
    t.cols["left_day"][slots] = model.day
    model.today["bans"] = float(slots.size)


def _padded(a: np.ndarray, n: int) -> np.ndarray:
    """``a`` (int64) padded with zeros to length ``n``."""
    a = np.asarray(a, np.int64)
    return np.pad(a, (0, n - a.shape[0])) if a.shape[0] < n else a[:n]
