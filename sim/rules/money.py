"""Step 7, money: fixed costs, recruits join, loss-makers quit, budgets accrue (ODD step 7; F19).

Each active reseller pays ``resellers.fixed_cost_per_day``. Accepted
recruits join with starter stock (:func:`sim.rules.recruitment.join`).
Stock is an asset valued at cost: buying it turns cash into inventory, so a
reseller's profit is its cash plus its unsold stock at unit cost
(:func:`profit_with_stock`). A reseller whose profit so far has been
negative for as many days in a row as its own patience quits, keeping
unsold stock (F19). Patience differs between resellers: each draws its own
once, when it is created, from the ``patience`` stream
(:func:`draw_patience`), as ``resellers.quit_after_loss_days`` times a
lognormal factor of mean 1 and coefficient of variation
``resellers.patience_spread`` (LIT M2; spread an assumption), so that quits
spread over time instead of falling on one day. Last, each person's budget
grows by a day's accrual, up to their cap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rules import recruitment
from sim.state.sellers import ACTIVE, QUIT

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel
    from sim.params import ResellerParams

PARAMS = ("resellers",)
READS = ("sellers: status, cash, inventory, cost, patience_z",)
WRITES = ("sellers: cash, fixed_costs, days_in_loss, status, left_day, patience_z",
          "state.accrue_budgets")
STREAMS = ("sellers", "patience")


def draw_patience(model: SocialCommerceModel, slot: int) -> None:
    """A new reseller's own patience draw: one standard normal from the ``patience`` stream.

    Stored in the seller table (``patience_z``, float64); its patience in
    days is :func:`patience_days`, read with the parameters of the day.
    """
    model.sellers.cols["patience_z"][slot] = model.rngs["patience"].standard_normal()


def patience_days(p: ResellerParams, z: np.ndarray) -> np.ndarray:
    """Days of losses each reseller tolerates: ``quit_after_loss_days`` x LogNormal, mean 1.

    Parameters
    ----------
    p : ResellerParams
        Reads ``quit_after_loss_days`` (the mean) and ``patience_spread`` (the
        coefficient of variation, CV).
    z : ndarray of float64, shape (n_sellers,)
        The resellers' standard normal draws (``patience_z``).

    Returns
    -------
    ndarray of float64, shape (n_sellers,)
        ``mean * exp(sigma z - sigma^2 / 2)`` with ``sigma^2 = ln(1 + CV^2)``
        (days; exactly the mean when CV = 0). A reseller quits on the day its
        run of losses reaches this number (LIT M2; spread an assumption).
    """
    s2 = np.log1p(p.patience_spread ** 2)
    return p.quit_after_loss_days * np.exp(np.sqrt(s2) * np.asarray(z, np.float64) - s2 / 2)


def profit_with_stock(cols: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Profit so far with unsold stock valued at cost: ``cash + inventory x cost`` (RMB).

    ``cash`` alone (profit without the stock) starts at 0 and falls by what a
    reseller pays upstream; shape (n,), float64.
    """
    return cols["cash"][:n] + cols["inventory"][:n] * cols["cost"][:n]


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
    losing = active & (profit_with_stock(cols, n) < 0)
    cols["days_in_loss"][:n] = np.where(losing, cols["days_in_loss"][:n] + 1, 0)
    quit_ = active & (cols["days_in_loss"][:n] >= patience_days(p, cols["patience_z"][:n]))
    cols["status"][:n][quit_] = QUIT
    cols["left_day"][:n][quit_] = model.day
    model.today["quits"] = float(quit_.sum())
    model.state.accrue_budgets()
