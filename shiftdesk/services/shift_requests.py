"""Agents' requests (swap, give-away, open shift, overtime, time off) and their approval.

Every action checks the role (`requests.own` for agents on their own
requests, `requests.approve` for managers, `roster.edit` for posting an open
shift), moves the state through `request_flow.next_status`, writes an audit
event and notifies the people involved through the outbox, all in the
caller's transaction: a refusal raises `UserError` before anything is written.

The checks (`check`) run on the week's published version: hard rules via the
rostering `ChangeChecker`, coverage, SLA risk of open tickets, night duty
and fairness (`rostering.requests.review`), plus the team's policy (cut-off,
overtime limit). Approval re-checks against the version current at that
moment and applies the change as a new published version (`rosters.save_draft`
+ `rosters.publish`, so the version history shows it and `rosters.revert`
undoes it), holding the week's roster rows locked (PostgreSQL) and relying on
the unique (team, week, version) key elsewhere: two approvals of one week
take turns, and the second is judged on the first's result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from rostering.domain import Roster
from rostering.errors import RosterInputError
from rostering.requests import (
    ChangeReview,
    CoverWindow,
    DueTicket,
    FairnessChange,
    NightDuty,
    counter_swaps,
    review,
)
from rostering.swaps import Change, ChangeChecker, GiveAway, Swap, TakeShift, TakeTimeOff
from shiftdesk.auth import CurrentUser, require
from shiftdesk.errors import UserError
from shiftdesk.services import rosters
from shiftdesk.services.request_flow import WITH_COUNTERPART, Action, Actor, next_status
from shiftdesk.services.roster_exports import agent_calendar
from store import rosters as roster_store
from store import shift_requests as request_store
from store.enums import RequestKind, RequestStatus
from store.people import contact_for_employees, manager_contacts
from store.schema import Employee, RequestEvent, RequestPolicy, ShiftRequest, ShiftType, Skill, Team, TimeOffRequest
from tickets.notify import Message, notify

OWN = "requests.own"
APPROVE = "requests.approve"
POST = "roster.edit"  # posting a gap is roster work: planners do it as well as managers


@dataclass(frozen=True)
class RequestReview:
    """What the approver sees: `risk_line` and the details behind it; `ok` iff approvable now."""

    request_id: int
    ok: bool
    risk_line: str
    violations: tuple[str, ...]  # hard rules broken, by name and place
    policy_issues: tuple[str, ...]  # cut-off, overtime limit
    cover: tuple[CoverWindow, ...]
    sla_risk: tuple[DueTicket, ...]
    night_duty: tuple[NightDuty, ...]
    fairness: tuple[FairnessChange, ...]
    roster_version: int


@dataclass(frozen=True)
class Suggestion:
    """A colleague who could take the shift (give-away, open shift) or a swap to offer instead."""

    employee_id: int
    name: str
    day: date
    shift_code: str
    cost_delta: int
    note: str


@dataclass(frozen=True)
class Outcome:
    """One request of a bulk decision: its new status, or why it was refused."""

    request_id: int
    status: RequestStatus | None
    error: str | None


# ---- proposing ------------------------------------------------------------------


def propose_swap(session: Session, user: CurrentUser, *, day: date, other_employee_id: int, other_day: date,
                 now: datetime, submit: bool = True) -> ShiftRequest:
    """Offer my shift on `day` for a colleague's shift on `other_day` (same roster week)."""
    me = _me(session, user)
    if rosters.monday_of(day) != rosters.monday_of(other_day):
        raise UserError(f"a swap's shifts must be in one roster week ({day} and {other_day} are not)")
    mine = _shift_of(session, me, day)
    other = _colleague(session, me, other_employee_id)
    theirs = _shift_of(session, other, other_day)
    return _propose(session, user, now, submit, team_id=me.team_id, kind=RequestKind.SWAP, requester_id=me.id,
                    counterpart_id=other.id, day=day, other_day=other_day, shift_type_id=mine.shift_type_id,
                    skill_id=mine.skill_id, other_shift_type_id=theirs.shift_type_id)


