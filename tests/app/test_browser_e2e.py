"""A person's path through the app in a real browser: sign in, see the desk, sign out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.app.browser import CHROMIUM, CHROMIUM_ARGS, screenshot, streamlit_server

pytestmark = pytest.mark.browser


def test_sign_in_and_see_the_desk(demo_db) -> None:
    url, report = demo_db
    manager = next(login for login in report.logins if login.role == "manager")
    with streamlit_server(url) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(base)
        page.get_by_label("Login").fill("manager")
        page.get_by_label("Password", exact=True).fill("wrong-password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Wrong login or password.")).to_be_visible(timeout=60_000)

        page.get_by_label("Password", exact=True).fill(manager.password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Customer Care")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Open tickets per queue")).to_be_visible()
        expect(page.get_by_text("Agents on shift now")).to_be_visible()
        screenshot(page, "home-manager")

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
        browser.close()
