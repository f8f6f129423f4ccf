"""Experiments S1-S9, sweeps and their analysis.

Table of contents, in dependency order:

- ``experiments/scenarios/S1.toml`` .. ``S9.toml``  one scenario per experiment of
  MODEL.md, each with an ``[experiment]`` table: question, claim, varied
  parameters, outputs, sweep, replicates
- :mod:`experiments.design`    sweep specs: validation, grid / LHS / Sobol / Morris
  designs, replicate seeds and stable run ids
- :mod:`experiments.sweep`     run a sweep on a local process pool or on Dask, resumably,
  into hive-partitioned Parquet (``runs``, ``metrics``, ``agents``) with a manifest
- :mod:`experiments.analysis`  means with 95% CIs, SALib indices, figures
- :mod:`experiments.findings`  the nine claim checks and their markdown reports
- :mod:`experiments.cli`       ``scsim sweep``, ``scsim analyze``, ``scsim experiment``

Nothing heavy is imported here: sweep workers import only what they run.
"""

__all__ = ["design", "sweep", "analysis", "findings", "cli"]
