"""The compiled loops of social proof and word of mouth give the array paths' bytes.

:func:`sim.kernels.mutual_buyers` and :func:`sim.kernels.told_seller_ties`
(with :func:`sim.kernels.row_starts`) run one compiled pass on NumPy; the
array path (``SCSIM_JIT=0``, CuPy, strict) is the reference. Random graphs
with the model's invariants: CSR rows sorted, ``rev`` the reverse tie, the
seller ties all ties toward resellers sorted by tie id, their flags the
mirror of the tie flags.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import kernels
from sim.kernels import jit
from sim.kernels.flags import BOUGHT, REMOVED

pytestmark = pytest.mark.skipif(not jit.enabled(np), reason="Numba not available")

F32 = np.float32


def world(seed: int, n: int, p_edge: float, n_sellers: int) -> dict[str, Any]:
    """A random symmetric friend graph with resellers, seller ties, flags and trust."""
    rng = np.random.default_rng(seed)
    a = np.triu(rng.random((n, n)) < p_edge, 1)
    a = a | a.T
    src, dst = np.nonzero(a)  # sorted by source, then target
    indptr = np.concatenate([[0], np.cumsum(a.sum(1))]).astype(np.int64)
    indices = dst.astype(np.int32)
    tie_of = {(int(s), int(d)): t for t, (s, d) in enumerate(zip(src, dst, strict=True))}
    rev = np.array([tie_of[(int(d), int(s))] for s, d in zip(src, dst, strict=True)],
                   dtype=np.int32)
    flags = rng.choice(np.array([0, BOUGHT, REMOVED, BOUGHT | REMOVED], np.uint8),
                       size=indices.shape[0], p=[0.5, 0.3, 0.1, 0.1])
    removed = (flags & REMOVED) | (flags[rev] & REMOVED)  # REMOVED on both sides
    flags = (flags | removed).astype(np.uint8)
    trust = rng.choice(np.array([0.2, 0.5, 0.7], F32), size=indices.shape[0])
    sellers = rng.choice(n, size=min(n_sellers, n), replace=False)
    slot_of = np.full(n, -1, np.int64)
    slot_of[sellers] = rng.permutation(sellers.shape[0])  # (slots in any order)
    seller_person = np.zeros(sellers.shape[0], np.int64)
    seller_person[slot_of[sellers]] = sellers
    st_tie = np.flatnonzero(slot_of[indices] >= 0).astype(np.int64)
    return dict(
        rng=rng, n=n, indptr=indptr, indices=indices, rev=rev, flags=flags, trust=trust,
        st_tie=st_tie, st_viewer=src[st_tie].astype(np.int64),
        st_slot=slot_of[indices[st_tie]], st_flags=flags[st_tie].copy(),
        st_prior=rng.choice(np.array([0.2, 0.5, 0.7], F32), size=st_tie.shape[0]),
        seller_person=seller_person, sellers=sellers)


def social_proof(w: dict[str, Any], viewer: Any, slot: Any, cap: int) -> Any:
    return kernels.mutual_buyers(
        np, w["indptr"], w["indices"], w["flags"], w["trust"], st_tie=w["st_tie"],
        st_viewer=w["st_viewer"], st_slot=w["st_slot"], st_flags=w["st_flags"],
        st_prior=w["st_prior"], seller_person=w["seller_person"], viewer=viewer, slot=slot,
        cap=cap)


def told_reference(w: dict[str, Any], buyers: Any, sellers: Any, u: Any,
                   p_tell: float) -> tuple[Any, Any]:
    """The array path of :func:`sim.rules.orders._word_of_mouth` (with ``seller_ties_of``)."""
    n = np.int64(w["n"])
    pos, owner = kernels.ragged_positions(w["indptr"], buyers)
    pos, owner = pos[(w["flags"][pos] & REMOVED) == 0], owner[(w["flags"][pos] & REMOVED) == 0]
    assert u.shape[0] == pos.shape[0]
    friend, target = w["indices"][pos], sellers[owner]
    told = (u < p_tell) & (friend != target)
    back = w["rev"][pos[told]].astype(np.int64)
    key = w["st_viewer"] * n + w["seller_person"][w["st_slot"]]
    q = friend[told].astype(np.int64) * n + target[told]
    if key.shape[0]:
        at = np.minimum(np.searchsorted(key, q), key.shape[0] - 1)
        e = np.where(key[at] == q, w["st_tie"][at], -1)
    else:
        e = np.full(q.shape[0], -1, np.int64)
    ok = e >= 0
    ok[ok] = (w["flags"][e[ok]] & REMOVED) == 0
    e, weight = e[ok], w["trust"][back[ok]]
    return np.searchsorted(w["st_tie"], e), weight


def told(w: dict[str, Any], buyers: Any, sellers: Any, u: Any, p_tell: float,
         calls: list[int] | None = None) -> tuple[Any, Any]:
    def draw(k: int) -> Any:
        if calls is not None:
            calls.append(k)
        return u[:k]

    return kernels.told_seller_ties(
        w["indptr"], w["indices"], w["rev"], w["flags"], w["trust"],
        st_rows=kernels.row_starts(np, w["st_viewer"], w["n"]), st_flags=w["st_flags"],
        st_slot=w["st_slot"], seller_person=w["seller_person"], buyers=buyers,
        sellers=sellers, draw=draw, p_tell=p_tell)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), p_edge=st.floats(0.0, 0.6),
       n_sellers=st.integers(0, 8), k=st.integers(0, 30), cap=st.integers(-1, 6))
def test_social_proof_compiled_is_the_array_path(seed: int, n: int, p_edge: float,
                                                 n_sellers: int, k: int, cap: int) -> None:
    w = world(seed, n, p_edge, n_sellers)
    if w["st_tie"].shape[0] == 0:
        viewer = slot = np.zeros(0, np.int64)
    else:  # pairs (viewer, slot) of seller ties, as the model asks
        pick = w["rng"].integers(0, w["st_tie"].shape[0], size=k)
        viewer, slot = w["st_viewer"][pick], w["st_slot"][pick]
    got = social_proof(w, viewer, slot, cap)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCSIM_JIT", "0")
        want = social_proof(w, viewer, slot, cap)
    assert got.dtype == want.dtype == np.int64
    np.testing.assert_array_equal(got, want)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40), p_edge=st.floats(0.0, 0.6),
       n_sellers=st.integers(1, 8), k=st.integers(1, 30),
       p_tell=st.sampled_from([0.0, 0.1, 0.3, 0.5, 1.0]))
def test_word_of_mouth_compiled_is_the_array_path(seed: int, n: int, p_edge: float,
                                                  n_sellers: int, k: int,
                                                  p_tell: float) -> None:
    w = world(seed, n, p_edge, n_sellers)
    rng = w["rng"]
    buyers = rng.integers(0, n, size=k).astype(np.int64)  # (with repeats)
    sellers = w["sellers"][rng.integers(0, w["sellers"].shape[0], size=k)].astype(np.int64)
    u = rng.random(int(np.diff(w["indptr"])[buyers].sum()))  # (enough for every friend)
    calls: list[int] = []
    st_pos, weight = told(w, buyers, sellers, u, p_tell, calls)
    n_alive = len(calls) and calls[0]
    want_pos, want_weight = told_reference(w, buyers, sellers, u[:n_alive], p_tell)
    assert len(calls) == 1  # one draw, of one uniform per alive friend
    assert st_pos.dtype == np.int64 and weight.dtype == np.float32
    np.testing.assert_array_equal(st_pos, want_pos)
    np.testing.assert_array_equal(weight, want_weight)


def test_word_of_mouth_edge_cases() -> None:
    w = world(3, 12, 0.4, 3)
    one = np.ones(100)
    none = np.zeros(0, np.int64)
    for buyers, sellers in ((none, none), (np.array([0]), w["sellers"][:1])):
        st_pos, weight = told(w, buyers.astype(np.int64), sellers.astype(np.int64), one, 0.5)
        assert st_pos.shape == weight.shape == (0,)  # nobody, or no uniform below 0.5
    lonely = world(3, 4, 0.0, 2)  # no friends: no uniforms drawn
    calls: list[int] = []
    st_pos, _ = told(lonely, np.arange(4, dtype=np.int64), np.zeros(4, np.int64), one, 1.0,
                     calls)
    assert calls == [0] and st_pos.shape == (0,)


def test_social_proof_edge_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    w = world(5, 20, 0.5, 4)
    viewer, slot = w["st_viewer"][:6], w["st_slot"][:6]
    for v, s, cap in ((viewer[:0], slot[:0], 5), (viewer, slot, 0), (viewer, slot, 100)):
        got = social_proof(w, v, s, cap)
        monkeypatch.setenv("SCSIM_JIT", "0")
        want = social_proof(w, v, s, cap)
        monkeypatch.delenv("SCSIM_JIT")
        np.testing.assert_array_equal(got, want)
    w["st_flags"][:] = 0  # nobody bought: nobody likes
    assert not social_proof(w, viewer, slot, 5).any()


@pytest.mark.parametrize("rows", [[], [0], [2, 2, 5], [0, 0, 0, 1, 3, 3]])
def test_row_starts_is_searchsorted(rows: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    r = np.array(rows, np.int64)
    got = kernels.row_starts(np, r, 6)
    monkeypatch.setenv("SCSIM_JIT", "0")
    want = kernels.row_starts(np, r, 6)
    assert got.dtype == want.dtype == np.int64
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, np.searchsorted(r, np.arange(7)))


def test_a_small_model_is_the_same_with_and_without_the_loops(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.model import SocialCommerceModel

    def run() -> list[Any]:
        m = SocialCommerceModel(seed=7, overrides={"graph.n_people": 3000})
        for _ in range(6):
            m.step()
        s = m.state
        return [s.ties.trust.copy(), s.ties.seller_good.copy(), s.ties.seller_bad.copy(),
                s.ties.flags.copy()]

    compiled = run()
    monkeypatch.setenv("SCSIM_JIT", "0")
    for a, b in zip(compiled, run(), strict=True):
        np.testing.assert_array_equal(a, b)
