# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Quickstart: one run of the default scenario
#
# Run the embedded default scenario, plot what every run reports, look at one
# person and one reseller, and draw a reseller's ego network with the state of
# each tie (muted, blocked, bought from).
#
# The next cell holds the sizes. The test suite runs every notebook with
# `SCSIM_NB_SMALL=1`, which shrinks them so the whole notebook takes seconds.

# %% tags=["parameters"]
import os

SMALL = os.environ.get("SCSIM_NB_SMALL") == "1"
N_PEOPLE = 1_500 if SMALL else 10_000
DAYS = 30 if SMALL else 120
SEED = 20141010

# %%
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np

from sim.runner import run_scenario
from sim.scenario import default_scenario, with_overrides
from sim.state import BOUGHT, MUTED, REMOVED

scenario = with_overrides(default_scenario(), {
    "graph.n_people": N_PEOPLE, "run.days": DAYS, "run.seed": SEED})
result = run_scenario(scenario, keep_model=True)
model = result.model
print(f"{model.graph.n} people, {model.graph.n_ties // 2} friendships, "
      f"{len(model.reseller_list)} resellers, {DAYS} days in {result.seconds:.1f} s")
result.metrics[["day", "ads_seen", "ad_share_of_feed", "mutes", "blocks", "purchases",
                "gmv", "resellers_active"]].tail()

# %% [markdown]
# ## The metrics
#
# `result.metrics` has one row per day (the columns are listed in
# `sim.metrics.METRICS`); `sim.figures.summary_figure` draws the six panels
# that `scsim run` saves as `summary.png`.

# %%
from sim.figures import summary_figure  # selects the Agg backend for scripts

# %matplotlib inline

fig = summary_figure(result.metrics, title=f"default scenario, {N_PEOPLE} people")
plt.show()

# %%
totals = result.metrics[["ads_seen", "mutes", "blocks", "blocks_resellers", "reports",
                         "purchases", "gmv"]].sum()
print(f"share of blocks that hit a reseller: "
      f"{totals['blocks_resellers'] / max(totals['blocks'], 1):.0%}")
totals.round(1)

# %% [markdown]
# ## One person
#
# `model.user(label)` is a read-only view of one person: tolerance type,
# thresholds, budget, purchases, current friends, whom they muted or blocked,
# and their trust in and annoyance with each friend. Here: the person who
# muted the most friends.

# %%
people = result.people
flags = model.ties.flags
g = model.graph
muted_per_person = np.add.reduceat(((flags & MUTED) != 0).astype(np.int64), g.indptr[:-1])
label = g.label(int(np.argmax(muted_per_person)))
user = model.user(label)
print(user)
{k: user.as_dict()[k] for k in ("kind", "mute_thr", "block_thr", "budget", "n_purchases",
                                "spent", "muted", "blocked")}

# %%
# what this person thinks of the friends they muted
{friend: round(user.trust[friend], 3) for friend in user.muted}

# %% [markdown]
# ## One reseller
#
# `model.seller_table()` has one row per reseller and merchant; each reseller
# is also a Mesa agent (`model.resellers`) with its strategy, upstream and
# downstream.

# %%
sellers = result.agents
resellers = sellers[sellers["type"] == "reseller"]
row = resellers.sort_values("revenue", ascending=False).iloc[0]
agent = model.reseller_list[int(row["seller_id"][1:])]  # seller_id "r<slot>"
assert agent.slot == int(row["seller_id"][1:])
print(f"{row['seller_id']}: strategy {agent.strategy.name}, level {agent.level}, "
      f"status {agent.status}, stock {agent.inventory}, cash {agent.cash:.0f} RMB, "
      f"{len(agent.downstream)} recruits")
row[["strategy", "orders", "units_sold", "revenue", "costs", "profit", "counterfeits_sold",
     "reports", "mutes_received", "friends_lost"]]

# %% [markdown]
# ## The reseller's ego network
#
# The reseller and their friends, with every friendship among them. A
# friend's tie to the reseller is coloured by its state: **blocked** (the
# friendship is gone), **muted** (friends, but the reseller's posts are
# hidden), **bought** (bought from the reseller at least once). The layout is
# seeded, so the picture is the same on every run.

# %%
def ego_network(model, person: int, max_friends: int = 150, seed: int = 1):
    """The ego network of ``person`` (original ties, removed ones included)."""
    g = model.graph
    rng = np.random.default_rng(seed)
    friends = g.indices[g.indptr[person]:g.indptr[person + 1]]
    if friends.size > max_friends:
        friends = np.sort(rng.choice(friends, max_friends, replace=False))
    nodes = np.concatenate([[person], friends])
    ego = nx.Graph()
    ego.add_nodes_from(nodes.tolist())
    for u in nodes.tolist():
        nb = g.indices[g.indptr[u]:g.indptr[u + 1]]
        ego.add_edges_from((u, int(v)) for v in nb[np.isin(nb, nodes)] if u < v)
    return ego


def tie_state(model, viewer: int, seller: int) -> str:
    """State of the tie viewer -> seller: blocked, muted, bought or friends."""
    f = model.ties.flags[model.graph.tie(viewer, seller)]
    if f & REMOVED:
        return "blocked"
    if f & MUTED:
        return "muted"
    if f & BOUGHT:
        return "bought"
    return "friends"


colors = {"blocked": "tab:red", "muted": "tab:orange", "bought": "tab:green",
          "friends": "lightgrey"}
person = agent.person
ego = ego_network(model, person)
pos = nx.spring_layout(ego, seed=7)
states = {v: tie_state(model, v, person) for v in ego.neighbors(person)}
fig, ax = plt.subplots(figsize=(8, 7))
others = [e for e in ego.edges() if person not in e]
nx.draw_networkx_edges(ego, pos, edgelist=others, edge_color="#e6e6e6", width=0.5, ax=ax)
handles = []
for state, color in colors.items():
    edges = [(person, v) for v, s in states.items() if s == state]
    width, style = (0.8 if state == "friends" else 2), ("--" if state == "blocked" else "-")
    if edges:
        nx.draw_networkx_edges(ego, pos, edgelist=edges, edge_color=color, ax=ax, width=width,
                               style="dashed" if state == "blocked" else "solid")
    handles.append(plt.Line2D([], [], color=color, lw=width, ls=style,
                              label=f"{state} ({len(edges)})"))
kinds = model.people.kind
node_colors = ["#7b3294" if v == person else ("tab:blue", "tab:cyan", "tab:gray")[kinds[v]]
               for v in ego.nodes()]
nx.draw_networkx_nodes(ego, pos, node_color=node_colors, ax=ax,
                       node_size=[200 if v == person else 20 for v in ego.nodes()])
ax.legend(handles=handles, title="tie to the reseller", loc="lower left")
ax.set_title(f"{row['seller_id']} ({agent.strategy.name}) and {ego.number_of_nodes() - 1} "
             f"friends after {DAYS} days; friends coloured by type: tolerant, muter, blocker")
ax.set_axis_off()
plt.show()
states_count = {s: sum(1 for x in states.values() if x == s) for s in colors}
states_count
