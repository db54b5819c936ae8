"""Sign-in and the home page, driven through Streamlit's AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, sign_in


def test_wrong_password_is_refused(demo_db, monkeypatch) -> None:
    url, report = demo_db
    monkeypatch.setenv("SHIFTDESK_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    sign_in(at, "manager", "not-the-password")
    assert [e.value for e in at.error] == ["Wrong login or password."]
    assert "current_user" not in at.session_state


def test_home_summarises_the_desk_after_sign_in(app_as) -> None:
    at = app_as("agent")
    assert not at.exception
    assert [t.value for t in at.title] == ["Customer Care"]
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Open tickets"]) > 50
    assert 0 < int(metrics["Unassigned"]) < int(metrics["Open tickets"])
    assert int(metrics["Agents on shift now"]) >= 5
    assert any("Published roster: week of 23 Nov 2026" in c.value for c in at.caption)
