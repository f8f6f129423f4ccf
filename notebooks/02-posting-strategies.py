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
# # 02 · Posting strategies (experiment S1)
#
# Three kinds of reseller share one town (F10, F19):
#
# - the **feed-flooder** (刷屏王) posts many ads and nothing else,
# - the **lifestyle mixer** shares travel and home life with a few small ads,
# - the **curated seller** (少而美) posts rarely, a few well-chosen products.
#
# The claim to test: *flooders win the first week but lose the quarter.*
# Every seed runs once; the first-week numbers are the first week of the same
# run (common random numbers). The scenario is `experiments/scenarios/S1.toml`
# when the experiments package ships it, else the default with S1's sizes.

# %% tags=["parameters"]
import os

SMALL = os.environ.get("SCSIM_NB_SMALL") == "1"
N_PEOPLE = 1_500 if SMALL else 3_000
DAYS = 40 if SMALL else 90
SEEDS = [101, 102] if SMALL else list(range(101, 111))

# %%
# %matplotlib inline

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.cli import resolve_scenario
from sim.model import SocialCommerceModel
from sim.scenario import load_scenario, with_overrides

scenario = with_overrides(load_scenario(resolve_scenario("S1")),
                          {"graph.n_people": N_PEOPLE, "run.days": DAYS})
print(scenario.name, "|", scenario.description)

# %% [markdown]
# ## Cumulative revenue per initial reseller, by strategy, day by day
#
# Only the initial (level-1) resellers count, so each strategy's group is fixed
# from day 0; recruits copy their upstream's strategy and would blur the
# comparison.

# %%
STRATEGIES = ["flooder", "mixer", "curated"]
daily = []
final = []
for seed in SEEDS:
    model = SocialCommerceModel(scenario, seed=seed)
    first = np.array([r.slot for r in model.reseller_list])
    names = np.array([r.strategy.name for r in model.reseller_list])
    cols = model.sellers.cols
    for day in range(1, DAYS + 1):
        model.step()
        revenue, profit = cols["revenue"][first], cols["cash"][first]
        for s in STRATEGIES:
            sel = names == s
            daily.append({"seed": seed, "day": day, "strategy": s,
                          "revenue": revenue[sel].mean() if sel.any() else np.nan,
                          "profit": profit[sel].mean() if sel.any() else np.nan})
    table = model.seller_table().iloc[first]
    final.append(table.assign(seed=seed))
daily = pd.DataFrame(daily)
final = pd.concat(final, ignore_index=True)
mean = daily.groupby(["day", "strategy"])[["revenue", "profit"]].mean().unstack("strategy")

fig, ax = plt.subplots(1, 2, figsize=(12, 4), constrained_layout=True)
for s in STRATEGIES:
    ax[0].plot(mean.index, mean["revenue", s], label=s)
    ax[1].plot(mean.index, mean["profit", s], label=s)
for a, title in zip(ax, ["revenue so far (RMB)", "profit so far (RMB)"], strict=True):
    a.axvline(7, color="grey", ls=":")
    a.set(title=f"{title} per initial reseller, mean of {len(SEEDS)} seeds", xlabel="day")
    a.legend()
plt.show()

# %% [markdown]
# ## First week vs the whole run
#
# Mean over seeds with a 95% interval (normal approximation over the seeds'
# means); the claim holds when the flooders lead on day 7 and not on the last
# day.

# %%
def leader(day: int) -> tuple[str, pd.DataFrame]:
    per_seed = daily[daily["day"] == day].pivot(index="seed", columns="strategy",
                                                values="revenue")
    m, se = per_seed.mean(), per_seed.std(ddof=1) / np.sqrt(len(per_seed))
    return m.idxmax(), pd.DataFrame({"mean": m, "ci95": 1.96 * se})


week_leader, week = leader(7)
end_leader, end = leader(DAYS)
print(f"revenue leader on day 7: {week_leader}; on day {DAYS}: {end_leader}")
print("claim (flooders win the first week, lose the quarter):",
      "holds" if week_leader == "flooder" and end_leader != "flooder" else "does not hold",
      f"in this run ({len(SEEDS)} seeds, {N_PEOPLE} people)")
pd.concat({"day 7": week, f"day {DAYS}": end}, axis=1).round(1)

# %% [markdown]
# ## The cost of flooding: friends lost, mutes and reports per reseller

# %%
cost = final.groupby("strategy")[["ads_posted", "mutes_received", "friends_lost", "reports",
                                  "orders", "profit"]].mean()
fig, ax = plt.subplots(figsize=(8, 3.5))
cost[["mutes_received", "friends_lost", "reports"]].plot.bar(ax=ax, rot=0)
ax.set(title=f"per initial reseller after {DAYS} days", ylabel="count")
plt.show()
cost.round(1)
