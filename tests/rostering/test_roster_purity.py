"""House rules for rostering/: OR-Tools only in the model and solve modules,
and no module reads the wall clock (`now` is always a parameter)."""

from __future__ import annotations

import ast
from pathlib import Path

ROSTERING = Path(__file__).resolve().parents[2] / "rostering"
SOLVER_MODULES = {"model", "solve.py", "search.py"}
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}


def _sources() -> list[tuple[Path, ast.AST]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(ROSTERING.rglob("*.py"))]


def _imports(tree: ast.AST) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module.split(".")[0])
    return out


def test_ortools_only_in_model_and_solve_modules():
    users = {p.relative_to(ROSTERING).parts[0] for p, tree in _sources() if "ortools" in _imports(tree)}
    assert users and users <= SOLVER_MODULES, users


def test_no_module_reads_the_wall_clock():
    offenders = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in WALL_CLOCK):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_the_walker_can_fail(tmp_path):
    tree = ast.parse("import datetime\nx = datetime.now()\nfrom ortools.sat.python import cp_model\n")
    assert "ortools" in _imports(tree)
    assert any(isinstance(n, ast.Attribute) and n.attr == "now" for n in ast.walk(tree))
