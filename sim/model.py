"""The social-commerce model: one step is one day.

A day runs the rules of :mod:`sim.rules` in this order (``docs/ODD.md``,
"Process overview and scheduling"):

1. planning        sellers plan posts, restock (supply chain) and pitch friends
2. feed            feeds fill: friends' posts compete with ads for attention (F9)
3. reactions       annoyance rises, lifestyle posts build trust, purchase intents form
4. relationships   mutes, blocks/unfriends and reports by tolerance type (F8, F12)
5. orders          resellers' orders settle (F15-F17); then merchants' pushes (F2, F18)
6. moderation      the platform bans over its report threshold (F12)
7. money           fixed costs, recruits join with starter stock, loss-makers quit (F19)
8. observation     the day's metrics, recorded by Mesa's DataCollector

Resellers and merchants are Mesa agents that decide; the people and every
tie are arrays in :class:`sim.state.State`, the only writer of them. A
parameter or a seller's strategy changes mid-run in one way:
:meth:`SocialCommerceModel.set_params` (or an :class:`sim.interventions.Intervention`)
and the ``Reseller.strategy`` setter; every rule reads them each day.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.agent import AgentSet

from agents.merchants import Merchant
from agents.resellers import Reseller
from agents.strategies import PostingStrategy, builtin_strategies
from sim import tables
from sim.backend import Draws, get_xp, to_device
from sim.graph import FriendGraph, GraphError, befriend, build_graph
from sim.interventions import check_interventions
from sim.kernels import jit
from sim.metrics import METRICS, new_day, observe
from sim.params import Scenario
from sim.platform import ModerationPolicy, make_policy
from sim.rng import ARRAY_STREAMS, STREAMS, stream
from sim.rules import feed, moderation, money, orders, planning, pushes, reactions, relationships
from sim.rules.recruitment import Requests
from sim.rules.supply import buy_stock
from sim.scenario import (
    EmptyTownWarning,
    ScenarioError,
    check_days,
    check_memory,
    check_seed_labels,
    default_scenario,
    load_scenario,
    missing_labels_message,
    seed_label_index,
    validate,
    warn_empty_town,
    with_overrides,
)
from sim.state import Population, SellerTable, State, TieState
from sim.state.people import UserView

__all__ = ["SocialCommerceModel", "SETUP_ONLY", "MAX_DAYS", "SEED_REPORTER", "setup_only_keys"]

#: Parameters read only while the town is built; changing them mid-run is refused.
SETUP_ONLY: tuple[str, ...] = (
    "run.seed", "run.backend", "graph.", "users.p_open_", "users.attention_mean",
    "users.ordinary_posts_per_day", "users.share_", "users.tolerant_factor",
    "users.mute_threshold", "users.block_threshold", "users.report_threshold",
    "users.threshold_spread",
    "users.n_categories", "users.need_mean", "users.budget_per_day", "users.budget_cap_days",
    "trust.trust_strong", "trust.trust_weak", "resellers.initial_share",
    "resellers.share_", "resellers.counterfeit_share", "resellers.quality_",
    "resellers.seeding", "resellers.seed_labels", "resellers.friends_",
    "resellers.sell_price", "resellers.level1_cost", "merchants.n_merchants",
    "merchants.follower_share", "merchants.catalogue_size", "merchants.price",
    "merchants.unit_cost", "merchants.quality", "merchants.account_type",
    "merchants.trust_start", "groups.n_groups", "groups.mean_size", "groups.max_size",
    "strategies.curated_appeal", "strategies.curated_quality_bonus", "name", "description",
    "experiment", "platform.initial_account_age_max")


def setup_only_keys(keys: Iterable[Any]) -> list[str]:
    """The dotted keys of ``keys`` that :data:`SETUP_ONLY` holds, sorted."""
    return sorted(str(k) for k in keys
                  if any(k == s or (s.endswith((".", "_")) and str(k).startswith(s))
                         for s in SETUP_ONLY))


#: ``seed`` not given: the scenario's ``run.seed``
_SCENARIO_SEED: Any = object()
#: the most days a model runs (``run.days``'s declared upper bound)
MAX_DAYS = 3650


def _reading(key: str, model: SocialCommerceModel) -> float:
    """Model reporter of metric ``key``: today's value."""
    return model.today[key]


