"""The sellers who decide: resellers and merchants (Mesa agents), and their strategies.

- :mod:`agents.strategies`  posting strategies and their protocol
- :mod:`agents.resellers`   :class:`Reseller` (mesa.Agent), a row of the seller table
- :mod:`agents.merchants`   :class:`Merchant` (mesa.Agent) with a public account

The people and ties are arrays in :mod:`sim.state`; agents never write them.
"""

from agents.merchants import Merchant
from agents.resellers import Reseller
from agents.strategies import (
    CuratedSeller,
    FeedFlooder,
    LifestyleMixer,
    Plan,
    PostingStrategy,
    Strategy,
)

__all__ = ["Plan", "PostingStrategy", "Strategy", "FeedFlooder", "LifestyleMixer",
           "CuratedSeller", "Reseller", "Merchant"]
