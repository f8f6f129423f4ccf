"""Step 3, reactions to what was seen: annoyance, trust evidence, purchase intents (ODD step 3).

- **Annoyance** on each seller tie fades by ``users.annoyance_decay`` a day and
  rises by ``users.annoyance_per_ad`` per ad seen (LIT U7, U8).
- **Trust evidence** (LIT U16): evidence on every seller tie is first
  multiplied by ``trust.forgetting``; then ``k`` ads of a seller read today
  are bad evidence ``bad_per_ad x k x (1 + off_need_weight x (1 - need)) x
  (1 + repetition_weight x (k - 1))`` times ``trust.negativity`` (LIT U17,
  U18), and ``k`` lifestyle posts good evidence ``lifestyle_cap x (1 -
  exp(-k x gain_lifestyle / lifestyle_cap))`` (F10). Trust is ``(w t0 +
  good) / (w + good + bad)`` (:class:`sim.state.State.add_evidence`).
- **Purchase intents**: a viewer who saw ``k`` ads today from an active seller
  in stock forms an intent with probability ``1 - (1 - p)**k``, where one ad
  converts with ``p = purchase.p_buy_base x trust x need x appeal x
  (reference_price / price)**price_elasticity x exp(-fatigue x annoyance) x
  (1 + social_proof x min(b, social_proof_cap))``, ``b`` the viewer's friends
  who bought from the seller and trust it at least as at the start (their
  likes, seen by mutual friends only; F5)
  (F14, F15; :func:`sim.kernels.purchase_probability`). On a strong tie the
  viewer also buys "to support a friend" with probability ``1 - (1 -
  purchase.p_obligation)**k``, whatever the need (LIT U19). Each intent is
  attributed to Moments or to a group in proportion to the ads seen there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim import kernels
from sim.backend import to_device
from sim.kernels import jit
from sim.kernels.flags import STRONG
from sim.state.sellers import ACTIVE

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

PARAMS = ("users", "trust", "purchase")
READS = ("ties: trust, flags (strong among them), seller_annoyance", "people: need",
         "sellers: status, inventory, category, appeal, price")
WRITES = ("state.see_ads (annoyance, ads seen)", "state.learn_day (forgetting, ads, "
          "lifestyle posts)")
STREAMS = ("buy", "obligation", "channel")


def react(model: SocialCommerceModel, exp: kernels.Exposure) -> dict[str, Any]:
    """Step 3; returns the intents: seller-tie positions ``st`` and a Moments flag each."""
    p = model.params
    state = model.state
    xp = state.xp
    ties = state.ties
    st = state.st
    t = model.sellers
    need = state.people.need
    sellable = to_device(xp, (t.status == ACTIVE) & (t.inventory > 0))
    if jit.enabled(xp):  # the same arrays, from one compiled pass over the seller ties
        saw, k_saw, need_saw, cand, k, need_c, sl_all, strong, life, k_life = kernels.seen_ties(
            exp.moments, exp.group, exp.direct, exp.lifestyle, st_viewer=st.viewer,
            st_slot=st.slot, st_flags=st.flags, need=need, category=to_device(xp, t.category),
            sellable=sellable)
    else:
        seen = exp.moments + exp.group + exp.direct
        saw = xp.flatnonzero(seen != 0)  # the seller ties that carried ads today
        k_saw = seen[saw]
        cat_saw = to_device(xp, t.category)[st.slot[saw]]
        need_saw = need.reshape(-1)[st.viewer[saw].astype(xp.int64) * need.shape[1] + cat_saw]
        ok = sellable[st.slot[saw]]
        cand = saw[ok]  # (candidate intents: the seller can sell)
        k, need_c, sl_all = seen[cand], need_saw[ok], st.slot[cand]
        strong = xp.flatnonzero(st.flags[cand] & STRONG)  # obligation buying (LIT U19)
        life = xp.flatnonzero(exp.lifestyle != 0)
        k_life = exp.lifestyle[life]
    state.see_ads(saw, k_saw, decay=p.users.annoyance_decay, per_ad=p.users.annoyance_per_ad,
                  per_muted=p.users.annoyance_per_direct)
    _evidence(model, saw, k_saw, need_saw, life, k_life)
    pp = p.purchase
    u = model.draws["buy"].random(cand.shape[0], np.float64)
    # Only candidates whose draw falls below an upper bound of their probability can form
    # an intent: the bound sets trust and the fatigue factor to 1, counts the most likes
    # (per seller, then gathered) and uses 1 - (1 - p)**k <= k p, so the exact probability
    # is computed for few of them. The decisions are those of computing it everywhere.
    appeal, price = (to_device(xp, c) for c in (t.appeal, t.price))
    price_factor = (pp.reference_price / price) ** pp.price_elasticity
    boost = 1 + pp.social_proof * pp.social_proof_cap  # (the most likes can do)
    p_max = pp.p_buy_base * appeal * price_factor * boost  # (not clipped: see the bound)
    live = kernels.purchase_live(xp, u, p_max=p_max, slot=sl_all, need=need_c, exposures=k)
    at, sl = cand[live], sl_all[live]
    viewer = st.viewer[at]
    u_l, k_l, appeal_l = u[live], k[live], appeal[sl]
    trust = ties.trust[st.tie[at]]
    need_l, price_l, annoyance_l = need_c[live], price[sl], ties.seller_annoyance[at]
    factor_l = price_factor[sl]

    def probability(i: Any, appeal_at: Any) -> Any:
        return kernels.purchase_probability(
            xp, trust=trust[i], need=need_l[i], appeal=appeal_at, price=price_l[i],
            annoyance=annoyance_l[i], exposures=k_l[i], p_base=pp.p_buy_base,
            reference_price=pp.reference_price, elasticity=pp.price_elasticity,
            fatigue=pp.fatigue, price_factor=factor_l[i])

    every = slice(None)
    prob = probability(every, appeal_l)
    if pp.social_proof > 0 and live.shape[0]:  # likes of mutual friends who bought (F5)
        # likes only raise the probability, to at most (1 + social_proof x cap) times the
        # appeal: they are counted only where the draw falls between the two probabilities
        # (the same decisions as counting them everywhere, at a fraction of the cost)
        top = probability(every, appeal_l * boost)
        maybe = xp.flatnonzero((u_l >= prob) & (u_l < top))
        if maybe.shape[0]:
            likes = kernels.mutual_buyers(
                xp, state.dgraph.indptr, state.dgraph.indices, ties.flags, ties.trust,
                st_tie=st.tie, st_viewer=st.viewer, st_slot=st.slot, st_flags=st.flags,
                st_prior=ties.seller_prior, seller_person=state.seller_person,
                viewer=viewer[maybe], slot=sl[maybe], cap=pp.social_proof_cap)
            prob[maybe] = probability(
                maybe, appeal_l[maybe] * (1 + pp.social_proof * likes.astype(xp.float64)))
    intent = xp.zeros(cand.shape[0], dtype=bool)
    intent[live] = u_l < prob
    if pp.p_obligation > 0 and strong.shape[0]:  # obligation buying (LIT U19)
        u = model.draws["obligation"].random(strong.shape[0], np.float64)
        owe = strong[u < 1 - (1 - pp.p_obligation) ** k[strong]]
        model.today["obligation_intents"] = float(owe.shape[0])
        intent[owe] = True
    chosen = xp.flatnonzero(intent)
    u = model.draws["channel"].random(cand.shape[0], np.float64)  # (all drawn, few needed)
    st_c = cand[chosen]
    return {"st": st_c, "moments": u[chosen] * k[chosen] < exp.moments[st_c]}


def _evidence(model: SocialCommerceModel, saw: Any, k: Any, need: Any, life: Any,
              k_life: Any) -> None:
    """Forgetting, then today's bad evidence from ads and good evidence from lifestyle posts."""
    tp = model.params.trust
    xp = model.state.xp
    bad = kernels.ad_evidence(xp, k, need, per_ad=tp.bad_per_ad, off_need=tp.off_need_weight,
                              repetition=tp.repetition_weight, negativity=tp.negativity)
    good = kernels.lifestyle_evidence(xp, k_life, per_post=tp.gain_lifestyle,
                                      cap=tp.lifestyle_cap)
    model.state.learn_day(tp.forgetting, saw, bad, life, good)
