"""Resellers: n-level agents who post ads, buy stock upstream and recruit (F4).

Each reseller is a :class:`mesa.Agent` that makes its own decisions
(today's posts by its strategy, restocking, pitching friends), while its
numbers live in one row of the model's seller table
(:class:`sim.state.SellerTable`) so that a day's sales to millions of people
settle in bulk. An agent decides and hands back requests: its restocking
goes through :mod:`sim.rules.supply`, its pitches through
:mod:`sim.rules.recruitment`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from agents.strategies import Plan, PostingStrategy
from sim.state.sellers import ACTIVE, BANNED, QUIT, STATUS_NAMES

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

__all__ = ["Reseller", "ACTIVE", "QUIT", "BANNED", "STATUS_NAMES"]


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
    cash = _column("cash", "money; starts at 0, so it equals profit so far without unsold "
                   "stock (profit_with_stock values the stock at cost)")
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
        self.strategy = strategy
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
        from sim.rules.money import draw_patience

        draw_patience(model, s)  # its own patience before quitting (stream "patience")

    @property
    def strategy(self) -> PostingStrategy:
        """How this reseller posts; assigning a new one takes effect from the next plan.

        The seller's appeal and quality follow the strategy (its ``appeal``,
        and the base quality plus its ``quality_bonus``).
        """
        code = int(self.model.sellers.cols["strategy_code"][self.slot])
        return self.model.strategy_registry[code]

    @strategy.setter
    def strategy(self, strategy: PostingStrategy) -> None:
        if not isinstance(strategy, PostingStrategy):
            raise TypeError(f"strategy {strategy!r} lacks name/appeal/quality_bonus/plan()")
        t = self.model.sellers.cols
        s = self.slot
        t["strategy_code"][s] = self.model.register_strategy(strategy)
        t["quality"][s] = min(1.0, t["base_quality"][s] + strategy.quality_bonus)
        t["appeal"][s] = strategy.appeal

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
    def step(self) -> Plan:
        """Decide today's posts: the strategy's plan (the planning rule writes it).

        Raises
        ------
        ValueError
            The strategy planned a negative count.
        """
        plan = self.strategy.plan(self, self.model.rngs["plan"])
        if plan.ads < 0 or plan.lifestyle < 0:
            raise ValueError(f"strategy {self.strategy.name!r} planned {plan}; counts must be >= 0")
        return plan

    def pitch(self, rng: np.random.Generator | None = None) -> None:
        """Pitch "become my agent" to one random friend (F4).

        A request: the pitch is made with the day's other pitches, in one pass
        (:func:`sim.rules.recruitment.pitch`, from the ``pitch`` and ``accept``
        streams); ``rng`` is accepted for
        strategies that pass one and not used.
        """
        self.model.requests.pitch(self)

    def remove(self) -> None:
        """Leave the market for good (Mesa's ``remove``).

        The reseller quits today (status ``quit``): it posts, sells and
        pitches no more, and its row stays in the seller table. It leaves
        ``model.agents``; ``model.resellers`` still lists it, as every
        reseller ever.
        """
        t = self.model.sellers.cols
        if t["status"][self.slot] == ACTIVE:
            t["status"][self.slot] = QUIT
            t["left_day"][self.slot] = self.model.day
        super().remove()

    # -- supply chain -----------------------------------------------------------
    def supplier(self) -> Any:
        """The nearest upstream still in business (None: buy from outside the model)."""
        up = self.upstream
        while isinstance(up, Reseller) and not up.active:
            up = up.upstream
        return up if up is None or up.active else None

    @property
    def min_order(self) -> int:
        """The least this reseller buys upstream in one purchase: its level's minimum (LIT M6)."""
        from sim.rules.supply import min_order

        return min_order(self.model, int(self.level))

    @property
    def patience(self) -> float:
        """Days in a row of losses (stock at cost) this reseller tolerates before quitting."""
        from sim.rules.money import patience_days

        z = self.model.sellers.cols["patience_z"][self.slot: self.slot + 1]
        return float(patience_days(self.model.params.resellers, z)[0])

    @property
    def profit_with_stock(self) -> float:
        """Profit so far with unsold stock valued at cost: cash + inventory x unit cost (RMB)."""
        return float(self.cash + self.inventory * self.cost)

    def buy_stock(self, units: int) -> int:
        """Buy ``units`` items (at least :attr:`min_order`) from the nearest active upstream.

        Returns the units bought.
        """
        from sim.rules.supply import buy_stock

        return buy_stock(self.model, self, units)

    def sell_wholesale(self, units: int, unit_price: float) -> int:
        """Ship up to ``units`` items at ``unit_price`` each, restocking first if short."""
        from sim.rules.supply import wholesale

        return wholesale(self.model, self, units, unit_price)

    def __repr__(self) -> str:
        return (f"Reseller(person={self.label!r}, level={self.level}, "
                f"strategy={self.strategy.name!r}, status={self.status!r})")
