"""docs/ODD.md stays true to the code: its parameter table matches sim.params both ways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.odd import BEGIN, END, format_default, parameter_table_markdown, update_odd
from sim.params import SECTIONS, parameter_table

ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
FIX = "regenerate it with `python -m sim.odd`"


def _split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [c.strip().replace("\\|", "|") for c in cells]


def odd_table(text: str) -> dict[str, dict[str, str]]:
    """Rows of the parameter table in the ODD text, by parameter key."""
    assert BEGIN in text and END in text, "docs/ODD.md lost its parameter-table markers"
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    lines = [ln for ln in block.splitlines() if ln.startswith("|")]
    header = _split_row(lines[0])
    rows = {}
    for ln in lines[2:]:
        cells = dict(zip(header, _split_row(ln), strict=True))
        key = cells["parameter"].strip("`")
        assert key not in rows, f"parameter {key} appears twice in docs/ODD.md"
        rows[key] = cells
    return rows


@pytest.fixture(scope="module")
def table() -> dict[str, dict[str, str]]:
    return odd_table(ODD.read_text(encoding="utf-8"))


def test_every_code_parameter_is_in_the_odd_table(table: dict) -> None:
    code = {r["key"] for r in parameter_table()}
    missing = sorted(code - set(table))
    assert not missing, f"in sim/params.py but not in docs/ODD.md: {missing}; {FIX}"


def test_every_odd_parameter_is_in_the_code(table: dict) -> None:
    code = {r["key"] for r in parameter_table()}
    extra = sorted(set(table) - code)
    assert not extra, f"in docs/ODD.md but not in sim/params.py: {extra}; {FIX}"


def test_defaults_units_ranges_and_sources_match(table: dict) -> None:
    for row in parameter_table():
        doc = table[row["key"]]
        assert doc["default"] == format_default(row["default"]), (
            f"{row['key']}: default {doc['default']} in docs/ODD.md, "
            f"{format_default(row['default'])} in code; {FIX}")
        assert doc["unit"] == row["unit"], f"{row['key']}: unit differs; {FIX}"
        assert doc["valid range"] == row["range"], f"{row['key']}: range differs; {FIX}"
        assert doc["source"] == row["source"], f"{row['key']}: source differs; {FIX}"
        unc = row["uncertain"]
        assert (doc["calibration range"] != "") == (unc is not None), (
            f"{row['key']}: calibration range differs; {FIX}")


def test_table_is_exactly_the_generated_one() -> None:
    assert update_odd(ODD, check=True), f"docs/ODD.md parameter table is stale; {FIX}"


def test_parser_detects_a_missing_and_a_changed_row() -> None:
    """The checks above can fail: drop a row and change a default in a copy."""
    text = ODD.read_text(encoding="utf-8")
    rows = parameter_table()
    first = rows[0]
    lines = text.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith(f"| `{first['key']}`"))
    dropped = odd_table("\n".join(lines[:i] + lines[i + 1:]))
    assert first["key"] not in dropped
    second = rows[1]
    j = next(k for k, ln in enumerate(lines) if ln.startswith(f"| `{second['key']}`"))
    cells = _split_row(lines[j])
    cells[1] = "12345"
    lines[j] = "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
    changed = odd_table("\n".join(lines))
    assert changed[second["key"]]["default"] != format_default(second["default"])


def test_pipes_in_cells_survive(table: dict) -> None:
    assert table["run.backend"]["valid range"] == "numpy | cupy | strict"
    assert "|" in parameter_table_markdown().splitlines()[2]


def test_odd_has_the_protocol_sections() -> None:
    text = ODD.read_text(encoding="utf-8")
    for heading in ("Purpose and patterns", "Entities, state variables and scales",
                    "Process overview and scheduling", "Design concepts", "Initialization",
                    "Input data", "Submodels", "Deviations from MODEL.md",
                    "Adoption submodel used for validation"):
        assert re.search(rf"^#+ .*{re.escape(heading)}", text, re.M), heading


def test_dotted_parameter_names_in_prose_exist() -> None:
    """Every `section.name` the prose mentions is a real parameter."""
    text = ODD.read_text(encoding="utf-8").split(BEGIN)[0]
    keys = {r["key"] for r in parameter_table()}
    pattern = r"`((?:" + "|".join(SECTIONS) + r")\.[a-z_0-9]+)`"
    mentioned = set(re.findall(pattern, text))
    assert mentioned, "the prose names no dotted parameter; the check would be vacuous"
    assert mentioned <= keys, sorted(mentioned - keys)


def test_every_parameter_cites_a_source() -> None:
    for row in parameter_table():
        assert row["source"], f"{row['key']} has no source"
