"""Pure array kernels: arrays and scalars in, arrays out; no model, no parameter object.

- :mod:`sim.kernels.feed`       step 2: feeds fill, binomial counts per seller tie
- :mod:`sim.kernels.reactions`  step 4: action thresholds, mutes, blocks, reports
- :mod:`sim.kernels.orders`     steps 3 and 5: purchase probability, Bernoulli draws, rationing
- :mod:`sim.kernels.trust`      steps 3 and 5: trust from evidence, ad and lifestyle evidence,
  social proof
- :mod:`sim.kernels.arrays`     CSR rows, sorted inserts and look-ups
- :mod:`sim.kernels.jit`        compiled loops (Numba) behind the hottest kernels, same bytes

Every function takes the array namespace ``xp`` (NumPy, CuPy or
:mod:`sim.strict_xp`) where it allocates, and random draws only through a
:class:`sim.backend.Draws` passed in. The rules of :mod:`sim.rules` call them.
"""

from sim.kernels.arrays import (
    find_ties,
    in_sorted,
    insert_at,
    ragged_positions,
    row_starts,
    unique_sorted,
)
from sim.kernels.feed import Exposure, fill_feeds, sparse_binomial
from sim.kernels.orders import (
    bernoulli,
    purchase_bound,
    purchase_live,
    purchase_probability,
    ration,
    seen_ties,
)
from sim.kernels.reactions import Reactions, Thresholds, react, thresholds
from sim.kernels.trust import (
    ad_evidence,
    beta_trust,
    lifestyle_evidence,
    mutual_buyers,
    told_seller_ties,
)

__all__ = ["Exposure", "fill_feeds", "sparse_binomial", "Reactions", "Thresholds",
           "thresholds", "react", "purchase_probability", "purchase_bound", "purchase_live",
           "seen_ties", "bernoulli", "ration",
           "ragged_positions", "find_ties", "insert_at", "unique_sorted", "in_sorted",
           "row_starts", "beta_trust", "ad_evidence", "lifestyle_evidence", "mutual_buyers",
           "told_seller_ties"]
