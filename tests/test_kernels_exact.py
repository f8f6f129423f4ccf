"""The kernels of :mod:`sim.kernels`, called directly with small arrays: exact outputs.

Kernels are pure functions (arrays and scalars in, arrays out), so each test
builds a handful of ties, sellers or requests by hand and states the output
worked out from the kernel's docstring. Where a kernel draws random
numbers, the test either uses probabilities 0 or 1 (the outcome is then
certain: a float32 uniform in [0, 1) is always below 1 and never below 0), or
replays the documented use of the stream (which draws, in which order) on a
second generator with the same seed and compares the numbers exactly.

These tests were written to kill the mutants that ``mutmut`` left alive
(docs/testing.md): each asserts a value that a changed line would change.
"""

from __future__ import annotations

import types
import uuid

import numpy as np
import pytest

from sim import kernels
from sim.backend import Draws, get_xp, to_host
from sim.kernels import feed, flags
from sim.kernels.flags import IN_GROUP, MUTED, REMOVED, REPORTED


def draws(seed: int = 0) -> Draws:
    return Draws(np, np.random.default_rng(seed))


# ------------------------------------------------------------------------------ flags
def test_flag_bits_are_distinct_single_bits() -> None:
    bits = [int(getattr(flags, name)) for name in flags.__all__]
    assert bits == [1, 2, 4, 8, 16, 32, 64]  # MUTED ... BOUGHT, STRONG
    assert all(getattr(flags, name).dtype == np.uint8 for name in flags.__all__)


# ------------------------------------------------------------------------------ arrays
CSR_INDPTR = np.array([0, 2, 2, 5, 6], np.int64)  # row 1 is empty
CSR_INDICES = np.array([1, 3, 0, 1, 3, 2], np.int64)  # rows sorted: [1,3] [] [0,1,3] [2]


def test_ragged_positions_concatenates_rows_in_the_order_asked() -> None:
    pos, owner = kernels.ragged_positions(CSR_INDPTR, np.array([2, 0, 1, 3]))
    assert pos.tolist() == [2, 3, 4, 0, 1, 5]
    assert owner.tolist() == [0, 0, 0, 1, 1, 3]
    assert pos.dtype == np.int64
    pos, owner = kernels.ragged_positions(CSR_INDPTR, np.array([3, 3]))
    assert pos.tolist() == [5, 5] and owner.tolist() == [0, 1]
    pos, owner = kernels.ragged_positions(CSR_INDPTR, np.array([1], np.int64))
    assert pos.tolist() == [] and owner.tolist() == []


def test_find_ties_bisects_each_row() -> None:
    i = np.array([0, 0, 0, 0, 1, 2, 2, 2, 2, 2, 3, 3, 3])
    j = np.array([1, 3, 2, 0, 0, 0, 1, 3, 2, 4, 2, 1, 3])
    got = kernels.find_ties(CSR_INDPTR, CSR_INDICES, i, j)
    assert got.tolist() == [0, 1, -1, -1, -1, 2, 3, 4, -1, -1, 5, -1, -1]


def test_find_ties_at_the_end_of_the_indices() -> None:
    # the last row's last entry, and pairs past it (the bisection's clamp to the array)
    indptr = np.array([0, 3, 6], np.int64)
    indices = np.array([2, 5, 9, 1, 4, 7], np.int64)
    i = np.array([1, 1, 1, 1, 1, 0, 0, 0])
    j = np.array([7, 8, 0, 4, 1, 9, 10, 5])
    got = kernels.find_ties(indptr, indices, i, j)
    assert got.tolist() == [5, -1, -1, 4, 3, 2, -1, 1]


def test_find_ties_in_long_rows_matches_a_search() -> None:
    rng = np.random.default_rng(3)
    rows = [np.sort(rng.choice(200, size=k, replace=False)) for k in (0, 1, 7, 64, 150, 3)]
    indptr = np.concatenate([[0], np.cumsum([r.size for r in rows])]).astype(np.int64)
    indices = np.concatenate(rows).astype(np.int64)
    i = rng.integers(0, len(rows), 3000)
    j = rng.integers(0, 201, 3000)
    want = []
    for a, b in zip(i.tolist(), j.tolist(), strict=True):
        hit = np.flatnonzero(rows[a] == b)
        want.append(int(indptr[a] + hit[0]) if hit.size else -1)
    assert kernels.find_ties(indptr, indices, i, j).tolist() == want
    assert sum(w >= 0 for w in want) > 300


