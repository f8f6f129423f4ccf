"""Scenario files: read, validate, override and write TOML; what a scenario costs.

Every way a scenario enters the program goes through :func:`validate`,
which turns pydantic's errors into one :class:`ScenarioError` naming each
bad field, its value and what is allowed (unknown keys list the valid ones).

Checks that need more than the scenario's own fields live here too, so that
the command line, the runner and the model make the same ones before any
work starts: :func:`check_memory` (the memory a town needs against what the
machine has), :func:`check_days` (a run's length within ``run.days``'s
range), :func:`town_warnings` (a town where nobody sells) and
:func:`check_range` (a number a caller maps onto parameters, such as the
app's sliders) and :func:`check_seed_labels` (initial resellers named by
labels that the friend graph must hold).
"""

from __future__ import annotations

import math
import os
import tomllib
import warnings
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w
from pydantic import BaseModel, ValidationError

from sim.params import SECTIONS, Scenario

__all__ = [
    "ScenarioError",
    "validate",
    "load_scenario",
    "default_scenario",
    "with_overrides",
    "to_toml",
    "save_scenario",
    "TooBigError",
    "EmptyTownWarning",
    "estimate_memory",
    "memory_breakdown",
    "available_memory",
    "check_memory",
    "check_days",
    "check_range",
    "check_seed_labels",
    "seed_label_index",
    "graph_size",
    "path_problem",
    "read_text_file",
    "town_warnings",
    "warn_empty_town",
    "MAX_SCENARIO_BYTES",
]

#: a scenario file is a few kilobytes; anything bigger than this is not one
MAX_SCENARIO_BYTES = 1_000_000


class ScenarioError(ValueError):
    """An invalid scenario: the message names each field, value and rule."""


class TooBigError(ScenarioError):
    """A scenario that needs more memory than the machine has (named fields, estimate)."""


class EmptyTownWarning(UserWarning):
    """A town in which nobody sells: every ad, order and GMV figure will be zero."""


def _short(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters (a 1 MB name stays one line)."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = f"{len(value):,} characters" if isinstance(value, str | bytes) else "cut"
    return f"{text[:limit]}... ({size})"


def _allowed_keys(loc: tuple) -> list[str]:
    if len(loc) <= 1:
        return sorted(Scenario.model_fields)
    section = SECTIONS.get(str(loc[0]))
    return sorted(section.model_fields) if section else []


def _describe(err: dict[str, Any]) -> str:
    loc = tuple(err.get("loc", ()))
    field = ".".join(str(x) for x in loc) or "scenario"
    value = err.get("input")
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return (f"unknown key {field!r} = {_short(value)}; allowed keys here: "
                f"{', '.join(_allowed_keys(loc))}")
    msg = err.get("msg", "invalid")
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    if kind in ("model_type", "dict_type") and len(loc) == 1 and str(loc[0]) in SECTIONS:
        return (f"{field} = {_short(value)}: {field} is a section (a table, or dictionary, of "
                f"fields), not a value; set its "
                f"fields, e.g. {field}.{_allowed_keys(loc + ('x',))[0]} = ...; fields: "
                f"{', '.join(_allowed_keys(loc + ('x',)))}")
    if kind == "dict_type" and loc == ("experiment",):
        return (f"experiment = {_short(value)}: experiment is a table of experiment metadata "
                "(question, varies, outputs, claim, sweep), not a value")
    return f"{field} = {_short(value)}: {msg}"


def validate(data: Mapping[str, Any] | Scenario, *, source: str = "scenario") -> Scenario:
    """Validate a mapping (or re-validate a Scenario).

    Parameters
    ----------
    data : mapping or Scenario
        Nested sections as in the TOML file.
    source : str
        Where the data came from, for the message.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        One line per problem: field, value and rule.
    """
    if isinstance(data, Scenario):
        data = data.model_dump()
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{source}: expected a table of sections, got "
                            f"{type(data).__name__} {_short(data)}; e.g. "
                            f"{{'graph': {{'n_people': 2000}}}}")
    lines = _wrong_types(data) + _bad_paths(data)
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as exc:
        flagged = {line.split(" = ", 1)[0] for line in lines}
        lines += [_describe(e) for e in exc.errors()
                  if ".".join(str(x) for x in e.get("loc", ())) not in flagged]
    if lines:
        raise ScenarioError(f"invalid {source}:\n  " + "\n  ".join(lines)) from None
    return scenario


