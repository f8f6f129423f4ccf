"""``scsim sweep``, ``scsim analyze`` and ``scsim experiment`` (registered by sim/cli.py)."""

from __future__ import annotations

import argparse
import os
from importlib import resources
from pathlib import Path

from sim.cli import positive_int
from sim.scenario import ScenarioError, load_scenario, with_overrides

__all__ = ["register", "resolve_scenario", "EXPERIMENTS"]

EXPERIMENTS = tuple(f"S{i}" for i in range(1, 13))


def resolve_scenario(name: str) -> Path:
    """A scenario file path: an existing path, or an experiment id ``S1``..``S12``.

    Raises
    ------
    ScenarioError
        If ``name`` is neither a file nor a shipped experiment id.
    """
    p = Path(name)
    if p.is_file():
        return p
    key = name.upper().removesuffix(".TOML")
    if key in EXPERIMENTS:
        return Path(str(resources.files("experiments").joinpath(f"scenarios/{key}.toml")))
    raise ScenarioError(f"scenario {name!r} is neither a file nor an experiment id "
                        f"({', '.join(EXPERIMENTS)})")


def _cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.design import expand, parse_spec
    from experiments.sweep import SweepInterrupted, SweepTerminated, default_out, run_sweep
    from sim.cli import parse_set

    path = resolve_scenario(args.scenario)
    scenario = load_scenario(path)
    if args.set:
        scenario = with_overrides(scenario, parse_set(args.set))
    spec = parse_spec(scenario, replicates=args.replicates, sample=args.sample, n=args.n)
    if spec.sample == "sobol":
        from experiments.design import sobol_size_problem

        problem = sobol_size_problem(spec.n, len(spec.sweep))
        if problem and not args.force:
            raise ScenarioError(problem + " (or pass --force)")
    if spec.replicates < 5:
        print(f"scsim: note: replicates = {spec.replicates}; intervals from fewer than 5 "
              "replicates are not fit to decide anything (scsim experiment refuses them)",
              flush=True)
    out = Path(args.out) if args.out else default_out(scenario.name)
    n_runs = len({r.run_id for r in expand(spec)})
    where = (f"Dask ({args.dask})" if args.dask else
             f"Dask (scheduler file {args.scheduler_file})" if args.scheduler_file else
             f"{args.workers} local process(es)")
    print(f"sweep {scenario.name}: {n_runs} runs ({spec.sample}, {spec.replicates} replicates) "
          f"on {where} -> {out}/", flush=True)
    try:
        res = run_sweep(spec, out, workers=args.workers, dask=args.dask,
                        scheduler_file=args.scheduler_file, progress=not args.quiet,
                        log=lambda m: print(m, flush=True))
    except SweepTerminated as exc:
        print(f"scsim: sweep stopped: {exc}", flush=True)
        return 128 + exc.signum
    except SweepInterrupted as exc:
        print(f"scsim: sweep stopped: {exc}")
        return 1
    except KeyboardInterrupt:
        print(f"\nscsim: interrupted; finished runs are kept in {out}/done: rerun the same "
              "command to resume")
        raise
    redone = f"; {res.redone} of them redone (damaged files)" if res.redone else ""
    print(f"{res.finished} finished, {res.failed} failed, {res.skipped} already done{redone}; "
          f"{res.seconds:.1f} s ({res.runs_per_minute:.1f} runs/min)")
    if res.failed:
        print(f"failures (error, parameters, traceback) in {out}/failed/")
    return 1 if res.failed else 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from experiments.analysis import analyze

    outputs = [o for s in args.outputs or [] for o in s.split(",") if o]
    ts = [o for s in args.timeseries or [] for o in s.split(",") if o]
    written = analyze(args.dir, outputs=outputs or None, timeseries=ts or None,
                      figures=not args.no_figures)
    summary = Path(written["summary"])
    import pandas as pd

    df = pd.read_csv(summary)
    with pd.option_context("display.width", 140, "display.max_rows", 60):
        print(df.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if "sensitivity" in written:
        idx = pd.read_csv(written["sensitivity"])
        print(idx.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if "skipped" in written:
        for line in Path(written["skipped"]).read_text(encoding="utf-8").splitlines():
            print(f"sensitivity: {line}" if line.startswith("WARNING")
                  else f"sensitivity: skipped {line}")
    for name, path in written.items():
        print(f"{name}: {path}")
    return 0


def _cmd_experiment(args: argparse.Namespace) -> int:
    from experiments import prereg
    from experiments.findings import DEFAULT_OUT, run_experiment, write_index
    from sim.cli import parse_set

    ids = list(EXPERIMENTS) if args.id.lower() == "all" else [args.id.upper()]
    for i in ids:
        if i not in EXPERIMENTS:
            raise ScenarioError(f"experiment {args.id!r} is unknown; use S1..S12 or all")
    if args.publish:
        if args.force:
            raise ScenarioError("--publish with --force: a forced run (fewer than 5 "
                                "replicates) is a smoke test and is never published")
        dirty = [i for i in ids if not prereg.is_clean(prereg.path_of(i))]
        if dirty:
            raise ScenarioError(
                f"--publish needs the pre-registration committed first: "
                f"{', '.join(str(prereg.path_of(i)) for i in dirty)} has uncommitted changes "
                "(or is not in a git checkout); commit it, then run the experiment")
        early = {i: n for i in ids if (n := prereg.runs_before(Path(args.data) / i,
                                                              prereg.path_of(i)))}
        if not args.no_ensemble:
            from experiments import ensemble as ens

            if not prereg.is_clean(ens.SPEC_PATH):
                raise ScenarioError(
                    f"--publish needs the ensemble's pre-registration committed first: "
                    f"{ens.SPEC_PATH} has uncommitted changes (or is not in a git checkout); "
                    "commit it, or pass --no-ensemble")
            sets = ens.draw(ens.load_calibration(), args.ensemble)
            for i in ids:
                n = sum(prereg.runs_before(ens.set_folder(args.data, i, s), ens.SPEC_PATH)
                        for s in sets)
                if n:
                    early[f"{i}/ensemble"] = n
        if early:
            raise ScenarioError(
                "--publish: runs older than the pre-registration are in " + ", ".join(
                    f"{Path(args.data) / i} ({n} runs)" for i, n in early.items())
                + "; delete those folders (or pass another --data) and run again")
    out = Path(args.out) if args.out else (Path("docs/experiments") if args.publish
                                           else DEFAULT_OUT)
    index = (Path(args.index) if args.index else Path("docs/experiments.md") if args.publish
             else out / "index.md")
    overrides = parse_set(args.set) if args.set else None
    findings = []
    from experiments.sweep import SweepInterrupted, SweepTerminated

    for i in ids:
        try:
            f = run_experiment(i, replicates=args.replicates, workers=args.workers,
                               data=Path(args.data), out=out, dask=args.dask,
                               people=args.people, progress=not args.quiet,
                               overrides=overrides, force=args.force,
                               ensemble=0 if args.no_ensemble else args.ensemble)
        except SweepInterrupted as exc:
            print(f"scsim: experiment {i} stopped: {exc}", flush=True)
            return 128 + exc.signum if isinstance(exc, SweepTerminated) else 1
        findings.append(f)
        print(f"{i}: {f.status_word()} - {f.verdict}")
        if "ensemble" in f.setup:
            e = f.setup["ensemble"]
            print(f"   over the plausible region ({len(e['sets'])} sets x {e['replicates']} "
                  f"replicates, pooled): {e['result']}; {e['runs']} runs ({e['resumed']} "
                  f"reused), {e['seconds']:.0f} s runs, {e['check_seconds']:.0f} s checks")
        print(f"   report: {out / (i + '.md')}")
    if args.id.lower() == "all":
        write_index(findings, index)
        print(f"index: {index}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``sweep``, ``analyze`` and ``experiment`` to the ``scsim`` parser."""
    sw = subparsers.add_parser(
        "sweep", help="run a parameter sweep (resumable) into a Parquet dataset",
        description="Run every design point x replicate of a scenario's [experiment.sweep]. "
                    "Rerunning the same command resumes: finished runs whose files match the "
                    "manifest are skipped, damaged ones redone. One sweep at a time writes "
                    "into a folder (DIR/sweep.lock names it).")
    sw.add_argument("scenario", help="scenario TOML with an [experiment] table, or S1..S12")
    sw.add_argument("--replicates", type=int, help="replicates per design point")
    sw.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1,
                    help="worker processes (default: all cores)")
    sw.add_argument("--sample", choices=("grid", "lhs", "sobol", "morris"),
                    help="design (default: the scenario's, else grid)")
    sw.add_argument("--n", type=int, help="sample size for lhs/sobol/morris")
    dsk = sw.add_mutually_exclusive_group()
    dsk.add_argument("--dask", metavar="ADDRESS",
                     help="run on Dask: 'local' starts a LocalCluster, else a scheduler address")
    dsk.add_argument("--scheduler-file", metavar="FILE",
                     help="run on the Dask cluster of this scheduler file (dask scheduler "
                          "--scheduler-file FILE); the results come back to --out here")
    sw.add_argument("--out", help="sweep folder (default runs/sweeps/NAME, with NAME made a "
                                  "safe folder name)")
    sw.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="override a base parameter, e.g. --set graph.n_people=2000")
    sw.add_argument("--quiet", action="store_true", help="no progress bar")
    sw.add_argument("--force", action="store_true",
                    help="accept a Sobol sample smaller than max(64, 2 (k + 2))")
    sw.set_defaults(func=_cmd_sweep)

    an = subparsers.add_parser("analyze", help="means with 95%% CIs, sensitivity, figures",
                               description="Analyse a sweep folder written by scsim sweep.")
    an.add_argument("dir", help="sweep folder")
    an.add_argument("--outputs", action="append", metavar="A,B",
                    help="scalar outputs (default: the scenario's experiment.outputs)")
    an.add_argument("--timeseries", action="append", metavar="A,B",
                    help="per-day columns to plot")
    an.add_argument("--no-figures", action="store_true", help="tables only")
    an.set_defaults(func=_cmd_analyze)

    ex = subparsers.add_parser(
        "experiment", help="run experiment S1..S12 (or all): sweep, pre-registered verdict, "
                           "report",
        description="Run a shipped experiment and write its markdown report and figures under "
                    "runs/experiments/reports (the repository is not touched); --publish "
                    "writes docs/experiments/ and docs/experiments.md instead, and needs the "
                    "experiment's pre-registration (its scenario file) committed first.")
    ex.add_argument("id", help="S1..S12 or all")
    ex.add_argument("--replicates", type=int,
                    help="replicates per design point (default: the pre-registered number; "
                         "fewer than 5 refused unless --force)")
    ex.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1)
    ex.add_argument("--people", type=int, help="override graph.n_people")
    ex.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="override a base parameter (goes on the report's Reproduce line), "
                         "e.g. --set graph.generator=watts_strogatz")
    ex.add_argument("--force", action="store_true",
                    help="accept fewer than 5 replicates or a small Sobol sample (smoke tests)")
    ex.add_argument("--publish", action="store_true",
                    help="write the reports into docs/experiments/ and, with 'all', the table "
                         "of docs/experiments.md")
    ex.add_argument("--dask", metavar="ADDRESS", help="run on Dask ('local' or an address)")
    ex.add_argument("--data", default="runs/experiments", help="where the sweep folders go")
    ex.add_argument("--out", help="where reports and figures go (default "
                                  "runs/experiments/reports; docs/experiments with --publish)")
    ex.add_argument("--index",
                    help="with 'all': the collected findings page (default OUT/index.md; "
                         "docs/experiments.md with --publish)")
    ex.add_argument("--quiet", action="store_true", help="no progress bar")
    eg = ex.add_mutually_exclusive_group()
    eg.add_argument("--ensemble", type=positive_int, metavar="K",
                    help="after the main design, run it over K parameter sets of the "
                         "calibration's plausible region (default: the pre-registered K of "
                         "experiments/ensemble.toml; goes on the Reproduce line when changed)")
    eg.add_argument("--no-ensemble", action="store_true",
                    help="skip the parameter ensemble (the report then has no 'Parameter "
                         "uncertainty' section)")
    ex.set_defaults(func=_cmd_experiment)