def test_insert_at_keeps_order_and_dtype() -> None:
    a = np.array([10, 20, 30], np.int16)
    out = kernels.insert_at(np, a, np.array([0, 0, 3, 3]), np.array([1, 2, 40, 50]))
    assert out.tolist() == [1, 2, 10, 20, 30, 40, 50] and out.dtype == np.int16
    out = kernels.insert_at(np, a, np.array([1]), np.array([15]))
    assert out.tolist() == [10, 15, 20, 30]
    out = kernels.insert_at(np, a, np.zeros(0, np.int64), np.zeros(0, np.int16))
    assert out.tolist() == [10, 20, 30]
    assert np.array_equal(out, np.insert(a, [], []))


def test_unique_sorted_is_numpys_unique() -> None:
    for x in ([], [4], [4, 4], [3, 1], [5, 1, 5, 2, 2, 9, 1], [7, 7, 7, 7]):
        arr = np.array(x, np.int64)
        got = kernels.unique_sorted(np, arr)
        assert got.tolist() == np.unique(arr).tolist(), x
        assert got.dtype == np.int64


def test_in_sorted_is_numpys_isin() -> None:
    s = np.array([2, 5, 9], np.int64)
    x = np.array([0, 2, 3, 5, 9, 10, 100, 9, 1])
    assert kernels.in_sorted(np, x, s).tolist() == np.isin(x, s).tolist()
    assert kernels.in_sorted(np, x, np.array([9], np.int64)).tolist() == (x == 9).tolist()
    empty = kernels.in_sorted(np, x, np.zeros(0, np.int64))
    assert empty.tolist() == [False] * x.size and empty.dtype == bool


# ------------------------------------------------------------------------- orders
def test_purchase_probability_is_the_formula() -> None:
    trust = np.array([1.0, 0.5, 0.8, 0.2])
    need = np.array([1.0, 0.4, 0.5, 1.0])
    appeal = np.array([1.0, 2.0, 1.5, 1.0])
    price = np.array([100.0, 200.0, 50.0, 100.0])
    ann = np.array([0.0, 1.0, 2.0, 0.5])
    k = np.array([1, 3, 2, 0])
    p = (0.3 * trust * need * appeal * (100.0 / price) ** 1.5 * np.exp(-0.2 * ann))
    want = 1 - (1 - p) ** k
    got = kernels.purchase_probability(np, trust=trust, need=need, appeal=appeal, price=price,
                                       annoyance=ann, exposures=k, p_base=0.3,
                                       reference_price=100.0, elasticity=1.5, fatigue=0.2)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[3] == 0.0  # no ad seen, no intent
    # a precomputed price factor gives the same numbers
    got2 = kernels.purchase_probability(np, trust=trust, need=need, appeal=appeal, price=price,
                                        annoyance=ann, exposures=k, p_base=0.3,
                                        reference_price=100.0, elasticity=1.5, fatigue=0.2,
                                        price_factor=(100.0 / price) ** 1.5)
    np.testing.assert_allclose(got2, want, rtol=1e-12)
    # and a wrong one is used as given
    got3 = kernels.purchase_probability(np, trust=trust, need=need, appeal=appeal, price=price,
                                        annoyance=ann, exposures=k, p_base=0.3,
                                        reference_price=100.0, elasticity=1.5, fatigue=0.2,
                                        price_factor=np.ones(4))
    np.testing.assert_allclose(got3, 1 - (1 - p / (100.0 / price) ** 1.5) ** k, rtol=1e-12)


def test_purchase_probability_is_clipped_to_0_1() -> None:
    one = np.ones(3)
    got = kernels.purchase_probability(np, trust=np.array([1.0, 0.5, 1.0]), need=one,
                                       appeal=np.array([5.0, 1.0, -1.0]), price=one * 100,
                                       annoyance=0 * one, exposures=np.array([1, 2, 1]),
                                       p_base=0.5, reference_price=100.0, elasticity=1.0,
                                       fatigue=0.0)
    # 2.5 clips to 1; 0.25 twice gives 1 - 0.75**2; -0.5 clips to 0
    np.testing.assert_allclose(got, [1.0, 1 - 0.75 ** 2, 0.0], rtol=1e-12)


