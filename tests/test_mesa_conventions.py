"""The model behaves as Mesa users expect: batch_run, running, seeds, remove(), pickling.

Also: a graph's attributes survive ``friend_graph()``, a ratio with nothing
to divide is NaN, and a town whose reseller share rounds to zero warns.
"""

from __future__ import annotations

import pickle
import warnings

import mesa
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from agents.strategies import Plan, Strategy
from sim.metrics import METRICS
from sim.model import SocialCommerceModel
from sim.scenario import ScenarioError

SMALL = {"graph.n_people": 300, "graph.mean_degree": 12, "run.days": 5,
         "resellers.initial_share": 0.05}


def test_batch_run_gives_distinct_replicates_and_stops_at_run_days() -> None:
    rows = mesa.batch_run(SocialCommerceModel, {**SMALL, "platform.posting_cap": [0, 2]},
                          rng=[None] * 3, data_collection_period=1, display_progress=False)
    df = pd.DataFrame(rows)
    # Mesa numbers a row by the steps done: step 1 is day 0; five days, and no more
    assert set(df["Step"]) == {1, 2, 3, 4, 5}
    assert len(df) == 2 * 3 * 5
    for cap, g in df.groupby("platform.posting_cap"):
        # each replicate's five days of openers (one day's count alone can coincide: about
        # 255 of 300 people open Moments, with a binomial spread of 6)
        days = {tuple(r.sort_values("Step")["openers"]) for _, r in g.groupby("RunId")}
        assert len(days) == 3, f"replicates at cap {cap} are identical"
    # batch_run passed seed=None to each replicate; the seed column holds the seed drawn
    assert df["seed"].notna().all() and df.groupby("RunId")["seed"].nunique().eq(1).all()
    last = df[df["RunId"] == df["RunId"].max()].sort_values("Step")
    assert len(set(df["seed"])) == 2 * 3
    again = SocialCommerceModel(seed=int(last["seed"].iloc[0]), **SMALL,
                                **{"platform.posting_cap": int(last["platform.posting_cap"]
                                                               .iloc[0])})
    assert again.run().metrics()["openers"].tolist() == last["openers"].tolist()
    assert list(again.metrics().columns) == list(METRICS)  # (the seed is not a metric)
    given = pd.DataFrame(mesa.batch_run(SocialCommerceModel, SMALL, rng=[11, 12],
                                        display_progress=False))
    assert given["seed"].tolist() == [11, 12]


def test_run_model_stops_at_run_days() -> None:
    m = SocialCommerceModel(seed=1, overrides=SMALL)
    m.run_model()
    assert m.day == 5 and not m.running
    assert len(m.metrics()) == 5


def test_keyword_parameters_as_batch_run_passes_them() -> None:
    m = SocialCommerceModel(seed=2, **SMALL)
    assert m.params.graph.n_people == 300 and m.params.run.days == 5
    with pytest.raises(ScenarioError, match="graph.n_peple"):
        SocialCommerceModel(**{"graph.n_peple": 5})


def test_seed_none_is_fresh_and_recorded_rng_is_seed() -> None:
    a = SocialCommerceModel(seed=None, overrides=SMALL)
    b = SocialCommerceModel(seed=None, overrides=SMALL)
    assert a.params.run.seed != b.params.run.seed
    again = SocialCommerceModel(seed=a.params.run.seed, overrides=SMALL)
    pd.testing.assert_frame_equal(a.run().metrics(), again.run().metrics())
    assert SocialCommerceModel(rng=7, overrides=SMALL).params.run.seed == 7
    assert SocialCommerceModel(overrides=SMALL).params.run.seed == 20141010  # the scenario's
    with pytest.raises(ScenarioError, match="give one of them"):
        SocialCommerceModel(seed=1, rng=2, overrides=SMALL)


def test_agent_reporters_are_declared_when_the_model_is_built() -> None:
    m = SocialCommerceModel(seed=3, overrides=SMALL,
                            agent_reporters={"inventory": lambda a: getattr(a, "inventory", 0)})
    m.run(2)
    df = m.datacollector.get_agent_vars_dataframe()
    n_agents = len(m.reseller_list) + len(m.merchant_list)
    assert len(df) >= 2 * len(m.merchant_list) and df["inventory"].notna().all()
    assert df.index.get_level_values("AgentID").nunique() <= n_agents


def test_seller_table_carries_unique_id() -> None:
    m = SocialCommerceModel(seed=3, overrides=SMALL).run(2)
    t = m.seller_table()
    ids = {a.unique_id for a in m.reseller_list} | {a.unique_id for a in m.merchant_list}
    assert set(t["unique_id"]) == ids and t["unique_id"].is_unique


