"""Step 5, pushes: merchants' public-account posts to their followers (ODD step 5; F2, F18, F3).

Each merchant sends the pushes it planned (within the platform's push limit,
F2) to its followers, or, with ``merchants.segmentation``, only to those
whose need for its catalogue is at least ``merchants.segment_need`` (F18).
Pushes are folded: the k-th push of a day is opened
``platform.fold_decay**(k-1)`` times as often as the first (F2). Each push
annoys a follower by ``merchants.annoyance_per_push`` times the follower's
lack of need; annoyance fades like annoyance with resellers, and a follower
whose annoyance reaches ``merchants.unfollow_threshold`` (scaled by the
follower's own tolerance, ``block_thr / users.block_threshold``) unfollows.
A follower who opens converts with the law of ads (:mod:`sim.rules.reactions`,
appeal 1, the merchant's price), fails at payment with
``purchase.p_payment_fail`` and needs the budget for one unit; the orders
settle as resellers' do (:func:`sim.rules.orders.settle`), against the
merchant's stock (unlimited) and quality, and move the follower's trust in
the merchant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim import kernels
from sim.rules.orders import settle

if TYPE_CHECKING:
    from agents.merchants import Merchant
    from sim.model import SocialCommerceModel

PARAMS = ("merchants", "purchase", "users", "trust", "platform")
READS = ("people: need, p_open, block_thr, budget",)
WRITES = ("merchants: f_annoyance, following, f_trust, pushes_sent, unfollows, orders, "
          "units_sold, counterfeits_sold, revenue, costs, cash", "state.pay",
          "state.record_counterfeits")
STREAMS = ("push_open", "push_buy", "push_pay", "push_units", "push_genuine")


def push(model: SocialCommerceModel) -> None:
    """Step 5 for merchants' pushes; adds to the push and order metrics."""
    p = model.params
    mp = p.merchants
    xp = model.state.xp
    pop = model.state.people
    draws = model.draws["push_open"]
    d = model.today
    decay = np.float32(1 - p.users.annoyance_decay)
    for m in model.merchant_list:
        if not m.active:
            continue
        k = m.pushes_today
        m.f_annoyance *= decay
        n_f = int(m.followers.shape[0])
        if k <= 0 or n_f == 0:
            continue
        f = m.followers
        need, one_minus_need, p_open_f, leave_at, segment = _follower_constants(model, m)
        target = m.following & segment if mp.segmentation else m.following
        tgt = xp.flatnonzero(target)
        m.pushes_sent += k
        d["pushes_sent"] += float(k * tgt.shape[0])
        share = mp.p_open_push * model.policy.push_open_share(k)
        opens = xp.zeros(0, xp.int64)  # opens of the targeted followers
        if tgt.shape[0]:
            if k == 1:
                opens = _push_opens(model, m, share, p_open_f, tgt, draws)
            else:
                opens = draws.binomial(k, xp.minimum(xp.maximum(share * p_open_f[tgt], 0), 1))
            m.f_annoyance[tgt] += (np.float32(k * mp.annoyance_per_push)
                                   * one_minus_need[tgt]).astype(xp.float32)
        d["push_opens"] += float(opens.sum())
        leave = m.following & (m.f_annoyance >= leave_at)
        n_leave = int(xp.count_nonzero(leave))
        if n_leave:
            m.following &= ~leave
        m.unfollows += n_leave
        d["unfollows"] += float(n_leave)
        u_buy = model.draws["push_buy"].random(n_f, np.float64)
        u_pay = model.draws["push_pay"].random(n_f, np.float64)
        opened = xp.flatnonzero(opens != 0)
        if opened.shape[0] == 0:
            continue
        o = tgt[opened]  # follower slots, in order
        prob = kernels.purchase_probability(
            xp, trust=m.f_trust[o], need=need[o], appeal=1.0, price=m.price,
            annoyance=m.f_annoyance[o], exposures=opens[opened], p_base=p.purchase.p_buy_base,
            reference_price=p.purchase.reference_price, elasticity=p.purchase.price_elasticity,
            fatigue=p.purchase.fatigue)
        buy = (u_buy[o] < prob) & (u_pay[o] >= p.purchase.p_payment_fail)
        idx = o[buy & (pop.budget[f[o]] >= m.price)]
        if idx.shape[0] == 0:
            continue
        s = settle(model, model.draws["push_units"], buyer=f[idx],
                   price=xp.full(idx.shape[0], m.price, xp.float64), trust=m.f_trust[idx],
                   quality=m.quality, genuine_draws=model.draws["push_genuine"])
        m.f_trust[idx] = s.trust_after
        n_units = int(s.units.sum())
        total = float(s.value.sum())
        m.units_sold += n_units
        m.counterfeits_sold += int(s.fake.sum())
        m.orders += int(idx.shape[0])
        m.revenue += total
        m.costs += float(n_units * m.unit_cost)
        m.cash += float(total - n_units * m.unit_cost)
        d["purchases"] += float(idx.shape[0])
        d["units_sold"] += float(n_units)
        d["counterfeits_delivered"] += float(s.fake.sum())
        d["gmv_push"] += total


def _push_opens(model: SocialCommerceModel, m: Merchant, share: float, p_open_f: Any, tgt: Any,
                draws: Any) -> Any:
    """Opens of one push by followers ``tgt``: ``rng.binomial(1, p)``, the same numbers.

    ``p`` (and, when every ``p`` is in (0, 0.5], the threshold ``exp(log(1 - p))``
    that :func:`sim.kernels.bernoulli` compares a uniform with) is cached per
    merchant and open share until the followers change.
    """
    xp = model.state.xp
    key = ("push_opens", m.index)
    c = model.caches.get(key)
    if c is None or c[0] is not m.followers or c[1] != share:
        p_all = xp.minimum(xp.maximum(share * p_open_f, 0), 1)
        simple = bool(p_all.shape[0]) and float(p_all.min()) > 0 and float(p_all.max()) <= 0.5
        qn = xp.exp(xp.log(1.0 - p_all.astype(xp.float64))) if simple else None
        c = model.caches[key] = (m.followers, share, p_all, qn)
    if c[3] is None:
        return kernels.bernoulli(xp, draws, c[2][tgt])
    return (draws.random(tgt.shape[0], np.float64) > c[3][tgt]).astype(xp.int64)


def _follower_constants(model: SocialCommerceModel, m: Merchant) -> tuple[Any, ...]:
    """Per-follower constants of merchant ``m``, rebuilt when its followers or parameters change.

    Returns need for the catalogue, ``1 - need``, chance to open Moments,
    the annoyance at which each follower unfollows, and the segment mask
    (need at least ``merchants.segment_need``).
    """
    mp = model.params.merchants
    block = model.params.users.block_threshold
    key = ("followers", m.index)
    c = model.caches.get(key)
    stamp = (mp.unfollow_threshold, mp.segment_need, block)
    if c is None or c[0] is not m.followers or c[1] != stamp:
        pop = model.state.people
        f = m.followers
        need = m.need_of(f)
        scale = pop.block_thr[f] / np.float32(block)
        c = model.caches[key] = (f, stamp, need, (1 - need), pop.p_open[f],
                                 mp.unfollow_threshold * scale, need >= mp.segment_need)
    return c[2:]
