"""Step 7, money: fixed costs, recruits join, loss-makers quit, budgets accrue (ODD step 7; F19).

Each active reseller pays ``resellers.fixed_cost_per_day``. Accepted
recruits join with starter stock (:func:`sim.rules.recruitment.join`). A
reseller whose cash (profit so far) has been negative for
``resellers.quit_after_loss_days`` days in a row quits, keeping unsold stock
(F19). Last, each person's budget grows by a day's accrual, up to their cap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rules import recruitment
from sim.state.sellers import ACTIVE, QUIT

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel

PARAMS = ("resellers",)
READS = ("sellers: status, cash",)
WRITES = ("sellers: cash, fixed_costs, days_in_loss, status, left_day",
          "state.accrue_budgets")
STREAMS = ("sellers",)


def settle_money(model: SocialCommerceModel) -> None:
    """Step 7; sets the ``recruits`` and ``quits`` metrics."""
    p = model.params.resellers
    t = model.sellers
    cols = t.cols
    n = t.size
    active = cols["status"][:n] == ACTIVE
    cost = p.fixed_cost_per_day * active
    cols["cash"][:n] -= cost
    cols["fixed_costs"][:n] += cost
    model.today["recruits"] = float(recruitment.join(model))
    n = t.size
    active = cols["status"][:n] == ACTIVE
    losing = active & (cols["cash"][:n] < 0)
    cols["days_in_loss"][:n] = np.where(losing, cols["days_in_loss"][:n] + 1, 0)
    quit_ = active & (cols["days_in_loss"][:n] >= p.quit_after_loss_days)
    cols["status"][:n][quit_] = QUIT
    cols["left_day"][:n][quit_] = model.day
    model.today["quits"] = float(quit_.sum())
    model.state.accrue_budgets()
