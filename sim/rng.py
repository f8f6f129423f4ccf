"""One seed in, named independent random streams out.

Each stream's seed is derived from the root seed and a stable hash of its
name (as Starsim does), so adding a stream never shifts the draws of
another, and two runs that differ in one parameter share every stream that
parameter does not touch.
"""

from __future__ import annotations

import zlib

import numpy as np

__all__ = ["stream", "STREAMS"]

#: The streams the model uses, by the process that draws from them.
STREAMS = ("graph", "population", "sellers", "feed", "reactions", "purchases", "recruit",
           "merchants", "groups", "platform", "mesa")
#: one stream per decision (issue 11): who opens Moments, what is read, reports, background
#: unfriending, sellers' plans, counterfeit complaints, initial account ages
STREAMS += ("open", "read", "report", "churn", "plan", "complain", "accounts")
#: reseller economics: each reseller's patience before quitting
STREAMS += ("patience",)
#: one stream per decision of steps 3 and 5 (issue 11: common random numbers)
STREAMS += ("buy", "obligation", "channel", "pay", "ration", "units", "genuine", "warn",
            "recommend")
#: seeding and recruitment: marketing accounts' extra friends, pitches, acceptances
STREAMS += ("reseller_friends", "pitch", "accept")


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
#: merchants: pushes planned, opened, bought from, paid, their units and genuine items;
#: followers gained (paid and offline)
STREAMS += ("push_plan", "push_open", "push_buy", "push_pay", "push_units", "push_genuine",
            "followers")
