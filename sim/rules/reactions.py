"""Step 3, reactions to what was seen: annoyance, lifestyle trust, purchase intents (ODD step 3).

- **Annoyance** on each seller tie fades by ``users.annoyance_decay`` a day and
  rises by ``users.annoyance_per_ad`` per ad seen (LIT U7, U8).
- **Lifestyle trust**: each lifestyle post seen closes a share
  ``trust.gain_lifestyle`` of the gap between trust and 1 (F10).
- **Purchase intents**: a viewer who saw ``k`` ads today from an active seller
  in stock forms an intent with probability ``1 - (1 - p)**k``, where one ad
  converts with ``p = purchase.p_buy_base x trust x need x appeal x
  (reference_price / price)**price_elasticity x exp(-fatigue x annoyance)``
  (F14, F15; :func:`sim.kernels.purchase_probability`). Each intent is
  attributed to Moments or to a group in proportion to the ads seen there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim import kernels
from sim.backend import to_device
from sim.state.sellers import ACTIVE

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

PARAMS = ("users", "trust", "purchase")
READS = ("ties: trust, seller_annoyance", "people: need", "sellers: status, inventory, "
         "category, appeal, price")
WRITES = ("state.see_ads (annoyance, ads seen)", "state.set_trust (lifestyle posts)")
STREAMS = ("purchases",)


def react(model: SocialCommerceModel, exp: kernels.Exposure) -> dict[str, Any]:
    """Step 3; returns the intents: seller-tie positions ``st`` and a Moments flag each."""
    p = model.params
    state = model.state
    xp = state.xp
    ties = state.ties
    st = state.st
    seen = exp.moments + exp.group + exp.direct
    saw = xp.flatnonzero(seen != 0)  # the seller ties that carried ads today
    state.see_ads(saw, seen[saw], decay=p.users.annoyance_decay, per_ad=p.users.annoyance_per_ad,
                  per_muted=p.users.annoyance_per_direct)
    life = xp.flatnonzero(exp.lifestyle != 0)
    if life.shape[0]:
        e = st.tie[life]
        old = ties.trust[e]
        keep = lifestyle_keep(xp, p.trust.gain_lifestyle, exp.lifestyle[life])
        state.set_trust(e, 1 - (1 - old) * keep, old)
    t = model.sellers
    sellable = to_device(xp, (t.status == ACTIVE) & (t.inventory > 0))
    cand = saw[sellable[st.slot[saw]]]
    sl = st.slot[cand]
    viewer = st.viewer[cand]
    pp = p.purchase
    need = state.people.need
    category, appeal, price = (to_device(xp, c) for c in (t.category, t.appeal, t.price))
    prob = kernels.purchase_probability(
        xp, trust=ties.trust[st.tie[cand]],
        need=need.reshape(-1)[viewer.astype(xp.int64) * need.shape[1] + category[sl]],
        appeal=appeal[sl], price=price[sl], annoyance=ties.seller_annoyance[cand],
        exposures=seen[cand], p_base=pp.p_buy_base, reference_price=pp.reference_price,
        elasticity=pp.price_elasticity, fatigue=pp.fatigue,
        price_factor=((pp.reference_price / price) ** pp.price_elasticity)[sl])
    draws = model.draws["purchases"]
    intent = draws.random(cand.shape[0], np.float64) < prob
    moments = draws.random(cand.shape[0], np.float64) * seen[cand] < exp.moments[cand]
    return {"st": cand[intent], "moments": moments[intent]}


_KEEP: dict[tuple[str, float], Any] = {}


def lifestyle_keep(xp: Any, gain: float, k: Any) -> Any:
    """``(1 - gain) ** k`` as float32, from a table of small ``k`` per (backend, gain)."""
    key = (getattr(xp, "__name__", str(xp)), float(gain))
    tab = _KEEP.get(key)
    kmax = int(k.max())
    if tab is None or kmax >= tab.shape[0]:
        tab = ((1 - gain) ** np.arange(max(64, 2 * kmax + 1), dtype=np.int64)).astype(np.float32)
        if len(_KEEP) > 64:
            _KEEP.clear()
        tab = _KEEP[key] = to_device(xp, tab)
    return tab[k]
