"""House rules that code review alone would let slip: the pure cores stay pure."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PURE_PACKAGES = ["forecasting", "rostering"]
FORBIDDEN = ("sqlalchemy", "streamlit", "alembic", "psycopg", "fastapi", "store", "views", "requests", "httpx")
STREAMLIT_ALLOWED = {"app.py", "views"}


def _modules(package: str) -> list[str]:
    root = REPO_ROOT / package
    return [
        ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in sorted(root.rglob("*.py"))
    ]


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_import_no_database_ui_or_network(package: str) -> None:
    """Import every module of the package in a fresh interpreter and list what got loaded."""
    modules = _modules(package)
    assert modules, f"{package} has no modules"
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = json.loads(subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, check=True,
                                       capture_output=True, text=True).stdout)
    assert not set(loaded) & set(FORBIDDEN), f"{package} pulls in {sorted(set(loaded) & set(FORBIDDEN))}"


def test_only_app_and_views_import_streamlit() -> None:
    offenders = []
    for path in REPO_ROOT.rglob("*.py"):
        relative = path.relative_to(REPO_ROOT)
        if relative.parts[0] in {".venv", "tests", "notebooks", "benchmarks"} or relative.parts[0] in STREAMLIT_ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] == "streamlit" for name in names):
                offenders.append(str(relative))
    assert offenders == []


def test_the_walker_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The subprocess check above really detects a database import (it can fail)."""
    script = "import importlib, sys; importlib.import_module('store.schema'); print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
