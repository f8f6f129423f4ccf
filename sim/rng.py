"""One seed in, named independent random streams out.

Each stream's seed is derived from the root seed and a stable hash of its
name (as Starsim does), so adding a stream never shifts the draws of
another, and two runs that differ in one parameter share every stream that
parameter does not touch.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream", "STREAMS", "SETUP_STREAMS", "DECISION_STREAMS", "ARRAY_STREAMS"]

#: Set-up streams: the friend graph, people's traits, who sells (seeding, strategies,
#: counterfeit flags), marketing accounts' extra friends, initial account ages,
#: merchants' followers, groups, and Mesa's own generator.
SETUP_STREAMS = ("graph", "population", "sellers", "reseller_friends", "accounts", "merchants",
                 "groups", "mesa")

#: One stream per decision of the day (common random numbers): a parameter that changes
#: one decision's number of draws leaves every other decision's draws where they were.
DECISION_STREAMS = (
    "open", "read",  # step 2: who opens Moments; what each opener reads
    "buy", "obligation", "channel",  # step 3: intents, buying to support a friend, channel
    "report", "churn",  # step 4: reports; background unfriending
    "pay", "ration", "units", "genuine", "warn", "recommend", "complain",  # step 5: orders
    "push_plan", "push_open", "push_buy", "push_pay", "push_units", "push_genuine",  # pushes
    "followers",  # merchants' paid and offline followers
    "plan", "pitch", "accept", "patience",  # sellers' plans, recruitment, patience
)

#: Every stream the model uses.
STREAMS = SETUP_STREAMS + DECISION_STREAMS

#: Streams drawn on the array backend (device draws, :class:`sim.backend.Draws`).
ARRAY_STREAMS = ("open", "read", "buy", "obligation", "channel", "report", "churn", "pay",
                 "ration", "units", "genuine", "warn", "recommend", "complain", "push_open",
                 "push_buy", "push_pay", "push_units", "push_genuine")


def stream(seed: int, name: str) -> np.random.Generator:
    """Return the generator of stream ``name`` under root ``seed``.

    Parameters
    ----------
    seed : int
        Root seed of the run.
    name : str
        Stream name; any string, hashed with CRC-32.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> a = stream(1, "feed").random(); b = stream(1, "feed").random()
    >>> a == b
    True
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence([int(seed), key]))
