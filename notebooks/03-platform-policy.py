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
# # 03 · Platform policy (experiment S3): the spam-vs-GMV frontier
#
# The platform bans an account once its reports in a 30-day window reach a
# **threshold** (F12) and may **cap** the ads a seller posts a day (F13).
# Stricter rules cut the ads people see, and also the commerce that rides on
# them. Each rule is a point (ads seen, GMV kept); the rules that no other
# rule beats on both at once form the frontier.

# %% tags=["parameters"]
import os

SMALL = os.environ.get("SCSIM_NB_SMALL") == "1"
N_PEOPLE = 1_500 if SMALL else 3_000
DAYS = 30 if SMALL else 90
SEEDS = [103] if SMALL else [103, 104, 105, 106, 107]
THRESHOLDS = [2, 10, 40] if SMALL else [2, 5, 10, 20, 40]
CAPS = [0, 2] if SMALL else [0, 1, 2, 4]

# %%
# %matplotlib inline
import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from experiments.cli import resolve_scenario
from sim.model import SocialCommerceModel
from sim.scenario import load_scenario, with_overrides

base = with_overrides(load_scenario(resolve_scenario("S3")),
                      {"graph.n_people": N_PEOPLE, "run.days": DAYS})

# %%
rows = []
rules = [("none", 0, 0)] + [("threshold_ban", t, c) for t, c in
                              itertools.product(THRESHOLDS, CAPS)]
for (policy, threshold, cap), seed in itertools.product(rules, SEEDS):
    scn = with_overrides(base, {"platform.policy": policy,
                                "platform.report_threshold": max(threshold, 1),
                                "platform.posting_cap": cap})
    m = SocialCommerceModel(scn, seed=seed).run().metrics()
    rows.append({"policy": policy, "threshold": threshold, "cap": cap, "seed": seed,
                 "ads_seen": m["ads_seen"].sum(), "gmv": m["gmv"].sum(),
                 "bans": m["bans"].sum(), "blocks": m["blocks"].sum(),
                 "mutes": m["mutes"].sum()})
runs = pd.DataFrame(rows)
points = runs.groupby(["policy", "threshold", "cap"], as_index=False)[
    ["ads_seen", "gmv", "bans", "blocks", "mutes"]].mean()
points["label"] = np.where(points["policy"] == "none", "no moderation",
                           "ban@" + points["threshold"].astype(str) + ", cap "
                           + points["cap"].astype(str))
points.sort_values("ads_seen")

# %% [markdown]
# ## The frontier
#
# A rule is on the frontier when no other rule has both fewer ads seen and
# more GMV.

# %%
def frontier(df: pd.DataFrame) -> pd.DataFrame:
    """Rows not dominated (fewer ads seen and more GMV) by any other row."""
    keep = []
    for i, r in df.iterrows():
        dominated = ((df["ads_seen"] <= r["ads_seen"]) & (df["gmv"] >= r["gmv"])
                     & ((df["ads_seen"] < r["ads_seen"]) | (df["gmv"] > r["gmv"]))).any()
        if not dominated:
            keep.append(i)
    return df.loc[keep].sort_values("ads_seen")


front = frontier(points)
fig, ax = plt.subplots(figsize=(9, 6))
for cap, grp in points[points["policy"] != "none"].groupby("cap"):
    ax.scatter(grp["ads_seen"], grp["gmv"], label=f"cap {cap} ads/day" if cap else "no cap",
               s=50)
none = points[points["policy"] == "none"]
ax.scatter(none["ads_seen"], none["gmv"], marker="*", s=200, color="black",
           label="no moderation")
ax.plot(front["ads_seen"], front["gmv"], color="grey", ls="--", label="frontier")
for _, r in points.iterrows():
    ax.annotate(r["label"], (r["ads_seen"], r["gmv"]), fontsize=7, xytext=(4, 4),
                textcoords="offset points")
ax.set(xlabel=f"ads seen over {DAYS} days (spam)", ylabel=f"GMV over {DAYS} days (RMB)",
       title=f"S3: moderation rules, {N_PEOPLE} people, mean of {len(SEEDS)} seed(s)")
ax.legend()
plt.show()
front[["label", "ads_seen", "gmv", "bans"]]

# %% [markdown]
# How much spam does each rule remove, and how much GMV does it cost,
# relative to no moderation?

# %%
ref = points[points["policy"] == "none"].iloc[0]
table = points.assign(
    spam_removed=1 - points["ads_seen"] / ref["ads_seen"],
    gmv_kept=points["gmv"] / ref["gmv"] if ref["gmv"] else np.nan,
)[["label", "spam_removed", "gmv_kept", "bans"]]
table.sort_values("spam_removed").round(3)
