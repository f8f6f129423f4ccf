"""Two revisions of this repository timed side by side, in one run.

Answers one question about a refactor: is the code after it *no slower* than
the code before it, within 10 % in seconds per simulated day and in peak
memory? It runs the default scenario at 100,000 people x 30 days and at
10,000 people x 60 days under both revisions and prints a Markdown table of
medians and of their ratios, after / before.

Method
------
Revisions
    Each revision is checked out with ``git worktree add --detach`` into a
    temporary folder, removed again at the end (also after an error or a
    Ctrl-C). The special revision ``WORKTREE`` is the repository's own
    checkout as it is, uncommitted changes included (its ``HEAD`` and whether
    it was dirty are recorded).
Fresh processes
    Every measurement is a new Python process (this interpreter,
    ``sys.executable``) started in the revision's tree with ``PYTHONPATH``
    set to that tree's root, so ``import sim`` loads that revision's code and
    not the editable install of the main checkout (whose import hook comes
    after ``PYTHONPATH`` on ``sys.path``). The child reports
    ``sim.__file__``; the parent checks that it lies inside the tree it meant
    to measure, and prints it once per revision. A fresh process also makes
    the peak memory, ``ru_maxrss`` of the child at its end, that run's own
    (imports, graph, set-up and the run; reported in MiB).
What is timed
    The model's set-up, ``SocialCommerceModel(seed=S, overrides=...)``
    (including the friend graph), and ``m.run()`` apart; seconds per day is
    the run time over the days. Imports are timed too but not reported in
    the table.
ABBA alternation
    For each repeat and each size, one revision runs and then the other; the
    order flips on the next repeat (before, after; after, before; ...). On a
    shared machine, load drifts over minutes and the second run of a pair
    can be warmer or colder than the first: alternating lets drift and order
    effects hit both revisions alike instead of one. Both revisions run on
    the same seed in a repeat (seed = repeat index + 1), so they simulate
    the same population; use an even ``--repeats`` for a balanced design.
Ratios, not absolute times
    Seconds per day differ by up to 3x between machines (and across hours
    on a shared one), so absolute times from two runs on two machines say
    little about a refactor. Both revisions are measured here in one run, on
    one machine, interleaved; the ratio of their medians is what carries
    over. A metric is "within 10%" when after / before <= 1.10 (being faster
    or leaner passes).
Noise
    Below the table, one line per size gives the range of the per-repeat
    s/day ratios, the best-of ratio (fastest after / fastest before) and the
    ratio of the run's CPU time, and flags the size NOISY when the per-repeat
    ratios spread over more than 0.20: on a busy 2-CPU machine a 0.2 s run
    (10,000 x 60 d) moves by tens of percent, and no verdict at 10 % holds.
    The load average before and after is printed and recorded.

The environment is left as it is (``OPENBLAS_CORETYPE`` and
``OPENBLAS_L2_SIZE`` are not touched, only recorded). The JSON file holds
every measurement, the table, both revisions' full hashes, the Python and
NumPy versions, ``os.cpu_count()`` and the date.

Exit status: 0 on success, 2 when git is missing or a revision does not
exist (nothing is run), 1 when a child run fails (its stderr tail is
printed with the revision and size), 130 on Ctrl-C.

Usage::

    .venv/bin/python benchmarks/bench_revisions.py                  # 9901c2b vs the checkout
    .venv/bin/python benchmarks/bench_revisions.py --before 9901c2b --after WORKTREE --repeats 1
    .venv/bin/python benchmarks/bench_revisions.py --before 9901c2b --after bb8094c --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "9901c2b"  # the last commit before the rules/state/kernels refactor
WORKTREE = "WORKTREE"  # the repository's checkout as it is, uncommitted changes included
SIZES: tuple[tuple[int, int], ...] = ((100_000, 30), (10_000, 60))  # (people, days)
THRESHOLD = 1.10  # after / before at most this: "within 10%"
NOISY = 0.20  # per-repeat s/day ratios spread wider than this: the verdict is not to be trusted
SIDES = ("before", "after")
ENV_RECORDED = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
                "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONPATH")

# Run in the revision's tree as ``python -c CHILD people days seed [overrides-json]``; prints
# one JSON line.
CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import numpy
import sim
from sim.model import SocialCommerceModel
n, days, seed = (int(a) for a in sys.argv[1:4])
extra = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
t1 = time.perf_counter()
m = SocialCommerceModel(seed=seed, overrides={"graph.n_people": n, "run.days": days, **extra})
t2 = time.perf_counter()
c2 = time.process_time()
m.run()
t3 = time.perf_counter()
c3 = time.process_time()
kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"sim_file": sim.__file__, "numpy": numpy.__version__,
                  "people": n, "days": days, "seed": seed,
                  "import_s": t1 - t0, "setup_s": t2 - t1, "run_s": t3 - t2,
                  "run_cpu_s": c3 - c2, "s_per_day": (t3 - t2) / days,
                  "peak_kib": kib, "peak_mib": kib / 1024}))
"""


