"""My shifts (agents, and anyone whose login is linked to an employee): my shifts this week and next
from the published roster, night duty marked; open shifts and colleagues' offers I can take; a swap, a
give-away, overtime or time off, each checked before it is sent; my requests with their status and
trail; my calendar as an ICS file.

The rules (cut-off, hard rules, who may accept what) live in `shiftdesk.services.shift_requests`; this
page draws and forwards. "Check" runs the service's own check on a session that is never committed
(`dry_run`), so looking writes nothing; "Send" goes through the service again, which refuses what
breaks a rule. A check rebuilds the week's roster problem (seconds on the demo desk), so it runs on a
button, not on every click of a selectbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from shiftdesk.errors import UserError
from shiftdesk.services import rosters
from shiftdesk.services import shift_requests as requests
from shiftdesk.services.request_flow import PENDING, WITH_COUNTERPART
from shiftdesk.services.shift_requests import RequestReview, Suggestion
from store import rosters as roster_store
from store import shift_requests as request_store
from store.enums import RequestStatus
from store.org import team_zone
from store.schema import Employee, RosterAssignment, ShiftRequest
from views.request_text import (
    REQUEST_COLUMNS, ROW_HEIGHT, describe, pick_with_trail, requests_frame, suggestions_frame,
)
from views.ui import db, dry_run, now, page_user, show_error

FLASH_KEY = "my_shifts_flash"
ANYONE = 0  # the give-away's "to" option for an offer open to the whole team (employee ids start at 1)


@dataclass(frozen=True)
class Shift:
    """One worked shift of the published roster, in local time."""

    employee_id: int
    day: date
    label: str  # "Fri 27 Nov · E 07:00–15:00"
    skill: str
    night: bool
    starts_at: datetime
    ends_at: datetime


def as_shift(a: RosterAssignment, zone: ZoneInfo) -> Shift:
    start = datetime.combine(a.day, a.shift_type.start_local, tzinfo=zone)
    end = start + timedelta(minutes=a.shift_type.duration_minutes)
    return Shift(a.employee_id, a.day, f"{a.day:%a %d %b} · {a.shift_type.code} {start:%H:%M}–{end:%H:%M}",
                 a.skill.code if a.skill else "", a.shift_type.is_night, start, end)


user = page_user("requests.own")
st.title("My shifts")
if user.employee_id is None:
    st.info(f"Your login ({user.login}) is not linked to an employee, so there are no shifts here: "
            "agents see their shifts, offers and requests on this page.")
    st.stop()

moment = now()
with db() as session:
    me = session.get_one(Employee, user.employee_id)
    zone = ZoneInfo(team_zone(session, me.team_id))
    monday = rosters.monday_of(moment.astimezone(zone).date())
    names = {e.id: e.name for e in roster_store.team_employees(session, me.team_id)}
    team_shifts = [as_shift(a, zone) for a in roster_store.published_between(
        session, me.team_id, monday, monday + timedelta(days=13))]
    shift_types = roster_store.team_shift_types(session, me.team_id)
    my_skills = [s.skill.code for s in sorted(me.skills, key=lambda s: -s.level)]
    cutoff_hours = request_store.policy(session, me.team_id).cutoff_hours
    offers = requests.open_offers(session, user, moment)
    mine = requests.my_requests(session, user)

my_shifts = sorted((s for s in team_shifts if s.employee_id == me.id), key=lambda s: s.day)
ahead = [s for s in my_shifts if s.starts_at > moment]
open_to_change = [s for s in team_shifts if s.starts_at - moment >= timedelta(hours=cutoff_hours)]
changeable = [s for s in open_to_change if s.employee_id == me.id]
by_day = {s.day: s for s in my_shifts}
addressed = [r for r in mine if r.status is RequestStatus.PROPOSED and r.counterpart_id == me.id]
takeable = {r.id: r for r in offers + addressed}


def act(action: Callable[[Session], ShiftRequest], done: Callable[[ShiftRequest], str]) -> None:
    """Run one request action in its own transaction; show the service's refusal (the transaction
    rolls back, nothing is written), or rerun the page saying what happened."""
    try:
        with db() as session:
            message = done(action(session))
    except UserError as exc:
        show_error(exc)
        return
    st.session_state[FLASH_KEY] = message
    st.rerun()


def sent(request: ShiftRequest) -> str:
    """What happens next to a request that was just sent."""
    if request.status is RequestStatus.APPLIED:
        return f"Request #{request.id} passed every check and was approved automatically: the roster has changed."
    waits = "a manager"
    if request.status is RequestStatus.PROPOSED and request.kind in WITH_COUNTERPART:
        taker = request.counterpart.name if request.counterpart else "a colleague"
        waits = f"{taker} to accept, then a manager"
    return f"Request #{request.id} sent: waiting for {waits}."


def taken(request: ShiftRequest) -> str:
    if request.status is RequestStatus.APPLIED:
        return f"You took request #{request.id}: it passed every check and the roster has changed."
    return f"You took request #{request.id}: a manager approves it next."


def show_review(review: RequestReview, *, rules_block: bool) -> None:
    """The check as the approver will see it: the risk line, then what blocks it."""
    if review.violations:
        rules = "".join(f"\n- {v}" for v in review.violations)
        if rules_block:
            st.error(f"This cannot be approved: it breaks {len(review.violations)} hard rule(s):{rules}")
        else:
            st.warning(f"A manager cannot approve this until someone covers for you; it now breaks:{rules}")
    for issue in review.policy_issues:
        st.error(f"Team policy: {issue}")
    if not review.violations and not review.policy_issues:
        st.success(f"Check passed (roster v{review.roster_version}): {review.risk_line}")
    else:
        st.caption(f"Check on roster v{review.roster_version}: {review.risk_line}")


def checked(name: str, selection: tuple, draft: Callable[[Session], ShiftRequest], *, rules_block: bool = True,
            suggest: bool = False) -> bool:
    """A Check button for the request `draft` would make. The result stays shown while `selection` is
    unchanged; returns whether the request may be sent (checked, and nothing blocks it)."""
    key = f"{name}_checked"
    if st.button("Check", key=f"{name}_check", icon=":material/rule:"):
        try:
            with dry_run() as session:
                request = draft(session)
                review = requests.check(session, user, request.id, now())
                found = requests.suggestions(session, user, request.id, now()) if suggest else []
            st.session_state[key] = (selection, review, found, None)
        except UserError as exc:
            st.session_state[key] = (selection, None, [], str(exc))
    stored = st.session_state.get(key)
    if stored is None or stored[0] != selection:
        st.caption("Check it first: the same checks a manager sees, on the roster as published now.")
        return False
    _, review, found, error = stored
    if error is not None:
        st.error(error)
        return False
    show_review(review, rules_block=rules_block)
    if suggest:
        show_suggestions(found)
    return not review.policy_issues and not (rules_block and review.violations)


def show_suggestions(found: list[Suggestion]) -> None:
    st.markdown("**Colleagues who could take it without breaking a rule**")
    if not found:
        st.info("Nobody could take this shift without breaking a rule: ask a manager.")
        return
    st.container(key="give_suggestions").dataframe(suggestions_frame(found), hide_index=True)


def pick_my_shift(key: str) -> date | None:
    """One of my shifts that starts after the cut-off (a closer one cannot be changed by request)."""
    if not changeable:
        st.info(f"None of your shifts starts more than {cutoff_hours} h from now: ask a manager directly.")
        return None
    return st.selectbox("My shift", [s.day for s in changeable], format_func=lambda d: by_day[d].label, key=key,
                        help=f"Shifts starting within {cutoff_hours} h are past the team's cut-off")


if flash := st.session_state.pop(FLASH_KEY, None):
    st.success(flash)
st.caption(f"{me.name} · times in {zone.key} · requests close {cutoff_hours} h before the shift starts; "
           "a manager approves them after the checks.")
for column, (label, value) in zip(st.columns(4), (
    ("Shifts ahead", len(ahead)), ("Night duties ahead", sum(s.night for s in ahead)),
    ("Offers I can take", len(takeable)), ("My open requests", sum(r.status in PENDING for r in mine)),
), strict=True):
    column.metric(label, value)

st.subheader("This week and next")
if my_shifts:
    st.container(key="my_shift_table").dataframe(pd.DataFrame([{
        "Shift": s.label, "Skill": s.skill, "Night duty": s.night,
        "When": "done" if s.ends_at <= moment else "on now" if s.starts_at <= moment else "ahead",
    } for s in my_shifts]), hide_index=True, column_config={
        "Shift": st.column_config.TextColumn(width="medium"),
        "Night duty": st.column_config.CheckboxColumn(help="A night shift: on call for urgent tickets of 24x7 queues")})
else:
    st.info("No shift for you in the published roster this week or next.")
if not any(rosters.monday_of(s.day) > monday for s in team_shifts):
    st.caption(f"Next week's roster (from {monday + timedelta(days=7):%a %d %b}) is not published yet.")

tabs = st.tabs(["Take a shift", "Swap", "Give away", "Overtime", "Time off", "My requests", "Calendar"])
with tabs[0]:
    if not takeable:
        st.info("No open shift or colleague's offer for you right now.")
    else:
        st.container(key="offers").dataframe(requests_frame(list(takeable.values()), zone), hide_index=True,
                                             column_config=REQUEST_COLUMNS, row_height=ROW_HEIGHT)
        offer = st.selectbox("Offer", list(takeable), format_func=lambda i: f"#{i} · {describe(takeable[i], zone)}",
                             key="offer_pick")
        left, right, _ = st.columns([1, 1, 4])
        if left.button("Take it", type="primary", key="offer_accept", icon=":material/check:"):
            act(lambda session: requests.accept(session, user, offer, now()), taken)
        if right.button("Decline", key="offer_decline", disabled=takeable[offer].counterpart_id != me.id,
                        help="Only an offer addressed to you by name can be declined"):
            act(lambda session: requests.decline(session, user, offer, now()),
                lambda r: f"You declined request #{r.id}.")

with tabs[1]:
    st.caption("Offer one of your shifts for a colleague's shift in the same week; they accept, a manager approves.")
    mine_col, colleague_col, theirs_col = st.columns(3)
    with mine_col:
        day = pick_my_shift("swap_mine")
    if day is not None:
        week = rosters.monday_of(day)
        theirs = [s for s in open_to_change if s.employee_id != me.id and rosters.monday_of(s.day) == week]
        colleague = colleague_col.selectbox("Colleague", sorted({s.employee_id for s in theirs}, key=names.__getitem__),
                                            format_func=names.__getitem__, key="swap_colleague")
        their_shifts = {s.day: s for s in theirs if s.employee_id == colleague}
        other_day = theirs_col.selectbox("Their shift", list(their_shifts), key="swap_theirs",
                                         format_func=lambda d: their_shifts[d].label)
        if colleague is not None and other_day is not None:
            def swap(session: Session, *, send: bool) -> ShiftRequest:
                return requests.propose_swap(session, user, day=day, other_employee_id=colleague, other_day=other_day,
                                             now=now(), submit=send)

            ok = checked("swap", (day, colleague, other_day), lambda session: swap(session, send=False))
            if st.button(f"Send to {names[colleague]}", type="primary", key="swap_send", disabled=not ok):
                act(lambda session: swap(session, send=True), sent)

with tabs[2]:
    st.caption("Offer a shift to the whole team (the first to accept takes it) or to one colleague.")
    left, right = st.columns(2)
    with left:
        give_day = pick_my_shift("give_mine")
    to = right.selectbox("To", [ANYONE, *sorted((i for i in names if i != me.id), key=names.__getitem__)],
                         format_func=lambda i: "anyone in the team" if i == ANYONE else names[i], key="give_to")
    if give_day is not None:
        def give(session: Session, *, send: bool) -> ShiftRequest:
            return requests.propose_give_away(session, user, day=give_day, to_employee_id=to or None, now=now(),
                                              submit=send)

        ok = checked("give", (give_day, to), lambda session: give(session, send=False), suggest=True)
        if st.button("Offer it", type="primary", key="give_send", disabled=not ok):
            act(lambda session: give(session, send=True), sent)

with tabs[3]:
    st.caption("Ask to work an extra shift on a day you are off.")
    today = moment.astimezone(zone).date()
    days_off = [d for d in (monday + timedelta(days=n) for n in range(14)) if d not in by_day and d > today]
    day_col, shift_col, skill_col = st.columns(3)
    extra_day = day_col.selectbox("Day off", days_off, format_func=lambda d: f"{d:%a %d %b}", key="overtime_day")
    codes = {s.code: s for s in shift_types}
    code = shift_col.selectbox("Shift", list(codes), key="overtime_shift",
                               format_func=lambda c: f"{c} · {codes[c].name}")
    skill = skill_col.selectbox("Skill", my_skills, key="overtime_skill")
    if extra_day is not None:
        def overtime(session: Session, *, send: bool) -> ShiftRequest:
            return requests.propose_overtime(session, user, day=extra_day, shift_code=code, skill_code=skill,
                                             now=now(), submit=send)

        ok = checked("overtime", (extra_day, code, skill), lambda session: overtime(session, send=False))
        if st.button("Ask for overtime", type="primary", key="overtime_send", disabled=not ok):
            act(lambda session: overtime(session, send=True), sent)

with tabs[4]:
    st.caption("Whole days or part of a day, within one roster week (Monday to Sunday).")
    tomorrow = today + timedelta(days=1)
    whole = st.radio("Time off", ["Whole days", "Part of a day"], horizontal=True, key="off_kind") == "Whole days"
    if whole:
        first_col, last_col = st.columns(2)
        first = first_col.date_input("From", tomorrow, key="off_first")
        last = last_col.date_input("To (inclusive)", first, key="off_last")
        starts_at = datetime.combine(first, time(0), tzinfo=zone)
        ends_at = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    else:
        day_col, from_col, until_col = st.columns(3)
        part_day = day_col.date_input("Day", tomorrow, key="off_day")
        starts_at = datetime.combine(part_day, from_col.time_input("From", time(9), key="off_from"), tzinfo=zone)
        ends_at = datetime.combine(part_day, until_col.time_input("Until", time(13), key="off_until"), tzinfo=zone)
    reason = st.text_input("Reason", key="off_reason", placeholder="e.g. doctor's appointment")

    def time_off(session: Session, *, send: bool) -> ShiftRequest:
        return requests.propose_time_off(session, user, starts_at=starts_at, ends_at=ends_at, reason=reason,
                                         now=now(), submit=send)

    ok = checked("off", (starts_at, ends_at, reason), lambda session: time_off(session, send=False), rules_block=False)
    if st.button("Ask for time off", type="primary", key="off_send", disabled=not ok):
        act(lambda session: time_off(session, send=True), sent)

with tabs[5]:
    if not mine:
        st.info("You have made no request yet, and none is addressed to you.")
    else:
        st.container(key="my_requests").dataframe(requests_frame(mine, zone), hide_index=True,
                                                  column_config=REQUEST_COLUMNS, row_height=ROW_HEIGHT)
        request = pick_with_trail(user, mine, zone, "Request", "my_request_pick", "my_request_trail")
        can_withdraw = request.requester_id == me.id and request.status in PENDING
        if st.button("Withdraw", key="withdraw", disabled=not can_withdraw, icon=":material/undo:",
                     help="Your own request, while nobody has decided it"):
            act(lambda session: requests.withdraw(session, user, request.id, now()),
                lambda r: f"Request #{r.id} withdrawn.")

with tabs[6]:
    week = st.radio("Week", [monday, monday + timedelta(days=7)], horizontal=True, key="ics_week",
                    format_func=lambda m: f"{'This' if m == monday else 'Next'} week (from {m:%a %d %b})")
    try:
        with db() as session:
            calendar = requests.my_calendar(session, user, week)
    except UserError as exc:
        st.info(str(exc))
    else:
        st.download_button("Download my calendar (.ics)", calendar, f"shifts-{week:%Y-%m-%d}.ics", "text/calendar",
                           key="ics_download", icon=":material/download:")
        st.caption("Your shifts of the published roster, night duty marked. Import it into any calendar app; after "
                   "an approved change, download it again and the events update in place.")
