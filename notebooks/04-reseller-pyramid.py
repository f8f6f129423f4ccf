# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · The reseller pyramid (experiment S4)
#
# A reseller pitches "become my agent" to friends (F4); a friend who accepts
# buys starter stock from them and becomes a reseller one level down, paying
# more per item (LIT M6). The claim to test: *recruitment saturates, and most
# resellers lose money* (F4, F21). We vary how often resellers pitch
# (`resellers.p_pitch`), then draw the recruitment tree of one run.

# %% tags=["parameters"]
import os

SMALL = os.environ.get("SCSIM_NB_SMALL") == "1"
N_PEOPLE = 1_500 if SMALL else 3_000
DAYS = 40 if SMALL else 90
SEEDS = [104] if SMALL else [104, 105, 106, 107, 108]
P_PITCH = [0.1, 0.8] if SMALL else [0.05, 0.1, 0.2, 0.4, 0.8]

# %%
# %matplotlib inline
import itertools

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd

from experiments.cli import resolve_scenario
from sim.model import SocialCommerceModel
from sim.scenario import load_scenario, with_overrides

base = with_overrides(load_scenario(resolve_scenario("S4")),
                      {"graph.n_people": N_PEOPLE, "run.days": DAYS})

# %% [markdown]
# ## Growth and who loses money, by pitching rate

