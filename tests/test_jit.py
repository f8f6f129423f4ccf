"""The compiled loops (:mod:`sim.kernels.jit`) give the array path's bytes.

Each compiled path is run against the array path (``SCSIM_JIT=0``) on the
same inputs and the same random stream; results must be equal in value and
dtype, and the stream must be left in the same state. A whole run is
compared too. (Speed is measured in ``benchmarks/``, never here.)
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from sim.backend import Draws
from sim.kernels import fill_feeds, jit
from sim.kernels.flags import IN_GROUP, MUTED, REMOVED
from sim.model import SocialCommerceModel

pytestmark = pytest.mark.skipif(not jit.enabled(np), reason="Numba is not installed")


def _same(a, b) -> None:
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)


def _town(seed: int, n: int = 60, m: int = 400, max_posts: int = 6):
    """Random seller ties sorted by viewer, with every flag combination."""
    rng = np.random.default_rng(seed)
    viewer = np.sort(rng.integers(0, n, m)).astype(np.int64)
    slot = rng.integers(0, 7, m).astype(np.int64)
    flags = rng.choice(np.array([0, MUTED, REMOVED, IN_GROUP, MUTED | IN_GROUP, MUTED | REMOVED,
                                 IN_GROUP | REMOVED], np.uint8), m)
    return dict(opened=rng.random(n) < 0.7, st_viewer=viewer, st_slot=slot, st_flags=flags,
                ads=rng.integers(0, max_posts, 7), life=rng.integers(0, 3, 7),
                group_ads=rng.integers(0, max_posts, 7),
                attention=rng.uniform(1, 20, n).astype(np.float32),
                ordinary_load=rng.uniform(0, 30, n).astype(np.float32),
                p_read_group=0.35, p_direct=0.2)


def _fill(monkeypatch, flag: str, town: dict, seed: int):
    monkeypatch.setenv("SCSIM_JIT", flag)
    rng = np.random.default_rng(seed)
    exp = fill_feeds(np, Draws(np, rng), **town)
    return exp, rng.random()  # the next number tells the stream's state


@pytest.mark.parametrize("seed", range(8))
def test_fill_feeds_compiled_equals_array_path(monkeypatch, seed):
    town = _town(seed)
    a, after_a = _fill(monkeypatch, "0", town, seed)
    b, after_b = _fill(monkeypatch, "1", town, seed)
    for name in ("moments", "group", "direct", "lifestyle"):
        _same(getattr(a, name), getattr(b, name))
    for name in ("ordinary_seen", "crowded_out", "ads_in_feed", "group_seen", "direct_seen",
                 "lifestyle_seen"):
        assert getattr(a, name) == getattr(b, name), name
    assert after_a == after_b
    assert a.ads_in_feed > 0 and a.group_seen > 0 and a.direct_seen > 0


def test_fill_feeds_many_posts_takes_the_binomial_path(monkeypatch):
    """Above the Bernoulli mean the compiled path hands over; same bytes either way."""
    town = _town(3, max_posts=60)
    a, after_a = _fill(monkeypatch, "0", town, 3)
    b, after_b = _fill(monkeypatch, "1", town, 3)
    _same(a.moments, b.moments)
    assert after_a == after_b


def test_fill_feeds_nothing_posted(monkeypatch):
    town = _town(4)
    for key in ("ads", "life", "group_ads"):
        town[key] = np.zeros(7, np.int64)
    a, after_a = _fill(monkeypatch, "0", town, 4)
    b, after_b = _fill(monkeypatch, "1", town, 4)
    _same(a.moments, b.moments)
    assert b.ads_in_feed == 0 and after_a == after_b


def _run_hash(monkeypatch, flag: str, scenario: str | None = None) -> str:
    monkeypatch.setenv("SCSIM_JIT", flag)
    kw = {} if scenario is None else {"params": scenario}
    m = SocialCommerceModel(seed=5, overrides={"graph.n_people": 1500, "run.days": 40}, **kw)
    m.run()
    h = hashlib.sha256(m.metrics().to_csv().encode())
    for name in ("trust", "flags"):
        h.update(np.ascontiguousarray(getattr(m.ties, name)).tobytes())
    h.update(m.ties.seller_annoyance.tobytes())
    return h.hexdigest()


def test_a_whole_run_is_the_same_with_and_without_compiled_loops(monkeypatch):
    assert _run_hash(monkeypatch, "1") == _run_hash(monkeypatch, "0")


def test_switched_off_by_the_environment(monkeypatch):
    monkeypatch.setenv("SCSIM_JIT", "0")
    assert not jit.enabled(np)
    monkeypatch.setenv("SCSIM_JIT", "1")
    assert jit.enabled(np)
    assert not jit.enabled(object())  # any other namespace takes the array path


def test_flooders_in_feeds_compiled_equals_array_path(monkeypatch):
    from sim.metrics import flooders_in_feeds

    m = SocialCommerceModel(seed=2, overrides={"graph.n_people": 1500})
    m.run(5)
    monkeypatch.setenv("SCSIM_JIT", "0")
    a = flooders_in_feeds(m)
    monkeypatch.setenv("SCSIM_JIT", "1")
    b = flooders_in_feeds(m)
    _same(a, b)
    assert a.sum() > 0


def test_the_warm_ups_compile_every_signature_a_run_needs():
    """Nothing compiles during a run: the set-up's warm-ups cover the dtypes the day passes."""
    model = SocialCommerceModel(seed=3, overrides={"graph.n_people": 2000})

    def signatures():
        return {lp.__name__: len(lp._compiled.signatures) if lp._compiled else 0
                for lp in jit._LOOPS}

    before = signatures()
    model.run(20)
    assert signatures() == before
    assert min(before.values()) >= 1  # every declared loop was warmed