class BenchError(Exception):
    """An error reported as one message, without a traceback, with an exit status."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


# --- pure pieces -------------------------------------------------------------------------


def abba_order(repeats: int, sizes: Sequence[tuple[int, int]],
               sides: Sequence[str] = SIDES) -> list[tuple[int, tuple[int, int], str]]:
    """The runs in order: ``(repeat, size, side)``.

    For each repeat and each size, both sides; in the given order on even
    repeats and swapped on odd ones (A B, then B A, ...).
    """
    a, b = sides
    runs = []
    for r in range(repeats):
        pair = (a, b) if r % 2 == 0 else (b, a)
        for size in sizes:
            for side in pair:
                runs.append((r, tuple(size), side))
    return runs


def size_label(size: Sequence[int]) -> str:
    """``100,000 x 30 d`` for (people, days)."""
    people, days = size
    return f"{people:,} x {days} d"


def parse_size(text: str) -> tuple[int, int]:
    """``"100000x30"`` -> (100000, 30)."""
    try:
        people, days = (int(x.replace("_", "").replace(",", "")) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r}: expected PEOPLExDAYS, "
                                         "e.g. 100000x30") from None
    if people < 1 or days < 1:
        raise argparse.ArgumentTypeError(f"size {text!r}: people and days must be >= 1")
    return people, days


def verdict(ratio: float, threshold: float = THRESHOLD) -> str:
    """``yes`` when ``ratio`` (after / before) is at most ``threshold``, else ``no``."""
    return "yes" if ratio <= threshold else "no"


def summarise(measurements: Sequence[dict], sizes: Sequence[tuple[int, int]],
              sides: Sequence[str] = SIDES, threshold: float = THRESHOLD) -> list[dict]:
    """Medians per (size, side) and, on the second side's rows, its ratios to the first.

    Each measurement is a dict with ``people``, ``days``, ``side``, ``s_per_day``,
    ``setup_s`` and ``peak_mib``.
    """
    rows = []
    for size in sizes:
        med = {}
        for side in sides:
            ms = [m for m in measurements
                  if (m["people"], m["days"]) == tuple(size) and m["side"] == side]
            if not ms:
                raise ValueError(f"no measurements of {side} at {size_label(size)}")
            med[side] = {k: statistics.median(m[k] for m in ms)
                         for k in ("s_per_day", "setup_s", "peak_mib")}
            med[side]["n"] = len(ms)
        first, second = sides
        for side in sides:
            row = {"people": size[0], "days": size[1], "side": side, **med[side]}
            if side == second:
                for k in ("s_per_day", "peak_mib"):
                    ratio = med[second][k] / med[first][k]
                    row[f"{k}_ratio"] = ratio
                    row[f"{k}_within"] = verdict(ratio, threshold)
            rows.append(row)
    return rows


def format_table(rows: Sequence[dict], labels: dict[str, str],
                 threshold: float = THRESHOLD) -> str:
    """The summary rows as a Markdown table; ``labels`` names each side's revision.

    The ratios and verdicts (after / before at most ``threshold``) are on the
    second side's row of each size.
    """
    within = f"within {round((threshold - 1) * 100):g}%"
    head = ["size", "revision", "s/day (median)", "setup s (median)", "peak MiB (median)",
            "s/day after/before", within, "peak after/before", within]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for r in rows:
        cells = [size_label((r["people"], r["days"])), f"{r['side']}: {labels[r['side']]}",
                 f"{r['s_per_day']:.4g}", f"{r['setup_s']:.2f}", f"{r['peak_mib']:.0f}"]
        if "s_per_day_ratio" in r:
            cells += [f"{r['s_per_day_ratio']:.3f}", r["s_per_day_within"],
                      f"{r['peak_mib_ratio']:.3f}", r["peak_mib_within"]]
        else:
            cells += [""] * 4
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def paired_ratios(measurements: Sequence[dict], sides: Sequence[str] = SIDES) -> list[dict]:
    """After / before of s/day and peak for each (repeat, size) pair: the spread of the ratio."""
    first, second = sides
    by_key: dict[tuple, dict] = {}
    for m in measurements:
        by_key.setdefault((m["repeat"], m["people"], m["days"]), {})[m["side"]] = m
    out = []
    for (rep, people, days), pair in sorted(by_key.items()):
        if first in pair and second in pair:
            out.append({"repeat": rep, "people": people, "days": days,
                        "s_per_day_ratio": pair[second]["s_per_day"] / pair[first]["s_per_day"],
                        "peak_mib_ratio": pair[second]["peak_mib"] / pair[first]["peak_mib"]})
    return out


def spread_notes(measurements: Sequence[dict], sizes: Sequence[tuple[int, int]],
                 sides: Sequence[str] = SIDES) -> list[str]:
    """One line per size: how far the s/day ratio can be trusted.

    The range of the per-repeat s/day ratios shows how much of a ratio is noise (two
    identical revisions give ratios around 1 whose spread is this machine's noise at that
    size); the best-of ratio (fastest after over fastest before) is the least disturbed
    by other processes on a shared machine; the CPU-time ratio leaves out time spent
    waiting for a CPU (but not time slowed by a busy neighbour on the same core).
    """
    first, second = sides
    pairs = paired_ratios(measurements, sides)
    notes = []
    for size in sizes:
        rs = [p["s_per_day_ratio"] for p in pairs if (p["people"], p["days"]) == tuple(size)]
        cpu = {side: statistics.median(m["run_cpu_s"] for m in measurements
                                       if m["side"] == side
                                       and (m["people"], m["days"]) == tuple(size))
               for side in sides}
        note = f"{size_label(size)}: per-repeat s/day ratios " + (
            f"{min(rs):.3f} to {max(rs):.3f}" if rs else "none")
        best = {side: min(m["s_per_day"] for m in measurements
                          if m["side"] == side and (m["people"], m["days"]) == tuple(size))
                for side in sides}
        note += f"; best-of ratio {best[second] / best[first]:.3f}"
        if cpu[first] > 0:
            note += f"; CPU-time ratio of the run {cpu[second] / cpu[first]:.3f}"
        if rs and max(rs) - min(rs) > NOISY:
            note += (f" -- NOISY (spread > {NOISY:.2f}): the s/day verdict needs more "
                     "repeats or a quieter machine")
        notes.append(note)
    return notes


def parse_child_output(stdout: str) -> dict:
    """The last line of the child's stdout that is a JSON object."""
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in the child's output")


