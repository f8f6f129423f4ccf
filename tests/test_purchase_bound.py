"""The purchase bound of step 3 is never below the purchase probability it stands for.

``sim.rules.reactions.react`` computes the exact probability only where the
buy draw falls below :func:`sim.kernels.purchase_bound` (plus a rounding
margin); if the bound were ever below the probability, some intents would be
lost. Hypothesis searches the whole declared parameter ranges, likes up to
the cap included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sim import kernels
from sim.kernels.orders import MARGIN

unit = st.floats(0.0, 1.0)


@settings(max_examples=400, deadline=None)
@example(trust=1.0, need=1.0, p_base=0.4959428894750869, appeal=1.0, price=1.0, reference=1.0,
         elasticity=0.0, fatigue=0.0, annoyance=0.0, k=1, social_proof=0.0, cap=0,
         likes_share=0.0)  # float32 rounding of p_base x trust: 2.4e-9 above the bound
@given(trust=unit, need=unit, p_base=unit, appeal=st.floats(0.01, 100.0),
       price=st.floats(0.01, 1e7), reference=st.floats(0.01, 1e7),
       elasticity=st.floats(0.0, 10.0), fatigue=st.floats(0.0, 100.0),
       annoyance=st.floats(0.0, 1e4), k=st.integers(1, 200),
       social_proof=st.floats(0.0, 10.0), cap=st.integers(0, 1000), likes_share=unit)
def test_the_bound_is_never_below_the_probability(trust: float, need: float, p_base: float,
                                                   appeal: float, price: float,
                                                   reference: float, elasticity: float,
                                                   fatigue: float, annoyance: float, k: int,
                                                   social_proof: float, cap: int,
                                                   likes_share: float) -> None:
    f = np.float32
    likes = int(likes_share * cap)
    price_factor = (reference / np.array([price])) ** elasticity
    boost = 1 + social_proof * cap if social_proof > 0 else 1.0
    p_max = p_base * np.array([appeal]) * price_factor * boost
    need_a = np.array([f(need)])
    prob = kernels.purchase_probability(
        np, trust=np.array([f(trust)]), need=need_a,
        appeal=np.array([appeal * (1 + social_proof * likes)]), price=np.array([price]),
        annoyance=np.array([f(annoyance)]), exposures=np.array([k]), p_base=p_base,
        reference_price=reference, elasticity=elasticity, fatigue=fatigue,
        price_factor=price_factor)
    bound = kernels.purchase_bound(np, p_max=p_max, need=need_a, exposures=np.array([k]))
    # the margin react() adds for rounding
    assert prob[0] <= bound[0] * MARGIN[0] + MARGIN[1]


def test_the_bound_is_tight_for_one_ad_at_full_trust() -> None:
    # one ad, trust 1, no annoyance, no likes counted: the bound is the probability
    p = kernels.purchase_probability(
        np, trust=np.array([1.0]), need=np.array([0.5]), appeal=np.array([1.0]),
        price=np.array([100.0]), annoyance=np.array([0.0]), exposures=np.array([1]),
        p_base=0.06, reference_price=100.0, elasticity=1.0, fatigue=0.15)
    b = kernels.purchase_bound(np, p_max=np.array([0.06]), need=np.array([0.5]),
                               exposures=np.array([1]))
    assert p[0] == pytest.approx(b[0], rel=1e-12) and b[0] == 0.03
    assert p[0] <= b[0] * MARGIN[0] + MARGIN[1]  # (1 - 0.97 is 0.03 plus a rounding error)


def test_a_seller_whose_unclipped_probability_exceeds_one_is_bounded() -> None:
    # p_base x appeal = 3: the probability clips to 1 at need 0.5, and the bound (need x 3)
    # must not clip the seller's factor to 1 first (that gave 0.5 < 1)
    p = kernels.purchase_probability(
        np, trust=np.array([1.0]), need=np.array([0.5]), appeal=np.array([3.0]),
        price=np.array([100.0]), annoyance=np.array([0.0]), exposures=np.array([1]),
        p_base=1.0, reference_price=100.0, elasticity=1.0, fatigue=0.0)
    b = kernels.purchase_bound(np, p_max=np.array([3.0]), need=np.array([0.5]),
                               exposures=np.array([1]))
    assert p[0] == 1.0 and b[0] >= 1.0
