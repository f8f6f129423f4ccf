"""The seller table: one row per reseller (a slot), columns of numbers, on the host.

A reseller is a Mesa agent (:class:`agents.resellers.Reseller`) whose
numbers live in one row here, so that a day's sales to millions of people
settle in bulk. Columns are NumPy arrays grown by doubling; ``table.name``
is the live part of column ``name`` (length ``size``).

``patience_z`` (float64, standard normal) is the reseller's own patience
draw, made once when it is created (:func:`sim.rules.money.draw_patience`);
its patience in days follows from it and today's parameters
(:func:`sim.rules.money.patience_days`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ACTIVE", "QUIT", "BANNED", "STATUS_NAMES", "SellerTable"]

ACTIVE, QUIT, BANNED = 0, 1, 2
STATUS_NAMES = ("active", "quit", "banned")

_FLOAT_COLS = ("price", "cost", "quality", "base_quality", "appeal", "cash", "revenue",
               "purchases_cost", "fixed_costs", "patience_z")
_INT_COLS = ("person", "upstream", "upstream_merchant", "level", "category", "inventory",
             "status", "ads_today", "life_today", "group_ads_today", "ads_total", "units_sold",
             "orders", "counterfeits_sold", "reports", "mutes_received", "blocks_received",
             "recruits", "days_in_loss", "joined_day", "left_day", "units_bought",
             "units_wholesaled", "owns_group", "strategy_code", "account_age_start")


@dataclass
class SellerTable:
    """Column arrays, one row per reseller (slot), grown by doubling."""

    capacity: int = 64
    size: int = 0
    cols: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for c in _FLOAT_COLS:
            self.cols[c] = np.zeros(self.capacity, np.float64)
        for c in _INT_COLS:
            self.cols[c] = np.zeros(self.capacity, np.int64)

    def add(self) -> int:
        """Append a zeroed row; return its slot."""
        if self.size == self.capacity:
            self.capacity *= 2
            for c, a in self.cols.items():
                new = np.zeros(self.capacity, a.dtype)
                new[: self.size] = a[: self.size]
                self.cols[c] = new
        slot = self.size
        self.size += 1
        return slot

    def account_age(self, day: int) -> np.ndarray:
        """Days since each seller's account was created, on ``day`` (int64, ``size``).

        ``account_age_start`` is the account's age when the seller joined
        (drawn for the initial resellers, 0 for recruits: F12, 养号); the age
        grows by one a day from ``joined_day``.
        """
        return day - self.joined_day + self.account_age_start

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols", {})
        if name in cols:
            return cols[name][: self.__dict__["size"]]
        raise AttributeError(name)
