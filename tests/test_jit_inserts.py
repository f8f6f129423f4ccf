"""The compiled sorted insert (block copies) gives the mask-scatter path's bytes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels import jit
from sim.kernels.arrays import Insertion, insert_at, insert_sorted

pytest.importorskip("numba")

DTYPES = (np.uint8, np.float32, np.int64, np.bool_, np.uint32, np.int16, np.float64)


def _reference(monkeypatch: pytest.MonkeyPatch, a: np.ndarray, at: np.ndarray,
               values: np.ndarray) -> np.ndarray:
    with monkeypatch.context() as mp:
        mp.setenv("SCSIM_JIT", "0")
        assert not jit.enabled(np)
        return insert_at(np, a, at, values)


@pytest.fixture(autouse=True)
def _jit_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCSIM_JIT", "1")


def _same(x: np.ndarray, y: np.ndarray) -> bool:
    """Same dtype, shape and bytes (NaNs included)."""
    return x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()


def _check(monkeypatch: pytest.MonkeyPatch, a: np.ndarray, at: np.ndarray,
           values: np.ndarray) -> None:
    assert jit.enabled(np)
    ref = _reference(monkeypatch, a, at, values)
    ins = Insertion(np, a.shape[0], at)
    got = insert_at(np, a, ins, values)
    assert ins._masks is None  # the compiled path ran, without the masks
    assert _same(got, ref)
    assert _same(insert_sorted(a, at, values), ref)
    assert _same(ref, np.insert(a, at, values.astype(a.dtype)))


def _values(rng: np.random.Generator, n: int, dtype: type) -> np.ndarray:
    return (rng.random(n) * 200).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_edge_cases(monkeypatch: pytest.MonkeyPatch, dtype: type) -> None:
    rng = np.random.default_rng(1)
    a = _values(rng, 9, dtype)
    m = a.shape[0]
    for at in ([], [0], [m], [0, 0, 0], [m, m], [3, 3, 3, 5], [0, m], list(range(m + 1)),
               [0, 1, 1, 4, 9, 9]):
        at_ = np.asarray(at, np.int64)
        _check(monkeypatch, a, at_, _values(rng, at_.shape[0], dtype))
    empty = np.zeros(0, dtype)
    _check(monkeypatch, empty, np.zeros(4, np.int64), _values(rng, 4, dtype))
    _check(monkeypatch, empty, np.zeros(0, np.int64), empty)


@pytest.mark.parametrize("dtype", DTYPES)
def test_random(monkeypatch: pytest.MonkeyPatch, dtype: type) -> None:
    rng = np.random.default_rng(2)
    for m, k in ((1000, 10), (1000, 3000), (50, 1), (0, 7), (10_000, 0)):
        a = _values(rng, m, dtype)
        at = np.sort(rng.integers(0, m + 1, k))
        _check(monkeypatch, a, at, _values(rng, k, dtype))


def test_one_insertion_for_many_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    m, k = 500, 40
    ins = Insertion(np, m, np.sort(rng.integers(0, m + 1, k)))
    for dtype in DTYPES:
        a, v = _values(rng, m, dtype), _values(rng, k, dtype)
        assert _same(insert_at(np, a, ins, v), _reference(monkeypatch, a, ins.at, v))


def test_values_cast_and_positions_of_other_dtypes(monkeypatch: pytest.MonkeyPatch) -> None:
    a = np.array([10, 20, 30], np.int16)
    for at in (np.array([0, 2, 3], np.int32), np.array([1, 1, 1], np.intp)):
        for v in (np.array([1, 2, 3], np.int64), np.array([1.7, -2.2, 3e4], np.float64),
                  np.array([True, False, True])):
            _check(monkeypatch, a, at, v)
    f = np.array([0.5, 1.5], np.float32)
    _check(monkeypatch, f, np.array([1, 2]), np.array([1 / 3, np.nan]))
    # a scalar or length-1 value is broadcast, as the scatter broadcasts it
    ref = _reference(monkeypatch, a, np.array([0, 3]), np.array([7]))
    assert _same(insert_at(np, a, np.array([0, 3]), np.array([7])), ref)


def test_invalid_positions_take_the_array_path(monkeypatch: pytest.MonkeyPatch) -> None:
    a = np.arange(5, dtype=np.int64)
    v = np.array([-1, -2, -3], np.int64)
    for at in ([3, 0, 4], [4, 1, 2], [0, 2, 9], [-9, 0, 1], [-1, 0, 0]):
        at_ = np.asarray(at)
        try:
            ref = _reference(monkeypatch, a, at_, v)
        except (IndexError, ValueError) as err:
            with pytest.raises(type(err)):
                insert_at(np, a, at_, v)
        else:
            assert _same(insert_at(np, a, at_, v), ref)
    with pytest.raises(ValueError):
        insert_at(np, a, np.array([0, 1]), v)
    with pytest.raises(ValueError):
        insert_at(np, a, Insertion(np, 4, np.array([0, 1, 2])), v)


@settings(max_examples=200, deadline=None)
@given(m=st.integers(0, 60), k=st.integers(0, 60), seed=st.integers(0, 2**32 - 1),
       dtype=st.sampled_from(DTYPES))
def test_hypothesis(m: int, k: int, seed: int, dtype: type) -> None:
    rng = np.random.default_rng(seed)
    a = _values(rng, m, dtype)
    at = np.sort(rng.integers(0, m + 1, k))
    v = _values(rng, k, dtype)
    got = insert_sorted(a, at, v)  # the compiled path, whatever SCSIM_JIT says
    ins = Insertion(np, m, at)
    out = np.empty(m + k, dtype)
    out[ins.new] = v
    out[ins.old] = a
    assert _same(got, out)
