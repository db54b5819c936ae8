"""End-to-end helpers: serve app.py with Streamlit on a free loopback port, drive it with
Debian's headless Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.conftest import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(database_url: str) -> Iterator[str]:
    """Start `streamlit run app.py` on the given database; yield its base URL."""
    port = free_port()
    env = {**os.environ, "SHIFTDESK_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start: {process.stdout.read().decode()}") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def sign_in(page, base: str, login: str, password: str) -> None:  # page: playwright Page
    """Open the app and sign in as a person does; returns once the home page shows the desk."""
    from playwright.sync_api import expect

    page.goto(base)
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Customer Care")).to_be_visible(timeout=30_000)


def wait_idle(page) -> None:  # page: playwright Page
    """Wait until the app's script run ends: a widget opened while a rerun redraws the page (a slow
    machine) can keep moving under the pointer and never become clickable."""
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden", timeout=30_000)


def choose(page, label: str, option: str | None = None) -> None:  # page: playwright Page
    """Pick `option` from a selectbox by typing, as a person does in a long list (the list only draws
    what fits), or the first option when `option` is None.

    The previous action reruns the page and may change this box's options, and on a busy machine that
    rerun can start after `wait_idle` has returned and redraw the open list under the pointer. So a
    pick that does not stick is tried again, up to three times, and the box must end up showing it.
    """
    box = page.get_by_test_id("stSelectbox").filter(has_text=label, visible=True)
    for _ in range(3):
        wait_idle(page)
        box.click()
        if option is not None:
            page.keyboard.press("ControlOrMeta+A")  # a retry types over the value left by the last try
            page.keyboard.type(option)
        target = page.get_by_role("option", name=option, exact=True) if option is not None else page.get_by_role("option").first
        try:
            target.click(timeout=10_000)
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            continue
        page.wait_for_timeout(300)  # the rerun this choice starts shows its status widget after a moment
        wait_idle(page)
        shown = box.get_by_role("combobox").input_value()
        if shown and (option is None or shown == option):
            return
    raise AssertionError(f"could not choose {option or 'the first option'!r} in the {label!r} box")


def screenshot(page, name: str) -> Path:  # page: playwright Page
    """Save a full-page PNG once every data grid and chart (drawn asynchronously) has painted."""
    page.wait_for_function(
        """() => {
            const grids = document.querySelectorAll("[data-testid='stDataFrame']");
            const charts = document.querySelectorAll("[data-testid='stVegaLiteChart']");
            const shown = nodes => [...nodes].filter(n => n.offsetParent !== null);  // hidden tabs paint later
            const painted = (nodes, inner) => shown(nodes).every(n => n.querySelector(inner));
            const loading = shown(document.querySelectorAll("[data-testid='stSkeleton']")).length;
            return !loading && painted(grids, "canvas") && painted(charts, ".marks");
        }""",
        timeout=20_000,
    )
    page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
