"""The state layer: the only writer of person and tie arrays, and right by construction.

- a static scan: no module outside ``sim/state/`` writes a person or tie array;
- a stateful property test (Hypothesis): random sequences of the state's named
  operations on small random graphs, with :meth:`State.check` after each;
- :meth:`State.check` catches each kind of corruption it is meant to catch;
- every rule module declares what it reads, writes and draws, and its code
  uses no parameter section or random stream it does not declare.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from sim.graph import FriendGraph
from sim.params import Scenario
from sim.rules import MODULES
from sim.state import REMOVED, Population, State, StateError, TieState

ROOT = Path(__file__).resolve().parents[1]

#: the person and tie arrays (sim.state.people.Population, sim.state.ties.TieState)
ARRAYS = set(Population.__dataclass_fields__) | {
    "trust", "flags", "strong", "seller_tie", "seller_annoyance", "seller_ads_seen",
    "seller_prior", "seller_good", "seller_bad"}
#: in-place helpers whose first array argument is written
WRITERS = {"add_at", "subtract_at", "multiply_at", "at", "put", "fill", "copyto"}


def _names(node: ast.AST) -> set[str]:
    """Attribute names along an expression (``a.b[c].d`` -> {b, d})."""
    out = set()
    while isinstance(node, ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Attribute):
            out.add(node.attr)
        node = node.value
    return out


def _array_writes(path: Path) -> list[str]:
    """Lines of ``path`` that write a person or tie array in place."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits = []
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Subscript)]
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name in WRITERS:
                targets = [a for a in node.args[:2] if isinstance(a, ast.Attribute)]
            targets += [k.value for k in node.keywords if k.arg == "out"]
        for t in targets:
            if _names(t) & ARRAYS and not _names(t) & {"f_trust", "f_annoyance", "following"}:
                hits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return hits


def test_only_the_state_layer_writes_person_and_tie_arrays() -> None:
    files = [p for d in ("sim", "agents", "experiments") for p in (ROOT / d).rglob("*.py")
             if "state" not in p.relative_to(ROOT).parts]
    hits = [h for p in files for h in _array_writes(p)]
    assert not hits, "person or tie arrays written outside sim/state/:\n" + "\n".join(hits)


def test_the_scan_finds_a_write(tmp_path: Path) -> None:
    """The scan itself can fail: each kind of write is found."""
    bad = ROOT / "sim" / "_scan_probe.py"
    bad.write_text("def f(model, e, xp):\n"
                   "    model.state.ties.flags[e] |= 1\n"
                   "    pop = model.state.people\n"
                   "    pop.budget[e] = 0\n"
                   "    add_at(xp, pop.spent, e, 1)\n"
                   "    xp.minimum(pop.budget, 1, out=pop.budget)\n", encoding="utf-8")
    try:
        assert len(_array_writes(bad)) == 4
    finally:
        bad.unlink()


# ----------------------------------------------------------------------------- stateful
def _small_state(seed: int, n: int, p: float) -> State:
    g = nx.gnp_random_graph(n, p, seed=seed)
    g.add_edges_from((i, (i + 1) % n) for i in range(n))  # no isolated people, no empty graph
    fg = FriendGraph.from_networkx(g)
    rng = np.random.default_rng(seed)
    s = Scenario()
    people = Population.create(fg.n, s.users, fg.indptr, fg.indices, rng, np)
    strong = rng.random(fg.n_ties) < 0.3
    strong = strong | strong[fg.rev]
    ties = TieState.initial(np, strong, 0.7, 0.4)
    return State(np, fg, people, ties, escalation=2.0, report_window_days=3)


