"""The daily rules of scsim written the idiomatic Mesa way: a reference.

Every person is a :class:`mesa.Agent` with its ties in Python dicts and sets
and one :meth:`Person.step` a day, run by ``shuffle_do``; resellers and
merchants are agents too. The rules are those of :mod:`sim.model` (MODEL.md
steps 1-8): sellers plan by strategy (Poisson ads and lifestyle posts, group
ads), restock and pitch; each person reads their feed (friends' ordinary
posts compete with ads for attention, F9), reacts to the ads seen (annoyance,
trust evidence, purchase intents), mutes, blocks and reports by tolerance
type (F8; a muter escalates a mute to a block), unfriends at the background
rate, and pays for orders (payment failure F17, stock and budget,
counterfeits, complaints F12, warnings and recommendations F16); trust toward
sellers is evidence learned and forgotten (LIT U16-U18), likes of mutual
friends who bought raise the purchase probability and strong ties buy to
support a friend (LIT U19);
merchants push to followers (folding F2, unfollows); the platform bans over
the report threshold, lower for young accounts (F12); money settles, recruits
join (buying at least their level's minimum order, LIT M6), loss-makers quit
after their own patience, unsold stock valued at cost (F19).

Simplifications, none of which changes a rule: a person settles their own
orders at once, in random order, instead of the day's orders being rationed
in one random batch; a request the seller cannot fill is dropped (scsim also
counts a dropped request against the seller's running total); merchants have
one category (``merchants.catalogue_size = 1``) and no paid or offline
followers or customer service; the report window is a per-seller deque.

By default each person walks its friend set every day to add up the
ordinary posts it could read, as agent code naturally does; with
``cache_feed_load=True`` it keeps that sum up to date on mutes and blocks
instead, as scsim does (a faster, less idiomatic reference).

Run it with :func:`run_reference`; :mod:`benchmarks.bench_vs_mesa` times it
against scsim and ``tests/test_reference_agreement.py`` checks that both give
the same blocks, purchases and mutes on average.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np

from sim.params import Scenario

__all__ = ["Person", "RefReseller", "RefMerchant", "ReferenceModel", "run_reference"]

ACTIVE, QUIT, BANNED = 0, 1, 2
TOLERANT, MUTER, BLOCKER = 0, 1, 2


def _uid(agent: mesa.Agent) -> int:
    """Sort key: sets of agents iterate in memory order, which differs between processes."""
    return agent.unique_id


def _poisson(rnd: random.Random, lam: float) -> int:
    """A Poisson draw with Python's ``random`` (Knuth for small means)."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rnd.gauss(lam, math.sqrt(lam))))
    limit, k, prod = math.exp(-lam), 0, rnd.random()
    while prod > limit:
        k += 1
        prod *= rnd.random()
    return k


