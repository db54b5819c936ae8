"""Inbox: the signed-in user's in-app notifications (SLA warnings, escalations), newest first.

Unread ones are marked; reading is explicit (one button each, or all at once),
so a warning is not lost by opening the page in passing.
"""

from __future__ import annotations

import streamlit as st

from views.ui import db, now, page_user
from store.org import first_team_id
from tickets import desk_view
from tickets.desk_view import InboxItem

user = page_user("notifications.own")


def mark_read(ids: list[int]) -> None:
    with db() as session:
        desk_view.mark_as_read(session, user, ids, now())


def show_item(item: InboxItem) -> None:
    with st.container(border=True):
        text, action = st.columns([5, 1], vertical_alignment="center")
        with text:
            if item.unread:
                st.badge("unread", color="red")
            st.markdown(f"**{item.subject}**" if item.unread else item.subject)
            st.caption(f"{item.at:%a %d %b %Y %H:%M}" + (f" · ticket #{item.ticket_id}" if item.ticket_id else ""))
            if details := item.body.removeprefix(item.subject).strip():  # messages often open with their subject
                st.text(details)
        if item.unread:
            action.button("Mark as read", key=f"read_{item.id}", on_click=mark_read, args=([item.id],))


with db() as session:
    team_id = first_team_id(session)
    items = desk_view.inbox(session, user, team_id) if team_id is not None else []
    unread = desk_view.unread_count(session, user)

st.title("Inbox")
st.caption(f"{unread} unread · the {desk_view.INBOX_LIMIT} newest are shown")
if not items:
    st.info("Nothing here yet. SLA warnings and escalations meant for you arrive here.")
    st.stop()
shown_unread = [item.id for item in items if item.unread]
if shown_unread:
    st.button("Mark all as read", key="read_all", on_click=mark_read, args=(shown_unread,), type="primary")
for item in items:
    show_item(item)
