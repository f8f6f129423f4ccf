"""Summarise a mutmut run: the score per module and every mutant not killed, with its line.

Run from the repository root after ``mutmut run`` (``make mutation``); it reads
the results mutmut keeps in ``mutants/`` and prints Markdown (the tables of
``docs/testing.md``)::

    python benchmarks/mutation_summary.py            # tables and the mutants not killed
    python benchmarks/mutation_summary.py --names    # the names of the mutants not killed

The score is killed / (killed + survived + no tests): a mutant that no
selected test reaches counts as a survivor; timeouts are listed apart.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
from collections import Counter
from pathlib import Path

ROOT = Path.cwd()


def _statuses() -> dict[str, dict[str, str]]:
    """{module path: {mutant name: status}} from the ``.meta`` files of ``mutants/``."""
    from mutmut.stats import status_by_exit_code

    out: dict[str, dict[str, str]] = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        path = str(meta.relative_to(ROOT / "mutants"))[: -len(".meta")]
        codes = data.get("exit_code_by_key", {})
        if codes:
            out[path] = {k: status_by_exit_code[v] for k, v in codes.items()}
    return out


def _def_lines(path: str) -> dict[str, int]:
    """Line of each function's ``def`` in the original source, keyed as mutmut names it."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    lines: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            lines[f"x_{node.name}"] = node.lineno
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    lines[f"xǁ{node.name}ǁ{item.name}"] = item.lineno
    return lines


def _changed(name: str, path: str, def_line: int) -> tuple[int, str, str]:
    """Source line of the mutation, its text before and after (the first changed line)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    line, where, old, new = def_line, 0, "", ""
    for text in get_diff_for_mutant(name, path=Path(path)).splitlines():
        if text.startswith(("---", "+++")):
            continue
        m = re.match(r"@@ -(\d+)", text)
        if m:
            line = def_line + int(m.group(1)) - 1
        elif text.startswith("-"):
            if not old:
                where, old = line, text[1:].strip()
            line += 1
        elif text.startswith("+"):
            new = new or text[1:].strip()
        else:
            line += 1
    return where, old, new


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", action="store_true", help="print the names of mutants not killed")
    args = ap.parse_args()
    statuses = _statuses()
    if args.names:
        for by_name in statuses.values():
            for name, status in by_name.items():
                if status != "killed":
                    print(name)
        return
    total: Counter[str] = Counter()
    print("| module | mutants | killed | survived | no tests | timeout | score |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for path, by_name in statuses.items():
        c = Counter(by_name.values())
        total.update(c)
        print(_row(path, c))
    print(_row("**all**", total))
    print()
    print("| module:line | mutant | original | mutated |")
    print("|---|---|---|---|")
    for path, by_name in statuses.items():
        defs = _def_lines(path)
        for name, status in by_name.items():
            if status == "killed":
                continue
            func = name.rsplit(".", 1)[1].split("__mutmut_")[0]
            line, old, new = _changed(name, path, defs.get(func, 0))
            print(f"| {path}:{line} | `{name.rsplit('.', 1)[1]}` ({status}) | `{old}` | `{new}` |")


def _row(label: str, c: Counter[str]) -> str:
    done = c["killed"] + c["survived"] + c["no tests"]
    score = f"{100 * c['killed'] / done:.1f}%" if done else "-"
    return (f"| {label} | {sum(c.values())} | {c['killed']} | {c['survived']} | "
            f"{c['no tests']} | {c['timeout']} | {score} |")


if __name__ == "__main__":
    main()