#: The model reporter of the run's root seed (``params.run.seed``): ``mesa.batch_run``'s rows
#: carry it in their ``seed`` column (which otherwise holds what ``rng`` passed: None when
#: the seed was drawn), so every replicate can be repeated. :meth:`metrics` leaves it out.
SEED_REPORTER = "seed"


def _check_not_ignored(params: Scenario, overrides: Mapping[str, Any], graph: Any,
                       seed_resellers: Any) -> None:
    """Refuse settings the model would ignore, so that ``params`` records what ran.

    Raises
    ------
    ScenarioError
        A graph is given and ``overrides`` size the town otherwise
        (``graph.n_people``) or name an edge list; or ``seed_resellers`` is
        given and the scenario seeds by degree or list.
    """
    if graph is not None:
        n = graph.number_of_nodes() if isinstance(graph, nx.Graph) else getattr(graph, "n", None)
        if n is not None and "graph.n_people" in overrides and overrides["graph.n_people"] != n:
            raise ScenarioError(
                f"graph.n_people = {overrides['graph.n_people']!r}: the graph given has {n} "
                "people, and a given graph is used as it is: drop graph.n_people")
        if overrides.get("graph.edgelist_path"):
            raise ScenarioError(
                f"graph.edgelist_path = {overrides['graph.edgelist_path']!r} and a graph were "
                "both given: give one")
    if seed_resellers is not None and params.resellers.seeding != "random":
        raise ScenarioError(
            f"seed_resellers and resellers.seeding = {params.resellers.seeding!r} both choose "
            "the initial resellers: give one (seed_resellers replaces random seeding)")


def _root_seed_of(name: str, value: Any) -> Any:
    """The root seed that ``seed`` or ``rng`` (``name``) stands for, checked.

    An int in [0, 2**63) is the seed; None draws a fresh one from the operating
    system (Mesa's meaning; recorded, so the run repeats); a NumPy Generator
    gives the seed it draws (so the same generator state gives the same run);
    not given (``_SCENARIO_SEED``): the scenario's ``run.seed``.

    Raises
    ------
    ScenarioError
        Anything else, named: floats (a seed read back from a DataFrame row as
        a float has lost its digits above 2**53), bools, strings, negatives.
    """
    if value is _SCENARIO_SEED:
        return value
    if value is None:
        return int(np.random.SeedSequence().entropy % 2**63)
    if isinstance(value, np.random.Generator):
        return int(value.integers(2**63))
    if isinstance(value, bool) or not isinstance(value, int | np.integer) \
            or not 0 <= int(value) < 2**63:
        hint = (" (a seed read from a DataFrame row may have become a float and lost "
                "digits: take it from the int column, e.g. df['seed'])"
                if isinstance(value, float | np.floating) else "")
        raise ScenarioError(f"{name} = {value!r}: expected an int in [0, 2**63), None (a "
                            f"fresh seed) or a numpy Generator{hint}")
    return int(value)


def _root_seed(model: SocialCommerceModel) -> int:
    """Model reporter :data:`SEED_REPORTER`: the root seed (the same every day)."""
    return model.seed


