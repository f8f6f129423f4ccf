"""The supply chain: resellers buy stock upstream, each level at a markup (ODD steps 1 and 7; F4).

A reseller buys from its nearest upstream still in business (a merchant is
always in business; a top reseller without one buys from outside the
model, counted as external supply). Each level has a minimum order (LIT M6:
every tier buys in with a minimum purchase; the amounts are assumptions): a
purchase of a level-n reseller is raised to at least
``ceil(resellers.min_order_level1 x resellers.min_order_per_level^(n-1))``
items (:func:`min_order`). A reseller short of stock for an order from
downstream restocks first, at least ``resellers.restock_amount``. Money
moves with the goods: the buyer pays ``units x unit cost``, the seller earns
it; the stock is an asset at that cost (:func:`sim.rules.money.profit_with_stock`).
Recruits start with ``resellers.starter_stock`` bought the same way.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agents.resellers import Reseller
    from sim.model import SocialCommerceModel

PARAMS = ("resellers",)
READS = ("sellers: cost, inventory, status",)
WRITES = ("sellers: inventory, cash, purchases_cost, units_bought, units_wholesaled, revenue",
          "merchants: cash, revenue, costs, units_wholesaled")
STREAMS: tuple[str, ...] = ()


def min_order(model: SocialCommerceModel, level: int) -> int:
    """The least a level-``level`` reseller buys upstream in one purchase (items; LIT M6).

    ``ceil(min_order_level1 x min_order_per_level ** (level - 1))``: level 1
    (a merchant's direct agent) buys the most, each level below a share of
    the level above (0 when ``min_order_level1`` is 0: no minimum).
    """
    p = model.params.resellers
    return math.ceil(p.min_order_level1 * p.min_order_per_level ** (level - 1) - 1e-9)


def buy_stock(model: SocialCommerceModel, agent: Reseller, units: int) -> int:
    """``agent`` buys ``units`` items, at least its level's :func:`min_order`, upstream.

    Returns
    -------
    int
        Units bought (fewer than asked only if the upstream runs short).
    """
    if units <= 0:
        return 0
    t = model.sellers.cols
    units = max(int(units), min_order(model, int(t["level"][agent.slot])))
    up = agent.supplier()
    unit_price = float(t["cost"][agent.slot])
    got = wholesale(model, up, units, unit_price) if up is not None else units
    if got:
        amount = got * unit_price
        t["inventory"][agent.slot] += got
        t["cash"][agent.slot] -= amount
        t["purchases_cost"][agent.slot] += amount
        t["units_bought"][agent.slot] += got
        if up is None:
            model.external_supply += got
    return got


def wholesale(model: SocialCommerceModel, seller: Any, units: int, unit_price: float) -> int:
    """``seller`` (a reseller or a merchant) ships up to ``units`` items at ``unit_price``.

    A reseller short of stock restocks first; a merchant produces what is asked.
    """
    from agents.merchants import Merchant

    if isinstance(seller, Merchant):
        return seller.sell_wholesale(units, unit_price)
    t = model.sellers.cols
    s = seller.slot
    short = units - t["inventory"][s]
    if short > 0:
        buy_stock(model, seller, max(short, model.params.resellers.restock_amount))
    got = int(min(units, t["inventory"][s]))
    t["inventory"][s] -= got
    t["units_wholesaled"][s] += got
    amount = got * unit_price
    t["cash"][s] += amount
    t["revenue"][s] += amount
    return got