def _bad_paths(data: Mapping[str, Any]) -> list[str]:
    """``graph.edgelist_path`` that no file system accepts (NUL, too long)."""
    graph = data.get("graph")
    path = graph.get("edgelist_path") if isinstance(graph, Mapping) else None
    if not isinstance(path, str):
        return []
    problem = path_problem(path)
    return [f"graph.edgelist_path = {_short(path)}: {problem}"] if problem else []


def _wrong_types(data: Mapping[str, Any]) -> list[str]:
    """Values pydantic's lax mode would coerce: text or true/false for a number, or
    anything but true/false for a flag (``days = "5"``, ``segmentation = 1``)."""
    out = []
    for section, cls in SECTIONS.items():
        values = data.get(section)
        if not isinstance(values, Mapping):
            continue
        for key, value in values.items():
            field = cls.model_fields.get(key)
            kind = type(value).__name__
            if field is None:
                continue
            if field.annotation in (int, float) and isinstance(value, str | bool):
                out.append(f"{section}.{key} = {_short(value)}: must be a number "
                           f"({field.annotation.__name__}), not {kind}")
            elif field.annotation is bool and kind not in ("bool", "bool_"):
                out.append(f"{section}.{key} = {_short(value)}: must be true or false, "
                           f"not {kind}")
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a TOML scenario file.

    A UTF-8 byte-order mark at the start is allowed.

    Raises
    ------
    ScenarioError
        If the file is missing, a directory or device, unreadable, larger
        than :data:`MAX_SCENARIO_BYTES`, not UTF-8, not TOML, or fails
        validation; the message names the file.
    """
    path = Path(path)
    data = _parse_toml(path)
    scenario = validate(data, source=f"scenario file {str(path)!r}")
    if scenario.graph.generator == "edgelist":
        p = Path(scenario.graph.edgelist_path)
        if not p.is_absolute():
            p = (path.parent / p).resolve()
        scenario = with_overrides(scenario, {"graph.edgelist_path": str(p)})
    return scenario


#: the longest path and path component the file systems scsim runs on accept (Linux)
MAX_PATH_BYTES, MAX_NAME_BYTES = 4095, 255


def path_problem(path: str | Path) -> str | None:
    """What makes ``path`` unusable as a file name, or None: a NUL character, a name
    longer than 255 bytes or a path longer than 4095 (the operating system's limits,
    checked here so the message can say so, briefly)."""
    text = os.fspath(path)
    if "\x00" in text:
        return "holds a NUL character"
    raw = os.fsencode(text)
    if len(raw) > MAX_PATH_BYTES:
        return f"is {len(raw):,} bytes long; a path is at most {MAX_PATH_BYTES}"
    longest = max((len(os.fsencode(part)) for part in Path(text).parts), default=0)
    if longest > MAX_NAME_BYTES:
        return (f"has a name of {longest:,} bytes; a file or folder name is at most "
                f"{MAX_NAME_BYTES}")
    return None


def read_text_file(path: str | Path, what: str, *, limit: int | None = None) -> str:
    """The text of a UTF-8 file (a byte-order mark dropped), or an error naming it.

    Parameters
    ----------
    path : str or Path
    what : str
        What the file is, for the message (``"scenario file"``).
    limit : int, optional
        Refuse files larger than this many bytes.

    Raises
    ------
    ScenarioError
        Missing, a directory, a device or pipe, unreadable, too large, or not
        UTF-8 (naming the line and column of the first bad byte).
    """
    problem = path_problem(path)
    if problem:
        raise ScenarioError(f"{what} {_short(os.fspath(path))} {problem}")
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise ScenarioError(f"{what} {name!r} does not exist")
    if path.is_dir():
        raise ScenarioError(f"{what} {name!r} is a directory; give the path of a file")
    if not path.is_file():
        raise ScenarioError(f"{what} {name!r} is not a regular file (a device or a pipe); "
                            "give the path of a file")
    try:
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise ScenarioError(f"{what} {name!r} is {size:,} bytes; a {what} is at most "
                                f"{limit:,} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{what} {name!r} cannot be read: {exc.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError(
            f"{what} {name!r} is not UTF-8 text: byte {raw[exc.start]:#04x} at line {line}, "
            f"column {col}; save it as UTF-8 (a binary file is not a {what})") from None


def _parse_toml(path: Path) -> dict[str, Any]:
    text = read_text_file(path, "scenario file", limit=MAX_SCENARIO_BYTES)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario file {str(path)!r} is not valid TOML: {exc}") from None


def default_scenario() -> Scenario:
    """The embedded default scenario (package data ``sim/data/default.toml``)."""
    text = resources.files("sim").joinpath("data/default.toml").read_text(encoding="utf-8")
    return validate(tomllib.loads(text), source="embedded default scenario")


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """Return a copy with dotted-key overrides applied and re-validated.

    Parameters
    ----------
    scenario : Scenario
    overrides : mapping
        ``{"graph.n_people": 5000, "run.seed": 3}``.

    Raises
    ------
    ScenarioError
        For an unknown key or an invalid value.

    Examples
    --------
    >>> s = with_overrides(Scenario(), {"run.days": 7})
    >>> s.run.days
    7
    """
    if not isinstance(overrides, Mapping):
        raise ScenarioError(
            f"overrides = {_short(overrides)}: must be a mapping of dotted keys to values, "
            f"e.g. {{'graph.n_people': 2000}}, not {type(overrides).__name__}")
    data = scenario.model_dump()
    top = ", ".join(sorted(data))
    for key, value in overrides.items():
        if not isinstance(key, str) or not key or any(not p for p in key.split(".")):
            raise ScenarioError(f"override key {_short(key)}: must be a dotted parameter name "
                                f"such as 'graph.n_people'; top-level keys: {top}")
        parts = key.split(".")
        node = data
        for depth, p in enumerate(parts[:-1]):
            if not isinstance(node, dict) or p not in node:
                raise ScenarioError(
                    f"unknown parameter {key!r}; sections: {', '.join(sorted(SECTIONS))}")
            if not isinstance(node[p], dict):
                here = ".".join(parts[:depth + 1])
                raise ScenarioError(f"unknown parameter {key!r}: {here} is a value, not a "
                                    "section, so it has no fields")
            node = node[p]
        if parts[-1] not in node and parts[0] != "experiment":
            allowed = ", ".join(sorted(node)) if node else "(none)"
            raise ScenarioError(f"unknown parameter {key!r}; allowed here: {allowed}")
        node[parts[-1]] = value
    return validate(data, source="scenario with overrides")


def _plain(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        obj = obj.model_dump()
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


def to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML text."""
    return tomli_w.dumps(_plain(scenario))


