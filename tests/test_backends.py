"""The model's device code path: one set of rules, on any array backend.

CI has no GPU. The ``strict`` backend (:mod:`sim.strict_xp`) is NumPy
underneath but refuses, as CuPy does, to mix host arrays into device code or
to convert implicitly, and the backend helpers whose CuPy spelling differs
from NumPy's take their device branch on it. So:

- exact: on ``strict`` every scenario gives the NumPy backend's numbers bit
  for bit (the same draws, the same arithmetic), which proves the device
  path complete (a forgotten host array raises) and faithful;
- exact: the helpers' device branches equal NumPy's on hand-made inputs,
  repeated indices included;
- statistical, on a GPU only (skipped elsewhere): CuPy draws other random
  numbers, so its means over seeds must agree with NumPy's within stated
  tolerances, as the Mesa reference must (tests/test_reference_agreement.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents.strategies import Plan, Strategy
from sim import backend
from sim.backend import Draws, add_at, get_xp, multiply_at, repeat, subtract_at, to_host
from sim.model import SocialCommerceModel
from sim.platform import ModerationPolicy
from sim.strict_xp import Counts, DeviceArray, counting

xs = get_xp("strict")
SCENARIOS = Path(__file__).resolve().parent.parent / "experiments" / "scenarios"
SMALL = {"graph.n_people": 1500, "graph.mean_degree": 20, "run.days": 40}


def _outputs(m: SocialCommerceModel) -> list[pd.DataFrame]:
    return [m.metrics(), m.seller_table(), m.people_table()]


def _run_both(source: Path | None,
              extra: dict[str, object]) -> tuple[SocialCommerceModel, SocialCommerceModel]:
    """The same scenario and seed on the NumPy and the strict backend."""
    return tuple(SocialCommerceModel(source, overrides={**SMALL, **extra, "run.backend": name})
                 .run() for name in ("numpy", "strict"))


@pytest.mark.parametrize(("scenario", "extra"), [
    (None, {}), ("S2.toml", {"merchants.pushes_per_day": 3}), ("S4.toml", {}),
    ("S6.toml", {}), ("S8.toml", {"platform.report_threshold": 1})])
def test_strict_backend_gives_numpys_numbers_bit_for_bit(scenario: str | None,
                                                        extra: dict[str, object]) -> None:
    """Default; pushes (S2); counterfeits, word of mouth (S4); groups (S6); bans (S8)."""
    src = None if scenario is None else SCENARIOS / scenario
    a, b = _run_both(src, extra)
    assert isinstance(b.ties.flags, DeviceArray) and isinstance(b.people.budget, DeviceArray)
    assert a.metrics()["purchases"].sum() > 0 and a.metrics()["blocks"].sum() > 0
    for x, y in zip(_outputs(a), _outputs(b), strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)


def test_strict_backend_with_custom_strategy_policy_and_networkx_graph() -> None:
    """User code: a Python strategy, a moderation policy and a networkx graph on a device."""
    import networkx as nx

    g = nx.connected_watts_strogatz_graph(800, 12, 0.1, seed=3)
    burst = Strategy.from_func("burst", lambda seller, rng: Plan(int(rng.integers(0, 6)), 1))

    def make(backend_name: str) -> SocialCommerceModel:
        policy = ModerationPolicy.from_func(
            "strict", lambda pol, model, window: window >= 1)
        return SocialCommerceModel(
            graph=g, seed=5, policy=policy, strategies={"burst": burst},
            strategy_shares={"burst": 0.5, "flooder": 0.5},
            overrides={"run.days": 60, "run.backend": backend_name}).run()

    a, b = make("numpy"), make("strict")
    assert a.metrics()["bans"].sum() > 0
    for x, y in zip(_outputs(a), _outputs(b), strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    # inspection works on the device too
    assert a.user(7).as_dict() == b.user(7).as_dict()
    assert nx.utils.graphs_equal(a.friend_graph(), b.friend_graph())


def test_host_array_in_device_code_raises() -> None:
    """The emulation has teeth: host NumPy into a device array is a TypeError, as on CuPy."""
    m = SocialCommerceModel(overrides={"graph.n_people": 300, "graph.mean_degree": 10,
                                       "run.backend": "strict"})
    with pytest.raises(TypeError, match="host array"):
        m.people.budget[np.array([1, 2])] += 1
    with pytest.raises(TypeError):
        np.asarray(m.ties.trust)


@pytest.mark.parametrize("seed", range(4))
def test_device_branches_of_the_helpers_equal_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 4, 200)
    counts[:3] = 0
    vals = rng.random(200)
    np.testing.assert_array_equal(to_host(repeat(xs, xs.asarray(vals), xs.asarray(counts))),
                                  repeat(np, vals, counts))
    assert to_host(repeat(xs, xs.asarray(vals[:0]), xs.asarray(counts[:0]))).size == 0
    idx = rng.integers(0, 20, 500)  # many repeats
    v = rng.random(500).astype(np.float32)
    for helper in (add_at, subtract_at):
        a = rng.random(20).astype(np.float32)
        d = xs.asarray(a)
        helper(np, a, idx, v)
        helper(xs, d, xs.asarray(idx), xs.asarray(v))
        np.testing.assert_array_equal(to_host(d), a)
    a = rng.random(20).astype(np.float32)
    d = xs.asarray(a)
    multiply_at(np, a, idx, np.float32(0.9))
    multiply_at(xs, d, xs.asarray(idx), np.float32(0.9))
    np.testing.assert_array_equal(to_host(d), a)  # rounds: same rounding as one by one


def test_strict_draws_are_the_host_stream() -> None:
    a = Draws(np, np.random.default_rng(1))
    b = Draws(xs, np.random.default_rng(1))
    np.testing.assert_array_equal(a.random(5, np.float64), to_host(b.random(5, np.float64)))
    lam = np.array([0.5, 3.0])
    np.testing.assert_array_equal(a.poisson(lam), to_host(b.poisson(xs.asarray(lam))))
    np.testing.assert_array_equal(a.binomial(np.array([3, 9]), 0.4),
                                  to_host(b.binomial(xs.asarray(np.array([3, 9])), 0.4)))


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="'numpy', 'cupy', 'strict'"):
        get_xp("jax")


# -------------------------------------------------------------------- GPU only
needs_gpu = pytest.mark.skipif(not backend.gpu_available(),
                               reason="CuPy with a CUDA GPU is not available here")
GPU_SEEDS = range(8)
GPU_COLUMNS = ("ads_seen", "mutes", "blocks", "purchases", "gmv")


@needs_gpu
@pytest.mark.parametrize("column", GPU_COLUMNS)
def test_cupy_agrees_with_numpy_over_seeds(column: str) -> None:  # pragma: no cover - GPU
    """Means over 8 seeds within 4 standard errors of the difference and 10 % of each other."""
    totals = {}
    for name in ("numpy", "cupy"):
        totals[name] = np.array([
            SocialCommerceModel(seed=s, overrides={
                "graph.n_people": 20_000, "run.days": 60, "run.backend": name}
            ).run().metrics()[column].sum() for s in GPU_SEEDS])
    a, b = totals["numpy"], totals["cupy"]
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    msg = f"{column}: numpy {a.mean():.1f}, cupy {b.mean():.1f}, se {se:.1f}"
    assert abs(a.mean() - b.mean()) <= 4 * se, msg
    assert abs(a.mean() - b.mean()) <= 0.10 * a.mean()


def _per_day(n_people: int) -> Counts:
    """Device-to-host reads and device operations a day (days 5-14) on the strict backend.

    Every read is a synchronisation on a GPU (tens of microseconds) and every
    operation a kernel launch or so (microseconds), so neither may grow with
    the population.
    """
    m = SocialCommerceModel(overrides={"graph.n_people": n_people, "graph.mean_degree": 30,
                                       "run.days": 15, "run.backend": "strict"})
    m.run(5)
    with counting() as c:
        m.run(10)
    return Counts(reads=c.reads // 10, ops=c.ops // 10)


def test_device_round_trips_a_day_do_not_grow_with_the_population() -> None:
    """Ten times the people (and resellers, and pitches): about as many reads and operations."""
    small, big = _per_day(3_000), _per_day(30_000)
    assert small.reads > 20 and small.ops > 200  # the counters see the day
    assert big.reads <= 1.3 * small.reads + 10 and big.reads < 150, (small, big)
    assert big.ops <= 1.5 * small.ops and big.ops < 2_000, (small, big)
