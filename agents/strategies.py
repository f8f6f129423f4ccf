"""Posting strategies of resellers (F10, F19).

A strategy decides, each day, how many ads and how many lifestyle posts a
reseller puts in Moments. Anything with a ``plan(seller, rng)`` method that
returns a :class:`Plan` is a strategy (the :class:`PostingStrategy`
protocol); subclass :class:`Strategy` to get the bookkeeping for free::

    class Weekender(Strategy):
        name = "weekender"
        def plan(self, seller, rng):
            weekend = seller.model.day % 7 in (5, 6)
            return Plan(ads=3 if weekend else 0, lifestyle=1)

or wrap a plain function with :meth:`Strategy.from_func`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

__all__ = ["Plan", "PostingStrategy", "Strategy", "FeedFlooder", "LifestyleMixer",
           "CuratedSeller", "builtin_strategies"]


@dataclass(frozen=True)
class Plan:
    """Today's posts: ``ads`` product ads and ``lifestyle`` ordinary life posts."""

    ads: int
    lifestyle: int = 0


@runtime_checkable
class PostingStrategy(Protocol):
    """What a posting strategy must provide.

    Attributes
    ----------
    name : str
        Short name used in tables and plots.
    appeal : float
        Multiplier on the purchase probability of this seller's ads.
    quality_bonus : float
        Added to the seller's probability that an item is genuine.
    """

    name: str
    appeal: float
    quality_bonus: float

    def plan(self, seller: Any, rng: np.random.Generator) -> Plan:
        """Return today's posts for ``seller``."""
        ...


class Strategy:
    """Base class: Poisson ads and lifestyle posts at fixed daily rates.

    Parameters
    ----------
    ads_per_day : float
        Mean ads a day.
    lifestyle_per_day : float
        Mean lifestyle (non-ad) posts a day.
    appeal : float
        Purchase-probability multiplier of the seller's products.
    quality_bonus : float
        Added to the genuine probability of the seller's items.
    """

    name: ClassVar[str] = "strategy"
    #: What the strategy is and where it comes from (Axelrod-style classifier).
    classifier: ClassVar[dict[str, Any]] = {}

    def __init__(self, ads_per_day: float = 1.0, lifestyle_per_day: float = 0.0,
                 appeal: float = 1.0, quality_bonus: float = 0.0) -> None:
        for label, v in (("ads_per_day", ads_per_day), ("lifestyle_per_day", lifestyle_per_day),
                         ("appeal", appeal), ("quality_bonus", quality_bonus)):
            if not np.isfinite(v) or v < 0:
                raise ValueError(f"{type(self).__name__}: {label} = {v!r} must be >= 0")
        self.ads_per_day = float(ads_per_day)
        self.lifestyle_per_day = float(lifestyle_per_day)
        self.appeal = float(appeal)
        self.quality_bonus = float(quality_bonus)

    def plan(self, seller: Any, rng: np.random.Generator) -> Plan:
        """Poisson draws around the strategy's daily rates."""
        return Plan(int(rng.poisson(self.ads_per_day)), int(rng.poisson(self.lifestyle_per_day)))

    @classmethod
    def from_func(cls, name: str, func: Callable[[Any, np.random.Generator], Plan | tuple],
                  appeal: float = 1.0, quality_bonus: float = 0.0) -> Strategy:
        """Make a strategy from a function ``func(seller, rng) -> Plan or (ads, lifestyle)``.

        Examples
        --------
        >>> s = Strategy.from_func("two", lambda seller, rng: (2, 0))
        >>> s.plan(None, np.random.default_rng(0))
        Plan(ads=2, lifestyle=0)
        """

        class _FuncStrategy(cls):  # type: ignore[valid-type, misc]
            def plan(self, seller: Any, rng: np.random.Generator) -> Plan:
                out = func(seller, rng)
                return out if isinstance(out, Plan) else Plan(int(out[0]), int(out[1]))

            def __repr__(self) -> str:
                return f"Strategy.from_func({name!r}, {getattr(func, '__name__', 'func')})"

        _FuncStrategy.name = name
        _FuncStrategy.__name__ = f"FuncStrategy[{name}]"
        return _FuncStrategy(appeal=appeal, quality_bonus=quality_bonus)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(ads_per_day={self.ads_per_day:g}, "
                f"lifestyle_per_day={self.lifestyle_per_day:g})")


class FeedFlooder(Strategy):
    """刷屏王: many ads, no life posts (F10)."""

    name = "flooder"
    classifier = {"ads": "many", "lifestyle": "none", "source": "F10"}


class LifestyleMixer(Strategy):
    """Shares life (travel, home) with sparse small ads (F10)."""

    name = "mixer"
    classifier = {"ads": "sparse", "lifestyle": "frequent", "source": "F10"}


class CuratedSeller(Strategy):
    """少而美: few, well-chosen products, rarely posted, better quality (F19)."""

    name = "curated"
    classifier = {"ads": "rare", "lifestyle": "some", "products": "few", "source": "F19"}


def builtin_strategies(p: Any) -> dict[str, Strategy]:
    """The three built-in strategies with a scenario's rates.

    Parameters
    ----------
    p : sim.params.StrategyParams
    """
    return {
        "flooder": FeedFlooder(p.flooder_ads_per_day, 0.0),
        "mixer": LifestyleMixer(p.mixer_ads_per_day, p.mixer_lifestyle_per_day),
        "curated": CuratedSeller(p.curated_ads_per_day, p.curated_lifestyle_per_day,
                                 appeal=p.curated_appeal, quality_bonus=p.curated_quality_bonus),
    }
