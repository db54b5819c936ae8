"""`shiftdesk api` as a person runs it: mint a token, start the server, call it, revoke the token."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO_ROOT

SHIFTDESK = str(Path(os.environ.get("VIRTUAL_ENV", REPO_ROOT / ".venv")) / "bin" / "shiftdesk")


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHIFTDESK, *args], capture_output=True, text=True, env=env, timeout=120, cwd=REPO_ROOT)


def started_port(server: subprocess.Popen[str]) -> int:
    """The port uvicorn reports once it listens (the command was given port 0: any free one)."""
    assert server.stderr is not None
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        if not line and server.poll() is not None:
            break
        seen.append(line)
        found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", line)
        if found:
            return int(found[1])
    pytest.fail("shiftdesk api did not start:\n" + "".join(seen))


def test_token_lifecycle_and_the_served_api(demo_db) -> None:
    url, _report = demo_db
    env = {**os.environ, "SHIFTDESK_DATABASE_URL": url}
    created = run(env, "api", "token", "create", "shop")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("sd_") and len(token) > 40
    assert run(env, "api", "token", "create", "shop").stderr.strip() == (
        "error: an integration named 'shop' exists already (revoke it or pick another name)")

    server = subprocess.Popen([SHIFTDESK, "api", "--port", "0"], env=env, cwd=REPO_ROOT, text=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{started_port(server)}/api/v1"
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(timeout=30) as client:
            assert client.get(f"{base}/health").json() == {"ok": True}
            made = client.post(f"{base}/tickets", headers=auth, json={"queue": "tech_email", "subject": "打印机离线"})
            assert made.status_code == 201, made.text
            listed = run(env, "api", "token", "list").stdout
            assert re.search(rf"^shop\s+{re.escape(token[:8])}…\s+active .* last used \d{{4}}-", listed, re.M)
            assert run(env, "api", "token", "revoke", "shop").returncode == 0
            assert client.get(f"{base}/tickets/{made.json()['id']}", headers=auth).status_code == 401
    finally:
        server.terminate()
        server.wait(30)


def test_serving_an_unmigrated_database_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, "SHIFTDESK_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}
    out = run(env, "api", "--port", "0")
    assert out.returncode == 2
    assert out.stderr.strip() == "error: database schema is not up to date: run `shiftdesk db upgrade` first"
