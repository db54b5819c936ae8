"""The forecast page on the demo desk: run, read the bands and the backtest, approve, edit events."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from store.db import make_engine, make_session_factory
from store.org import team_zone
from store.schema import ForecastEvent, ForecastRun, StaffingRequirement
from tests.conftest import REPO_ROOT


def _count(url, table) -> int:
    with make_session_factory(make_engine(url))() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_manager_runs_and_approves_a_forecast(app_as, demo_db) -> None:
    url, _ = demo_db
    at = app_as("manager")
    at.switch_page("views/forecast.py").run()
    assert not at.exception
    runs, requirements = _count(url, ForecastRun), _count(url, StaffingRequirement)  # the demo's approved one
    assert [t.value for t in at.title] == ["Forecast"]
    at.selectbox[1].select("historic_average")  # the fastest model keeps the test short
    at.button[0].click().run(timeout=180)  # Run forecast
    assert not at.exception, at.exception
    assert any("Model: **historic_average**" in c.value for c in at.caption)
    approve = next(b for b in at.button if b.label == "Approve forecast and staffing")
    approve.click().run(timeout=60)
    assert any("approved" in s.value for s in at.success)
    assert _count(url, ForecastRun) == runs + 1
    assert _count(url, StaffingRequirement) == requirements + 7 * 24 * 5  # one week of hours x five skills


def test_events_are_validated_and_saved(app_as, demo_db) -> None:
    url, _ = demo_db
    at = app_as("manager")
    at.switch_page("views/forecast.py").run()
    before = _count(url, ForecastEvent)
    save = next(b for b in at.button if b.label == "Save events")
    save.click().run()
    assert any("event(s) saved" in s.value for s in at.success)
    assert _count(url, ForecastEvent) == before


def test_agents_neither_see_nor_open_the_forecast(app_as, demo_db, monkeypatch) -> None:
    at = app_as("agent")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/forecast.py")
    # Opened directly (a hand-typed URL), the page itself refuses the role.
    monkeypatch.setenv("SHIFTDESK_DATABASE_URL", demo_db[0])
    direct = AppTest.from_file(str(REPO_ROOT / "views" / "forecast.py"), default_timeout=60)
    direct.session_state["current_user"] = at.session_state["current_user"]
    direct.run()
    assert [e.value for e in direct.error] == ["Your role (agent) may not open this page."]


def test_the_runs_table_shows_weeks_and_times_in_the_sites_zone(app_as, demo_db) -> None:
    """The page says 'times in <zone>': the demo's approved run, stored in UTC (a Shanghai Monday
    starts at 16:00 UTC on the Sunday), is listed by its local Monday and local creation time."""
    url, _ = demo_db
    with make_session_factory(make_engine(url))() as session:
        run = session.scalars(select(ForecastRun)).one()
        zone = ZoneInfo(team_zone(session, run.team_id))
        created, start = run.created_at.astimezone(zone), run.start_at.astimezone(zone)  # stored aware UTC
    at = app_as("manager")
    at.switch_page("views/forecast.py").run()
    table = next(d.value for d in at.dataframe if "week" in d.value.columns)
    assert table["week"].tolist() == [f"{start:%a %d %b %Y}"] and start.strftime("%a") == "Mon"
    assert table["created"].tolist() == [f"{created:%a %d %b %Y %H:%M}"]
