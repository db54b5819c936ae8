"""My tickets: an agent's own open tickets, the most pressing SLA countdown first, and the work on one.

The list is a fragment that reruns every REFRESH_SECONDS so the countdowns
move; replies and status changes go through the desk's actions
(`tickets.desk_view.reply` / `change_status`), so they leave the same audit
events and SLA updates as on the live desk.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from views.ui import coloured_countdowns, db, now, page_user, run_action
from tickets import desk_view
from tickets.desk_view import MyTickets, minutes_text
from tickets.sla import ClockState

REFRESH_SECONDS = 30
FLASH_KEY = "my_tickets_flash"

user = page_user("tickets.work")


def load() -> MyTickets:
    with db() as session:
        return desk_view.my_tickets(session, user, now())


def act(action: Callable[..., object], done: str, *args: object, clear: tuple[str, ...] = (),
        **options: object) -> None:
    run_action(user, FLASH_KEY, action, done, *args, clear=clear, **options)


@st.fragment(run_every=REFRESH_SECONDS)
def ticket_list() -> None:
    mine = load()
    if mine.name is None:
        st.info("Your login is not linked to an employee, so no tickets are routed to you.")
        return
    where = f"on {mine.shift} until {mine.until:%H:%M}" if mine.shift and mine.until else \
        "off shift: open tickets are handed over to whoever covers the queue"
    room = " · ".join(f"{' + '.join(r.channels)} {r.open}/{r.limit}" for r in mine.rooms)
    st.caption(f"{mine.name} · {where} · {len(mine.tickets)} open tickets"
               + (f" (room: {room})" if room else "") + f" · refreshes every {REFRESH_SECONDS} s")
    for column, (label, value) in zip(st.columns(3), (
        ("My open tickets", len(mine.tickets)), ("At risk", len(mine.at_risk)),
        ("Breached", sum(t.countdown is not None and t.countdown.state is ClockState.BREACHED for t in mine.tickets)),
    ), strict=True):
        column.metric(label, value)
    if not mine.tickets:
        st.success("No open tickets: routing gives you the next one while you are on shift and have room.")
        return
    frame = pd.DataFrame([{
        "Ticket": t.id,
        "State": t.state_label,
        "Time left": minutes_text(t.countdown.remaining_minutes) if t.countdown else "",
        "Due": f"{t.countdown.due_at:%a %H:%M}" if t.countdown and t.countdown.due_at else "",
        "Subject": t.subject, "Queue": t.queue, "Status": t.status, "Priority": t.priority,
        "Customer": t.customer_tier,
    } for t in mine.tickets])
    st.container(key="my_tickets").dataframe(coloured_countdowns(frame), hide_index=True, column_config={
        "Ticket": st.column_config.NumberColumn(format="#%d", width="small"),
        "Time left": st.column_config.TextColumn(help="Business time on the tier's calendar; negative once overdue"),
    })


def work_panel(mine: MyTickets) -> None:
    """The chosen ticket's trail, then a reply (optionally setting a status) or a status change."""
    subjects = {t.id: t.subject for t in mine.tickets}
    ticket_id = st.selectbox("Work on", list(subjects), key="my_ticket", index=None, placeholder="Choose a ticket",
                             format_func=lambda i: f"#{i} · {subjects[i][:70]}")
    if ticket_id is None:
        return
    with db() as session:
        detail = desk_view.ticket_detail(session, ticket_id, now())
    st.caption(f"{detail.queue} · {detail.status} · {detail.priority} · {detail.customer_tier} customer via "
               f"{detail.channel} · {detail.customer_name or 'unknown customer'}")
    if detail.body:
        st.text(detail.body)
    st.container(key="my_trail").dataframe(pd.DataFrame([
        {"At": f"{e.at:%a %d %b %H:%M}", "By": e.actor, "What": e.kind, "Details": e.text} for e in detail.trail
    ]), hide_index=True)
    reply_col, status_col = st.columns([2, 1])
    with reply_col.form("my_reply"):
        body = st.text_area("Reply to the customer", key="my_reply_body")
        then = st.selectbox("Then set status", [None, "pending", "solved"], key="my_reply_then",
                            format_func=lambda s: "leave as is" if s is None else s)
        if st.form_submit_button("Send reply"):
            act(desk_view.reply, f"Reply sent on ticket #{ticket_id}.", ticket_id, body, then_status=then,
                clear=("my_reply_body", "my_reply_then"))
    with status_col.form("my_status"):
        status = st.selectbox("New status", detail.next_statuses, key="my_new_status")
        if st.form_submit_button("Change status", disabled=not detail.next_statuses):
            act(desk_view.change_status, f"Ticket #{ticket_id} is now {status}.", ticket_id, status)


st.title("My tickets")
if flash := st.session_state.pop(FLASH_KEY, None):
    st.success(flash)
ticket_list()
mine = load()
if mine.tickets:
    st.subheader("Work on a ticket")
    work_panel(mine)