def save_scenario(scenario: Scenario, path: str | Path) -> None:
    """Write the resolved scenario to ``path`` as TOML."""
    Path(path).write_text(to_toml(scenario), encoding="utf-8")


# ------------------------------------------------------------------ resources
#: bytes per directed tie while a run goes on: the graph (indices, rev), trust, flags (a
#: tie's strength among them), and the day's temporaries
BYTES_PER_TIE = 18
#: bytes per person: the person arrays, their draws and the people table written at the end
BYTES_PER_PERSON = 260
#: bytes per person and product category: the need matrix and its float64 draw
BYTES_PER_NEED = 12
#: bytes per tie toward a reseller (the seller-tie index: id, viewer, slot, flags,
#: thresholds, annoyance, ads seen), counted three times over for recruits
BYTES_PER_SELLER_TIE = 3 * 60
#: bytes per merchant follower (id, following, trust, annoyance) and per person (flag)
BYTES_PER_FOLLOWER = 13
#: bytes per follower drawn in a day (the draw and its unique copy)
BYTES_PER_FOLLOWER_DRAW = 24
#: bytes per line of an edge-list file while it is read (labels, ends, the CSR keys)
BYTES_PER_EDGE_LINE = 120
#: bytes per byte of a GraphML or GML file (networkx's graph of dicts)
BYTES_PER_MARKUP_BYTE = 40


