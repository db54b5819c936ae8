"""The command line: discoverable, and a user error is one clear line with exit code 2."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT

SHIFTDESK = str(Path(os.environ.get("VIRTUAL_ENV", REPO_ROOT / ".venv")) / "bin" / "shiftdesk")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHIFTDESK, *args], capture_output=True, text=True, env={**os.environ, **(env or {})},
                          cwd=REPO_ROOT, timeout=300)


def test_help_lists_the_command_groups() -> None:
    out = run("--help")
    assert out.returncode == 0
    for command in ("db", "demo"):
        assert command in out.stdout


def test_upgrade_then_seed_on_a_new_database(tmp_path) -> None:
    env = {"SHIFTDESK_DATABASE_URL": f"sqlite:///{tmp_path}/new.db"}
    early = run("demo", "seed", env=env)
    assert early.returncode == 2
    assert early.stderr.strip() == "error: database schema is not up to date: run `shiftdesk db upgrade` first"
    assert "Traceback" not in early.stderr
    up = run("db", "upgrade", env=env)
    assert up.returncode == 0 and "empty -> " in up.stdout
    assert run("db", "upgrade", env=env).stdout.strip().endswith("up to date")
    seeded = run("demo", "seed", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "demo desk seeded" in seeded.stdout and "manager" in seeded.stdout
    again = run("demo", "seed", env=env)
    assert again.returncode == 0 and "nothing changed" in again.stdout


def test_unknown_option_is_a_usage_error_without_traceback() -> None:
    out = run("db", "upgrade", "--bogus")
    assert out.returncode == 2 and "Traceback" not in out.stderr and "--bogus" in out.stderr


def test_ticket_create_and_import_from_the_command_line(tmp_path) -> None:
    env = {"SHIFTDESK_DATABASE_URL": f"sqlite:///{tmp_path}/desk.db"}
    assert run("db", "upgrade", env=env).returncode == 0
    assert run("demo", "seed", env=env).returncode == 0
    created = run("ticket", "create", "--queue", "tech_email", "--subject", "无法登录", "--external-id", "M-1", env=env)
    assert created.returncode == 0 and created.stdout.startswith("created ticket #")
    again = run("ticket", "create", "--queue", "tech_email", "--subject", "retry", "--external-id", "M-1", env=env)
    assert again.stdout.startswith("already exists: ticket #")
    unknown = run("ticket", "create", "--queue", "nope", "--subject", "x", env=env)
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: unknown queue 'nope'")
    bad = tmp_path / "bad.csv"
    bad.write_text("queue,subject\nnope,x\n", encoding="utf-8")
    refused = run("ticket", "import", str(bad), env=env)
    assert refused.returncode == 2 and "row 2, column queue: unknown queue 'nope'" in refused.stderr
    good = tmp_path / "good.csv"
    good.write_text("external_id,queue,subject\nI-1,vip_care,Complaint\n", encoding="utf-8")
    assert run("ticket", "import", str(good), env=env).stdout.strip() == "imported 1 ticket(s), skipped 0 already imported"
    assert run("ticket", "import", str(good), env=env).stdout.strip() == "imported 0 ticket(s), skipped 1 already imported"
