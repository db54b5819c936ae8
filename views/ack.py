"""Acknowledge a night page: from the link in the page (`/ack?token=...`), or from the pages sent to you.

Acknowledging stops the chain at once, so nobody else is woken. Opening the
link does not acknowledge by itself (a mail scanner that follows links must
not silence a page); the button does. The link's token is the credential, as
it is for the API: someone woken at 3 a.m. on a phone acknowledges without
signing in first (a signed-in person is credited by name). Without a token the
page lists the pages sent to the signed-in person. The rules live in
`tickets.oncall`.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from views.ui import current_user, db, now, page_user, show_error
from shiftdesk.auth import CurrentUser
from shiftdesk.errors import UserError
from tickets.oncall import (
    AckResult,
    PageView,
    acknowledge,
    acknowledge_own,
    my_open_pages,
    page_by_token,
)

FLASH_KEY = "ack_flash"
DONE_WORDS = {"acked": "acknowledged", "resolved": "closed: the ticket was solved"}

token = st.query_params.get("token")
user = current_user() if token else page_user("notifications.own")


def act(action: Callable[..., AckResult], *args: object, **options: object) -> None:
    """Acknowledge in one transaction; say what happened, or why not."""
    try:
        with db() as session:
            result = action(session, *args, now(), **options)
    except UserError as error:
        show_error(error)
        return
    if result.newly_acked:
        message = f"Acknowledged: ticket #{result.ticket_id} is yours to handle; nobody else will be paged."
    elif result.status == "acked":
        message = f"Already acknowledged by {result.acked_by}; nothing more to do."
    else:
        message = f"Ticket #{result.ticket_id} was solved before the acknowledgement; nothing more to do."
    st.session_state[FLASH_KEY] = message
    st.rerun()


def describe(view: PageView) -> None:
    st.markdown(f"**Ticket #{view.ticket_id}: {view.ticket_subject}**")
    st.caption(f"Page {view.step} ({view.step_label}) to {view.recipient_name} · sent {view.sent_at:%a %d %b %H:%M}"
               f" · {view.status}" + (f" by {view.acked_by}" if view.acked_by else ""))


def linked_page(token: str) -> None:
    st.subheader("The page in your link")
    try:
        with db() as session:
            view = page_by_token(session, token)
    except UserError as error:
        show_error(error)
        return
    with st.container(border=True):
        describe(view)
        if view.status in ("open", "escalated"):
            if st.button("Acknowledge", key="ack_link", type="primary", icon=":material/check:"):
                act(acknowledge, token, via="link", user=user)
        else:
            st.info(f"This page is {DONE_WORDS.get(view.status, view.status)}: nothing to do.")


def own_pages(user: CurrentUser) -> None:
    st.subheader("Pages sent to you")
    with db() as session:
        views = my_open_pages(session, user)
    if not views:
        st.info("No open page is waiting for you.")
        return
    for view in views:
        with st.container(border=True):
            text, button = st.columns([5, 1], vertical_alignment="center")
            with text:
                describe(view)
                if view.escalate_at:
                    st.caption(f"Goes to the next person at {view.escalate_at:%H:%M} unless acknowledged.")
            if button.button("Acknowledge", key=f"ack_{view.id}", type="primary"):
                act(acknowledge_own, user, view.id)


st.title("Acknowledge a page")
if flash := st.session_state.pop(FLASH_KEY, None):
    st.success(flash)
if token:
    linked_page(token)
if user is None:
    st.caption("Sign in to the desk to work on the ticket.")
else:
    own_pages(user)
