"""Adoption submodel for validation: Bass diffusion and independent cascades.

scsim's commerce model (:mod:`sim.model`) turns ads into purchases through
trust, need, price and fatigue; it has no imitation channel ("buy because
friends bought"). To dock scsim against results nobody here wrote, this
module runs *adoption* on the same compressed friend graph
(:class:`sim.graph.FriendGraph`: ``indptr``, ``indices``) with the same
seeded streams (:func:`sim.rng.stream`), in two configurations:

- **Bass mode** (:func:`bass`): a non-adopter adopts in a substep of length
  ``dt`` with probability ``1 - exp(-(p + q * s_i) * dt)``, where ``p`` is
  innovation from ads (a constant per-day purchase hazard, as an ad stream of
  constant reach gives) and ``s_i`` the share of ``i``'s friends who adopted
  (imitation, weight ``q``). On the complete graph ``s_i`` is the global
  adopted share excluding ``i``, which gives the Bass (1969) closed form as
  ``N -> inf, dt -> 0`` (Bass, F. M. 1969, "A new product growth for model consumer
  durables", *Management Science* 15(5): 215-227).
- **Independent-cascade mode** (:func:`independent_cascade`): each new
  adopter gets one chance, in the round after it adopted, to activate each
  inactive friend, with probability ``beta`` (Kempe, Kleinberg & Tardos 2003;
  the semantics of NDlib's ``IndependentCascadesModel`` with a uniform edge
  ``threshold``).

This is a configuration of scsim's adoption rules on scsim's graph arrays,
used for validation (docs/ODD.md, "Adoption submodel"); it is not the full
commerce model, and its results say nothing about trust, annoyance or money.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from sim.graph import FriendGraph
from sim.kernels import ragged_positions
from sim.rng import stream

__all__ = ["BassResult", "CascadeResult", "bass", "bass_closed_form", "bass_substep_recursion",
           "independent_cascade", "as_friend_graph"]


@dataclass
class BassResult:
    """Adoption curve of one Bass run.

    Attributes
    ----------
    times : ndarray of float
        Record times (``0, record_every, ...``).
    share : ndarray of float
        Share of people adopted at each record time.
    t_adopt : ndarray of float, shape (n,)
        Time each person adopted (end of the substep); ``inf`` if never.
    """

    times: np.ndarray
    share: np.ndarray
    t_adopt: np.ndarray


@dataclass
class CascadeResult:
    """Outcome of one independent cascade.

    Attributes
    ----------
    active : ndarray of bool, shape (n,)
        Ever activated (the seeds included).
    new_per_round : ndarray of int
        People activated in each round; round 0 is the seed set.
    """

    active: np.ndarray
    new_per_round: np.ndarray

    @property
    def size(self) -> int:
        """Final cascade size (seeds included)."""
        return int(self.active.sum())


def as_friend_graph(graph: FriendGraph | nx.Graph) -> FriendGraph:
    """Return ``graph`` as a :class:`FriendGraph` (compiling a networkx graph)."""
    if isinstance(graph, FriendGraph):
        return graph
    return FriendGraph.from_networkx(graph)


def bass_closed_form(t: Any, p: float, q: float) -> np.ndarray:
    """Bass (1969) adopted share ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})``.

    Parameters
    ----------
    t : float or array
        Time (in the unit of ``1/p``).
    p, q : float
        Innovation and imitation coefficients, ``p > 0``, ``q >= 0``.

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> round(float(bass_closed_form(5.0, 0.03, 0.38)), 4)
    0.3312
    """
    if not p > 0 or not q >= 0:
        raise ValueError(f"bass_closed_form: p = {p!r} must be > 0 and q = {q!r} >= 0")
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1 - e) / (1 + (q / p) * e)


def bass_substep_recursion(t_max: float, p: float, q: float, dt: float) -> np.ndarray:
    """Expected share under the substep rule on the infinite complete graph.

    ``F_{k+1} = F_k + (1 - F_k)(1 - exp(-(p + q F_k) dt))``: the deterministic
    mean-field limit of :func:`bass` with time step ``dt``. Its gap to
    :func:`bass_closed_form` is the O(dt) discretisation bias.

    Returns
    -------
    ndarray of float, shape (round(t_max / dt) + 1,)
        ``F`` at times ``0, dt, 2 dt, ...``.
    """
    steps = _n_steps(t_max, dt)
    out = np.zeros(steps + 1)
    f = 0.0
    for k in range(steps):  # scalar recursion over time, not over people
        f = f + (1 - f) * (1 - np.exp(-(p + q * f) * dt))
        out[k + 1] = f
    return out


def _n_steps(t_max: float, dt: float) -> int:
    if not dt > 0:
        raise ValueError(f"dt = {dt!r} must be > 0")
    if not t_max >= 0:
        raise ValueError(f"t_max = {t_max!r} must be >= 0")
    steps = int(round(t_max / dt))
    if abs(steps * dt - t_max) > 1e-9 * max(1.0, t_max):
        raise ValueError(f"t_max = {t_max!r} must be a multiple of dt = {dt!r}")
    return steps


def bass(p: float, q: float, *, graph: FriendGraph | nx.Graph | None = None,
         n: int | None = None, t_max: float = 20.0, dt: float = 0.05,
         record_every: float = 1.0, seed: int = 0) -> BassResult:
    """Run Bass adoption with innovation ``p`` and imitation ``q`` on a friend graph.

    Each substep of length ``dt``, every non-adopter ``i`` adopts with
    probability ``1 - exp(-(p + q * s_i) * dt)``, where ``s_i`` is the share
    of ``i``'s friends who had adopted at the start of the substep (0 for a
    person without friends). With ``graph=None`` the graph is the complete
    graph on ``n`` people, where ``s_i = A / (n - 1)`` for a non-adopter and
    ``A`` adopters: the exact complete-graph rule, computed without building
    ``n (n - 1)`` ties.

    Parameters
    ----------
    p : float
        Innovation hazard per unit time (adoption from ads), ``p >= 0``.
    q : float
        Imitation hazard per unit time at a share of 1 of friends adopted.
    graph : FriendGraph or networkx.Graph, optional
        The friend graph; ``None`` for the complete graph on ``n`` people.
    n : int, optional
        Number of people of the complete graph (only with ``graph=None``).
    t_max, dt, record_every : float
        Horizon, substep, and spacing of recorded shares (multiples of ``dt``).
    seed : int
        Root seed; draws come from stream ``"adoption"``.

    Returns
    -------
    BassResult

    Raises
    ------
    ValueError
        For a negative rate, ``dt`` that does not divide ``t_max`` or
        ``record_every``, or ``n`` given together with (or missing without) a graph.

    Notes
    -----
    Cost O(n) per substep plus O(n_ties) over the whole run: each new
    adopter adds 1 to its friends' adopted-friend counts once.

    References
    ----------
    Bass, F. M. (1969). A new product growth for model consumer durables.
    *Management Science* 15(5), 215-227.
    """
    if not p >= 0 or not q >= 0:
        raise ValueError(f"bass: p = {p!r} and q = {q!r} must be >= 0")
    if graph is None:
        if n is None or n < 2:
            raise ValueError(f"bass: n = {n!r} must be an integer >= 2 when graph is None")
        g = None
        size = int(n)
    else:
        if n is not None:
            raise ValueError(f"bass: n = {n!r} must not be given with a graph (n = graph size)")
        g = as_friend_graph(graph)
        size = g.n
    steps = _n_steps(t_max, dt)
    every = int(round(record_every / dt))
    if every < 1 or abs(every * dt - record_every) > 1e-9 * max(1.0, record_every):
        raise ValueError(f"bass: record_every = {record_every!r} must be a multiple of "
                         f"dt = {dt!r}")
    rng = stream(seed, "adoption")
    adopted = np.zeros(size, dtype=bool)
    t_adopt = np.full(size, np.inf)
    if g is not None:
        deg = g.degree.astype(float)
        inv_deg = np.divide(1.0, deg, out=np.zeros(size), where=deg > 0)
        n_friends_adopted = np.zeros(size)
    n_adopted = 0
    times = [0.0]
    shares = [0.0]
    for k in range(steps):  # loop over time substeps; people are arrays
        if g is None:
            s = n_adopted / (size - 1)
            hazard = p + q * s  # same for every non-adopter
            prob = -np.expm1(-hazard * dt)
            new = np.flatnonzero(~adopted & (rng.random(size) < prob))
        else:
            prob = -np.expm1(-(p + q * n_friends_adopted * inv_deg) * dt)
            new = np.flatnonzero(~adopted & (rng.random(size) < prob))
        if new.size:
            adopted[new] = True
            t_adopt[new] = (k + 1) * dt
            n_adopted += int(new.size)
            if g is not None:
                pos, _ = ragged_positions(g.indptr, new)
                n_friends_adopted += np.bincount(g.indices[pos], minlength=size)
        if (k + 1) % every == 0:
            times.append((k + 1) * dt)
            shares.append(n_adopted / size)
    return BassResult(np.asarray(times), np.asarray(shares), t_adopt)


def independent_cascade(graph: FriendGraph | nx.Graph, seeds: Any, beta: float, *,
                        seed: int = 0, max_rounds: int | None = None) -> CascadeResult:
    """Run one independent cascade from ``seeds`` with activation probability ``beta``.

    Round 0 activates the seed set. In each later round every person
    activated in the previous round tries once to activate each friend who
    is still inactive, succeeding independently with probability ``beta``;
    a friend reached by several successful attempts is activated once. The
    cascade stops when a round activates no one.

    Parameters
    ----------
    graph : FriendGraph or networkx.Graph
        The friend graph. A networkx graph's nodes are mapped to internal
        ids in ``graph.nodes()`` order; ``seeds`` are labels of that graph.
    seeds : iterable
        Initially active people (labels of ``graph``; internal ids for a
        FriendGraph without labels).
    beta : float
        Activation probability per (new adopter, inactive friend) pair.
    seed : int
        Root seed; draws come from stream ``"adoption"``.
    max_rounds : int, optional
        Stop after this many rounds (default: until no one new).

    Returns
    -------
    CascadeResult

    Raises
    ------
    ValueError
        If ``beta`` is outside [0, 1] or the seed set is empty.
    KeyError
        If a seed is not in the graph.

    Notes
    -----
    This matches NDlib's ``IndependentCascadesModel`` with every edge's
    ``threshold`` set to ``beta``: NDlib lets each node of status Infected
    flip once against each Susceptible neighbour per iteration, then moves
    it to Removed. Cost O(sum of degrees of activated people).

    References
    ----------
    Kempe, D., Kleinberg, J. & Tardos, E. (2003). Maximizing the spread of
    influence through a social network. *KDD '03*, 137-146.
    """
    if not 0 <= beta <= 1:
        raise ValueError(f"independent_cascade: beta = {beta!r} must be in [0, 1]")
    g = as_friend_graph(graph)
    ids = np.unique(np.asarray([g.index_of(s) for s in seeds], dtype=np.int64))
    if ids.size == 0:
        raise ValueError("independent_cascade: seeds is empty; give at least one person")
    rng = stream(seed, "adoption")
    active = np.zeros(g.n, dtype=bool)
    active[ids] = True
    frontier = ids
    counts = [int(ids.size)]
    rounds = 0
    while frontier.size and (max_rounds is None or rounds < max_rounds):
        pos, _ = ragged_positions(g.indptr, frontier)
        target = g.indices[pos]
        target = target[~active[target]]
        hit = target[rng.random(target.size) < beta]
        frontier = np.unique(hit)
        active[frontier] = True
        counts.append(int(frontier.size))
        rounds += 1
    if counts[-1] == 0:
        counts.pop()
    return CascadeResult(active, np.asarray(counts, dtype=np.int64))