# --- git -------------------------------------------------------------------------------


def git(args: Sequence[str], cwd: Path = ROOT) -> str:
    """Run ``git args`` in ``cwd``; its stdout, stripped. BenchError if git is missing or fails."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise BenchError("git was not found on PATH; it is needed to check out the "
                         "revisions") from None
    if proc.returncode != 0:
        raise BenchError(f"git {' '.join(args)} failed in {cwd}:\n{proc.stderr.strip()}")
    return proc.stdout.strip()


def repo_root() -> Path:
    """The top of the git checkout that holds this script."""
    return Path(git(["rev-parse", "--show-toplevel"]))


def resolve(rev: str, root: Path) -> dict:
    """Full hash of ``rev`` (and, for WORKTREE, whether it is dirty).

    BenchError naming ``rev`` if git cannot resolve it to a commit.
    """
    if rev == WORKTREE:
        head = git(["rev-parse", "HEAD"], root)
        status = git(["status", "--porcelain", "--untracked-files=normal"], root)
        changed = status.splitlines()
        return {"rev": rev, "hash": head, "dirty": bool(changed),
                "changed": changed[:200], "tree": str(root)}
    if rev.startswith("-") or not rev.strip():
        raise BenchError(f"revision {rev!r} does not exist (not a revision name)")
    try:
        proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
                              cwd=root, capture_output=True, text=True)
    except FileNotFoundError:
        raise BenchError("git was not found on PATH; it is needed to check out the "
                         "revisions") from None
    if proc.returncode != 0 or not proc.stdout.strip():
        raise BenchError(f"revision {rev!r} does not exist in {root} (not a commit git "
                         f"can resolve; use a hash, a branch or tag, or {WORKTREE})")
    return {"rev": rev, "hash": proc.stdout.strip(), "dirty": False}


def label(info: dict) -> str:
    """How a revision is named in the table: ``9901c2b`` or ``WORKTREE (bb8094c, dirty)``."""
    short = info["hash"][:7]
    if info["rev"] == WORKTREE:
        return f"{WORKTREE} ({short}{', dirty' if info['dirty'] else ''})"
    return info["rev"] if info["hash"].startswith(info["rev"]) else f"{info['rev']} ({short})"


@contextlib.contextmanager
def checkout(info: dict, root: Path) -> Iterator[Path]:
    """The tree of a revision: the root itself for WORKTREE, else a temporary worktree."""
    if info["rev"] == WORKTREE:
        yield root
        return
    tmp = Path(tempfile.mkdtemp(prefix=f"bench_rev_{info['hash'][:7]}_"))
    added = False
    try:
        git(["worktree", "add", "--detach", str(tmp), info["hash"]], root)
        added = True
        yield tmp
    finally:
        removed = False
        if added:
            with contextlib.suppress(BenchError):
                git(["worktree", "remove", "--force", str(tmp)], root)
                removed = True
        shutil.rmtree(tmp, ignore_errors=True)
        if added and not removed:  # forget the worktree whose folder was just deleted
            with contextlib.suppress(BenchError):
                git(["worktree", "prune"], root)


# --- measuring ------------------------------------------------------------------------------


#: overrides given with ``--set``, passed to both revisions' runs
EXTRA: dict[str, object] = {}


def measure(tree: Path, size: tuple[int, int], seed: int, what: str) -> dict:
    """One run in a fresh process in ``tree``; its JSON line as a dict."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    people, days = size
    cmd = [sys.executable, "-c", CHILD, str(people), str(days), str(seed), json.dumps(EXTRA)]
    proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
    where = f"{what} at {size_label(size)}, seed {seed}"
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-25:])
        raise BenchError(f"the run of {where} failed (exit status {proc.returncode}); "
                         f"the end of its stderr:\n{tail}", status=1)
    try:
        result = parse_child_output(proc.stdout)
    except ValueError as e:
        raise BenchError(f"the run of {where} printed no result ({e}); stdout:\n"
                         f"{proc.stdout[-2000:]}", status=1) from None
    sim_file = Path(result["sim_file"]).resolve()
    if not sim_file.is_relative_to(tree.resolve()):
        raise BenchError(f"the run of {where} imported sim from {sim_file}, not from "
                         f"{tree}: PYTHONPATH did not take precedence", status=1)
    return result