def _edgelist_size(path: str) -> tuple[int, int]:
    """(lines, bytes) of an edge-list file, or (0, 0) when it cannot be read (the graph
    reader then says why)."""
    p = Path(path)
    try:
        size = p.stat().st_size if p.is_file() else 0
        if not size:
            return 0, 0
        if p.suffix.lower() == ".gz":
            return size * 4 // 8, size * 4  # about 4x compression, 8 bytes a line
        lines = 0
        with open(p, "rb") as f:
            while chunk := f.read(1 << 22):
                lines += chunk.count(b"\n")
        return lines + 1, size
    except OSError:
        return 0, 0


def graph_size(graph: Any) -> tuple[int | None, int | None]:
    """(people, directed ties) of a networkx graph or FriendGraph; (None, None) for None
    or anything else (the model says what is wrong with it)."""
    if graph is None:
        return None, None
    if hasattr(graph, "n_ties") and hasattr(graph, "n"):
        return int(graph.n), int(graph.n_ties)
    if hasattr(graph, "number_of_nodes") and hasattr(graph, "number_of_edges"):
        return int(graph.number_of_nodes()), 2 * int(graph.number_of_edges())
    return None, None


def memory_breakdown(scenario: Scenario, *, n_people: int | None = None,
                     n_ties: int | None = None, graph: Any = None) -> dict[str, tuple[int, str]]:
    """What a run of ``scenario`` holds in memory, by part.

    Parameters
    ----------
    scenario : Scenario
    n_people, n_ties : int, optional
        The size of a friend graph given to the model instead of the
        scenario's generator (``n_ties`` counts directed ties, twice the
        friendships).
    graph : networkx.Graph or FriendGraph, optional
        That graph itself (its size is read from it).

    Returns
    -------
    dict
        ``part -> (bytes, the fields that set it)``.
    """
    if graph is not None and n_people is None:
        n_people, n_ties = graph_size(graph)
    g, u, r, m = scenario.graph, scenario.users, scenario.resellers, scenario.merchants
    out: dict[str, tuple[int, str]] = {}
    if n_people is None and g.generator == "edgelist":
        from sim.graph import edgelist_format

        lines, size = _edgelist_size(g.edgelist_path)
        n = max(2, 2 * lines)
        ties = 2 * lines
        fmt = edgelist_format(g.edgelist_path, g.format)
        read = (size * BYTES_PER_MARKUP_BYTE if fmt in ("graphml", "gml")
                else lines * BYTES_PER_EDGE_LINE)
        out["reading the edge list"] = (read, f"graph.edgelist_path ({size:,} bytes)")
        src = "graph.edgelist_path"
        n_src = src
    else:
        n = int(g.n_people if n_people is None else n_people)
        if n_ties is None:
            ties = int(round(n * min(float(g.mean_degree), n - 1)))
            src = f"graph.n_people = {n:,} x graph.mean_degree = {g.mean_degree:g}"
        else:
            ties = int(n_ties)
            src = "the friend graph given"
        n_src = "graph.n_people" if n_people is None else "the friend graph given"
    per_tie = BYTES_PER_TIE if scenario.run.backend == "numpy" else BYTES_PER_TIE - 4
    out["friendship ties"] = (ties * per_tie, f"{src}: {ties:,} directed ties")
    out["people"] = (n * BYTES_PER_PERSON, f"{n_src} = {n:,}")
    out["needs"] = (n * u.n_categories * BYTES_PER_NEED,
                    f"{n_src} x users.n_categories = {u.n_categories}")
    out["resellers' ties"] = (int(r.initial_share * ties) * BYTES_PER_SELLER_TIE,
                              f"resellers.initial_share = {r.initial_share:g} of the ties")
    generated = (graph is None and n_people is None and g.generator != "edgelist"
                 or bool(getattr(graph, "generated", False)))
    if r.friends_median > 0 and generated:
        k = len(r.seed_labels) if r.seeding == "list" else int(round(r.initial_share * n))
        mean = min(r.friends_cap, n - 1, r.friends_median * math.exp(r.friends_sigma ** 2 / 2))
        extra = int(k * max(0.0, mean - float(g.mean_degree)))
        out["resellers' extra friends"] = (
            extra * (2 * per_tie + BYTES_PER_SELLER_TIE),
            f"{k:,} initial resellers x resellers.friends_median = {r.friends_median:g} "
            f"(resellers.friends_sigma = {r.friends_sigma:g}): {2 * extra:,} directed ties")
    inflow = m.paid_followers_per_day + m.offline_followers_per_day
    followers = min(n, int(m.follower_share * n + inflow * scenario.run.days))
    out["merchants"] = (
        m.n_merchants * (n + followers * BYTES_PER_FOLLOWER)
        + int(min(inflow, 1e15)) * BYTES_PER_FOLLOWER_DRAW,
        f"merchants.n_merchants = {m.n_merchants} x (graph.n_people + followers: "
        f"merchants.follower_share = {m.follower_share:g}, merchants.paid_followers_per_day "
        f"= {m.paid_followers_per_day:g}, merchants.offline_followers_per_day = "
        f"{m.offline_followers_per_day:g})")
    return out


