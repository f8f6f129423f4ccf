"""The platform's rules, as pluggable moderation policies (F2, F12, F13).

A policy caps posting, limits and folds public-account pushes, and bans
accounts from the reports they received in the report window. A policy
holds no run state (the window lives in the model's state), so one policy
object can serve several models. Subclass :class:`ModerationPolicy`
and override what you need, or pass a plain function to
:meth:`ModerationPolicy.from_func`::

    def strict(policy, model, window_reports):
        return window_reports >= 3          # ban after three reports

    model = SocialCommerceModel(policy=ModerationPolicy.from_func("strict", strict))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sim.params import PlatformParams

__all__ = ["ModerationPolicy", "ThresholdBan", "NoModeration", "make_policy"]


class ModerationPolicy:
    """Base policy: push limits and folding of F2, a posting cap, no bans.

    Parameters
    ----------
    params : PlatformParams, optional
        The scenario's ``platform`` section.
    """

    name = "base"

    def __init__(self, params: PlatformParams | None = None) -> None:
        self.params = params or PlatformParams()

    # -- posting -------------------------------------------------------------
    def cap_posts(self, model: Any, ads: np.ndarray) -> np.ndarray:
        """Ads each seller may post today in one channel (``platform.posting_cap``; 0 = no cap).

        Called for Moments ads, and for group ads too when
        ``platform.cap_channels = "all"`` (:mod:`sim.rules.planning`).
        Public-account pushes are under F2's limits instead (:meth:`push_limit`).
        """
        cap = self.params.posting_cap
        return np.minimum(ads, int(cap)) if cap > 0 else ads

    def push_limit(self, merchant: Any, want: int) -> int:
        """Pushes a merchant may send today (F2: 1 a day, or 4 a month)."""
        if not self.params.enforce_push_limits:
            return want
        if merchant.account_type == "subscription":
            return min(want, 1)
        used = merchant.pushes_sent - merchant.month_start_pushes
        return max(0, min(want, 4 - used))

    def push_open_share(self, n_pushes: int) -> float:
        """Mean open probability of one of ``n_pushes`` pushes, relative to one push.

        With folding (F2), the k-th push of a day is opened ``fold_decay**(k-1)``
        times as often as the first.
        """
        if n_pushes <= 1 or not self.params.fold_pushes:
            return 1.0
        d = self.params.fold_decay
        return float((1 - d**n_pushes) / (n_pushes * (1 - d))) if d < 1 else 1.0

    # -- moderation ------------------------------------------------------------
    def ban(self, model: Any, window_reports: np.ndarray) -> np.ndarray:
        """Step 6: boolean mask of sellers to ban today. The base policy bans no one.

        Parameters
        ----------
        model : SocialCommerceModel
        window_reports : int64 array (n_sellers,)
            Reports each seller slot received in the report window, today
            included (kept by the model's state: a policy holds no run state).
        """
        return np.zeros(window_reports.shape[0], dtype=bool)

    @classmethod
    def from_func(cls, name: str,
                  ban: Callable[[ModerationPolicy, Any, np.ndarray], np.ndarray],
                  params: PlatformParams | None = None) -> ModerationPolicy:
        """A policy whose ban rule is ``ban(policy, model, window_reports) -> bool mask``."""
        policy = cls(params)
        policy.name = name
        policy.ban = lambda model, window: ban(policy, model, window)  # type: ignore[method-assign]
        return policy


class NoModeration(ModerationPolicy):
    """No bans, no cap: the platform of F13 that defines no rules."""

    name = "none"

    def cap_posts(self, model: Any, ads: np.ndarray) -> np.ndarray:
        return ads


class ThresholdBan(ModerationPolicy):
    """Ban an account once its reports in the window reach a threshold (F12).

    A young account is banned sooner (F12: new accounts that market hard
    before they are established are banned first, 养号): the threshold of an
    account ``age`` days old is ``platform.report_threshold x min(1, (age + 1)
    / platform.account_maturity_days)``, so a new account is banned at its
    first reports and an account at least ``account_maturity_days - 1`` days
    old at the full threshold.
    """

    name = "threshold_ban"

    def ban(self, model: Any, window_reports: np.ndarray) -> np.ndarray:
        return window_reports >= self.thresholds(model, window_reports.shape[0])

    def thresholds(self, model: Any, n: int) -> np.ndarray:
        """Reports in the window that ban each of the first ``n`` seller slots today (float64)."""
        pf = self.params
        age = model.sellers.account_age(model.day)[:n]
        young = np.minimum(1.0, (age + 1) / pf.account_maturity_days)
        return pf.report_threshold * young


def make_policy(params: PlatformParams) -> ModerationPolicy:
    """The built-in policy named by ``platform.policy``."""
    return {"threshold_ban": ThresholdBan, "none": NoModeration}[params.policy](params)
