"""My shifts (agents) and Approvals (managers, planners), driven through AppTest on the demo desk.

The demo's published week runs Mon 23 - Sun 29 Nov 2026 and the pages' clock is Thu 26 Nov 10:35
in Shanghai, so shifts from Friday on are past the 12 h cut-off. Every expected value is read from
the database (the published roster, the stored request and its check), not written down here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from shiftdesk.auth import CurrentUser, as_current_user
from shiftdesk.services import rosters
from shiftdesk.services import shift_requests as requests
from store import rosters as roster_store
from store.db import make_engine, make_session_factory, session_scope
from store.enums import RequestKind, RequestStatus
from store.schema import RosterAssignment, ShiftRequest, ShiftType, User
from tests.app.conftest import PAGE_NOW
from tests.conftest import REPO_ROOT

MY_SHIFTS, APPROVALS = "views/my_shifts.py", "views/approvals.py"
ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = rosters.monday_of(PAGE_NOW.astimezone(ZONE).date())


@dataclass(frozen=True)
class Desk:
    factory: sessionmaker[Session]
    li_na: int
    wang_wei: int
    seeded: frozenset[int]  # the demo's own requests (withdrawn before the test)

    def users(self) -> dict[str, CurrentUser]:
        with self.factory() as session:
            return {u.login: as_current_user(u) for u in session.scalars(select(User))}

    def cells(self) -> dict[tuple[int, date], str]:
        """(employee, day) -> shift code in the week's published version."""
        with self.factory() as session:
            return {(a.employee_id, a.day): a.shift_type.code for a in roster_store.published_between(
                session, 1, MONDAY, MONDAY + timedelta(days=6))}

    def days_ahead(self, employee_id: int) -> list[date]:
        """The employee's days this week whose shift starts at least 12 h after the pages' clock."""
        with self.factory() as session:
            return sorted(a.day for a in roster_store.published_between(session, 1, MONDAY, MONDAY + timedelta(days=6))
                          if a.employee_id == employee_id and rosters.monday_of(a.day) == MONDAY
                          and _start(a) - PAGE_NOW >= timedelta(hours=12))

    @contextmanager
    def dry(self) -> Iterator[Session]:
        """A session whose work is undone, as the page's checks run (see `views.ui.dry_run`)."""
        with self.factory() as session:
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    def request(self, request_id: int) -> ShiftRequest:
        with self.factory() as session:
            return session.scalars(select(ShiftRequest).where(ShiftRequest.id == request_id)).one()

    def requests(self) -> list[ShiftRequest]:
        """The requests made during the test."""
        with self.factory() as session:
            return list(session.scalars(select(ShiftRequest).where(ShiftRequest.id.not_in(self.seeded))
                                        .order_by(ShiftRequest.id)))


def _start(a: RosterAssignment) -> datetime:
    return datetime.combine(a.day, a.shift_type.start_local, tzinfo=ZONE)


@pytest.fixture
def desk(demo_db) -> Iterator[Desk]:
    """The demo desk with the requests it was seeded with withdrawn by their requesters, so each test
    starts from an empty inbox and sees only the requests it makes."""
    engine = make_engine(demo_db[0])
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        users = {u.employee_id: as_current_user(u) for u in session.scalars(select(User))}
        for seeded in session.scalars(select(ShiftRequest)).all():
            requests.withdraw(session, users[seeded.requester_id], seeded.id, PAGE_NOW)
        seeded_ids = frozenset(session.scalars(select(ShiftRequest.id)))
        ids = {u.login: u.employee_id for u in users.values()}
    yield Desk(factory, ids["agent"], ids["agent2"], seeded_ids)
    engine.dispose()


@pytest.fixture
def media(monkeypatch) -> list[MemoryMediaFileStorage]:
    """The in-memory file stores AppTest gives each run, so a test can read what a download button serves."""
    stores: list[MemoryMediaFileStorage] = []

    class Recorded(MemoryMediaFileStorage):
        def __init__(self, endpoint: str) -> None:
            super().__init__(endpoint)
            stores.append(self)

    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", Recorded)
    return stores


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return _run(at)


def _table(at: AppTest, key: str):  # noqa: ANN202 - DataFrame
    return at.get_by_key(key).dataframe[0].value


def _texts(elements) -> list[str]:  # noqa: ANN001 - AppTest element list
    return [e.value for e in elements]


