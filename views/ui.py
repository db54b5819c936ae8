"""Shared page plumbing: the database session, the signed-in user, role checks, time display.

Pages stay thin: they read the user and a session from here, call service
functions and draw the result. Every page starts with `page_user("perm")`, which
stops the page for a user whose role lacks the permission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session, sessionmaker

from shiftdesk.auth import CurrentUser
from shiftdesk.clock import utc_now
from shiftdesk.errors import UserError
from shiftdesk.settings import Settings
from store.db import make_engine, make_session_factory, session_scope
from store.org import first_team_id
from tickets.sla import ClockState

if TYPE_CHECKING:  # heavy modules some pages need: the styler loads jinja2 (desk pages), altair (charts)
    import altair as alt
    from pandas.io.formats.style import Styler

USER_KEY = "current_user"
STATE_COLOURS = {  # SLA countdown cells on the desk pages: ok green, warning amber, breached red, paused grey
    ClockState.OK.value: "#d3f9d8",
    ClockState.WARNING.value: "#ffe8a3",
    ClockState.BREACHED.value: "#ffc9c9",
    ClockState.PAUSED.value: "#e9ecef",
}
COUNTDOWN_CELLS = ("State", "Time left")


@st.cache_resource
def _factory(database_url: str) -> sessionmaker[Session]:
    return make_session_factory(make_engine(database_url))


def session_factory() -> sessionmaker[Session]:
    return _factory(Settings.from_env().database_url)


def db() -> AbstractContextManager[Session]:
    """One transaction for one user action: committed if the block succeeds, rolled back if not."""
    return session_scope(session_factory())


@contextmanager
def dry_run() -> Iterator[Session]:
    """A session that is never committed: what an action would do (a request's check before it is
    sent) is computed on real rows and then rolled back, so looking writes nothing.

    On SQLite the transaction is opened with BEGIN IMMEDIATE: it takes the write lock at once, so a
    writer in between (the worker) cannot make the draft's insert fail on a stale snapshot.
    """
    with session_factory()() as session:
        if session.get_bind().dialect.name == "sqlite":
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        yield session


def current_user() -> CurrentUser | None:
    return st.session_state.get(USER_KEY)


def page_user(permission: str) -> CurrentUser:
    """The signed-in user, or stop the page with a clear message if their role may not see it."""
    user = current_user()
    if user is None:
        st.warning("Please sign in.")
        st.stop()
    if not user.can(permission):
        st.error(f"Your role ({user.role.value}) may not open this page.")
        st.stop()
    return user


def page_team(session: Session) -> int:
    """The desk's team, or stop the page saying how to create the demo desk."""
    team_id = first_team_id(session)
    if team_id is None:
        st.info("No desk yet: run `shiftdesk demo seed` (or `make run`) to create the demo desk.")
        st.stop()
    return team_id


def now() -> datetime:
    """The wall clock for this page run (pages are the edge; services receive `now`)."""
    return utc_now()


def day_axis() -> alt.Axis:
    """A time axis labelled once a day as 'Mon 14': Vega's default mixes 'Mon 14', '12 PM' and,
    on Sundays, 'Dec 20' along one axis."""
    import altair as alt  # only the chart pages pay for loading it

    return alt.Axis(format="%a %d", tickCount={"interval": "day", "step": 1}, labelOverlap=True)


def local_time(moment: datetime | None, zone: str, fmt: str = "%a %d %b %Y %H:%M") -> str:
    """A stored time (aware UTC, `store.types.UTCDateTime`) as the site's wall-clock text for a
    table ('' for none): a page that says 'times in Asia/Shanghai' must not list times in UTC."""
    return "" if moment is None else f"{moment.astimezone(ZoneInfo(zone)):{fmt}}"


def run_action(user: CurrentUser, flash_key: str, action: Callable[..., object], done: str, *args: object,
               clear: tuple[str, ...] = (), after: Callable[[], None] = lambda: None, **options: object) -> None:
    """Run one page action in its own transaction; show a refusal, or rerun the page with `done` as its message.

    The UserError is caught outside `db()`, so the transaction rolls back and nothing half-done is stored;
    the inputs named in `clear` are emptied (and `after` run, e.g. to drop cached reads) only after success,
    so a refused reply keeps its text.
    """
    try:
        with db() as session:
            action(session, user, *args, now(), **options)
    except UserError as error:
        show_error(error)
        return
    after()
    for key in clear:
        st.session_state.pop(key, None)
    st.session_state[flash_key] = done
    st.rerun()


def show_error(exc: UserError) -> None:
    st.error(str(exc))


def coloured_countdowns(frame: pd.DataFrame) -> Styler:
    """A ticket table with its countdown cells (`COUNTDOWN_CELLS`) coloured by the row's State."""
    colour = frame["State"].map(lambda s: f"background-color: {STATE_COLOURS[s]}" if s in STATE_COLOURS else "")
    return frame.style.apply(lambda column: colour if column.name in COUNTDOWN_CELLS else [""] * len(column))
