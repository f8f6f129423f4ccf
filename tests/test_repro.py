"""Reproducibility: all randomness from one seed.

"The same scenario and seed give byte-identical Parquet output in one
process or another" (issue 2).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model import SocialCommerceModel
from sim.runner import run_scenario, write_run
from sim.scenario import default_scenario, with_overrides

SMALL = {"graph.n_people": 300, "graph.mean_degree": 16, "run.days": 10,
         "resellers.initial_share": 0.05, "groups.n_groups": 3,
         "resellers.p_pitch": 0.3, "resellers.p_accept": 0.3,
         "merchants.paid_followers_per_day": 2.0}
PARQUET = ("metrics.parquet", "agents.parquet", "people.parquet")


def _tables(m: SocialCommerceModel) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return m.metrics(), m.seller_table(), m.people_table()


def _assert_same_model(a: SocialCommerceModel, b: SocialCommerceModel) -> None:
    for x, y in zip(_tables(a), _tables(b), strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    np.testing.assert_array_equal(a.ties.trust, b.ties.trust)
    np.testing.assert_array_equal(a.ties.flags, b.ties.flags)
    np.testing.assert_array_equal(a.ties.annoyance, b.ties.annoyance)


def test_same_seed_same_run() -> None:
    a = SocialCommerceModel(seed=11, overrides=SMALL).run()
    b = SocialCommerceModel(seed=11, overrides=SMALL).run()
    _assert_same_model(a, b)
    assert a.metrics()["ads_seen"].sum() > 0  # something happened


def test_global_random_state_is_not_used() -> None:
    np.random.seed(1)  # noqa: NPY002 - deliberately disturb the legacy global state
    random.seed(1)
    a = SocialCommerceModel(seed=3, overrides=SMALL).run()
    np.random.seed(2)  # noqa: NPY002 - deliberately disturb the legacy global state
    random.seed(2)
    b = SocialCommerceModel(seed=3, overrides=SMALL).run()
    _assert_same_model(a, b)


def test_interleaved_models_do_not_share_state() -> None:
    a = SocialCommerceModel(seed=5, overrides=SMALL)
    b = SocialCommerceModel(seed=5, overrides=SMALL)
    other = SocialCommerceModel(seed=6, overrides=SMALL)
    for _ in range(10):
        a.step()
        other.step()
    b.run(10)
    _assert_same_model(a, b)


def test_run_equals_steps() -> None:
    a = SocialCommerceModel(seed=2, overrides=SMALL).run()
    b = SocialCommerceModel(seed=2, overrides=SMALL)
    for _ in range(SMALL["run.days"]):
        b.step()
    _assert_same_model(a, b)


def test_seed_argument_equals_run_seed() -> None:
    a = SocialCommerceModel(seed=9, overrides=SMALL).run()
    b = SocialCommerceModel(overrides=SMALL | {"run.seed": 9}).run()
    _assert_same_model(a, b)


def test_different_seeds_differ() -> None:
    a = SocialCommerceModel(seed=1, overrides=SMALL).run()
    b = SocialCommerceModel(seed=2, overrides=SMALL).run()
    assert not a.metrics().equals(b.metrics())
    assert not np.array_equal(a.graph.indices, b.graph.indices)


def test_in_process_parquet_is_byte_identical(tmp_path: Path) -> None:
    scn = with_overrides(default_scenario(), SMALL | {"run.seed": 7})
    write_run(run_scenario(scn), tmp_path / "a", figure=False)
    write_run(run_scenario(scn), tmp_path / "b", figure=False)
    for name in (*PARQUET, "config.toml", "summary.txt"):
        if name == "summary.txt":  # holds the run time; compare all but the first line
            a = (tmp_path / "a" / name).read_text().splitlines()[1:]
            b = (tmp_path / "b" / name).read_text().splitlines()[1:]
            assert a == b
            continue
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def _scsim() -> list[str]:
    exe = Path(sys.executable).parent / "scsim"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "sim.cli"]


def test_two_processes_byte_identical(tmp_path: Path) -> None:
    # different hash seeds: nothing may depend on set or dict-of-str ordering
    procs = []
    for k, hashseed in ((1, "1"), (2, "12345")):
        env = os.environ | {"PYTHONHASHSEED": hashseed, "MPLBACKEND": "Agg"}
        cmd = [*_scsim(), "run", "--people", "300", "--days", "10", "--seed", "7",
               "--out", str(tmp_path / f"run{k}"), "--quiet"]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        assert "results in" in out
    for name in (*PARQUET, "config.toml"):
        a = (tmp_path / "run1" / name).read_bytes()
        b = (tmp_path / "run2" / name).read_bytes()
        assert a == b, f"{name} differs between processes"
    # and the process output equals an in-process run of the same scenario
    scn = with_overrides(default_scenario(), {"graph.n_people": 300, "run.days": 10,
                                              "run.seed": 7})
    write_run(run_scenario(scn), tmp_path / "inproc", figure=False)
    for name in PARQUET:
        assert (tmp_path / "inproc" / name).read_bytes() == (tmp_path / "run1" / name
                                                            ).read_bytes(), name


@pytest.mark.parametrize("param", ["platform.posting_cap", "merchants.pushes_per_day"])
def test_streams_shared_across_one_parameter(param: str) -> None:
    # common random numbers: a parameter that does not touch the graph or the
    # population leaves both identical
    a = SocialCommerceModel(seed=4, overrides=SMALL)
    b = SocialCommerceModel(seed=4, overrides=SMALL | {param: 3.0})
    np.testing.assert_array_equal(a.graph.indices, b.graph.indices)
    np.testing.assert_array_equal(a.people.p_open, b.people.p_open)
    np.testing.assert_array_equal(a.people.kind, b.people.kind)
    assert [r.person for r in a.reseller_list] == [r.person for r in b.reseller_list]


#: metrics of the merchants' pushes: every draw behind them is from the merchants' stream
PUSH_METRICS = ["pushes_sent", "push_opens", "unfollows", "followers", "gmv_push"]
#: what trust, and only trust, feeds into the same day
TRUST_METRICS = ["mean_trust_resellers", "mean_trust_friends"]


def _equal(a, b) -> bool:
    return bool(((a == b) | (a.isna() & b.isna())).all())


def test_daily_streams_shared_across_the_posting_cap() -> None:
    """Common random numbers in the days: the streams are separate generators, each read
    in order, so a run shares a stream's draws with its twin for as long as both have
    consumed the same number of them.

    A posting cap acts in step 1 (fewer ads); each morning's first feed draw is who opens
    Moments, and only then does exposure (step 2) draw from the feed stream in proportion
    to the ads. So day 0's openers are the same, while later mornings' are not (the cap
    changed how many feed draws day 0 used; asserting equal openers on every day would be
    false here). The merchants' stream (push plans, paid followers, opens, push orders) is
    read by nothing the cap changes as long as budgets never bind (a reseller's sale could
    otherwise leave a follower unable to pay, which changes how many order-size draws the
    merchants' stream gives), so with unbounded budgets every push metric agrees every day.
    """
    over = SMALL | {"users.budget_per_day": 1e5, "purchase.p_buy_base": 0.3}
    a = SocialCommerceModel(seed=5, overrides=over).run(20).metrics()
    b = SocialCommerceModel(seed=5, overrides=over | {"platform.posting_cap": 1}).run(20).metrics()
    assert a["ads_seen"].iloc[0] > b["ads_seen"].iloc[0]  # the cap binds from day 0
    assert a["openers"].iloc[0] == b["openers"].iloc[0]
    for col in PUSH_METRICS:
        np.testing.assert_array_equal(a[col], b[col], err_msg=col)
    assert a["gmv_push"].sum() > 0 and a["push_opens"].sum() > 0  # something to share


def test_daily_streams_shared_across_word_of_mouth_loss() -> None:
    """``trust.loss_word_of_mouth`` acts last in step 5, after the day's warnings are drawn,
    and changes only trust. Day 0 therefore agrees in every metric but the two trust
    means; then trust changes purchase intents, and from the first day on which anything
    but trust differs (D) the feed stream may be read a different number of times (the
    orders are rationed with feed draws). Up to and including day D every morning's
    opening draw is the same, so openers agree on days 0..D."""
    over = SMALL | {"purchase.p_buy_base": 0.3, "resellers.counterfeit_share": 0.8,
                    "trust.p_word_of_mouth": 1.0}
    a = SocialCommerceModel(seed=4, overrides=over | {"trust.loss_word_of_mouth": 0.1}
                            ).run(20).metrics()
    b = SocialCommerceModel(seed=4, overrides=over | {"trust.loss_word_of_mouth": 0.9}
                            ).run(20).metrics()
    assert a["word_of_mouth_warnings"].iloc[0] > 0  # the rule acts on day 0 ...
    assert a["mean_trust_resellers"].iloc[0] > b["mean_trust_resellers"].iloc[0]
    others = [c for c in a.columns if c not in TRUST_METRICS]
    same = [all(_equal(a[c].iloc[d:d + 1], b[c].iloc[d:d + 1]) for c in others)
            for d in range(20)]
    assert same[0], [c for c in others if not _equal(a[c].iloc[:1], b[c].iloc[:1])]
    assert not all(same), "trust never changed anything: the check below is empty"
    first = same.index(False)  # D
    np.testing.assert_array_equal(a["openers"].iloc[:first + 1], b["openers"].iloc[:first + 1])


@pytest.mark.parametrize(
    ("base", "change"),
    [
        # a posting cap above what anyone posts never binds
        ({"platform.policy": "threshold_ban"}, {"platform.posting_cap": 50.0}),
        # word of mouth without counterfeits has nothing to spread
        ({"resellers.counterfeit_share": 0.0, "resellers.quality_genuine": 1.0,
          "strategies.curated_quality_bonus": 0.0}, {"trust.p_word_of_mouth": 0.9}),
        # a report threshold nobody reaches bans nobody
        ({"users.p_report": 0.0, "users.p_report_counterfeit": 0.0},
         {"platform.report_threshold": 1}),
    ],
    ids=["cap-not-binding", "no-counterfeits", "no-reports"],
)
def test_minimally_different_world_is_identical(base: dict, change: dict) -> None:
    over = SMALL | {"strategies.flooder_ads_per_day": 3.0} | base
    a = SocialCommerceModel(seed=8, overrides=over).run()
    b = SocialCommerceModel(seed=8, overrides=over | change).run()
    _assert_same_model(a, b)
    assert a.metrics()["ads_seen"].sum() > 0
