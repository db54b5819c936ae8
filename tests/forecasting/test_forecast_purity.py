"""forecasting/ stays pure: no database, UI or network imports anywhere in it."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"sqlalchemy", "streamlit", "store", "views", "api", "requests", "httpx", "urllib", "socket", "fastapi"}
PACKAGE = Path(__file__).resolve().parents[2] / "forecasting"


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_forecasting_imports_nothing_impure():
    offenders = {str(p.relative_to(PACKAGE)): imported_roots(p) & FORBIDDEN for p in PACKAGE.rglob("*.py")}
    assert {name: roots for name, roots in offenders.items() if roots} == {}


def test_forecasting_never_reads_the_wall_clock():
    texts = {p.name: p.read_text() for p in PACKAGE.rglob("*.py")}
    assert [name for name, text in texts.items() if "datetime.now" in text or "Timestamp.now" in text or "date.today" in text] == []
