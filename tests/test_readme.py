"""The README's printed demo numbers are what ``make demo`` prints today."""

from __future__ import annotations

from sim.readme import README, demo_block, normalise
from sim.runner import run_scenario, summarize
from sim.scenario import default_scenario


def test_readme_demo_block_matches_the_default_run() -> None:
    want = demo_block(README.read_text(encoding="utf-8"))
    got = normalise(summarize(run_scenario(default_scenario())))
    assert got == want, ("README's demo numbers are stale; run `make figures`:\n"
                         f"README:\n{want}\nnow:\n{got}")
