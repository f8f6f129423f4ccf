"""The README's printed demo numbers are what ``make demo`` prints today."""

from __future__ import annotations

from sim.readme import README, demo_block, normalise
from sim.runner import run_scenario, summarize
from sim.scenario import default_scenario, with_overrides


def test_readme_demo_block_matches_the_default_run() -> None:
    want = demo_block(README.read_text(encoding="utf-8"))
    got = normalise(summarize(run_scenario(default_scenario())))
    assert got == want, ("README's demo numbers are stale; run `make figures`:\n"
                         f"README:\n{want}\nnow:\n{got}")



def test_summary_says_what_share_of_the_blocks_hit_resellers() -> None:
    """'blocks/unfriends 4,627 (88% of resellers)' read as 88% of the resellers."""
    small = with_overrides(default_scenario(), {"graph.n_people": 300, "graph.mean_degree": 10,
                                                "run.days": 5, "resellers.initial_share": 0.05})
    line = next(x for x in summarize(run_scenario(small)).splitlines() if x.startswith("mutes"))
    assert "% of them hit resellers)" in line and "% of resellers)" not in line


def test_summary_gives_a_dash_for_trust_in_resellers_when_there_are_none() -> None:
    import warnings

    none = with_overrides(default_scenario(), {"graph.n_people": 300, "graph.mean_degree": 10,
                                               "run.days": 3, "resellers.initial_share": 0.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (the empty town's own warning)
        text = summarize(run_scenario(none))
    line = next(x for x in text.splitlines() if x.startswith("trust in resellers"))
    assert line.startswith("trust in resellers - -> -;") and "nan" not in line
