"""Scenario files: read, validate, override and write TOML.

Every way a scenario enters the program goes through :func:`validate`,
which turns pydantic's errors into one :class:`ScenarioError` naming each
bad field, its value and what is allowed (unknown keys list the valid ones).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

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
]


class ScenarioError(ValueError):
    """An invalid scenario: the message names each field, value and rule."""


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
        return (f"unknown key {field!r} = {value!r}; allowed keys here: "
                f"{', '.join(_allowed_keys(loc))}")
    msg = err.get("msg", "invalid")
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return f"{field} = {value!r}: {msg}"


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
        raise ScenarioError(f"{source}: expected a table of sections, got {type(data).__name__}")
    lines = _wrong_types(data)
    try:
        scenario = Scenario.model_validate(dict(data))
    except ValidationError as exc:
        flagged = {line.split(" = ", 1)[0] for line in lines}
        lines += [_describe(e) for e in exc.errors()
                  if ".".join(str(x) for x in e.get("loc", ())) not in flagged]
    if lines:
        raise ScenarioError(f"invalid {source}:\n  " + "\n  ".join(lines)) from None
    return scenario


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
                out.append(f"{section}.{key} = {value!r}: must be a number "
                           f"({field.annotation.__name__}), not {kind}")
            elif field.annotation is bool and kind not in ("bool", "bool_"):
                out.append(f"{section}.{key} = {value!r}: must be true or false, not {kind}")
    return out


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a TOML scenario file.

    Raises
    ------
    ScenarioError
        If the file is missing, is not TOML, or fails validation.
    """
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"scenario file {str(path)!r} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"scenario file {str(path)!r} is not valid TOML: {exc}") from None
    scenario = validate(data, source=f"scenario file {str(path)!r}")
    if scenario.graph.generator == "edgelist":
        p = Path(scenario.graph.edgelist_path)
        if not p.is_absolute():
            p = (path.parent / p).resolve()
        scenario = with_overrides(scenario, {"graph.edgelist_path": str(p)})
    return scenario


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
    data = scenario.model_dump()
    for key, value in overrides.items():
        parts = key.split(".")
        node = data
        for p in parts[:-1]:
            if not isinstance(node, dict) or p not in node:
                raise ScenarioError(
                    f"unknown parameter {key!r}; sections: {', '.join(sorted(SECTIONS))}")
            node = node[p]
        if not isinstance(node, dict) or (parts[-1] not in node and parts[0] != "experiment"):
            allowed = ", ".join(sorted(node)) if isinstance(node, dict) else ""
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
