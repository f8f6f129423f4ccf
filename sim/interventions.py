"""Interventions: the one way to change a run while it runs (as Starsim's interventions).

An intervention is applied at the start of its ``day``, before the day's
rules run, and changes the model only through its public operations:
:meth:`sim.model.SocialCommerceModel.set_params` for parameters and the
:attr:`agents.resellers.Reseller.strategy` setter for a seller's strategy.
Every rule reads parameters and strategies afresh each day, so a change is
honoured everywhere from that day on.

Every intervention is checked when the model is built, before any day runs
(:func:`check_interventions`): a parameter read only while the town is built
(:data:`sim.model.SETUP_ONLY`), an unknown key or an invalid value, and a
``who`` naming no strategy the model knows are errors; an intervention dated
on or after ``run.days`` warns (:class:`InterventionWarning`), since it
applies only if the model is run on past ``run.days`` (``model.run(days)``),
and one dated on or after day 3,650, where no model goes, is an error.

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

import warnings
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from agents.strategies import PostingStrategy
from sim.scenario import ScenarioError, with_overrides

if TYPE_CHECKING:
    from agents.resellers import Reseller
    from sim.model import SocialCommerceModel
    from sim.params import Scenario

__all__ = ["Intervention", "ChangeParams", "ChangeStrategy", "InterventionWarning",
           "check_interventions"]


class InterventionWarning(UserWarning):
    """An intervention that a run of ``run.days`` days never reaches."""


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

    def check(self, params: Scenario, strategy_names: Collection[str]) -> Scenario:
        """Raise :class:`sim.scenario.ScenarioError` if the change cannot be made in a model
        of ``params`` whose resellers' strategies are named ``strategy_names``; return the
        parameters from this day on (the next intervention is checked against them).
        Called when the model is built; subclasses add their own checks."""
        return params


class ChangeParams(Intervention):
    """Set parameters (dotted keys) from ``day`` on, e.g. ``{"platform.posting_cap": 2}``."""

    def __init__(self, day: int, overrides: Mapping[str, Any]) -> None:
        super().__init__(day)
        self.overrides = dict(overrides)

    def apply(self, model: SocialCommerceModel) -> None:
        """Call :meth:`SocialCommerceModel.set_params`."""
        model.set_params(self.overrides)

    def check(self, params: Scenario, strategy_names: Collection[str]) -> Scenario:
        """The keys and values, as :meth:`SocialCommerceModel.set_params` will check them."""
        from sim.model import setup_only_keys

        fixed = setup_only_keys(self.overrides)
        if fixed:
            raise ScenarioError(f"{self!r}: {', '.join(fixed)} is read only while the town is "
                                "built, so it cannot change mid-run; set it in the scenario "
                                "(overrides=...) instead")
        try:
            return with_overrides(params, self.overrides)
        except ScenarioError as exc:
            raise ScenarioError(f"{self!r}: {exc}") from None

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
        if who is not None and not isinstance(who, str) and not callable(who):
            raise TypeError(f"who = {who!r}: expected a strategy name, a function of a "
                            "reseller returning true or false, or None (all resellers)")
        self.strategy = strategy
        self.who = who

    def check(self, params: Scenario, strategy_names: Collection[str]) -> Scenario:
        """``who``, when a name, must name a strategy a reseller can have."""
        if isinstance(self.who, str) and self.who not in strategy_names:
            raise ScenarioError(
                f"{self!r}: who = {self.who!r} names no strategy of this model, so it would "
                f"change nobody; strategy names: {', '.join(sorted(strategy_names))}")
        return params

    def apply(self, model: SocialCommerceModel) -> None:
        """Assign the strategy to each selected reseller."""
        who = self.who
        for r in model.reseller_list:
            if who is None or (r.strategy.name == who if isinstance(who, str) else who(r)):
                r.strategy = self.strategy

    def __repr__(self) -> str:
        return f"ChangeStrategy(day={self.day}, {self.strategy!r}, who={self.who!r})"


def check_interventions(interventions: Iterable[Any], params: Scenario,
                        strategy_names: Iterable[str], *, max_days: int,
                        stacklevel: int = 2) -> list[Intervention]:
    """The interventions in the order they apply (by day, stable), each checked.

    Parameters
    ----------
    interventions : iterable of Intervention
    params : Scenario
        The model's parameters as built; each :class:`ChangeParams` is checked
        against them as changed by the interventions before it.
    strategy_names : iterable of str
        The names of the strategies the model's resellers can start with; a
        :class:`ChangeStrategy` adds its strategy's name for those after it.
    max_days : int
        The most days a model runs (:data:`sim.model.MAX_DAYS`).

    Raises
    ------
    ScenarioError
        Not an intervention, dated on or after ``max_days``, or its own check
        (:meth:`Intervention.check`) fails.

    Warns
    -----
    InterventionWarning
        Dated on or after ``run.days``: a run of ``run.days`` days never applies it.
    """
    if isinstance(interventions, Intervention) or not isinstance(interventions, Iterable):
        raise ScenarioError(f"interventions = {interventions!r}: expected a list of "
                            "interventions, e.g. [ChangeParams(30, {...})]")
    items = list(interventions)
    for i, iv in enumerate(items):
        if not isinstance(iv, Intervention):
            raise ScenarioError(f"interventions[{i}] = {iv!r}: expected an Intervention "
                                "(ChangeParams, ChangeStrategy or a subclass of Intervention)")
    items.sort(key=lambda iv: iv.day)
    names = set(strategy_names)
    days = params.run.days
    for iv in items:
        if iv.day >= max_days:
            raise ScenarioError(f"{iv!r}: day {iv.day} is never reached: a model runs at most "
                                f"{max_days} days (days 0..{max_days - 1})")
        params = iv.check(params, names)
        if isinstance(iv, ChangeStrategy):
            names.add(iv.strategy.name)
        if iv.day >= days:
            warnings.warn(f"{iv!r} is dated after the run's last day (run.days = {days} runs "
                          f"days 0..{days - 1}): it applies only if the model is run on past "
                          f"day {days - 1} (model.run(days))", InterventionWarning,
                          stacklevel=stacklevel + 1)
    return items
