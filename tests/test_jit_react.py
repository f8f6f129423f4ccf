"""Step 3's compiled paths (:mod:`sim.kernels.jit`) give their array paths' bytes.

Each compiled path of :func:`sim.rules.reactions.react` and of the kernels
it calls (:func:`sim.kernels.seen_ties`, :func:`sim.kernels.purchase_live`,
:func:`sim.kernels.ad_evidence`,
:func:`sim.kernels.trust.learn_trust` behind
:meth:`sim.state.State.learn_day`) is run against the array path
(``SCSIM_JIT=0``) on the same inputs: equal values and dtypes, and the random
streams left in the same state.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.model as model_module
from sim.kernels import ad_evidence, jit, purchase_live, seen_ties
from sim.kernels.flags import REMOVED, STRONG
from sim.kernels.orders import MARGIN
from sim.kernels.trust import beta_trust, learn_trust
from sim.model import SocialCommerceModel

pytestmark = pytest.mark.skipif(not jit.enabled(np), reason="Numba is not installed")


def _same(a, b) -> None:
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)


@contextmanager
def _array_path():
    """``jit.enabled`` is false inside (the array paths run)."""
    old = os.environ.get("SCSIM_JIT")
    os.environ["SCSIM_JIT"] = "0"
    try:
        yield
    finally:
        if old is None:
            del os.environ["SCSIM_JIT"]
        else:
            os.environ["SCSIM_JIT"] = old


# ------------------------------------------------------------------ seen_ties
def _seen_by_arrays(exp, viewer, slot, flags, need, category, sellable):
    """react's array path, as written there."""
    seen = exp["moments"] + exp["group"] + exp["direct"]
    saw = np.flatnonzero(seen != 0)
    k_saw = seen[saw]
    cat_saw = category[slot[saw]]
    need_saw = need.reshape(-1)[viewer[saw].astype(np.int64) * need.shape[1] + cat_saw]
    ok = sellable[slot[saw]]
    cand = saw[ok]
    k, need_c, sl_all = seen[cand], need_saw[ok], slot[cand]
    strong_c = np.flatnonzero(flags[cand] & STRONG)
    life = np.flatnonzero(exp["lifestyle"] != 0)
    return saw, k_saw, need_saw, cand, k, need_c, sl_all, strong_c, life, exp["lifestyle"][life]


def _ties(seed: int, m: int, n: int = 30, slots: int = 6, p_seen: float = 0.5):
    rng = np.random.default_rng(seed)

    def counts():
        return (rng.integers(1, 4, m) * (rng.random(m) < p_seen / 2)).astype(np.int32)

    exp = {name: counts() for name in ("moments", "group", "direct", "lifestyle")}
    viewer = np.sort(rng.integers(0, n, m)).astype(np.int64)
    flags = rng.integers(0, 256, m).astype(np.uint8)  # (every bit: STRONG among the others)
    return dict(exp=exp, viewer=viewer, slot=rng.integers(0, slots, m).astype(np.int64),
                flags=flags,
                need=rng.random((n, 4), dtype=np.float32),
                category=rng.integers(0, 4, slots).astype(np.int64),
                sellable=rng.random(slots) < 0.7)


def _check_seen(t) -> None:
    got = seen_ties(t["exp"]["moments"], t["exp"]["group"], t["exp"]["direct"],
                    t["exp"]["lifestyle"], st_viewer=t["viewer"], st_slot=t["slot"],
                    st_flags=t["flags"], need=t["need"], category=t["category"],
                    sellable=t["sellable"])
    want = _seen_by_arrays(**t)
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        _same(a, b)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), m=st.integers(0, 300), p_seen=st.sampled_from([0, 0.3, 1, 2]))
def test_seen_ties_equals_the_array_path(seed, m, p_seen):
    _check_seen(_ties(seed, m, p_seen=p_seen))


def test_seen_ties_edge_cases():
    t = _ties(1, 50)
    t["sellable"][:] = False  # no candidates
    _check_seen(t)
    t["sellable"][:] = True
    t["flags"] |= STRONG  # every candidate on a strong tie
    _check_seen(t)
    for name in t["exp"]:  # nothing seen
        t["exp"][name][:] = 0
    _check_seen(t)
    _check_seen(_ties(2, 0))


# ------------------------------------------------------------------ purchase_live
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), m=st.integers(0, 200))
def test_purchase_live_equals_the_array_path(seed, m):
    rng = np.random.default_rng(seed)
    p_max = rng.random(5) * rng.choice([0.01, 0.3, 3.0])
    slot = rng.integers(0, 5, m).astype(np.int64)
    need = rng.random(m, dtype=np.float32)
    k = rng.integers(1, 8, m).astype(np.int32)
    u = rng.random(m)
    bound = p_max[slot] * need * k  # draws at the bound, and a rounding below and above it
    u[: m // 4] = bound[: m // 4] * MARGIN[0] + MARGIN[1]
    u[m // 4: m // 3] = np.nextafter(u[m // 4: m // 3], 0)
    got = purchase_live(np, u, p_max=p_max, slot=slot, need=need, exposures=k)
    with _array_path():
        want = purchase_live(np, u, p_max=p_max, slot=slot, need=need, exposures=k)
    _same(got, want)


# ------------------------------------------------------------------ evidence
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), m=st.integers(0, 200),
       negativity=st.sampled_from([1.0, 2.5, 0.3]), off=st.floats(0, 3), rep=st.floats(0, 2))
