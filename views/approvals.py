"""Approvals (managers): the inbox of requests waiting for a decision with the risk line of each,
decided in bulk; one request in detail (the rules it breaks, coverage, tickets due, night duty,
fairness, who could take it or a swap to offer instead); the team's request policy; the history with
each request's audit trail. Planners post open shifts here.

The inbox shows each request's last check; the details run it again on the roster as published now,
and approval runs it once more, under the week's lock, before it changes the roster. The rules live
in `shiftdesk.services.shift_requests`; this page draws and forwards.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from shiftdesk.errors import UserError
from shiftdesk.services import shift_requests as requests
from shiftdesk.services.shift_requests import APPROVE, Outcome, RequestReview
from store import rosters as roster_store
from store import shift_requests as request_store
from store.enums import RequestKind
from store.org import team_zone
from store.schema import ShiftRequest
from views.request_text import (
    KINDS, REQUEST_COLUMNS, ROW_HEIGHT, describe, pick_with_trail, requests_frame, suggestions_frame, trail_frame,
)
from views.ui import db, now, page_team, page_user, show_error

FLASH_KEY, OUTCOMES_KEY = "approvals_flash", "approvals_outcomes"

user = page_user("roster.edit")
approver = user.can(APPROVE)
moment = now()
with db() as session:
    team_id = page_team(session)
    zone = ZoneInfo(team_zone(session, team_id))
    names = {e.id: e.name for e in roster_store.team_employees(session, team_id)}
    shift_types = roster_store.team_shift_types(session, team_id)
    skills = sorted({s.skill.code for e in roster_store.team_employees(session, team_id) for s in e.skills})
    policy = request_store.policy(session, team_id)
    inbox = requests.inbox(session, user, team_id) if approver else []
    closed = requests.history(session, user, team_id) if approver else []
by_id = {r.id: r for r in inbox}


def act(action: Callable[[Session], str]) -> None:
    """Run one action in its own transaction; show the service's refusal (nothing is written), or
    rerun the page with what happened."""
    try:
        with db() as session:
            message = action(session)
    except UserError as exc:
        show_error(exc)
        return
    st.session_state[FLASH_KEY] = message
    st.rerun()


def decide(request_ids: list[int], *, approve: bool, comment: str) -> None:
    """Bulk decision: each request in its own savepoint, so one refusal keeps the others' outcome."""
    with db() as session:
        outcomes = requests.decide_many(session, user, request_ids, approve_them=approve, now=now(), comment=comment)
    st.session_state[OUTCOMES_KEY] = outcomes
    st.rerun()


def show_outcomes(outcomes: list[Outcome]) -> None:
    done = [o for o in outcomes if o.error is None]
    if done:
        st.success("Decided: " + ", ".join(f"#{o.request_id} {o.status.value}" for o in done if o.status))
    for o in outcomes:
        if o.error is not None:
            st.error(f"#{o.request_id} not decided: {o.error}")


def show_inbox() -> None:
    if not inbox:
        st.info("Nothing waits for a decision.")
        return
    frame = requests_frame(inbox, zone)
    colour = [f"background-color: {'#ffc9c9' if r.review_ok is False else ''}" for r in inbox]
    styled = frame.style.apply(lambda column: colour if column.name == "Check" else [""] * len(column))
    st.container(key="inbox").dataframe(styled, hide_index=True, column_config=REQUEST_COLUMNS, row_height=ROW_HEIGHT)
    st.caption("Each line is the request's last check; approving checks it again on the roster as it is then.")
    with st.form("bulk"):
        chosen = st.multiselect("Requests to decide", list(by_id), key="bulk_pick",
                                format_func=lambda i: f"#{i} · {describe(by_id[i], zone)}")
        comment = st.text_input("Comment to the agents (needed to reject)", key="bulk_comment")
        left, right, _ = st.columns([1, 1, 3])
        approve = left.form_submit_button("Approve selected", type="primary", icon=":material/done_all:")
        reject = right.form_submit_button("Reject selected", icon=":material/block:")
    if approve or reject:
        if not chosen:
            st.warning("Select the requests to decide first.")
        else:
            decide(chosen, approve=approve, comment=comment)


