"""The summary figure: every labelled line is in a legend."""

from __future__ import annotations

import matplotlib.pyplot as plt

from sim.figures import summary_figure
from sim.model import SocialCommerceModel


def test_every_labelled_line_has_a_legend_entry() -> None:
    """The dashed '% with negative profit' line (on a twin axis) had none."""
    m = SocialCommerceModel(seed=1, overrides={"graph.n_people": 200, "graph.mean_degree": 8,
                                               "run.days": 3})
    fig = summary_figure(m.run().metrics())
    try:
        shown = {t.get_text() for ax in fig.axes if ax.get_legend() is not None
                 for t in ax.get_legend().get_texts()}
        drawn = {line.get_label() for ax in fig.axes for line in ax.get_lines()
                 if not line.get_label().startswith("_")}
        assert drawn <= shown, drawn - shown
        assert "% with negative profit (right axis)" in shown
    finally:
        plt.close(fig)