def test_ad_evidence_equals_the_array_path(seed, m, negativity, off, rep):
    rng = np.random.default_rng(seed)
    k = rng.integers(1, 30, m).astype(np.int32)
    need = rng.random(m, dtype=np.float32)
    kw = dict(per_ad=0.07, off_need=off, repetition=rep, negativity=negativity)
    got = ad_evidence(np, k, need, **kw)
    with _array_path():
        want = ad_evidence(np, k, need, **kw)
    _same(got, want)
    with _array_path():  # the caller's former form: negativity applied after
        old = ad_evidence(np, k, need, per_ad=0.07, off_need=off, repetition=rep)
    _same(got, (old * np.float32(negativity)).astype(np.float32))


# ------------------------------------------------------------------ learn_trust
def _learn_by_arrays(factor, prior, good, bad, weight, bad_pos, bad_add, good_pos, good_add, tie,
                     trust, flags):
    """State.learn_day's array path, as written there."""
    if factor != 1.0:
        f = np.float32(factor)
        good *= f
        bad *= f
    bad[bad_pos] += bad_add.astype(np.float32)
    good[good_pos] += good_add.astype(np.float32)
    new = beta_trust(np, prior, good, bad, weight)
    trust[tie] = new
    return new[(flags & REMOVED) == 0]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), m=st.integers(0, 200), factor=st.sampled_from([1.0, 0.97, 0.0]),
       weight=st.floats(0.1, 50))
def test_learn_trust_equals_the_array_path(seed, m, factor, weight):
    rng = np.random.default_rng(seed)
    prior = rng.random(m, dtype=np.float32)
    ev = [(rng.random(m, dtype=np.float32) * 4 * (rng.random(m) < 0.6)).astype(np.float32)
          for _ in range(2)]
    bad_pos = np.flatnonzero(rng.random(m) < 0.5)
    good_pos = rng.permutation(np.flatnonzero(rng.random(m) < 0.3))  # (any order)
    bad_add = rng.random(bad_pos.shape[0], dtype=np.float32) * 3
    good_add = rng.random(good_pos.shape[0], dtype=np.float32)
    tie = np.sort(rng.choice(m + 20, m, replace=False)).astype(np.int64)
    flags = rng.choice(np.array([0, REMOVED, 1], np.uint8), m)
    trust = rng.random(m + 20, dtype=np.float32)
    a = [prior, ev[0].copy(), ev[1].copy(), weight]
    b = [prior, ev[0].copy(), ev[1].copy(), weight]
    trust_a, trust_b = trust.copy(), trust.copy()
    kept = learn_trust(factor, *a, bad_pos=bad_pos, bad_add=bad_add, good_pos=good_pos,
                       good_add=good_add, tie=tie, trust=trust_a, flags=flags)
    want = _learn_by_arrays(factor, *b, bad_pos, bad_add, good_pos, good_add, tie, trust_b, flags)
    _same(kept, want)
    _same(a[1], b[1])
    _same(a[2], b[2])
    _same(trust_a, trust_b)
    assert kept.sum(dtype=np.float64) == want.sum(dtype=np.float64)


# ------------------------------------------------------------------ react, whole
def _state_bytes(m: SocialCommerceModel) -> dict:
    t = m.state.ties
    out = {name: getattr(t, name).copy() for name in (
        "trust", "seller_good", "seller_bad", "seller_annoyance", "seller_ads_seen")}
    out["st_trust"] = m.state.st_trust
    out["streams"] = {k: repr(r.bit_generator.state) for k, r in m.rngs.items()}
    return out


@pytest.mark.parametrize("extra", [{}, {"trust.forgetting": 1.0, "trust.negativity": 1.0,
                                      "purchase.social_proof": 0.0,
                                      "purchase.p_obligation": 0.0}])
def test_react_compiled_equals_the_array_path(monkeypatch, extra):
    """Two models of one seed, day by day: react with and without the compiled loops."""
    fast, ref = (SocialCommerceModel(seed=11, overrides={"graph.n_people": 1200, **extra})
                 for _ in range(2))
    seen = []
    react = model_module.reactions.react

    def recording(model, exp):
        out = react(model, exp)
        seen.append(out)
        return out

    monkeypatch.setattr(model_module.reactions, "react", recording)
    for _ in range(12):
        monkeypatch.setenv("SCSIM_JIT", "1")
        fast.step()
        monkeypatch.setenv("SCSIM_JIT", "0")
        ref.step()
        got, want = seen[-2], seen[-1]
        assert got.keys() == want.keys()
        for key in got:
            _same(got[key], want[key])
        a, b = _state_bytes(fast), _state_bytes(ref)
        assert a["st_trust"] == b["st_trust"]
        assert a["streams"] == b["streams"]
        for name in ("trust", "seller_good", "seller_bad", "seller_annoyance", "seller_ads_seen"):
            _same(a[name], b[name])
    assert sum(o["st"].shape[0] for o in seen) > 0  # (intents were formed)
