"""Merchants: brands and shops with a public account (F2, F3, F11, F18, F22, F23).

A merchant pushes to its followers (folded, so few open them: F2), sells
to those who open a push, supplies level-1 resellers wholesale, and may
segment its pushes (F18), invest in customer service (F3c), buy followers
(F22) or gain them from offline stores (F23). Its followers are arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.backend import PicklesBackend, to_host

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

__all__ = ["Merchant"]


class Merchant(PicklesBackend, mesa.Agent):
    """A brand or shop with a public account.

    Parameters
    ----------
    model : SocialCommerceModel
    index : int
        Position among the model's merchants.
    categories : ndarray of int
        Product categories of its catalogue; the first is what its resellers sell.
    followers : ndarray of int
        Internal ids of its initial followers.

    Attributes
    ----------
    followers : int32 array (on the model's array backend, like the other follower arrays)
        Everyone who ever followed (position = follower slot).
    following : ndarray of bool
        Still following.
    f_trust, f_annoyance : ndarray of float32
        Each follower's trust in, and annoyance with, the merchant.

    The follower arrays are the merchant's own; :mod:`sim.rules.pushes` steps them.
    """

    def __init__(self, model: SocialCommerceModel, index: int, categories: np.ndarray,
                 followers: np.ndarray) -> None:
        super().__init__(model)
        p = model.params.merchants
        self.index = index
        self.categories = np.asarray(categories, dtype=np.int64)
        self.category = int(self.categories[0])
        self.price = p.price
        self.unit_cost = p.unit_cost
        self.quality = p.quality
        self.account_type = p.account_type
        self.cash = 0.0
        self.revenue = 0.0
        self.costs = 0.0
        self.units_sold = 0
        self.units_wholesaled = 0
        self.orders = 0
        self.unfollows = 0
        self.active = True
        self.counterfeits_sold = 0
        self.pushes_sent = 0
        #: pushes sent before this 30-day month began (F2: service accounts, 4 a month)
        self.month_start_pushes = 0
        self.pushes_today = 0
        xp = self.xp = model.xp  # follower arrays live with the people's (sim.backend)
        self._categories_dev = xp.asarray(self.categories)
        self.followers = xp.asarray(np.asarray(followers, dtype=np.int32))
        n = self.followers.shape[0]
        self.following = xp.ones(n, dtype=bool)
        self.f_trust = xp.full(n, p.trust_start, dtype=xp.float32)
        self.f_annoyance = xp.zeros(n, dtype=xp.float32)
        self._is_follower = xp.zeros(model.graph.n, dtype=bool)
        self._is_follower[self.followers] = True

    def need_of(self, people: np.ndarray) -> np.ndarray:
        """Each person's need for the catalogue: the highest need over its categories."""
        return self.model.people.need[people][:, self._categories_dev].max(axis=1)

    @property
    def n_followers(self) -> int:
        """Followers today."""
        return int(self.following.sum())

    def add_followers(self, people: np.ndarray, trust: float) -> int:
        """Add new followers (paid or offline inflow); return how many were new."""
        xp = self.xp
        people = xp.asarray(np.unique(to_host(people).astype(np.int32)))
        people = people[~self._is_follower[people]]
        k = int(people.shape[0])
        if k:
            self._is_follower[people] = True
            self.followers = xp.concatenate([self.followers, people])
            self.following = xp.concatenate([self.following, xp.ones(k, dtype=bool)])
            self.f_trust = xp.concatenate([self.f_trust, xp.full(k, trust, dtype=xp.float32)])
            self.f_annoyance = xp.concatenate([self.f_annoyance, xp.zeros(k, dtype=xp.float32)])
        return k

    def planned_pushes(self) -> int:
        """Pushes the merchant wants today, within its account's limit (F2)."""
        p = self.model.params
        rng = self.model.rngs["push_plan"]
        want = int(rng.poisson(p.merchants.pushes_per_day)) if p.merchants.pushes_per_day % 1 \
            else int(p.merchants.pushes_per_day)
        return self.model.policy.push_limit(self, want)

    def step(self) -> None:
        """Plan today's pushes and grow the follower base (steps 1 and 7)."""
        m = self.model
        p = m.params.merchants
        rng = m.rngs["followers"]
        if m.day % 30 == 0:
            self.month_start_pushes = self.pushes_sent
        self.pushes_today = self.planned_pushes()
        for rate, trust, cost in ((p.paid_followers_per_day, p.trust_start,
                                   p.cost_per_paid_follower),
                                  (p.offline_followers_per_day, min(1.0, p.trust_start + 0.3),
                                   0.0)):
            if rate > 0:
                k = int(rng.poisson(rate))
                new = self.add_followers(rng.integers(0, m.graph.n, k), trust)
                self.cash -= new * cost
                self.costs += new * cost
        if p.customer_service:
            self.cash -= p.service_cost_per_day
            self.costs += p.service_cost_per_day
            g = np.float32(p.service_trust_gain)
            self.f_trust += g * (1 - self.f_trust) * self.following

    def remove(self) -> None:
        """Close the merchant for good (Mesa's ``remove``): no more pushes or wholesale.

        Its level-1 resellers then buy from outside the model (external
        supply); its row stays in the seller table, with status ``closed``.
        """
        self.active = False
        self.pushes_today = 0
        super().remove()

    def sell_wholesale(self, units: int, unit_price: float) -> int:
        """Produce and ship ``units`` items to a level-1 reseller at ``unit_price``."""
        amount = units * unit_price
        production = units * self.unit_cost
        self.cash += amount - production
        self.revenue += amount
        self.costs += production
        self.units_wholesaled += units
        return units

    def __repr__(self) -> str:
        return (f"Merchant(index={self.index}, account={self.account_type!r}, "
                f"followers={self.n_followers})")
