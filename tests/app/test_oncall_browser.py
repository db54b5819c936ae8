"""A manager's look at the on-call panel in a real browser, saved as a screenshot.

Two device-down tickets arrived at 02:00 on the demo's Thursday: one was
acknowledged by the duty agent, the other went unanswered up to the standby.
The served app runs on the real clock, so only what does not depend on the
day is asserted.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from store.db import make_engine, make_session_factory, session_scope
from store.oncall_queries import replace_standby
from store.schema import Employee, Notification
from tests.app.browser import CHROMIUM, CHROMIUM_ARGS, screenshot, sign_in, streamlit_server
from tests.desk_factory import local
from tickets.lifecycle import Actor, NewTicket, create_ticket
from tickets.oncall import acknowledge, oncall_pass, page_for_ticket

pytestmark = pytest.mark.browser
NIGHT = local(2026, 11, 26, 2, 0)
TOKEN = re.compile(r"token=(pg_[A-Za-z0-9_-]+)")


def _two_night_chains(url: str) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        standby = session.scalars(select(Employee.id).where(Employee.name.in_(("Li Na", "Zhao Li")))).all()
        replace_standby(session, 1, sorted(standby))
        tickets = []
        for subject in ("All POS terminals down in the Jing'an store", "VIP's router dead since midnight"):
            ticket, _ = create_ticket(session, NewTicket(queue="vip_care", subject=subject, category="device_down",
                                                         customer_tier="vip"), Actor("api:shop"), NIGHT)
            page_for_ticket(session, ticket, NIGHT)
            tickets.append(ticket.id)
    with session_scope(factory) as session:  # the duty agent answers the first page from the link she got
        body = session.scalar(select(Notification.body).where(
            Notification.idempotency_key.startswith(f"oncall:{tickets[0]}:1:email:")))
        acknowledge(session, TOKEN.search(body).group(1), NIGHT + timedelta(minutes=2), via="link")
    for minutes in (5, 10):
        with session_scope(factory) as session:
            oncall_pass(session, NIGHT + timedelta(minutes=minutes))
    engine.dispose()


def test_manager_opens_the_on_call_panel(demo_db) -> None:
    url, report = demo_db
    _two_night_chains(url)
    manager = next(login for login in report.logins if login.role == "manager")
    with streamlit_server(url) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        sign_in(page, base, "manager", manager.password)

        page.get_by_role("link", name="On call").click()
        expect(page.get_by_role("heading", name="On call", exact=True)).to_be_visible(timeout=30_000)
        for heading in ("Tonight's duty chain", "Open pages and acknowledgements", "Coverage gaps, next 7 nights",
                        "Standby list"):
            expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=30_000)
        expect(page.get_by_role("button", name="Save standby list")).to_be_visible()
        screenshot(page, "oncall-manager")
        browser.close()