def propose_give_away(session: Session, user: CurrentUser, *, day: date, now: datetime,
                      to_employee_id: int | None = None, submit: bool = True) -> ShiftRequest:
    """Offer my shift on `day` to a named colleague, or to anyone who accepts it (None)."""
    me = _me(session, user)
    mine = _shift_of(session, me, day)
    counterpart = _colleague(session, me, to_employee_id).id if to_employee_id is not None else None
    return _propose(session, user, now, submit, team_id=me.team_id, kind=RequestKind.GIVE_AWAY,
                    requester_id=me.id, counterpart_id=counterpart, day=day, shift_type_id=mine.shift_type_id,
                    skill_id=mine.skill_id)


def propose_overtime(session: Session, user: CurrentUser, *, day: date, shift_code: str, now: datetime,
                     skill_code: str | None = None, submit: bool = True) -> ShiftRequest:
    """Ask to work an extra shift on a day off."""
    me = _me(session, user)
    if _assignment(session, me, day) is not None:
        raise UserError(f"you already work {day:%a %d %b}: overtime is an extra shift on a day off")
    shift = _shift_type(session, me.team_id, shift_code)
    skill_id = _skill_id(me, skill_code)
    return _propose(session, user, now, submit, team_id=me.team_id, kind=RequestKind.OVERTIME, requester_id=me.id,
                    day=day, shift_type_id=shift.id, skill_id=skill_id)


