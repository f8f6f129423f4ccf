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
# # 05 · Write your own posting strategy and moderation policy
#
# A **posting strategy** decides, each day, how many ads and lifestyle posts a
# reseller puts in Moments: anything with a `plan(seller, rng) -> Plan`
# method and `name`, `appeal`, `quality_bonus` attributes
# (`agents.strategies.PostingStrategy`). A **moderation policy** decides whom
# the platform bans and how many ads a seller may post
# (`sim.platform.ModerationPolicy`). Both can be a plain function or a small
# subclass. Here are two of each, and a run that puts them side by side.

# %% tags=["parameters"]
import os

SMALL = os.environ.get("SCSIM_NB_SMALL") == "1"
N_PEOPLE = 1_500 if SMALL else 5_000
DAYS = 30 if SMALL else 90
SEEDS = [5] if SMALL else [5, 6, 7]

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from agents.strategies import Plan, Strategy
from sim.model import SocialCommerceModel
from sim.platform import ModerationPolicy, ThresholdBan

# %% [markdown]
# ## A strategy from a function: the weekend seller
#
# `Strategy.from_func(name, func)` wraps `func(seller, rng)`, which returns a
# `Plan` or an `(ads, lifestyle)` pair. `seller` is the reseller agent (its
# model, day, stock, cash...); `rng` is the sellers' seeded random stream: use
# it, never a global random generator.

# %%
def weekend(seller, rng):
    """Three ads a day on weekends, a life post every day."""
    is_weekend = seller.model.day % 7 in (5, 6)
    return Plan(ads=int(rng.poisson(3.0)) if is_weekend else 0, lifestyle=1)


weekender = Strategy.from_func("weekender", weekend)
weekender

# %% [markdown]
# ## A strategy as a subclass: the seller who backs off
#
# Subclass `Strategy` (its constructor takes the daily rates, `appeal` and
# `quality_bonus`) and override `plan`. This one reads its own row of the
# seller table: the more friends have muted it, the fewer ads it posts.

# %%
class BackOff(Strategy):
    """Posts ``ads_per_day`` ads, divided by 1 + mutes received / 5."""

    name = "backoff"
    classifier = {"ads": "adaptive", "lifestyle": "some", "source": "example"}

    def plan(self, seller, rng):
        mutes = seller.model.sellers.cols["mutes_received"][seller.slot]
        rate = self.ads_per_day / (1 + mutes / 5)
        return Plan(int(rng.poisson(rate)), int(rng.poisson(self.lifestyle_per_day)))


backoff = BackOff(ads_per_day=6, lifestyle_per_day=1)
backoff

# %% [markdown]
# ## A policy from a function: ban after three reports
#
# `ModerationPolicy.from_func(name, ban)` takes
# `ban(policy, model, window_reports) -> bool mask`, where `window_reports`
# counts each seller's reports in the last `platform.report_window_days`.
# A policy keeps that window, so give every run a fresh one.

# %%
def ban_at_3(policy, model, window_reports):
    return window_reports >= 3


strict = ModerationPolicy.from_func("ban_at_3", ban_at_3)
strict.name, strict.ban(None, np.array([0, 2, 3, 7]))

# %% [markdown]
# ## A policy as a subclass: throttle the reported
#
# Keep the threshold ban of F12, and cap a seller at one ad a day from their
# first report on. `cap_posts(model, ads)` receives the ads every seller
# planned today and returns what they may post.

# %%
class ThrottleReported(ThresholdBan):
    """Threshold ban, plus one ad a day for anyone ever reported."""

    name = "throttle_reported"

    def cap_posts(self, model, ads):
        ads = super().cap_posts(model, ads)
        reported = model.sellers.cols["reports"][: model.sellers.size] > 0
        return np.where(reported, np.minimum(ads, 1), ads)


throttle = ThrottleReported()

# %% [markdown]
# ## Run them
#
# `strategies=` adds (or replaces) strategies by name; `strategy_shares=`
# says how the initial resellers split between them (the shares must sum to
# 1). `policy=` replaces the platform's policy. Same seed, so each policy
# faces the same town and the same resellers.

# %%
strategies = {"weekender": weekender, "backoff": backoff}
shares = {"flooder": 0.25, "curated": 0.25, "weekender": 0.25, "backoff": 0.25}
policies = {"threshold_ban (default)": lambda: None,  # None: the scenario's own policy
            "ban_at_3": lambda: ModerationPolicy.from_func("ban_at_3", ban_at_3),
            "throttle_reported": lambda: ThrottleReported()}
overrides = {"graph.n_people": N_PEOPLE, "graph.mean_degree": 40, "run.days": DAYS,
             "resellers.initial_share": 0.02}

rows, per_strategy = [], []
for label, make_policy in policies.items():
    for seed in SEEDS:
        model = SocialCommerceModel(overrides=overrides, seed=seed, strategies=strategies,
                                    strategy_shares=shares, policy=make_policy())
        m = model.run().metrics()
        rows.append({"policy": label, "seed": seed, "ads_seen": m["ads_seen"].sum(),
                     "mutes": m["mutes"].sum(), "blocks": m["blocks"].sum(),
                     "bans": m["bans"].sum(), "gmv": m["gmv"].sum()})
        t = model.seller_table()
        t = t[(t["type"] == "reseller") & (t["level"] == 1)]
        per_strategy.append(t.groupby("strategy")[["revenue", "profit", "friends_lost"]]
                            .mean().assign(policy=label, seed=seed).reset_index())
runs = pd.DataFrame(rows).groupby("policy").mean(numeric_only=True).drop(columns="seed")
runs.round(0)

# %%
by = pd.concat(per_strategy).groupby(["policy", "strategy"])["profit"].mean().unstack()
ax = by.T.plot.bar(figsize=(9, 4), rot=0)
ax.axhline(0, color="black", lw=0.8)
ax.set(title=f"profit per initial reseller after {DAYS} days, by strategy and policy",
       ylabel="RMB")
plt.show()
by.round(0)

# %% [markdown]
# To ship a strategy with the project, put the class in `agents/strategies.py`,
# add it to `builtin_strategies`, and give it a test that inherits the
# strategy contract (same seed, same run). A policy goes in `sim/platform.py`
# and `make_policy`.
