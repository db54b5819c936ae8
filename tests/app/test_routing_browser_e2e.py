"""A manager's look at the live desk's routing view in a real browser, saved as a screenshot.

The app runs on the real clock, so the demo desk is seeded at the real time
(its roster is published for this week whenever the suite runs), and one
handover pass runs first, as `shiftdesk worker` would: tickets held by agents
who are off shift go to whoever covers the queue, or back to it with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from shiftdesk.clock import utc_now
from shiftdesk.demo.seed import seed_demo
from store.db import make_engine, make_session_factory, session_scope
from tests.app.browser import CHROMIUM, CHROMIUM_ARGS, screenshot, sign_in, streamlit_server
from tests.conftest import fresh_database_url
from tickets.routing import handover_pass

pytestmark = pytest.mark.browser


def test_manager_opens_the_routing_view(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = fresh_database_url("sqlite", request, tmp_path)
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        report = seed_demo(session, now=utc_now())
        handover_pass(session, utc_now())
    engine.dispose()
    manager = next(login for login in report.logins if login.role == "manager")
    with streamlit_server(url) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        sign_in(page, base, "manager", manager.password)
        page.get_by_role("link", name="Live desk").click()
        expect(page.get_by_role("heading", name="Live desk")).to_be_visible(timeout=30_000)
        page.get_by_role("radio", name="Routing").click()
        for heading in ("Queues", "On shift now", "Unassigned tickets", "Route", "Reassign"):
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Waiting for cover")).to_be_visible()
        expect(page.get_by_role("button", name="Route all waiting")).to_be_visible()
        screenshot(page, "desk-routing-manager")
        browser.close()
