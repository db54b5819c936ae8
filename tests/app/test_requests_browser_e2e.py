"""A swap end to end in a real browser: Li Na proposes it on My shifts, Wang Wei accepts, the manager
approves it on Approvals, and Li Na's calendar download holds the new shifts. Screenshots of each page.

Which shifts can still be swapped depends on the day, so the served app runs on the AppTests' clock
(Thu 26 Nov 10:35 in Shanghai): a `sitecustomize` on the server's PYTHONPATH pins
`shiftdesk.clock.utc_now`, the one place the app reads the time. Screenshots go to /tmp/shiftdesk-screenshots.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select

from shiftdesk.services import rosters
from store import rosters as roster_store
from store.db import make_engine, make_session_factory
from store.org import team_zone
from store.schema import ShiftRequest, User
from tests.app import browser
from tests.app.browser import CHROMIUM, CHROMIUM_ARGS, choose, screenshot, sign_in, streamlit_server
from tests.app.conftest import PAGE_NOW
from views.request_text import KINDS, describe

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shiftdesk-screenshots")


@pytest.fixture
def pinned_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sitecustomize.py").write_text(
        "from datetime import datetime\nimport shiftdesk.clock\n"
        f"shiftdesk.clock.utc_now = lambda: datetime.fromisoformat({PAGE_NOW.isoformat()!r})\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    # No file watcher: under a busy file system its "Inotify queue overflowed" lines fill the server's
    # unread stdout pipe within minutes, and a server blocked on that pipe never stops.
    monkeypatch.setenv("STREAMLIT_SERVER_FILE_WATCHER_TYPE", "none")
    monkeypatch.setattr(browser, "SCREENSHOTS", SHOTS)


def _open(page: Page, link: str) -> None:
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=link, exact=True)).to_be_visible(timeout=30_000)


def _label(day, code: str, start: datetime, minutes: int) -> str:  # noqa: ANN001 - date
    return f"{day:%a %d %b} · {code} {start:%H:%M}–{start + timedelta(minutes=minutes):%H:%M}"


def test_agent_proposes_a_swap_and_the_manager_approves_it(demo_db, pinned_clock) -> None:
    url, report = demo_db
    passwords = {login.login: login.password for login in report.logins}
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:  # Li Na's last shift ahead this week, for Wang Wei's next one after it
        ids = {u.login: u.employee_id for u in session.scalars(select(User))}
        tz = ZoneInfo(team_zone(session, 1))
        monday = rosters.monday_of(PAGE_NOW.astimezone(tz).date())
        week = roster_store.published_between(session, 1, monday, monday + timedelta(days=6))
        cells = {(a.employee_id, a.day): a for a in week}

        def start(a) -> datetime:  # noqa: ANN001 - RosterAssignment
            return datetime.combine(a.day, a.shift_type.start_local, tzinfo=tz)

        mine = max((a for a in week if a.employee_id == ids["agent"] and start(a) - PAGE_NOW >= timedelta(hours=12)),
                   key=lambda a: a.day)
        theirs = min((a for a in week if a.employee_id == ids["agent2"] and a.day > mine.day
                      and (ids["agent"], a.day) not in cells), key=lambda a: a.day)
        labels = [_label(a.day, a.shift_type.code, start(a), a.shift_type.duration_minutes) for a in (mine, theirs)]

    with streamlit_server(url) as base, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        agent = chromium.new_page(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
        sign_in(agent, base, "agent", passwords["agent"])
        _open(agent, "My shifts")
        expect(agent.get_by_text("This week and next")).to_be_visible()
        screenshot(agent, "my-shifts-agent")
        agent.get_by_role("tab", name="Swap").click()
        choose(agent, "My shift", labels[0])
        choose(agent, "Colleague", "Wang Wei")
        choose(agent, "Their shift", labels[1])
        agent.get_by_role("button", name="Check").filter(visible=True).click()
        expect(agent.get_by_text("Check passed")).to_be_visible(timeout=30_000)
        screenshot(agent, "my-shifts-swap-checked")
        agent.get_by_role("button", name="Send to Wang Wei").click()
        expect(agent.get_by_text("sent: waiting for Wang Wei to accept")).to_be_visible(timeout=30_000)
        with factory() as session:  # hers, beside the two the demo desk was seeded with
            request = session.scalars(select(ShiftRequest).where(ShiftRequest.requester_id == ids["agent"])).one()
            pick = f"#{request.id} · {KINDS[request.kind]} · {describe(request, tz)}"

        colleague = chromium.new_page(viewport={"width": 1400, "height": 1800})
        sign_in(colleague, base, "agent2", passwords["agent2"])
        _open(colleague, "My shifts")
        colleague.get_by_role("button", name="Take it").click()
        expect(colleague.get_by_text(f"You took request #{request.id}")).to_be_visible(timeout=30_000)

        manager = chromium.new_page(viewport={"width": 1400, "height": 2200})
        sign_in(manager, base, "manager", passwords["manager"])
        _open(manager, "Approvals")
        expect(manager.get_by_role("heading", name="One request")).to_be_visible(timeout=30_000)
        choose(manager, "Request", pick)
        expect(manager.get_by_role("button", name=f"Approve #{request.id}")).to_be_enabled(timeout=30_000)
        screenshot(manager, "approvals-inbox")
        manager.get_by_role("button", name=f"Approve #{request.id}").click()
        expect(manager.get_by_text(f"Request #{request.id} applied")).to_be_visible(timeout=60_000)
        manager.get_by_role("tab", name="History").click()
        screenshot(manager, "approvals-history")

        agent.get_by_role("link", name="Home").click()  # away and back: a fresh run reads the new version
        expect(agent.get_by_role("heading", name="Customer Care")).to_be_visible(timeout=30_000)
        _open(agent, "My shifts")
        agent.get_by_role("tab", name="Calendar").click()
        expect(agent.get_by_role("button", name="Download my calendar (.ics)")).to_be_visible(timeout=30_000)
        with agent.expect_download() as download:
            agent.get_by_role("button", name="Download my calendar (.ics)").click()
        ics = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
        chromium.close()

    with factory() as session:
        assert session.get_one(ShiftRequest, request.id).status.value == "applied"
        now_week = roster_store.published_between(session, 1, monday, monday + timedelta(days=6))
        li_na_days = sorted(a.day for a in now_week if a.employee_id == ids["agent"])
    assert sorted(e.decoded("dtstart").date() for e in ics.walk("VEVENT")) == li_na_days
    assert theirs.day in li_na_days and mine.day not in li_na_days
    engine.dispose()
