"""Interventions are checked when the model is built, before any day runs.

A ``who`` naming no strategy used to change nobody, silently; a bad key or
value in ``ChangeParams`` was refused only on its day, mid-run; an
intervention dated after the run's last day was never applied, silently.
"""

from __future__ import annotations

import warnings

import pytest

from agents.strategies import Strategy
from sim.interventions import ChangeParams, ChangeStrategy, InterventionWarning
from sim.model import SocialCommerceModel
from sim.scenario import ScenarioError

SMALL = {"graph.n_people": 200, "graph.mean_degree": 8, "run.days": 6,
         "resellers.initial_share": 0.05}


def quiet(name: str = "quiet") -> Strategy:
    return Strategy.from_func(name, lambda seller, rng: (0, 0))


def build(*interventions: object, **kw: object) -> SocialCommerceModel:
    return SocialCommerceModel(seed=1, overrides=SMALL, interventions=list(interventions), **kw)


def test_an_unknown_who_is_refused_at_build_naming_the_strategies() -> None:
    with pytest.raises(ScenarioError) as err:
        build(ChangeStrategy(5, quiet(), who="flodder"))
    msg = str(err.value)
    assert "who = 'flodder'" in msg and "curated, flooder, mixer" in msg
    # a name a model's own strategy or an earlier intervention gives is fine
    build(ChangeStrategy(2, quiet(), who="flooder"), ChangeStrategy(4, quiet("x"), who="quiet"))
    build(ChangeStrategy(2, quiet(), who="loud"), strategies={"loud": quiet("loud")},
          strategy_shares={"flooder": 0.5, "loud": 0.5})
    with pytest.raises(ScenarioError, match="who = 'x'"):  # x comes later than it is used
        build(ChangeStrategy(2, quiet(), who="x"), ChangeStrategy(4, quiet("x")))
    build(ChangeStrategy(2, quiet(), who=lambda r: r.level == 1))
    with pytest.raises(TypeError, match="who = 5"):
        ChangeStrategy(2, quiet(), who=5)  # type: ignore[arg-type]


@pytest.mark.parametrize(("overrides", "fragments"), [
    ({"platform.postingcap": 2}, ["ChangeParams(day=5", "platform.postingcap",
                                  "posting_cap"]),
    ({"platform.posting_cap": -1}, ["platform.posting_cap = -1"]),
    ({"graph.n_people": 100}, ["graph.n_people", "read only while the town is built"]),
])
def test_change_params_is_checked_at_build(overrides: dict, fragments: list[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SocialCommerceModel, "step",
                        lambda self: pytest.fail("a day ran before the check"))
    with pytest.raises(ScenarioError) as err:
        build(ChangeParams(5, overrides))
    for f in fragments:
        assert f in str(err.value)


def test_valid_interventions_build_and_apply_in_day_order() -> None:
    late = ChangeParams(4, {"platform.posting_cap": 1})
    early = ChangeParams(2, {"users.p_report": 0.2})
    m = build(late, early)
    assert m.interventions == [early, late]
    m.run(3)
    assert m.params.users.p_report == 0.2 and m.params.platform.posting_cap != 1


def test_an_intervention_after_the_last_day_warns_and_one_never_reached_is_an_error() -> None:
    with pytest.warns(InterventionWarning, match=r"run.days = 6 runs days 0..5") as rec:
        m = build(ChangeParams(6, {"platform.posting_cap": 1}))
    assert rec[0].filename == __file__  # the warning points at the caller's line
    m.run()
    assert m.params.platform.posting_cap != 1
    m.run(1)  # the Python API can run on past run.days: then it applies
    assert m.params.platform.posting_cap == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(ChangeParams(5, {"platform.posting_cap": 1}))  # the last day: no warning
    with pytest.raises(ScenarioError, match="day 3650 is never reached"):
        build(ChangeParams(3650, {"platform.posting_cap": 1}))


def test_interventions_must_be_interventions() -> None:
    with pytest.raises(ScenarioError, match=r"interventions\[1\] = \{'day': 3\}"):
        build(ChangeParams(2, {"platform.posting_cap": 1}), {"day": 3})
    with pytest.raises(ScenarioError, match="expected a list of interventions"):
        SocialCommerceModel(seed=1, overrides=SMALL,
                            interventions=ChangeParams(2, {"platform.posting_cap": 1}))