def show_review(review: RequestReview) -> None:
    """The fresh check: the line, then each part behind it."""
    if review.ok:
        st.success(f"Roster v{review.roster_version}: {review.risk_line}")
    else:
        st.error(f"Roster v{review.roster_version}: {review.risk_line}")
    for violation in review.violations:
        st.markdown(f"- :red[**Breaks:**] {violation}")
    for issue in review.policy_issues:
        st.markdown(f"- :red[**Team policy:**] {issue}")
    cover, due, nights, fairness = st.tabs(["Coverage", "Tickets due", "Night duty", "Fairness"])
    with cover:
        if review.cover:
            st.container(key="detail_cover").dataframe(pd.DataFrame([{
                "Skill": w.skill, "Change": f"{w.delta:+d}", "When": w.label, "Below requirement after": w.short,
                "Night": w.night} for w in review.cover]), hide_index=True)
        else:
            st.caption("Coverage unchanged.")
    with due:
        if review.sla_risk:
            st.container(key="detail_due").dataframe(pd.DataFrame([{
                "Ticket": t.ticket_id, "Queue": t.queue, "Skill": t.skill,
                "Due": f"{t.due_at.astimezone(zone):%a %d %b %H:%M}"} for t in review.sla_risk]), hide_index=True,
                column_config={"Ticket": st.column_config.NumberColumn(format="#%d")})
        else:
            st.caption("No open ticket falls due in the hours a skill loses an agent.")
    with nights:
        if review.night_duty:
            def people(ids: tuple[str, ...]) -> str:
                return ", ".join(names.get(int(i), i) for i in ids) or "nobody"

            st.container(key="detail_nights").dataframe(pd.DataFrame([{
                "Night": n.label, "On duty before": people(n.before), "After": people(n.after),
                "24x7 skills nobody holds": ", ".join(n.missing) or "none"} for n in review.night_duty]),
                hide_index=True)
        else:
            st.caption("No night shift changes hands.")
    with fairness:
        if review.fairness:
            st.container(key="detail_fairness").dataframe(pd.DataFrame([{
                "Who": f.name, "Count": f.kind, "Before": f.before, "After": f.after} for f in review.fairness]),
                hide_index=True)
        else:
            st.caption("Fairness unchanged.")


def show_suggestions(request: ShiftRequest) -> None:
    """For a give-away or an open shift, who could take it; for a swap, a swap to offer instead."""
    if request.kind not in (RequestKind.SWAP, RequestKind.GIVE_AWAY, RequestKind.OPEN_SHIFT):
        return
    label = "Find a swap to offer instead" if request.kind is RequestKind.SWAP else "Who else could take it"
    if not st.button(label, key="detail_suggest", icon=":material/group_search:"):
        return
    try:
        with db() as session:
            found = requests.suggestions(session, user, request.id, now())
    except UserError as exc:
        show_error(exc)
        return
    if not found:
        st.info("Nobody fits without breaking a rule.")
        return
    st.container(key="detail_suggestions").dataframe(suggestions_frame(found), hide_index=True)
    if request.kind is RequestKind.SWAP:
        st.caption("Everyone else's roster stays as it is. Reject with a comment naming one, and the agent can "
                   "propose it.")


def show_details() -> None:
    if not inbox:
        return
    st.subheader("One request")
    chosen = st.selectbox("Request", list(by_id), key="detail_pick",
                          format_func=lambda i: f"#{i} · {KINDS[by_id[i].kind]} · {describe(by_id[i], zone)}")
    with db() as session:
        trail = requests.events(session, user, chosen)
    review: RequestReview | None = None
    try:
        with db() as session:  # committed: the fresh check becomes the request's inbox line
            review = requests.check(session, user, chosen, now())
    except UserError as exc:
        show_error(exc)
    if review is not None:
        show_review(review)
    show_suggestions(by_id[chosen])
    st.markdown("**Trail**")
    st.container(key="detail_trail").dataframe(trail_frame(trail, zone), hide_index=True)
    if review is None:
        why = "the check could not run"
    elif not review.ok:
        why = "it breaks " + "; ".join(review.violations + review.policy_issues)
    else:
        why = None
    comment = st.text_input("Comment to the agents", key="detail_comment", placeholder="needed to reject")
    left, right, _ = st.columns([1, 1, 3])
    if left.button(f"Approve #{chosen}", type="primary", key="detail_approve", disabled=why is not None, help=why):
        act(lambda session: f"Request #{chosen} {requests.approve(session, user, chosen, now(), comment).status}: "
                            "the roster has a new version.")
    if right.button(f"Reject #{chosen}", key="detail_reject"):
        act(lambda session: f"Request #{chosen} {requests.reject(session, user, chosen, now(), comment).status}.")
    if why is not None:
        st.caption(f"Approval is off: {why}.")


