"""Matplotlib figures of a run."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["summary_figure"]


def summary_figure(metrics: pd.DataFrame, path: str | Path | None = None,
                   title: str = "") -> plt.Figure:
    """Six panels over time: spam share, mutes and blocks, trust, conversion, GMV, resellers.

    Parameters
    ----------
    metrics : DataFrame
        Per-day metrics with a ``day`` column or index.
    path : path, optional
        Where to save the PNG.
    title : str
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = metrics.reset_index() if "day" not in metrics.columns else metrics
    day = m["day"]
    fig, ax = plt.subplots(2, 3, figsize=(14, 7.5), constrained_layout=True)
    a = ax[0, 0]
    a.plot(day, 100 * m["ad_share_of_feed"], color="tab:red")
    a.set(title="Spam: share of feed items that are ads", ylabel="%")
    a = ax[0, 1]
    a.plot(day, m["mutes"].cumsum(), label="mutes")
    a.plot(day, m["blocks_resellers"].cumsum(), label="blocks of resellers")
    a.plot(day, m["blocks_others"].cumsum(), label="other unfriends")
    a.plot(day, m["reports"].cumsum(), label="reports", ls="--")
    a.set(title="Mutes, blocks and reports (cumulative)", ylabel="ties")
    a.legend(fontsize=8)
    a = ax[0, 2]
    a.plot(day, m["mean_trust_resellers"], label="toward resellers")
    a.plot(day, m["mean_trust_merchants"], label="followers in merchants")
    a.plot(day, m["mean_trust_friends"], label="all ties", ls=":")
    a.set(title="Mean trust", ylim=(0, 1))
    a.legend(fontsize=8)
    a = ax[1, 0]
    conv = m["conversion"].rolling(7, min_periods=1).mean()
    a.plot(day, 100 * conv, color="tab:green")
    a.set(title="Conversion (orders per ad seen, 7-day mean)", ylabel="%", xlabel="day")
    a = ax[1, 1]
    a.stackplot(day, m["gmv_moments"], m["gmv_groups"], m["gmv_push"],
                labels=["Moments", "groups & DMs", "pushes"], alpha=0.8)
    a.set(title="GMV by channel", ylabel="RMB / day", xlabel="day")
    a.legend(fontsize=8, loc="upper right")
    a = ax[1, 2]
    a.plot(day, m["resellers_active"], label="active")
    a.plot(day, m["resellers_quit"], label="quit")
    a.plot(day, m["resellers_banned"], label="banned")
    a2 = a.twinx()
    a2.plot(day, 100 * m["share_resellers_losing"], color="grey", ls="--",
            label="% with negative profit (right axis)")
    a2.set_ylabel("% with negative profit")
    a.set(title="Resellers", xlabel="day")
    # one legend for both axes: the dashed line is the twin axis's
    lines, labels = (sum(x, []) for x in zip(a.get_legend_handles_labels(),
                                             a2.get_legend_handles_labels(), strict=True))
    a.legend(lines, labels, fontsize=8, loc="center right")
    if title:
        fig.suptitle(title)
    if path is not None:
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return fig