def _ration_reference(u: np.ndarray, group: np.ndarray, amount: np.ndarray,
                      cap: np.ndarray) -> np.ndarray:
    """Within each group, in the order of ``u``, accept while the running total fits."""
    ok = np.zeros(group.size, bool)
    for gi in np.unique(group):
        idx = np.flatnonzero(group == gi)
        idx = idx[np.argsort(u[idx], kind="stable")]
        ok[idx] = np.cumsum(amount[idx]) <= cap[gi]
    return ok


def test_ration_accepts_while_capacity_lasts() -> None:
    group = np.array([1, 0, 1, 0, 1, 2])
    amount = np.array([2, 1, 2, 1, 2, 5])
    cap = np.array([5, 4, 5])
    ok = kernels.ration(np, draws(4), group, amount, cap)
    # group 0: 1 + 1 <= 5, both; group 1: 2 + 2 <= 4, a third would make 6; group 2: 5 <= 5
    assert ok[[1, 3, 5]].all() and ok[[0, 2, 4]].sum() == 2
    u = np.random.default_rng(4).random(6, dtype=np.float32)
    np.testing.assert_array_equal(ok, _ration_reference(u, group, amount, cap))
    # the rejected one of group 1 is the last in the random order
    assert not ok[[0, 2, 4][int(np.argmax(u[[0, 2, 4]]))]]


