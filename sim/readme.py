"""The README's demo block: what ``make demo`` prints, kept in step with the code.

``make figures`` runs the embedded default scenario into ``runs/demo``, copies
its summary figure to ``docs/img/summary.png`` and rewrites the block between
the markers below with the run's ``summary.txt``; ``tests/test_readme.py``
runs the same scenario and fails if the README's numbers differ::

    python -m sim.readme runs/demo    # rewrite the block from a run folder
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

__all__ = ["BEGIN", "END", "README", "normalise", "demo_block", "update"]

BEGIN = "<!-- demo-summary:begin (written by `make figures`; do not edit) -->"
END = "<!-- demo-summary:end -->"
README = Path(__file__).resolve().parent.parent / "README.md"


def normalise(summary: str) -> str:
    """The summary without its wall-clock time (the only part that differs between runs)."""
    return re.sub(r" \(\d+(\.\d+)? s\)", "", summary.strip())


def demo_block(text: str) -> str:
    """The summary between the markers of ``text`` (the README), normalised.

    Raises
    ------
    ValueError
        The markers are missing.
    """
    if BEGIN not in text or END not in text:
        raise ValueError(f"README has no demo block ({BEGIN!r} ... {END!r})")
    inner = text.split(BEGIN, 1)[1].split(END, 1)[0]
    return normalise(inner.replace("```text", "").replace("```", ""))


def update(summary: str, path: Path = README) -> None:
    """Write ``summary`` (normalised) into the README's demo block."""
    text = path.read_text(encoding="utf-8")
    demo_block(text)  # (raises without markers)
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    block = f"{BEGIN}\n```text\n{normalise(summary)}\n```\n{END}"
    path.write_text(head + block + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m sim.readme RUN_FOLDER", file=sys.stderr)
        return 2
    summary = Path(args[0]) / "summary.txt"
    if not summary.is_file():
        print(f"error: {summary} does not exist; run `make demo` first", file=sys.stderr)
        return 2
    update(summary.read_text(encoding="utf-8"))
    print(f"{README.name}: demo block rewritten from {summary}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
