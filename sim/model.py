"""The social-commerce model: one step is one day.

The daily schedule (MODEL.md), one method a phase:

1. ``_plan``          sellers plan (Mesa agents, random order): posts, restock, pitches
2. ``_fill_feeds``    feeds fill: friends' posts compete with ads for attention (F9)
3. ``_react_to_ads``  annoyance rises, lifestyle posts build trust, purchase intents form
4. ``_relationships`` mutes, blocks/unfriends and reports by tolerance type (F8, F12)
5. ``_settle_orders`` payment (F17), stock, genuine or counterfeit (F16), trust, word of mouth;
   ``_push_channel``   then merchants' pushes: folding (F2), segmentation (F18), their orders
6. ``_moderate``      the platform bans over its report threshold (F12)
7. ``_settle_money``  fixed costs, recruits join with starter stock, loss-makers quit (F19)
8. ``_collect_state`` and ``datacollector.collect``

Resellers and merchants are Mesa agents; the population and every tie are
arrays (:mod:`agents.population`, :mod:`sim.ties`), stepped in bulk with the
scenario's array backend (:mod:`sim.backend`: NumPy, or CuPy on a GPU). The
seller table and the agents stay on the host; what crosses goes through
``to_host`` and ``to_device``, which cost nothing on NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.agent import AgentSet

from agents.merchants import Merchant
from agents.population import ROLE_RESELLER, Population, UserView
from agents.resellers import ACTIVE, BANNED, QUIT, STATUS_NAMES, Reseller, SellerTable
from agents.strategies import PostingStrategy, Strategy, builtin_strategies
from sim import kernels
from sim.backend import Draws, add_at, get_xp, is_host, multiply_at, subtract_at, to_device, to_host
from sim.components import GiantComponent
from sim.graph import FriendGraph, build_graph
from sim.metrics import METRICS, new_day
from sim.params import Scenario
from sim.platform import ModerationPolicy, make_policy
from sim.rng import STREAMS, stream
from sim.scenario import load_scenario, validate, with_overrides
from sim.ties import BLOCKER, BOUGHT, IN_GROUP, MUTED, REMOVED, REPORTED, TieState, insert_at

__all__ = ["SocialCommerceModel"]


class _DayCollector(mesa.DataCollector):
    """Mesa's DataCollector with one model reporter per metric, each reading ``model.today``.

    While its reporters are the ones it was built with (and no agent
    reporters were added), :meth:`collect` appends the day's values in one
    loop instead of calling and deep-copying 46 lambdas (the values are
    floats); otherwise it is Mesa's ``collect``.
    """

    def __init__(self, keys: Mapping[str, str] | list[str]) -> None:
        self._keys = tuple(keys)
        super().__init__(model_reporters={k: (lambda m, k=k: m.today[k]) for k in self._keys})
        self._own = list(self.model_reporters.items())

    def collect(self, model: mesa.Model) -> None:
        """Record the day (Mesa's ``DataCollector.collect``)."""
        if (not self._validated or self.agent_reporters or self.agenttype_reporters
                or list(self.model_reporters.items()) != self._own):
            super().collect(model)
            return
        self._collection_steps.append(model.time)
        today = model.today
        mv = self.model_vars
        for k in self._keys:
            mv[k].append(today[k])


def _bernoulli(xp: Any, draws: Draws, p: Any) -> Any:
    """``rng.binomial(1, p)``, the same numbers from the same stream, vectorised.

    NumPy's binomial (inversion, ``n = 1``) draws nothing where ``p == 0`` and
    otherwise one double ``U``, returning ``U > (1 - p)`` computed as
    ``exp(log(1 - p))`` (with ``p`` and the result flipped when ``p > 0.5``); a
    redraw happens only when ``U`` exceeds ``qn / q``, which is 1 up to rounding.
    ``tests/test_performance_paths.py`` checks equality with ``rng.binomial``.
    """
    p = p.astype(xp.float64)
    out = xp.zeros(p.shape[0], xp.int64)
    nz = xp.flatnonzero(p != 0)
    pz = p[nz]
    low = pz <= 0.5
    qn = xp.exp(xp.log(1.0 - xp.where(low, pz, 1.0 - pz)))
    x = draws.random(nz.shape[0], np.float64) > qn
    out[nz] = xp.where(low, x, ~x)
    return out


def _unique(xp: Any, x: Any) -> Any:
    """``numpy.unique`` of a small 1-d array: a sort and one comparison (less overhead)."""
    x = xp.sort(x)
    if x.shape[0] < 2:
        return x
    keep = xp.empty(x.shape[0], dtype=bool)
    keep[0] = True
    xp.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


def _in_sorted(xp: Any, x: Any, sorted_: Any) -> Any:
    """``numpy.isin(x, sorted_)`` for a sorted ``sorted_``: one ``searchsorted``."""
    if sorted_.shape[0] == 0:
        return xp.zeros(x.shape[0], dtype=bool)
    pos = xp.minimum(xp.searchsorted(sorted_, x), sorted_.shape[0] - 1)
    return sorted_[pos] == x


class _DeviceGraph:
    """The friend graph's CSR arrays on the array backend's device (the host's on NumPy)."""

    def __init__(self, xp: Any, g: FriendGraph) -> None:
        self.indptr = to_device(xp, g.indptr)
        self.indices = to_device(xp, g.indices)
        self.rev = to_device(xp, g.rev)


class SocialCommerceModel(mesa.Model):
    """Social commerce on a friend graph.

    Parameters
    ----------
    params : Scenario, mapping or path, optional
        The scenario (default: all declared defaults).
    graph : networkx.Graph or FriendGraph, optional
        A friend graph to use instead of the scenario's generator.
    seed : int, optional
        Root seed; overrides ``run.seed``.
    policy : ModerationPolicy, optional
        Platform policy; default from ``platform.policy``.
    strategies : mapping of str to PostingStrategy, optional
        Extra or replacement strategies; the initial resellers draw from the
        keys ``flooder``, ``mixer``, ``curated`` by the scenario's shares, and
        any other key in ``strategy_shares``.
    strategy_shares : mapping of str to float, optional
        Shares of the initial resellers by strategy name (default: the
        scenario's ``resellers.share_*``).
    overrides : mapping, optional
        Dotted-key overrides, e.g. ``{"graph.n_people": 2000}``.

    Examples
    --------
    >>> m = SocialCommerceModel(overrides={"graph.n_people": 300, "graph.mean_degree": 10,
    ...                                    "run.days": 5})
    >>> _ = m.run()
    >>> m.metrics()["ads_posted"].shape
    (5,)
    """

    def __init__(self, params: Scenario | Mapping[str, Any] | str | Path | None = None, *,
                 graph: nx.Graph | FriendGraph | None = None, seed: int | None = None,
                 policy: ModerationPolicy | None = None,
                 strategies: Mapping[str, PostingStrategy] | None = None,
                 strategy_shares: Mapping[str, float] | None = None,
                 overrides: Mapping[str, Any] | None = None) -> None:
        if params is None:
            params = Scenario()
        elif isinstance(params, str | Path):
            params = load_scenario(params)
        else:
            params = validate(params)
        if overrides:
            params = with_overrides(params, overrides)
        if seed is not None:
            params = with_overrides(params, {"run.seed": int(seed)})
        self.params: Scenario = params
        self.seed = params.run.seed
        super().__init__(rng=int(stream(self.seed, "mesa").integers(2**31)))
        self.rngs = {name: stream(self.seed, name) for name in STREAMS}
        xp = self.xp = get_xp(params.run.backend)
        # draws on the device from the streams the daily arrays use (on NumPy: the streams)
        self.draws = Draws(xp, self.rngs["feed"])
        self._draws = {name: Draws(xp, self.rngs[name])
                       for name in ("purchases", "reactions", "merchants")}
        self.day = 0

        # friend graph and tie state
        if graph is None:
            self.graph = build_graph(params.graph, self.rngs["graph"])
        elif isinstance(graph, FriendGraph):
            self.graph = graph
        else:
            self.graph = FriendGraph.from_networkx(graph)
        g = self.graph
        self.dgraph = _DeviceGraph(xp, g)
        strong = self._draw_strong_ties(params.graph.strong_tie_share)
        self.ties = TieState.initial(self.xp, strong, params.trust.trust_strong,
                                     params.trust.trust_weak)
        self.alive_ties = g.n_ties
        self.people = Population.create(g.n, params.users, g.indptr, g.indices,
                                        self.rngs["population"], self.xp)
        self.policy = policy or make_policy(params.platform)
        self.strategies: dict[str, PostingStrategy] = dict(builtin_strategies(params.strategies))
        if strategies:
            self.strategies.update(strategies)
        r = params.resellers
        self.strategy_shares = dict(strategy_shares or {
            "flooder": r.share_flooder, "mixer": r.share_mixer, "curated": r.share_curated})
        self._check_shares()

        # sellers
        self.sellers = SellerTable()
        self.reseller_list: list[Reseller] = []
        self.pending_recruits: dict[int, Reseller] = {}
        # sellers who pitch today outside the bulk plan (custom strategies: Reseller.pitch)
        self._pitch_queue: list[int] = []
        self.external_supply = 0
        self.st_tie = xp.zeros(0, xp.int64)
        # (intp: gathers with a native index type run twice as fast as with int32)
        self.st_viewer = xp.zeros(0, xp.intp)
        self.st_slot = xp.zeros(0, xp.intp)
        # the seller ties' flags, kept equal to ties.flags[st_tie] at each write (so the
        # day reads them without a gather from the n_ties-long flag array)
        self._st_flags = xp.zeros(0, xp.uint8)
        self._giant: GiantComponent | None = None
        # what the Python decisions of agents read, kept on the host (the arrays themselves
        # on NumPy): who sells, and which ties are removed
        self._role_host = self.people.role if is_host(xp) else to_host(self.people.role)
        self._removed_host = (self.ties.flags if is_host(xp)
                              else to_host(self.ties.flags & REMOVED))
        # viewers' action thresholds per seller tie, read when the tie starts carrying ads
        none = xp.zeros(0, xp.float32)
        self._st_thr = kernels.Thresholds(none, none, none, none)
        self._removed_log: list[Any] = []
        self.today: dict[str, float] = new_day()
        # sum and count of trust over alive ties toward people who do not sell: their
        # trust never changes, so these move only by removals and new resellers
        self._plain_trust = float(self.ties.trust.sum(dtype=np.float64))
        self._plain_alive = int(self.graph.n_ties)
        # the same over alive seller ties (ties toward resellers), kept up to date at each
        # write of their trust, so the daily metrics need no gather over all seller ties
        self._st_trust = 0.0
        self._st_alive = 0
        self._create_merchants()
        self._create_initial_resellers()
        self._create_groups()
        self._st_flags = self.ties.flags[self.st_tie]  # (groups set IN_GROUP bits)
        self._lcc_share = self._largest_component_share()
        if params.graph.require_connected and self._lcc_share < 1.0:
            from sim.graph import GraphError

            raise GraphError(
                f"graph.require_connected = true but the friend graph is disconnected: the "
                f"largest component holds {self._lcc_share:.1%} of {self.graph.n} people")
        self._trust_friends = self._mean_trust_friend_ties()

        self.datacollector = _DayCollector(METRICS)
        # lookups the days reuse, built with the set-up rather than on the first day
        for m in self.merchant_list:
            self._follower_cache(m)
        self._seller_ties_of(xp.zeros(0, xp.intp), xp.zeros(0, xp.int64))
        self._reseller_strategies()

    # ------------------------------------------------------------------ set-up
    def _check_shares(self) -> None:
        unknown = set(self.strategy_shares) - set(self.strategies)
        if unknown:
            raise ValueError(f"strategy_shares names unknown strategies {sorted(unknown)}; "
                             f"known: {sorted(self.strategies)}")
        total = sum(self.strategy_shares.values())
        if any(v < 0 for v in self.strategy_shares.values()) or abs(total - 1) > 1e-6:
            raise ValueError(f"strategy_shares = {self.strategy_shares} must be >= 0 and sum "
                             f"to 1 (sum = {total:g})")

    def _draw_strong_ties(self, share: float) -> np.ndarray:
        g = self.graph
        u = self.rngs["graph"].random(g.n_ties, dtype=np.float32) < share
        src = g.src()
        lower = src > g.indices
        u[lower] = u[g.rev[lower]]
        return u

    def _create_merchants(self) -> None:
        p = self.params
        rng = self.rngs["merchants"]
        self.merchant_list: list[Merchant] = []
        n = self.graph.n
        k = int(round(p.merchants.follower_share * n))
        for i in range(p.merchants.n_merchants):
            followers = rng.choice(n, size=k, replace=False) if k else np.zeros(0, np.int32)
            cats = rng.choice(p.users.n_categories, size=p.merchants.catalogue_size,
                              replace=False)
            self.merchant_list.append(Merchant(self, i, cats, np.sort(followers)))

    def _create_initial_resellers(self) -> None:
        p = self.params
        r = p.resellers
        rng = self.rngs["sellers"]
        n = self.graph.n
        k = int(round(r.initial_share * n))
        people = rng.choice(n, size=k, replace=False) if k else np.zeros(0, np.int64)
        names = list(self.strategy_shares)
        probs = np.array([self.strategy_shares[s] for s in names])
        kinds = rng.choice(len(names), size=k, p=probs / probs.sum())
        fake = rng.random(k) < r.counterfeit_share
        for person, kind, is_fake in zip(people.tolist(), kinds.tolist(), fake.tolist(),
                                         strict=True):
            up = (self.merchant_list[int(rng.integers(len(self.merchant_list)))]
                  if self.merchant_list else None)
            cat = up.category if up is not None else int(rng.integers(p.users.n_categories))
            q = r.quality_counterfeit if is_fake else r.quality_genuine
            self._add_reseller(person, self.strategies[names[kind]], up, 1, cat,
                               r.sell_price, r.level1_cost, q)
        self._add_seller_ties([s.slot for s in self.reseller_list])

    def _add_reseller(self, person: int, strategy: PostingStrategy, upstream: Any, level: int,
                      category: int, price: float, cost: float, quality: float) -> Reseller:
        agent = Reseller(self, person, strategy, upstream, level, category, price, cost, quality)
        self.reseller_list.append(agent)
        self.people.role[person] = ROLE_RESELLER
        self._role_host[person] = ROLE_RESELLER  # (the same array on NumPy)
        agent.buy_stock(self.params.resellers.starter_stock)
        return agent

    def _add_seller_ties(self, slots: list[int]) -> None:
        if not slots:
            return
        g = self.graph
        xp = self.xp
        persons = self.sellers.cols["person"][np.asarray(slots)]
        pos, owner = kernels.ragged_positions(g.indptr, persons)
        e = to_device(xp, g.rev[pos].astype(np.int64))
        # these ties now carry ads and their trust moves: out of the plain-tie sums
        plain = e[(self.ties.flags[e] & REMOVED) == 0]
        moved = float(self.ties.trust[plain].sum(dtype=np.float64))
        self._plain_trust -= moved
        self._plain_alive -= int(plain.shape[0])
        self._st_trust += moved
        self._st_alive += int(plain.shape[0])
        # seller ties are kept sorted by tie id, that is by viewer: the day's gathers
        # from per-tie and per-person arrays then run through memory in order
        order = xp.argsort(e)
        e = e[order]
        v = to_device(xp, g.indices[pos].astype(np.intp))[order]
        new_slot = to_device(xp, np.asarray(slots, np.intp)[owner])[order]
        at = xp.searchsorted(self.st_tie, e)
        self.st_tie = insert_at(xp, self.st_tie, at, e)
        self.st_viewer = insert_at(xp, self.st_viewer, at, v)
        self.st_slot = insert_at(xp, self.st_slot, at, new_slot)
        self.ties.insert_seller_ties(at, e)
        self._st_flags = insert_at(xp, self._st_flags, at, self.ties.flags[e])
        pop = self.people
        thr = kernels.thresholds(xp, kind=pop.kind[v], mute_thr=pop.mute_thr[v],
                                 block_thr=pop.block_thr[v], report_thr=pop.report_thr[v],
                                 escalation=self.params.users.escalation_factor)
        self._st_thr = self._st_thr.insert(xp, at, thr)

    def _create_groups(self) -> None:
        gp = self.params.groups
        if gp.n_groups == 0 or not self.reseller_list:
            return
        rng = self.rngs["groups"]
        owners = rng.choice(len(self.reseller_list), size=min(gp.n_groups,
                                                              len(self.reseller_list)),
                            replace=False)
        g = self.graph
        for o in owners.tolist():
            agent = self.reseller_list[o]
            self.sellers.cols["owns_group"][agent.slot] = 1
            lo, hi = int(g.indptr[agent.person]), int(g.indptr[agent.person + 1])
            size = min(hi - lo, gp.mean_size, gp.max_size - 1)
            if size <= 0:
                continue
            members = lo + rng.choice(hi - lo, size=size, replace=False)
            self.ties.flags[to_device(self.xp, g.rev[members])] |= IN_GROUP

    # --------------------------------------------------------------- the day
    def step(self) -> None:
        """Advance the model by one day (MODEL.md steps 1-8)."""
        self.today = new_day()
        self._plan()
        exposure = self._fill_feeds()
        intents = self._react_to_ads(exposure)
        self._relationships()
        self._settle_orders(intents)
        self._push_channel()
        self._moderate()
        self._settle_money()
        self._collect_state()
        self.datacollector.collect(self)
        self.day += 1

    def run(self, days: int | None = None, progress: bool = False) -> SocialCommerceModel:
        """Run ``days`` days (default ``run.days``), with an optional progress bar."""
        days = self.params.run.days if days is None else int(days)
        if days < 0:
            raise ValueError(f"days = {days} must be >= 0")
        from tqdm.auto import tqdm

        for _ in tqdm(range(days), desc="days", unit="day", disable=not progress,
                      mininterval=0.5):
            self.step()
        return self

    # 1 ----------------------------------------------------------------------
    def _plan(self) -> None:
        if self.reseller_list:
            self._plan_resellers()
        for m in self.merchant_list:
            m.step()
        t = self.sellers.cols
        n = self.sellers.size
        t["ads_today"][:n] = self.policy.cap_posts(self, t["ads_today"][:n])
        t["ads_total"][:n] += t["ads_today"][:n]
        self.today["ads_posted"] = float(t["ads_today"][:n].sum())

    def _plan_resellers(self) -> None:
        """Step 1 for resellers: Mesa agents in random order, the arithmetic in bulk.

        Sellers whose strategy keeps the Poisson :meth:`Strategy.plan` of the
        base class (the three built-ins and any subclass that only sets rates)
        get today's ads, lifestyle and group posts in one vectorised draw;
        then, in random order (Mesa's ``self.random``), the agents with
        something to decide act in Python: a custom strategy runs the agent's
        whole :meth:`Reseller.step`; a seller low on stock, or with
        sub-agents who may drain its stock, restocks when low. Last, the
        sellers drawn to pitch today pitch, all at once
        (:meth:`_bulk_pitches`). Each draw has the distribution it has in
        ``shuffle_do("step")``; only the order of draws in the stream differs.
        """
        agents = self.reseller_list
        n = len(agents)
        t = self.sellers.cols
        p = self.params.resellers
        rng = self.rngs["sellers"]
        uniq, idx = self._reseller_strategies()
        poisson = np.array([type(s).plan is Strategy.plan for s in uniq], bool)
        active = t["status"][:n] == ACTIVE
        bulk = active & poisson[idx]
        ads = np.zeros(n, np.int64)
        life = np.zeros(n, np.int64)
        k = np.flatnonzero(bulk)
        if k.size:
            rate_ads = np.array([getattr(s, "ads_per_day", 0.0) for s in uniq])[idx[k]]
            rate_life = np.array([getattr(s, "lifestyle_per_day", 0.0) for s in uniq])[idx[k]]
            ads[k] = rng.poisson(rate_ads)
            life[k] = rng.poisson(rate_life)
        groups = np.zeros(n, np.int64)
        owns = np.flatnonzero(bulk & (t["owns_group"][:n] != 0))
        groups[owns] = rng.poisson(self.params.groups.ads_per_day, owns.size)
        t["ads_today"][:n] = ads
        t["life_today"][:n] = life
        t["group_ads_today"][:n] = groups
        pitch = bulk & (t["level"][:n] < p.max_level) & (rng.random(n) < p.p_pitch)
        restock = p.restock_amount > 0
        may_restock = restock & ((t["inventory"][:n] < p.restock_below)
                                 | (t["recruits"][:n] > 0))
        todo = np.flatnonzero((active & ~bulk) | (bulk & may_restock)).tolist()
        self.random.shuffle(todo)
        inventory = t["inventory"]
        for i in todo:
            agent = agents[i]
            if not bulk[i]:
                agent.step()
            elif inventory[i] < p.restock_below:
                agent.buy_stock(p.restock_amount)
        queued, self._pitch_queue = self._pitch_queue, []
        self._bulk_pitches(np.concatenate([np.flatnonzero(pitch), np.asarray(queued, np.int64)]),
                           rng)

    def _bulk_pitches(self, slots: np.ndarray, rng: np.random.Generator) -> None:
        """Sellers ``slots`` each pitch one random friend (F4), in one pass.

        Each seller picks a friend uniformly; the friend considers it if the
        friendship is alive, the friend sells nothing and has no offer
        pending, and accepts with probability ``resellers.p_accept`` times the
        friend's trust in the seller. A friend pitched by several sellers
        joins the first who is accepted, in a random order of the sellers (as
        in a one-at-a-time loop, where a later offer finds the friend taken).
        One read of the trusts, so no round trip per seller on a device.
        """
        if slots.size == 0:
            return
        g = self.graph
        slots = slots[rng.permutation(slots.size)]  # the order offers are made in
        person = self.sellers.cols["person"][slots]
        lo = g.indptr[person]
        deg = g.indptr[person + 1] - lo
        has = deg > 0
        slots, lo, deg = slots[has], lo[has], deg[has]
        e = lo + (rng.random(slots.size) * deg).astype(np.int64)  # a uniform friend each
        u = rng.random(slots.size)
        friend = g.indices[e].astype(np.int64)
        ok = ((self._removed_host[e] & REMOVED) == 0) & (self._role_host[friend] == 0)
        if self.pending_recruits:
            ok &= ~np.isin(friend, np.fromiter(self.pending_recruits, np.int64))
        k = np.flatnonzero(ok)
        if k.size == 0:
            return
        trust = to_host(self.ties.trust[to_device(self.xp, g.rev[e[k]].astype(np.int64))])
        k = k[u[k] < self.params.resellers.p_accept * trust.astype(np.float64)]
        first = np.unique(friend[k], return_index=True)[1]  # the first accepted offer
        agents = self.reseller_list
        for f, s in zip(friend[k[first]].tolist(), slots[k[first]].tolist(), strict=True):
            self.pending_recruits[f] = agents[s]

    def _reseller_strategies(self) -> tuple[list[PostingStrategy], np.ndarray]:
        """The distinct strategies of the resellers, and each reseller's index into them."""
        agents = self.reseller_list
        n = len(agents)
        if getattr(self, "_strategy_cache", (-1,))[0] != n:
            index: dict[int, int] = {}
            uniq: list[PostingStrategy] = []
            idx = np.empty(n, np.int64)
            for i, a in enumerate(agents):
                k = index.get(id(a.strategy))
                if k is None:
                    k = index[id(a.strategy)] = len(uniq)
                    uniq.append(a.strategy)
                idx[i] = k
            self._strategy_cache = (n, uniq, idx)
        return self._strategy_cache[1], self._strategy_cache[2]

    # 2 ----------------------------------------------------------------------
    def _fill_feeds(self) -> kernels.Exposure:
        pop = self.people
        n = self.graph.n
        self.opened = self.draws.random(n) < pop.p_open
        t = self.sellers
        gp = self.params.groups
        xp = self.xp
        exp = kernels.fill_feeds(
            xp, self.draws, opened=self.opened, st_viewer=self.st_viewer,
            st_slot=self.st_slot, st_flags=self._day_st_flags(),
            ads=to_device(xp, t.ads_today), life=to_device(xp, t.life_today),
            group_ads=to_device(xp, t.group_ads_today), attention=pop.attention,
            ordinary_load=pop.ordinary_load, p_read_group=gp.p_read,
            p_direct=gp.p_direct_reach)
        d = self.today
        d["openers"] = float(xp.count_nonzero(self.opened))
        d["ads_seen_moments"] = exp.ads_in_feed
        # (the kernel's sums, when it gives them, save three passes over the seller ties)
        d["ads_seen_group"] = exp.group_seen
        d["ads_seen_direct"] = exp.direct_seen
        d["ads_seen"] = d["ads_seen_moments"] + d["ads_seen_group"] + d["ads_seen_direct"]
        # items read: the ads and lifestyle posts drawn today plus the friends' posts read
        # (an expectation), so the ads' share of it stays in [0, 1]
        items = exp.ads_in_feed + exp.lifestyle_seen + exp.ordinary_seen
        d["feed_items_seen"] = items
        d["ad_share_of_feed"] = exp.ads_in_feed / items if items else 0.0
        d["ordinary_seen"] = exp.ordinary_seen
        d["ordinary_crowded_out"] = exp.crowded_out
        return exp

    # 3 ----------------------------------------------------------------------
    def _react_to_ads(self, exp: kernels.Exposure) -> dict[str, Any]:
        p = self.params
        xp = self.xp
        ties = self.ties
        st = self.st_tie
        seen = exp.moments + exp.group + exp.direct
        saw = xp.flatnonzero(seen != 0)  # the ties that carried ads today
        k = seen[saw]
        # annoyance lives on the seller ties only (sim.ties): no gather, no scatter
        ties.seller_ads_seen[saw] += k.astype(xp.uint32)
        a = ties.seller_annoyance
        a *= np.float32(1 - p.users.annoyance_decay)
        a[saw] += k.astype(xp.float32) * np.float32(p.users.annoyance_per_ad)
        ties.touch()
        life = xp.flatnonzero(exp.lifestyle != 0)
        if life.shape[0]:
            e = st[life]
            keep = self._lifestyle_keep(exp.lifestyle[life])
            old = ties.trust[e]
            new = 1 - (1 - old) * keep
            ties.trust[e] = new
            # lifestyle posts are seen on alive ties only
            self._st_trust += float(new.sum(dtype=np.float64) - old.sum(dtype=np.float64))
        # purchase intents on ties that saw ads from an active seller in stock
        t = self.sellers
        slot = self.st_slot
        sellable = to_device(xp, (t.status == ACTIVE) & (t.inventory > 0))
        cand = saw[sellable[slot[saw]]]
        sl = slot[cand]
        viewer = self.st_viewer[cand]
        e = st[cand]
        pp = p.purchase
        need = self.people.need
        category, appeal, price = (to_device(xp, c) for c in (t.category, t.appeal, t.price))
        prob = kernels.purchase_probability(
            xp, trust=ties.trust[e],
            need=need.reshape(-1)[viewer.astype(xp.int64) * need.shape[1] + category[sl]],
            appeal=appeal[sl], price=price[sl], annoyance=ties.seller_annoyance[cand],
            exposures=seen[cand], p_base=pp.p_buy_base, reference_price=pp.reference_price,
            elasticity=pp.price_elasticity, fatigue=pp.fatigue,
            price_factor=((pp.reference_price / price) ** pp.price_elasticity)[sl])
        draws = self._draws["purchases"]
        intent = draws.random(cand.shape[0], np.float64) < prob
        moments = draws.random(cand.shape[0], np.float64) * seen[cand] < exp.moments[cand]
        return {"st": cand[intent], "moments": moments[intent]}

    def _lifestyle_keep(self, k: Any) -> Any:
        """``(1 - trust.gain_lifestyle) ** k`` as float32, from a table of small ``k``."""
        tab = getattr(self, "_keep_table", None)
        kmax = int(k.max())
        if tab is None or kmax >= tab.shape[0]:
            g = self.params.trust.gain_lifestyle
            tab = ((1 - g) ** np.arange(max(64, 2 * kmax + 1), dtype=k.dtype)).astype(np.float32)
            tab = self._keep_table = to_device(self.xp, tab)
        return tab[k]

    # 4 ----------------------------------------------------------------------
    def _relationships(self) -> None:
        p = self.params
        ties = self.ties
        pop = self.people
        st = self.st_tie
        v = self.st_viewer
        flags = self._st_flags  # (read-only here; no flag changes since step 2)
        xp = self.xp
        cols = self.sellers.cols
        r = kernels.react(xp, self.draws, annoyance=ties.seller_annoyance, st_flags=flags,
                          thr=self._st_thr, p_report=p.users.p_report)
        mutes = r.mute
        n_mutes = int(mutes.shape[0])
        if n_mutes:
            e = st[mutes]
            ties.flags[e] |= MUTED
            self._st_flags[mutes] |= MUTED
            slots = self.st_slot[mutes]
            seller_person = to_device(xp, cols["person"])[slots]
            subtract_at(xp, pop.ordinary_load, v[mutes], pop.ordinary_rate[seller_person])
            np.add.at(cols["mutes_received"], to_host(slots), 1)
        self.today["mutes"] = float(n_mutes)
        reports = r.report
        n_reports = int(reports.shape[0])
        if n_reports:
            ties.flags[st[reports]] |= REPORTED
            self._st_flags[reports] |= REPORTED
            self.reports_today = np.bincount(to_host(self.st_slot[reports]),
                                             minlength=self.sellers.size)
        else:
            self.reports_today = np.zeros(self.sellers.size, np.int64)
        self.today["reports"] = float(n_reports)
        blocks = r.block
        ended = 0
        if blocks.shape[0]:
            # (seller ties are sorted by tie id and react() picks alive ones; two resellers
            # blocking each other end one friendship)
            ended = self._remove_ties(st[blocks], alive_sorted=True)
            np.add.at(cols["blocks_received"], to_host(self.st_slot[blocks]), 1)
        self.today["blocks_resellers"] = float(ended)
        self._background_churn()
        self.today["blocks"] = self.today["blocks_resellers"] + self.today["blocks_others"]

    def _remove_ties(self, e: Any, *, alive_sorted: bool = False,
                     no_mutual: bool = False) -> int:
        """Block or unfriend along ties ``e`` (actor -> target): both sides lose the tie.

        ``alive_sorted`` says ``e`` is already sorted, unique and alive, and
        ``no_mutual`` that it holds no tie together with its reverse (callers
        that have checked skip the checks). Returns the number of friendships
        ended.
        """
        if e.shape[0] == 0:
            return 0
        xp = self.xp
        g = self.dgraph
        ties = self.ties
        pop = self.people
        if not alive_sorted:
            e = _unique(xp, e)
            e = e[(ties.flags[e] & REMOVED) == 0]
        r = g.rev[e].astype(xp.int64)
        if not no_mutual:
            mutual = _in_sorted(xp, r, e) & (e > r)  # both blocked each other today: count once
            if mutual.any():
                e, r = e[~mutual], r[~mutual]
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
        # trust sums of the ties that are not seller ties (see _mean_trust_friend_ties)
        for tie, to, bits in ((e, target, REMOVED | BLOCKER), (r, actor, REMOVED)):
            is_st = pop.role[to] == ROLE_RESELLER
            plain = tie[~is_st]
            self._plain_trust -= float(ties.trust[plain].sum(dtype=np.float64))
            self._plain_alive -= int(plain.shape[0])
            if plain.shape[0] < tie.shape[0]:  # ties toward resellers: seller ties
                st_ties = tie[is_st]
                self._st_trust -= float(ties.trust[st_ties].sum(dtype=np.float64))
                self._st_alive -= int(st_ties.shape[0])
                self._st_flags[xp.searchsorted(self.st_tie, st_ties)] |= bits
        ties.flags[e] |= REMOVED | BLOCKER
        ties.flags[r] |= REMOVED
        if not is_host(xp):  # (on NumPy the host's view is the flags themselves)
            self._removed_host[to_host(xp.concatenate([e, r]))] = REMOVED
        n_ended = int(e.shape[0])
        self.alive_ties -= 2 * n_ended
        self._removed_log.extend((e, r))
        self._removed_since_lcc = True
        return n_ended

    def _background_churn(self) -> None:
        """Unfriending for reasons other than ads (LIT U1), at ``users.p_background_unfriend``."""
        p = self.params.users.p_background_unfriend
        self.today["blocks_others"] = 0.0
        if p <= 0:
            return
        xp = self.xp
        g = self.dgraph
        draws = self._draws["reactions"]
        who = xp.flatnonzero(draws.random(self.graph.n, np.float64) < p)
        deg = g.indptr[who + 1] - g.indptr[who]  # (g.degree is a diff over everyone)
        has = deg > 0
        who, deg = who[has], deg[has]
        e = g.indptr[who] + (draws.random(who.shape[0], np.float64) * deg).astype(xp.int64)
        e = _unique(xp, e[(self.ties.flags[e] & REMOVED) == 0])
        r = g.rev[e]
        e = e[~(_in_sorted(xp, r, e) & (e > r))]  # two friends dropping each other
        target = g.indices[e]
        to_seller = self.people.role[target] == ROLE_RESELLER
        self.today["blocks_others"] = float(xp.count_nonzero(~to_seller))
        self.today["blocks_resellers"] += float(xp.count_nonzero(to_seller))
        self._remove_ties(e, alive_sorted=True, no_mutual=True)

    # 5 ----------------------------------------------------------------------
    def _settle_orders(self, intents: dict[str, Any]) -> None:
        p = self.params
        xp = self.xp
        draws = self._draws["purchases"]
        t = self.sellers
        cols = t.cols
        pop = self.people
        ties = self.ties
        d = self.today
        cand = intents["st"]
        if cand.shape[0] == 0:  # no intents: nothing to draw or settle
            d["buyer_trust_mean"] = float("nan")
            return
        fail = draws.random(cand.shape[0], np.float64) < p.purchase.p_payment_fail
        n_fail = int(xp.count_nonzero(fail))
        d["payment_failures"] = float(n_fail)
        moments = intents["moments"]
        if n_fail:
            cand, moments = cand[~fail], moments[~fail]
        e = self.st_tie[cand]
        viewer = self.st_viewer[cand]
        slot = self.st_slot[cand]
        price = to_device(xp, t.price)[slot]
        trust = ties.trust[e].astype(xp.float64)
        units = 1 + draws.poisson(p.purchase.trust_value_slope * trust**2)
        units = xp.minimum(units, xp.floor(pop.budget[viewer] / price).astype(xp.int64))
        # the orders kept, as positions: the arrays are gathered once at the end
        ix = xp.flatnonzero(units > 0)
        ix = ix[kernels.ration(xp, self.draws, viewer[ix], units[ix] * price[ix], pop.budget)]
        ix = ix[kernels.ration(xp, self.draws, slot[ix], units[ix],
                               to_device(xp, t.inventory))]
        if ix.shape[0] < units.shape[0]:
            cand, moments, e, viewer, slot, price, units = (
                x[ix] for x in (cand, moments, e, viewer, slot, price, units))
        value = units * price
        ties.flags[e] |= BOUGHT
        self._st_flags[cand] |= BOUGHT
        value32 = value.astype(xp.float32)
        subtract_at(xp, pop.budget, viewer, value32)
        add_at(xp, pop.spent, viewer, value32)
        add_at(xp, pop.n_purchases, viewer, 1)
        # the seller table is on the host
        h_slot, h_units, h_value = to_host(slot), to_host(units), to_host(value)
        np.subtract.at(cols["inventory"], h_slot, h_units)
        np.add.at(cols["cash"], h_slot, h_value)
        np.add.at(cols["revenue"], h_slot, h_value)
        np.add.at(cols["units_sold"], h_slot, h_units)
        np.add.at(cols["orders"], h_slot, 1)
        genuine = draws.binomial(units, to_device(xp, t.quality)[slot])
        fake = units - genuine
        cheated = fake > 0
        any_fake = bool(cheated.any())
        if any_fake:  # (adding zeros would change nothing)
            np.add.at(cols["counterfeits_sold"], h_slot, to_host(fake))
            add_at(xp, pop.n_counterfeits, viewer, fake.astype(pop.n_counterfeits.dtype))
            add_at(xp, pop.lost_counterfeit, viewer, (fake * price).astype(xp.float32))
        tp = p.trust
        tr = ties.trust[e]
        gained = tr + np.float32(tp.gain_genuine) * (1 - tr)
        new = (xp.where(cheated, tr * np.float32(1 - tp.loss_counterfeit), gained) if any_fake
               else gained)
        ties.trust[e] = new
        # an order placed before a block the same day settles on a removed tie
        alive = (ties.flags[e] & REMOVED) == 0
        self._st_trust += float(new[alive].sum(dtype=np.float64)
                                - tr[alive].sum(dtype=np.float64))
        if any_fake:
            person = to_device(xp, cols["person"])
            self._word_of_mouth(viewer[cheated], person[slot[cheated]])
        d["purchases"] = float(cand.shape[0])
        # resellers' orders per ad seen; push orders (added in _push_channel) are not from ads
        d["conversion"] = d["purchases"] / d["ads_seen"] if d["ads_seen"] else 0.0
        d["units_sold"] = float(h_units.sum())
        d["counterfeits_delivered"] = float(fake.sum()) if any_fake else 0.0
        d["gmv_moments"] = float(value[moments].sum())
        d["gmv_groups"] = float(value[~moments].sum())
        d["gmv_resellers"] = d["gmv_moments"] + d["gmv_groups"]
        # sum / size in the arrays' dtype is what .mean() computes, without its overhead
        d["order_value_mean"] = float(h_value.sum() / h_value.size) if h_value.size else 0.0
        d["buyer_trust_mean"] = float(tr.sum() / tr.shape[0]) if tr.shape[0] else float("nan")

    def _word_of_mouth(self, buyers: Any, sellers: Any) -> None:
        """A cheated buyer warns common friends, who lose trust in the seller (F16)."""
        if buyers.shape[0] == 0:
            return
        xp = self.xp
        g = self.dgraph
        pos, owner = kernels.ragged_positions(g.indptr, buyers, xp)
        alive = (self.ties.flags[pos] & REMOVED) == 0
        pos, owner = pos[alive], owner[alive]
        friend = g.indices[pos]
        target = sellers[owner]
        warned = (self._draws["reactions"].random(pos.shape[0], np.float64)
                  < self.params.trust.p_word_of_mouth)
        friend, target = friend[warned & (friend != target)], target[warned & (friend != target)]
        e = self._seller_ties_of(friend, target)
        e = e[e >= 0]
        e = e[(self.ties.flags[e] & REMOVED) == 0]
        # unbuffered: a friend warned by several cheated buyers loses trust each time
        u = _unique(xp, e)
        old = float(self.ties.trust[u].sum(dtype=np.float64))
        multiply_at(xp, self.ties.trust, e, np.float32(1 - self.params.trust.loss_word_of_mouth))
        self._st_trust += float(self.ties.trust[u].sum(dtype=np.float64)) - old  # seller ties
        self.today["word_of_mouth_warnings"] = float(e.shape[0])

    def _seller_ties_of(self, viewer: Any, person: Any) -> Any:
        """Tie ids of ``viewer[k] -> person[k]`` where ``person[k]`` is a reseller; -1 if none.

        One ``searchsorted`` in the seller ties' (viewer, reseller) keys, cached
        until the seller ties change, instead of a bisection in each CSR row.
        """
        xp = self.xp
        c = getattr(self, "_st_keys", None)
        if c is None or c[0] is not self.st_tie:
            n = np.int64(self.graph.n)
            sellers = to_device(xp, self.sellers.cols["person"])
            key = self.st_viewer.astype(xp.int64) * n + sellers[self.st_slot]
            order = xp.argsort(key, kind="stable")
            c = self._st_keys = (self.st_tie, key[order], self.st_tie[order])
        keys, tie = c[1], c[2]
        if keys.shape[0] == 0 or viewer.shape[0] == 0:
            return xp.full(viewer.shape[0], -1, xp.int64)
        q = viewer.astype(xp.int64) * np.int64(self.graph.n) + person
        pos = xp.minimum(xp.searchsorted(keys, q), keys.shape[0] - 1)
        return xp.where(keys[pos] == q, tie[pos], -1)

    def _push_channel(self) -> None:
        """Public-account pushes: folded (F2), segmented or not (F18), unfollows.

        The follower arrays that do not change during a run (need for the
        catalogue, chance to open Moments, unfollow threshold) are cached per
        merchant until its followers change; binomial open draws are made for
        targeted followers only and purchase draws are checked for openers
        only (a binomial with ``n = 0`` and a purchase with no open consume
        or decide nothing), so the random streams are those of the
        all-follower version.
        """
        p = self.params
        mp = p.merchants
        pop = self.people
        xp = self.xp
        draws = self._draws["merchants"]
        d = self.today
        decay = np.float32(1 - p.users.annoyance_decay)
        for m in self.merchant_list:
            k = m.pushes_today
            m.f_annoyance *= decay
            n_f = int(m.followers.shape[0])
            if k <= 0 or n_f == 0:
                continue
            f = m.followers
            need, one_minus_need, p_open_f, leave_at, segment = self._follower_cache(m)
            target = m.following & segment if mp.segmentation else m.following
            tgt = xp.flatnonzero(target)
            m.pushes_sent += k
            d["pushes_sent"] += float(k * tgt.shape[0])
            share = mp.p_open_push * self.policy.push_open_share(k)
            opens = xp.zeros(0, xp.int64)  # opens of the targeted followers
            if tgt.shape[0]:
                if k == 1:
                    opens = self._push_opens(m, share, p_open_f, tgt, draws)
                else:
                    opens = draws.binomial(k, xp.minimum(xp.maximum(share * p_open_f[tgt], 0), 1))
                m.f_annoyance[tgt] += (np.float32(k * mp.annoyance_per_push)
                                       * one_minus_need[tgt]).astype(xp.float32)
            d["push_opens"] += float(opens.sum())
            leave = m.following & (m.f_annoyance >= leave_at)
            n_leave = int(xp.count_nonzero(leave))
            if n_leave:
                m.following &= ~leave
            m.unfollows += n_leave
            d["unfollows"] += float(n_leave)
            u_buy = draws.random(n_f, np.float64)
            u_pay = draws.random(n_f, np.float64)
            opened = xp.flatnonzero(opens != 0)
            if opened.shape[0] == 0:
                continue
            o = tgt[opened]  # follower slots, in order
            prob = kernels.purchase_probability(
                xp, trust=m.f_trust[o], need=need[o], appeal=1.0, price=m.price,
                annoyance=m.f_annoyance[o], exposures=opens[opened],
                p_base=p.purchase.p_buy_base,
                reference_price=p.purchase.reference_price,
                elasticity=p.purchase.price_elasticity, fatigue=p.purchase.fatigue)
            buy = (u_buy[o] < prob) & (u_pay[o] >= p.purchase.p_payment_fail)
            idx = o[buy & (pop.budget[f[o]] >= m.price)]
            n_orders = int(idx.shape[0])
            if n_orders == 0:
                continue
            who = f[idx]
            units = 1 + draws.poisson(p.purchase.trust_value_slope * m.f_trust[idx] ** 2)
            units = xp.minimum(units, xp.floor(pop.budget[who] / m.price).astype(xp.int64))
            value = units * m.price
            subtract_at(xp, pop.budget, who, value.astype(xp.float32))
            add_at(xp, pop.spent, who, value.astype(xp.float32))
            add_at(xp, pop.n_purchases, who, 1)
            genuine = draws.binomial(units, m.quality)
            cheated = genuine < units
            tr = m.f_trust[idx]
            m.f_trust[idx] = xp.where(cheated, tr * np.float32(1 - p.trust.loss_counterfeit),
                                      tr + np.float32(p.trust.gain_genuine) * (1 - tr))
            n_units = int(units.sum())
            total = float(value.sum())
            m.units_sold += n_units
            m.orders += n_orders
            m.revenue += total
            m.costs += float(n_units * m.unit_cost)
            m.cash += float(total - n_units * m.unit_cost)
            d["purchases"] += float(n_orders)
            d["units_sold"] += float(n_units)
            d["counterfeits_delivered"] += float((units - genuine).sum())
            d["gmv_push"] += total

    def _push_opens(self, m: Merchant, share: float, p_open_f: Any, tgt: Any,
                    draws: Draws) -> Any:
        """Opens of one push by followers ``tgt``: ``rng.binomial(1, p)``, the same numbers.

        ``p`` (and, when every ``p`` is in (0, 0.5], the threshold ``exp(log(1 - p))``
        that :func:`_bernoulli` compares a uniform with) is cached per merchant
        and open share until the followers change.
        """
        xp = self.xp
        c = getattr(m, "_push_consts", None)
        if c is None or c[0] is not m.followers or c[1] != share:
            p_all = xp.minimum(xp.maximum(share * p_open_f, 0), 1)
            simple = (bool(p_all.shape[0]) and float(p_all.min()) > 0
                      and float(p_all.max()) <= 0.5)
            qn = xp.exp(xp.log(1.0 - p_all.astype(xp.float64))) if simple else None
            c = m._push_consts = (m.followers, share, p_all, qn)
        if c[3] is None:
            return _bernoulli(xp, draws, c[2][tgt])
        return (draws.random(tgt.shape[0], np.float64) > c[3][tgt]).astype(xp.int64)

    def _follower_cache(self, m: Merchant) -> tuple[Any, ...]:
        """Per-follower constants of merchant ``m``, rebuilt when its followers change.

        Returns need for the catalogue, ``1 - need``, chance to open Moments,
        the annoyance at which each follower unfollows, and the segment mask
        (need at least ``merchants.segment_need``).
        """
        c = getattr(m, "_follower_consts", None)
        if c is None or c[0] is not m.followers:
            mp = self.params.merchants
            pop = self.people
            f = m.followers
            need = m.need_of(f)
            scale = pop.block_thr[f] / np.float32(self.params.users.block_threshold)
            c = (f, need, (1 - need), pop.p_open[f], mp.unfollow_threshold * scale,
                 need >= mp.segment_need)
            m._follower_consts = c
        return c[1:]

    # 6 ----------------------------------------------------------------------
    def _moderate(self) -> None:
        t = self.sellers
        reports = getattr(self, "reports_today", np.zeros(t.size, np.int64))
        if reports.shape[0] < t.size:
            reports = np.pad(reports, (0, t.size - reports.shape[0]))
        t.cols["reports"][: t.size] += reports
        ban = self.policy.moderate(self, reports) & (t.status == ACTIVE)
        slots = ban.nonzero()[0]
        t.cols["status"][slots] = BANNED
        t.cols["left_day"][slots] = self.day
        self.today["bans"] = float(slots.size)

    # 7 ----------------------------------------------------------------------
    def _settle_money(self) -> None:
        p = self.params
        t = self.sellers
        cols = t.cols
        n = t.size
        active = cols["status"][:n] == ACTIVE
        cost = p.resellers.fixed_cost_per_day * active
        cols["cash"][:n] -= cost
        cols["fixed_costs"][:n] += cost
        # recruits join with starter stock bought from their upstream (F4)
        new_slots = []
        if self._pitch_queue:  # (pitches made outside the sellers' turns)
            queued, self._pitch_queue = self._pitch_queue, []
            self._bulk_pitches(np.asarray(queued, np.int64), self.rngs["sellers"])
        for person, up in sorted(self.pending_recruits.items()):
            if self._role_host[person] != 0 or not up.active:
                continue
            ct = up.model.sellers.cols
            agent = self._add_reseller(
                person, up.strategy, up, int(ct["level"][up.slot]) + 1,
                int(ct["category"][up.slot]), float(ct["price"][up.slot]),
                float(ct["cost"][up.slot]) * (1 + p.resellers.markup_per_level),
                float(ct["base_quality"][up.slot]))
            ct["recruits"][up.slot] += 1
            new_slots.append(agent.slot)
        self.pending_recruits = {}
        self._add_seller_ties(new_slots)
        self.today["recruits"] = float(len(new_slots))
        # loss-makers quit, keeping unsold stock (F19)
        n = t.size
        active = cols["status"][:n] == ACTIVE
        losing = active & (cols["cash"][:n] < 0)
        cols["days_in_loss"][:n] = np.where(losing, cols["days_in_loss"][:n] + 1, 0)
        quit_ = active & (cols["days_in_loss"][:n] >= p.resellers.quit_after_loss_days)
        cols["status"][:n][quit_] = QUIT
        cols["left_day"][:n][quit_] = self.day
        self.today["quits"] = float(quit_.sum())
        pop = self.people
        self.xp.minimum(pop.budget + pop.budget_rate, pop.budget_cap, out=pop.budget)

    def _collect_state(self) -> None:
        d = self.today
        t = self.sellers
        by_status = np.bincount(t.status, minlength=3)  # one pass for the three counts
        d["resellers_active"] = float(by_status[ACTIVE])
        d["resellers_quit"] = float(by_status[QUIT])
        d["resellers_banned"] = float(by_status[BANNED])
        d["share_resellers_losing"] = (np.count_nonzero(t.cash < 0) / t.size if t.size
                                       else 0.0)
        d["unsold_inventory"] = float(t.inventory.sum())
        d["gmv"] = d["gmv_resellers"] + d["gmv_push"]
        # running sums over alive ties (see _remove_ties and each write of trust)
        d["mean_trust_resellers"] = (self._st_trust / self._st_alive if self._st_alive
                                     else float("nan"))
        n_all = self._plain_alive + self._st_alive
        self._trust_friends = ((self._plain_trust + self._st_trust) / n_all if n_all
                               else float("nan"))
        fol = [m.f_trust[m.following] for m in self.merchant_list]
        fol = self.xp.concatenate(fol) if fol else self.xp.zeros(0)
        n_fol = int(fol.shape[0])
        d["mean_trust_merchants"] = float(fol.sum() / n_fol) if n_fol else float("nan")
        d["followers"] = float(n_fol)  # (the followers of each merchant, together)
        last = self.day == self.params.run.days - 1
        if (self.day + 1) % self.params.run.lcc_every_days == 0 or last:
            if getattr(self, "_removed_since_lcc", False):
                self._lcc_share = self._largest_component_share()
                self._removed_since_lcc = False
        d["mean_trust_friends"] = self._trust_friends
        d["largest_component_share"] = self._lcc_share
        d["mean_degree"] = self.alive_ties / self.graph.n

    def _largest_component_share(self) -> float:
        """Exact share of people in the largest component (:mod:`sim.components`).

        One traversal at the start; then a spanning tree of the giant
        component is repaired around the ties removed since the last call.
        It runs on the host, on the host's view of the REMOVED bits (on
        NumPy, the flags themselves).
        """
        g = self.graph
        log, self._removed_log = self._removed_log, []
        removed = (np.concatenate([to_host(x) for x in log]) if log
                   else np.zeros(0, np.int64))
        if self._giant is None:
            self._giant = GiantComponent(g.indptr, g.indices, self._removed_host, REMOVED)
            return self._giant.share
        return self._giant.update(removed)

    def _mean_trust_friend_ties(self) -> float:
        """Mean trust over alive ties: a sum over all ties minus the (few) removed ones."""
        xp = self.xp
        trust = self.ties.trust
        removed = xp.flatnonzero(self.ties.flags & REMOVED)
        n_alive = trust.shape[0] - removed.shape[0]
        if n_alive == 0:
            return float("nan")
        total = float(trust.sum(dtype=np.float64)) - float(trust[removed].sum(dtype=np.float64))
        return total / n_alive

    def _day_st_flags(self) -> Any:
        """Flags of the seller ties (``ties.flags[st_tie]``, kept up to date at each write)."""
        return self._st_flags

    # --------------------------------------------------------------- access
    @property
    def resellers(self) -> AgentSet:
        """All resellers ever (active, quit or banned), as a Mesa AgentSet."""
        return AgentSet(self.reseller_list, random=self.random)

    @property
    def merchants(self) -> AgentSet:
        """The merchants, as a Mesa AgentSet."""
        return AgentSet(self.merchant_list, random=self.random)

    def metrics(self) -> pd.DataFrame:
        """Per-day metrics (Mesa's model-vars DataFrame), indexed by ``day``."""
        df = self.datacollector.get_model_vars_dataframe()
        df.index.name = "day"
        return df

    def friend_graph(self) -> nx.Graph:
        """The friend graph as it is now (removed ties gone), with original labels."""
        return self.graph.to_networkx(keep=to_host((self.ties.flags & REMOVED) == 0))

    def user(self, label: Any) -> UserView:
        """A read-only view of one person, by original label."""
        g = self.graph
        i = g.index_of(label)
        data = self.people.row(i)
        lo, hi = int(g.indptr[i]), int(g.indptr[i + 1])
        fl = to_host(self.ties.flags[lo:hi])
        nb = g.indices[lo:hi]
        data.update(
            id=i, label=label,
            friends=[g.label(int(j)) for j in nb[(fl & REMOVED) == 0]],
            muted=[g.label(int(j)) for j in nb[(fl & MUTED) != 0]],
            blocked=[g.label(int(j)) for j in nb[(fl & BLOCKER) != 0]],
            trust={g.label(int(j)): float(x)
                   for j, x in zip(nb, to_host(self.ties.trust[lo:hi]), strict=True)},
            annoyance={g.label(int(j)): float(x)
                       for j, x in zip(nb, to_host(self.ties.annoyance[lo:hi]), strict=True)
                       if x > 0},
            role="reseller" if data["role"] == ROLE_RESELLER else "person",
        )
        return UserView(data)

    def reseller_of(self, label: Any) -> Reseller | None:
        """The reseller agent of a person, or None."""
        i = self.graph.index_of(label)
        for r in self.reseller_list:
            if r.person == i:
                return r
        return None

    def seller_table(self) -> pd.DataFrame:
        """One row per reseller and merchant: sales, profit, friends lost, reports."""
        t = self.sellers
        rows = pd.DataFrame({
            "seller_id": [f"r{s}" for s in range(t.size)],
            "type": "reseller",
            "person": [self.graph.label(int(p)) for p in t.person],
            "person_id": t.person,
            "strategy": [r.strategy.name for r in self.reseller_list],
            "level": t.level,
            "upstream": [(f"r{r.upstream.slot}" if isinstance(r.upstream, Reseller) else
                          (f"m{r.upstream.index}" if r.upstream is not None else ""))
                         for r in self.reseller_list],
            "status": [STATUS_NAMES[s] for s in t.status],
            "joined_day": t.joined_day, "left_day": t.left_day,
            "quality": t.quality, "price": t.price, "unit_cost": t.cost,
            "ads_posted": t.ads_total, "orders": t.orders, "units_sold": t.units_sold,
            "units_wholesaled": t.units_wholesaled, "revenue": t.revenue,
            "costs": t.purchases_cost + t.fixed_costs, "profit": t.cash,
            "inventory": t.inventory, "counterfeits_sold": t.counterfeits_sold,
            "reports": t.reports, "mutes_received": t.mutes_received,
            "friends_lost": t.blocks_received, "recruits": t.recruits,
        })
        merch = pd.DataFrame({
            "seller_id": [f"m{m.index}" for m in self.merchant_list],
            "type": "merchant",
            "person": "",
            "person_id": -1,
            "strategy": "public_account",
            "level": 0, "upstream": "", "status": "active",
            "joined_day": 0, "left_day": -1,
            "quality": [m.quality for m in self.merchant_list],
            "price": [m.price for m in self.merchant_list],
            "unit_cost": [m.unit_cost for m in self.merchant_list],
            "ads_posted": [m.pushes_sent for m in self.merchant_list],
            "orders": [m.orders for m in self.merchant_list],
            "units_sold": [m.units_sold for m in self.merchant_list],
            "units_wholesaled": [m.units_wholesaled for m in self.merchant_list],
            "revenue": [m.revenue for m in self.merchant_list],
            "costs": [m.costs for m in self.merchant_list],
            "profit": [m.cash for m in self.merchant_list],
            "inventory": 0, "counterfeits_sold": 0, "reports": 0, "mutes_received": 0,
            "friends_lost": [m.unfollows for m in self.merchant_list], "recruits": 0,
        })
        out = pd.concat([rows, merch], ignore_index=True) if len(merch) else rows
        out["person"] = out["person"].astype(str)
        return out

    def people_table(self) -> pd.DataFrame:
        """One row per person: type, role, purchases, spending, losses, friends lost."""
        g = self.graph
        pop = self.people
        # ties lost per person: count the (few) removed ties by row; O(n_ties) only
        # in the flag scan, without a running total over all ties
        removed = to_host(self.xp.flatnonzero(self.ties.flags & REMOVED))
        row = np.searchsorted(g.indptr, removed, side="right") - 1
        lost = np.bincount(row, minlength=g.n).astype(np.int64)
        labels = np.arange(g.n) if g.labels is None else np.asarray([str(x) for x in g.labels])
        return pd.DataFrame({
            "person": labels, "person_id": np.arange(g.n), "kind": to_host(pop.kind),
            "role": to_host(pop.role), "degree_start": g.degree, "friends_lost": lost,
            "purchases": to_host(pop.n_purchases), "spent": to_host(pop.spent),
            "counterfeits": to_host(pop.n_counterfeits),
            "lost_to_counterfeits": to_host(pop.lost_counterfeit),
        })