def test_a_swap_proposed_accepted_approved_changes_the_roster_and_the_calendar(open_page, desk, media) -> None:
    li_day = desk.days_ahead(desk.li_na)[-1]
    before = desk.cells()
    wang_day = next(d for d in desk.days_ahead(desk.wang_wei) if d > li_day and (desk.li_na, d) not in before)

    agent = open_page("agent", MY_SHIFTS)
    shown = _table(agent, "my_shift_table")
    assert len(shown) == sum(1 for (who, _day) in before if who == desk.li_na)  # next week is not published
    agent.selectbox(key="swap_mine").set_value(li_day)
    _run(agent).selectbox(key="swap_colleague").set_value(desk.wang_wei)
    _run(agent).selectbox(key="swap_theirs").set_value(wang_day)
    _run(agent)
    assert agent.button(key="swap_send").disabled  # not checked yet
    _click(agent, "swap_check")
    (preview,) = _texts(agent.success)
    assert not agent.button(key="swap_send").disabled
    _click(agent, "swap_send")
    (request,) = desk.requests()
    assert (request.kind, request.status, request.requester_id, request.counterpart_id, request.day,
            request.other_day) == (RequestKind.SWAP, RequestStatus.PROPOSED, desk.li_na, desk.wang_wei, li_day,
                                   wang_day)
    assert preview.endswith(request.review_line)  # what she saw is what was checked on sending
    assert _texts(agent.success)[0] == f"Request #{request.id} sent: waiting for Wang Wei to accept, then a manager."

    colleague = open_page("agent2", MY_SHIFTS)
    assert list(_table(colleague, "offers")["#"]) == [request.id]
    colleague.selectbox(key="offer_pick").set_value(request.id)
    _click(_run(colleague), "offer_accept")
    accepted = desk.request(request.id)
    assert accepted.status is RequestStatus.ACCEPTED

    manager = open_page("manager", APPROVALS)
    inbox = _table(manager, "inbox")
    assert inbox[["#", "Status", "Check"]].values.tolist() == [[request.id, "accepted", accepted.review_line]]
    # what the two traded, as it stood when she proposed it
    assert inbox["What"].tolist() == [f"Li Na {before[(desk.li_na, li_day)]} {li_day:%a %d %b} ⇄ "
                                      f"Wang Wei {before[(desk.wang_wei, wang_day)]} {wang_day:%a %d %b}"]
    assert {m.label: m.value for m in manager.metric}["Waiting"] == "1"
    assert not manager.button(key="detail_approve").disabled
    manager.multiselect(key="bulk_pick").set_value([request.id])
    _click(manager, "FormSubmitter:bulk-Approve selected")
    assert _texts(manager.success) == [f"Decided: #{request.id} applied"]
    assert desk.request(request.id).status is RequestStatus.APPLIED

    after = desk.cells()
    expected = dict(before)
    expected[(desk.wang_wei, li_day)] = expected.pop((desk.li_na, li_day))
    expected[(desk.li_na, wang_day)] = expected.pop((desk.wang_wei, wang_day))
    assert after == expected
    with desk.factory() as session:
        versions = roster_store.week_versions(session, 1, MONDAY)
        assert versions[0].version == request.roster_version + 1 and versions[0].status.value == "published"
        trail = [e.action for e in requests.events(session, desk.users()["manager"], request.id)]

    manager = open_page("manager", APPROVALS)
    history = _table(manager, "history")
    assert history[~history["#"].isin(desk.seeded)][["#", "Status"]].values.tolist() == [[request.id, "applied"]]
    assert list(_table(manager, "history_trail")["Action"]) == trail
    assert trail == ["create", "submit", "accept", "approve", "apply"]

    agent = open_page("agent", MY_SHIFTS)
    download = agent.get_by_key("ics_download")
    ics = media[-1].get_file(download.proto.url.rsplit("/", 1)[1]).content
    events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert sorted(e.decoded("dtstart").date() for e in events) == sorted(d for (who, d) in after if who == desk.li_na)


def test_a_swap_that_breaks_a_rule_shows_the_rule_and_cannot_be_sent(open_page, desk) -> None:
    """Li Na's early shift for a colleague's late one on the same day: the colleague, on a late shift the
    evening before, would not rest long enough."""
    li_day = desk.days_ahead(desk.li_na)[-1]
    cells = desk.cells()
    late_before = {who for (who, day), code in cells.items() if day == li_day - timedelta(days=1) and code == "L"}
    colleague = min(who for (who, day), code in cells.items() if day == li_day and code == "L" and who in late_before)
    users = desk.users()
    with desk.dry() as session:  # what the service says about this swap, undone
        draft = requests.propose_swap(session, users["agent"], day=li_day, other_employee_id=colleague,
                                      other_day=li_day, now=PAGE_NOW, submit=False)
        broken = requests.check(session, users["agent"], draft.id, PAGE_NOW).violations
    assert broken and any("rest" in v for v in broken)

    agent = open_page("agent", MY_SHIFTS)
    agent.selectbox(key="swap_mine").set_value(li_day)
    _run(agent).selectbox(key="swap_colleague").set_value(colleague)
    _run(agent).selectbox(key="swap_theirs").set_value(li_day)
    _click(_run(agent), "swap_check")
    (error,) = _texts(agent.error)
    assert error.startswith("This cannot be approved") and all(v in error for v in broken)
    assert agent.button(key="swap_send").disabled
    assert desk.requests() == []  # the check wrote nothing


