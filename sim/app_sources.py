"""The sources behind the parameter defaults, read from ``docs/sources.md``.

``docs/sources.md`` gives every source id a parameter declaration cites (the
seed facts ``F1``-``F23``, the literature entries ``LIT 4.1``, ``LIT U4``, …)
an HTML anchor and a short text. The app shows that text in a tooltip next to
each slider; ``sim/data/sources.md`` is a copy of the document shipped with
the package (``tests/test_app.py`` checks that the two are identical).

Each entry is an anchor line followed by a level-3 heading and its text::

    <a id="F10"></a>
    ### F10 · Frequency is the lever

    One or two "feed-flooding kings" in every feed; ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["Source", "SOURCES_MD", "anchor", "source_ids", "parse_sources", "load_sources"]

#: The copy of ``docs/sources.md`` the installed package reads.
SOURCES_MD = Path(__file__).resolve().parent / "data" / "sources.md"

_ANCHOR = re.compile(r'^<a id="([^"]+)"></a>\s*$')
_LIT = re.compile(r"\bLIT\s+((?:SF\d+|[UM]\d+|\d+\.\d+)(?:\s*,\s*(?:SF\d+|[UM]\d+|\d+\.\d+)\b)*)")
_FACT = re.compile(r"\bF(\d+)[a-z]?\b")


@dataclass(frozen=True)
class Source:
    """One entry of ``docs/sources.md``.

    Attributes
    ----------
    id : str
        The anchor, e.g. ``"F10"`` or ``"LIT-U4"``.
    title : str
        The heading, e.g. ``"F10 · Frequency is the lever"``.
    text : str
        The entry's text as plain text (Markdown emphasis and links removed).
    """

    id: str
    title: str
    text: str


def anchor(source_id: str) -> str:
    """The anchor of a source id as the parameter declarations write it.

    Examples
    --------
    >>> anchor("LIT 4.1"), anchor("LIT U4"), anchor("F10"), anchor("F3c")
    ('LIT-4.1', 'LIT-U4', 'F10', 'F3')
    """
    s = source_id.strip()
    m = _FACT.fullmatch(s)
    if m:
        return f"F{m.group(1)}"
    return re.sub(r"\s+", "-", s)


def source_ids(source: str) -> list[str]:
    """The anchors of every source a declaration's ``source`` string cites, in order.

    Seed facts (``F8``, ``F3c``) and literature entries (``LIT 4.1``,
    ``LIT U7, U8``) are recognised; ``assumption``, ``calibrated`` and
    ``MODEL.md`` references are not sources of ``docs/sources.md``.

    Examples
    --------
    >>> source_ids("F8, LIT U4 (19% ignore)")
    ['F8', 'LIT-U4']
    >>> source_ids("calibrated, docs/calibration.md (prior 0.15: LIT U7, U8)")
    ['LIT-U7', 'LIT-U8']
    >>> source_ids("assumption")
    []
    """
    found: list[tuple[int, str]] = []
    for m in _FACT.finditer(source):
        found.append((m.start(), f"F{m.group(1)}"))
    for m in _LIT.finditer(source):
        for k, part in enumerate(re.split(r"\s*,\s*", m.group(1))):
            found.append((m.start() + k, f"LIT-{part}"))
    out: list[str] = []
    for _, sid in sorted(found):
        if sid not in out:
            out.append(sid)
    return out


def _plain(md: str) -> str:
    """Markdown to plain text: links keep their words, emphasis and code marks go."""
    s = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", md)
    s = re.sub(r"<[^>]+>", "", s)
    s = s.replace("**", "").replace("`", "")
    s = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", s)
    s = re.sub(r"[ \t]*\n[ \t]*(?!\n)", " ", s)      # unwrap lines within a paragraph
    s = re.sub(r"\n{2,}", "\n", s)
    return s.strip()


def parse_sources(text: str) -> dict[str, Source]:
    """Every anchored entry of a sources document.

    Parameters
    ----------
    text : str
        The Markdown of ``docs/sources.md``.

    Returns
    -------
    dict
        Anchor -> :class:`Source`, in document order.

    Raises
    ------
    ValueError
        If an anchor appears twice or is not followed by a heading.

    Examples
    --------
    >>> doc = '<a id="F1"></a>\\n### F1 · Channels\\n\\nGroups **beat** Moments.\\n\\n## Next\\n'
    >>> parse_sources(doc)["F1"]
    Source(id='F1', title='F1 · Channels', text='Groups beat Moments.')
    """
    lines = text.splitlines()
    out: dict[str, Source] = {}
    i = 0
    while i < len(lines):
        m = _ANCHOR.match(lines[i])
        if not m:
            i += 1
            continue
        sid = m.group(1)
        if sid in out:
            raise ValueError(f"sources: anchor {sid!r} appears twice")
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j >= len(lines) or not lines[j].startswith("#"):
            raise ValueError(f"sources: anchor {sid!r} (line {i + 1}) is not followed by a "
                             "heading")
        title = _plain(lines[j].lstrip("#").strip())
        k = j + 1
        body: list[str] = []
        while k < len(lines) and not (_ANCHOR.match(lines[k]) or lines[k].startswith("#")):
            body.append(lines[k])
            k += 1
        out[sid] = Source(sid, title, _plain("\n".join(body)))
        i = k
    return out


@cache
def load_sources(path: Path | None = None) -> dict[str, Source]:
    """The entries of the shipped copy of ``docs/sources.md`` (read once).

    Parameters
    ----------
    path : pathlib.Path, optional
        Another sources document (default :data:`SOURCES_MD`).

    Returns
    -------
    dict
        Anchor -> :class:`Source`.
    """
    return parse_sources((path or SOURCES_MD).read_text(encoding="utf-8"))
