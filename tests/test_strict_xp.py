"""The strict backend: CuPy-like device arrays on the CPU that never mix with host arrays."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sim.strict_xp import DeviceArray, StrictDraws, xp


def host(a: DeviceArray) -> np.ndarray:
    assert isinstance(a, DeviceArray), type(a)
    return a.get()


def test_operators_and_comparisons_match_numpy() -> None:
    h = np.arange(1, 7, dtype=np.int64)
    d = xp.asarray(h)
    for op in (lambda a: a + 2, lambda a: 2 - a, lambda a: a * a, lambda a: a / 4,
               lambda a: a // 4, lambda a: a % 4, lambda a: a ** 2, lambda a: -a,
               lambda a: a & 3, lambda a: a | 8, lambda a: a ^ 5, lambda a: ~a,
               lambda a: a < 3, lambda a: a <= 3, lambda a: a == 3, lambda a: a != 3,
               lambda a: a >= 3, lambda a: abs(-a)):
        np.testing.assert_array_equal(host(op(d)), op(h))
        assert op(d).dtype == op(h).dtype


def test_in_place_ops_write_into_the_same_buffer() -> None:
    a = xp.zeros(4, dtype=xp.int64)
    buf = a._a
    a += xp.arange(4)
    a *= 3
    m = xp.asarray([True, True, False, True])
    m &= ~xp.asarray([False, True, False, False])
    flags = xp.zeros(5, dtype=xp.uint8)
    flags[xp.asarray([1, 3])] |= 4
    flags[2:] |= 1
    assert a._a is buf
    np.testing.assert_array_equal(host(a), [0, 3, 6, 9])
    np.testing.assert_array_equal(host(m), [True, False, False, True])
    np.testing.assert_array_equal(host(flags), [0, 4, 1, 5, 1])


def test_indexing_get_and_set() -> None:
    h = np.arange(12.0).reshape(3, 4)
    d = xp.asarray(h)
    idx = xp.asarray([2, 0])
    np.testing.assert_array_equal(host(d[idx]), h[[2, 0]])
    np.testing.assert_array_equal(host(d[idx, 1:3]), h[[2, 0], 1:3])
    np.testing.assert_array_equal(host(d[d > 5]), h[h > 5])
    np.testing.assert_array_equal(host(d[None, ..., 0]), h[None, ..., 0])
    d[idx, xp.asarray([1, 1])] = xp.asarray([-1.0, -2.0])
    d[0, 0] = 7
    d[d < -1.5] = 0.5
    assert host(d)[2, 1] == -1.0 and host(d)[0, 1] == 0.5 and host(d)[0, 0] == 7
    s = d[1, 2]
    assert isinstance(s, DeviceArray) and s.ndim == 0 and float(s) == 6.0


def test_zero_d_results_and_conversions() -> None:
    d = xp.asarray([1.5, 2.5])
    s = d.sum()
    assert isinstance(s, DeviceArray) and s.shape == () and s.dtype == np.float64
    assert float(s) == 4.0 and int(s) == 4 and bool(s) and complex(s) == 4 + 0j
    assert xp.asarray([3])[0].__index__() == 3 and [10, 20, 30, 40][xp.asarray(2)] == 30
    assert isinstance(xp.max(d), DeviceArray) and float(xp.max(d)) == 2.5
    assert isinstance(xp.add(1, 2), DeviceArray)
    assert d.tolist() == [1.5, 2.5] and type(d.max().item()) is float
    assert [float(v) for v in d] == [1.5, 2.5] and len(d) == 2
    assert f"{s:.1f}" == "4.0" and repr(d).startswith("DeviceArray(")
    assert isinstance(d.T, DeviceArray) and d.shape == (2,) and d.nbytes == 16
    assert isinstance(copy.deepcopy(d), DeviceArray)
    assert np.float64(s) == 4.0  # float64 subclasses float: goes through __float__, as in CuPy
    with pytest.raises(TypeError):
        hash(d)
    with pytest.raises((TypeError, ValueError)):
        bool(d)


def test_ufunc_methods_and_out() -> None:
    counts = xp.zeros(3, dtype=xp.int64)
    xp.add.at(counts, xp.asarray([0, 2, 2, 2]), 1)
    np.add.at(counts, xp.asarray([1]), xp.asarray([5]))
    np.testing.assert_array_equal(host(counts), [1, 5, 3])
    out = xp.empty(3, dtype=xp.int64)
    assert xp.cumsum(counts, out=out) is out
    np.testing.assert_array_equal(host(out), [1, 6, 9])
    assert xp.maximum(counts, 2, out=out) is out
    np.testing.assert_array_equal(host(out), [2, 5, 3])
    assert int(xp.add.reduce(counts)) == 9
    np.testing.assert_array_equal(host(xp.add.accumulate(counts)), [1, 6, 9])
    assert xp.add.nin == 2


def test_functions_match_numpy() -> None:
    rng = np.random.default_rng(5)
    h = rng.integers(0, 6, 40)
    w = rng.random(40)
    d, dw = xp.asarray(h), xp.asarray(w)
    pairs = [
        (xp.bincount(d, weights=dw, minlength=8), np.bincount(h, weights=w, minlength=8)),
        (xp.searchsorted(xp.sort(d), xp.asarray([1, 3])), np.searchsorted(np.sort(h), [1, 3])),
        (xp.lexsort(xp.stack([dw, d])), np.lexsort(np.stack([w, h]))),
        (xp.lexsort((dw, d)), np.lexsort((w, h))),
        (xp.concatenate([d, d[:3]]), np.concatenate([h, h[:3]])),
        (xp.repeat(d[:4], xp.asarray([1, 0, 2, 3])), np.repeat(h[:4], [1, 0, 2, 3])),
        (xp.flatnonzero(d == 2), np.flatnonzero(h == 2)),
        (xp.where(d > 2, dw, 0.0), np.where(h > 2, w, 0.0)),
        (xp.nonzero(d > 4)[0], np.nonzero(h > 4)[0]),
        (xp.unique(d, return_counts=True)[1], np.unique(h, return_counts=True)[1]),
        (d.astype(xp.float32).reshape(4, 10).mean(axis=1), h.astype(np.float32).reshape(4, 10)
         .mean(axis=1)),
        (d.take(xp.asarray([3, 1])), h.take([3, 1])),
    ]
    for got, want in pairs:
        np.testing.assert_array_equal(host(got), want)
    assert xp.ndim(d) == 1 and xp.shape(d) == (40,) and xp.result_type(d, dw) == np.float64
    assert xp.iinfo(xp.int32).max == 2**31 - 1 and xp.newaxis is None and xp.inf == np.inf
    assert xp.float32 is np.float32 and xp.ndarray is DeviceArray and xp.__name__ == "strict"


def test_asarray_transfers_and_passes_through() -> None:
    h = np.arange(3)
    d = xp.asarray(h)
    h[0] = 99
    assert host(d)[0] == 0  # a transfer copies
    assert xp.asarray(d) is d and xp.asarray(d, dtype=d.dtype) is d
    assert xp.asarray(d, dtype=xp.float32).dtype == np.float32
    assert host(xp.array([1, 2])).tolist() == [1, 2]
    assert isinstance(xp.ascontiguousarray(h), DeviceArray)
    assert xp.asnumpy(d).tolist() == [0, 1, 2]


@pytest.mark.parametrize("mix", [
    lambda d: np.asarray(d),
    lambda d: np.array(d),
    lambda d: np.sum(d),
    lambda d: np.concatenate([d, d]),
    lambda d: np.float32(d[0]),
    lambda d: d + np.ones(3),
    lambda d: np.ones(3) + d,
    lambda d: np.ones(3) < d,
    lambda d: d.__iadd__(np.ones(3)),
    lambda d: d[np.array([0])],
    lambda d: d[np.array([0]), ...],
    lambda d: d.__setitem__(xp.asarray([0, 1]), np.ones(2)),
    lambda d: d.take(np.array([0])),
    lambda d: xp.concatenate([d, np.ones(2)]),
    lambda d: xp.where(d > 0, np.ones(3), 0),
    lambda d: xp.add(d, np.ones(3)),
    lambda d: xp.add.at(d, np.array([0]), 1),
    lambda d: xp.add(d, 1, out=np.empty(3)),
    lambda d: np.add(d, 1, out=np.empty(3)),
    lambda d: xp.sum(np.ones(3)),
    lambda d: memoryview(d),
    lambda d: d.__array_interface__,
    lambda d: StrictDraws(np.random.default_rng(0)).binomial(np.ones(3, int), 0.5),
])
def test_every_host_device_mix_raises(mix) -> None:
    d = xp.asarray([1.0, 2.0, 3.0])
    with pytest.raises((TypeError, AttributeError)) as info:
        mix(d)
    if info.type is AttributeError:
        assert "__array_interface__" in str(info.value)


def test_messages_name_the_function() -> None:
    d = xp.asarray([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"numpy\.sum called on a device array; use .*xp\.sum"):
        np.sum(d)
    with pytest.raises(TypeError, match=r"host array mixed with a device array in numpy\.add"):
        d + np.ones(3)
    with pytest.raises(TypeError, match="implicit conversion.*to_host"):
        np.asarray(d)


def test_scalars_and_zero_d_host_arrays_are_allowed() -> None:
    d = xp.asarray([1, 2, 3])
    np.testing.assert_array_equal(host(d + np.int64(1)), [2, 3, 4])
    np.testing.assert_array_equal(host(d * np.array(2)), [2, 4, 6])
    np.testing.assert_array_equal(host(d[np.intp(1):]), [2, 3])


def _pipeline(m, rng: np.random.Generator, draws) -> list:
    """A small model-like day: draws, scatter-adds, sorting, in-place masks."""
    n = 300
    deg = m.asarray(rng.integers(1, 6, n))
    src = m.repeat(m.arange(n), deg)
    dst = m.asarray(rng.integers(0, n, int(deg.sum())))
    p = draws.random(n)
    hit = draws.random(src.shape[0]) < p[src] * 0.7
    exposed = m.zeros(n, dtype=m.int64)
    m.add.at(exposed, dst[hit], 1)
    w = m.bincount(dst, weights=p[src].astype(m.float64), minlength=n)
    order = m.lexsort(m.stack([w, exposed]))
    new = draws.binomial(exposed, 0.3) > 0
    new &= ~(w > 2.0)
    cum = m.cumsum(w[order])
    k = draws.poisson(m.asarray(w) * 0.1)
    return [exposed, w, order, new, cum, k, m.searchsorted(cum, cum[-1] / 2), (w * p).sum()]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pipeline_is_bit_identical_to_numpy(seed: int) -> None:
    want = _pipeline(np, np.random.default_rng(seed), _NumpyDraws(np.random.default_rng(seed + 9)))
    got = _pipeline(xp, np.random.default_rng(seed),
                    StrictDraws(np.random.default_rng(seed + 9)))
    for g, h in zip(got, want, strict=True):
        assert isinstance(g, DeviceArray)
        g = g.get()
        assert g.dtype == np.asarray(h).dtype
        np.testing.assert_array_equal(g, h, strict=True)


class _NumpyDraws:
    """The NumPy backend's calls, as sim.backend.Draws makes them."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._g = rng

    def random(self, n: int) -> np.ndarray:
        return self._g.random(n, dtype=np.float32)

    def binomial(self, n, p) -> np.ndarray:
        return self._g.binomial(n, p)

    def poisson(self, lam) -> np.ndarray:
        return self._g.poisson(lam)


def test_strict_draws_integers_and_sizes() -> None:
    a, b = np.random.default_rng(3), StrictDraws(np.random.default_rng(3))
    np.testing.assert_array_equal(host(b.integers(0, 10, 5)), a.integers(0, 10, 5))
    np.testing.assert_array_equal(host(b.poisson(2.0, size=4)), a.poisson(2.0, size=4))
    assert isinstance(b.random(3, dtype=np.float64), DeviceArray) and b.xp is xp
