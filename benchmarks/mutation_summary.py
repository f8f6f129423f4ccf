"""Summarise a mutmut run: the score per module and every mutant not killed, with its line.

Run from the repository root after ``mutmut run`` (``make mutation``); it reads
the results mutmut keeps in ``mutants/`` and prints Markdown (the tables of
``docs/testing.md``)::

    python benchmarks/mutation_summary.py            # tables and the mutants not killed
    python benchmarks/mutation_summary.py --names    # the names of the mutants not killed
    python benchmarks/mutation_summary.py --reasons benchmarks/results/mutation_reasons.toml

The score is killed / (killed + survived + no tests): a mutant that no
selected test reaches counts as a survivor; timeouts are listed apart.

With ``--reasons``, the mutants not killed are grouped by the reason each
survives, as written in that TOML file: ``[categories]`` maps a category to
its heading, and each ``[[reason]]`` gives a ``category``, a one-line ``why``
and the ``mutants`` (full names) it explains. Mutants without a reason, and
reasons naming mutants that are not survivors, are reported on stderr.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tomllib
from collections import Counter, defaultdict
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
    ap.add_argument("--reasons", type=Path, help="TOML file: why each mutant not killed survives")
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
    if args.reasons:
        _print_reasons(statuses, args.reasons)
        return
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


def _lines(name: str, path: str) -> tuple[str, str]:
    """All the lines a mutant removes, and all it adds, each joined into one line."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    old, new = [], []
    for text in get_diff_for_mutant(name, path=Path(path)).splitlines():
        if text.startswith(("---", "+++")):
            continue
        if text.startswith(("-", "+")):
            (old if text[0] == "-" else new).append(text[1:].strip())
    return " ".join(old), " ".join(new)


def _change(old: str, new: str) -> str:
    """The words that differ between two lines: ``a -> b`` (common words at both ends left out)."""
    # one token: a word, a number with its sign, an operator such as <=
    token = r"-?\d+(?:\.\d*)?(?:e-?\d+)?|\w+|\s+|[<>=!&|+*/-]=|\*\*|//|."
    a, b = re.findall(token, old), re.findall(token, new)
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[len(a) - 1 - j] == b[len(b) - 1 - j]:
        j += 1
    x, y = "".join(a[i:len(a) - j]).strip(), "".join(b[i:len(b) - j]).strip()
    return " → ".join(f"`{t}`" if t else "(nothing)" for t in (x, y)).replace("|", "\\|")


def _print_reasons(statuses: dict[str, dict[str, str]], reasons_file: Path) -> None:
    """The mutants not killed, one table per category, one row per function and reason."""
    spec = tomllib.loads(reasons_file.read_text(encoding="utf-8"))
    where: dict[str, tuple[str, str]] = {}  # mutant name -> (module path, status)
    for path, by_name in statuses.items():
        for name, status in by_name.items():
            if status != "killed":
                where[name] = (path, status)
    rows: dict[str, list[tuple[str, int, str, list[str], list[str], str]]] = defaultdict(list)
    seen: set[str] = set()
    for r in spec["reason"]:
        by_func: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
        for name in r["mutants"]:
            if name not in where:
                print(f"not a survivor of this run: {name}", file=sys.stderr)
                continue
            if name in seen:
                print(f"two reasons for {name}", file=sys.stderr)
            seen.add(name)
            path = where[name][0]
            func, num = name.rsplit(".", 1)[1].split("__mutmut_")
            line = _changed(name, path, _def_lines(path).get(func, 0))[0]
            change = _change(*_lines(name, path))
            by_func.setdefault((path, func[2:]), []).append((line, num, change))
        for (path, func), found in by_func.items():
            rows[r["category"]].append((path, min(f[0] for f in found), func,
                                        [f[1] for f in found], [f[2] for f in found], r["why"]))
    for name in sorted(set(where) - seen):
        print(f"no reason given for {name}", file=sys.stderr)
    for cat, heading in spec["categories"].items():
        if not rows[cat]:
            continue
        n = sum(len(row[3]) for row in rows[cat])
        print(f"**{heading}** ({n} mutants)")
        print()
        print("| module:line | function | mutants | change | why |")
        print("|---|---|---|---|---|")
        for path, line, func, nums, changes, why in sorted(rows[cat], key=lambda r: r[:2]):
            change = "; ".join(dict.fromkeys(changes))
            print(f"| {path}:{line} | `{func}` | {', '.join(nums)} | {change} | {why} |")
        print()


def _row(label: str, c: Counter[str]) -> str:
    done = c["killed"] + c["survived"] + c["no tests"]
    score = f"{100 * c['killed'] / done:.1f}%" if done else "-"
    return (f"| {label} | {sum(c.values())} | {c['killed']} | {c['survived']} | "
            f"{c['no tests']} | {c['timeout']} | {score} |")


if __name__ == "__main__":
    main()
