"""The ordinary population: one set of named arrays, stepped in bulk.

A person is a row in these arrays, not a Python object; :class:`UserView`
reads one row for inspection (``model.user(label)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = ["TOLERANT", "MUTER", "BLOCKER_TYPE", "TYPE_NAMES", "Population", "UserView"]

TOLERANT, MUTER, BLOCKER_TYPE = 0, 1, 2
TYPE_NAMES = ("tolerant", "muter", "blocker")

#: role codes
ROLE_PERSON, ROLE_RESELLER = 0, 1


@dataclass
class Population:
    """Per-person state arrays (length ``n``).

    Attributes
    ----------
    p_open : float32
        Daily probability of opening Moments (Beta; LIT 4.1).
    attention : float32
        Feed items read per visit.
    ordinary_rate : float32
        Ordinary posts a day this person shares with friends.
    kind : uint8
        Tolerance type: 0 tolerant, 1 muter, 2 blocker (F8).
    mute_thr, block_thr, report_thr : float32
        Individual annoyance thresholds.
    need : float32, shape (n, n_categories)
        Need for each product category.
    budget, budget_rate, budget_cap : float32
        Money available for purchases, accrual a day, and saving cap.
    role : uint8
        0 ordinary person, 1 reseller.
    ordinary_load : float32
        Expected ordinary posts a day from friends still visible.
    n_purchases, spent, lost_counterfeit, n_counterfeits : accumulators
    """

    p_open: Any
    attention: Any
    ordinary_rate: Any
    kind: Any
    mute_thr: Any
    block_thr: Any
    report_thr: Any
    need: Any
    budget: Any
    budget_rate: Any
    budget_cap: Any
    role: Any
    ordinary_load: Any
    n_purchases: Any
    spent: Any
    lost_counterfeit: Any
    n_counterfeits: Any

    @classmethod
    def create(cls, n: int, users: Any, indptr: np.ndarray, indices: np.ndarray,
               rng: np.random.Generator, xp: Any = np) -> Population:
        """Draw a heterogeneous population.

        Parameters
        ----------
        n : int
            Number of people.
        users : sim.params.UserParams
        indptr, indices : ndarray
            The friend graph's CSR arrays (for the ordinary feed load).
        rng : numpy.random.Generator
            The population stream.
        xp : module
            Array backend the arrays are placed on.
        """
        f32 = np.float32
        c = users.p_open_concentration
        m = min(max(users.p_open_mean, 1e-6), 1 - 1e-6)
        p_open = rng.beta(m * c, (1 - m) * c, n).astype(f32)
        if users.p_open_mean >= 1.0:
            p_open[:] = 1.0
        attention = rng.gamma(4.0, users.attention_mean / 4.0, n).astype(f32)
        ordinary = rng.exponential(users.ordinary_posts_per_day, n).astype(f32) \
            if users.ordinary_posts_per_day > 0 else np.zeros(n, f32)
        kind = rng.choice(3, size=n, p=[users.share_tolerant, users.share_muter,
                                        users.share_blocker]).astype(np.uint8)
        s = users.threshold_spread
        noise = rng.lognormal(0.0, s, (3, n)).astype(f32) if s > 0 else np.ones((3, n), f32)
        factor = np.where(kind == TOLERANT, f32(users.tolerant_factor), f32(1))
        mute_thr = f32(users.mute_threshold) * noise[0] * factor
        block_thr = f32(users.block_threshold) * noise[1] * factor
        report_thr = f32(users.report_threshold) * noise[2] * factor
        k = users.n_categories
        nm = min(max(users.need_mean, 1e-6), 1 - 1e-6)
        need = rng.beta(2 * nm, 2 * (1 - nm), (n, k)).astype(f32)
        budget_rate = rng.gamma(2.0, users.budget_per_day / 2.0, n).astype(f32)
        budget_cap = budget_rate * f32(users.budget_cap_days)
        budget = budget_cap * rng.random(n, dtype=f32)
        # row sums over the nonempty rows only (their starts bound them exactly), so
        # isolated people get 0, even the last ones (np.add.reduceat raises on empty
        # rows); a float64 running sum instead costs 13 s and 1.6 GB at 1e8 ties
        load = np.zeros(n, f32)
        nonempty = np.flatnonzero(np.diff(indptr) > 0)
        if nonempty.size:
            load[nonempty] = np.add.reduceat(ordinary[indices], indptr[nonempty])
        arrays = dict(
            p_open=p_open, attention=attention, ordinary_rate=ordinary, kind=kind,
            mute_thr=mute_thr, block_thr=block_thr, report_thr=report_thr, need=need,
            budget=budget, budget_rate=budget_rate, budget_cap=budget_cap,
            role=np.zeros(n, np.uint8), ordinary_load=load,
            n_purchases=np.zeros(n, np.int32), spent=np.zeros(n, f32),
            lost_counterfeit=np.zeros(n, f32), n_counterfeits=np.zeros(n, np.int32),
        )
        return cls(**{k_: xp.asarray(v) for k_, v in arrays.items()})

    def row(self, i: int) -> dict[str, Any]:
        """All state of person ``i`` as plain Python values."""
        out: dict[str, Any] = {}
        for name, arr in vars(self).items():
            v = arr[i]
            v = v.get() if hasattr(v, "get") else v
            out[name] = v.tolist() if hasattr(v, "tolist") else v
        out["kind"] = TYPE_NAMES[int(out["kind"])]
        return out


class UserView:
    """Read-only view of one person, for inspection.

    Attributes are the person's current state (see :class:`Population`),
    plus ``label``, ``id``, ``friends`` (current, by label), ``muted`` and
    ``blocked`` (whom this person muted / blocked, by label).
    """

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        object.__setattr__(self, "_data", MappingProxyType(dict(data)))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"person has no attribute {name!r}; "
                                 f"available: {', '.join(sorted(self._data))}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("UserView is read-only; change the model's arrays instead")

    def as_dict(self) -> dict[str, Any]:
        """Everything known about this person."""
        return dict(self._data)

    def __repr__(self) -> str:
        d = self._data
        return (f"UserView(label={d['label']!r}, kind={d['kind']!r}, "
                f"friends={len(d['friends'])}, purchases={d['n_purchases']})")
