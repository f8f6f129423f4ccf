"""Per-directed-tie state: trust, annoyance, exposure, and flag bits.

Tie ``e`` (``i -> j``) is what ``i`` thinks of ``j``'s posts. Flags are bits
of one ``uint8`` per tie so that one masked pass reads them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MUTED", "REMOVED", "BLOCKER", "REPORTED", "IN_GROUP", "BOUGHT", "TieState"]

#: i no longer sees j's Moments (they stay friends).
MUTED = np.uint8(1)
#: The friendship is gone (set on both directions).
REMOVED = np.uint8(2)
#: i is the one who blocked or unfriended j.
BLOCKER = np.uint8(4)
#: i has reported j to the platform.
REPORTED = np.uint8(8)
#: i is a member of a group that j owns.
IN_GROUP = np.uint8(16)
#: i has bought from j at least once (set when an order is paid).
BOUGHT = np.uint8(32)


@dataclass
class TieState:
    """Parallel arrays over the ties of a :class:`sim.graph.FriendGraph`.

    Attributes
    ----------
    trust : float32 array
        Trust in [0, 1]; starts from tie strength (F5).
    annoyance : float32 array
        Grows with each unwanted ad seen, decays daily.
    flags : uint8 array
        Bits MUTED, REMOVED, BLOCKER, REPORTED, IN_GROUP, BOUGHT.
    cum_ads_seen : uint32 array
        Ads seen on this tie so far.
    strong : bool array
        Strong tie (symmetric).
    """

    trust: Any
    annoyance: Any
    flags: Any
    cum_ads_seen: Any
    strong: Any

    @classmethod
    def initial(cls, xp: Any, strong: np.ndarray, trust_strong: float,
                trust_weak: float) -> TieState:
        """Fresh state: trust from tie strength, nothing muted or removed."""
        n = strong.shape[0]
        trust = np.where(strong, np.float32(trust_strong), np.float32(trust_weak))
        return cls(
            trust=xp.asarray(trust.astype(np.float32)),
            annoyance=xp.zeros(n, dtype=xp.float32),
            flags=xp.zeros(n, dtype=xp.uint8),
            cum_ads_seen=xp.zeros(n, dtype=xp.uint32),
            strong=xp.asarray(strong),
        )