def estimate_memory(scenario: Scenario, *, n_people: int | None = None,
                    n_ties: int | None = None, graph: Any = None) -> int:
    """Bytes a run of ``scenario`` needs at its peak, beyond the interpreter itself.

    The sum of :func:`memory_breakdown`: about 18 bytes per directed tie
    (the CSR graph, its reverse ties, trust, flags and the day's
    temporaries), 260 per person, 12 per person and product category, 180
    per tie toward a reseller and 13 per merchant follower. Within a factor
    of two of the measured peak (tests/test_bad_inputs.py).

    Examples
    --------
    >>> from sim.params import Scenario
    >>> 2e9 < estimate_memory(Scenario(graph={"n_people": 1_000_000})) < 4.5e9
    True
    """
    return sum(b for b, _ in memory_breakdown(scenario, n_people=n_people, n_ties=n_ties,
                                              graph=graph).values())


def _parse_bytes(text: str) -> int:
    units = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    num, unit = (t[:-1], t[-1]) if t and t[-1] in units else (t, "")
    try:
        value = float(num) * units[unit]
    except ValueError:
        raise ScenarioError(f"SCSIM_MEMORY_LIMIT = {text!r}: expected bytes, e.g. 8G or "
                            "512M") from None
    if not math.isfinite(value) or value <= 0:
        raise ScenarioError(f"SCSIM_MEMORY_LIMIT = {text!r}: must be a positive size")
    return int(value)


