"""The on-call panel and the acknowledge page, driven through AppTest on the demo desk.

Before the app starts, a device-down ticket arrives at 02:00 on the demo's
Thursday and nobody answers: the night duty is paged, paged again, and at
02:10 the standby (the demo agent Li Na, first on the list) holds the open
page. The pages' clock is pinned to 10:35 that morning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from store.db import make_engine, make_session_factory, session_scope
from store.oncall_queries import replace_standby, standby_employees
from store.schema import Employee, Notification, Page, User
from tests.app.conftest import PAGE_NOW
from tests.conftest import REPO_ROOT
from tests.desk_factory import local
from tickets.lifecycle import Actor, NewTicket, create_ticket
from tickets.oncall import oncall_pass, page_for_ticket
from tickets.oncall_gaps import night_coverage_gaps
from tickets.oncall_nights import tonight

NIGHT = local(2026, 11, 26, 2, 0)
TOKEN = re.compile(r"token=(pg_[A-Za-z0-9_-]+)")


@dataclass(frozen=True)
class NightPage:
    factory: object
    ticket_id: int
    standby_page_id: int
    standby_token: str


@pytest.fixture
def night_page(demo_db) -> NightPage:
    factory = make_session_factory(make_engine(demo_db[0]))
    with session_scope(factory) as session:
        li_na = session.scalar(select(User.employee_id).where(User.login == "agent"))
        replace_standby(session, 1, [li_na])
        ticket, _ = create_ticket(session, NewTicket(queue="vip_care", subject="All POS terminals down in the store",
                                                     category="device_down", customer_tier="vip"),
                                  Actor("api:shop"), NIGHT)
        page_for_ticket(session, ticket, NIGHT)
    for minutes in (5, 10):
        with session_scope(factory) as session:
            oncall_pass(session, NIGHT + timedelta(minutes=minutes))
    with factory() as session:
        page = session.scalars(select(Page).where(Page.ticket_id == ticket.id, Page.step == 3)).one()
        body = session.scalar(select(Notification.body).where(
            Notification.idempotency_key.startswith(f"oncall:{ticket.id}:3:email:")))
    return NightPage(factory, ticket.id, page.id, TOKEN.search(body).group(1))


@pytest.fixture
def open_page(app_as) -> Callable[..., AppTest]:
    """Sign in as `login` and open `page`, with optional URL query parameters."""
    st.cache_data.clear()

    def open_as(login: str, page: str, **query: str) -> AppTest:
        at = app_as(login)
        at.query_params.update(query)
        at.switch_page(page).run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return open_as


def _table(at: AppTest, key: str):
    return at.get_by_key(key).dataframe[0].value


def _employee(night_page: NightPage, name: str) -> int:
    with night_page.factory() as session:
        return session.scalar(select(Employee.id).where(Employee.name == name))


def _pages(night_page: NightPage) -> list[tuple[int, str, str | None]]:
    with night_page.factory() as session:
        return [(p.step, p.status, p.acked_by) for p in session.scalars(
            select(Page).where(Page.ticket_id == night_page.ticket_id).order_by(Page.step))]


def test_the_manager_sees_tonights_chain_the_pages_and_the_gaps(open_page, night_page) -> None:
    at = open_page("manager", "views/oncall.py")
    assert [t.value for t in at.title] == ["On call"]
    assert at.caption[0].value.startswith("Customer Care · local time Thu 26 Nov 10:35 · night duty starts Thu 23:00")
    with night_page.factory() as session:
        night = tonight(session, 1, PAGE_NOW)
        gaps = night_coverage_gaps(session, 1, night.day, 7)
    duty = _table(at, "duty")
    assert len(duty) == {m.label: int(m.value) for m in at.metric}["On night duty tonight"] >= 2
    chain = _table(at, "chain")
    assert list(chain["Who"]) == ["duty agent", "re-page", "standby", "manager"]
    assert list(chain["When"]) == ["at once", "after 5 min", "after 10 min", "after 15 min"]
    assert chain["Paged"][0] == f"the best fit of the {len(duty)} on night duty for the ticket's queue"
    assert (chain["Paged"][2], chain["Paged"][3]) == ("Li Na", "Chen Jing (desk manager)")
    pages = _table(at, "pages")
    ours = pages[pages["Ticket"] == night_page.ticket_id]
    assert list(ours["Status"]) == ["open", "escalated", "escalated"]  # newest first: the standby's page is open
    assert ours.iloc[0][["To", "Next step / acknowledged"]].tolist() == ["Li Na", "next step 02:15"]
    assert list(_table(at, "gaps")["Problem"]) == [g.reason for g in gaps]
    assert "no roster published for the week of 30 Nov" in set(_table(at, "gaps")["Problem"])


def test_a_manager_reorders_the_standby_list(open_page, night_page) -> None:
    at = open_page("manager", "views/oncall.py")
    assert at.multiselect(key="standby_pick").value == [_employee(night_page, "Li Na")]
    ids = {name: _employee(night_page, name) for name in ("Wang Wei", "Li Na")}
    at.multiselect(key="standby_pick").set_value([ids["Wang Wei"], ids["Li Na"]])
    at.button(key="FormSubmitter:standby_form-Save standby list").click().run()
    assert not at.exception
    assert [s.value for s in at.success][:1] == ["Standby list saved: 2 people."]
    assert list(_table(at, "standby")["Name"]) == ["Wang Wei", "Li Na"]
    with night_page.factory() as session:
        assert [(e.name, pos) for e, pos in standby_employees(session, 1)] == [("Wang Wei", 1), ("Li Na", 2)]


def test_a_planner_sees_the_panel_but_does_not_edit_the_standby_list(open_page, night_page) -> None:
    at = open_page("planner", "views/oncall.py")
    assert [t.value for t in at.title] == ["On call"]
    assert len(at.multiselect) == 0 and "Managers edit the standby list." in [c.value for c in at.caption]


def test_the_standby_acknowledges_from_the_link_in_her_page(open_page, night_page) -> None:
    at = open_page("agent", "views/ack.py", token=night_page.standby_token)
    assert at.markdown[0].value == f"**Ticket #{night_page.ticket_id}: All POS terminals down in the store**"
    at.button(key="ack_link").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        f"Acknowledged: ticket #{night_page.ticket_id} is yours to handle; nobody else will be paged."]
    assert _pages(night_page)[-1] == (3, "acked", "Li Na via link")


def test_a_link_acknowledges_without_signing_in(demo_db, night_page, monkeypatch) -> None:
    """Opened straight from the mail (no session yet), the page's token is the credential, as for the API."""
    monkeypatch.setenv("SHIFTDESK_DATABASE_URL", demo_db[0])
    monkeypatch.setattr("views.ui.now", lambda: PAGE_NOW)
    at = AppTest.from_file(str(REPO_ROOT / "views" / "ack.py"), default_timeout=60)
    at.query_params["token"] = night_page.standby_token
    at.run()
    at.button(key="ack_link").click().run()
    assert not at.exception
    assert _pages(night_page)[-1] == (3, "acked", "Li Na via link")
    assert [i.value for i in at.info] == ["This page is acknowledged: nothing to do."]
    assert "Sign in to the desk to work on the ticket." in [c.value for c in at.caption]


