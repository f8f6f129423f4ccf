"""The platform's report window: reports per seller over the last ``report_window_days``.

It is run state, so it lives with the model's state, not in a moderation
policy (a policy object can be shared by several models).
"""

from __future__ import annotations

from collections import deque

import numpy as np

__all__ = ["ReportWindow"]


class ReportWindow:
    """A running total of reports per seller slot over a sliding window of days.

    Parameters
    ----------
    days : int
        Window length in days (``platform.report_window_days``; LIT U13).
    """

    def __init__(self, days: int) -> None:
        self.days = int(days)
        self._days: deque[np.ndarray] = deque()
        self._total = np.zeros(0, np.int64)

    def add_day(self, reports_today: np.ndarray) -> np.ndarray:
        """Add today's reports per seller; return each seller's total in the window.

        Parameters
        ----------
        reports_today : int array (n_sellers,)
            Reports received today by each seller slot.

        Returns
        -------
        int64 array (n_sellers,)
            Reports in the window, today included (a copy).
        """
        today = np.asarray(reports_today, dtype=np.int64).copy()
        n = today.shape[0]
        if self._total.shape[0] < n:
            self._total = np.pad(self._total, (0, n - self._total.shape[0]))
        self._days.append(today)
        self._total[:n] += today
        while len(self._days) > self.days:
            old = self._days.popleft()
            self._total[: old.shape[0]] -= old
        return self._total[:n].copy()

    def check(self) -> list[str]:
        """Differences between the running total and the sum over the stored days."""
        want = np.zeros(self._total.shape[0], np.int64)
        for d in self._days:
            want[: d.shape[0]] += d
        if len(self._days) > self.days:
            return [f"report window holds {len(self._days)} days > {self.days}"]
        if not np.array_equal(want, self._total):
            bad = np.flatnonzero(want != self._total)
            return [f"report window total differs from its days at sellers {bad[:5].tolist()}"]
        return []
