"""The tables a run reports, read from the model's state: sellers, people, one person, the graph.

Each count a table shares with the daily metrics is the same number
(``tests/test_invariants.py`` checks): e.g. a seller's ``friends_lost`` sums
the day's ``blocks_resellers`` toward it, its ``mutes_received`` the
``mutes``, its ``reports`` the ``reports``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from agents.resellers import Reseller
from sim.backend import to_host
from sim.rules import money
from sim.state import BLOCKER, MUTED, REMOVED, ROLE_RESELLER, STATUS_NAMES, UserView

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

__all__ = ["seller_table", "people_table", "user", "friend_graph"]


def seller_table(model: SocialCommerceModel) -> pd.DataFrame:
    """One row per reseller and merchant: sales, profit, friends lost, reports."""
    t = model.sellers
    g = model.graph
    rows = pd.DataFrame({
        "seller_id": [f"r{s}" for s in range(t.size)],
        "unique_id": [r.unique_id for r in model.reseller_list],
        "type": "reseller",
        "person": [g.label(int(p)) for p in t.person],
        "person_id": t.person,
        "strategy": [r.strategy.name for r in model.reseller_list],
        "level": t.level,
        "upstream": [(f"r{r.upstream.slot}" if isinstance(r.upstream, Reseller) else
                      (f"m{r.upstream.index}" if r.upstream is not None else ""))
                     for r in model.reseller_list],
        "status": [STATUS_NAMES[s] for s in t.status],
        "joined_day": t.joined_day, "left_day": t.left_day,
        "quality": t.quality, "price": t.price, "unit_cost": t.cost,
        "ads_posted": t.ads_total, "orders": t.orders, "units_sold": t.units_sold,
        "units_wholesaled": t.units_wholesaled, "revenue": t.revenue,
        "costs": t.purchases_cost + t.fixed_costs, "profit": t.cash,
        "inventory": t.inventory, "counterfeits_sold": t.counterfeits_sold,
        "reports": t.reports, "mutes_received": t.mutes_received,
        "friends_lost": t.blocks_received, "recruits": t.recruits,
        "stock_value": t.inventory * t.cost,
        "profit_with_stock": money.profit_with_stock(t.cols, t.size),
        "patience": money.patience_days(model.params.resellers, t.patience_z),
        "account_age": _account_age(model),
    })
    ms = model.merchant_list
    merch = pd.DataFrame({
        "seller_id": [f"m{m.index}" for m in ms],
        "unique_id": [m.unique_id for m in ms],
        "type": "merchant",
        "person": "",
        "person_id": -1,
        "strategy": "public_account",
        "level": 0, "upstream": "", "status": ["active" if m.active else "closed" for m in ms],
        "joined_day": 0, "left_day": -1,
        "quality": [m.quality for m in ms],
        "price": [m.price for m in ms],
        "unit_cost": [m.unit_cost for m in ms],
        "ads_posted": [m.pushes_sent for m in ms],
        "orders": [m.orders for m in ms],
        "units_sold": [m.units_sold for m in ms],
        "units_wholesaled": [m.units_wholesaled for m in ms],
        "revenue": [m.revenue for m in ms],
        "costs": [m.costs for m in ms],
        "profit": [m.cash for m in ms],
        "inventory": 0, "counterfeits_sold": [m.counterfeits_sold for m in ms], "reports": 0,
        "mutes_received": 0, "friends_lost": [m.unfollows for m in ms], "recruits": 0,
        "stock_value": 0.0, "profit_with_stock": [m.cash for m in ms], "patience": np.nan,
        "account_age": 0,
    })
    out = pd.concat([rows, merch], ignore_index=True) if len(merch) else rows
    out["person"] = out["person"].astype(str)
    return out


def _account_age(model: SocialCommerceModel) -> np.ndarray:
    """Each reseller's account age (days) on its last active day (F12)."""
    t = model.sellers
    last = np.where(t.left_day >= 0, t.left_day, model.day - 1)
    return t.account_age(0) + np.maximum(last, t.joined_day)


def people_table(model: SocialCommerceModel) -> pd.DataFrame:
    """One row per person: type, role, purchases, spending, losses, friends lost."""
    g = model.graph
    pop = model.state.people
    # ties lost per person: count the (few) removed ties by row
    removed = to_host(model.state.xp.flatnonzero(model.state.ties.flags & REMOVED))
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


def user(model: SocialCommerceModel, label: Any) -> UserView:
    """A read-only view of one person, by original label."""
    g = model.graph
    ties = model.state.ties
    i = g.index_of(label)
    data = model.state.people.row(i)
    lo, hi = int(g.indptr[i]), int(g.indptr[i + 1])
    fl = to_host(ties.flags[lo:hi])
    nb = g.indices[lo:hi]
    data.update(
        id=i, label=label,
        friends=[g.label(int(j)) for j in nb[(fl & REMOVED) == 0]],
        muted=[g.label(int(j)) for j in nb[(fl & MUTED) != 0]],
        blocked=[g.label(int(j)) for j in nb[(fl & BLOCKER) != 0]],
        trust={g.label(int(j)): float(x)
               for j, x in zip(nb, to_host(ties.trust[lo:hi]), strict=True)},
        annoyance={g.label(int(j)): float(x)
                   for j, x in zip(nb, to_host(ties.annoyance[lo:hi]), strict=True) if x > 0},
        role="reseller" if data["role"] == ROLE_RESELLER else "person",
    )
    return UserView(data)


def friend_graph(model: SocialCommerceModel) -> nx.Graph:
    """The friend graph as it is now (removed ties gone), with original labels.

    A graph the model was given keeps its graph, node and edge attributes.
    """
    g = model.graph
    removed = (to_host(model.state.ties.flags) & REMOVED) != 0
    if model.source_graph is None:
        return g.to_networkx(keep=~removed)
    out = model.source_graph.copy()
    e = np.flatnonzero(removed & (g.src() < g.indices))
    label = (lambda i: i) if g.labels is None else g.labels.__getitem__
    out.remove_edges_from((label(int(a)), label(int(b)))
                          for a, b in zip(g.src()[e], g.indices[e], strict=True))
    return out
