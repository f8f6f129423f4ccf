"""The bits of a tie's ``uint8`` flags (one masked pass reads them all).

Tie ``e`` (``i -> j``) is what ``i`` thinks of ``j``'s posts. The state
(:mod:`sim.state.ties`) writes them; kernels read them.
"""

import numpy as np

__all__ = ["MUTED", "REMOVED", "BLOCKER", "REPORTED", "IN_GROUP", "BOUGHT", "STRONG"]

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
#: The tie is strong (F5; symmetric, drawn at the start and never changed).
STRONG = np.uint8(64)
