"""Common random numbers: one named stream per decision (issue point 10).

A parameter that is inert in a run (it changes no decision, because what it
acts on never happens) must leave every output of that run identical: the
same daily metrics and the same seller table, to the bit. This holds only if
no two decisions share a random stream whose consumption depends on that
parameter: with shared streams, switching off reporting still let the report
threshold change how many report draws were made, and so what people saw.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.model import SocialCommerceModel
from sim.rng import STREAMS

TOWN = {"graph.n_people": 600, "graph.mean_degree": 20, "run.days": 40,
        "resellers.initial_share": 0.05}


def _outputs(over: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    m = SocialCommerceModel(overrides={**TOWN, **over}).run()
    return m.metrics(), m.seller_table()


# (what makes the parameter inert, the parameter, two values)
INERT = [
    pytest.param({"users.p_report": 0.0, "users.p_report_counterfeit": 0.0},
                 "users.report_threshold", (5.0, 50.0), id="report-threshold-nobody-reports"),
    pytest.param({"users.p_report": 0.0, "users.p_report_counterfeit": 0.0},
                 "platform.report_threshold", (3, 40), id="ban-threshold-nobody-reports"),
    pytest.param({"resellers.counterfeit_share": 0.0, "resellers.quality_genuine": 1.0,
                  "merchants.quality": 1.0},
                 "trust.bad_counterfeit", (1.0, 20.0), id="counterfeit-penalty-all-genuine"),
    pytest.param({"groups.n_groups": 0}, "groups.p_read", (0.1, 0.9), id="group-read-no-groups"),
]


@pytest.mark.parametrize(("inert", "key", "values"), INERT)
def test_an_inert_parameter_changes_no_output(inert: dict, key: str, values: tuple) -> None:
    a_metrics, a_sellers = _outputs({**inert, key: values[0]})
    b_metrics, b_sellers = _outputs({**inert, key: values[1]})
    pd.testing.assert_frame_equal(a_metrics, b_metrics)
    pd.testing.assert_frame_equal(a_sellers, b_sellers)


@pytest.mark.parametrize(("inert", "key", "values"), INERT)
def test_the_same_parameter_matters_where_it_acts(inert: dict, key: str, values: tuple) -> None:
    """Without the condition that makes it inert, the parameter changes the run (so the
    test above compares something that could differ)."""
    a_metrics, _ = _outputs({key: values[0]})
    b_metrics, _ = _outputs({key: values[1]})
    assert not a_metrics.equals(b_metrics)


def test_one_stream_per_decision() -> None:
    decisions = {"open", "read", "buy", "pay", "ration", "genuine", "warn", "recommend",
                 "report", "churn", "pitch", "accept", "push_open", "complain", "obligation",
                 "patience", "plan"}
    assert decisions <= set(STREAMS), sorted(decisions - set(STREAMS))
    assert len(set(STREAMS)) == len(STREAMS)
