"""AppTest helpers: run app.py against a private copy of the demo desk, signed in by role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import FIXED_NOW, REPO_ROOT

APP = str(REPO_ROOT / "app.py")
PAGE_NOW = FIXED_NOW + timedelta(minutes=5)


def sign_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input(key="login_name").input(login)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


@pytest.fixture
def app_as(demo_db, monkeypatch) -> Callable[[str], AppTest]:
    """Start the app on the demo desk and sign in as the demo user with that login.

    The pages' clock is pinned to just after the demo was seeded, so what they show (who is on
    shift, SLA countdowns) does not depend on the day the tests run.
    """
    url, report = demo_db
    monkeypatch.setenv("SHIFTDESK_DATABASE_URL", url)
    monkeypatch.setattr("views.ui.now", lambda: PAGE_NOW)
    passwords = {login.login: login.password for login in report.logins}

    def start(login: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60).run()
        return sign_in(at, login, passwords[login])

    return start


@pytest.fixture
def open_page(app_as) -> Callable[[str, str], AppTest]:
    """Sign in as `login` and open `page` (a path like "views/desk.py"); the page must run cleanly."""
    st.cache_data.clear()  # each test has its own database copy

    def open_as(login: str, page: str) -> AppTest:
        at = app_as(login)
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_as