def test_without_a_link_or_a_session_the_page_asks_to_sign_in(demo_db, monkeypatch) -> None:
    monkeypatch.setenv("SHIFTDESK_DATABASE_URL", demo_db[0])
    at = AppTest.from_file(str(REPO_ROOT / "views" / "ack.py"), default_timeout=60).run()
    assert [w.value for w in at.warning] == ["Please sign in."] and not at.button


def test_the_standby_acknowledges_a_page_listed_for_her(open_page, night_page) -> None:
    at = open_page("agent", "views/ack.py")
    assert [s.value for s in at.subheader] == ["Pages sent to you"]
    at.button(key=f"ack_{night_page.standby_page_id}").click().run()
    assert not at.exception
    assert _pages(night_page)[-1] == (3, "acked", "Li Na in the app")
    assert [i.value for i in at.info] == ["No open page is waiting for you."]


def test_a_wrong_link_is_refused_and_acknowledges_nothing(open_page, night_page) -> None:
    at = open_page("agent", "views/ack.py", token="pg_mistyped-token")
    assert [e.value for e in at.error] == [
        "no page has this acknowledgement token: check the link, or ask the desk manager"]
    assert _pages(night_page)[-1] == (3, "open", None)


def test_an_agent_does_not_get_the_on_call_panel(app_as) -> None:
    at = app_as("agent")
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in her navigation at all
        at.switch_page("views/oncall.py").run()