def test_a_swap_the_roster_has_since_made_illegal_names_the_rule_and_cannot_be_approved(open_page, desk) -> None:
    """Li Na's Friday for Wang Wei's Saturday, accepted; then the planner moves Wang Wei's Sunday to
    this evening. Taking Li Na's early Friday shift after that, he would not rest long enough: the
    details name the rule and approval stays off, in bulk too."""
    li_day = desk.days_ahead(desk.li_na)[-1]
    wang_days = [d for d in desk.days_ahead(desk.wang_wei) if d > li_day]
    cells, evening = desk.cells(), li_day - timedelta(days=1)
    assert (desk.wang_wei, evening) not in cells
    users = desk.users()
    with session_scope(desk.factory) as session:
        swap = requests.propose_swap(session, users["agent"], day=li_day, other_employee_id=desk.wang_wei,
                                     other_day=wang_days[0], now=PAGE_NOW)
        requests.accept(session, users["agent2"], swap.id, PAGE_NOW)
    with session_scope(desk.factory) as session:  # the planner's new version, checked and published
        planner, plan = users["planner"], rosters.build_week(session, 1, MONDAY, PAGE_NOW)
        current = roster_store.roster_with_assignments(session, roster_store.week_versions(session, 1, MONDAY)[0].id)
        draft = rosters.save_draft(session, planner, plan, rosters.roster_of(plan, current), PAGE_NOW,
                                   solver_status="copy")
        rosters.edit(session, planner, draft.id, desk.wang_wei, wang_days[-1], None, None, PAGE_NOW)
        rosters.edit(session, planner, draft.id, desk.wang_wei, evening, cells[(desk.wang_wei, wang_days[0])], None,
                     PAGE_NOW)
        rosters.publish(session, planner, draft.id, PAGE_NOW)
    with desk.dry() as session:  # the service's judgement on the roster as it is now
        broken = requests.check(session, users["manager"], swap.id, PAGE_NOW).violations
    assert broken and any("rest" in v for v in broken)

    manager = open_page("manager", APPROVALS)
    assert manager.selectbox(key="detail_pick").value == swap.id
    assert [m for m in _texts(manager.markdown) if "Breaks:" in m] == [f"- :red[**Breaks:**] {v}" for v in broken]
    assert manager.button(key="detail_approve").disabled
    assert f"Approval is off: it breaks {'; '.join(broken)}." in _texts(manager.caption)

    manager.multiselect(key="bulk_pick").set_value([swap.id])  # bulk approval refuses it too, saying why
    _click(manager, "FormSubmitter:bulk-Approve selected")
    (refused,) = [e for e in _texts(manager.error) if e.startswith("#")]
    assert refused.startswith(f"#{swap.id} not decided: request #{swap.id} cannot be approved") and broken[0] in refused
    stored = desk.request(swap.id)
    assert stored.status is RequestStatus.ACCEPTED and stored.review_ok is False
    assert _table(manager, "inbox")["Check"].tolist() == [stored.review_line]  # the fresh check is the inbox line
    assert {m.label: m.value for m in manager.metric}["Breaking a rule"] == "1"


def test_a_give_away_lists_who_could_take_it_and_a_refused_take_writes_nothing(open_page, desk) -> None:
    give_day = desk.days_ahead(desk.wang_wei)[0]
    colleague = open_page("agent2", MY_SHIFTS)
    colleague.selectbox(key="give_mine").set_value(give_day)
    _click(_run(colleague), "give_check")
    suggested = _table(colleague, "give_suggestions")
    _click(colleague, "give_send")
    (offer,) = desk.requests()
    assert (offer.kind, offer.status, offer.counterpart_id) == (RequestKind.GIVE_AWAY, RequestStatus.PROPOSED, None)
    with desk.factory() as session:
        names = [s.name for s in requests.suggestions(session, desk.users()["agent2"], offer.id, PAGE_NOW)]
    assert list(suggested["Colleague"]) == names and names

    agent = open_page("agent", MY_SHIFTS)
    assert list(_table(agent, "offers")["#"]) == [offer.id]
    _click(agent, "offer_accept")  # Li Na works every weekday already: one more shift is over her weekly maximum
    (error,) = _texts(agent.error)
    assert error.startswith("this change breaks a rule: Li Na")
    after = desk.request(offer.id)
    assert (after.status, after.counterpart_id) == (RequestStatus.PROPOSED, None)