@pytest.mark.parametrize("seed", range(6))
def test_ration_with_several_groups_follows_the_random_order(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    group = rng.integers(0, 4, 25)
    amount = rng.integers(1, 5, 25)
    cap = rng.integers(0, 12, 4)
    ok = kernels.ration(np, draws(seed), group, amount, cap)
    u = np.random.default_rng(seed).random(25, dtype=np.float32)
    np.testing.assert_array_equal(ok, _ration_reference(u, group, amount, cap))


def test_ration_one_request_per_group_and_edge_cases() -> None:
    d = draws(0)
    ok = kernels.ration(np, d, np.array([2, 0, 1]), np.array([3, 4, 1]), np.array([4, 5, 1]))
    assert ok.tolist() == [False, True, True]
    ok = kernels.ration(np, d, np.array([0]), np.array([2]), np.array([2]))
    assert ok.tolist() == [True]
    ok = kernels.ration(np, d, np.array([0]), np.array([3]), np.array([2]))
    assert ok.tolist() == [False]
    empty = kernels.ration(np, d, np.zeros(0, np.int64), np.zeros(0), np.array([1]))
    assert empty.shape == (0,) and empty.dtype == bool
    # a request per group draws its uniforms all the same (one per request)
    a, b = draws(9), np.random.default_rng(9)
    kernels.ration(np, a, np.array([0, 1, 2]), np.ones(3), np.ones(3))
    b.random(3, dtype=np.float32)
    assert a.random(1)[0] == b.random(1, dtype=np.float32)[0]


def test_ration_the_first_group_starts_from_zero() -> None:
    # (the running total of a group restarts at its first request)
    group = np.array([0, 0, 1, 1])
    amount = np.array([3, 3, 1, 1])
    cap = np.array([6, 1])
    for seed in range(5):
        ok = kernels.ration(np, draws(seed), group, amount, cap)
        assert ok[:2].all() and ok[2:].sum() == 1


@pytest.mark.parametrize("seed", range(3))
def test_bernoulli_is_numpys_binomial_at_the_edges(seed: int) -> None:
    p = np.array([0.0, 0.5, 0.5, 1.0, 0.25, 0.75, 0.5, 1e-9, 1 - 1e-9, 0.5] * 20)
    a, b = np.random.default_rng(seed), draws(seed)
    got = kernels.bernoulli(np, b, p)
    np.testing.assert_array_equal(got, a.binomial(1, p))
    assert got.dtype == np.int64
    assert a.random() == b.random(1, np.float64)[0]  # the same draws consumed


def test_bernoulli_when_the_uniform_equals_the_threshold() -> None:
    # seed 0's first double U is exactly exp(log(1 - p)) for this p: NumPy draws 0 (it
    # needs U > qn), and so must the kernel
    p = np.array([0.3630383126785457])
    assert np.exp(np.log(1.0 - p[0])) == np.random.default_rng(0).random()
    assert np.random.default_rng(0).binomial(1, p).tolist() == [0]
    assert kernels.bernoulli(np, draws(0), p).tolist() == [0]


# ------------------------------------------------------------------------- reactions
def test_thresholds_by_tolerance_type() -> None:
    thr = kernels.thresholds(np, kind=np.array([0, 1, 2, 1], np.uint8),
                             mute_thr=np.array([2.0, 3.0, 4.0, 5.0], np.float32),
                             block_thr=np.array([6.0, 7.0, 8.0, 9.0], np.float32),
                             report_thr=np.array([1.0, 20.0, 30.0, 4.0]),  # float64 in
                             escalation=1.5)
    assert thr.mute_at.tolist() == [2.0, 3.0, np.inf, 5.0]
    # a muter escalates at 1.5 x its MUTE threshold; a blocker blocks at its block threshold
    assert thr.block_at.tolist() == [np.inf, 4.5, 8.0, 7.5]
    assert thr.report_at.tolist() == [1.0, 20.0, 30.0, 4.0]
    assert thr.act_at.tolist() == [1.0, 3.0, 8.0, 4.0]
    for a in (thr.mute_at, thr.block_at, thr.report_at, thr.act_at):
        assert a.dtype == np.float32


def test_thresholds_insert() -> None:
    def t(*v: float) -> kernels.Thresholds:
        a = np.array(v, np.float32)
        return kernels.Thresholds(a, a + 1, a + 2, a + 3)

    out = t(1.0, 2.0).insert(np, np.array([0, 2]), t(10.0, 20.0))
    assert out.mute_at.tolist() == [10, 1, 2, 20]
    assert out.block_at.tolist() == [11, 2, 3, 21]
    assert out.report_at.tolist() == [12, 3, 4, 22]
    assert out.act_at.tolist() == [13, 4, 5, 23]


def _thr(mute: list[float], block: list[float], report: list[float]) -> kernels.Thresholds:
    m, b, r = (np.array(x, np.float32) for x in (mute, block, report))
    return kernels.Thresholds(m, b, r, np.minimum(np.minimum(m, b), r))


def test_react_mutes_blocks_and_reports_at_their_thresholds() -> None:
    inf = np.inf
    #          0     1     2     3     4     5     6     7     8
    mute = [2.0, 2.0, inf, 2.0, 2.0, 2.0, inf, 2.0, 2.0]
    block = [inf, 5.0, 3.0, 5.0, 5.0, 5.0, inf, 5.0, 5.0]
    report = [inf, inf, inf, inf, 4.0, 4.0, 4.0, inf, inf]
    ann = np.array([2.0, 5.0, 3.0, 1.9, 4.0, 9.0, 4.5, 2.5, 3.0], np.float32)
    f = np.array([0, 0, 0, 0, 0, REPORTED, 0, MUTED, REMOVED], np.uint8)
    r = kernels.react(np, draws(0), annoyance=ann, st_flags=f, thr=_thr(mute, block, report),
                      p_report=1.0)
    # 0 mutes at its threshold; 1 is over its escalation threshold but a muter blocks only
    # a tie muted on an earlier day: it mutes; 2 (a blocker: no mute threshold) blocks;
    # 3 is under; 4 mutes and reports; 5 mutes (not muted yet) and has reported already;
    # 6 only reports; 7 is muted already, under its escalation; 8 is removed: nothing more
    assert r.mute.tolist() == [0, 1, 4, 5]
    assert r.block.tolist() == [2]
    assert r.report.tolist() == [4, 6]
    r = kernels.react(np, draws(0), annoyance=ann, st_flags=f, thr=_thr(mute, block, report),
                      p_report=0.0)
    assert r.report.tolist() == [] and r.mute.tolist() == [0, 1, 4, 5]
    # a muted tie is blocked (an escalation) at its escalation threshold, not below
    r = kernels.react(np, draws(0), annoyance=np.array([6.0, 5.0, 4.9], np.float32),
                      st_flags=np.array([MUTED, MUTED, MUTED], np.uint8),
                      thr=_thr([2.0] * 3, [5.0] * 3, [inf] * 3), p_report=1.0)
    assert r.block.tolist() == [0, 1] and r.mute.tolist() == []


def test_react_reports_when_the_uniform_is_below_p_report() -> None:
    # p_report equal to the uniform drawn: no report (P(U < p) = p on the float32 grid)
    u = np.random.default_rng(6).random(1, dtype=np.float32)[0]
    thr = _thr([np.inf], [np.inf], [1.0])
    r = kernels.react(np, draws(6), annoyance=np.array([2.0], np.float32),
                      st_flags=np.zeros(1, np.uint8), thr=thr, p_report=float(u))
    assert r.report.tolist() == []
    r = kernels.react(np, draws(6), annoyance=np.array([2.0], np.float32),
                      st_flags=np.zeros(1, np.uint8), thr=thr,
                      p_report=float(np.nextafter(u, np.float32(1))))
    assert r.report.tolist() == [0]


def test_react_reports_with_probability_drawing_for_candidates_only() -> None:
    m = 400
    ann = np.full(m, 5.0, np.float32)
    ann[::4] = 1.0  # under every threshold: not examined, no draw
    f = np.zeros(m, np.uint8)
    f[1::4] = REPORTED  # reported already: no draw
    thr = _thr([np.inf] * m, [np.inf] * m, [3.0] * m)
    r = kernels.react(np, draws(5), annoyance=ann, st_flags=f, thr=thr, p_report=0.3)
    over = np.flatnonzero((ann >= 3.0) & (f == 0))
    u = np.random.default_rng(5).random(over.size, dtype=np.float32)
    assert r.report.tolist() == over[u < 0.3].tolist()
    assert r.mute.size == 0 and r.block.size == 0


# ------------------------------------------------------------------------------ feed
def _feed_case(**over: object) -> dict:
    # seller ties: 0 plain, 1 muted, 2 group member, 3 removed, 4 muted member,
    # 5 removed member, 6 plain toward seller 1, 7 muted toward seller 1 (no group)
    args = dict(
        opened=np.array([True, True, True, False]),
        st_viewer=np.array([0, 1, 2, 3, 1, 0, 3, 2]),
        st_slot=np.array([0, 0, 1, 0, 1, 1, 1, 1]),
        st_flags=np.array([0, MUTED, IN_GROUP, REMOVED, MUTED | IN_GROUP,
                           REMOVED | IN_GROUP, 0, MUTED], np.uint8),
        ads=np.array([3, 2]), life=np.array([1, 0]), group_ads=np.array([0, 4]),
        attention=np.full(4, 1e6, np.float32),
        ordinary_load=np.array([2.0, 5.0, 0.0, 1.0], np.float32),
        p_read_group=1.0, p_direct=1.0)
    args.update(over)
    return args


def test_fill_feeds_channels_when_everything_is_read() -> None:
    exp = kernels.fill_feeds(np, draws(0), **_feed_case())
    assert exp.moments.tolist() == [3, 0, 2, 0, 0, 0, 0, 0]  # 6: viewer 3 did not open
    assert exp.lifestyle.tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert exp.group.tolist() == [0, 0, 4, 0, 4, 0, 0, 0]  # members, whatever they opened
    assert exp.direct.tolist() == [0, 3, 0, 0, 0, 0, 0, 2]  # muted, not in the group
    assert (exp.ads_in_feed, exp.lifestyle_seen, exp.group_seen, exp.direct_seen) == (
        5.0, 1.0, 8.0, 5.0)
    for a in (exp.moments, exp.group, exp.direct, exp.lifestyle):
        assert a.dtype == np.int32
    assert exp.ordinary_seen == pytest.approx(7.0)  # 2 + 5 + 0; viewer 3 did not open
    assert exp.crowded_out == pytest.approx(0.0)


def test_fill_feeds_attention_shares_and_crowding() -> None:
    # viewer 0 has 3 ads + 1 life post + 2 ordinary = 6 items for 2 of attention (1/3);
    # viewer 1 sees no seller in Moments: 5 ordinary for 1 (1/5); viewer 2: 2 ads, 10 of
    # attention (all); viewer 3 did not open
    args = _feed_case(attention=np.array([2.0, 1.0, 10.0, 10.0], np.float32),
                      p_read_group=0.0, p_direct=0.0)
    exp = kernels.fill_feeds(np, draws(0), **args)
    assert exp.ordinary_seen == pytest.approx(2 / 3 + 1.0, rel=1e-6)
    assert exp.crowded_out == pytest.approx(7 - (2 / 3 + 1.0), rel=1e-6)
    assert exp.group.sum() == 0 and exp.direct.sum() == 0
    assert exp.moments[2] == 2  # read with probability 1
    assert exp.moments[[1, 3, 4, 5, 6, 7]].sum() == 0


def test_fill_feeds_attention_over_a_load_below_one() -> None:
    # a load of 0.5 items (ordinary posts only) and attention 0.25: half of it is read
    args = _feed_case(ordinary_load=np.array([0.5, 0.0, 0.0, 0.0], np.float32),
                      attention=np.array([0.25, 1.0, 1.0, 1.0], np.float32),
                      ads=np.array([0, 0]), life=np.array([0, 0]), group_ads=np.array([0, 0]))
    exp = kernels.fill_feeds(np, draws(0), **args)
    assert exp.ordinary_seen == pytest.approx(0.25)
    assert exp.crowded_out == pytest.approx(0.25)


def test_fill_feeds_nothing_to_read_reads_nothing() -> None:
    # a viewer with no posts at all: load 0 gives share 0 (no division by zero)
    args = _feed_case(ordinary_load=np.zeros(4, np.float32), ads=np.array([0, 0]),
                      life=np.array([0, 0]), group_ads=np.array([0, 0]))
    exp = kernels.fill_feeds(np, draws(0), **args)
    assert exp.ordinary_seen == 0.0 and exp.crowded_out == 0.0
    assert exp.ads_in_feed == exp.group_seen == exp.direct_seen == exp.lifestyle_seen == 0.0
    assert not exp.moments.any() and not exp.direct.any()


def _replay_bernoulli(rng: np.random.Generator, channels: list[tuple[np.ndarray, object]],
                      m: int) -> list[np.ndarray]:
    """The documented Bernoulli pass: one float32 uniform per trial, channel by channel,
    tie by tie, ``cnt`` trials each, a hit when the uniform is below ``p``."""
    total = sum(int(c.sum()) for c, _ in channels)
    u = rng.random(total, dtype=np.float32)
    outs, k = [], 0
    for cnt, p in channels:
        out = np.zeros(m, np.int64)
        for t in range(m):
            c = int(cnt[t])
            pt = p[t] if np.ndim(p) else p
            out[t] = int((u[k:k + c] < np.float32(pt)).sum())
            k += c
        outs.append(out)
    return outs


def test_fill_feeds_draws_the_documented_stream() -> None:
    rng = np.random.default_rng(11)
    n, m, s = 30, 200, 6
    args = dict(opened=rng.random(n) < 0.7, st_viewer=np.sort(rng.integers(0, n, m)),
                st_slot=rng.integers(0, s, m),
                st_flags=rng.choice(np.array([0, MUTED, REMOVED, IN_GROUP, MUTED | IN_GROUP,
                                              REPORTED], np.uint8), m),
                ads=rng.integers(0, 4, s), life=rng.integers(0, 3, s),
                group_ads=rng.integers(0, 3, s), attention=rng.random(n).astype(np.float32) * 8,
                ordinary_load=rng.random(n).astype(np.float32) * 6, p_read_group=0.4,
                p_direct=0.3)
    exp = kernels.fill_feeds(np, draws(2), **args)
    f, v, sl = args["st_flags"], args["st_viewer"], args["st_slot"]
    vis = ((f & (MUTED | REMOVED)) == 0) & args["opened"][v]
    ads_t = args["ads"][sl] * vis
    life_t = args["life"][sl] * vis
    load = np.bincount(v, weights=ads_t + life_t, minlength=n).astype(np.float32)
    load = load + args["ordinary_load"]
    share = np.minimum(args["attention"] / np.maximum(load, np.float32(1e-9)), np.float32(1))
    share = (share * ((load > 0) & args["opened"])).astype(np.float32)
    grp = (f & (IN_GROUP | REMOVED)) == IN_GROUP
    drc = (f & (MUTED | REMOVED | IN_GROUP)) == MUTED
    want = _replay_bernoulli(np.random.default_rng(2), [
        (ads_t, share[v]), (life_t, share[v]), (args["group_ads"][sl] * grp, 0.4),
        (args["ads"][sl] * drc, 0.3)], m)
    for got, w in zip((exp.moments, exp.lifestyle, exp.group, exp.direct), want, strict=True):
        np.testing.assert_array_equal(got, w)
    assert (exp.ads_in_feed, exp.lifestyle_seen, exp.group_seen, exp.direct_seen) == tuple(
        float(w.sum()) for w in want)
    assert all(w.sum() > 0 for w in want)
    assert exp.ordinary_seen == pytest.approx(float((args["ordinary_load"] * share).sum()),
                                              rel=1e-6)
    crowded = float((args["ordinary_load"] * args["opened"]).sum()) - exp.ordinary_seen
    assert exp.crowded_out == pytest.approx(crowded, rel=1e-6)


def test_fill_feeds_many_ads_per_tie_use_binomial_draws() -> None:
    # more than _BERNOULLI_MEAN trials per tie: each channel draws binomials, one by one
    args = _feed_case(ads=np.array([30, 40]), life=np.array([20, 0]),
                      group_ads=np.array([0, 25]),
                      attention=np.array([14.0, 1e6, 1e6, 1e6], np.float32),
                      p_read_group=0.5, p_direct=0.25)
    exp = kernels.fill_feeds(np, draws(3), **args)
    rng = np.random.default_rng(3)
    share0 = np.float32(14.0) / np.float32(30 + 20 + 2)
    assert exp.moments[[0, 2]].tolist() == rng.binomial([30, 40], [share0, 1.0]).tolist()
    assert exp.lifestyle[0] == rng.binomial([20], [share0])[0]
    assert exp.group[[2, 4]].tolist() == rng.binomial([25, 25], 0.5).tolist()
    assert exp.direct[[1, 7]].tolist() == rng.binomial([30, 40], 0.25).tolist()
    assert exp.ads_in_feed == float(exp.moments.sum())
    assert exp.group_seen == float(exp.group.sum())
    assert exp.direct_seen == float(exp.direct.sum())
    assert exp.lifestyle_seen == float(exp.lifestyle.sum())


def test_fill_feeds_mixed_bernoulli_and_binomial_channels() -> None:
    # Moments and direct many trials a tie, group one: the channels are drawn one by one,
    # each by its own law, in the documented order
    args = _feed_case(ads=np.array([30, 2]), life=np.array([0, 0]),
                      group_ads=np.array([0, 1]), p_read_group=0.5, p_direct=0.25)
    exp = kernels.fill_feeds(np, draws(4), **args)
    rng = np.random.default_rng(4)
    # Moments: ties 0 (30 ads) and 2 (2 ads), all read: 16 a tie on average, binomials
    assert exp.moments[[0, 2]].tolist() == rng.binomial([30, 2], [1.0, 1.0]).tolist()
    # lifestyle: nothing posted, nothing drawn; group: ties 2 and 4, one ad each, uniforms
    u = rng.random(2, dtype=np.float32)
    assert exp.group[[2, 4]].tolist() == (u < 0.5).astype(int).tolist()
    # direct: ties 1 (30 ads of seller 0) and 7 (2 of seller 1)
    assert exp.direct[[1, 7]].tolist() == rng.binomial([30, 2], 0.25).tolist()
    assert exp.lifestyle.sum() == 0 and exp.lifestyle_seen == 0.0
    assert exp.group_seen == float(exp.group.sum())


def test_sparse_binomial_draws_only_where_there_are_trials() -> None:
    n = np.array([0, 2, 0, 1, 3, 0])
    p = np.array([0.9, 0.5, 0.9, 0.25, 0.75, 0.9])
    got = kernels.sparse_binomial(np, draws(1), n, p)
    want = _replay_bernoulli(np.random.default_rng(1), [(n, p)], 6)[0]
    np.testing.assert_array_equal(got, want)
    assert got.dtype == np.int32
    # through an index, and a scalar
    idx = np.array([1, 0, 1, 1, 0, 0])
    q = np.array([0.2, 0.7])
    got = kernels.sparse_binomial(np, draws(2), n, q, index=idx)
    want = _replay_bernoulli(np.random.default_rng(2), [(n, q[idx])], 6)[0]
    np.testing.assert_array_equal(got, want)
    got = kernels.sparse_binomial(np, draws(3), n, 0.6)
    want = _replay_bernoulli(np.random.default_rng(3), [(n, 0.6)], 6)[0]
    np.testing.assert_array_equal(got, want)
    # nothing to draw
    assert kernels.sparse_binomial(np, draws(3), np.zeros(4, np.int64), 0.5).tolist() == [0] * 4
    d = draws(7)
    kernels.sparse_binomial(np, d, np.zeros(4, np.int64), 0.5)
    assert d.random(1)[0] == np.random.default_rng(7).random(1, dtype=np.float32)[0]


@pytest.mark.parametrize(("trials", "binomial"), [(12, False), (13, True)])
def test_sparse_binomial_switches_to_binomials_above_twelve_trials(trials: int,
                                                                   binomial: bool) -> None:
    n = np.array([trials, 0, trials, trials])
    p = np.array([0.3, 0.5, 0.6, 0.9])
    got = kernels.sparse_binomial(np, draws(8), n, p)
    rng = np.random.default_rng(8)
    if binomial:
        want = np.zeros(4, np.int64)
        want[[0, 2, 3]] = rng.binomial(n[[0, 2, 3]], p[[0, 2, 3]])
    else:
        want = _replay_bernoulli(rng, [(n, p)], 4)[0]
    np.testing.assert_array_equal(got, want)
    assert feed._BERNOULLI_MEAN == 12


def test_sparse_binomial_with_one_p_per_entry_on_a_device_backend() -> None:
    # p given per entry (no index) is gathered at the nonzero entries and used as it is; on
    # the strict backend (CuPy's rules on NumPy, repeat() by searchsorted) the numbers are
    # NumPy's, on the Bernoulli path and on the binomial path
    xs = get_xp("strict")
    p = np.array([0.1, 0.5, 0.9, 0.3, 0.7, 0.2])
    for n in (np.array([0, 2, 0, 3, 1, 0]), np.array([0, 40, 0, 50, 0, 30])):
        want = kernels.sparse_binomial(np, draws(1), n, p)
        got = kernels.sparse_binomial(xs, Draws(xs, np.random.default_rng(1)), xs.asarray(n),
                                      xs.asarray(p))
        assert to_host(got).tolist() == want.tolist()
        assert not want[n == 0].any() and want.sum() > 0


def test_sparse_binomial_one_entry_one_trial() -> None:
    assert kernels.sparse_binomial(np, draws(0), np.array([0, 1, 0]), 1.0).tolist() == [0, 1, 0]
    assert kernels.sparse_binomial(np, draws(0), np.array([0, 0, 5]), 1.0).tolist() == [0, 0, 5]
    assert kernels.sparse_binomial(np, draws(0), np.array([40, 0]),
                                   np.array([1.0, 0.0])).tolist() == [40, 0]


def test_a_trial_succeeds_when_its_uniform_is_below_p() -> None:
    # p equal to the uniform drawn: not a success (P(U < p) = p for U on the float32 grid)
    u = np.random.default_rng(5).random(1, dtype=np.float32)
    assert kernels.sparse_binomial(np, draws(5), np.array([1]), float(u[0])).tolist() == [0]
    assert kernels.sparse_binomial(np, draws(5), np.array([1]),
                                   float(np.nextafter(u[0], np.float32(1)))).tolist() == [1]
    # the same through the feed's one-pass draws (a scalar and a per-tie probability)
    args = _feed_case(ads=np.array([1, 0]), life=np.array([0, 0]), group_ads=np.array([0, 0]),
                      attention=np.array([1e6, 1e6, 1e6, 1e6], np.float32),
                      st_flags=np.array([REMOVED, REMOVED, REMOVED, REMOVED, REMOVED, REMOVED,
                                         REMOVED, MUTED], np.uint8),
                      st_slot=np.array([0, 0, 0, 0, 0, 0, 0, 0]), p_direct=float(u[0]))
    exp = kernels.fill_feeds(np, draws(5), **args)
    assert exp.direct.tolist() == [0] * 8


def test_flag_table_channels() -> None:
    # a namespace of a new name: the table is built here, not read from the cache (which a
    # process forked after an earlier call would hold)
    xp = types.SimpleNamespace(__name__=f"numpy-{uuid.uuid4().hex}", asarray=np.asarray)
    table = feed._flag_table(xp)
    assert feed._flag_table(xp) is table  # cached per namespace
    # each namespace has its own table (in its own arrays)
    other = types.SimpleNamespace(__name__=f"numpy-{uuid.uuid4().hex}",
                                  asarray=lambda a: np.asarray(a, dtype=np.int16))
    assert feed._flag_table(other).dtype == np.int16 and table.dtype == np.uint8
    assert feed._flag_table(other).tolist() == table.tolist()
    assert table.dtype == np.uint8 and table.shape == (256,)
    assert table[0] == 1  # visible only
    assert table[MUTED] == 4  # reached directly
    assert table[REMOVED] == 0 and table[REMOVED | IN_GROUP] == 0
    assert table[IN_GROUP] == 1 | 2
    assert table[MUTED | IN_GROUP] == 2
    assert table[REPORTED] == 1 and table[REPORTED | MUTED] == 4
    f = np.arange(256)
    want = (np.where((f & 3) == 0, 1, 0) | np.where((f & 18) == 16, 2, 0)
            | np.where((f & 19) == 1, 4, 0))
    assert table.tolist() == want.tolist()
