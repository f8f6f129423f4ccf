"""Interventions: the one way to change a run while it runs (as Starsim's interventions).

An intervention is applied at the start of its ``day``, before the day's
rules run, and changes the model only through its public operations:
:meth:`sim.model.SocialCommerceModel.set_params` for parameters and the
:attr:`agents.resellers.Reseller.strategy` setter for a seller's strategy.
Every rule reads parameters and strategies afresh each day, so a change is
honoured everywhere from that day on. Parameters read only while the town is
built (:data:`sim.model.SETUP_ONLY`) are refused with a clear error.

Examples
--------
>>> from sim.model import SocialCommerceModel
>>> from agents.strategies import Strategy
>>> quiet = Strategy.from_func("quiet", lambda seller, rng: (0, 0))
>>> m = SocialCommerceModel(overrides={"graph.n_people": 300, "graph.mean_degree": 10},
...                         interventions=[ChangeStrategy(2, quiet, who="flooder"),
...                                        ChangeParams(3, {"trust.gain_lifestyle": 0.0})])
>>> _ = m.run(5)
>>> m.params.trust.gain_lifestyle
0.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from agents.strategies import PostingStrategy

if TYPE_CHECKING:
    from agents.resellers import Reseller
    from sim.model import SocialCommerceModel

__all__ = ["Intervention", "ChangeParams", "ChangeStrategy"]


class Intervention:
    """A change applied at the start of day ``day``; subclasses implement :meth:`apply`.

    Parameters
    ----------
    day : int
        The day (0-based) at whose start the change is made.

    Raises
    ------
    ValueError
        ``day`` is negative.
    """

    def __init__(self, day: int) -> None:
        if int(day) != day or day < 0:
            raise ValueError(f"intervention day = {day!r} must be a whole number >= 0")
        self.day = int(day)

    def apply(self, model: SocialCommerceModel) -> None:  # pragma: no cover - abstract
        """Make the change."""
        raise NotImplementedError


class ChangeParams(Intervention):
    """Set parameters (dotted keys) from ``day`` on, e.g. ``{"platform.posting_cap": 2}``."""

    def __init__(self, day: int, overrides: Mapping[str, Any]) -> None:
        super().__init__(day)
        self.overrides = dict(overrides)

    def apply(self, model: SocialCommerceModel) -> None:
        """Call :meth:`SocialCommerceModel.set_params`."""
        model.set_params(self.overrides)

    def __repr__(self) -> str:
        return f"ChangeParams(day={self.day}, {self.overrides!r})"


class ChangeStrategy(Intervention):
    """Give resellers a new posting strategy from ``day`` on.

    Parameters
    ----------
    day : int
    strategy : PostingStrategy
        The new strategy.
    who : str or callable, optional
        Which resellers: those whose current strategy has this name, or those
        for which ``who(reseller)`` is true; default all.
    """

    def __init__(self, day: int, strategy: PostingStrategy,
                 who: str | Callable[[Reseller], bool] | None = None) -> None:
        super().__init__(day)
        if not isinstance(strategy, PostingStrategy):
            raise TypeError(f"strategy {strategy!r} lacks name/appeal/quality_bonus/plan()")
        self.strategy = strategy
        self.who = who

    def apply(self, model: SocialCommerceModel) -> None:
        """Assign the strategy to each selected reseller."""
        who = self.who
        for r in model.reseller_list:
            if who is None or (r.strategy.name == who if isinstance(who, str) else who(r)):
                r.strategy = self.strategy

    def __repr__(self) -> str:
        return f"ChangeStrategy(day={self.day}, {self.strategy!r}, who={self.who!r})"
