"""The fast paths give what the plain computations give.

Running totals (trust over alive ties, the largest component), seller-aligned
tie arrays, and the array-namespace route of the kernels are checked against
direct recomputation on a small run with many removals.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

from sim import kernels
from sim.backend import Draws, get_xp
from sim.components import largest_component_share
from sim.kernels import feed
from sim.model import SocialCommerceModel
from sim.state import IN_GROUP, MUTED, REMOVED

OVER = {"graph.n_people": 1500, "graph.mean_degree": 12, "run.days": 40,
        "resellers.initial_share": 0.05, "users.p_background_unfriend": 0.01,
        "run.lcc_every_days": 1,
        # (resellers keep the graph's friends: marketing accounts' hundreds of added
        # friends would be most ties of this small town, and few of them end)
        "resellers.friends_median": 0.0}


@pytest.fixture(scope="module")
def model() -> SocialCommerceModel:
    return SocialCommerceModel(overrides=OVER, seed=3).run()


def test_many_ties_were_removed(model: SocialCommerceModel) -> None:
    removed = int(np.count_nonzero(model.ties.flags & REMOVED))
    assert removed > 0.05 * model.graph.n_ties


def test_trust_over_alive_ties_matches_a_full_pass(model: SocialCommerceModel) -> None:
    alive = (model.ties.flags & REMOVED) == 0
    want = float(model.ties.trust[alive].astype(np.float64).mean())
    assert model.metrics()["mean_trust_friends"].iloc[-1] == pytest.approx(want, rel=1e-9)
    # and it moved during the run (trust is not frozen between checks)
    assert model.metrics()["mean_trust_friends"].nunique() > 10


def test_largest_component_matches_a_full_traversal(model: SocialCommerceModel) -> None:
    g = model.graph
    want = largest_component_share(g.indptr, g.indices,
                                   np.flatnonzero(model.ties.flags & REMOVED))
    assert model.metrics()["largest_component_share"].iloc[-1] == pytest.approx(want)


def test_full_tie_views_match_seller_arrays(model: SocialCommerceModel) -> None:
    ties = model.ties
    ann = ties.annoyance
    assert ann.shape == (model.graph.n_ties,)
    np.testing.assert_array_equal(ann[model.state.st.tie], ties.seller_annoyance)
    others = np.ones(ann.shape[0], bool)
    others[model.state.st.tie] = False
    assert not ann[others].any()
    assert ties.cum_ads_seen[model.state.st.tie].sum() == ties.seller_ads_seen.sum() > 0


def test_ordinary_load_matches_visible_friends(model: SocialCommerceModel) -> None:
    g = model.graph
    pop = model.people
    fl = model.ties.flags
    visible = (fl & (REMOVED | np.uint8(1))) == 0
    src = g.src()
    want = np.bincount(src[visible], weights=pop.ordinary_rate[g.indices[visible]],
                       minlength=g.n)
    np.testing.assert_allclose(pop.ordinary_load, want, rtol=1e-4, atol=1e-3)


class _CountingNamespace(types.SimpleNamespace):
    """numpy, with a tally of the functions the kernels call through ``xp``."""

    def __init__(self) -> None:
        super().__init__(calls=set())

    def __getattr__(self, name: str):  # only reached for names not set on the instance
        attr = getattr(np, name)
        if callable(attr) and not isinstance(attr, type):
            self.calls.add(name)
        return attr


def _kernel_inputs(seed: int) -> dict:
    rng = np.random.default_rng(seed)
    n, m, s = 400, 3000, 30
    return dict(
        opened=rng.random(n) < 0.8, st_viewer=rng.integers(0, n, m).astype(np.int32),
        st_slot=rng.integers(0, s, m).astype(np.int32),
        st_flags=rng.choice(np.array([0, 1, 2, 16, 17, 8], np.uint8), m),
        ads=rng.poisson(3, s), life=rng.poisson(1, s), group_ads=rng.poisson(1, s),
        attention=np.full(n, 10, np.float32), ordinary_load=rng.random(n).astype(np.float32) * 5,
        p_read_group=0.5, p_direct=0.1)


def test_kernels_run_through_the_array_namespace() -> None:
    """The day's kernels take their array functions from ``xp``: same results through a proxy."""
    args = _kernel_inputs(0)
    direct = kernels.fill_feeds(np, Draws(np, np.random.default_rng(5)), **args)
    xp = _CountingNamespace()
    proxied = kernels.fill_feeds(xp, Draws(np, np.random.default_rng(5)), **args)
    for name in ("moments", "group", "direct", "lifestyle"):
        np.testing.assert_array_equal(getattr(direct, name), getattr(proxied, name))
    for name in ("ordinary_seen", "crowded_out", "ads_in_feed", "group_seen", "direct_seen",
                 "lifestyle_seen"):
        assert getattr(direct, name) == getattr(proxied, name)
    assert {"bincount", "count_nonzero", "concatenate", "cumsum", "zeros", "divide",
            "less"} <= xp.calls
    thr = kernels.thresholds(xp, kind=np.array([0, 1, 2], np.uint8),
                             mute_thr=np.full(3, 2.0, np.float32),
                             block_thr=np.full(3, 3.0, np.float32),
                             report_thr=np.full(3, 9.0, np.float32), escalation=2.0)
    np.testing.assert_array_equal(thr.block_at, [np.inf, 4.0, 3.0])  # muter: 2 x mute
    np.testing.assert_array_equal(thr.mute_at, [2.0, 2.0, np.inf])
    r = kernels.react(xp, Draws(np, np.random.default_rng(1)),
                      annoyance=np.array([2.5, 6.5, 3.5], np.float32),
                      st_flags=np.array([0, MUTED, 0], np.uint8), thr=thr, p_report=1.0)
    # (tie 1 was muted: the muter escalates to a block)
    assert r.mute.tolist() == [0] and r.block.tolist() == [1, 2] and r.report.tolist() == []