class SocialCommerceModel(mesa.Model):
    """Social commerce on a friend graph.

    Parameters
    ----------
    params : Scenario, mapping or path, optional
        The scenario (default: the embedded default scenario, which is the
        declared defaults with a name and description).
    graph : networkx.Graph or FriendGraph, optional
        A friend graph to use instead of the scenario's generator.
    seed : int or None, optional
        Root seed; overrides ``run.seed``. Not given: ``run.seed``. ``None``:
        a fresh seed from the operating system (as in Mesa), recorded in
        ``params.run.seed`` and in the ``seed`` model reporter (the
        ``seed`` column of ``mesa.batch_run``'s rows) so the run can be
        repeated.
    rng : int, None or numpy.random.Generator, optional
        Mesa's name for ``seed`` (give one or the other). A Generator (for
        ``seed`` too) gives the root seed it draws, recorded as above.
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
    interventions : iterable of Intervention, optional
        Changes applied at the start of given days (:mod:`sim.interventions`).
    agent_reporters : mapping, optional
        Mesa ``DataCollector`` agent reporters (attribute names or functions of
        an agent), collected each day for every reseller and merchant.
    seed_resellers : iterable of labels, or callable, optional
        Who starts as a reseller, instead of ``resellers.seeding``: node
        labels, or a function of the friend graph (a networkx graph with the
        original labels) returning labels, e.g.
        ``lambda g: sorted(g, key=g.degree, reverse=True)[:20]``. Their
        strategies and counterfeit flags are drawn as for random seeding.
    **params
        Dotted-key parameters, as ``mesa.batch_run`` passes them
        (``SocialCommerceModel(**{"graph.n_people": 500})``); merged into
        ``overrides``.

    Raises
    ------
    ScenarioError
        A parameter is invalid (named, with what is allowed), both ``seed``
        and ``rng`` are given, the seed is not an int, None or a Generator,
        the initial resellers are named by labels the friend graph does not
        hold (each such label named), or a setting would be ignored: a
        ``graph.n_people`` other than the given graph's, or
        ``seed_resellers`` with a scenario that seeds by degree or list.
    GraphError
        ``graph.require_connected`` is set and the graph is not connected.

    Examples
    --------
    >>> m = SocialCommerceModel(overrides={"graph.n_people": 300, "graph.mean_degree": 10,
    ...                                    "run.days": 5})
    >>> _ = m.run()
    >>> m.metrics()["ads_posted"].shape
    (5,)
    """

    def __init__(self, params: Scenario | Mapping[str, Any] | str | Path | None = None, *,
                 graph: nx.Graph | FriendGraph | None = None,
                 seed: int | np.random.Generator | None = _SCENARIO_SEED,
                 rng: int | np.random.Generator | None = _SCENARIO_SEED,
                 policy: ModerationPolicy | None = None,
                 strategies: Mapping[str, PostingStrategy] | None = None,
                 strategy_shares: Mapping[str, float] | None = None,
                 overrides: Mapping[str, Any] | None = None,
                 interventions: Iterable[Any] = (),
                 agent_reporters: Mapping[str, Any] | None = None,
                 seed_resellers: Iterable[Any] | Callable[[nx.Graph], Iterable[Any]]
                 | None = None,
                 **params_kw: Any) -> None:
        if params is None:
            params = default_scenario()
        elif isinstance(params, str | Path):
            params = load_scenario(params)
        else:
            params = validate(params)
        if overrides is not None and not isinstance(overrides, Mapping):
            raise ScenarioError(f"overrides = {overrides!r}: expected a mapping of dotted keys "
                                "to values, e.g. {'graph.n_people': 2000}")
        overrides = {**(overrides or {}), **params_kw}
        if overrides:
            params = with_overrides(params, overrides)
        if seed is not _SCENARIO_SEED and rng is not _SCENARIO_SEED:
            raise ScenarioError(f"seed = {seed!r} and rng = {rng!r}: give one of them")
        seed = _root_seed_of("rng" if seed is _SCENARIO_SEED else "seed",
                             rng if seed is _SCENARIO_SEED else seed)
        if seed is not _SCENARIO_SEED:
            params = with_overrides(params, {"run.seed": int(seed)})
        _check_not_ignored(params, overrides, graph, seed_resellers)
        check_memory(params, graph=graph)  # before anything is allocated
        check_seed_labels(params, graph)
        names = [s.name for s in builtin_strategies(params.strategies).values()]
        names += [getattr(s, "name", k) for k, s in dict(strategies or {}).items()]
        checked = check_interventions(interventions, params, names, max_days=MAX_DAYS)
        self.params: Scenario = params
        self.seed = params.run.seed
        super().__init__(rng=int(stream(self.seed, "mesa").integers(2**31)))
        self.rngs = {name: stream(self.seed, name) for name in STREAMS}
        xp = get_xp(params.run.backend)
        # draws on the device from the streams the daily arrays use (on NumPy: the streams)
        self.draws = {name: Draws(xp, self.rngs[name]) for name in ARRAY_STREAMS}
        if jit.enabled(xp):
            jit.warm()  # the compiled loops' first-call cost falls in the set-up, not on day 0
        self.day = 0
        self.today: dict[str, float] = new_day()
        #: the interventions, in the order they apply (checked: :mod:`sim.interventions`)
        self.interventions = checked
        #: derived look-ups rules may rebuild at any time (keyed on what they derive from)
        self.caches: dict[Any, Any] = {}

        # the town: friend graph, ties, people
        #: the networkx graph the model was given (its attributes are kept), or None
        self.source_graph: nx.Graph | None = graph if isinstance(graph, nx.Graph) else None
        if graph is None:
            graph = build_graph(params.graph, self.rngs["graph"])
            check_seed_labels(params, graph)  # (an edge list's labels are known now)
        elif not isinstance(graph, FriendGraph):
            graph = FriendGraph.from_networkx(graph)
        self.graph = graph
        #: the people who start as resellers (internal ids), in the order they are created
        self.initial_resellers = self._choose_initial_resellers(seed_resellers)
        added = None
        if graph.generated:  # (not a graph read from data: a networkx graph, an edge list)
            graph, added = self._add_reseller_friends(self.initial_resellers)
            self.graph = graph
        strong = self._draw_strong_ties(params.graph.strong_tie_share)
        if added is not None:
            strong[added] = False  # a marketing account's added friends are weak ties
        ties = TieState.initial(xp, strong, params.trust.trust_strong, params.trust.trust_weak)
        people = Population.create(graph.n, params.users, graph.indptr, graph.indices,
                                   self.rngs["population"], xp)
        self.state = State(xp, graph, people, ties, escalation=params.users.escalation_factor,
                           report_window_days=params.platform.report_window_days,
                           prior_weight=params.trust.prior_weight)
        self.policy = policy or make_policy(params.platform)

        # sellers
        self.strategies: dict[str, PostingStrategy] = dict(builtin_strategies(params.strategies))
        if strategies:
            self.strategies.update(strategies)
        r = params.resellers
        self.strategy_shares = dict(strategy_shares or {
            "flooder": r.share_flooder, "mixer": r.share_mixer, "curated": r.share_curated})
        self._check_shares()
        self.sellers = SellerTable()
        #: every strategy a reseller has had; the seller table's ``strategy_code`` indexes it
        self.strategy_registry: list[PostingStrategy] = []
        self.reseller_list: list[Reseller] = []
        self.pending_recruits: dict[int, Reseller] = {}
        self.requests = Requests()
        self.reports_today = np.zeros(0, np.int64)
        #: complaints about counterfeits per seller slot today (step 5; read in step 6)
        self.complaints_today = np.zeros(0, np.int64)
        self.external_supply = 0
        self.units_bought_at_dawn = 0
        self._create_merchants()
        self._create_initial_resellers()
        self._create_groups()
        lcc = self.state.largest_component_share()
        if params.graph.require_connected and lcc < 1.0:
            raise GraphError(
                f"graph.require_connected = true but the friend graph is disconnected: the "
                f"largest component holds {lcc:.1%} of {graph.n} people")
        self.datacollector = mesa.DataCollector(
            model_reporters={**{k: partial(_reading, k) for k in METRICS},
                             SEED_REPORTER: _root_seed},
            agent_reporters=dict(agent_reporters or {}))
        self.running = params.run.days > 0

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
        """Strong ties (symmetric), each with probability ``graph.strong_tie_share`` (F5)."""
        g = self.graph
        u = self.rngs["graph"].random(g.n_ties, dtype=np.float32) < share
        lower = g.src() > g.indices
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

    def _choose_initial_resellers(self, chooser: Any) -> np.ndarray:
        """Who starts as a reseller (ODD "Initialization"): internal ids, int64.

        ``chooser`` (labels or a function of the networkx graph) or else
        ``resellers.seeding``: ``random`` draws ``round(initial_share x n)``
        people from the ``sellers`` stream (its first draw), ``degree`` takes
        that many people of most friends (ties broken by the lower id),
        ``list`` the people of ``resellers.seed_labels``.
        """
        p = self.params
        r = p.resellers
        g = self.graph
        n = g.n
        if chooser is None and r.seeding == "list":
            chooser, what = list(r.seed_labels), "resellers.seed_labels"
        else:
            what = "seed_resellers"
        if chooser is None:
            k = int(round(r.initial_share * n))
            warn_empty_town(p, n, stacklevel=3)
            if r.seeding == "degree":
                return np.argsort(-g.degree, kind="stable")[:k].astype(np.int64)
            rng = self.rngs["sellers"]
            return rng.choice(n, size=k, replace=False) if k else np.zeros(0, np.int64)
        if callable(chooser):
            net = self.source_graph if self.source_graph is not None else g.to_networkx()
            labels = chooser(net)
            name = getattr(chooser, "__name__", repr(chooser))
            what = f"the labels returned by seed_resellers = {name}"
        else:
            labels = chooser
        if isinstance(labels, str | bytes) or not isinstance(labels, Iterable):
            raise ScenarioError(f"{what} = {labels!r}: expected node labels (a list)")
        labels = list(labels)
        ids, missing = seed_label_index(labels, n, None if g.labels is None else g.index_of)
        if missing:
            raise ScenarioError(missing_labels_message(what, missing, "the friend graph"))
        if len(set(ids)) < len(ids):
            seen: set[int] = set()
            twice = sorted({str(lab) for lab, i in zip(labels, ids, strict=True)
                            if i in seen or seen.add(i)})
            raise ScenarioError(f"{what} names {twice} more than once")
        if not ids:  # as warn_empty_town does for a share that rounds to 0
            m = p.merchants.n_merchants
            warnings.warn(
                f"{what} = [] names nobody: the town starts with 0 resellers, so nobody posts "
                "ads and ads, orders and GMV from resellers will be 0 every day"
                + (f" (only the {m} merchant(s) will push)" if m else "")
                + "; name at least one person, or leave seed_resellers out to place them by "
                "resellers.seeding", EmptyTownWarning, stacklevel=3)
        return np.asarray(ids, np.int64)

    def _add_reseller_friends(self, people: np.ndarray) -> tuple[FriendGraph, np.ndarray | None]:
        """Initial resellers befriend random people up to their own friend counts.

        Each draws a count from a lognormal of median ``resellers.friends_median``
        and log-sd ``resellers.friends_sigma``, capped at ``resellers.friends_cap``
        (WeChat's 5,000; LIT 4.1) and at n - 1, from the ``reseller_friends``
        stream; see :func:`sim.graph.befriend`. Generated graphs only (built by the
        model or by :func:`sim.graph.build_graph`): a graph read from data (a
        networkx graph, an edge-list file) is used as it is.
        """
        r = self.params.resellers
        g = self.graph
        if r.friends_median <= 0 or people.size == 0:
            return g, None
        rng = self.rngs["reseller_friends"]
        drawn = rng.lognormal(np.log(r.friends_median), r.friends_sigma, people.size)
        target = np.minimum(np.round(drawn), min(r.friends_cap, g.n - 1)).astype(np.int64)
        return befriend(g, people, target, rng)

    def _create_initial_resellers(self) -> None:
        p = self.params
        r = p.resellers
        rng = self.rngs["sellers"]
        people = self.initial_resellers
        k = people.size
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
            self.add_reseller(person, self.strategies[names[kind]], up, 1, cat,
                              r.sell_price, r.level1_cost, q)
        self.index_sellers([s.slot for s in self.reseller_list])
        # the initial accounts' ages (F12, 养号); recruits' accounts start new
        self.sellers.cols["account_age_start"][:k] = self.rngs["accounts"].integers(
            0, p.platform.initial_account_age_max + 1, k)

    def _create_groups(self) -> None:
        """Group owners and members (F1): members' ties to the owner become group ties."""
        gp = self.params.groups
        if gp.n_groups == 0 or not self.reseller_list:
            return
        rng = self.rngs["groups"]
        owners = rng.choice(len(self.reseller_list),
                            size=min(gp.n_groups, len(self.reseller_list)), replace=False)
        g = self.graph
        for o in owners.tolist():
            agent = self.reseller_list[o]
            self.sellers.cols["owns_group"][agent.slot] = 1
            lo, hi = int(g.indptr[agent.person]), int(g.indptr[agent.person + 1])
            size = min(hi - lo, gp.mean_size, gp.max_size - 1)
            if size <= 0:
                continue
            members = lo + rng.choice(hi - lo, size=size, replace=False)
            self.state.join_groups(to_device(self.state.xp, g.rev[members]))

    def add_reseller(self, person: int, strategy: PostingStrategy, upstream: Any, level: int,
                     category: int, price: float, cost: float, quality: float) -> Reseller:
        """A new reseller agent with its starter stock; call :meth:`index_sellers` after."""
        agent = Reseller(self, person, strategy, upstream, level, category, price, cost, quality)
        self.reseller_list.append(agent)
        self.state.make_reseller(person)
        buy_stock(self, agent, self.params.resellers.starter_stock)
        return agent

    def index_sellers(self, slots: list[int]) -> None:
        """Index the ties toward the resellers of ``slots`` (they start carrying ads)."""
        if slots:
            slots_ = np.asarray(slots)
            self.state.add_seller_ties(self.sellers.cols["person"][slots_], slots_)

    def register_strategy(self, strategy: PostingStrategy) -> int:
        """The code of ``strategy`` in :attr:`strategy_registry` (added if new)."""
        for i, s in enumerate(self.strategy_registry):
            if s is strategy:
                return i
        self.strategy_registry.append(strategy)
        return len(self.strategy_registry) - 1

    # --------------------------------------------------------------- the day
    def step(self) -> None:
        """Advance the model by one day (the schedule in the module docstring)."""
        for iv in self.interventions:
            if iv.day == self.day:
                iv.apply(self)
        self.today = new_day()
        self.units_bought_at_dawn = int(self.sellers.units_bought.sum())
        planning.plan(self)                        # 1
        exposure = feed.fill(self)                 # 2
        intents = reactions.react(self, exposure)  # 3
        relationships.relate(self)                 # 4
        orders.settle_ads(self, intents)           # 5
        pushes.push(self)
        moderation.moderate(self)                  # 6
        money.settle_money(self)                   # 7
        observe(self)                              # 8
        self.datacollector.collect(self)
        if self.params.run.check:
            self.state.check()
        self.day += 1
        if self.day >= self.params.run.days:  # Mesa's run_model() and batch_run stop here
            self.running = False

    def run(self, days: int | None = None, progress: bool = False) -> SocialCommerceModel:
        """Run ``days`` more days (default ``run.days``), with an optional progress bar.

        Raises
        ------
        ScenarioError
            ``days`` is not a whole number in 0..3650 (0 runs no day), or the
            model would pass day 3,650 in all (the declared limit of
            ``run.days``, which is 1..3650).
        """
        days = check_days(days, self.params)
        if self.day + days > MAX_DAYS:
            raise ScenarioError(f"days = {days}: a model runs at most {MAX_DAYS} days in all; "
                                f"it is on day {self.day}, so it runs at most "
                                f"{MAX_DAYS - self.day} more")
        from tqdm.auto import tqdm

        for _ in tqdm(range(days), desc="days", unit="day", disable=not progress,
                      mininterval=0.5):
            self.step()
        return self

    # --------------------------------------------------------------- changes
    def set_params(self, overrides: Mapping[str, Any]) -> Scenario:
        """Change parameters from today on; every rule reads the new values.

        Parameters
        ----------
        overrides : mapping
            Dotted keys and values, e.g. ``{"trust.gain_lifestyle": 0.0}``.

        Returns
        -------
        Scenario
            The new scenario (also :attr:`params`).

        Raises
        ------
        ScenarioError
            A value is invalid, or a key is read only while the town is built
            (:data:`SETUP_ONLY`: the graph, the people's drawn traits, the
            initial sellers and merchants).
        """
        fixed = setup_only_keys(overrides)
        if fixed:
            raise ScenarioError(
                f"{', '.join(fixed)}: read only while the town is built, so it cannot change "
                "mid-run; build a new model with it instead")
        new = with_overrides(self.params, overrides)
        old, self.params = self.params, new
        if new.strategies != old.strategies:
            for name, fresh in builtin_strategies(new.strategies).items():
                s = self.strategies.get(name)
                if type(s) is type(fresh):
                    s.ads_per_day = fresh.ads_per_day
                    s.lifestyle_per_day = fresh.lifestyle_per_day
        if new.users.escalation_factor != old.users.escalation_factor:
            self.state.set_escalation(new.users.escalation_factor)
        if new.trust.prior_weight != old.trust.prior_weight:
            self.state.set_prior_weight(new.trust.prior_weight)
        if new.platform.policy != old.platform.policy:  # another built-in policy
            self.policy = make_policy(new.platform)
        elif new.platform != old.platform:
            self.policy.params = new.platform
        return new

    # --------------------------------------------------------------- access
    @property
    def ties(self) -> TieState:
        """The tie arrays (read them; :attr:`state` writes them)."""
        return self.state.ties

    @property
    def people(self) -> Population:
        """The person arrays (read them; :attr:`state` writes them)."""
        return self.state.people

    @property
    def xp(self) -> Any:
        """The array namespace of the people and ties."""
        return self.state.xp

    @property
    def resellers(self) -> AgentSet:
        """All resellers ever (active, quit or banned), as a Mesa AgentSet."""
        return AgentSet(self.reseller_list, random=self.random)

    @property
    def merchants(self) -> AgentSet:
        """The merchants, as a Mesa AgentSet."""
        return AgentSet(self.merchant_list, random=self.random)

    def metrics(self) -> pd.DataFrame:
        """Per-day metrics (Mesa's model-vars DataFrame, less the seed), indexed by ``day``."""
        df = self.datacollector.get_model_vars_dataframe().drop(columns=[SEED_REPORTER])
        df.index.name = "day"
        return df

    def friend_graph(self) -> nx.Graph:
        """The friend graph as it is now (removed ties gone), with original labels."""
        return tables.friend_graph(self)

    def user(self, label: Any) -> UserView:
        """A read-only view of one person, by original label."""
        return tables.user(self, label)

    def reseller_of(self, label: Any) -> Reseller | None:
        """The reseller agent of a person, or None."""
        i = self.graph.index_of(label)
        for r in self.reseller_list:
            if r.person == i:
                return r
        return None

    def seller_table(self) -> pd.DataFrame:
        """One row per reseller and merchant: sales, profit, friends lost, reports."""
        return tables.seller_table(self)

    def people_table(self) -> pd.DataFrame:
        """One row per person: type, role, purchases, spending, losses, friends lost."""
        return tables.people_table(self)

