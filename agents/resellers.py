"""Resellers: n-level agents who post ads, buy stock upstream and recruit (F4).

Each reseller is a :class:`mesa.Agent` that makes its own decisions
(today's posts by its strategy, restocking, pitching friends), while its
numbers live in one row of the model's :class:`SellerTable` so that a day's
sales to millions of people settle in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from agents.strategies import PostingStrategy

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

__all__ = ["ACTIVE", "QUIT", "BANNED", "STATUS_NAMES", "SellerTable", "Reseller"]

ACTIVE, QUIT, BANNED = 0, 1, 2
STATUS_NAMES = ("active", "quit", "banned")

_FLOAT_COLS = ("price", "cost", "quality", "base_quality", "appeal", "cash", "revenue",
               "purchases_cost", "fixed_costs")
_INT_COLS = ("person", "upstream", "upstream_merchant", "level", "category", "inventory",
             "status", "ads_today", "life_today", "group_ads_today", "ads_total", "units_sold",
             "orders", "counterfeits_sold", "reports", "mutes_received", "blocks_received",
             "recruits", "days_in_loss", "joined_day", "left_day", "units_bought",
             "units_wholesaled", "owns_group")


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

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("cols", {})
        if name in cols:
            return cols[name][: self.__dict__["size"]]
        raise AttributeError(name)


def _column(name: str, doc: str) -> property:
    def get(self: Reseller) -> Any:
        return self.model.sellers.cols[name][self.slot].item()

    def set_(self: Reseller, value: Any) -> None:
        self.model.sellers.cols[name][self.slot] = value

    return property(get, set_, doc=doc)


class Reseller(mesa.Agent):
    """A reseller: a person in the friend graph who sells a product (F4).

    Parameters
    ----------
    model : SocialCommerceModel
    person : int
        Internal id of the person in the friend graph.
    strategy : PostingStrategy
        Decides today's posts.
    upstream : Reseller or Merchant
        Who this reseller buys from.
    level : int
        1 for a merchant's direct agent, n for an n-th level agent.
    category, price, cost, quality : product line, retail price, unit cost
        paid upstream, probability an item is genuine.
    """

    inventory = _column("inventory", "items in stock")
    cash = _column("cash", "money; starts at 0, so it equals profit so far")
    status_code = _column("status", "0 active, 1 quit, 2 banned")
    level = _column("level", "n of an n-th level agent")
    price = _column("price", "retail price (RMB)")
    cost = _column("cost", "unit price paid upstream (RMB)")
    quality = _column("quality", "probability an item is genuine")
    units_sold = _column("units_sold", "items sold to buyers")
    reports = _column("reports", "reports received")
    recruits = _column("recruits", "sub-agents recruited")

    def __init__(self, model: SocialCommerceModel, person: int, strategy: PostingStrategy,
                 upstream: Any, level: int, category: int, price: float, cost: float,
                 quality: float) -> None:
        super().__init__(model)
        if not isinstance(strategy, PostingStrategy):
            raise TypeError(f"strategy {strategy!r} lacks name/appeal/quality_bonus/plan()")
        self.slot = model.sellers.add()
        self.person = int(person)
        self.strategy = strategy
        self.upstream = upstream
        self.downstream: list[Reseller] = []
        t = model.sellers.cols
        s = self.slot
        t["person"][s] = person
        t["level"][s] = level
        t["category"][s] = category
        t["price"][s] = price
        t["cost"][s] = cost
        t["base_quality"][s] = quality
        t["quality"][s] = min(1.0, quality + strategy.quality_bonus)
        t["appeal"][s] = strategy.appeal
        t["status"][s] = ACTIVE
        t["joined_day"][s] = model.day
        t["left_day"][s] = -1
        if isinstance(upstream, Reseller):
            t["upstream"][s] = upstream.slot
            t["upstream_merchant"][s] = -1
            upstream.downstream.append(self)
        else:
            t["upstream"][s] = -1
            t["upstream_merchant"][s] = -1 if upstream is None else upstream.index

    @property
    def status(self) -> str:
        """``"active"``, ``"quit"`` or ``"banned"``."""
        return STATUS_NAMES[self.status_code]

    @property
    def active(self) -> bool:
        """Still posting and selling."""
        return self.status_code == ACTIVE

    @property
    def label(self) -> Any:
        """The person's original label in the friend graph."""
        return self.model.graph.label(self.person)

    # -- step 1: plan ---------------------------------------------------------
    def step(self) -> None:
        """Plan today's posts, restock when low, maybe pitch a friend."""
        t = self.model.sellers.cols
        s = self.slot
        if t["status"][s] != ACTIVE:
            t["ads_today"][s] = t["life_today"][s] = t["group_ads_today"][s] = 0
            return
        rng = self.model.rngs["sellers"]
        plan = self.strategy.plan(self, rng)
        if plan.ads < 0 or plan.lifestyle < 0:
            raise ValueError(f"strategy {self.strategy.name!r} planned {plan}; counts must be >= 0")
        t["ads_today"][s] = plan.ads
        t["life_today"][s] = plan.lifestyle
        t["group_ads_today"][s] = (rng.poisson(self.model.params.groups.ads_per_day)
                                   if t["owns_group"][s] else 0)
        p = self.model.params.resellers
        if t["inventory"][s] < p.restock_below and p.restock_amount > 0:
            self.buy_stock(p.restock_amount)
        if t["level"][s] < p.max_level and rng.random() < p.p_pitch:
            self.pitch(rng)

    def pitch(self, rng: np.random.Generator | None = None) -> None:
        """Pitch "become my agent" to one random friend (F4).

        The pitch is made with the day's other pitches, in one pass, at the
        end of the sellers' turns (``SocialCommerceModel._bulk_pitches``);
        ``rng`` is accepted for strategies that pass one and not used.
        """
        self.model._pitch_queue.append(self.slot)

    # -- supply chain -----------------------------------------------------------
    def supplier(self) -> Any:
        """The nearest upstream still in business (a merchant is always in business)."""
        up = self.upstream
        while isinstance(up, Reseller) and not up.active:
            up = up.upstream
        return up

    def buy_stock(self, units: int) -> int:
        """Buy ``units`` items from the nearest active upstream; return units bought."""
        if units <= 0:
            return 0
        t = self.model.sellers.cols
        up = self.supplier()
        unit_price = float(t["cost"][self.slot])
        got = up.sell_wholesale(units, unit_price) if up is not None else units
        if got:
            amount = got * unit_price
            t["inventory"][self.slot] += got
            t["cash"][self.slot] -= amount
            t["purchases_cost"][self.slot] += amount
            t["units_bought"][self.slot] += got
            if up is None:
                self.model.external_supply += got
            self.model.today["wholesale_units"] += got
        return got

    def sell_wholesale(self, units: int, unit_price: float) -> int:
        """Ship up to ``units`` items at ``unit_price`` each, restocking first if short."""
        t = self.model.sellers.cols
        s = self.slot
        short = units - t["inventory"][s]
        if short > 0:
            self.buy_stock(max(short, self.model.params.resellers.restock_amount))
        got = int(min(units, t["inventory"][s]))
        t["inventory"][s] -= got
        t["units_wholesaled"][s] += got
        amount = got * unit_price
        t["cash"][s] += amount
        t["revenue"][s] += amount
        return got

    def __repr__(self) -> str:
        return (f"Reseller(person={self.label!r}, level={self.level}, "
                f"strategy={self.strategy.name!r}, status={self.status!r})")