@pytest.mark.parametrize("trials", [1, 6, 40])  # Bernoulli sums, and binomial draws
def test_sparse_binomial_has_the_binomial_law(trials: int) -> None:
    rng = np.random.default_rng(trials)
    n = np.where(rng.random(200_000) < 0.3, trials, 0)
    k = kernels.sparse_binomial(np, Draws(np, rng), n, 0.25)
    assert k[n == 0].max() == 0 and k.max() <= trials
    assert k[n > 0].mean() == pytest.approx(0.25 * trials, rel=0.02)
    assert k[n > 0].var() == pytest.approx(trials * 0.25 * 0.75, rel=0.04)
    # per-entry probabilities, read through an index
    p = np.array([0.1, 0.9], np.float32)
    which = rng.integers(0, 2, n.size)
    k = kernels.sparse_binomial(np, Draws(np, rng), n, p, index=which)
    for j in (0, 1):
        sel = (n > 0) & (which == j)
        assert k[sel].mean() == pytest.approx(p[j] * trials, rel=0.03)


def test_cupy_backend_without_a_gpu_is_a_clear_error() -> None:
    pytest.importorskip("numpy")
    try:
        import cupy  # noqa: F401

        pytest.skip("CuPy is installed here")
    except ImportError:
        pass
    with pytest.raises(ValueError, match="run.backend = 'cupy' needs CuPy"):
        get_xp("cupy")
    with pytest.raises(ValueError, match="cupy"):
        SocialCommerceModel(overrides={"graph.n_people": 50, "graph.mean_degree": 4,
                                       "run.backend": "cupy"})


def test_trust_toward_resellers_matches_a_full_pass(model: SocialCommerceModel) -> None:
    """The running sum over alive seller ties gives the mean over those ties."""
    st = model.state.st.tie
    alive = (model.ties.flags[st] & REMOVED) == 0
    want = float(model.ties.trust[st[alive]].astype(np.float64).mean())
    assert model.metrics()["mean_trust_resellers"].iloc[-1] == pytest.approx(want, rel=1e-9)


def test_seller_tie_lookup_matches_a_csr_search(model: SocialCommerceModel) -> None:
    """Word of mouth finds ``friend -> reseller`` ties by key: the same ties as a bisection."""
    g = model.graph
    rng = np.random.default_rng(0)
    sellers = model.sellers.person[rng.integers(0, model.sellers.size, 3000)]
    viewers = rng.integers(0, g.n, 3000)
    # half of the pairs are real friendships (viewer = a friend of the seller)
    pos = g.indptr[sellers] + (rng.random(3000) * np.diff(g.indptr)[sellers]).astype(np.int64)
    viewers[::2] = g.indices[pos][::2]
    want = kernels.find_ties(g.indptr, g.indices, viewers.astype(np.int64), sellers)
    got = model.state.seller_ties_of(viewers, sellers)
    np.testing.assert_array_equal(got, want)
    assert (got >= 0).sum() >= 1400


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorised_bernoulli_is_numpys_binomial(seed: int) -> None:
    """Push opens: the same numbers, and the same stream afterwards, as ``binomial(1, p)``."""
    rng = np.random.default_rng(seed)
    p = rng.random(300_000)
    p[::7] = 0.0
    p[::11] = 1.0
    p[::13] *= 1e-3
    a, b = np.random.default_rng(seed + 10), np.random.default_rng(seed + 10)
    np.testing.assert_array_equal(kernels.bernoulli(np, Draws(np, b), p), a.binomial(1, p))
    assert a.random() == b.random()