def _binomial(rnd: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    if p >= 1:
        return n
    return rnd.binomialvariate(n, p)


@dataclass
class _Strategy:
    name: str
    ads: float
    life: float
    appeal: float = 1.0
    quality_bonus: float = 0.0


class Person(mesa.Agent):
    """One account: attention, tolerance, needs, budget, and its ties.

    Ties are dicts keyed by the friend (a :class:`Person`): ``trust[f]`` is
    what this person thinks of ``f``'s posts; ``annoyance[f]`` exists for
    friends who sell; ``muted``, ``reported`` and ``groups`` are sets.
    """

    def __init__(self, model: ReferenceModel) -> None:
        super().__init__(model)
        u = model.p.users
        rnd = model.random
        m = min(max(u.p_open_mean, 1e-6), 1 - 1e-6)
        c = u.p_open_concentration
        self.p_open = 1.0 if u.p_open_mean >= 1 else rnd.betavariate(m * c, (1 - m) * c)
        self.attention = rnd.gammavariate(4.0, u.attention_mean / 4.0) + 1.0
        self.ordinary_rate = (rnd.expovariate(1 / u.ordinary_posts_per_day)
                              if u.ordinary_posts_per_day > 0 else 0.0)
        x = rnd.random()
        self.kind = (TOLERANT if x < u.share_tolerant
                     else MUTER if x < u.share_tolerant + u.share_muter else BLOCKER)
        factor = u.tolerant_factor if self.kind == TOLERANT else 1.0
        s = u.threshold_spread
        self.mute_thr = u.mute_threshold * rnd.lognormvariate(0, s) * factor
        self.block_thr = u.block_threshold * rnd.lognormvariate(0, s) * factor
        self.report_thr = u.report_threshold * rnd.lognormvariate(0, s) * factor
        nm = min(max(u.need_mean, 1e-6), 1 - 1e-6)
        self.need = [rnd.betavariate(2 * nm, 2 * (1 - nm)) for _ in range(u.n_categories)]
        self.budget_rate = rnd.gammavariate(2.0, u.budget_per_day / 2.0)
        self.budget_cap = self.budget_rate * u.budget_cap_days
        self.budget = self.budget_cap * rnd.random()
        self.friends: set[Person] = set()
        self.friend_list: list[Person] = []  # at the start, for churn and pitches
        self.trust: dict[Person, float] = {}
        # toward friends who sell: [starting trust, good evidence, bad evidence] (LIT U16)
        self.evidence: dict[Person, list[float]] = {}
        self.strong: set[Person] = set()  # friends on strong ties (F5)
        self.bought: set[Person] = set()  # sellers this person has bought from
        self.annoyance: dict[Person, float] = {}
        self.sellers: set[Person] = set()  # friends who are resellers
        self.muted: set[Person] = set()
        self.reported: set[Person] = set()
        self.groups: set[Person] = set()  # owners of the groups this person is in
        self.reseller: RefReseller | None = None
        self.ordinary_load = 0.0
        self.purchases = 0

    # -- trust as evidence (LIT U16, U17) -------------------------------------------
    def learn(self, s: Person, good: float = 0.0, bad: float = 0.0) -> None:
        """Add evidence about seller ``s``; trust is ``(w t0 + good) / (w + good + bad)``."""
        ev = self.evidence.setdefault(s, [self.trust[s], 0.0, 0.0])
        ev[1] += good
        ev[2] += bad
        w = self.model.p.trust.prior_weight
        self.trust[s] = (w * ev[0] + ev[1]) / (w + ev[1] + ev[2])

    def forget(self) -> None:
        """A day's forgetting: all evidence is multiplied by ``trust.forgetting``."""
        lam = self.model.p.trust.forgetting
        for s, ev in self.evidence.items():
            ev[1] *= lam
            ev[2] *= lam
            self.learn(s)

    def tell(self, s: Person, p_tell: float, good: float = 0.0, bad: float = 0.0) -> None:
        """Tell each common friend about seller ``s``, weighted by their trust in me."""
        rnd = self.random
        for f in sorted(self.friends, key=_uid):
            if f is not s and s in f.friends and rnd.random() < p_tell:
                f.learn(s, good * f.trust[self], bad * f.trust[self])

    def likes_seen(self, s: Person) -> int:
        """My friends who are friends of ``s``, bought from ``s`` and were satisfied."""
        return sum(1 for f in self.friends
                   if s in f.friends and s in f.bought and f.trust[s] >= f.evidence[s][0])

    # -- the day -----------------------------------------------------------------
    def feed_load(self) -> float:
        """Ordinary posts a day from the friends this person still sees."""
        if self.model.cache_feed_load:
            return self.ordinary_load
        muted = self.muted
        return sum(f.ordinary_rate for f in self.friends if f not in muted)

    def step(self) -> None:
        """Read the feed, react to the ads, change relationships, pay for orders."""
        model = self.model
        p = model.p
        rnd = self.random
        d = model.today
        opened = rnd.random() < self.p_open
        ordinary = self.feed_load()
        # what each seller friend shows today
        shown = []
        load = ordinary
        for s in sorted(self.sellers, key=_uid):  # (a set: iterate in a fixed order)
            r = s.reseller
            vis = opened and s not in self.muted
            a = r.ads_today if vis else 0
            li = r.life_today if vis else 0
            load += a + li
            shown.append((s, r, a, li))
        share = min(1.0, self.attention / load) if (opened and load > 0) else 0.0
        if opened:
            d["feed_items_seen"] += min(load, self.attention)
            d["ordinary_seen"] += ordinary * share
        # react to each seller's posts
        u, pp, tp = p.users, p.purchase, p.trust
        intents = []
        self.forget()
        for s, r, a, li in shown:
            k_m = _binomial(rnd, a, share)
            k_l = _binomial(rnd, li, share)
            in_group = s in self.groups
            k_g = _binomial(rnd, r.group_ads_today, p.groups.p_read) if in_group else 0
            muted = s in self.muted
            k_d = (_binomial(rnd, r.ads_today, p.groups.p_direct_reach)
                   if muted and not in_group else 0)
            seen = k_m + k_g + k_d
            # an ad that reaches someone who muted the seller annoys annoyance_per_direct
            per_ad = u.annoyance_per_direct if muted else u.annoyance_per_ad
            ann = self.annoyance.get(s, 0.0) * (1 - u.annoyance_decay) + seen * per_ad
            self.annoyance[s] = ann
            d["ads_seen"] += seen
            need = self.need[r.category]
            if seen or k_l:
                self.learn(s, good=tp.lifestyle_cap * (1 - math.exp(
                    -k_l * tp.gain_lifestyle / tp.lifestyle_cap)),
                    bad=tp.negativity * tp.bad_per_ad * seen * (1 + tp.off_need_weight
                        * (1 - need)) * (1 + tp.repetition_weight * (seen - 1)) if seen else 0.0)
            if seen and r.status == ACTIVE and r.inventory > 0:
                proof = 1 + pp.social_proof * min(self.likes_seen(s), pp.social_proof_cap)
                q = (pp.p_buy_base * self.trust[s] * need * r.strategy.appeal
                     * (pp.reference_price / r.price) ** pp.price_elasticity
                     * math.exp(-pp.fatigue * ann) * proof)
                q = min(max(q, 0.0), 1.0)
                owe = s in self.strong and rnd.random() < 1 - (1 - pp.p_obligation) ** seen
                if rnd.random() < 1 - (1 - q) ** seen or owe:  # owe: support a friend (U19)
                    intents.append((s, r))
        # relationships: by tolerance type (F8); a muter blocks a seller it muted on an
        # earlier day at escalation_factor x its mute threshold (an escalation)
        for s, r, _, _ in shown:
            ann = self.annoyance[s]
            block = ((self.kind == BLOCKER and ann >= self.block_thr)
                     or (self.kind == MUTER and s in self.muted
                         and ann >= self.mute_thr * u.escalation_factor))
            if (not block and self.kind != BLOCKER and s not in self.muted
                    and ann >= self.mute_thr):
                self.muted.add(s)
                self.ordinary_load -= s.ordinary_rate
                r.mutes_received += 1
                d["mutes"] += 1
            if s not in self.reported and ann >= self.report_thr and rnd.random() < u.p_report:
                self.reported.add(s)
                r.reports_today += 1
                d["reports"] += 1
            if block:
                model.unfriend(self, s)
                r.blocks_received += 1
                d["blocks"] += 1
        if rnd.random() < u.p_background_unfriend and self.friend_list:
            f = rnd.choice(self.friend_list)
            if f in self.friends:
                model.unfriend(self, f)
                d["blocks"] += 1
        # orders (F15-F17)
        rnd.shuffle(intents)
        for s, r in intents:
            if rnd.random() < pp.p_payment_fail:
                continue
            trust = self.trust[s]
            units = 1 + _poisson(rnd, pp.trust_value_slope * trust * trust)
            units = min(units, int(self.budget // r.price))
            if units <= 0 or units > r.inventory:
                continue
            value = units * r.price
            self.budget -= value
            self.purchases += 1
            self.bought.add(s)
            r.sell(units, value)
            genuine = _binomial(rnd, units, r.quality)
            d["purchases"] += 1
            d["gmv"] += value
            if genuine < units:  # a counterfeit, a complaint (F12), a warning (F16)
                if rnd.random() < u.p_report_counterfeit:
                    r.complaints_today += 1
                    d["reports"] += 1
                self.learn(s, bad=tp.negativity * tp.bad_counterfeit)
                self.tell(s, tp.p_word_of_mouth, bad=tp.negativity * tp.loss_word_of_mouth)
            else:  # genuine, and a recommendation (F15, LIT SF9)
                self.learn(s, good=tp.good_genuine)
                self.tell(s, tp.p_recommend, good=tp.good_recommend)

    def accrue(self) -> None:
        """A day's budget, up to the saving cap."""
        self.budget = min(self.budget + self.budget_rate, self.budget_cap)


class RefReseller(mesa.Agent):
    """A reseller: a person who posts ads, buys stock upstream and recruits (F4)."""

    def __init__(self, model: ReferenceModel, person: Person, strategy: _Strategy,
                 upstream: Any, level: int, category: int, price: float, cost: float,
                 quality: float) -> None:
        super().__init__(model)
        self.person = person
        person.reseller = self
        self.strategy = strategy
        self.upstream = upstream
        self.level, self.category, self.price, self.cost = level, category, price, cost
        self.base_quality = quality
        self.quality = min(1.0, quality + strategy.quality_bonus)
        self.status = ACTIVE
        self.inventory = 0
        self.cash = 0.0
        self.ads_today = self.life_today = self.group_ads_today = 0
        self.owns_group = False
        self.reports_today = self.complaints_today = 0
        self.window: deque[int] = deque()
        self.joined_day = model.day
        self.account_age_start = 0  # recruits' accounts are new (F12)
        self.mutes_received = self.blocks_received = self.recruits = self.days_in_loss = 0
        # its own patience: quit_after_loss_days x a lognormal factor of mean 1 (CV spread)
        rp = model.p.resellers
        s2 = math.log1p(rp.patience_spread ** 2)
        self.patience = rp.quit_after_loss_days * math.exp(
            math.sqrt(s2) * model.patience_random.gauss(0.0, 1.0) - s2 / 2)
        for f in person.friends:
            f.sellers.add(person)

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    def step(self) -> None:
        """Plan today's posts, restock when low, maybe pitch a friend."""
        if self.status != ACTIVE:
            self.ads_today = self.life_today = self.group_ads_today = 0
            return
        m = self.model
        rnd = self.random
        self.ads_today = _poisson(rnd, self.strategy.ads)
        if m.p.platform.posting_cap > 0 and m.p.platform.policy != "none":
            self.ads_today = min(self.ads_today, int(m.p.platform.posting_cap))
        self.life_today = _poisson(rnd, self.strategy.life)
        self.group_ads_today = _poisson(rnd, m.p.groups.ads_per_day) if self.owns_group else 0
        if (m.p.platform.posting_cap > 0 and m.p.platform.policy != "none"
                and m.p.platform.cap_channels == "all"):
            self.group_ads_today = min(self.group_ads_today, int(m.p.platform.posting_cap))
        m.today["ads_posted"] += self.ads_today
        rp = m.p.resellers
        if self.inventory < rp.restock_below and rp.restock_amount > 0:
            self.buy_stock(rp.restock_amount)
        if self.level < rp.max_level and rnd.random() < rp.p_pitch:
            self.pitch()

    def pitch(self) -> None:
        """Pitch "become my agent" to one random friend (F4)."""
        me = self.person
        if not me.friend_list:
            return
        f = self.random.choice(me.friend_list)
        m = self.model
        if f not in me.friends or f.reseller is not None or f in m.pending:
            return
        if self.random.random() < m.p.resellers.p_accept * f.trust[me]:
            m.pending[f] = self

    def supplier(self) -> Any:
        up = self.upstream
        while isinstance(up, RefReseller) and not up.active:
            up = up.upstream
        return up

    def buy_stock(self, units: int) -> int:
        """Buy ``units`` items, at least the level's minimum order (LIT M6)."""
        rp = self.model.p.resellers
        minimum = math.ceil(rp.min_order_level1 * rp.min_order_per_level ** (self.level - 1)
                            - 1e-9)
        units = max(units, minimum) if units > 0 else 0
        up = self.supplier()
        got = up.sell_wholesale(units, self.cost) if up is not None else units
        self.inventory += got
        self.cash -= got * self.cost
        return got

    def sell_wholesale(self, units: int, unit_price: float) -> int:
        short = units - self.inventory
        if short > 0:
            self.buy_stock(max(short, self.model.p.resellers.restock_amount))
        got = min(units, self.inventory)
        self.inventory -= got
        self.cash += got * unit_price
        return got

    def sell(self, units: int, value: float) -> None:
        self.inventory -= units
        self.cash += value


class RefMerchant(mesa.Agent):
    """A brand with a public account: pushes to followers, supplies resellers."""

    def __init__(self, model: ReferenceModel, category: int, followers: list[Person]) -> None:
        super().__init__(model)
        mp = model.p.merchants
        self.category = category
        self.followers = followers
        self.following = {f: True for f in followers}
        self.trust = {f: mp.trust_start for f in followers}
        self.annoyance = {f: 0.0 for f in followers}
        self.pushes_today = 0
        self.pushes_sent = 0
        self.month_start = 0

    def plan(self) -> None:
        mp = self.model.p.merchants
        want = (_poisson(self.random, mp.pushes_per_day) if mp.pushes_per_day % 1
                else int(mp.pushes_per_day))
        if not self.model.p.platform.enforce_push_limits:
            self.pushes_today = want
        elif mp.account_type == "subscription":
            self.pushes_today = min(want, 1)
        else:
            if self.model.day % 30 == 0:
                self.month_start = self.pushes_sent
            self.pushes_today = max(0, min(want, 4 - (self.pushes_sent - self.month_start)))

    def push(self) -> None:
        """Pushes (folded, F2), unfollows, and orders from followers who open one."""
        m = self.model
        p = m.p
        mp, pp, u = p.merchants, p.purchase, p.users
        rnd = self.random
        k = self.pushes_today
        for f in self.followers:
            self.annoyance[f] *= 1 - u.annoyance_decay
        if k <= 0:
            return
        self.pushes_sent += k
        pf = p.platform
        fold = (1.0 if k <= 1 or not pf.fold_pushes or pf.fold_decay >= 1
                else (1 - pf.fold_decay ** k) / (k * (1 - pf.fold_decay)))
        for f in self.followers:
            need = f.need[self.category]
            target = self.following[f] and (need >= mp.segment_need if mp.segmentation else True)
            opens = _binomial(rnd, k, min(1.0, mp.p_open_push * fold * f.p_open)) if target else 0
            if target:
                self.annoyance[f] += k * mp.annoyance_per_push * (1 - need)
            if (self.following[f] and self.annoyance[f]
                    >= mp.unfollow_threshold * f.block_thr / u.block_threshold):
                self.following[f] = False
            if not opens:
                continue
            trust = self.trust[f]
            q = (pp.p_buy_base * trust * need * (pp.reference_price / mp.price)
                 ** pp.price_elasticity * math.exp(-pp.fatigue * self.annoyance[f]))
            q = min(max(q, 0.0), 1.0)
            buy = rnd.random() < 1 - (1 - q) ** opens
            paid = rnd.random() >= pp.p_payment_fail
            if not (buy and paid and f.budget >= mp.price):
                continue
            units = 1 + _poisson(rnd, pp.trust_value_slope * trust * trust)
            units = min(units, int(f.budget // mp.price))
            value = units * mp.price
            f.budget -= value
            f.purchases += 1
            m.today["purchases"] += 1
            m.today["gmv"] += value
            if _binomial(rnd, units, mp.quality) < units:
                self.trust[f] = trust * (1 - p.trust.loss_counterfeit)
            else:
                self.trust[f] = trust + p.trust.gain_genuine * (1 - trust)

    def sell_wholesale(self, units: int, unit_price: float) -> int:
        return units


_COUNTERS = ("ads_posted", "ads_seen", "feed_items_seen", "ordinary_seen", "mutes", "blocks",
             "reports", "bans", "purchases", "gmv", "recruits", "quits")


class ReferenceModel(mesa.Model):
    """The reference model on a given friend graph.

    Parameters
    ----------
    params : Scenario
    indptr, indices : ndarray
        The friend graph as symmetric CSR arrays (the same generated graph scsim
        is given: its initial resellers then add friends, as scsim's do).
    seed : int
    cache_feed_load : bool
        Keep each person's ordinary feed load up to date instead of summing
        over friends every day.
    """

    def __init__(self, params: Scenario, indptr: np.ndarray, indices: np.ndarray, seed: int,
                 cache_feed_load: bool = False) -> None:
        super().__init__(rng=seed)
        self.p = params
        #: resellers' patience draws, a stream of their own (the others' draws stay put)
        self.patience_random = random.Random(f"patience-{seed}")
        self.cache_feed_load = cache_feed_load
        self.day = 0
        rnd = self.random
        n = indptr.shape[0] - 1
        people = [Person(self) for _ in range(n)]
        self.people = people
        tp = params.trust
        ind = indices.tolist()
        ptr = indptr.tolist()
        for i, a in enumerate(people):
            a.friend_list = [people[j] for j in ind[ptr[i]:ptr[i + 1]]]
            a.friends = set(a.friend_list)
        for a in people:
            for b in a.friend_list:
                if b.unique_id > a.unique_id:
                    strong = rnd.random() < params.graph.strong_tie_share
                    a.trust[b] = b.trust[a] = tp.trust_strong if strong else tp.trust_weak
                    if strong:
                        a.strong.add(b)
                        b.strong.add(a)
        mp, rp = params.merchants, params.resellers
        chosen = rnd.sample(people, round(rp.initial_share * n))
        if rp.friends_median > 0:  # marketing accounts add strangers up to their count
            cap = min(rp.friends_cap, n - 1)
            needs = [min(round(rnd.lognormvariate(math.log(rp.friends_median),
                                                  rp.friends_sigma)), cap) - len(a.friend_list)
                     for a in chosen]  # (a reseller befriended by another counts it on top)
            for a, need in zip(chosen, needs, strict=True):
                while need > 0 and len(a.friends) < n - 1:
                    b = rnd.choice(people)
                    if b is not a and b not in a.friends:
                        a.friend_list.append(b)
                        b.friend_list.append(a)
                        a.friends.add(b)
                        b.friends.add(a)
                        a.trust[b] = b.trust[a] = tp.trust_weak
                        need -= 1
        for a in people:
            a.ordinary_load = sum(f.ordinary_rate for f in a.friends)
        k = round(mp.follower_share * n)
        self.merchants = [RefMerchant(self, rnd.randrange(params.users.n_categories),
                                      rnd.sample(people, k)) for _ in range(mp.n_merchants)]
        self.pending: dict[Person, RefReseller] = {}
        self.resellers: list[RefReseller] = []
        s = params.strategies
        self.strategies = {
            "flooder": _Strategy("flooder", s.flooder_ads_per_day, 0.0),
            "mixer": _Strategy("mixer", s.mixer_ads_per_day, s.mixer_lifestyle_per_day),
            "curated": _Strategy("curated", s.curated_ads_per_day, s.curated_lifestyle_per_day,
                                 s.curated_appeal, s.curated_quality_bonus),
        }
        shares = {"flooder": rp.share_flooder, "mixer": rp.share_mixer,
                  "curated": rp.share_curated}
        for person in chosen:
            name = rnd.choices(list(shares), weights=list(shares.values()))[0]
            up = rnd.choice(self.merchants) if self.merchants else None
            cat = up.category if up is not None else rnd.randrange(params.users.n_categories)
            q = rp.quality_counterfeit if rnd.random() < rp.counterfeit_share \
                else rp.quality_genuine
            self._add_reseller(person, self.strategies[name], up, 1, cat, rp.sell_price,
                               rp.level1_cost, q)
        gp = params.groups
        for r in rnd.sample(self.resellers, min(gp.n_groups, len(self.resellers))):
            r.owns_group = True
            fl = r.person.friend_list
            for f in rnd.sample(fl, min(len(fl), gp.mean_size, gp.max_size - 1)):
                f.groups.add(r.person)
        for r in self.resellers:  # the initial accounts' ages (F12, 养号)
            r.account_age_start = rnd.randint(0, params.platform.initial_account_age_max)
        self.today = dict.fromkeys(_COUNTERS, 0.0)
        self.history: list[dict[str, float]] = []

    def _add_reseller(self, person: Person, strategy: _Strategy, up: Any, level: int,
                      category: int, price: float, cost: float, quality: float) -> RefReseller:
        r = RefReseller(self, person, strategy, up, level, category, price, cost, quality)
        self.resellers.append(r)
        r.buy_stock(self.p.resellers.starter_stock)
        return r

    def unfriend(self, a: Person, b: Person) -> None:
        """``a`` blocks or unfriends ``b``: the friendship is gone for both."""
        if self.cache_feed_load:
            if b not in a.muted:
                a.ordinary_load -= b.ordinary_rate
            if a not in b.muted:
                b.ordinary_load -= a.ordinary_rate
        a.friends.discard(b)
        b.friends.discard(a)
        a.sellers.discard(b)
        b.sellers.discard(a)

    def step(self) -> None:
        """One day: plan, people, pushes, moderation, money."""
        self.today = dict.fromkeys(_COUNTERS, 0.0)
        self.agents_by_type[RefReseller].shuffle_do("step")
        for mer in self.merchants:
            mer.plan()
        self.agents_by_type[Person].shuffle_do("step")
        for mer in self.merchants:
            mer.push()
        # moderation (F12)
        pf = self.p.platform
        for r in self.resellers:
            r.window.append(r.reports_today + pf.counterfeit_report_weight * r.complaints_today)
            r.reports_today = r.complaints_today = 0
            if len(r.window) > pf.report_window_days:
                r.window.popleft()
            # young accounts are banned sooner (F12)
            age = self.day - r.joined_day + r.account_age_start
            threshold = pf.report_threshold * min(1.0, (age + 1) / pf.account_maturity_days)
            if (pf.policy == "threshold_ban" and r.status == ACTIVE
                    and sum(r.window) >= threshold):
                r.status = BANNED
                self.today["bans"] += 1
        # money (F4, F19)
        rp = self.p.resellers
        for r in self.resellers:
            if r.status == ACTIVE:
                r.cash -= rp.fixed_cost_per_day
        for person, up in sorted(self.pending.items(), key=lambda kv: kv[0].unique_id):
            if person.reseller is None and up.active:
                self._add_reseller(person, up.strategy, up, up.level + 1, up.category, up.price,
                                   up.cost * (1 + rp.markup_per_level), up.base_quality)
                up.recruits += 1
                self.today["recruits"] += 1
        self.pending = {}
        for r in self.resellers:
            if r.status != ACTIVE:
                continue
            # profit with unsold stock valued at cost
            r.days_in_loss = r.days_in_loss + 1 if r.cash + r.inventory * r.cost < 0 else 0
            if r.days_in_loss >= r.patience:
                r.status = QUIT
                self.today["quits"] += 1
        self.agents_by_type[Person].do("accrue")
        self.history.append(self.today)
        self.day += 1


@dataclass
class ReferenceRun:
    """Totals of a reference run."""

    totals: dict[str, float]
    daily: list[dict[str, float]] = field(repr=False)
    init_seconds: float
    run_seconds: float


def run_reference(params: Scenario, indptr: np.ndarray, indices: np.ndarray, seed: int,
                  days: int, cache_feed_load: bool = False) -> ReferenceRun:
    """Build a :class:`ReferenceModel` and run it ``days`` days.

    Returns
    -------
    ReferenceRun
        Totals over the run of ads posted and seen, mutes, blocks (all
        causes), reports, bans, purchases (all channels), GMV, recruits and
        quits, plus the daily records and the timings.
    """
    t0 = time.perf_counter()
    model = ReferenceModel(params, indptr, indices, seed, cache_feed_load)
    t1 = time.perf_counter()
    for _ in range(days):
        model.step()
    t2 = time.perf_counter()
    totals = {k: float(sum(d[k] for d in model.history)) for k in _COUNTERS}
    return ReferenceRun(totals, model.history, t1 - t0, t2 - t1)