class StateMachine(RuleBasedStateMachine):
    """Random sequences of the state's operations; :meth:`State.check` must hold after each."""

    @initialize(seed=st.integers(0, 10_000), n=st.integers(3, 25),
                p=st.floats(0.1, 0.8))
    def build(self, seed: int, n: int, p: float) -> None:
        self.state = _small_state(seed, n, p)
        self.rng = np.random.default_rng(seed)
        self.slots = 0

    def _st_positions(self, data: st.DataObject, alive: bool = True) -> np.ndarray:
        m = self.state.st.size
        pos = np.unique(np.asarray(data.draw(st.lists(st.integers(0, m - 1), max_size=6)),
                                   np.int64))
        if alive:
            pos = pos[(self.state.st.flags[pos] & REMOVED) == 0]
        return pos

    @rule(k=st.integers(1, 3))
    def add_resellers(self, k: int) -> None:
        s = self.state
        plain = np.flatnonzero(s.role_host == 0)
        if plain.size == 0:
            return
        persons = self.rng.choice(plain, size=min(k, plain.size), replace=False)
        for p in persons:
            s.make_reseller(int(p))
        slots = np.arange(self.slots, self.slots + persons.size)
        self.slots += persons.size
        s.add_seller_ties(persons, slots)

    @precondition(lambda self: self.state.st.size > 0)
    @rule(data=st.data())
    def mute(self, data: st.DataObject) -> None:
        pos = self._st_positions(data)
        from sim.state import MUTED

        self.state.mute(pos[(self.state.st.flags[pos] & MUTED) == 0])

    @precondition(lambda self: self.state.st.size > 0)
    @rule(data=st.data())
    def report_and_buy(self, data: st.DataObject) -> None:
        pos = self._st_positions(data)
        self.state.report(pos)
        self.state.mark_bought(pos)

    @precondition(lambda self: self.state.st.size > 0)
    @rule(data=st.data(), good=st.floats(0, 5, width=32), bad=st.floats(0, 5, width=32))
    def add_evidence(self, data: st.DataObject, good: float, bad: float) -> None:
        pos = self._st_positions(data, alive=False)
        pos = np.concatenate([pos, pos[:1]])  # repeats add up
        k = pos.shape[0]
        self.state.add_evidence(pos, np.full(k, good, np.float32), np.full(k, bad, np.float32))

    @precondition(lambda self: self.state.st.size > 0)
    @rule(factor=st.floats(0, 1))
    def forget(self, factor: float) -> None:
        self.state.forget(factor)

    @precondition(lambda self: self.state.st.size > 0)
    @rule(data=st.data(), factor=st.floats(0, 1), amount=st.floats(0, 5, width=32))
    def learn_day(self, data: st.DataObject, factor: float, amount: float) -> None:
        bad = self._st_positions(data, alive=False)
        good = self._st_positions(data, alive=False)
        self.state.learn_day(factor, bad, np.full(bad.shape[0], amount, np.float32), good,
                             np.full(good.shape[0], amount / 2, np.float32))

    @precondition(lambda self: self.state.st.size > 0)
    @rule(data=st.data(), k=st.integers(0, 5))
    def see_ads(self, data: st.DataObject, k: int) -> None:
        pos = self._st_positions(data)
        self.state.see_ads(pos, np.full(pos.shape[0], k), decay=0.15, per_ad=1.0)

    @precondition(lambda self: self.state.graph.n_ties > 0)
    @rule(data=st.data(), sorted_=st.booleans())
    def remove_ties(self, data: st.DataObject, sorted_: bool) -> None:
        n = self.state.graph.n_ties
        e = np.asarray(data.draw(st.lists(st.integers(0, n - 1), max_size=6)), np.int64)
        if sorted_:
            e = np.unique(e)
            e = e[(self.state.ties.flags[e] & REMOVED) == 0]
            r = self.state.graph.rev[e]
            e = e[~(np.isin(r, e) & (e > r))]
            self.state.remove_ties(e, alive_sorted=True, no_mutual=True)
        else:
            self.state.remove_ties(e)

    @rule(data=st.data())
    def pay_and_accrue(self, data: st.DataObject) -> None:
        n = self.state.graph.n
        who = np.asarray(data.draw(st.lists(st.integers(0, n - 1), max_size=4)), np.int64)
        self.state.pay(who, np.ones(who.shape[0], np.float32))
        self.state.record_counterfeits(who, np.ones(who.shape[0], np.int64),
                                       np.ones(who.shape[0]))
        self.state.accrue_budgets()

    @rule(counts=st.lists(st.integers(0, 3), max_size=8))
    def reports_window(self, counts: list[int]) -> None:
        self.state.reports.add_day(np.asarray(counts, np.int64))

    @rule()
    def component(self) -> None:
        share = self.state.largest_component_share()
        g = self.state.graph
        keep = (self.state.ties.flags & REMOVED) == 0
        h = g.to_networkx(keep=keep)
        assert share == pytest.approx(max(len(c) for c in nx.connected_components(h)) / g.n)

    @invariant()
    def consistent(self) -> None:
        self.state.check()


TestStateMachine = StateMachine.TestCase
TestStateMachine.settings = settings(max_examples=60, stateful_step_count=25, deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])


# ----------------------------------------------------------------------------- check()
@pytest.fixture
def state() -> State:
    s = _small_state(3, 20, 0.4)
    for p in (0, 5):
        s.make_reseller(p)
    s.add_seller_ties(np.array([0, 5]), np.array([0, 1]))
    s.check()
    return s


@pytest.mark.parametrize("corrupt, needle", [
    (lambda s: s.ties.flags.__setitem__(s.st.tie[0], 1), "flag mirror"),
    (lambda s: s.ties.trust.__setitem__(s.st.tie[0], 0.01), "st_trust"),
    (lambda s: s.ties.trust.__setitem__(np.flatnonzero(s.people.role[s.graph.indices] == 0)[0],
                                        0.01), "plain_trust"),
    (lambda s: setattr(s, "alive_ties", s.alive_ties - 2), "alive_ties"),
    (lambda s: s.ties.flags.__setitem__(0, REMOVED), "REMOVED is not symmetric"),
    (lambda s: s.people.role.__setitem__(7, 1), "seller-tie index"),
    (lambda s: s.people.ordinary_load.__setitem__(3, 1e6), "ordinary_load"),
    (lambda s: s.st.thr.block_at.__setitem__(0, -1.0), "thresholds block_at"),
    (lambda s: s.ties.trust.__setitem__(0, 2.0), "trust outside"),
], ids=["mirror", "st-sum", "plain-sum", "alive", "symmetry", "index", "load", "thr", "range"])
def test_check_names_each_corruption(state: State, corrupt, needle: str) -> None:
    corrupt(state)
    with pytest.raises(StateError, match=re.escape(needle)):
        state.check()


# ----------------------------------------------------------------------------- declarations
@pytest.mark.parametrize("name", MODULES)
def test_rule_declares_its_params_and_streams(name: str) -> None:
    mod = importlib.import_module(f"sim.rules.{name}")
    for attr in ("PARAMS", "READS", "WRITES", "STREAMS"):
        assert isinstance(getattr(mod, attr, None), tuple), f"{name} lacks {attr}"
    assert mod.__doc__ and len(mod.__doc__) > 200, f"{name} has no paragraph of the ODD"
    src = Path(mod.__file__).read_text(encoding="utf-8")
    sections = set(re.findall(r"params\.(\w+)", src)) & set(Scenario.model_fields)
    assert sections <= set(mod.PARAMS) | {"run"}, (name, sections - set(mod.PARAMS))
    streams = set(re.findall(r"(?:rngs|draws)\[\"(\w+)\"\]", src))
    assert streams <= set(mod.STREAMS), (name, streams - set(mod.STREAMS))
    lines = len(src.splitlines())
    assert 40 <= lines <= 200, f"{name}: {lines} lines"