def test_feed_channels_in_one_pass_draw_what_one_by_one_draws() -> None:
    """The four channels' Bernoulli trials in one pass equal four sparse_binomial calls."""
    args = _kernel_inputs(3)
    exp = kernels.fill_feeds(np, Draws(np, np.random.default_rng(7)), **args)
    # the same day, channel by channel, through the public sparse_binomial
    d = Draws(np, np.random.default_rng(7))
    code = feed._flag_table(np)[args["st_flags"]]
    visible = ((code & 1) != 0) & args["opened"][args["st_viewer"]]
    ads_t = args["ads"].astype(np.int32)[args["st_slot"]] * visible
    life_t = args["life"].astype(np.int32)[args["st_slot"]] * visible
    load = args["ordinary_load"] + np.bincount(args["st_viewer"], weights=ads_t + life_t,
                                               minlength=400).astype(np.float32)
    share = np.where(load > 0, np.minimum(np.float32(1), args["attention"] / load), 0)
    share = (share * args["opened"]).astype(np.float32)
    k_m = kernels.sparse_binomial(np, d, ads_t, share, index=args["st_viewer"])
    k_l = kernels.sparse_binomial(np, d, life_t, share, index=args["st_viewer"])
    k_g = kernels.sparse_binomial(
        np, d, args["group_ads"].astype(np.int32)[args["st_slot"]] * ((code & 2) != 0), 0.5)
    k_d = kernels.sparse_binomial(
        np, d, args["ads"].astype(np.int32)[args["st_slot"]] * ((code & 4) != 0), 0.1)
    for got, want in ((exp.moments, k_m), (exp.lifestyle, k_l), (exp.group, k_g),
                      (exp.direct, k_d)):
        np.testing.assert_array_equal(got, want)
    assert exp.moments.sum() > 0 and exp.group.sum() > 0 and exp.direct.sum() > 0


def _ration_reference(u: np.ndarray, group: np.ndarray, amount: np.ndarray,
                      cap: np.ndarray) -> np.ndarray:
    """Requests in random order (``u``) within each group, accepted while the running total fits."""
    ok = np.zeros(group.size, bool)
    for gi in np.unique(group):
        idx = np.flatnonzero(group == gi)
        idx = idx[np.argsort(u[idx], kind="stable")]
        ok[idx] = np.cumsum(amount[idx]) <= cap[gi]
    return ok


@pytest.mark.parametrize("seed", range(4))
def test_ration_fast_path_agrees_with_the_sorted_path(seed: int) -> None:
    """One request per group skips the sort; with repeated groups the running totals apply."""
    rng = np.random.default_rng(seed)
    cap = rng.integers(0, 6, 50)
    for group in (rng.permutation(50)[:20], rng.integers(0, 5, 40)):
        amount = rng.integers(1, 4, group.size)
        ok = kernels.ration(np, Draws(np, np.random.default_rng(1)), group, amount, cap)
        u = np.random.default_rng(1).random(group.size, dtype=np.float32)
        np.testing.assert_array_equal(ok, _ration_reference(u, group, amount, cap))
        assert 0 < ok.sum() < group.size


def test_report_window_running_total_matches_a_sum() -> None:
    """The state's running report total equals the sum over the window's days."""
    from sim.state import ReportWindow

    window = ReportWindow(3)
    rng = np.random.default_rng(0)
    days = []
    for size in (2, 2, 3, 5, 5, 6, 6, 6, 9):
        today = rng.integers(0, 3, size)
        days.append(today)
        got = window.add_day(today)
        want = np.zeros(size, np.int64)
        for d in days[-3:]:
            want[: d.shape[0]] += d
        np.testing.assert_array_equal(got, want)


def test_channel_bit_masks_match_the_flag_table() -> None:
    """fill_feeds' masked comparisons give the lookup table's channels for every flag byte."""
    f = np.arange(256, dtype=np.uint8)
    table = feed._flag_table(np)
    np.testing.assert_array_equal((f & feed._HIDDEN) == 0, (table & 1) != 0)
    np.testing.assert_array_equal((f & feed._GROUP_BITS) == IN_GROUP, (table & 2) != 0)
    np.testing.assert_array_equal((f & feed._DIRECT_BITS) == MUTED, (table & 4) != 0)


def test_seller_tie_flags_mirror_the_tie_flags(model: SocialCommerceModel) -> None:
    """The seller ties' flags kept by the model equal a gather from all ties' flags."""
    flags = model.state.st.flags
    np.testing.assert_array_equal(flags, model.ties.flags[model.state.st.tie])
    assert (flags & REMOVED).any() and (flags & MUTED).any()