# %%
runs, curves, models = [], [], {}
for p_pitch, seed in itertools.product(P_PITCH, SEEDS):
    model = SocialCommerceModel(with_overrides(base, {"resellers.p_pitch": p_pitch}), seed=seed)
    model.run()
    models[p_pitch, seed] = model
    m = model.metrics()
    t = model.seller_table()
    t = t[t["type"] == "reseller"]
    curves.append(pd.DataFrame({"p_pitch": p_pitch, "seed": seed, "day": m.index,
                                "recruits": m["recruits"].values}))
    runs.append({"p_pitch": p_pitch, "seed": seed, "resellers_ever": len(t),
                 "recruits": int((t["level"] > 1).sum()),
                 "recruits_first_half": int(m["recruits"].iloc[: DAYS // 2].sum()),
                 "recruits_second_half": int(m["recruits"].iloc[DAYS // 2:].sum()),
                 "share_losing_money": float((t["profit"] < 0).mean()),
                 "deepest_level": int(t["level"].max()),
                 "unsold_inventory": int(t["inventory"].sum())})
runs = pd.DataFrame(runs)
curves = pd.concat(curves, ignore_index=True)
runs.groupby("p_pitch").mean(numeric_only=True).drop(columns="seed").round(2)

# %%
fig, ax = plt.subplots(1, 2, figsize=(12, 4), constrained_layout=True)
for p_pitch, grp in curves.groupby("p_pitch"):
    c = grp.groupby("day")["recruits"].mean()
    ax[0].plot(c.index, c.cumsum(), label=f"p_pitch {p_pitch}")
summary = runs.groupby("p_pitch")["share_losing_money"].agg(["mean", "std"])
ax[1].bar([str(p) for p in summary.index], 100 * summary["mean"],
          yerr=100 * summary["std"].fillna(0), color="tab:red", alpha=0.7)
ax[1].axhline(50, color="grey", ls=":")
ax[0].set(title="recruits so far", xlabel="day", ylabel="resellers recruited")
ax[0].legend()
ax[1].set(title=f"resellers with negative profit after {DAYS} days", xlabel="p_pitch",
          ylabel="%")
plt.show()
late, early = runs["recruits_second_half"].sum(), runs["recruits_first_half"].sum()
print(f"recruits in the first half: {early}, second half: {late} "
      f"({'saturating' if late < early else 'not saturating'})")
print(f"share of resellers losing money, all runs: {runs['share_losing_money'].mean():.0%}")

# %% [markdown]
# ## The recruitment tree
#
# Merchants at the top, then level-1 resellers, then their recruits, level by
# level. `seller_table()` gives each seller's `upstream` (`m<i>` for a
# merchant, `r<slot>` for a reseller). The layout is computed, not random:
# leaves are spaced evenly left to right in depth-first order and every parent
# sits over the middle of its children, so the same run always gives the same
# picture. Red: lost money; green: made money; grey outline: quit or banned.

# %%
def recruitment_tree(table: pd.DataFrame) -> nx.DiGraph:
    """Directed tree upstream -> downstream over sellers (merchants are roots)."""
    tree = nx.DiGraph()
    for r in table.itertuples():
        tree.add_node(r.seller_id, level=int(r.level), profit=float(r.profit),
                      status=r.status, type=r.type)
    root = "platform"
    tree.add_node(root, level=-1, profit=0.0, status="active", type="root")
    for r in table.itertuples():
        tree.add_edge(r.upstream if r.upstream else root, r.seller_id)
    return tree


def hierarchical_layout(tree: nx.DiGraph, root: str) -> dict[str, tuple[float, float]]:
    """Leaves evenly spaced in depth-first order; parents centred over children."""
    pos: dict[str, tuple[float, float]] = {}
    next_x = [0.0]

    def place(node: str, depth: int) -> float:
        children = sorted(tree.successors(node), key=lambda c: (tree.out_degree(c) == 0, c))
        if not children:
            x = next_x[0]
            next_x[0] += 1
        else:
            x = float(np.mean([place(c, depth + 1) for c in children]))
        pos[node] = (x, -depth)
        return x

    import sys
    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    place(root, 0)
    return pos


p_show = max(P_PITCH)
model = models[p_show, SEEDS[0]]
table = model.seller_table()
tree = recruitment_tree(table)
# keep the branches that recruited at least once, so the picture stays readable
grew = {n for n in tree if tree.nodes[n]["level"] >= 2}
keep = {"platform"} | {m for m in tree if tree.nodes[m]["type"] == "merchant"}
for n in grew:
    keep |= nx.ancestors(tree, n) | {n}
shown = tree.subgraph(keep).copy()
pos = hierarchical_layout(shown, "platform")
nodes = [n for n in shown if n != "platform"]
color = ["#7b3294" if shown.nodes[n]["type"] == "merchant" else
         ("tab:green" if shown.nodes[n]["profit"] >= 0 else "tab:red") for n in nodes]
edge = ["grey" if shown.nodes[n]["status"] != "active" else "none" for n in nodes]
fig, ax = plt.subplots(figsize=(13, 5))
nx.draw_networkx_edges(shown, pos, edgelist=[e for e in shown.edges() if e[0] != "platform"],
                       ax=ax, arrows=False, edge_color="#999999")
nx.draw_networkx_nodes(shown, pos, nodelist=nodes, node_color=color, edgecolors=edge,
                       linewidths=1.5, node_size=60, ax=ax)
depth = max(shown.nodes[n]["level"] for n in nodes)
ax.set_yticks([-d for d in range(1, depth + 2)],
              ["merchants"] + [f"level {lv}" for lv in range(1, depth + 1)])
ax.tick_params(left=False, bottom=False, labelbottom=False, labelleft=True)
for side in ("top", "right", "bottom", "left"):
    ax.spines[side].set_visible(False)
resellers = table[table["type"] == "reseller"]
ax.set_title(f"recruitment tree, p_pitch {p_show}, {DAYS} days: {len(resellers)} resellers, "
             f"{len(grew)} recruited, {(resellers['profit'] < 0).mean():.0%} losing money "
             f"(branches without recruits hidden)")
plt.show()

# %% [markdown]
# Profit by level: each level pays its upstream more per item (LIT M6), so
# the lower levels carry more of the unsold stock and of the losses.

# %%
resellers.groupby("level").agg(resellers=("seller_id", "size"), mean_profit=("profit", "mean"),
                               losing=("profit", lambda p: (p < 0).mean()),
                               unit_cost=("unit_cost", "mean"),
                               unsold=("inventory", "mean")).round(2)
