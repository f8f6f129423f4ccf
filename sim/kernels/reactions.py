"""Step 4 kernels: per-tie action thresholds and the day's mutes, blocks and reports (F8).

Pure array functions over seller ties; see :mod:`sim.kernels.feed` for the
conventions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.kernels.arrays import insert_at
from sim.kernels.flags import MUTED, REMOVED, REPORTED

__all__ = ["Reactions", "Thresholds", "thresholds", "react"]


@dataclass
class Reactions:
    """Step 4 decisions: positions among the seller ties (sorted int arrays)."""

    mute: Any
    block: Any
    report: Any


@dataclass
class Thresholds:
    """Annoyance at which the viewer of each seller tie acts (arrays aligned on ties).

    Built by :func:`thresholds` from the viewer's tolerance type: ``inf``
    where the type never acts that way.
    """

    mute_at: Any
    block_at: Any
    report_at: Any
    act_at: Any  #: the least of the three

    def insert(self, xp: Any, at: Any, other: Thresholds) -> Thresholds:
        """These thresholds with ``other``'s inserted at sorted positions ``at``."""
        return Thresholds(*(insert_at(xp, a, at, b) for a, b in (
            (self.mute_at, other.mute_at), (self.block_at, other.block_at),
            (self.report_at, other.report_at), (self.act_at, other.act_at))))


def thresholds(xp: Any, *, kind: Any, mute_thr: Any, block_thr: Any, report_thr: Any,
               escalation: float) -> Thresholds:
    """Per-tie action thresholds from the viewers' types and thresholds (F8).

    A tolerant person (kind 0, thresholds already raised) only mutes; a
    muter (kind 1) mutes at the mute threshold and, once the tie is muted,
    escalates to a block at ``escalation`` times that mute threshold
    (``users.escalation_factor``; F7, F8); a blocker (kind 2) blocks at the
    block threshold and never mutes. Anyone may report.

    Parameters
    ----------
    kind, mute_thr, block_thr, report_thr : arrays
        The viewer of each tie: tolerance type and individual thresholds.
    """
    inf = xp.float32(np.inf)
    mute_at = xp.where(kind == 2, inf, mute_thr).astype(xp.float32)
    block_at = xp.where(kind == 2, block_thr,
                        xp.where(kind == 1, mute_thr * xp.float32(escalation), inf))
    block_at = block_at.astype(xp.float32)
    report_at = xp.asarray(report_thr, dtype=xp.float32)
    act_at = xp.minimum(xp.minimum(mute_at, block_at), report_at)
    return Thresholds(mute_at, block_at, report_at, act_at)


def react(xp: Any, draws: Any, *, annoyance: Any, st_flags: Any, thr: Thresholds,
          p_report: float) -> Reactions:
    """Step 4: act on annoyance by tolerance type (F8).

    A muter (kind 1) or a tolerant person (kind 0, thresholds already
    raised) mutes once annoyance reaches the mute threshold; a blocker
    (kind 2) blocks or unfriends at the block threshold. A muter blocks only
    a tie it muted on an earlier day (an *escalation*), once annoyance,
    still fed by groups and direct messages, reaches its escalation
    threshold (:func:`thresholds`): a viewer with a finite mute threshold
    blocks only muted ties. Anyone over the report threshold reports with
    probability ``p_report`` a day, once per tie. Only the ties at or over
    their least threshold are examined, and report draws are made for the
    ties over the report threshold only.

    Parameters
    ----------
    annoyance, st_flags : arrays aligned on seller ties
    thr : Thresholds
        The viewers' thresholds, aligned on the same ties.

    Returns
    -------
    Reactions
    """
    c = xp.flatnonzero(annoyance >= thr.act_at)
    a = annoyance[c]
    f = st_flags[c]
    alive = (f & REMOVED) == 0
    # a viewer who mutes (finite mute threshold) blocks only a tie muted before today
    block = alive & (a >= thr.block_at[c]) & (((f & MUTED) != 0) | xp.isinf(thr.mute_at[c]))
    mute = alive & ((f & MUTED) == 0) & ~block & (a >= thr.mute_at[c])
    over = xp.flatnonzero(alive & ((f & REPORTED) == 0) & (a >= thr.report_at[c]))
    report = over[draws.random(over.shape[0]) < p_report]
    return Reactions(c[mute], c[block], c[report])
