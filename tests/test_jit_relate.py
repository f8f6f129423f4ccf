"""Step 4's compiled loops (:mod:`sim.kernels.reactions`) give the array path's bytes.

Each compiled path (reactions, mutes, reports, tie removal, the counts per
seller) is run against its array path (``SCSIM_JIT=0``) on the same inputs
and the same random stream: results must be equal in value and dtype, the
state's arrays and running sums equal, and the stream left in the same state.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.backend import Draws
from sim.kernels import Thresholds, jit, react
from sim.kernels.flags import MUTED, REMOVED, REPORTED
from sim.kernels.reactions import count_at, drop_mutual, or_flags_at
from sim.model import SocialCommerceModel
from sim.rules.relationships import relate

pytestmark = pytest.mark.skipif(not jit.enabled(np), reason="Numba is not installed")
_FIXTURE = [HealthCheck.function_scoped_fixture]  # (monkeypatch only sets SCSIM_JIT, each time)

_FLAGS = np.array([0, MUTED, REMOVED, REPORTED, MUTED | REPORTED, MUTED | REMOVED,
                   REPORTED | REMOVED, MUTED | REPORTED | REMOVED], np.uint8)


def _same(a, b) -> None:
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)


def _thresholds(rng, m: int) -> Thresholds:
    """Thresholds as :func:`sim.kernels.thresholds` makes them: some infinite, on a coarse grid."""
    inf = np.float32(np.inf)
    kind = rng.integers(0, 3, m)
    mute = rng.integers(1, 6, m).astype(np.float32)
    mute_at = np.where(kind == 2, inf, mute).astype(np.float32)
    block_at = np.where(kind == 2, rng.integers(1, 8, m).astype(np.float32),
                        np.where(kind == 1, mute * np.float32(2.0), inf)).astype(np.float32)
    report_at = np.where(rng.random(m) < 0.3, inf,
                         rng.integers(2, 9, m).astype(np.float32)).astype(np.float32)
    act_at = np.minimum(np.minimum(mute_at, block_at), report_at)
    return Thresholds(mute_at, block_at, report_at, act_at)


def _react(monkeypatch, flag: str, seed: int, **kw):
    monkeypatch.setenv("SCSIM_JIT", flag)
    rng = np.random.default_rng(seed)
    r = react(np, Draws(np, rng), **kw)
    return r, rng.random()  # the next number tells the stream's state


def _react_both(monkeypatch, seed: int, **kw) -> None:
    a, after_a = _react(monkeypatch, "0", seed, **kw)
    b, after_b = _react(monkeypatch, "1", seed, **kw)
    for name in ("mute", "block", "report"):
        _same(getattr(a, name), getattr(b, name))
    assert after_a == after_b


@settings(max_examples=60, deadline=None, suppress_health_check=_FIXTURE)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(0, 300),
       p_report=st.sampled_from([0.0, 0.05, 0.5, 1.0]))
def test_react_compiled_equals_array_path(monkeypatch, seed, m, p_report):
    rng = np.random.default_rng(seed)
    ann = rng.integers(0, 10, m).astype(np.float32)
    ann[rng.random(m) < 0.1] += np.float32(0.5)
    _react_both(monkeypatch, seed, annoyance=ann, st_flags=rng.choice(_FLAGS, m),
                thr=_thresholds(rng, m), p_report=p_report)


@pytest.mark.parametrize("case", ["nothing_over", "all_removed", "all_over", "nan", "empty"])
def test_react_compiled_edge_cases(monkeypatch, case):
    rng = np.random.default_rng(7)
    m = 0 if case == "empty" else 200
    thr = _thresholds(rng, m)
    flags = rng.choice(_FLAGS, m)
    ann = np.full(m, 100.0, np.float32)
    if case == "nothing_over":
        ann = np.zeros(m, np.float32)
    elif case == "all_removed":
        flags |= REMOVED
    elif case == "nan":
        ann[::3] = np.nan
    _react_both(monkeypatch, 3, annoyance=ann, st_flags=flags, thr=thr, p_report=0.5)


@settings(max_examples=30, deadline=None, suppress_health_check=_FIXTURE)
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(0, 50))
def test_count_and_flag_writes_compiled_equal_array_path(monkeypatch, seed, p):
    rng = np.random.default_rng(seed)
    m = 40
    key = rng.integers(0, 6, m).astype(np.int64)
    pos = np.sort(rng.integers(0, m, p)).astype(np.int64)
    tie = np.sort(rng.choice(500, m, replace=False)).astype(np.int64)
    out = {}
    for flag in ("0", "1"):
        monkeypatch.setenv("SCSIM_JIT", flag)
        counts = np.arange(6, dtype=np.int64)
        count_at(np, counts, key, pos)
        st_flags = np.array(np.resize(_FLAGS, m))
        tie_flags = np.array(np.resize(_FLAGS, 500))
        or_flags_at(np, pos, tie, REPORTED, st_flags, tie_flags)
        out[flag] = (counts, st_flags, tie_flags)
    for a, b in zip(out["0"], out["1"], strict=True):
        _same(a, b)


@pytest.mark.parametrize("spread", [60, 10**8])
def test_drop_mutual_equals_in_sorted(spread):
    rng = np.random.default_rng(0)
    for _ in range(50):
        e = np.unique(rng.integers(0, spread, 30)).astype(np.int64)
        other = np.concatenate([rng.integers(0, spread, 10), e[:5] + (1 << 20)])  # same low bits
        r = rng.permutation(np.concatenate([e, other]))[:e.size].astype(np.int64)
        keep = np.empty(e.size, bool)
        n = drop_mutual(e, r, keep)
        want = ~(np.isin(r, e) & (e > r))
        _same(keep, want)
        assert n == int((~want).sum())
    keep = np.empty(0, bool)
    assert drop_mutual(np.zeros(0, np.int64), np.zeros(0, np.int64), keep) == 0


# ------------------------------------------------------------ on a model's state

@pytest.fixture(scope="module")
def town() -> bytes:
    """A small model after a few days (some ties muted, reported, removed), pickled."""
    m = SocialCommerceModel(seed=3, overrides={"graph.n_people": 1500})
    for _ in range(4):
        m.step()
    return pickle.dumps(m)


def _state_bytes(s) -> tuple:
    return (s.ties.flags, s.st.flags, s.people.ordinary_load, s.plain_trust, s.st_trust,
            s.plain_alive, s.st_alive, s.alive_ties, [x.copy() for x in s._removed_log])


def _assert_same_state(a, b) -> None:
    for x, y in zip(_state_bytes(a), _state_bytes(b), strict=True):
        if isinstance(x, np.ndarray):
            _same(x, y)
        elif isinstance(x, list):
            assert len(x) == len(y)
            for u, v in zip(x, y, strict=True):
                _same(u, v)
        else:
            assert x == y and type(x) is type(y)


def _on_both(monkeypatch, town: bytes, op) -> tuple:
    """Run ``op(model)`` on two copies of the model, the array path then the compiled one."""
    out = []
    for flag in ("0", "1"):
        monkeypatch.setenv("SCSIM_JIT", flag)
        m = pickle.loads(town)
        out.append((m, op(m)))
    _assert_same_state(out[0][0].state, out[1][0].state)
    out[1][0].state.check()
    return out[0][1], out[1][1]


@pytest.mark.parametrize("seed", range(4))
def test_mute_compiled_equals_array_path(monkeypatch, town, seed):
    def op(m):
        s = m.state
        rng = np.random.default_rng(seed)
        pos = np.flatnonzero((s.st.flags & (MUTED | REMOVED)) == 0)
        received = np.arange(m.sellers.size, dtype=np.int64)
        s.mute(np.sort(rng.choice(pos, pos.size // 3, replace=False)),
               received if seed % 2 else None)
        return received
    a, b = _on_both(monkeypatch, town, op)
    _same(a, b)


def test_mute_and_report_nothing(monkeypatch, town):
    def op(m):
        m.state.mute(np.zeros(0, np.int64))
        m.state.report(np.zeros(0, np.int64))
    _on_both(monkeypatch, town, op)


@pytest.mark.parametrize("how", ["seller_ties", "seller_ties_mutual", "any", "any_unsorted",
                                 "all_alive"])
def test_remove_ties_compiled_equals_array_path(monkeypatch, town, how):
    def op(m):
        s = m.state
        rng = np.random.default_rng(len(how))
        alive = np.flatnonzero((s.st.flags & REMOVED) == 0)
        if how.startswith("seller_ties"):
            pos = np.sort(rng.choice(alive, alive.size // 4, replace=False))
            e = s.st.tie[pos]
            if how == "seller_ties_mutual":  # add reverse seller ties: some friendships twice
                rev = s.dgraph.rev[e].astype(np.int64)
                both = np.flatnonzero(np.isin(rev, s.st.tie))
                assert both.size > 0
                pos = np.union1d(pos, np.searchsorted(s.st.tie, rev[both]))
                pos = pos[(s.st.flags[pos] & REMOVED) == 0]
                e = s.st.tie[pos]
            return s.remove_ties(e, alive_sorted=True, st_pos=pos)
        if how == "all_alive":
            e = np.flatnonzero((s.ties.flags & REMOVED) == 0)
            return s.remove_ties(e, alive_sorted=True)
        e = rng.integers(0, s.graph.n_ties, 3000).astype(np.int64)
        if how == "any":
            e = np.unique(e)
            e = e[(s.ties.flags[e] & REMOVED) == 0]
            return s.remove_ties(e, alive_sorted=True)
        return s.remove_ties(e)
    a, b = _on_both(monkeypatch, town, op)
    _same(a, b)


def test_remove_ties_all_removed_already(monkeypatch, town):
    def op(m):
        s = m.state
        return s.remove_ties(np.flatnonzero(s.ties.flags & REMOVED)[:50].astype(np.int64))
    a, b = _on_both(monkeypatch, town, op)
    _same(a, b)
    assert a.shape[0] == 0


@pytest.mark.parametrize("day", range(3))
def test_relate_compiled_equals_array_path(monkeypatch, town, day):
    def op(m):
        for _ in range(day):
            m.step()
        relate(m)
        after = (m.draws["report"].random(3), m.draws["churn"].random(3))
        return (dict(m.today), m.reports_today, m.sellers.cols["mutes_received"].copy(),
                m.sellers.cols["blocks_received"].copy(), after)
    a, b = _on_both(monkeypatch, town, op)
    assert a[0] == b[0]
    for x, y in zip(a[1:4], b[1:4], strict=True):
        _same(x, y)
    for x, y in zip(a[4], b[4], strict=True):
        _same(x, y)
