"""Step 1, planning: sellers decide today's posts, restock, and pitch (ODD step 1; F4, F10, F13).

Every active reseller posts ads and lifestyle posts by its strategy: a
strategy that keeps :meth:`agents.strategies.Strategy.plan` (Poisson draws at
its daily rates: the three built-ins and any subclass that only sets rates)
is planned for all its sellers in one vectorised draw; any other strategy is
asked by its agent (:meth:`agents.resellers.Reseller.step`). A group owner
also posts Poisson(``groups.ads_per_day``) ads in the group. Each active
seller below ``resellers.max_level`` pitches a friend with probability
``resellers.p_pitch`` (:mod:`sim.rules.recruitment`), as does one whose
strategy calls ``Reseller.pitch``. In a random order (Mesa's
``model.random``), the agents with something to decide take their turns: a
custom strategy plans, and a seller whose stock is below
``resellers.restock_below`` buys ``resellers.restock_amount`` upstream
(:mod:`sim.rules.supply`). Merchants plan their pushes and follower
inflow (:meth:`agents.merchants.Merchant.step`). Last, the platform caps
the ads a seller may post a day in each channel (``platform.posting_cap``;
F13): Moments ads, and group ads too unless ``platform.cap_channels =
"moments"``. Direct messages to people who muted a seller carry its Moments
ads (step 2), so they are capped with them; merchants' pushes are under F2's
limits instead (:meth:`sim.platform.ModerationPolicy.push_limit`).

Each draw has the distribution it has in Mesa's ``shuffle_do("step")``; only
the order of draws in the stream differs. The vectorised plans and the
decisions to pitch are drawn from the stream ``plan``; whom a seller
pitches, from the recruitment stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from agents.strategies import Strategy
from sim.rules import recruitment
from sim.rules.supply import buy_stock
from sim.state.sellers import ACTIVE

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

PARAMS = ("resellers", "groups", "platform")
READS = ("sellers: status, owns_group, level, inventory, recruits, strategy_code",)
WRITES = ("sellers: ads_today, life_today, group_ads_today, ads_total",)
STREAMS = ("plan", "sellers", "mesa")


def plan(model: SocialCommerceModel) -> None:
    """Step 1 for every seller; sets the ``ads_posted`` metric."""
    if model.reseller_list:
        _plan_resellers(model)
    for m in model.merchant_list:
        if m.active:
            m.step()
    t = model.sellers.cols
    n = model.sellers.size
    t["ads_today"][:n] = model.policy.cap_posts(model, t["ads_today"][:n])
    if model.policy.params.cap_channels == "all":  # one cap for every channel (F13)
        t["group_ads_today"][:n] = model.policy.cap_posts(model, t["group_ads_today"][:n])
    t["ads_total"][:n] += t["ads_today"][:n]
    model.today["ads_posted"] = float(t["ads_today"][:n].sum())


def _plan_resellers(model: SocialCommerceModel) -> None:
    agents = model.reseller_list
    n = len(agents)
    t = model.sellers.cols
    p = model.params.resellers
    rng = model.rngs["plan"]
    strategies = model.strategy_registry
    code = t["strategy_code"][:n]
    active = t["status"][:n] == ACTIVE
    # a strategy that keeps Strategy.plan posts Poisson(rates): drawn for all its sellers at once
    poisson = np.array([type(s).plan is Strategy.plan for s in strategies], bool)[code]
    bulk = active & poisson
    ads = np.zeros(n, np.int64)
    life = np.zeros(n, np.int64)
    k = np.flatnonzero(bulk)
    if k.size:
        rates = np.array([[getattr(s, "ads_per_day", 0.0), getattr(s, "lifestyle_per_day", 0.0)]
                          for s in strategies])[code[k]]
        ads[k] = rng.poisson(rates[:, 0])
        life[k] = rng.poisson(rates[:, 1])
    groups = np.zeros(n, np.int64)
    owns = np.flatnonzero(active & (t["owns_group"][:n] != 0))
    groups[owns] = rng.poisson(model.params.groups.ads_per_day, owns.size)
    pitch = active & (t["level"][:n] < p.max_level) & (rng.random(n) < p.p_pitch)
    may_restock = (p.restock_amount > 0) & ((t["inventory"][:n] < p.restock_below)
                                            | (t["recruits"][:n] > 0))
    # the agents with something to decide take their turns in random order (Mesa's random)
    todo = np.flatnonzero(active & (~poisson | may_restock)).tolist()
    model.random.shuffle(todo)
    inventory = t["inventory"]
    for i in todo:
        agent = agents[i]
        if not poisson[i]:
            plan = agent.step()
            ads[i], life[i] = plan.ads, plan.lifestyle
        if may_restock[i] and inventory[i] < p.restock_below:
            buy_stock(model, agent, p.restock_amount)
    t["ads_today"][:n] = ads
    t["life_today"][:n] = life
    t["group_ads_today"][:n] = groups
    recruitment.pitch(model, np.concatenate([np.flatnonzero(pitch),
                                             model.requests.take_pitches()]))
