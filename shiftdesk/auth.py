"""Passwords (argon2) and the role checks every page and action goes through.

A permission names an action ("roster.publish"); each role holds a set of them.
Pages, the CLI and the API call `require(user, permission)` before acting, so a
rule about who may do what lives here once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from shiftdesk.errors import UserError
from store.enums import Role
from store.schema import User

_hasher = PasswordHasher()

AGENT_PERMISSIONS = frozenset(
    {"home.view", "desk.view", "tickets.work", "requests.own", "schedule.own", "notifications.own"}
)
PLANNER_PERMISSIONS = AGENT_PERMISSIONS | {"forecast.view", "roster.view", "roster.edit", "roster.publish"}
MANAGER_PERMISSIONS = PLANNER_PERMISSIONS | {
    "forecast.approve",
    "requests.approve",
    "sla.view",
    "sla.edit",
    "desk.manage",
}
ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.AGENT: AGENT_PERMISSIONS,
    Role.PLANNER: PLANNER_PERMISSIONS,
    Role.MANAGER: MANAGER_PERMISSIONS,
    Role.ADMIN: MANAGER_PERMISSIONS | {"users.manage"},
}


class PermissionDenied(UserError):
    """The signed-in user's role does not allow the action."""


class AccountDeactivated(UserError):
    """The login and password are right, but the account or the employee behind it is no longer active."""


DEACTIVATED = "This account is deactivated; ask a manager."


@dataclass(frozen=True)
class CurrentUser:
    """What a session remembers about who is signed in (no password material)."""

    id: int
    login: str
    display_name: str
    role: Role
    employee_id: int | None

    def can(self, permission: str) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


def require(user: CurrentUser | None, permission: str) -> CurrentUser:
    """Return the user if their role allows `permission`; raise PermissionDenied otherwise."""
    if user is None:
        raise PermissionDenied("sign in first")
    if not user.can(permission):
        raise PermissionDenied(f"role '{user.role.value}' may not do '{permission}'")
    return user


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise UserError("password too short: use at least 8 characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password for seeded or reset accounts (printed once, never stored in clear)."""
    return secrets.token_urlsafe(12)


def authenticate(session: Session, login: str, password: str, now: datetime) -> CurrentUser | None:
    """The signed-in user for a correct login and password, else None (same answer for both errors).

    A deactivated account, or one whose employee a manager deactivated on the Team page, raises
    AccountDeactivated, so the person learns why and whom to ask; only after the password matched, so the
    message tells nothing to someone guessing passwords.
    """
    user = session.scalar(select(User).where(User.login == login.strip().lower()))
    if user is None:
        # Spend the same time as a real check so logins cannot be probed by timing.
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if not _active(user):
        raise AccountDeactivated(DEACTIVATED)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    return as_current_user(user)


def still_active(session: Session, user_id: int) -> bool:
    """Is a signed-in user's account (and their employee) still active?

    Checked on every run of the app, so deactivating someone ends a session
    they already have open, not only their next sign-in.
    """
    user = session.get(User, user_id)
    return user is not None and _active(user)


def _active(user: User) -> bool:
    return user.active and (user.employee is None or user.employee.active)


def as_current_user(user: User) -> CurrentUser:
    return CurrentUser(user.id, user.login, user.display_name, user.role, user.employee_id)


def set_password(session: Session, login: str, password: str) -> None:
    user = session.scalar(select(User).where(User.login == login.strip().lower()))
    if user is None:
        raise UserError(f"no user with login '{login}'")
    user.password_hash = hash_password(password)


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password")