def available_memory() -> tuple[int, str]:
    """(bytes, where the figure comes from) a run may use.

    The environment variable ``SCSIM_MEMORY_LIMIT`` (``8G``, ``512M``) when
    set; else ``MemAvailable`` of ``/proc/meminfo``; else the physical
    memory.
    """
    env = os.environ.get("SCSIM_MEMORY_LIMIT")
    if env:
        return _parse_bytes(env), "SCSIM_MEMORY_LIMIT"
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024, "available memory (MemAvailable)"
    except (OSError, ValueError, IndexError):
        pass
    try:
        return (os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"),
                "physical memory")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return 2**62, "unknown"


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def check_memory(scenario: Scenario, *, n_people: int | None = None,
                 n_ties: int | None = None, graph: Any = None) -> int:
    """Refuse a scenario that needs more memory than the machine has; return the estimate.

    Call it before anything is allocated (the command line, the runner and
    the model do), with the friend graph when one is given instead of the
    scenario's generator.

    Raises
    ------
    TooBigError
        Naming the estimate, what is available, and the parts and fields
        that need the most.
    """
    parts = memory_breakdown(scenario, n_people=n_people, n_ties=n_ties, graph=graph)
    need = sum(b for b, _ in parts.values())
    have, where = available_memory()
    if need <= have:
        return need
    top = sorted(parts.items(), key=lambda kv: -kv[1][0])
    lines = [f"{name}: {_gib(b)} ({fields})" for name, (b, fields) in top if b >= need / 20]
    raise TooBigError(
        f"this scenario needs about {_gib(need)} of memory, more than the {_gib(have)} of "
        f"{where} here:\n  " + "\n  ".join(lines)
        + "\nmake the town smaller (graph.n_people, graph.mean_degree) or run it on a "
          "machine with more memory (SCSIM_MEMORY_LIMIT overrides the figure)")


def check_days(days: Any, scenario: Scenario | None = None) -> int:
    """The number of days a model may be asked to run on (``model.run(days)``): an integer
    in 0..3650 (0: none more; 3650 is ``run.days``'s upper bound); ``None`` means
    ``scenario.run.days``. A scenario's own length, ``run.days``, is 1..3650.

    Examples
    --------
    >>> check_days(30)
    30
    >>> check_days(10**12)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.scenario.ScenarioError: days = 1000000000000: must be a whole number of days ...
    """
    from sim.params import RunParams

    meta = RunParams.model_fields["days"].metadata
    hi = next(m.le for m in meta if getattr(m, "le", None) is not None)
    lo = next(m.ge for m in meta if getattr(m, "ge", None) is not None)
    if days is None:
        if scenario is None:
            raise ScenarioError("days = None: give a number of days or a scenario")
        return scenario.run.days
    import numbers

    ok = (isinstance(days, numbers.Integral) and not isinstance(days, bool)) or (
        isinstance(days, float) and days.is_integer())
    if not ok or not 0 <= days <= hi:
        raise ScenarioError(f"days = {_short(days)}: must be a whole number of days to run in "
                            f"0..{hi} (a scenario's run.days is {lo}..{hi})")
    return int(days)


def check_range(name: str, value: Any, lo: float = 0.0, hi: float = 1.0) -> float:
    """``value`` as a float if it is a number in ``[lo, hi]``, else an error naming ``name``.

    For inputs a caller maps onto several parameters (the app's
    ``flooder_share`` sets three resellers.share_* fields), so the message
    names what the user typed, not a field it was turned into.

    Examples
    --------
    >>> check_range("flooder_share", 0.4)
    0.4
    >>> check_range("flooder_share", 2.0)
    Traceback (most recent call last):
    ...
    sim.scenario.ScenarioError: flooder_share = 2.0: must be a number in [0, 1]
    """
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not lo <= value <= hi:
        raise ScenarioError(f"{name} = {_short(value)}: must be a number in [{lo:g}, {hi:g}]")
    return float(value)


