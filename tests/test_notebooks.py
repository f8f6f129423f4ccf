"""Every notebook runs, small, and its committed ``.ipynb`` matches its ``.py``.

The notebooks are jupytext pairs: ``notebooks/NN-name.py`` (percent format,
the one to edit and review) and ``notebooks/NN-name.ipynb`` (generated with
``jupytext --sync`` or ``jupytext --to ipynb``, committed without outputs).
Each notebook's first code cell (tagged ``parameters``) reads
``SCSIM_NB_SMALL``; these tests set it to ``1`` and execute the ``.py`` with
nbclient, so any cell that raises fails the suite.
"""

from __future__ import annotations

import time
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.py"))
#: Seconds one small notebook may take (a loaded 2-core machine; kernel start included).
BUDGET_S = 90


def test_the_five_notebooks_exist() -> None:
    assert [p.stem for p in NOTEBOOKS] == ["01-quickstart", "02-posting-strategies",
                                           "03-platform-policy", "04-reseller-pyramid",
                                           "05-write-your-own"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_ipynb_is_the_py_without_outputs(path: Path) -> None:
    ipynb = path.with_suffix(".ipynb")
    assert ipynb.is_file(), f"{ipynb.name} missing: run `jupytext --to ipynb {path}`"
    a, b = jupytext.read(path), jupytext.read(ipynb)
    cells = lambda nb: [(c.cell_type, c.source.strip()) for c in nb.cells]  # noqa: E731
    assert cells(a) == cells(b), f"{ipynb.name} is out of date: `jupytext --sync {path}`"
    assert all(not c.get("outputs") for c in b.cells if c.cell_type == "code"), \
        f"{ipynb.name} has outputs; commit it cleared"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_a_small_mode(path: Path) -> None:
    nb = jupytext.read(path)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first.metadata.get("tags", []), "first code cell is not tagged"
    assert "SCSIM_NB_SMALL" in first.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_small(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCSIM_NB_SMALL", "1")
    nb = jupytext.read(path)
    client = NotebookClient(nb, timeout=BUDGET_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()  # raises CellExecutionError naming the cell on any error
    seconds = time.perf_counter() - t0
    assert seconds < BUDGET_S, f"{path.name} took {seconds:.0f} s small"
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} drew no figure"
