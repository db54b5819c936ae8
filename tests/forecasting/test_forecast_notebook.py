"""The forecast-accuracy notebook runs top to bottom, so it never rots."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]


def test_forecast_accuracy_notebook_executes(monkeypatch):
    notebook = nbformat.read(REPO / "notebooks" / "forecast_accuracy.ipynb", as_version=4)
    monkeypatch.setenv("SHIFTDESK_REPO", str(REPO))
    monkeypatch.setenv("FORECAST_NOTEBOOK_WEEKS", "2")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    NotebookClient(notebook, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    assert not [out for out in outputs if out.get("output_type") == "error"]
    text = "".join(out.get("text", "") for out in outputs)
    assert "chosen: " in text and "hourly intervals from" in text
