"""The model's state: people and ties as arrays, written only through named operations.

:class:`State` owns the person arrays (:class:`sim.state.people.Population`),
the tie arrays (:class:`sim.state.ties.TieState`) and everything derived from
them:

- the *seller-tie index* (:class:`SellerTies`): the ties ``viewer -> reseller``,
  the only ties that carry ads, sorted by tie id, with each tie's viewer,
  seller slot, a mirror of its flags and its viewer's action thresholds;
- running sums of trust over alive ties (toward resellers, and toward
  everyone else), and the count of alive ties;
- host copies of the roles and REMOVED bits (the same arrays on NumPy), which
  the agents' Python decisions read;
- the ties removed since the largest component was last measured, and the
  component tracker itself.

Every write goes through a method below that keeps all of these in step, so
no rule can change a flag without its mirror or a trust without its sum.
:meth:`State.check` recomputes every derived value from the primary arrays
and raises :class:`StateError` naming what differs; ``run.check = true``
calls it every day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.backend import (
    PicklesBackend,
    add_at,
    is_host,
    subtract_at,
    to_device,
    to_host,
)
from sim.components import GiantComponent
from sim.graph import FriendGraph
from sim.kernels import (
    Thresholds,
    in_sorted,
    insert_at,
    jit,
    ragged_positions,
    row_starts,
    thresholds,
)
from sim.kernels import unique_sorted as _unique
from sim.kernels.arrays import Insertion
from sim.kernels.reactions import drop_mutual, mute_seller_ties, or_flags_at, tie_ends, unlink_ties
from sim.kernels.trust import beta_trust, learn_trust, told_seller_ties
from sim.state.people import ROLE_RESELLER, Population
from sim.state.reports import ReportWindow
from sim.state.ties import BLOCKER, BOUGHT, IN_GROUP, MUTED, REMOVED, REPORTED, TieState

__all__ = ["State", "StateError", "SellerTies", "DeviceGraph"]


class StateError(AssertionError):
    """Derived state disagrees with the primary arrays (raised by :meth:`State.check`)."""


class DeviceGraph:
    """The friend graph's CSR arrays on the array backend's device (the host's on NumPy)."""

    def __init__(self, xp: Any, g: FriendGraph) -> None:
        self.indptr = to_device(xp, g.indptr)
        self.indices = to_device(xp, g.indices)
        self.rev = to_device(xp, g.rev)


@dataclass
class SellerTies:
    """The seller-tie index: ties toward resellers, sorted by tie id (so by viewer).

    Attributes
    ----------
    tie : int64 array (m,)
        Tie ids.
    viewer : intp array (m,)
        The viewer of each tie (its source person).
    slot : intp array (m,)
        The seller slot of each tie's target.
    flags : uint8 array (m,)
        Mirror of ``ties.flags[tie]``, so the day reads flags without a gather.
    thr : Thresholds
        The viewer's action thresholds on each tie (F8).
    """

    tie: Any
    viewer: Any
    slot: Any
    flags: Any
    thr: Thresholds

    @property
    def size(self) -> int:
        """Number of seller ties."""
        return int(self.tie.shape[0])


class State(PicklesBackend):
    """People, ties and their derived data; the only writer of person and tie arrays.

    Parameters
    ----------
    xp : module
        Array namespace of the people and tie arrays (:mod:`sim.backend`).
    graph : FriendGraph
        The friend graph (host CSR).
    people : Population
        Per-person arrays, on ``xp``.
    ties : TieState
        Per-tie arrays, on ``xp``.
    escalation : float
        ``users.escalation_factor``: a muter blocks a muted tie at this
        multiple of its mute threshold (F7, F8); read when seller ties are added.
    report_window_days : int
        ``platform.report_window_days`` (LIT U13).
    prior_weight : float
        ``trust.prior_weight``: weight of the starting trust in trust toward
        resellers (LIT U16).
    """

    def __init__(self, xp: Any, graph: FriendGraph, people: Population, ties: TieState, *,
                 escalation: float, report_window_days: int,
                 prior_weight: float = 10.0) -> None:
        self.xp = xp
        self.prior_weight = float(prior_weight)
        self.graph = graph
        self.dgraph = DeviceGraph(xp, graph)
        self.people = people
        self.ties = ties
        self.escalation = float(escalation)
        none = xp.zeros(0, xp.float32)
        # (intp: gathers with a native index type run twice as fast as with int32)
        self.st = SellerTies(xp.zeros(0, xp.int64), xp.zeros(0, xp.intp), xp.zeros(0, xp.intp),
                             xp.zeros(0, xp.uint8), Thresholds(none, none, none, none))
        self.reports = ReportWindow(report_window_days)
        #: the person of each seller slot (device), for keys and the sellers' posts
        self.seller_person = xp.zeros(0, xp.int64)
        #: (the seller-tie array they were built for, their sorted keys viewer x n + reseller)
        self._st_keys: tuple[Any, Any] | None = None
        #: (the seller-tie array they were built for, where each viewer's seller ties start)
        self._st_rows: tuple[Any, Any] | None = None
        self.alive_ties = graph.n_ties
        # trust sums over alive ties: toward people who do not sell ("plain": their trust
        # never changes, so these move only by removals and new resellers), and toward
        # resellers (moved at each write of their trust)
        self.plain_trust = float(ties.trust.sum(dtype=np.float64))
        self.plain_alive = int(graph.n_ties)
        self.st_trust = 0.0
        self.st_alive = 0
        # what the Python decisions of agents read, on the host (the arrays themselves
        # on NumPy): who sells, and which ties are removed
        self.role_host = people.role if is_host(xp) else to_host(people.role)
        self.removed_host = ties.flags if is_host(xp) else to_host(ties.flags & REMOVED)
        self._removed_log: list[Any] = []
        self._removed_since_lcc = False
        self._giant: GiantComponent | None = None

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        if is_host(self.xp):  # (on NumPy the host copies are the arrays themselves)
            self.role_host = self.people.role
            self.removed_host = self.ties.flags

    # ------------------------------------------------------------ sellers
    def make_reseller(self, person: int) -> None:
        """Mark ``person`` as a reseller (their ties join the index in :meth:`add_seller_ties`)."""
        self.people.role[person] = ROLE_RESELLER
        self.role_host[person] = ROLE_RESELLER  # (the same array on NumPy)

    def add_seller_ties(self, persons: np.ndarray, slots: np.ndarray) -> None:
        """Index the ties toward new resellers ``persons`` (seller ``slots``), at annoyance 0.

        Their trust moves from the plain sums to the seller sums; each viewer's
        action thresholds are computed once, here.

        Parameters
        ----------
        persons, slots : int arrays (k,), host
            The new resellers and their seller slots.
        """
        if len(slots) == 0:
            return
        g = self.graph
        xp = self.xp
        ties = self.ties
        pos, owner = ragged_positions(g.indptr, np.asarray(persons))
        e = to_device(xp, g.rev[pos].astype(np.int64))
        plain = e[(ties.flags[e] & REMOVED) == 0]
        moved = float(ties.trust[plain].sum(dtype=np.float64))
        self.plain_trust -= moved
        self.plain_alive -= int(plain.shape[0])
        self.st_trust += moved
        self.st_alive += int(plain.shape[0])
        # kept sorted by tie id, that is by viewer: the day's gathers from per-tie and
        # per-person arrays then run through memory in order
        order = xp.argsort(e)
        e = e[order]
        v = to_device(xp, g.indices[pos].astype(np.intp))[order]
        new_slot = to_device(xp, np.asarray(slots, np.intp)[owner])[order]
        del pos, owner, plain, order  # (the set-up's peak memory is here: free what is done)
        st = self.st
        at = Insertion(xp, st.size, xp.searchsorted(st.tie, e))  # (one mask, 14 arrays)
        pop = self.people
        thr = thresholds(xp, kind=pop.kind[v], mute_thr=pop.mute_thr[v],
                         block_thr=pop.block_thr[v], report_thr=pop.report_thr[v],
                         escalation=self.escalation)
        tie = insert_at(xp, st.tie, at, e)
        self.st = SellerTies(tie, insert_at(xp, st.viewer, at, v),
                             insert_at(xp, st.slot, at, new_slot),
                             insert_at(xp, st.flags, at, ties.flags[e]),
                             st.thr.insert(xp, at, thr))
        ties.insert_seller_ties(at, e, tie=tie)  # (ties.seller_tie is st.tie, shared)
        k = int(np.max(slots)) + 1
        if k > self.seller_person.shape[0]:
            grown = xp.zeros(k, xp.int64)
            grown[: self.seller_person.shape[0]] = self.seller_person
            self.seller_person = grown
        self.seller_person[to_device(xp, np.asarray(slots, np.int64))] = to_device(
            xp, np.asarray(persons, np.int64))

    def set_escalation(self, escalation: float) -> None:
        """Change ``users.escalation_factor`` and recompute every seller tie's thresholds."""
        self.escalation = float(escalation)
        pop = self.people
        v = self.st.viewer
        self.st.thr = thresholds(self.xp, kind=pop.kind[v], mute_thr=pop.mute_thr[v],
                                 block_thr=pop.block_thr[v], report_thr=pop.report_thr[v],
                                 escalation=self.escalation)

    def join_groups(self, e: Any) -> None:
        """Ties ``e`` (member -> group owner, a reseller) become group ties (F1)."""
        self.ties.flags[e] |= IN_GROUP
        self._set_st_bits(e, IN_GROUP)

    def seller_ties_of(self, viewer: Any, person: Any) -> Any:
        """Tie ids of ``viewer[k] -> person[k]`` where ``person[k]`` is a reseller; -1 if none.

        One ``searchsorted`` in the seller ties' keys ``viewer x n + reseller``,
        which are sorted already (the seller ties are sorted by tie id, that
        is by viewer and then by target in the CSR's sorted rows); the keys
        are rebuilt, without a sort, after the index changes.

        Parameters
        ----------
        viewer, person : int arrays (k,)
            Person ids.

        Returns
        -------
        int64 array (k,)
        """
        xp = self.xp
        n = np.int64(self.graph.n)
        st = self.st
        if self._st_keys is None or self._st_keys[0] is not st.tie:
            key = st.viewer.astype(xp.int64) * n + self.seller_person[st.slot]
            self._st_keys = (st.tie, key)
        key = self._st_keys[1]
        if key.shape[0] == 0 or viewer.shape[0] == 0:
            return xp.full(viewer.shape[0], -1, xp.int64)
        q = viewer.astype(xp.int64) * n + person
        pos = xp.minimum(xp.searchsorted(key, q), key.shape[0] - 1)
        return xp.where(key[pos] == q, st.tie[pos], -1)

    def told_seller_ties(self, buyers: Any, sellers: Any, p_tell: float,
                         draw: Any) -> tuple[Any, Any]:
        """Word of mouth: the seller ties of the friends each buyer tells about their seller.

        Buyer ``buyers[k]`` tells each alive friend (in the CSR's order; one
        uniform each from ``draw``) with probability ``p_tell``, except the
        seller ``sellers[k]`` itself; a friend told who has an alive tie to the
        seller gives one entry. One compiled pass on NumPy
        (:func:`sim.kernels.told_seller_ties`), else with :meth:`seller_ties_of`.

        Parameters
        ----------
        buyers, sellers : int64 arrays (k,)
            Person ids.
        p_tell : float
            Probability of telling a friend.
        draw : callable
            ``draw(size)``: ``size`` float64 uniforms (called once).

        Returns
        -------
        st_pos : int64 array (t,)
            Positions among the seller ties (friend -> seller).
        weight : float32 array (t,)
            Each friend's trust in the buyer.
        """
        xp = self.xp
        g = self.dgraph
        flags = self.ties.flags
        if jit.enabled(xp):
            return told_seller_ties(g.indptr, g.indices, g.rev, flags, self.ties.trust,
                                    st_rows=self.seller_tie_rows(), st_flags=self.st.flags,
                                    st_slot=self.st.slot, seller_person=self.seller_person,
                                    buyers=buyers, sellers=sellers, draw=draw, p_tell=p_tell)
        pos, owner = ragged_positions(g.indptr, buyers, xp)  # ties buyer -> friend
        alive = (flags[pos] & REMOVED) == 0
        pos, owner = pos[alive], owner[alive]
        friend = g.indices[pos]
        target = sellers[owner]
        told = (draw(pos.shape[0]) < p_tell) & (friend != target)
        back = g.rev[pos[told]].astype(xp.int64)  # ties friend -> buyer
        e = self.seller_ties_of(friend[told], target[told])
        ok = e >= 0
        ok[ok] = (flags[e[ok]] & REMOVED) == 0
        e, weight = e[ok], self.ties.trust[back[ok]]
        return xp.searchsorted(self.st.tie, e), weight

    def seller_tie_rows(self) -> Any:
        """Where each person's seller ties start among the seller ties (a CSR ``indptr``).

        The seller ties of viewer ``v`` are ``st[rows[v]:rows[v + 1]]`` (they
        are sorted by viewer); rebuilt, in one pass, after the index changes.

        Returns
        -------
        int64 array (n + 1,)
        """
        st = self.st
        if self._st_rows is None or self._st_rows[0] is not st.tie:
            self._st_rows = (st.tie, row_starts(self.xp, st.viewer, int(self.graph.n)))
        return self._st_rows[1]

    def _set_st_bits(self, e: Any, bits: Any) -> None:
        """Mirror ``bits`` set on ties ``e`` into the seller-tie flags (those indexed)."""
        xp = self.xp
        st = self.st.tie
        if st.shape[0] == 0 or e.shape[0] == 0:
            return
        pos = xp.minimum(xp.searchsorted(st, e), st.shape[0] - 1)
        self.st.flags[pos[st[pos] == e]] |= bits

    # ------------------------------------------------------------ annoyance and trust
    def see_ads(self, saw: Any, k: Any, *, decay: float, per_ad: float,
                per_muted: float | None = None) -> None:
        """Annoyance fades on every seller tie, then rises by ads seen (seller ties ``saw``).

        Parameters
        ----------
        saw : int array
            Positions among the seller ties that carried ads today.
        k : int array
            Ads seen on each.
        decay : float
            ``users.annoyance_decay``: share of annoyance that fades a day.
        per_ad : float
            ``users.annoyance_per_ad``.
        per_muted : float, optional
            ``users.annoyance_per_direct``: annoyance per ad on a tie the viewer
            muted (ads that still reach them by a group or a direct message);
            ``per_ad`` when not given.
        """
        xp = self.xp
        ties = self.ties
        a = ties.seller_annoyance
        a *= np.float32(1 - decay)
        if per_muted is None:
            per_muted = per_ad
        if jit.enabled(xp):  # one compiled pass over ``saw``
            _see_ads(saw, k, self.st.flags, np.float32(per_ad), np.float32(per_muted),
                     ties.seller_ads_seen, a)
        else:
            ties.seller_ads_seen[saw] += k.astype(xp.uint32)
            add = k.astype(xp.float32) * np.float32(per_ad)
            if per_muted != per_ad:
                muted = (self.st.flags[saw] & MUTED) != 0
                add = xp.where(muted, k.astype(xp.float32) * np.float32(per_muted), add)
            a[saw] += add
        ties.touch()

    def add_evidence(self, pos: Any, good: Any = None, bad: Any = None) -> None:
        """Add evidence for (``good``) and against (``bad``) the sellers of seller ties ``pos``.

        Trust on those ties becomes ``(w t0 + good) / (w + good + bad)``
        (:func:`sim.kernels.trust.beta_trust`, LIT U16) and the sums follow;
        removed ties change but leave the sums alone.

        Parameters
        ----------
        pos : int array (k,)
            Positions among the seller ties; a position may repeat (its
            evidence adds up).
        good, bad : float32 arrays (k,), optional
            Evidence (pseudo-observations, >= 0); bad evidence already
            weighted by ``trust.negativity``.
        """
        xp = self.xp
        if pos.shape[0] == 0:
            return
        ties = self.ties
        if good is not None:
            add_at(xp, ties.seller_good, pos, good.astype(xp.float32))
        if bad is not None:
            add_at(xp, ties.seller_bad, pos, bad.astype(xp.float32))
        self._derive_trust(_unique(xp, pos))

    def forget(self, factor: float) -> None:
        """Evidence on every seller tie is multiplied by ``factor`` (``trust.forgetting``).

        Without new evidence trust returns toward each tie's starting trust
        (LIT U16's forgetting factor).
        """
        xp = self.xp
        ties = self.ties
        if factor == 1.0 or ties.seller_good.shape[0] == 0:
            return
        pos = xp.flatnonzero((ties.seller_good + ties.seller_bad) > 0)
        f = np.float32(factor)
        ties.seller_good[pos] *= f
        ties.seller_bad[pos] *= f
        self._derive_trust(pos)

    def learn_day(self, factor: float, bad_pos: Any, bad: Any, good_pos: Any,
                  good: Any) -> None:
        """A day's step 3 on every seller tie: forget, then add the day's evidence.

        All evidence is multiplied by ``factor`` (``trust.forgetting``), then
        ``bad`` is added at seller-tie positions ``bad_pos`` and ``good`` at
        ``good_pos`` (each unique), and trust is derived on every seller tie
        in one pass over contiguous arrays (the same result as :meth:`forget`
        then :meth:`add_evidence`).
        """
        xp = self.xp
        ties = self.ties
        m = ties.seller_good.shape[0]
        if m == 0:
            return
        if jit.enabled(xp):  # the same bytes in one compiled pass over the seller ties
            kept = learn_trust(factor, ties.seller_prior, ties.seller_good, ties.seller_bad,
                               self.prior_weight, bad_pos=bad_pos, bad_add=bad,
                               good_pos=good_pos, good_add=good, tie=self.st.tie,
                               trust=ties.trust, flags=self.st.flags)
            self.st_trust = float(kept.sum(dtype=np.float64))
            return
        if factor != 1.0:
            f = np.float32(factor)
            ties.seller_good *= f
            ties.seller_bad *= f
        ties.seller_bad[bad_pos] += bad.astype(xp.float32)
        ties.seller_good[good_pos] += good.astype(xp.float32)
        new = beta_trust(xp, ties.seller_prior, ties.seller_good, ties.seller_bad,
                         self.prior_weight)
        ties.trust[self.st.tie] = new
        alive = (self.st.flags & REMOVED) == 0
        self.st_trust = float(new[alive].sum(dtype=np.float64))

    def set_prior_weight(self, weight: float) -> None:
        """Change ``trust.prior_weight`` and recompute trust on every seller tie."""
        self.prior_weight = float(weight)
        self._derive_trust(self.xp.arange(self.st.size))

    def _derive_trust(self, pos: Any) -> None:
        """Write trust on seller ties ``pos`` (unique) from their evidence; the sums follow."""
        ties = self.ties
        e = self.st.tie[pos]
        old = ties.trust[e]
        new = beta_trust(self.xp, ties.seller_prior[pos], ties.seller_good[pos],
                         ties.seller_bad[pos], self.prior_weight)
        ties.trust[e] = new
        alive = (self.st.flags[pos] & REMOVED) == 0
        self.st_trust += float(new[alive].sum(dtype=np.float64)
                               - old[alive].sum(dtype=np.float64))

    # ------------------------------------------------------------ flags
    def mute(self, pos: Any, received: Any = None) -> None:
        """Viewers mute seller ties at positions ``pos``: they stop seeing the sellers' posts.

        The viewers' expected load of ordinary posts loses the sellers' ordinary
        posts (F9). ``received`` (host int64 per seller slot), when given,
        counts the mutes per seller.
        """
        xp = self.xp
        pop = self.people
        st = self.st
        if jit.enabled(xp):  # one compiled pass over ``pos``
            count = received is not None
            mute_seller_ties(pos, st.tie, st.viewer, st.slot, self.seller_person, np.uint8(MUTED),
                             st.flags, self.ties.flags, pop.ordinary_load, pop.ordinary_rate,
                             count, received if count else np.zeros(1, np.int64))
            return
        if received is not None:
            np.add.at(received, to_host(st.slot[pos]), 1)
        self.ties.flags[st.tie[pos]] |= MUTED
        st.flags[pos] |= MUTED
        seller = self.seller_person[st.slot[pos]]
        subtract_at(xp, pop.ordinary_load, st.viewer[pos], pop.ordinary_rate[seller])

    def report(self, pos: Any) -> None:
        """Viewers report the sellers of seller ties ``pos`` (once per tie; F12)."""
        or_flags_at(self.xp, pos, self.st.tie, REPORTED, self.st.flags, self.ties.flags)

    def mark_bought(self, pos: Any) -> None:
        """The viewers of seller ties ``pos`` have bought from the seller."""
        self.ties.flags[self.st.tie[pos]] |= BOUGHT
        self.st.flags[pos] |= BOUGHT

    def remove_ties(self, e: Any, *, alive_sorted: bool = False,
                    no_mutual: bool = False, st_pos: Any = None) -> Any:
        """Block or unfriend along ties ``e`` (actor -> target): both sides lose the tie.

        ``alive_sorted`` says ``e`` is already sorted, unique and alive, and
        ``no_mutual`` that it holds no tie together with its reverse (callers
        that have checked skip the checks). ``st_pos``, only with
        ``alive_sorted``, gives the positions of ``e`` among the seller ties
        when every tie of ``e`` is a seller tie (skips their search).

        Returns
        -------
        int64 array
            The ties ended (actor -> target), one per friendship.
        """
        xp = self.xp
        if e.shape[0] == 0:
            return e
        g = self.dgraph
        ties = self.ties
        pop = self.people
        if not alive_sorted:
            e = _unique(xp, e)
            e = e[(ties.flags[e] & REMOVED) == 0]
        if jit.enabled(xp):
            return self._remove_ties_compiled(e, no_mutual, st_pos)
        r = g.rev[e].astype(xp.int64)
        if not no_mutual:
            mutual = in_sorted(xp, r, e) & (e > r)  # both blocked each other today: count once
            if mutual.any():
                e, r = e[~mutual], r[~mutual]
                st_pos = None if st_pos is None else st_pos[~mutual]
        actor = g.indices[r]
        target = g.indices[e]
        # the ordinary posts each side stops seeing (unless already muted)
        # (unbuffered subtraction over the few people touched, not a pass over all n)
        vis = (ties.flags[e] & MUTED) == 0
        vis_r = (ties.flags[r] & MUTED) == 0
        subtract_at(xp, pop.ordinary_load, actor[vis], pop.ordinary_rate[target[vis]])
        subtract_at(xp, pop.ordinary_load, target[vis_r], pop.ordinary_rate[actor[vis_r]])
        touched = xp.concatenate([actor, target])
        pop.ordinary_load[touched] = xp.maximum(pop.ordinary_load[touched], 0)
        for tie, to, bits, pos in ((e, target, REMOVED | BLOCKER, st_pos),
                                   (r, actor, REMOVED, None)):
            self._out_of_sums(tie, ties.trust[tie], pop.role[to] == ROLE_RESELLER, bits, pos)
        ties.flags[e] |= REMOVED | BLOCKER
        ties.flags[r] |= REMOVED
        if not is_host(xp):  # (on NumPy the host's view is the flags themselves)
            self.removed_host[to_host(xp.concatenate([e, r]))] = REMOVED
        self._ties_removed(e, r)
        return e

    def _remove_ties_compiled(self, e: Any, no_mutual: bool, st_pos: Any) -> Any:
        """:meth:`remove_ties` for sorted, unique, alive ``e``, in compiled passes (NumPy)."""
        g = self.dgraph
        pop = self.people
        k = e.shape[0]
        r = np.empty(k, np.int64)
        actor = np.empty(k, g.indices.dtype)
        target = np.empty(k, g.indices.dtype)
        tie_ends(e, g.rev, g.indices, r, actor, target)
        if not no_mutual:
            keep = np.empty(k, bool)
            if drop_mutual(e, r, keep):  # both blocked each other today: count once
                e, r, actor, target = e[keep], r[keep], actor[keep], target[keep]
                st_pos = None if st_pos is None else st_pos[keep]
                k = e.shape[0]
        trust_e, trust_r = (np.empty(k, self.ties.trust.dtype) for _ in range(2))
        st_e, st_r = (np.empty(k, bool) for _ in range(2))
        unlink_ties(e, r, actor, target, np.uint8(REMOVED | BLOCKER), np.uint8(REMOVED),
                    np.uint8(ROLE_RESELLER), pop.role, self.ties.flags, self.ties.trust,
                    pop.ordinary_load, pop.ordinary_rate, trust_e, trust_r, st_e, st_r)
        self._out_of_sums(e, trust_e, st_e, REMOVED | BLOCKER, st_pos)
        self._out_of_sums(r, trust_r, st_r, REMOVED, None)
        self._ties_removed(e, r)
        return e

    def _out_of_sums(self, tie: Any, trust: Any, is_st: Any, bits: Any, pos: Any) -> None:
        """Take ties ``tie`` (being removed; ``trust`` theirs) out of the alive-trust sums.

        ``is_st`` marks those toward resellers (seller ties), whose flags
        mirror gets ``bits``; ``pos``, when given, are their seller-tie positions.
        """
        plain = trust[~is_st]
        self.plain_trust -= float(plain.sum(dtype=np.float64))
        self.plain_alive -= int(plain.shape[0])
        if plain.shape[0] < tie.shape[0]:  # ties toward resellers: seller ties
            st_trust = trust[is_st]
            self.st_trust -= float(st_trust.sum(dtype=np.float64))
            self.st_alive -= int(st_trust.shape[0])
            if pos is None:
                pos = self.xp.searchsorted(self.st.tie, tie[is_st])
            self.st.flags[pos] |= bits

    def _ties_removed(self, e: Any, r: Any) -> None:
        """Count and log the ties ``e`` and their reverses ``r``, just removed."""
        self.alive_ties -= 2 * int(e.shape[0])
        self._removed_log.extend((e, r))
        self._removed_since_lcc = True

    # ------------------------------------------------------------ people
    def pay(self, buyer: Any, value: Any) -> None:
        """Buyers ``buyer`` pay ``value`` (float32, RMB) for one order each."""
        pop = self.people
        xp = self.xp
        subtract_at(xp, pop.budget, buyer, value)
        add_at(xp, pop.spent, buyer, value)
        add_at(xp, pop.n_purchases, buyer, 1)

    def record_counterfeits(self, buyer: Any, fake: Any, lost: Any) -> None:
        """Buyers ``buyer`` received ``fake`` counterfeit items worth ``lost`` RMB (F16)."""
        pop = self.people
        add_at(self.xp, pop.n_counterfeits, buyer, fake.astype(pop.n_counterfeits.dtype))
        add_at(self.xp, pop.lost_counterfeit, buyer, lost.astype(self.xp.float32))

    def accrue_budgets(self) -> None:
        """Budgets grow by a day's accrual, up to each person's cap."""
        pop = self.people
        self.xp.minimum(pop.budget + pop.budget_rate, pop.budget_cap, out=pop.budget)

    # ------------------------------------------------------------ reads
    def mean_trust_resellers(self) -> float:
        """Mean trust over alive ties toward resellers (NaN when there are none)."""
        return self.st_trust / self.st_alive if self.st_alive else float("nan")

    def mean_trust_friends(self) -> float:
        """Mean trust over all alive ties (NaN when none are left)."""
        n = self.plain_alive + self.st_alive
        return (self.plain_trust + self.st_trust) / n if n else float("nan")

    def largest_component_share(self, *, refresh: bool = True) -> float:
        """Exact share of people in the largest component (:mod:`sim.components`).

        One traversal at the first call; then a spanning tree of the giant
        component is repaired around the ties removed since the last call.
        With ``refresh`` false, the last value (no work) unless none exists.
        """
        if self._giant is not None and not (refresh and self._removed_since_lcc):
            return self._giant.share
        log, self._removed_log = self._removed_log, []
        self._removed_since_lcc = False
        if self._giant is None:
            g = self.graph
            self._giant = GiantComponent(g.indptr, g.indices, self.removed_host, REMOVED)
            return self._giant.share
        removed = (np.concatenate([to_host(x) for x in log]) if log
                   else np.zeros(0, np.int64))
        return self._giant.update(removed)

    # ------------------------------------------------------------ check
    def check(self) -> None:
        """Recompute every derived value from the primary arrays; raise if any differs.

        Checks the seller-tie index (exactly the alive-or-removed ties toward
        resellers, sorted, with the right viewers, slots' persons, flag mirror,
        thresholds and annoyance arrays), the trust sums and alive counts, the
        host mirrors, the symmetry of REMOVED, the range of trust, the ordinary
        load of each person, and the report window.

        Raises
        ------
        StateError
            Naming each derived value that differs.
        """
        g = self.graph
        h = to_host
        flags = h(self.ties.flags)
        trust = h(self.ties.trust).astype(np.float64)
        role = h(self.people.role)
        st = self.st
        bad: list[str] = []
        tie = h(st.tie)
        removed = (flags & REMOVED) != 0
        target = g.indices
        want_st = np.flatnonzero(role[target] == ROLE_RESELLER)
        if not np.array_equal(tie, want_st):
            bad.append(f"seller-tie index holds {tie.size} ties; {want_st.size} ties point to "
                       "resellers")
        else:
            if not np.array_equal(h(st.viewer), g.src()[tie]):
                bad.append("seller-tie viewers differ from the ties' sources")
            if not np.array_equal(h(self.seller_person)[h(st.slot)], target[tie]):
                bad.append("seller-tie slots' persons differ from the ties' targets")
            key = g.src()[tie].astype(np.int64) * g.n + target[tie]
            if (np.diff(key) <= 0).any():  # seller_ties_of and social proof rely on it
                bad.append("seller-tie keys (viewer, reseller) are not strictly increasing: "
                           "the graph's CSR rows must be sorted")
            if not np.array_equal(h(st.flags), flags[tie]):
                k = np.flatnonzero(h(st.flags) != flags[tie])
                bad.append(f"seller-tie flag mirror differs at {k.size} ties (first {k[:5]})")
            thr = thresholds(np, kind=h(self.people.kind)[g.src()[tie]],
                             mute_thr=h(self.people.mute_thr)[g.src()[tie]],
                             block_thr=h(self.people.block_thr)[g.src()[tie]],
                             report_thr=h(self.people.report_thr)[g.src()[tie]],
                             escalation=self.escalation)
            for name in ("mute_at", "block_at", "report_at", "act_at"):
                if not np.array_equal(h(getattr(st.thr, name)), getattr(thr, name)):
                    bad.append(f"seller-tie thresholds {name} differ from the viewers'")
        for name in ("seller_tie", "seller_annoyance", "seller_ads_seen", "seller_prior",
                     "seller_good", "seller_bad"):
            if getattr(self.ties, name).shape[0] != tie.size:
                bad.append(f"ties.{name} has length {getattr(self.ties, name).shape[0]}, "
                           f"seller ties {tie.size}")
        if not np.array_equal(h(self.ties.seller_tie), tie):
            bad.append("ties.seller_tie differs from the seller-tie index")
        elif tie.size:  # trust on seller ties is the Beta expectation of their evidence
            want_t = beta_trust(np, h(self.ties.seller_prior), h(self.ties.seller_good),
                                h(self.ties.seller_bad), self.prior_weight)
            off = np.abs(trust[tie] - want_t) > 1e-6
            if off.any():
                bad.append(f"trust differs from its evidence on {int(off.sum())} seller ties "
                           f"(first {tie[off][:5].tolist()})")
            if (h(self.ties.seller_good) < 0).any() or (h(self.ties.seller_bad) < 0).any():
                bad.append("negative evidence on a seller tie")
        is_st = role[target] == ROLE_RESELLER
        alive = ~removed
        sums = {"plain_alive": int((alive & ~is_st).sum()), "st_alive": int((alive & is_st).sum()),
                "alive_ties": int(alive.sum())}
        for name, want in sums.items():
            if getattr(self, name) != want:
                bad.append(f"{name} = {getattr(self, name)}, recomputed {want}")
        for name, mask in (("plain_trust", alive & ~is_st), ("st_trust", alive & is_st)):
            want = float(trust[mask].sum())
            if abs(getattr(self, name) - want) > 1e-6 * max(1.0, abs(want)):
                bad.append(f"{name} = {getattr(self, name)!r}, recomputed {want!r}")
        if not np.array_equal(removed, removed[g.rev]):
            bad.append("REMOVED is not symmetric: a friendship is gone on one side only")
        if np.any(((flags & BLOCKER) != 0) & ~removed):
            bad.append("BLOCKER set on a tie that is not REMOVED")
        if not ((trust >= 0) & (trust <= 1)).all():
            bad.append("trust outside [0, 1]")
        if not np.array_equal(np.asarray(self.role_host), role):
            bad.append("host copy of roles differs from the roles")
        if not np.array_equal((h(self.removed_host) & REMOVED) != 0, removed):
            bad.append("host copy of REMOVED bits differs from the flags")
        rate = h(self.people.ordinary_rate).astype(np.float64)
        visible = alive & ((flags & MUTED) == 0)
        want_load = np.bincount(g.src()[visible], weights=rate[target[visible]],
                                minlength=g.n)
        load = h(self.people.ordinary_load).astype(np.float64)
        tol = 1e-3 * np.maximum(1.0, want_load)  # float32 running sums, rounded each step
        if np.any(np.abs(load - want_load) > tol):
            k = np.flatnonzero(np.abs(load - want_load) > tol)
            bad.append(f"ordinary_load differs from the visible friends' posts for {k.size} "
                       f"people (first {k[:5].tolist()})")
        bad += self.reports.check()
        if bad:
            raise StateError("state check failed:\n- " + "\n- ".join(bad))


@jit.loop
def _see_ads(saw: Any, k: Any, flags: Any, per_ad: Any, per_muted: Any, ads_seen: Any,
             annoyance: Any) -> None:  # pragma: no cover - compiled; tested against see_ads
    for i in range(saw.shape[0]):
        j = saw[i]
        ads_seen[j] += np.uint32(k[i])
        per = per_muted if flags[j] & MUTED else per_ad
        annoyance[j] += np.float32(k[i]) * per


@jit.warmer
def _warm_state() -> None:
    one = np.ones(1, np.int64)
    _see_ads(np.zeros(1, np.int64), one.astype(np.int32), np.zeros(1, np.uint8), np.float32(1),
             np.float32(1), np.zeros(1, np.uint32), np.zeros(1, np.float32))
