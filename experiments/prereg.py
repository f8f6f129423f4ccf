"""Pre-registration of the experiments: claim, decision rule, design, and its commit.

Each experiment's pre-registration is the ``[experiment]`` table of its
scenario file, ``experiments/scenarios/S<n>.toml`` (one place: the design,
sizes, replicates and seeds are that file too). Besides ``question``,
``claim``, ``varies``, ``outputs``, ``replicates``, ``sample`` and
``[experiment.sweep]`` it holds:

- ``evidence``: ``independent``, ``held-out`` (was a calibration target, no
  longer fitted), ``by construction`` or ``partly by construction``, with
  ``evidence_note`` saying why;
- ``seeds``: how replicate seeds derive from ``run.seed``;
- ``[experiment.decision]``: ``rule`` (the rule in words), ``level`` (of the
  intervals), ``combine`` (how groups of parts join: ``all``), optional
  ``[experiment.decision.groups]`` (group -> ``all`` or ``any``) and one
  ``[[experiment.decision.parts]]`` per comparison: ``name``, ``group``,
  ``statistic`` (in words), ``boundary``, ``direction`` (``>`` or ``<``),
  ``interval`` (``paired t``, ``t``, ``bootstrap``) and the levels it reads
  (``args``);
- ``reported``: quantities the report shows without deciding anything.

:func:`decide` applies the parts' boundaries and directions, through
:func:`experiments.analysis.verdict`, to the statistics a check computed:
no threshold of a decision lives anywhere else. :func:`commit` is the last
commit that changed the file (the pre-registration a report cites);
:func:`is_clean` says whether the file still equals that commit.
"""

from __future__ import annotations

import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiments.analysis import combine, verdict

__all__ = ["Part", "path_of", "load", "decision", "decide", "commit", "is_clean",
           "runs_before", "git", "order_problem", "EVIDENCE"]

EVIDENCE = ("independent", "held-out", "by construction", "partly by construction")

_DIR = Path(__file__).resolve().parent / "scenarios"


def path_of(id_: str) -> Path:
    """The pre-registration (scenario file) of experiment ``id_``."""
    return _DIR / f"{id_.upper()}.toml"


def load(id_or_path: str | Path) -> dict[str, Any]:
    """The ``[experiment]`` table, read with :mod:`tomllib` (no parameter validation, so
    an experiment on parameters not declared yet still reads)."""
    p = Path(id_or_path)
    if not p.suffix:
        p = path_of(str(id_or_path))
    exp = tomllib.loads(p.read_text(encoding="utf-8")).get("experiment", {})
    if not exp:
        raise ValueError(f"{p}: no [experiment] table, so no pre-registration")
    return exp


def decision(exp: dict[str, Any]) -> dict[str, Any]:
    """The validated ``[experiment.decision]`` table.

    Raises
    ------
    ValueError
        When it is missing, a part lacks a field, a direction is not ``>`` or
        ``<``, a boundary is not a number or a group's rule is not all/any.
    """
    d = exp.get("decision")
    where = f"experiment {exp.get('id', '?')}"
    if not d:
        raise ValueError(f"{where}: no [experiment.decision] table (the pre-registered rule)")
    parts = d.get("parts") or []
    if not parts:
        raise ValueError(f"{where}: [experiment.decision] has no [[experiment.decision.parts]]")
    names = set()
    for p in parts:
        for key in ("name", "statistic", "boundary", "direction"):
            if key not in p:
                raise ValueError(f"{where}: decision part {p.get('name', '?')!r} lacks {key!r}")
        if p["direction"] not in (">", "<"):
            raise ValueError(f"{where}: part {p['name']!r}: direction {p['direction']!r} is "
                             "not '>' or '<'")
        if isinstance(p["boundary"], bool) or not isinstance(p["boundary"], int | float):
            raise ValueError(f"{where}: part {p['name']!r}: boundary {p['boundary']!r} is "
                             "not a number")
        if p["name"] in names:
            raise ValueError(f"{where}: decision part {p['name']!r} appears twice")
        names.add(p["name"])
    for g, how in dict(d.get("groups", {})).items():
        if how not in ("all", "any"):
            raise ValueError(f"{where}: group {g!r} combines by {how!r}, not 'all' or 'any'")
    if d.get("combine", "all") not in ("all", "any"):
        raise ValueError(f"{where}: combine = {d.get('combine')!r}, not 'all' or 'any'")
    if exp.get("evidence", "independent") not in EVIDENCE:
        raise ValueError(f"{where}: evidence = {exp.get('evidence')!r}, not one of {EVIDENCE}")
    return d


@dataclass
class Part:
    """One decided comparison: its estimate, interval, boundary and verdict."""

    name: str
    statistic: str
    estimate: float
    low: float
    high: float
    n: int
    boundary: float
    direction: str
    verdict: str
    label: str = ""

    def sentence(self, fmt: Any = "{:.4g}".format) -> str:
        """``statistic [label] = est (CI lo to hi, n) > boundary: verdict``."""
        lab = f" [{self.label}]" if self.label else ""
        return (f"{self.statistic}{lab} = {fmt(self.estimate)} (95% CI {fmt(self.low)} to "
                f"{fmt(self.high)}, n = {self.n}); claimed {self.direction} "
                f"{self.boundary:g}: **{self.verdict}**")


