"""On call (夜间值守): tonight's duty chain, open pages and acknowledgements, coverage gaps ahead,
and the standby list, which managers edit here.

For planners, managers and admins. The rules (who is paged when, what a gap
is) live in `tickets.oncall*`; this page draws and forwards. The pages table
is a fragment that refreshes itself, so an acknowledgement shows up without a
reload.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from views.ui import db, now, page_team, page_user, show_error
from shiftdesk.errors import UserError
from tickets.oncall_board import OnCallBoard, oncall_board, save_standby

REFRESH_SECONDS = 30
FLASH_KEY = "oncall_flash"
STATUS_COLOURS = {"open": "#ffe8a3", "acked": "#d3f9d8", "escalated": "#e9ecef", "resolved": "#e9ecef"}


def desk_team() -> int:
    with db() as session:
        return page_team(session)


user = page_user("roster.view")
team_id = desk_team()


def load_board() -> OnCallBoard:
    with db() as session:
        return oncall_board(session, user, team_id, now())


def night_caption(board: OnCallBoard) -> str:
    night = board.night
    if night is None:
        return "This team has no night shift, so nobody is ever paged at night."
    when = "on now" if board.night_on_now else f"starts {night.starts_at:%a %H:%M}"
    return (f"{board.team} · local time {board.local_now:%a %d %b %H:%M} · night duty {when} "
            f"(night of {night.day:%a %d %b}, {night.starts_at:%H:%M}–{night.ends_at:%H:%M})")


def show_chain(board: OnCallBoard) -> None:
    st.subheader("Tonight's duty chain")
    st.caption(f"A new ticket of a 24x7 tier ({', '.join(board.tiers) or 'none defined'}) at night pages the "
               f"duty agent; without an acknowledgement in {board.ack_minutes} min the chain moves on. "
               "Skipped steps have nobody to page.")
    st.container(key="chain").dataframe(pd.DataFrame(
        [{"Step": c.step, "Who": c.label, "Paged": c.who, "When": c.when} for c in board.chain]),
        hide_index=True, column_config={"Step": st.column_config.NumberColumn(width="small")})
    if board.duty:
        st.container(key="duty").dataframe(pd.DataFrame([{
            "On night duty": d.name, "Shift": d.shift, "From": f"{d.starts_at:%a %H:%M}",
            "Until": f"{d.ends_at:%a %H:%M}", "Skills (level)": d.skills,
        } for d in board.duty]), hide_index=True)
    elif board.night is not None:
        st.warning("Nobody is rostered on tonight's night shift: urgent tickets go straight to the standby list.")


@st.fragment(run_every=REFRESH_SECONDS)
def show_pages() -> None:
    board = load_board()
    st.subheader("Open pages and acknowledgements")
    if not board.pages:
        st.info("No page is open and none was sent in the last 24 hours.")
        return
    frame = pd.DataFrame([{
        "Ticket": p.ticket_id, "Subject": p.ticket_subject, "Step": f"{p.step} {p.step_label}", "To": p.recipient_name,
        "Status": p.status, "Sent": f"{p.sent_at:%a %H:%M}",
        "Next step / acknowledged": (f"acked {p.acked_at:%a %H:%M} by {p.acked_by}" if p.acked_at
                                     else f"next step {p.escalate_at:%H:%M}" if p.escalate_at else ""),
    } for p in board.pages])
    colour = frame["Status"].map(lambda s: f"background-color: {STATUS_COLOURS.get(s, '')}")
    styled = frame.style.apply(lambda column: colour if column.name == "Status" else [""] * len(column))
    st.container(key="pages").dataframe(styled, hide_index=True, column_config={
        "Ticket": st.column_config.NumberColumn(format="#%d", width=70),
        "Subject": st.column_config.TextColumn(width=260),
        "Step": st.column_config.TextColumn(width=95),
        "To": st.column_config.TextColumn(width=95),
        "Status": st.column_config.TextColumn(width=80),
        "Sent": st.column_config.TextColumn(width=75),
    })


def show_gaps(board: OnCallBoard) -> None:
    st.subheader("Coverage gaps, next 7 nights")
    if not board.gaps:
        st.success("Every night ahead has somebody on call with the skills the 24x7 queues need.")
        return
    st.container(key="gaps").dataframe(pd.DataFrame([{
        "Night": f"{g.night.starts_at:%a %d %b}", "Hours": f"{g.night.starts_at:%H:%M}–{g.night.ends_at:%H:%M}",
        "On call": ", ".join(g.on_call) or "nobody", "Problem": g.reason,
    } for g in board.gaps]), hide_index=True, column_config={"Problem": st.column_config.TextColumn(width="large")})


def save(employee_ids: list[int]) -> None:
    try:
        with db() as session:
            save_standby(session, user, team_id, employee_ids)
    except UserError as error:
        show_error(error)
        return
    st.session_state[FLASH_KEY] = f"Standby list saved: {len(employee_ids)} people."
    st.rerun()


def show_standby(board: OnCallBoard) -> None:
    st.subheader("Standby list")
    st.caption("Paged in this order after the duty agent, even off shift: that is what standby means. "
               "Someone on night duty or on approved time off is passed over.")
    if board.standby:
        st.container(key="standby").dataframe(pd.DataFrame([
            {"Position": s.position, "Name": s.name, "Tonight": s.note or "reachable"} for s in board.standby
        ]), hide_index=True)
    else:
        st.warning("The standby list is empty: an unacknowledged page goes from the duty agent to the manager.")
    if not user.can("desk.manage"):
        st.caption("Managers edit the standby list.")
        return
    names = dict(board.employees)
    with st.form("standby_form"):
        chosen = st.multiselect("Standby, in paging order", list(names), default=[s.employee_id for s in board.standby],
                                format_func=names.__getitem__, key="standby_pick")
        if st.form_submit_button("Save standby list"):
            save(chosen)


board = load_board()
st.title("On call")
st.caption(night_caption(board))
if flash := st.session_state.pop(FLASH_KEY, None):
    st.success(flash)
for column, (label, value) in zip(st.columns(4), (
    ("On night duty tonight", len(board.duty)), ("Standby", len(board.standby)),
    ("Open pages", sum(p.status == "open" for p in board.pages)), ("Gaps, next 7 nights", len(board.gaps)),
), strict=True):
    column.metric(label, value)
show_chain(board)
show_pages()
show_gaps(board)
show_standby(board)
