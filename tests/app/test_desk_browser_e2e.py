"""A manager's look at the live desk and the SLA report in a real browser, saved as screenshots.

One worker pass runs first (as `shiftdesk worker` would), so escalations have
fired: the most urgent ticket's trail shows them, and so does the report. The
viewport is tall because Streamlit scrolls inside its own container, which a
full-page screenshot does not unroll.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from store.db import make_engine, make_session_factory, session_scope
from tests.app.browser import CHROMIUM, CHROMIUM_ARGS, choose, screenshot, sign_in, streamlit_server
from tests.conftest import FIXED_NOW
from tickets.escalate import process_due_tickets

pytestmark = pytest.mark.browser


def test_manager_opens_the_live_desk_and_the_sla_report(demo_db) -> None:
    url, report = demo_db
    engine = make_engine(url)
    with session_scope(make_session_factory(engine)) as session:
        assert process_due_tickets(session, FIXED_NOW).steps > 0
    engine.dispose()
    manager = next(login for login in report.logins if login.role == "manager")
    with streamlit_server(url) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2800})
        sign_in(page, base, "manager", manager.password)

        page.get_by_role("link", name="Live desk").click()
        expect(page.get_by_role("heading", name="Live desk")).to_be_visible(timeout=30_000)
        for heading in ("At risk", "Reassign", "Ticket"):
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Agents on shift")).to_be_visible()
        choose(page, "Open ticket")  # the first is the most urgent ticket: its trail shows the escalation steps
        expect(page.get_by_role("tab", name="SLA clocks")).to_be_visible(timeout=30_000)
        expect(page.get_by_role("tab", name="Work on it")).to_be_visible()
        screenshot(page, "desk-manager")

        page.get_by_role("link", name="SLA report").click()
        expect(page.get_by_role("heading", name="SLA report")).to_be_visible(timeout=30_000)
        expect(page.get_by_role("heading", name="Escalations fired")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("VIP complaint · resolution").first).to_be_visible()
        screenshot(page, "sla-report-manager")
        browser.close()
