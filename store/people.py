"""People as the desk reaches them: names, logins, e-mail and phone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.enums import Role
from store.schema import Employee, User


@dataclass(frozen=True)
class Contact:
    """A person and the ways to reach them (any may be missing)."""

    name: str
    employee_id: int | None
    user_id: int | None
    email: str | None
    phone: str | None


def contact_for_employees(session: Session, employee_ids: Iterable[int]) -> dict[int, Contact]:
    ids = sorted(set(employee_ids))
    rows = session.execute(
        select(Employee.id, Employee.name, Employee.email, Employee.phone, User.id)
        .outerjoin(User, (User.employee_id == Employee.id) & User.active.is_(True))
        .where(Employee.id.in_(ids))
    ).all()
    return {eid: Contact(name, eid, uid, email, phone) for eid, name, email, phone, uid in rows}


def manager_contacts(session: Session) -> list[Contact]:
    users = session.scalars(
        select(User).where(User.role == Role.MANAGER, User.active.is_(True)).order_by(User.id)
    ).all()
    return [Contact(u.display_name, u.employee_id, u.id, u.email, None) for u in users]
