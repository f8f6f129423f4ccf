"""Experiments S1-S12, sweeps and their analysis.

Table of contents, in dependency order:

- ``experiments/scenarios/S1.toml`` .. ``S12.toml``  one scenario per experiment, each
  with an ``[experiment]`` table that is its pre-registration: question, claim,
  decision rule, varied parameters, outputs, sweep, replicates, seeds, evidence status
- :mod:`experiments.design`    sweep specs: validation, grid / LHS / Sobol / Morris
  designs, replicate seeds and stable run ids
- :mod:`experiments.sweep`     run a sweep on a local process pool or on Dask, resumably,
  into hive-partitioned Parquet (``runs``, ``metrics``, ``agents``) with a manifest
- :mod:`experiments.analysis`  means with 95% CIs, SALib indices, figures
- :mod:`experiments.prereg`    the pre-registered decision rules, applied; their git commit
- :mod:`experiments.findings`  the claim checks and their markdown reports
- :mod:`experiments.cli`       ``scsim sweep``, ``scsim analyze``, ``scsim experiment``

Nothing heavy is imported here: sweep workers import only what they run.
"""

__all__ = ["design", "sweep", "analysis", "prereg", "findings", "cli"]
