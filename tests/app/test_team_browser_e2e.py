"""A manager's Team page in a real browser: the people table and one employee's form, saved as a screenshot,
then a channel limit set back to "shared" and saved, as a person would do it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from store.db import make_engine, make_session_factory
from store.enums import Channel
from store.schema import Employee
from tests.app.browser import CHROMIUM, CHROMIUM_ARGS, choose, screenshot, sign_in, streamlit_server

pytestmark = pytest.mark.browser


def test_manager_changes_a_channel_limit_on_the_team_page(demo_db) -> None:
    url, report = demo_db
    manager = next(login for login in report.logins if login.role == "manager")
    with streamlit_server(url) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1700})
        sign_in(page, base, "manager", manager.password)
        page.get_by_role("link", name="Team", exact=True).click()
        expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible(timeout=30_000)
        choose(page, "Employee", "Li Na")
        expect(page.get_by_role("button", name="Save")).to_be_visible(timeout=30_000)
        screenshot(page, "team-manager")

        choose(page, "phone", "shared")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Saved Li Na.")).to_be_visible(timeout=30_000)
        browser.close()
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        li_na = session.scalar(select(Employee).where(Employee.name == "Li Na"))
        assert Channel.PHONE not in {row.channel for row in li_na.channel_limits}
    engine.dispose()
