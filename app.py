"""ShiftDesk's Streamlit entry: sign-in, then the pages the user's role allows.

Run with `make run` (or `streamlit run app.py`). Only this file and views/ import Streamlit.
The pages live in views/, not pages/: Streamlit treats a pages/ folder beside the entry script as
an old-style multipage app, and the first request after start-up could then open a page file
directly, bypassing this navigation.
"""

from __future__ import annotations

import streamlit as st

from shiftdesk.auth import DEACTIVATED, AccountDeactivated, authenticate, still_active
from views.ui import USER_KEY, current_user, db, now, show_error

st.set_page_config(page_title="ShiftDesk", page_icon=":material/support_agent:", layout="wide")

ACK_PAGE = ("views/ack.py", "Acknowledge page", ":material/notifications_active:")
# (page file, title, icon, permission) in menu order; a page shows only to roles holding its permission.
PAGES = [
    ("views/home.py", "Home", ":material/home:", "home.view"),
    ("views/desk.py", "Live desk", ":material/support_agent:", "desk.view"),
    ("views/my_tickets.py", "My tickets", ":material/assignment_ind:", "tickets.work"),
    ("views/new_ticket.py", "New ticket", ":material/add_circle:", "tickets.work"),
    ("views/my_shifts.py", "My shifts", ":material/event:", "requests.own"),
    ("views/inbox.py", "Inbox", ":material/inbox:", "notifications.own"),
    (*ACK_PAGE, "notifications.own"),
    ("views/roster.py", "Roster", ":material/calendar_month:", "roster.view"),
    ("views/oncall.py", "On call", ":material/bedtime:", "roster.view"),
    # Managers decide requests there; planners (roster.edit) post open shifts.
    ("views/approvals.py", "Approvals", ":material/approval:", "roster.edit"),
    ("views/sla_report.py", "SLA report", ":material/monitoring:", "sla.view"),
    ("views/team.py", "Team", ":material/groups:", "desk.manage"),
    ("views/forecast.py", "Forecast", ":material/insights:", "forecast.view"),
]


def login_page() -> None:
    st.title("ShiftDesk")
    st.caption("Sign in to the desk.")
    with st.form("login"):
        login = st.text_input("Login", key="login_name")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            with db() as session:
                user = authenticate(session, login, password, now())
        except AccountDeactivated as refusal:
            show_error(refusal)
            return
        if user is None:
            st.error("Wrong login or password.")
        else:
            st.session_state[USER_KEY] = user
            st.rerun()


def logout() -> None:
    st.session_state.pop(USER_KEY, None)


user = current_user()
if user is not None:
    with db() as session:
        if not still_active(session, user.id):
            logout()
            user = None
            st.error(DEACTIVATED)
if user is None:
    # The acknowledge link in a night page carries its own token: it works signed out, like the API's.
    navigation = st.navigation([st.Page(login_page, title="Sign in", icon=":material/login:", default=True),
                                st.Page(ACK_PAGE[0], title=ACK_PAGE[1], icon=ACK_PAGE[2])])
else:
    pages = [st.Page(path, title=title, icon=icon) for path, title, icon, perm in PAGES if user.can(perm)]
    with st.sidebar:
        st.caption(f"{user.display_name} · {user.role.value}")
        st.button("Sign out", on_click=logout, icon=":material/logout:")
    # Expanded: a manager holds more than twelve pages, and Streamlit would hide the rest behind "View more".
    navigation = st.navigation(pages, expanded=True)
navigation.run()