def show_post() -> None:
    st.caption("A gap in the roster for agents to volunteer for: it shows under My shifts → Take a shift; the "
               "first to take it gets it once a manager approves.")
    with st.form("post_open"):
        day_col, shift_col, skill_col = st.columns(3)
        day = day_col.date_input("Day", moment.astimezone(zone).date() + timedelta(days=1), key="post_day")
        codes = {s.code: s for s in shift_types}
        code = shift_col.selectbox("Shift", list(codes), key="post_shift",
                                   format_func=lambda c: f"{c} · {codes[c].name}")
        skill = skill_col.selectbox("Skill", skills, key="post_skill")
        if st.form_submit_button("Post open shift", type="primary", icon=":material/add:"):
            def post(session: Session) -> str:
                gap = requests.post_open_shift(session, user, team_id=team_id, day=day, shift_code=code,
                                               skill_code=skill, now=now())
                return f"Open shift #{gap.id} posted: agents see it under My shifts → Take a shift."

            act(post)


def show_policy() -> None:
    st.caption("Which requests are approved without a manager when every check passes (a swap only between "
               "agents with the same skills, same shift), how close to a shift requests stop, and the overtime cap.")
    with st.form("policy"):
        auto = st.multiselect("Approve automatically", list(KINDS), format_func=KINDS.__getitem__, key="policy_auto",
                              default=[RequestKind(k) for k in policy.auto_approve])
        left, right = st.columns(2)
        cutoff = left.number_input("Cut-off (hours before the shift)", 0, 24 * 14, policy.cutoff_hours,
                                   key="policy_cutoff")
        limit = right.number_input("Overtime limit (hours per week)", 0.0, 80.0,
                                   policy.overtime_limit_minutes_week / 60, step=0.5, key="policy_overtime")
        if st.form_submit_button("Save policy", type="primary"):
            def save(session: Session) -> str:
                requests.set_policy(session, user, team_id, auto_approve=auto, cutoff_hours=int(cutoff),
                                    overtime_limit_minutes_week=round(limit * 60))
                return "Policy saved."

            act(save)


def show_history() -> None:
    if not closed:
        st.info("No request has been decided, withdrawn or expired yet.")
        return
    frame = requests_frame(closed, zone).drop(columns=["Check"]).assign(
        Decided=[f"{r.decided_at.astimezone(zone):%a %d %b %H:%M}" if r.decided_at else "" for r in closed],
        Comment=[r.comment or "" for r in closed],
        Roster=[f"v{r.roster_version}" for r in closed])
    st.container(key="history").dataframe(frame, hide_index=True, column_config={
        **REQUEST_COLUMNS, "Roster": st.column_config.TextColumn(help="The version it was checked on, or applied as")})
    pick_with_trail(user, closed, zone, "Audit trail of", "history_pick", "history_trail")


st.title("Approvals")
if flash := st.session_state.pop(FLASH_KEY, None):
    st.success(flash)
if outcomes := st.session_state.pop(OUTCOMES_KEY, None):
    show_outcomes(outcomes)
if not approver:
    st.caption("Managers decide requests; planners post open shifts.")
    show_post()
    st.stop()

st.caption(f"Requests waiting for a manager, each checked against the hard rules, coverage, tickets due, night duty "
           f"and fairness. Times in {zone.key}.")
for column, (label, value) in zip(st.columns(4), (
    ("Waiting", len(inbox)), ("Breaking a rule", sum(r.review_ok is False for r in inbox)),
    ("Starting within 24 h", sum(r.starts_at - moment < timedelta(hours=24) for r in inbox)),
    ("Decided, last 7 days", sum(1 for r in closed if r.decided_at and moment - r.decided_at < timedelta(days=7))),
), strict=True):
    column.metric(label, value)
tabs = st.tabs(["Inbox", "Post an open shift", "Policy", "History"])
with tabs[0]:
    show_inbox()
    show_details()
with tabs[1]:
    show_post()
with tabs[2]:
    show_policy()
with tabs[3]:
    show_history()
