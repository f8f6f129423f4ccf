"""scsim: social commerce on a WeChat-style friend network.

Table of contents, in dependency order:

- :mod:`sim.params`     every parameter, declared once (default, unit, range, source)
- :mod:`sim.scenario`   scenario TOML files: load, validate, override, save
- :mod:`sim.rng`        one seed, named random streams
- :mod:`sim.backend`    the array namespace (NumPy or CuPy)
- :mod:`sim.generators` friend-graph generators that build CSR arrays directly
- :mod:`sim.graph`      the friend graph as CSR arrays with per-tie state
- :mod:`sim.state`      people and ties as arrays, and the only code that writes them
- :mod:`sim.rules`      one module per rule of the daily schedule
- :mod:`sim.kernels`    pure array kernels the rules call
- :mod:`sim.platform`   moderation policies
- :mod:`sim.interventions` changes during a run (parameters, strategies)
- :mod:`sim.metrics`    what every run reports each day
- :mod:`sim.tables`     the seller and people tables, one person, the graph left
- :mod:`sim.schema`     declared Parquet schemas of every table (types, units, labels)
- :mod:`sim.model`      :class:`SocialCommerceModel`: assembles the rules, the daily schedule
- :mod:`sim.runner`     run a scenario, write its run folder
- :mod:`sim.figures`    matplotlib figures
- :mod:`sim.cli`        the ``scsim`` command line
"""

import importlib
from typing import Any

#: names the package exports, imported on first use (importing ``sim`` stays cheap, so
#: an early Ctrl-C of ``scsim`` finds no half-imported module to trace back through)
_LAZY = {"Scenario": "sim.params", "ScenarioError": "sim.scenario",
         "default_scenario": "sim.scenario", "load_scenario": "sim.scenario",
         "with_overrides": "sim.scenario", "SocialCommerceModel": "sim.model"}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