def test_a_removed_reseller_stops_acting() -> None:
    def plan(seller, rng):  # noqa: ANN001, ANN202
        if seller.model.day == 2:
            seller.remove()
        return Plan(ads=18, lifestyle=0)

    leaver = Strategy.from_func("leaver", plan)
    m = SocialCommerceModel(seed=4, overrides={**SMALL, "run.days": 6,
                                               "resellers.p_pitch": 0.0},
                            strategies={"leaver": leaver}, strategy_shares={"leaver": 1.0})
    m.run()
    ads = m.metrics()["ads_posted"]
    assert (ads[:2] > 0).all() and (ads[3:] == 0).all(), ads.tolist()
    t = m.seller_table()
    assert (t[t.type == "reseller"].status == "quit").all()
    assert all(r not in m.agents for r in m.reseller_list)


def test_a_removed_merchant_stops_pushing() -> None:
    m = SocialCommerceModel(seed=5, overrides={**SMALL, "merchants.follower_share": 0.5,
                                               "merchants.pushes_per_day": 1.0,
                                               "platform.enforce_push_limits": False})
    m.run(2)
    for merchant in m.merchant_list:
        merchant.remove()
    m.run(3)
    pushes = m.metrics()["pushes_sent"]
    assert (pushes[:2] > 0).all() and (pushes[2:] == 0).all()
    assert set(m.seller_table().query("type == 'merchant'").status) == {"closed"}


def test_the_model_pickles_and_the_copy_continues_identically() -> None:
    m = SocialCommerceModel(seed=6, overrides={**SMALL, "run.days": 8})
    m.run(4)
    copy = pickle.loads(pickle.dumps(m))
    m.run(4)
    copy.run(4)
    pd.testing.assert_frame_equal(m.metrics(), copy.metrics())
    pd.testing.assert_frame_equal(m.people_table(), copy.people_table())


def test_friend_graph_keeps_the_graphs_attributes() -> None:
    g = nx.karate_club_graph()
    m = SocialCommerceModel(graph=g, seed=1, overrides={"resellers.initial_share": 0.1,
                                                        "run.days": 3})
    m.run()
    h = m.friend_graph()
    assert nx.get_node_attributes(h, "club") == nx.get_node_attributes(g, "club")
    assert all("weight" in d for _, _, d in h.edges(data=True))
    assert set(h.edges()) <= set(g.edges())
    assert h.number_of_edges() == g.number_of_edges() - int(m.metrics()["blocks"].sum())


def test_a_ratio_with_nothing_to_divide_is_nan() -> None:
    m = SocialCommerceModel(seed=1, overrides={**SMALL, "users.p_open_mean": 1e-6,
                                               "groups.n_groups": 0,
                                               "groups.p_direct_reach": 0.0})
    d = m.run().metrics()
    none = d["ads_seen"] == 0
    assert none.any()
    assert d.loc[none, "conversion"].isna().all()
    assert d.loc[d["purchases"] == 0, "order_value_mean"].isna().all()
    empty = SocialCommerceModel(seed=1, overrides={**SMALL, "resellers.initial_share": 0.0})
    assert np.isnan(empty.run().metrics()["share_resellers_losing"]).all()


def test_a_town_without_resellers_warns_and_says_how_to_place_them() -> None:
    with pytest.warns(UserWarning, match=r"rounds to 0 resellers.*at least 0\.0295"):
        SocialCommerceModel(graph=nx.karate_club_graph())


def test_seed_resellers_naming_nobody_warns_as_the_karate_club_does() -> None:
    from sim.scenario import EmptyTownWarning

    g = nx.karate_club_graph()
    with pytest.warns(EmptyTownWarning, match=r"seed_resellers = \[\] names nobody: the town "
                      r"starts with 0 resellers.*only the 2 merchant\(s\) will push") as rec:
        m = SocialCommerceModel(graph=g, seed_resellers=[])
    assert rec[0].filename == __file__ and not m.reseller_list
    with pytest.warns(EmptyTownWarning, match="the labels returned by seed_resellers = "
                                              "<lambda> = \\[\\] names nobody"):
        SocialCommerceModel(graph=g, seed_resellers=lambda net: [])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SocialCommerceModel(graph=g, seed_resellers=[0, 33])


def test_days_beyond_the_limit_are_refused() -> None:
    """``model.run(days)`` takes 0..3650 more days, ``run.days`` 1..3650; each says which."""
    m = SocialCommerceModel(seed=1, overrides=SMALL)
    with pytest.raises(ValueError, match=r"days to run in 0\.\.3650 \(a scenario's run.days "
                                         r"is 1\.\.3650\)"):
        m.run(10**12)
    m.run(0)
    assert m.day == 0
    m.run(5)
    with pytest.raises(ValueError, match="at most 3650 days in all; it is on day 5, so it runs "
                                         "at most 3645 more"):
        m.run(3646)
    assert m.day == 5
    with pytest.raises(ValueError, match=r"run.days = 0: .*greater than or equal to 1"):
        SocialCommerceModel(seed=1, overrides={**SMALL, "run.days": 0})


def test_reliability_doc_states_the_ranges_the_code_checks() -> None:
    from pathlib import Path

    text = " ".join((Path(__file__).resolve().parent.parent / "docs" / "reliability.md")
                    .read_text(encoding="utf-8").split())
    assert "`run.days` (`--days`), is 1..3650" in text
    assert "`model.run(days)` runs 0..3650 more days" in text
