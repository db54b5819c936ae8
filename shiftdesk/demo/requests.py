"""Requests waiting in the demo manager's Approvals inbox: a time off and an accepted swap.

A fresh desk with an empty inbox shows a manager nothing of the approval flow, so the seed files
two requests the way agents would, through `shiftdesk.services.shift_requests` (the same checks,
audit events and notifications as on the Requests page): an agent asks for a day off later this
week, and two agents agree to swap shifts on one day. Both are on this week's published rotation,
a day or more ahead, as late in the week as the roster allows, since a request expires when its
shift starts; from Saturday on there may be no such day left, and the inbox stays empty. The
agents of the demo's own logins (Li Na, Wang Wei) file none, so their request lists start clean.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shiftdesk.auth import CurrentUser, as_current_user, generate_password, hash_password
from shiftdesk.demo import desk
from shiftdesk.errors import UserError
from shiftdesk.services import shift_requests
from store import rosters as roster_store
from store.enums import Role
from store.schema import Employee, RosterAssignment, ShiftRequest, User

# Agents with a demo login stay out of the seeded requests (see the module doc).
_LOGIN_AGENTS = frozenset(index for *_, index in desk.DEMO_USERS if index is not None)
TIME_OFF_REASON = "Family appointment"
CUTOFF_MARGIN = timedelta(hours=24)  # beyond the default 12 h cut-off, so a request stays valid a while


def seed_requests(session: Session, team_id: int, employees: list[Employee], monday: date,
                  now: datetime) -> list[ShiftRequest]:
    """File a time-off request and an accepted swap on the team's published week of `monday`;
    returns those filed. `employees` in the demo's agent order (`desk.DEMO_USERS` indexes it)."""
    zone = ZoneInfo(desk.SITE_ZONE)
    with_login = {employees[i].id for i in _LOGIN_AGENTS}
    week = roster_store.published_between(session, team_id, monday, monday + timedelta(days=6))
    later = [a for a in week if a.employee_id not in with_login
             and datetime.combine(a.day, a.shift_type.start_local, tzinfo=zone) >= now + CUTOFF_MARGIN]
    filed: list[ShiftRequest] = []
    time_off = _time_off(session, later, now, zone)
    if time_off is not None:
        filed.append(time_off)
    taken = {r.requester_id for r in filed}
    swap = _swap(session, [a for a in later if a.employee_id not in taken], now)
    if swap is not None:
        filed.append(swap)
    return filed


def _time_off(session: Session, later: list[RosterAssignment], now: datetime, zone: ZoneInfo) -> ShiftRequest | None:
    """A whole working day off, as late in the week as possible (a request expires once its day starts)."""
    for a in sorted(later, key=lambda a: (-a.day.toordinal(), a.employee_id)):
        start = datetime.combine(a.day, time(0), tzinfo=zone)
        try:
            with session.begin_nested():
                return shift_requests.propose_time_off(
                    session, _as_agent(session, a.employee, now), starts_at=start, ends_at=start + timedelta(days=1),
                    reason=TIME_OFF_REASON, now=now)
        except UserError:
            continue
    return None


def _swap(session: Session, later: list[RosterAssignment], now: datetime) -> ShiftRequest | None:
    """Two agents on different shifts of one day, same skill, who swap them without breaking a
    rule; proposed by one and accepted by the other, so it waits for the manager."""
    by_day: dict[date, list[RosterAssignment]] = {}
    for a in later:
        by_day.setdefault(a.day, []).append(a)
    for day in sorted(by_day, reverse=True):  # the latest day first, as for time off
        pairs = [(x, y) for x, y in combinations(sorted(by_day[day], key=lambda a: a.employee_id), 2)
                 if x.shift_type_id != y.shift_type_id and x.skill_id == y.skill_id]
        for x, y in pairs:
            try:
                with session.begin_nested():
                    request = shift_requests.propose_swap(session, _as_agent(session, x.employee, now), day=day,
                                                          other_employee_id=y.employee_id, other_day=day, now=now)
                    return shift_requests.accept(session, _as_agent(session, y.employee, now), request.id, now)
            except UserError:
                continue
    return None


def _as_agent(session: Session, employee: Employee, now: datetime) -> CurrentUser:
    """The agent acting on their own request, through their account: agents without a demo login
    get one here (login from their e-mail, a random password nobody is told: an account the demo
    does not sign in to, as every agent of a real desk has one)."""
    user = session.scalar(select(User).where(User.employee_id == employee.id))
    if user is None:
        user = User(login=employee.email.split("@")[0], role=Role.AGENT, display_name=employee.name,
                    password_hash=hash_password(generate_password()), employee=employee, email=employee.email,
                    created_at=now)
        session.add(user)
        session.flush()
    return as_current_user(user)
