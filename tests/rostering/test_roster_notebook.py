"""The roster-KPI notebook runs top to bottom on the demo desk, so it never rots."""

from __future__ import annotations

import os

import nbformat
from nbclient import NotebookClient

from tests.conftest import REPO_ROOT


def test_roster_kpis_notebook_executes(monkeypatch) -> None:
    notebook = nbformat.read(REPO_ROOT / "notebooks" / "roster_kpis.ipynb", as_version=4)
    monkeypatch.setenv("ROSTER_NOTEBOOK_SECONDS", "5")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])))
    NotebookClient(notebook, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(REPO_ROOT / "notebooks")}}).execute()
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    assert not [out for out in outputs if out.get("output_type") == "error"]
    text = "".join(out.get("text", "") for out in outputs)
    assert "Customer Care" in text or "40 agents" in text
    assert "hard rules broken: 0;" in text and "nights below the minimum: 0" in text
    assert "fairness spread (max - min, ledger included):" in text
    assert any("image/png" in out.get("data", {}) for out in outputs)  # the coverage chart was drawn