def test_time_off_and_overtime_are_checked_and_bad_input_writes_nothing(open_page, desk) -> None:
    day = desk.days_ahead(desk.li_na)[-1]
    agent = open_page("agent", MY_SHIFTS)
    agent.date_input(key="off_first").set_value(day)
    agent.date_input(key="off_last").set_value(day)
    _click(_run(agent), "off_check")
    assert _texts(agent.error) == ["time off needs a reason"]
    assert agent.button(key="off_send").disabled
    agent.text_input(key="off_reason").input("family wedding")
    _click(_run(agent), "off_check")
    _click(agent, "off_send")
    (leave,) = desk.requests()
    assert (leave.kind, leave.status, leave.reason) == (RequestKind.TIME_OFF, RequestStatus.PROPOSED, "family wedding")
    assert leave.period_start.astimezone(ZONE).date() == day

    free = next(d for d in (MONDAY + timedelta(days=n) for n in range(7))
                if d > day and (desk.li_na, d) not in desk.cells())
    agent.selectbox(key="overtime_day").set_value(free)
    _click(_run(agent), "overtime_check")
    users = desk.users()
    with desk.dry() as session:
        draft = requests.propose_overtime(session, users["agent"], day=free, now=PAGE_NOW, submit=False,
                                          shift_code=agent.selectbox(key="overtime_shift").value,
                                          skill_code=agent.selectbox(key="overtime_skill").value)
        review = requests.check(session, users["agent"], draft.id, PAGE_NOW)
    assert agent.button(key="overtime_send").disabled is (not review.ok)
    assert [r.id for r in desk.requests()] == [leave.id]  # checking wrote nothing

    agent.selectbox(key="my_request_pick").set_value(leave.id)
    _click(_run(agent), "withdraw")
    assert desk.request(leave.id).status is RequestStatus.WITHDRAWN


def test_a_planner_posts_an_open_shift_and_a_manager_edits_the_policy(open_page, desk) -> None:
    planner = open_page("planner", APPROVALS)
    assert "Managers decide requests; planners post open shifts." in _texts(planner.caption)
    assert not planner.metric and not planner.multiselect  # no inbox, no bulk decisions, no policy
    day = desk.days_ahead(desk.li_na)[-1]
    planner.date_input(key="post_day").set_value(day)
    planner.selectbox(key="post_shift").set_value("N")
    _click(planner, "FormSubmitter:post_open-Post open shift")
    (gap,) = desk.requests()
    with desk.factory() as session:
        night = session.get_one(ShiftType, gap.shift_type_id)
    assert (gap.kind, gap.status, gap.day, night.code) == (RequestKind.OPEN_SHIFT, RequestStatus.PROPOSED, day, "N")

    manager = open_page("manager", APPROVALS)
    manager.number_input(key="policy_cutoff").set_value(24)
    manager.multiselect(key="policy_auto").set_value([RequestKind.TIME_OFF])
    _click(manager, "FormSubmitter:policy-Save policy")
    with desk.factory() as session:
        policy = requests.request_store.policy(session, 1)
        assert (policy.cutoff_hours, policy.auto_approve) == (24, ["time_off"])


def test_an_agent_cannot_open_approvals(app_as) -> None:
    at = app_as("agent")
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in her navigation at all
        at.switch_page(APPROVALS).run()
    page = AppTest.from_file(str(REPO_ROOT / APPROVALS), default_timeout=60)  # nor by its file
    page.session_state["current_user"] = at.session_state["current_user"]
    page.run()
    assert _texts(page.error) == ["Your role (agent) may not open this page."]


def test_a_swap_reads_with_both_shifts_and_an_older_one_with_the_days_only() -> None:
    from store.schema import Employee
    from views.request_text import describe

    swap = ShiftRequest(kind=RequestKind.SWAP, requester=Employee(name="Sun Hao"), counterpart=Employee(name="Ma Lin"),
                        day=date(2026, 11, 29), other_day=date(2026, 11, 29), shift_type=ShiftType(code="E"),
                        other_shift_type=ShiftType(code="L"))
    zone = ZoneInfo("Asia/Shanghai")
    assert describe(swap, zone) == "Sun Hao E Sun 29 Nov ⇄ Ma Lin L Sun 29 Nov"
    swap.other_shift_type = None  # proposed before the counterpart's shift was kept
    assert describe(swap, zone) == "Sun Hao Sun 29 Nov ⇄ Ma Lin Sun 29 Nov"
