"""Designs that sample integer factors evenly; Morris effects exact; Sobol sizes stated
(issue 14, item 7)."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

from experiments.analysis import morris_indices
from experiments.design import design_points, factor_types, morris_levels, parse_spec
from sim.scenario import ScenarioError, default_scenario, with_overrides

TINY = {"graph.n_people": 200, "graph.mean_degree": 10, "run.days": 5}
CAP = {"platform.posting_cap": {"low": 0, "high": 4}}
REPORT = {"users.p_report": {"low": 0.05, "high": 0.3}}


def spec(sweep: dict, sample: str, n: int):
    scn = with_overrides(default_scenario(), TINY)
    return parse_spec(with_overrides(scn, {"experiment": {"sweep": sweep, "sample": sample,
                                                          "n": n}}))


def shares(points, key="platform.posting_cap") -> dict[int, float]:
    c = collections.Counter(p[key] for p in points)
    return {v: c[v] / len(points) for v in sorted(c)}


def test_lhs_gives_each_integer_value_an_equal_share():
    pts = design_points(spec(CAP | REPORT, "lhs", 100))
    assert shares(pts) == dict.fromkeys(range(5), 0.2)  # was 0.125, 0.25, 0.25, 0.25, 0.125
    assert all(isinstance(p["platform.posting_cap"], int) for p in pts)


def test_sobol_gives_each_integer_value_an_equal_share():
    pts = design_points(spec(CAP | REPORT, "sobol", 256))
    s = shares(pts)
    assert sorted(s) == [0, 1, 2, 3, 4]
    assert max(abs(v - 0.2) for v in s.values()) < 0.02, s


def test_lists_of_levels_are_equal_bins_too():
    pts = design_points(spec({"platform.report_threshold": [5, 10, 20, 40]} | REPORT,
                             "lhs", 40))
    assert shares(pts, "platform.report_threshold") == dict.fromkeys([5, 10, 20, 40], 0.25)


def test_morris_levels_match_the_integer_range_and_sample_every_value():
    sp = spec(CAP | REPORT, "morris", 60)
    assert morris_levels(sp) == 10  # two grid levels for each of 0..4
    assert morris_levels(spec(REPORT, "morris", 4)) == 4
    pts = design_points(sp)
    s = shares(pts)
    assert sorted(s) == [0, 1, 2, 3, 4]  # 2 used to be never sampled
    assert min(s.values()) > 0.1


def test_morris_mu_star_is_exact_for_integer_factors():
    """y = posting_cap + 10 p_report: the effect over each range is 4 and 2.5 exactly (mu*
    used to come out 12.5% high for the integer factor)."""
    sp = spec(CAP | REPORT, "morris", 30)
    pts = design_points(sp)
    y = [p["platform.posting_cap"] + 10 * p["users.p_report"] for p in pts]
    idx = morris_indices(sp, pts, y, seed=1).set_index("factor")
    assert idx.loc["platform.posting_cap", "mu_star"] == pytest.approx(4.0)
    assert idx.loc["users.p_report", "mu_star"] == pytest.approx(2.5)
    assert idx.loc["platform.posting_cap", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert idx["mu_star_conf"].notna().all()


def test_sobol_needs_a_power_of_two_and_warns_nothing():
    with pytest.raises(ScenarioError, match=r"n = 10: Sobol .* power of two.* n = 8 or n = 16"):
        spec(CAP | REPORT, "sobol", 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pts = design_points(spec(CAP | REPORT, "sobol", 8))
    assert len(pts) == 8 * (2 + 2)  # n (k + 2): first-order and total indices


def test_docstring_states_the_sobol_size():
    doc = design_points.__doc__
    assert "n * (k + 2)" in doc and "2k + 2" not in doc


def test_factor_types_follow_the_declarations():
    sp = spec({"platform.posting_cap": [0, 2], "users.p_report": [0, 1]}, "grid", 1)
    assert factor_types(sp) == {"platform.posting_cap": "int64", "users.p_report": "float64"}
    assert np.dtype(type(design_points(sp)[0]["platform.posting_cap"])).kind == "i"