def decide(exp: dict[str, Any], stats: dict[str, Any]) -> tuple[str, list[Part]]:
    """Apply the pre-registered rule to the statistics a check computed.

    Parameters
    ----------
    exp : dict
        The ``[experiment]`` table (:func:`load`).
    stats : dict
        Part name -> ``(estimate, low, high, n)``, or a dict label -> such a
        tuple when a part is evaluated at several design points (combined with
        the part's ``over``: ``all`` by default).

    Returns
    -------
    tuple
        The claim's verdict (``held``, ``did not hold``, ``inconclusive``) and
        one :class:`Part` per comparison.

    Raises
    ------
    ValueError
        When a pre-registered part has no statistic, or a statistic no part.
    """
    d = decision(exp)
    parts_spec = d["parts"]
    names = [p["name"] for p in parts_spec]
    missing = [n for n in names if n not in stats]
    extra = [n for n in stats if n not in names]
    if missing or extra:
        raise ValueError(f"experiment {exp.get('id', '?')}: statistics do not match the "
                         f"pre-registered parts (missing {missing}, not registered {extra})")
    groups: dict[str, list[str]] = {}
    out: list[Part] = []
    for p in parts_spec:
        val = stats[p["name"]]
        items = val.items() if isinstance(val, dict) else [("", val)]
        vs = []
        for label, (est, lo, hi, n) in items:
            v = verdict(est, lo, hi, float(p["boundary"]), p["direction"])
            vs.append(v)
            out.append(Part(p["name"], p["statistic"], float(est), float(lo), float(hi),
                            int(n), float(p["boundary"]), p["direction"], v, str(label)))
        part_v = combine(vs, p.get("over", "all"))
        groups.setdefault(p.get("group", p["name"]), []).append(part_v)
    rules = dict(d.get("groups", {}))
    group_v = [combine(vs, rules.get(g, "all")) for g, vs in groups.items()]
    return combine(group_v, d.get("combine", "all")), out


def git(*args: str, cwd: str | Path) -> str | None:
    """``git ARGS`` in ``cwd``: its stripped output, or None (no git, an error, 20 s passed)."""
    try:
        r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                           timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def order_problem(report: str, rule: str, cited: str, *, cwd: str | Path) -> str | None:
    """Why the committed ``report`` does not follow the pre-registration ``rule``; None if it does.

    The report must be committed in a later commit than ``cited``; ``cited``
    must be the last change of ``rule`` before that commit and an ancestor of
    it; and ``rule`` must not have changed since (the results never edited
    the rule).

    Parameters
    ----------
    report, rule : str
        Paths relative to the repository root ``cwd``.
    cited : str
        The commit the report cites (40 hex digits).
    """
    at = git("log", "-1", "--format=%H", "--", report, cwd=cwd)
    if not at:
        return f"{report} is not committed"
    if at == cited:
        return f"{report} and {rule} changed in the same commit {cited}"
    before = git("log", "-1", "--format=%H", at, "--", rule, cwd=cwd)
    if before != cited:
        return f"{report} cites {cited}, but the last change of {rule} before it is {before}"
    if git("merge-base", "--is-ancestor", cited, at, cwd=cwd) is None:
        return f"{cited} is not an ancestor of {report}'s commit {at}"
    if git("log", "-1", "--format=%H", "--", rule, cwd=cwd) != cited:
        return f"{rule} changed after {report}; re-run and publish"
    return None


def commit(id_or_path: str | Path) -> str | None:
    """The last commit that changed the pre-registration, or None (no git, or never
    committed)."""
    p = Path(id_or_path)
    if not p.suffix:
        p = path_of(str(id_or_path))
    p = p.resolve()
    return git("log", "-1", "--format=%H", "--", p.name, cwd=p.parent) or None


def is_clean(id_or_path: str | Path) -> bool:
    """True when the pre-registration has no uncommitted change (False outside git)."""
    p = Path(id_or_path)
    if not p.suffix:
        p = path_of(str(id_or_path))
    p = p.resolve()
    status = git("status", "--porcelain", "--", p.name, cwd=p.parent)
    return status == "" and commit(p) is not None


def runs_before(folder: str | Path, id_or_path: str | Path) -> int:
    """How many finished runs in the sweep folder predate the pre-registration's commit.

    A run's time is the modification time of its manifest record
    (``done/R.json``); the commit's is its committer date. Runs reused from an
    earlier sweep into the same folder could otherwise slip results produced
    before the rule into a report that cites it. 0 when there is no commit or
    no folder.
    """
    p = Path(id_or_path)
    if not p.suffix:
        p = path_of(str(id_or_path))
    p = p.resolve()
    when = git("log", "-1", "--format=%ct", "--", p.name, cwd=p.parent)
    done = Path(folder) / "done"
    if not when or not done.is_dir():
        return 0
    t = int(when)
    return sum(1 for f in done.glob("*.json") if f.stat().st_mtime < t)