def run_all(infos: dict[str, dict], trees: dict[str, Path], sizes: Sequence[tuple[int, int]],
            repeats: int, log=print) -> list[dict]:
    """Every measurement, in ABBA order."""
    out = []
    shown = set()
    order = abba_order(repeats, sizes)
    for i, (rep, size, side) in enumerate(order, 1):
        seed = rep + 1
        what = f"{side} {label(infos[side])}"
        res = measure(trees[side], size, seed, what)
        if side not in shown:
            log(f"  {side} ({label(infos[side])}): sim imported from {res['sim_file']}")
            shown.add(side)
        res.update(repeat=rep, side=side, order=i, rev=infos[side]["rev"],
                   hash=infos[side]["hash"])
        log(f"  [{i}/{len(order)}] repeat {rep + 1} {size_label(size):>16} {side:>6}: "
            f"{res['s_per_day'] * 1e3:8.2f} ms/day  setup {res['setup_s']:6.2f} s  "
            f"peak {res['peak_mib']:7.0f} MiB")
        out.append(res)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=BASELINE,
                    help=f"revision before the change (default {BASELINE})")
    ap.add_argument("--after", default=WORKTREE,
                    help=f"revision after the change (default {WORKTREE}: the checkout as it is)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of each revision at each size (default 3; even is balanced)")
    ap.add_argument("--sizes", type=parse_size, nargs="+", default=None, metavar="PEOPLExDAYS",
                    help="sizes to run (default 100000x30 10000x60)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a scenario override for both revisions' runs (a JSON value), e.g. "
                         "groups.n_groups=0 when the defaults changed between them")
    ap.add_argument("--threshold", type=float, default=THRESHOLD,
                    help=f"after / before allowed (default {THRESHOLD}: within 10%%; an issue "
                         "may allow more, e.g. 1.5)")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "revisions.json",
                    help="write measurements and table here (default benchmarks/results/"
                         "revisions.json)")
    args = ap.parse_args(argv)
    for item in args.set:
        key, _, raw = item.partition("=")
        try:
            EXTRA[key] = json.loads(raw)
        except json.JSONDecodeError:
            EXTRA[key] = raw
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")
    sizes = tuple(args.sizes) if args.sizes else SIZES

    try:
        root = repo_root()
        infos = {"before": resolve(args.before, root), "after": resolve(args.after, root)}
        labels = {side: label(info) for side, info in infos.items()}
        print(f"before: {labels['before']} = {infos['before']['hash']}")
        print(f"after:  {labels['after']} = {infos['after']['hash']}")
        if infos["after"].get("dirty"):
            print(f"        (uncommitted changes: {len(infos['after']['changed'])} paths)")
        started = datetime.datetime.now(datetime.UTC)
        load_before = os.getloadavg()
        with contextlib.ExitStack() as stack:
            trees = {side: stack.enter_context(checkout(info, root))
                     for side, info in infos.items()}
            for side in SIDES:
                infos[side]["tree"] = str(trees[side])
            print(f"{len(abba_order(args.repeats, sizes))} runs, each in a fresh process:",
                  flush=True)
            measurements = run_all(infos, trees, sizes, args.repeats,
                                   log=lambda text: print(text, flush=True))
    except BenchError as e:
        print(f"bench_revisions: error: {e}", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        print("bench_revisions: interrupted (temporary worktrees removed)", file=sys.stderr)
        return 130

    rows = summarise(measurements, sizes, threshold=args.threshold)
    table = format_table(rows, labels, args.threshold)
    print()
    print(table)
    print(f"\nwithin: after / before <= {args.threshold:.2f} (faster or leaner passes); "
          f"medians of {args.repeats} run(s) each, ABBA order, same seeds.")
    notes = spread_notes(measurements, sizes)
    for note in notes:
        print(f"  {note}")
    print(f"load average (1 min) {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after, "
          f"on {os.cpu_count()} CPUs")

    import numpy

    record = {
        "what": "bench_revisions: seconds per simulated day and peak memory, after / before",
        "command": [Path(sys.argv[0]).name, *(sys.argv[1:] if argv is None else argv)],
        "date": started.isoformat(timespec="seconds"),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "before": infos["before"],
        "after": infos["after"],
        "repeats": args.repeats,
        "sizes": [list(s) for s in sizes],
        "threshold": args.threshold,
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "loadavg_before": list(load_before),  # 1, 5, 15 min: others' work on a shared machine
        "loadavg_after": list(os.getloadavg()),
        "environment": {k: os.environ.get(k) for k in ENV_RECORDED},
        "summary": rows,
        "paired_ratios": paired_ratios(measurements),
        "spread_notes": notes,
        "measurements": measurements,
        "table": table,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
