"""Exact towns: the parameter blocks and builders shared by the hand-built-graph tests.

An *exact town* is a model on a small hand-built networkx graph (a handful of
named people, e.g. reseller ``R`` and friends ``a``-``d``) whose overrides set
every probability that the test does not examine to 0 or 1, so that a day's
outcome follows from the rules by arithmetic and a test can state it
(tests/test_exact_days.py, test_rules_exact.py, test_escalation.py,
test_economics.py, test_trust_evidence.py, test_mechanisms.py). Each test file
composes its own town from the blocks below and keeps, next to them, the values
that are its own (``EXACT = towns.EXACT | towns.ANNOYANCE | {...}``); a test
then turns on what it checks with its own overrides.

The blocks, and what each switches off:

``QUIET``
    randomness and everything nobody posts: everyone opens Moments every day
    and reads every item (huge attention, no ordinary posts to compete), no
    threshold spread, no decay of annoyance, no background unfriending, no
    reports; no groups or direct messages, no merchants, no moderation policy,
    all ties weak; resellers do not pitch, pay no daily cost, sell genuine goods
    only; lifestyle posts build no trust.
``EXACT``
    ``QUIET``, and nobody buys (``purchase.p_buy_base = 0``) and no report
    threshold is reached (1000).
``ANNOYANCE``
    the annoyance thresholds that the exposure tests count to: each ad annoys 1
    on Moments and by direct message; muters mute at 7.5, blockers block at
    10.5, a mute becomes a block at 2 x 7.5; no complaints about counterfeits.
``TRUST_OFF``
    trust toward resellers as evidence (issue 11): every source of evidence off
    (ads, forgetting, genuine and counterfeit goods, word of mouth,
    recommendations, negativity bias), no social proof, no obligation buying.
``PLAIN_RESELLERS``
    no minimum order, and every reseller waits exactly
    ``resellers.quit_after_loss_days`` (no patience spread).
``MUTERS``, ``BLOCKERS``, ``TOLERANT``
    everyone reacts to annoyance in one way.
``SHOP``
    ``EXACT`` and ``PLAIN_RESELLERS`` for the selling and trust tests:
    everyone a muter who never reaches the mute or block threshold (1000), no
    restocking.
``BUYERS``
    buyers alike: need 1 of one category, a budget of 1000 a day, no fatigue,
    no failed payments, a price factor that does not depend on trust.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np

from agents.strategies import Plan, Strategy
from sim.backend import to_host
from sim.model import SocialCommerceModel

QUIET: dict[str, Any] = {
    "users.p_open_mean": 1.0,
    "users.attention_mean": 10_000.0,
    "users.ordinary_posts_per_day": 0.0,
    "users.threshold_spread": 0.0,
    "users.p_background_unfriend": 0.0,
    "users.annoyance_decay": 0.0,
    "users.p_report": 0.0,
    "groups.n_groups": 0,
    "groups.p_direct_reach": 0.0,
    "merchants.n_merchants": 0,
    "platform.policy": "none",
    "graph.strong_tie_share": 0.0,
    "resellers.p_pitch": 0.0,
    "resellers.fixed_cost_per_day": 0.0,
    "resellers.counterfeit_share": 0.0,
    "resellers.quality_genuine": 1.0,
    "trust.gain_lifestyle": 0.0,
}

EXACT: dict[str, Any] = QUIET | {
    "users.report_threshold": 1000.0,
    "purchase.p_buy_base": 0.0,
}

ANNOYANCE: dict[str, Any] = {
    "users.annoyance_per_ad": 1.0,
    "users.annoyance_per_direct": 1.0,
    "users.mute_threshold": 7.5,
    "users.block_threshold": 10.5,
    "users.escalation_factor": 2.0,
    "users.p_report_counterfeit": 0.0,
}

TRUST_OFF: dict[str, Any] = {
    "trust.bad_per_ad": 0.0, "trust.forgetting": 1.0, "trust.good_genuine": 0.0,
    "trust.bad_counterfeit": 0.0, "trust.loss_word_of_mouth": 0.0, "trust.p_recommend": 0.0,
    "trust.negativity": 1.0, "purchase.social_proof": 0.0, "purchase.p_obligation": 0.0,
}

PLAIN_RESELLERS: dict[str, Any] = {
    "resellers.min_order_level1": 0,  # no minimum order (tests/test_economics.py)
    "resellers.patience_spread": 0.0,  # everyone waits quit_after_loss_days
}

MUTERS = {"users.share_tolerant": 0.0, "users.share_muter": 1.0, "users.share_blocker": 0.0}
BLOCKERS = {"users.share_tolerant": 0.0, "users.share_muter": 0.0, "users.share_blocker": 1.0}
TOLERANT = {"users.share_tolerant": 1.0, "users.share_muter": 0.0, "users.share_blocker": 0.0}

SHOP: dict[str, Any] = EXACT | PLAIN_RESELLERS | MUTERS | {
    "users.mute_threshold": 1000.0,
    "users.block_threshold": 1000.0,
    "resellers.restock_below": 0,
}

BUYERS: dict[str, Any] = {
    "users.need_mean": 1.0,
    "users.n_categories": 1,
    "users.budget_per_day": 1000.0,
    "purchase.fatigue": 0.0,
    "purchase.p_payment_fail": 0.0,
    "purchase.trust_value_slope": 0.0,
}

#: the friends of ``R`` in :func:`star`
LEAVES = ("a", "b", "c", "d")


def fixed(ads: int, lifestyle: int = 0) -> Strategy:
    """A strategy posting exactly ``ads`` ads and ``lifestyle`` lifestyle posts a day."""
    return Strategy.from_func("fixed", lambda seller, rng: Plan(ads, lifestyle))


def build(town: dict[str, Any], graph: nx.Graph, sellers: set,
          over: dict[str, Any] | None = None, strategy: Strategy | None = None,
          check: Callable[[SocialCommerceModel], bool] | None = None) -> SocialCommerceModel:
    """The model of ``town | over`` under the first seed whose resellers are exactly ``sellers``.

    Who starts as a reseller is a random draw; trying seeds until it lands
    where the hand calculation needs it (and ``check(model)`` holds, if given)
    keeps the test exact without reaching into the model's set-up. Every
    reseller follows ``strategy``; ``strategy=None`` keeps the built-in
    strategies (all flooders), whose plans the model draws in bulk.
    """
    share = len(sellers) / graph.number_of_nodes()
    overrides = town | {"resellers.initial_share": share} | (over or {})
    custom: dict[str, Any] = {}
    if strategy is None:
        overrides |= {"resellers.share_flooder": 1.0, "resellers.share_mixer": 0.0,
                      "resellers.share_curated": 0.0}
    else:
        custom = {"strategies": {"fixed": strategy}, "strategy_shares": {"fixed": 1.0}}
    for seed in range(500):
        m = SocialCommerceModel(graph=graph, seed=seed, overrides=overrides, **custom)
        if {r.label for r in m.reseller_list} == sellers and (check is None or check(m)):
            return m
    raise AssertionError(f"no seed below 500 puts the resellers at {sellers}")


def star(k: int = 4) -> nx.Graph:
    """Reseller ``R`` with ``k`` friends ``a``, ``b``, ...; ``t`` is a friend of ``a`` only."""
    g = nx.Graph([("R", x) for x in "abcdefgh"[:k]])
    g.add_edge("a", "t")
    return g


def tie(m: SocialCommerceModel, viewer: Any, poster: Any) -> int:
    """The tie ``viewer -> poster``."""
    g = m.graph
    return g.tie(g.index_of(viewer), g.index_of(poster))


def st_pos(m: SocialCommerceModel, viewer: Any, seller: Any) -> int:
    """Position of the seller tie ``viewer -> seller`` among the seller ties."""
    return int(np.searchsorted(to_host(m.state.st.tie), tie(m, viewer, seller)))
