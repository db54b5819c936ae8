"""Who should hear about a ticket now: quiet hours for people on the roster.

A warning meant for someone who is off shift goes to whoever covers the
ticket's queue now (the on-shift agent with the queue's skill at the highest
level), and at night to the agent on night duty, never to an off-duty person at
midnight. Each answer carries the reason, which goes into the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from store.org import team_webhook, team_zone
from store.people import Contact, contact_for_employees, manager_contacts
from store.schema import Queue
from tickets.on_shift import OnShiftAgent, on_shift


@dataclass(frozen=True)
class Recipient:
    contact: Contact
    reason: str


@dataclass
class DeskNow:
    """Who is working at `now`, per team, loaded once for a batch of notifications."""

    session: Session
    now: datetime
    _working: dict[int, list[OnShiftAgent]] = field(default_factory=dict)
    _contacts: dict[int, Contact] = field(default_factory=dict)
    _zones: dict[int, str] = field(default_factory=dict)
    _webhooks: dict[int, str | None] = field(default_factory=dict)

    def zone(self, team_id: int) -> str:
        if team_id not in self._zones:
            self._zones[team_id] = team_zone(self.session, team_id)
        return self._zones[team_id]

    def webhook(self, team_id: int) -> str | None:
        """The team's webhook URL (SMS gateway, chat bot), read once per batch."""
        if team_id not in self._webhooks:
            self._webhooks[team_id] = team_webhook(self.session, team_id)
        return self._webhooks[team_id]

    def working(self, team_id: int) -> list[OnShiftAgent]:
        if team_id not in self._working:
            self._working[team_id] = on_shift(self.session, team_id, self.now)
        return self._working[team_id]

    def contact(self, employee_id: int) -> Contact | None:
        if employee_id not in self._contacts:
            self._contacts.update(contact_for_employees(self.session, [employee_id]))
        return self._contacts.get(employee_id)


def coverage_for(queue: Queue, working: list[OnShiftAgent], exclude: int | None = None) -> OnShiftAgent | None:
    """The on-shift agent best placed to cover `queue`: its skill at the highest level, then night duty."""
    working = [a for a in working if a.employee_id != exclude]
    skill = queue.skill.code
    skilled = [a for a in working if skill in a.skills]
    if skilled:
        return max(skilled, key=lambda a: (a.skills[skill], a.skill_worked == skill, -a.employee_id))
    night = [a for a in working if a.is_night]
    return max(night, key=lambda a: (max(a.skills.values()), -a.employee_id)) if night else None


def resolve(
    desk: DeskNow, queue: Queue, preferred_employee_id: int | None, role: str, *, exclude: int | None = None
) -> Recipient | None:
    """The person to notify as `role` ("assignee", "supervisor"): the preferred one if on shift, else
    cover for the queue other than `exclude` (a supervisor's stand-in is not the assignee)."""
    working = desk.working(queue.team_id)
    if preferred_employee_id is not None and any(a.employee_id == preferred_employee_id for a in working):
        contact = desk.contact(preferred_employee_id)
        assert contact is not None
        return Recipient(contact, f"{role} on shift")
    cover = coverage_for(queue, working, exclude)
    if cover is None:
        return None
    level = cover.skills.get(queue.skill.code)
    why = f"{queue.skill.code} L{level}" if level else "night duty"
    absent = desk.contact(preferred_employee_id) if preferred_employee_id is not None else None
    prefix = f"{role} {absent.name} is off shift" if absent else f"no {role}"
    contact = desk.contact(cover.employee_id)
    assert contact is not None
    return Recipient(contact, f"{prefix}; covering: {cover.name} ({why}, {cover.shift_name})")


def managers(session: Session) -> list[Recipient]:
    """Desk managers: the last step of an escalation reaches them whatever the hour."""
    return [Recipient(contact, "desk manager") for contact in manager_contacts(session)]
