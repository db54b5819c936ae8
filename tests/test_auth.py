"""Sign-in on the store (SQLite and PostgreSQL): a deactivated account, or an account whose employee a manager
deactivated, is refused with a message saying so, but only to someone who knows the password."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shiftdesk.auth import AccountDeactivated, CurrentUser, authenticate, set_password
from store.db import session_scope
from store.schema import Employee, User
from tests.conftest import FIXED_NOW
from tests.desk_factory import SmallDesk, build_small_desk

PASSWORD = "correct horse battery"
DEACTIVATED = "^This account is deactivated; ask a manager.$"


@pytest.fixture
def desk(factory: sessionmaker[Session]) -> SmallDesk:
    with session_scope(factory) as session:
        desk = build_small_desk(session, FIXED_NOW)
        for login in desk.users:
            set_password(session, login, PASSWORD)
        return desk


def sign_in(factory: sessionmaker[Session], login: str, password: str = PASSWORD) -> CurrentUser | None:
    with session_scope(factory) as session:
        return authenticate(session, login, password, FIXED_NOW)


def set_active(factory: sessionmaker[Session], model: type[Employee | User], row_id: int, active: bool) -> None:
    with session_scope(factory) as session:
        session.get_one(model, row_id).active = active


def last_login(factory: sessionmaker[Session], login: str) -> datetime | None:
    with factory() as session:
        return session.scalar(select(User.last_login_at).where(User.login == login))


def test_an_active_agent_signs_in(factory, desk) -> None:
    user = sign_in(factory, "li.na")
    assert user is not None and (user.login, user.employee_id) == ("li.na", desk.employees["Li Na"])
    assert last_login(factory, "li.na") == FIXED_NOW


def test_an_agent_whose_employee_was_deactivated_is_refused_with_a_reason(factory, desk) -> None:
    set_active(factory, Employee, desk.employees["Li Na"], False)
    with pytest.raises(AccountDeactivated, match=DEACTIVATED):
        sign_in(factory, "li.na")
    assert last_login(factory, "li.na") is None  # a refused sign-in is not recorded as one
    assert sign_in(factory, "wang.wei") is not None  # only that person is shut out
    set_active(factory, Employee, desk.employees["Li Na"], True)
    assert sign_in(factory, "li.na") is not None  # reactivated: signs in again


def test_a_deactivated_account_without_an_employee_is_refused_with_a_reason(factory, desk) -> None:
    set_active(factory, User, desk.users["manager"], False)
    with pytest.raises(AccountDeactivated, match=DEACTIVATED):
        sign_in(factory, "manager")


def test_a_wrong_password_on_a_deactivated_account_says_nothing_about_the_account(factory, desk) -> None:
    set_active(factory, Employee, desk.employees["Li Na"], False)
    set_active(factory, User, desk.users["manager"], False)
    assert sign_in(factory, "li.na", PASSWORD + "x") is None
    assert sign_in(factory, "manager", PASSWORD + "x") is None
    assert sign_in(factory, "nobody") is None
