"""Per-directed-tie state: trust, annoyance, exposure, and flag bits.

Tie ``e`` (``i -> j``) is what ``i`` thinks of ``j``'s posts. Flags are bits
of one ``uint8`` per tie so that one masked pass reads them all.

Only *seller ties* (``viewer -> reseller``) carry ads, so annoyance and the
ads-seen counter can only change there: they are stored aligned on the
seller ties (``seller_annoyance``, ``seller_ads_seen``, parallel to
``seller_tie``) and the day's kernels touch a few contiguous arrays instead
of gathering from and scattering into arrays of length ``n_ties``. The
full-length views ``annoyance`` and ``cum_ads_seen`` are built on demand
(and cached until the next day's change), so the hot path never pays for them
and a million-person graph saves 800 MB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.kernels.arrays import insert_at
from sim.kernels.flags import BLOCKER, BOUGHT, IN_GROUP, MUTED, REMOVED, REPORTED, STRONG

__all__ = ["MUTED", "REMOVED", "BLOCKER", "REPORTED", "IN_GROUP", "BOUGHT", "STRONG",
           "TieState"]

@dataclass
class TieState:
    """Parallel arrays over the ties of a :class:`sim.graph.FriendGraph`.

    Attributes
    ----------
    trust : float32 array (n_ties,)
        Trust in [0, 1]; starts from tie strength (F5).
    flags : uint8 array (n_ties,)
        Bits MUTED, REMOVED, BLOCKER, REPORTED, IN_GROUP, BOUGHT, and STRONG
        (a strong tie: symmetric, set at the start; :attr:`strong` reads it).
    seller_tie : int64 array (m,)
        Ids of the seller ties, in the model's seller-tie order.
    seller_annoyance : float32 array (m,)
        Annoyance on each seller tie: grows with each unwanted ad seen,
        decays daily. Every other tie has annoyance 0.
    seller_ads_seen : uint32 array (m,)
        Ads seen so far on each seller tie.
    seller_prior : float32 array (m,)
        Starting trust ``t0`` of each seller tie (its trust when its target
        became a reseller: ``trust.trust_strong`` or ``trust.trust_weak``, F5).
    seller_good, seller_bad : float32 arrays (m,)
        Evidence for and against the seller (pseudo-observations, discounted
        daily by ``trust.forgetting``; bad evidence already weighted by
        ``trust.negativity``). Trust on a seller tie is
        ``(w t0 + good) / (w + good + bad)`` (LIT U16; :func:`sim.kernels.trust.beta_trust`).
    """

    trust: Any
    flags: Any
    seller_tie: Any = None
    seller_annoyance: Any = None
    seller_ads_seen: Any = None
    seller_prior: Any = None
    seller_good: Any = None
    seller_bad: Any = None
    _full: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def initial(cls, xp: Any, strong: np.ndarray, trust_strong: float,
                trust_weak: float) -> TieState:
        """Fresh state: trust from tie strength (F5), STRONG bits set, nothing muted or removed."""
        trust = np.where(strong, np.float32(trust_strong), np.float32(trust_weak))
        return cls(
            trust=xp.asarray(trust),
            flags=xp.asarray(np.where(strong, STRONG, np.uint8(0))),
            seller_tie=xp.zeros(0, dtype=xp.int64),
            seller_annoyance=xp.zeros(0, dtype=xp.float32),
            seller_ads_seen=xp.zeros(0, dtype=xp.uint32),
            seller_prior=xp.zeros(0, dtype=xp.float32),
            seller_good=xp.zeros(0, dtype=xp.float32),
            seller_bad=xp.zeros(0, dtype=xp.float32),
        )

    @property
    def strong(self) -> Any:
        """bool array (n_ties,): the strong ties (the STRONG bit of :attr:`flags`; a copy)."""
        return (self.flags & STRONG) != 0

    @property
    def n_ties(self) -> int:
        """Number of directed ties."""
        return int(self.flags.shape[0])

    def insert_seller_ties(self, at: Any, e: Any, tie: Any = None) -> None:
        """Insert ties ``e`` (toward a new reseller) at positions ``at``, at zero annoyance.

        Their evidence starts at 0 and their prior at their current trust.

        ``at`` comes from ``searchsorted(seller_tie, e)`` with ``e`` sorted, so
        the seller ties stay sorted by tie id, that is by viewer. ``tie``, when
        given, is the result of that insertion into ``seller_tie`` made already
        (the seller-tie index's own ``tie`` array): it is kept as it is, shared,
        instead of being made again (neither is ever written in place).
        """
        xp = _xp_of(self.flags)
        m = int(e.shape[0])
        if tie is None:
            tie = insert_at(xp, self.seller_tie, at, xp.asarray(e, dtype=xp.int64))
        self.seller_tie = tie
        self.seller_annoyance = insert_at(xp, self.seller_annoyance, at,
                                          xp.zeros(m, dtype=xp.float32))
        self.seller_ads_seen = insert_at(xp, self.seller_ads_seen, at,
                                         xp.zeros(m, dtype=xp.uint32))
        self.seller_prior = insert_at(xp, self.seller_prior, at,
                                      self.trust[xp.asarray(e, dtype=xp.int64)])
        for name in ("seller_good", "seller_bad"):
            setattr(self, name, insert_at(xp, getattr(self, name), at,
                                          xp.zeros(m, dtype=xp.float32)))
        self.touch()

    def touch(self) -> None:
        """Mark the seller-aligned arrays as changed (drops the cached full views)."""
        self._full.clear()

    def _full_view(self, name: str, src: Any, dtype: Any) -> Any:
        if name not in self._full:
            xp = _xp_of(self.flags)
            full = xp.zeros(self.n_ties, dtype=dtype)
            full[self.seller_tie] = src
            self._full[name] = full
        return self._full[name]

    @property
    def annoyance(self) -> Any:
        """Annoyance of every tie (float32, length ``n_ties``); read-only snapshot."""
        return self._full_view("annoyance", self.seller_annoyance, np.float32)

    @property
    def cum_ads_seen(self) -> Any:
        """Ads seen so far on every tie (uint32, length ``n_ties``); read-only snapshot."""
        return self._full_view("cum_ads_seen", self.seller_ads_seen, np.uint32)


def _xp_of(a: Any) -> Any:
    """The array module an array belongs to (numpy, cupy or the strict namespace)."""
    mod = type(a).__module__
    if mod.startswith("cupy"):  # pragma: no cover - GPU only
        import cupy

        return cupy
    if mod == "sim.strict_xp":
        from sim.strict_xp import xp

        return xp
    return np