def propose_time_off(session: Session, user: CurrentUser, *, starts_at: datetime, ends_at: datetime, reason: str,
                     now: datetime, submit: bool = True) -> ShiftRequest:
    """Ask for time off from `starts_at` to `ends_at` (aware; whole or part days) within one roster week."""
    me = _me(session, user)
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise UserError("time off needs times with a time zone")
    if ends_at <= starts_at:
        raise UserError(f"time off ends ({ends_at:%Y-%m-%d %H:%M}) before it starts ({starts_at:%Y-%m-%d %H:%M})")
    zone = _zone(session, me.team_id)
    first, last = starts_at.astimezone(zone).date(), (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    if rosters.monday_of(first) != rosters.monday_of(last):
        raise UserError("time off must lie in one roster week (Monday to Sunday): ask once per week")
    if not reason.strip():
        raise UserError("time off needs a reason")
    return _propose(session, user, now, submit, team_id=me.team_id, kind=RequestKind.TIME_OFF, requester_id=me.id,
                    day=first, period_start=starts_at, period_end=ends_at, reason=reason.strip()[:200])


def post_open_shift(session: Session, user: CurrentUser, *, team_id: int, day: date, shift_code: str,
                    skill_code: str, now: datetime) -> ShiftRequest:
    """A planner posts a gap for agents to volunteer for (the first to accept takes it, once approved)."""
    require(user, POST)
    shift = _shift_type(session, team_id, shift_code)
    skill_id = _skill_by_code(session, skill_code)
    return _propose(session, user, now, True, team_id=team_id, kind=RequestKind.OPEN_SHIFT, day=day,
                    shift_type_id=shift.id, skill_id=skill_id)


def submit(session: Session, user: CurrentUser, request_id: int, now: datetime) -> ShiftRequest:
    """Send a draft for acceptance or approval (checked again, as at proposal)."""
    request = request_store.get_request(session, request_id, lock=True)
    actor = _actor(user, request)
    _check_policy_or_refuse(session, request, now)
    _transition(session, user, request, Action.SUBMIT, actor, now)
    _refuse_if_broken(session, request, now)
    _maybe_auto_approve(session, request, now)
    return request


# ---- colleagues and managers act ------------------------------------------------------


def accept(session: Session, user: CurrentUser, request_id: int, now: datetime) -> ShiftRequest:
    """The named colleague accepts a swap or give-away; anyone eligible takes an open give-away or shift."""
    me = _me(session, user)
    with session.begin_nested():  # a refusal leaves the offer open
        return _accept(session, user, me, request_id, now)


def _accept(session: Session, user: CurrentUser, me: Employee, request_id: int, now: datetime) -> ShiftRequest:
    request = request_store.get_request(session, request_id, lock=True)
    if request.counterpart_id is None and request.kind in (RequestKind.GIVE_AWAY, RequestKind.OPEN_SHIFT):
        if me.team_id != request.team_id or me.id == request.requester_id:
            raise UserError(f"request #{request.id} is not open to you")
        if _assignment(session, me, request.day) is not None:  # type: ignore[arg-type]
            raise UserError(f"you already work {request.day:%a %d %b}")
        request.counterpart_id = me.id
    if request.counterpart_id != me.id:
        raise UserError(f"request #{request.id} is addressed to someone else")
    _check_policy_or_refuse(session, request, now)
    _refuse_if_broken(session, request, now)
    _transition(session, user, request, Action.ACCEPT, Actor.COUNTERPART, now)
    _maybe_auto_approve(session, request, now)
    return request


def decline(session: Session, user: CurrentUser, request_id: int, now: datetime, comment: str = "") -> ShiftRequest:
    request = request_store.get_request(session, request_id, lock=True)
    me = _me(session, user)
    if request.counterpart_id != me.id:
        raise UserError(f"request #{request.id} is not addressed to you")
    _transition(session, user, request, Action.DECLINE, Actor.COUNTERPART, now, comment)
    return request


def withdraw(session: Session, user: CurrentUser, request_id: int, now: datetime) -> ShiftRequest:
    request = request_store.get_request(session, request_id, lock=True)
    _transition(session, user, request, Action.WITHDRAW, _actor(user, request), now)
    return request


def approve(session: Session, user: CurrentUser, request_id: int, now: datetime, comment: str = "") -> ShiftRequest:
    """Approve and apply in the caller's transaction, re-checked on the current roster version."""
    require(user, APPROVE)
    with session.begin_nested():  # a refusal writes nothing
        request = request_store.get_request(session, request_id, lock=True)
        _approve_and_apply(session, user, request, now, comment)
    return request


def reject(session: Session, user: CurrentUser, request_id: int, now: datetime, comment: str) -> ShiftRequest:
    require(user, APPROVE)
    if not comment.strip():
        raise UserError("say why the request is rejected (the comment goes to the agents)")
    request = request_store.get_request(session, request_id, lock=True)
    _transition(session, user, request, Action.REJECT, Actor.MANAGER, now, comment)
    request.decided_by_id, request.decided_at, request.comment = user.id, now, comment
    return request


def decide_many(session: Session, user: CurrentUser, request_ids: Sequence[int], *, approve_them: bool,
                now: datetime, comment: str = "") -> list[Outcome]:
    """Approve or reject several requests; each in its own savepoint, so one refusal keeps the others."""
    require(user, APPROVE)
    outcomes = []
    for request_id in request_ids:
        try:
            with session.begin_nested():  # one refusal keeps the others
                done = (approve(session, user, request_id, now, comment) if approve_them
                        else reject(session, user, request_id, now, comment))
            outcomes.append(Outcome(request_id, done.status, None))
        except UserError as exc:
            outcomes.append(Outcome(request_id, None, str(exc)))
    return outcomes


def expire_due(session: Session, now: datetime) -> int:
    """Expire every pending request whose first shift has started (the worker calls this)."""
    expired = request_store.due_to_expire(session, now)
    for request in expired:
        _transition(session, None, request, Action.EXPIRE, Actor.SYSTEM, now)
    return len(expired)


# ---- checks and suggestions ----------------------------------------------------------


def check(session: Session, user: CurrentUser, request_id: int, now: datetime) -> RequestReview:
    """The request judged on the week's current published version (see module doc)."""
    request = request_store.get_request(session, request_id)
    _may_see(user, request)
    return _review(session, request, now)


def suggestions(session: Session, user: CurrentUser, request_id: int, now: datetime,
                limit: int = 5) -> list[Suggestion]:
    """Give-away or open shift: colleagues who could take it without breaking a rule, best first
    (coverage and cost, then fairness load, then overtime). Swap: legal swaps to offer instead."""
    request = request_store.get_request(session, request_id)
    _may_see(user, request)
    plan, _row, checker = _week(session, request.team_id, request.week_start, now)
    index = (request.day - plan.monday).days  # type: ignore[operator]
    if request.kind is RequestKind.SWAP:
        swap = _change(plan, request)
        assert isinstance(swap, Swap)
        return [Suggestion(int(s.second), checker.cal.employee_by_id[s.second].label,
                           plan.monday + timedelta(days=s.second_day), checker.cells[s.second][s.second_day].shift,
                           result.cost_delta, f"swap with {checker.cal.day_label(s.second_day)}")
                for s, result in counter_swaps(checker, swap, limit=limit)]
    if request.kind not in (RequestKind.GIVE_AWAY, RequestKind.OPEN_SHIFT):
        raise UserError(f"a {request.kind.value} request has no colleagues to suggest")
    shift_code = request.shift_type.code  # type: ignore[union-attr]
    skill = request.skill.code if request.skill else checker.cells[str(request.requester_id)][index].skill
    found = checker.open_shift_candidates(index, shift_code, skill)
    return [Suggestion(int(c.employee), checker.cal.employee_by_id[c.employee].label, request.day, shift_code,  # type: ignore[arg-type]
                       c.cost_delta, f"fairness load {c.load}" + (f", {c.overtime_min} min overtime" if c.overtime_min else ""))
            for c in found if c.employee != str(request.requester_id)][:limit]


# ---- lists -------------------------------------------------------------------------


def my_requests(session: Session, user: CurrentUser) -> list[ShiftRequest]:
    """Requests I made or that are addressed to me, newest first."""
    return request_store.of_employee(session, _me(session, user).id)


def open_offers(session: Session, user: CurrentUser, now: datetime) -> list[ShiftRequest]:
    """Open shifts and give-aways to anyone in my team that I could still accept."""
    me = _me(session, user)
    return [r for r in request_store.requests_where(
        session, ShiftRequest.team_id == me.team_id, ShiftRequest.status == RequestStatus.PROPOSED,
        ShiftRequest.counterpart_id.is_(None), ShiftRequest.kind.in_([RequestKind.GIVE_AWAY, RequestKind.OPEN_SHIFT]),
        ShiftRequest.starts_at > now) if r.requester_id != me.id]


def inbox(session: Session, user: CurrentUser, team_id: int | None = None) -> list[ShiftRequest]:
    """Requests waiting for a manager (the stored `review_line` is the risk line of the last check)."""
    require(user, APPROVE)
    waiting = [ShiftRequest.status == RequestStatus.ACCEPTED] + ([] if team_id is None else [ShiftRequest.team_id == team_id])
    ready = request_store.requests_where(session, *waiting)
    solo = request_store.requests_where(session, ShiftRequest.status == RequestStatus.PROPOSED,
                                        ShiftRequest.kind.in_([RequestKind.OVERTIME, RequestKind.TIME_OFF]),
                                        *([] if team_id is None else [ShiftRequest.team_id == team_id]))
    return sorted(ready + solo, key=lambda r: (r.starts_at, r.id))


def history(session: Session, user: CurrentUser, team_id: int | None = None, limit: int = 200) -> list[ShiftRequest]:
    """Decided and closed requests, newest first."""
    require(user, APPROVE)
    closed = [RequestStatus.APPLIED, RequestStatus.REJECTED, RequestStatus.WITHDRAWN, RequestStatus.EXPIRED]
    return request_store.requests_where(session, ShiftRequest.status.in_(closed),
                                        *([] if team_id is None else [ShiftRequest.team_id == team_id]), limit=limit)


def events(session: Session, user: CurrentUser, request_id: int) -> list[RequestEvent]:
    """The audit trail of one request."""
    request = request_store.get_request(session, request_id)
    _may_see(user, request)
    return list(request.events)


def my_calendar(session: Session, user: CurrentUser, monday: date) -> bytes:
    """My shifts of the week's published version as ICS (night duty marked), so after an applied
    change the calendar shows the new shifts."""
    require(user, "schedule.own")
    me = _me(session, user)
    row = request_store.published_version(session, me.team_id, monday)
    if row is None:
        raise UserError(f"no roster published for the week of {monday:%d %b %Y}")
    return agent_calendar(roster_store.roster_with_assignments(session, row.id), me.id, _zone(session, me.team_id).key)


def set_policy(session: Session, user: CurrentUser, team_id: int, *, auto_approve: Sequence[RequestKind],
               cutoff_hours: int, overtime_limit_minutes_week: int) -> RequestPolicy:
    require(user, APPROVE)
    if cutoff_hours < 0 or overtime_limit_minutes_week < 0:
        raise UserError("cut-off hours and the overtime limit cannot be negative")
    row = session.get(RequestPolicy, team_id) or RequestPolicy(team_id=team_id)
    row.auto_approve = [RequestKind(k).value for k in auto_approve]
    row.cutoff_hours, row.overtime_limit_minutes_week = cutoff_hours, overtime_limit_minutes_week
    session.add(row)
    return row


# ---- internals ---------------------------------------------------------------------


def _propose(session: Session, user: CurrentUser, now: datetime, submit_now: bool, **columns: object) -> ShiftRequest:
    require(user, OWN)
    team_id, day = columns["team_id"], columns["day"]
    assert isinstance(team_id, int) and isinstance(day, date)
    monday = rosters.monday_of(day)
    published = request_store.published_version(session, team_id, monday)
    if published is None:
        raise UserError(f"no roster published for the week of {monday:%d %b %Y}: nothing to change yet")
    columns.setdefault("reason", "")
    request = ShiftRequest(**columns, week_start=monday, roster_version=published.version, status=RequestStatus.DRAFT,
                           created_at=now, updated_at=now, created_by_id=user.id, starts_at=now)
    request.starts_at = _starts_at(session, request)
    if request.starts_at <= now:
        raise UserError(f"the shift started at {request.starts_at:%Y-%m-%d %H:%M} UTC: too late to change it")
    with session.begin_nested():  # a refused submission leaves no draft behind
        session.add(request)
        session.flush()
        _event(session, user, request, "create", None, RequestStatus.DRAFT, now)
        if submit_now:
            submit(session, user, request.id, now)
    return request


def _check_policy_or_refuse(session: Session, request: ShiftRequest, now: datetime) -> None:
    issues = _policy_issues(session, request, now)
    if issues:
        raise UserError("; ".join(issues))


def _policy_issues(session: Session, request: ShiftRequest, now: datetime) -> list[str]:
    """Cut-off (not for a planner's open shift: filling a gap late is its point) and the overtime limit."""
    rules = request_store.policy(session, request.team_id)
    issues = []
    cutoff = timedelta(hours=rules.cutoff_hours)
    if request.kind is not RequestKind.OPEN_SHIFT and request.starts_at - now < cutoff:
        issues.append(f"the shift starts {request.starts_at:%Y-%m-%d %H:%M} UTC, within the team's "
                      f"{rules.cutoff_hours} h cut-off: ask a manager directly")
    if request.kind is RequestKind.OVERTIME and request.requester_id is not None:
        done = request_store.overtime_minutes(session, request.requester_id, request.week_start, request.id)
        extra = request.shift_type.duration_minutes  # type: ignore[union-attr]
        if done + extra > rules.overtime_limit_minutes_week:
            issues.append(f"overtime that week would be {(done + extra) / 60:g} h, over the team's limit of "
                          f"{rules.overtime_limit_minutes_week / 60:g} h")
    return issues


def _refuse_if_broken(session: Session, request: ShiftRequest, now: datetime) -> None:
    """Agent-to-agent changes that break a hard rule are refused at once, naming the rule. Time off is
    checked too, so the inbox shows its risk line, but kept with a failing check: a manager may find
    cover first."""
    offered = request.counterpart_id is None and request.kind in (RequestKind.GIVE_AWAY, RequestKind.OPEN_SHIFT)
    if offered:
        return
    result = _review(session, request, now)
    if not result.ok and request.kind is not RequestKind.TIME_OFF:
        raise UserError("this change breaks a rule: " + "; ".join(result.violations[:3] or result.policy_issues[:3]))


def _review(session: Session, request: ShiftRequest, now: datetime, week: tuple | None = None) -> RequestReview:
    plan, row, checker = week or _week(session, request.team_id, request.week_start, now)
    change = _change(plan, request)
    issues = tuple(_policy_issues(session, request, now))
    if change is None:  # an open give-away or open shift: nothing changes until someone takes it
        line = "waiting for a colleague to take it"
        return RequestReview(request.id, False, line, (), issues, (), (), (), (), row.version)
    zone = ZoneInfo(plan.problem.tz)
    start = datetime.combine(plan.monday, time(0), tzinfo=zone)
    due = [DueTicket(*t) for t in request_store.tickets_due(session, request.team_id, start, start + timedelta(days=8))]
    try:
        result: ChangeReview = review(checker, change, due)
    except RosterInputError as exc:
        raise UserError(f"request #{request.id} does not fit roster v{row.version}: {exc}") from exc
    line = result.risk_line + (("; " + "; ".join(issues)) if issues else "")
    request.review_ok, request.review_line = result.ok and not issues, line
    return RequestReview(request.id, result.ok and not issues, line, tuple(v.message for v in result.violations),
                         issues, result.cover, result.sla_risk, result.night_duty, result.fairness, row.version)


def _week(session: Session, team_id: int, monday: date, now: datetime):  # noqa: ANN202 - (plan, row, checker)
    row = request_store.published_version(session, team_id, monday)
    if row is None:
        raise UserError(f"no roster published for the week of {monday:%d %b %Y}")
    row = roster_store.roster_with_assignments(session, row.id)
    plan = rosters.build_week(session, team_id, monday, now)
    return plan, row, ChangeChecker(plan.problem, rosters.roster_of(plan, row))


def _change(plan: rosters.WeekPlan, request: ShiftRequest) -> Change | None:
    """The request as the rostering engine's change (None while nobody has taken an offered shift)."""
    def index(day: date | None) -> int:
        assert day is not None
        return (day - plan.monday).days

    me = str(request.requester_id)
    if request.kind is RequestKind.SWAP:
        return Swap(me, index(request.day), str(request.counterpart_id), index(request.other_day))
    if request.kind is RequestKind.GIVE_AWAY:
        return None if request.counterpart_id is None else GiveAway(me, index(request.day), str(request.counterpart_id))
    if request.kind in (RequestKind.OVERTIME, RequestKind.OPEN_SHIFT):
        who = me if request.kind is RequestKind.OVERTIME else request.counterpart_id
        if who is None:
            return None
        assert request.skill is not None and request.shift_type is not None  # both set when proposed
        return TakeShift(str(who), index(request.day), request.shift_type.code, request.skill.code)
    zone = ZoneInfo(plan.problem.tz)
    assert request.period_start is not None and request.period_end is not None
    first = request.period_start.astimezone(zone).date()
    last = (request.period_end - timedelta(microseconds=1)).astimezone(zone).date()
    days = tuple(index(first + timedelta(days=n)) for n in range((last - first).days + 1))
    return TakeTimeOff(me, days, request.reason or "leave")


def _approve_and_apply(session: Session, user: CurrentUser | None, request: ShiftRequest, now: datetime,
                       comment: str) -> None:
    """Approve, re-check on the current version with the week locked, and publish the changed version."""
    actor = Actor.MANAGER if user is not None else Actor.SYSTEM
    next_status(request.kind, request.status, Action.APPROVE, actor)  # refuse before any work
    roster_store.lock_week(session, request.team_id, request.week_start)  # approvals of one week take turns
    week = _week(session, request.team_id, request.week_start, now)
    plan, row, checker = week
    result = _review(session, request, now, week)
    if not result.ok:
        raise UserError(f"request #{request.id} cannot be approved on roster v{row.version}: "
                        + "; ".join(result.violations[:3] + result.policy_issues[:3]))
    change = _change(plan, request)
    assert change is not None
    changed: Roster = checker.check(change).roster
    _transition(session, user, request, Action.APPROVE, actor, now, comment, {"risk_line": result.risk_line})
    request.decided_by_id, request.decided_at, request.comment = (user.id if user else None), now, comment or None
    if request.kind is RequestKind.TIME_OFF:
        leave = TimeOffRequest(employee_id=request.requester_id, starts_at=request.period_start,
                               ends_at=request.period_end, reason=request.reason, status=RequestStatus.APPLIED,
                               created_at=now, decided_by_id=request.decided_by_id, decided_at=now)
        session.add(leave)
        session.flush()
        request.time_off_id = leave.id
    draft = rosters.save_draft(session, None, plan, changed, now, solver_status="request",
                               note=f"request #{request.id} ({request.kind.value}) on v{row.version}")
    rosters.publish(session, None, draft.id, now)
    request.applied_roster_id, request.roster_version = draft.id, draft.version
    _transition(session, None, request, Action.APPLY, Actor.SYSTEM, now, None, {"roster_version": draft.version})


def _maybe_auto_approve(session: Session, request: ShiftRequest, now: datetime) -> None:
    """Approve without a manager when the team's policy names the kind and every check passes;
    a swap only like-for-like (the same shift type, between agents with the same skills)."""
    waiting = request.status is RequestStatus.ACCEPTED or (
        request.status is RequestStatus.PROPOSED and request.kind not in WITH_COUNTERPART)
    if not waiting or request.kind.value not in request_store.policy(session, request.team_id).auto_approve:
        return
    if request.kind is RequestKind.SWAP and not _like_for_like(session, request):
        return
    if not _review(session, request, now).ok:
        return
    _approve_and_apply(session, None, request, now, "auto-approved: every check passed")


def _like_for_like(session: Session, request: ShiftRequest) -> bool:
    assert request.requester is not None and request.counterpart is not None and request.other_day is not None
    theirs = _assignment(session, request.counterpart, request.other_day)
    skills = [{s.skill_id for s in e.skills} for e in (request.requester, request.counterpart)]
    return theirs is not None and theirs.shift_type_id == request.shift_type_id and skills[0] == skills[1]


def _transition(session: Session, user: CurrentUser | None, request: ShiftRequest, action: Action, actor: Actor,
                now: datetime, comment: str | None = None, data: dict | None = None) -> None:
    before = request.status
    request.status = next_status(request.kind, before, action, actor)
    request.updated_at = now
    event = _event(session, user, request, action.value, before, request.status, now, comment, data)
    _notify(session, request, event, now)


def _event(session: Session, user: CurrentUser | None, request: ShiftRequest, action: str,
           before: RequestStatus | None, after: RequestStatus, now: datetime, comment: str | None = None,
           data: dict | None = None) -> RequestEvent:
    event = RequestEvent(request_id=request.id, at=now, actor_user_id=user.id if user else None,
                         actor=user.display_name if user else "ShiftDesk", action=action,
                         from_status=before.value if before else None, to_status=after.value, comment=comment,
                         data=data or {})
    session.add(event)
    session.flush()
    return event


def _notify(session: Session, request: ShiftRequest, event: RequestEvent, now: datetime) -> None:
    """The requester and the counterpart hear of every step; managers when the request waits for them."""
    people = [e for e in (request.requester_id, request.counterpart_id) if e is not None]
    contacts = list(contact_for_employees(session, people).values())
    waits = request.status is RequestStatus.ACCEPTED or (
        request.status is RequestStatus.PROPOSED and request.kind not in WITH_COUNTERPART)
    if waits:
        contacts += manager_contacts(session)
    when = f"{request.day:%a %d %b}" if request.day else ""
    body = event.comment or request.review_line or ""
    message = Message(key=f"request:{request.id}:{event.id}",
                      subject=f"Request #{request.id} ({request.kind.value.replace('_', ' ')} {when}): "
                              f"{event.to_status} by {event.actor}",
                      body=body, data={"request_id": request.id, "status": event.to_status})
    notify(session, message, contacts, now)


def _starts_at(session: Session, request: ShiftRequest) -> datetime:
    """When the request's first shift (or its time off) starts, in UTC."""
    zone = _zone(session, request.team_id)
    starts = []
    if request.period_start is not None:
        starts.append(request.period_start)
    for who, day in ((request.requester_id, request.day), (request.counterpart_id, request.other_day)):
        if day is None:
            continue
        shift = session.get(ShiftType, request.shift_type_id) if request.kind in (
            RequestKind.OVERTIME, RequestKind.OPEN_SHIFT) or who is None else None
        if shift is None and who is not None:
            held = _assignment(session, session.get_one(Employee, who), day)
            shift = held.shift_type if held is not None else None
        if shift is not None:
            starts.append(datetime.combine(day, shift.start_local, tzinfo=zone))
    if not starts:
        raise UserError("the request names no shift and no time off")
    return min(starts).astimezone(ZoneInfo("UTC"))


def _me(session: Session, user: CurrentUser) -> Employee:
    require(user, OWN)
    if user.employee_id is None:
        raise UserError(f"login '{user.login}' is not linked to an employee: only agents make requests")
    return session.get_one(Employee, user.employee_id)


def _colleague(session: Session, me: Employee, employee_id: int) -> Employee:
    other = session.get(Employee, employee_id)
    if other is None or not other.active or other.team_id != me.team_id:
        raise UserError(f"no active colleague #{employee_id} in your team")
    if other.id == me.id:
        raise UserError("a request needs a colleague other than yourself")
    return other


def _assignment(session: Session, employee: Employee, day: date):  # noqa: ANN202 - RosterAssignment | None
    monday = rosters.monday_of(day)
    row = request_store.published_version(session, employee.team_id, monday)
    if row is None:
        raise UserError(f"no roster published for the week of {monday:%d %b %Y}")
    return next((a for a in roster_store.roster_with_assignments(session, row.id).assignments
                 if a.employee_id == employee.id and a.day == day), None)


def _shift_of(session: Session, employee: Employee, day: date):  # noqa: ANN202 - RosterAssignment
    held = _assignment(session, employee, day)
    if held is None:
        raise UserError(f"{employee.name} has no shift on {day:%a %d %b %Y}")
    return held


def _shift_type(session: Session, team_id: int, code: str) -> ShiftType:
    shifts = roster_store.team_shift_types(session, team_id)
    found = next((s for s in shifts if s.code == code), None)
    if found is None:
        raise UserError(f"unknown shift '{code}' (known: {', '.join(s.code for s in shifts)})")
    return found


def _skill_id(employee: Employee, code: str | None) -> int:
    held = {s.skill.code: s.skill_id for s in employee.skills}
    if code is None:
        return max(employee.skills, key=lambda s: s.level).skill_id
    if code not in held:
        raise UserError(f"{employee.name} does not hold the skill '{code}' (holds: {', '.join(sorted(held))})")
    return held[code]


def _skill_by_code(session: Session, code: str) -> int:
    found = session.scalar(select(Skill.id).where(Skill.code == code))
    if found is None:
        raise UserError(f"unknown skill '{code}'")
    return found


def _zone(session: Session, team_id: int) -> ZoneInfo:
    return ZoneInfo(session.get_one(Team, team_id).site.time_zone)


def _actor(user: CurrentUser, request: ShiftRequest) -> Actor:
    """Requester for one's own request (or a planner's open shift), else refused."""
    if user.employee_id is not None and user.employee_id == request.requester_id:
        require(user, OWN)
        return Actor.REQUESTER
    if request.kind is RequestKind.OPEN_SHIFT and user.can(POST):
        return Actor.REQUESTER
    raise UserError(f"request #{request.id} is not yours")


def _may_see(user: CurrentUser, request: ShiftRequest) -> None:
    if user.can(APPROVE):
        return
    require(user, OWN)
    if user.employee_id not in (request.requester_id, request.counterpart_id) and request.counterpart_id is not None:
        raise UserError(f"request #{request.id} is not yours")

