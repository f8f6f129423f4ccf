"""Step 5, orders: payment, stock, genuine or counterfeit goods, trust, word of mouth (ODD step 5).

One settlement, :func:`settle`, for orders from resellers' ads and from
merchants' pushes:

- an order is for ``1 + Poisson(purchase.trust_value_slope x trust²)`` units
  (order value rises with trust; F15), no more than the buyer's budget buys;
- the buyer pays; each unit is genuine with the seller's quality, else a
  counterfeit (F16);
- a merchant follower's trust closes a share ``trust.gain_genuine`` of its
  gap to 1 after an all-genuine order (F15), and loses a share
  ``trust.loss_counterfeit`` after a counterfeit (F16).

Resellers' orders (:func:`settle_ads`) first fail at payment with
probability ``purchase.p_payment_fail`` (F17), are rationed by each buyer's
budget and each seller's stock (random order). Trust toward resellers moves
by evidence (LIT U16): an all-genuine order is good evidence
``trust.good_genuine`` (F15), an order with a counterfeit bad evidence
``trust.bad_counterfeit x trust.negativity`` (F16, LIT U17). A cheated buyer
warns each common friend (a friend with a tie to the seller) with
probability ``trust.p_word_of_mouth``: bad evidence ``loss_word_of_mouth x
negativity x`` the friend's trust in the buyer (F16); a satisfied buyer
recommends the seller to each common friend with probability
``trust.p_recommend``: good evidence ``good_recommend x`` the friend's trust
in the buyer (LIT SF9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import kernels
from sim.backend import to_device, to_host
from sim.rules import moderation

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

PARAMS = ("purchase", "trust")
READS = ("people: budget", "ties: trust, flags", "sellers: price, quality, inventory")
WRITES = ("state.pay", "state.record_counterfeits", "state.mark_bought", "state.add_evidence",
          "sellers: inventory, cash, revenue, units_sold, orders, counterfeits_sold")
STREAMS = ("pay", "ration", "units", "genuine", "warn", "recommend")


@dataclass
class Settled:
    """Orders settled by :func:`settle` (arrays aligned on the orders kept)."""

    keep: Any  #: positions of the orders kept among those asked
    units: Any  #: units bought (int64)
    value: Any  #: units x price (float64, RMB)
    fake: Any  #: counterfeit units (int64)
    trust_before: Any  #: the buyer's trust before the order (float32)
    trust_after: Any  #: and after it (float32)


def settle(model: SocialCommerceModel, draws: Any, *, buyer: Any, price: Any, trust: Any,
           quality: Any, ration: Any = None, genuine_draws: Any = None) -> Settled:
    """Settle orders by ``buyer`` at ``price`` (float64 arrays), drawing from ``draws``.

    Units are drawn from ``draws``, genuine units from ``genuine_draws``
    (default ``draws``: merchants' pushes draw both from their one stream).

    ``ration(keep, units)``, when given, returns the positions among ``keep``
    that can be served (budgets and stock). The buyers pay and counterfeits are
    recorded; trust is returned, for the caller to write where it lives.
    """
    p = model.params
    xp = model.state.xp
    budget = model.state.people.budget
    units = 1 + draws.poisson(p.purchase.trust_value_slope * trust.astype(xp.float64) ** 2)
    units = xp.minimum(units, xp.floor(budget[buyer] / price).astype(xp.int64))
    keep = xp.flatnonzero(units > 0)
    if ration is not None:
        keep = keep[ration(keep, units[keep])]
    if keep.shape[0] < units.shape[0]:
        buyer, price, trust, units = buyer[keep], price[keep], trust[keep], units[keep]
        if xp.ndim(quality):
            quality = quality[keep]
    value = units * price
    model.state.pay(buyer, value.astype(xp.float32))
    genuine = (draws if genuine_draws is None else genuine_draws).binomial(units, quality)
    fake = units - genuine
    cheated = fake > 0
    tp = p.trust
    after = trust + np.float32(tp.gain_genuine) * (1 - trust)
    if bool(cheated.any()):
        model.state.record_counterfeits(buyer, fake, fake * price)
        after = xp.where(cheated, trust * np.float32(1 - tp.loss_counterfeit), after)
    return Settled(keep, units, value, fake, trust, after)


def settle_ads(model: SocialCommerceModel, intents: dict[str, Any]) -> None:
    """Step 5 for resellers' orders from today's intents; sets the order metrics."""
    p = model.params
    state = model.state
    xp = state.xp
    st = state.st
    t = model.sellers
    cols = t.cols
    d = model.today
    cand = intents["st"]
    # ratios with nothing to divide are NaN (no ads seen, no orders)
    d["conversion"] = 0.0 if d["ads_seen"] else float("nan")
    d["order_value_mean"] = d["buyer_trust_mean"] = float("nan")
    if cand.shape[0] == 0:
        return
    fail = model.draws["pay"].random(cand.shape[0], np.float64) < p.purchase.p_payment_fail
    n_fail = int(xp.count_nonzero(fail))
    d["payment_failures"] = float(n_fail)
    moments = intents["moments"]
    if n_fail:
        cand, moments = cand[~fail], moments[~fail]
    viewer = st.viewer[cand]
    slot = st.slot[cand]
    price = to_device(xp, t.price)[slot]
    rations = model.draws["ration"]

    def ration(keep: Any, units: Any) -> Any:  # by each buyer's budget, then each seller's stock
        ok = xp.flatnonzero(kernels.ration(xp, rations, viewer[keep], units * price[keep],
                                           state.people.budget))
        return ok[kernels.ration(xp, rations, slot[keep[ok]], units[ok],
                                 to_device(xp, t.inventory))]

    o = settle(model, model.draws["units"], buyer=viewer, price=price,
               trust=state.ties.trust[st.tie[cand]], quality=to_device(xp, t.quality)[slot],
               ration=ration, genuine_draws=model.draws["genuine"])
    cand, moments, slot, viewer = cand[o.keep], moments[o.keep], slot[o.keep], viewer[o.keep]
    state.mark_bought(cand)
    h_slot, h_units, h_value = to_host(slot), to_host(o.units), to_host(o.value)
    np.subtract.at(cols["inventory"], h_slot, h_units)
    np.add.at(cols["cash"], h_slot, h_value)
    np.add.at(cols["revenue"], h_slot, h_value)
    np.add.at(cols["units_sold"], h_slot, h_units)
    np.add.at(cols["orders"], h_slot, 1)
    cheated = o.fake > 0
    moderation.complain(model, cand[cheated])  # cheated buyers may report the seller (F12)
    any_fake = bool(cheated.any())
    if any_fake:
        np.add.at(cols["counterfeits_sold"], h_slot, to_host(o.fake))
    tp = p.trust
    state.add_evidence(cand, xp.where(cheated, np.float32(0), np.float32(tp.good_genuine)),
                       xp.where(cheated, np.float32(tp.bad_counterfeit * tp.negativity),
                                np.float32(0)))
    seller = state.seller_person[slot]
    d["word_of_mouth_warnings"] = float(_word_of_mouth(
        model, viewer[cheated], seller[cheated], "warn", tp.p_word_of_mouth,
        bad=tp.loss_word_of_mouth * tp.negativity)) if any_fake else 0.0
    d["recommendations"] = float(_word_of_mouth(
        model, viewer[~cheated], seller[~cheated], "recommend", tp.p_recommend,
        good=tp.good_recommend))
    d["purchases"] = float(cand.shape[0])
    # resellers' orders per ad seen; push orders (added in pushes) are not from ads
    d["conversion"] = d["purchases"] / d["ads_seen"] if d["ads_seen"] else float("nan")
    d["units_sold"] = float(h_units.sum())
    d["counterfeits_delivered"] = float(o.fake.sum()) if any_fake else 0.0
    d["gmv_moments"] = float(o.value[moments].sum())
    d["gmv_groups"] = float(o.value[~moments].sum())
    d["gmv_resellers"] = d["gmv_moments"] + d["gmv_groups"]
    d["order_value_mean"] = float(h_value.sum() / h_value.size) if h_value.size else float("nan")
    tr = o.trust_before
    d["buyer_trust_mean"] = float(tr.sum() / tr.shape[0]) if tr.shape[0] else float("nan")


def _word_of_mouth(model: SocialCommerceModel, buyers: Any, sellers: Any, stream: str,
                   p_tell: float, *, good: float = 0.0, bad: float = 0.0) -> int:
    """Buyers tell each common friend about the seller with probability ``p_tell``.

    A common friend has an alive tie to the buyer and one to the seller; a
    friend told gains evidence ``good`` (a recommendation) or ``bad`` (a
    warning, F16) times their trust in the buyer, once per buyer who tells
    them. Draws one uniform per alive friend of each buyer from ``stream``;
    returns the number of friends told (with multiplicity).
    """
    state = model.state
    if buyers.shape[0] == 0:
        return 0
    draws = model.draws[stream]
    st_pos, weight = state.told_seller_ties(buyers, sellers, p_tell,
                                            lambda k: draws.random(k, np.float64))
    amount = weight * np.float32(good if good else bad)
    state.add_evidence(st_pos, amount if good else None, None if good else amount)
    return int(st_pos.shape[0])