def seed_label_index(labels: Any, n: int, index_of: Any) -> tuple[list[int], list[Any]]:
    """Internal ids of node ``labels`` and the labels not found.

    Parameters
    ----------
    labels : iterable
        Node labels.
    n : int
        Number of people (the labels are 0..n-1 when ``index_of`` is None).
    index_of : callable or None
        Label -> internal id, raising KeyError for a missing label
        (:meth:`sim.graph.FriendGraph.index_of`); a label that is a whole
        number is also looked up as text, since an edge-list file's labels
        are text.
    """
    ids, missing = [], []
    for lab in labels:
        if index_of is None:
            ok = isinstance(lab, int | np.integer) and not isinstance(lab, bool) and 0 <= lab < n
            (ids.append(int(lab)) if ok else missing.append(lab))
            continue
        try:
            ids.append(index_of(lab))
        except KeyError:
            try:
                if not isinstance(lab, int | np.integer) or isinstance(lab, bool):
                    raise KeyError(lab) from None
                ids.append(index_of(str(lab)))
            except KeyError:
                missing.append(lab)
    return ids, missing


def check_seed_labels(scenario: Scenario, graph: Any = None) -> None:
    """Raise if ``resellers.seed_labels`` names people the friend graph does not hold.

    Checked before the town is built: against ``graph`` when one is given (a
    networkx graph or FriendGraph), else against the generated graph's labels
    0..``graph.n_people``-1. An edge-list graph is checked once it is read.

    Raises
    ------
    ScenarioError
        Naming every missing label.
    """
    r = scenario.resellers
    if r.seeding != "list":
        return
    if graph is None:
        if scenario.graph.generator == "edgelist":
            return
        _, missing = seed_label_index(r.seed_labels, scenario.graph.n_people, None)
        where = f"the generated graph (labels 0..{scenario.graph.n_people - 1})"
    elif hasattr(graph, "index_of"):
        _, missing = seed_label_index(r.seed_labels, graph.n,
                                      None if graph.labels is None else graph.index_of)
        where = "the friend graph"
    else:
        nodes = set(graph.nodes())
        missing = [x for x in r.seed_labels if x not in nodes
                   and not (isinstance(x, int) and str(x) in nodes)]
        where = "the friend graph"
    if missing:
        raise ScenarioError(missing_labels_message("resellers.seed_labels", missing, where))


def missing_labels_message(what: str, missing: list[Any], where: str) -> str:
    """``what names N label(s) that are not in where: [...]``."""
    shown = ", ".join(_short(x, 40) for x in missing[:20])
    more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
    return (f"{what} names {len(missing)} label(s) that are not in {where}: "
            f"{shown}{more}")


def town_warnings(scenario: Scenario, n_people: int) -> list[str]:
    """Why nothing will happen in a town, if so: no seller at all.

    ``resellers.initial_share`` times the number of people rounds to the
    number of initial resellers, so a small graph (34 people of the karate
    club at the default 1%) gets none.
    """
    r, m = scenario.resellers, scenario.merchants
    k = int(round(r.initial_share * n_people))
    if k > 0 or r.seeding == "list":
        return []
    need = 1.0 / max(n_people, 1)
    fix = (f"raise resellers.initial_share to at least {math.ceil(need * 1e4) / 1e4:g} "
           f"(1 reseller in {n_people:,} people)")
    if r.initial_share > 0:
        msg = (f"resellers.initial_share = {r.initial_share:g} of {n_people:,} people rounds "
               f"to 0 resellers: nobody posts ads, so ads, orders and GMV from resellers will "
               f"be 0 every day; {fix}")
    elif m.n_merchants == 0:
        msg = (f"resellers.initial_share = 0 and merchants.n_merchants = 0: nobody sells, so "
               f"every ad, order and GMV figure will be 0; {fix}")
    else:
        return []
    if m.n_merchants and r.initial_share > 0:
        msg += f" (only the {m.n_merchants} merchant(s) will push)"
    return [msg]


def warn_empty_town(scenario: Scenario, n_people: int, *, stacklevel: int = 2) -> None:
    """Warn (:class:`EmptyTownWarning`) for each of :func:`town_warnings`."""
    for msg in town_warnings(scenario, n_people):
        warnings.warn(msg, EmptyTownWarning, stacklevel=stacklevel + 1)
