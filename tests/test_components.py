"""The incremental largest-component tracker agrees with a full traversal."""

from __future__ import annotations

import numpy as np
import pytest

from sim.components import GiantComponent, largest_component_share
from sim.generators import csr_from_edges


def _random_graph(n: int, mean_degree: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = int(n * mean_degree / 2)
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = u != v
    return csr_from_edges(n, u[keep], v[keep])


def _reverse(indptr: np.ndarray, indices: np.ndarray, e: np.ndarray) -> np.ndarray:
    src = np.searchsorted(indptr, e, side="right") - 1
    dst = indices[e]
    lo, hi = indptr[dst], indptr[dst + 1]
    return np.array([lo_ + np.searchsorted(indices[lo_:hi_], s)
                     for lo_, hi_, s in zip(lo, hi, src, strict=True)], np.int64)


@pytest.mark.parametrize(("n", "k", "seed"), [(300, 3.0, 1), (500, 6.0, 2), (2000, 20.0, 3)])
def test_tracker_matches_full_traversal(n: int, k: float, seed: int) -> None:
    indptr, indices = _random_graph(n, k, seed)
    flags = np.zeros(indices.shape[0], np.uint8)
    gc = GiantComponent(indptr, indices, flags, 2)
    assert gc.share == pytest.approx(largest_component_share(indptr, indices))
    rng = np.random.default_rng(seed + 100)
    shares = []
    for _ in range(25):
        alive = np.flatnonzero(flags == 0)
        e = rng.choice(alive, size=min(alive.size, max(1, indices.size // 40)), replace=False)
        both = np.unique(np.concatenate([e, _reverse(indptr, indices, e)]))
        flags[both] |= 2
        got = gc.update(both)
        want = largest_component_share(indptr, indices, np.flatnonzero(flags))
        assert got == pytest.approx(want), "tracker and full traversal disagree"
        shares.append(got)
    if k < 10:  # the sparse graphs really did split (the repair path was exercised)
        assert shares[-1] < shares[0]


def test_tree_repair_avoids_full_traversals() -> None:
    indptr, indices = _random_graph(3000, 30.0, 7)
    flags = np.zeros(indices.shape[0], np.uint8)
    gc = GiantComponent(indptr, indices, flags, 2)
    rng = np.random.default_rng(0)
    for _ in range(20):
        e = rng.choice(np.flatnonzero(flags == 0), size=200, replace=False)
        both = np.unique(np.concatenate([e, _reverse(indptr, indices, e)]))
        flags[both] |= 2
        gc.update(both)
    assert gc.full_traversals == 1
    assert gc.share == pytest.approx(
        largest_component_share(indptr, indices, np.flatnonzero(flags)))
