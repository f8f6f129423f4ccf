"""The actors: the population (arrays), resellers and merchants (Mesa agents).

- :mod:`agents.population`  ordinary people as named arrays; :class:`UserView`
- :mod:`agents.strategies`  posting strategies and their protocol
- :mod:`agents.resellers`   :class:`Reseller` (mesa.Agent) and the seller table
- :mod:`agents.merchants`   :class:`Merchant` (mesa.Agent) with a public account
"""

from agents.merchants import Merchant
from agents.population import Population, UserView
from agents.resellers import Reseller, SellerTable
from agents.strategies import (
    CuratedSeller,
    FeedFlooder,
    LifestyleMixer,
    Plan,
    PostingStrategy,
    Strategy,
)

__all__ = ["Population", "UserView", "Plan", "PostingStrategy", "Strategy", "FeedFlooder",
           "LifestyleMixer", "CuratedSeller", "Reseller", "SellerTable", "Merchant"]
