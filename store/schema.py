"""The whole product's tables, as typed SQLAlchemy 2.0 mappings.

One module so the schema reads top to bottom: organisation (sites, teams,
skills, employees, users), planning (shift types, rosters, requests, forecasts)
and the live desk (queues, tickets, SLA policies, events, notifications).
Times are `UTCDateTime` (aware, UTC); local wall-clock values that belong to a
site's calendar (a shift's start, a roster's week) are plain `Time`/`Date`,
interpreted in the site's IANA zone.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    LargeBinary,
    CheckConstraint,
    Date,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.enums import (
    Channel,
    CustomerTier,
    ForecastStatus,
    NotificationChannel,
    NotificationStatus,
    Priority,
    RequestKind,
    RequestStatus,
    Role,
    RosterStatus,
    TicketStatus,
)
from store.types import UTCDateTime

DEFAULT_TIME_ZONE = "Asia/Shanghai"

# Stable constraint names: Alembic's batch mode on SQLite needs them to alter tables.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


def str_enum(enum_cls: type[StrEnum]) -> Enum:
    """A short string column limited to the enum's values by a CHECK constraint."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=16,
        name=enum_cls.__name__.lower(),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


# --- organisation ---------------------------------------------------------------


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    holiday_country: Mapped[str] = mapped_column(String(8), default="CN")

    teams: Mapped[list[Team]] = relationship(back_populates="site")


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    name: Mapped[str] = mapped_column(String(100))
    # Where webhook notifications go (an SMS gateway or chat bot); signed with SHIFTDESK_WEBHOOK_SECRET.
    webhook_url: Mapped[str | None] = mapped_column(String(300))

    site: Mapped[Site] = relationship(back_populates="teams")
    employees: Mapped[list[Employee]] = relationship(back_populates="team")
    shift_types: Mapped[list[ShiftType]] = relationship(back_populates="team")


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Employee(Base):
    """A person who can be rostered; the contract columns are the labour rules."""

    __tablename__ = "employees"
    __table_args__ = (
        CheckConstraint("min_minutes_per_week <= max_minutes_per_week", name="contract_minutes"),
        CheckConstraint("max_consecutive_days >= 1", name="max_consecutive_days"),
        CheckConstraint("min_rest_minutes >= 0", name="min_rest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    min_minutes_per_week: Mapped[int] = mapped_column(Integer, default=0)
    max_minutes_per_week: Mapped[int] = mapped_column(Integer, default=40 * 60)
    max_consecutive_days: Mapped[int] = mapped_column(Integer, default=5)
    min_consecutive_days_off: Mapped[int] = mapped_column(Integer, default=1)
    min_rest_minutes: Mapped[int] = mapped_column(Integer, default=11 * 60)
    may_work_nights: Mapped[bool] = mapped_column(Boolean, default=True)
    max_nights_per_week: Mapped[int] = mapped_column(Integer, default=3)
    # Open tickets routing may give the agent at once in a channel without a limit of its own (channel_limits).
    max_concurrent_tickets: Mapped[int] = mapped_column(Integer, default=5)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped by every change a manager saves on the Team page, so a save made against an older read is refused.
    # Not the mapper's version_id_col: routing writes last_assigned_at all day, which must neither bump it nor
    # fail on it.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # When routing last gave this agent a ticket: "longest idle" routing picks the oldest.
    last_assigned_at: Mapped[datetime | None]

    team: Mapped[Team] = relationship(back_populates="employees")
    skills: Mapped[list[EmployeeSkill]] = relationship(
        back_populates="employee", cascade="all, delete-orphan"
    )
    channel_limits: Mapped[list[EmployeeChannelLimit]] = relationship(cascade="all, delete-orphan")


class EmployeeChannelLimit(Base):
    """An agent's own limit of open tickets at once in one channel (the channel of the ticket's queue),
    e.g. phone 1, chat 3, email 10; a channel without a row falls back to `Employee.max_concurrent_tickets`."""

    __tablename__ = "employee_channel_limits"
    __table_args__ = (CheckConstraint("max_concurrent_tickets >= 0", name="max_concurrent_tickets"),)

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), primary_key=True)
    max_concurrent_tickets: Mapped[int] = mapped_column(Integer)  # 0: never routed tickets of this channel


class EmployeeSkill(Base):
    __tablename__ = "employee_skills"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, default=1)

    employee: Mapped[Employee] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class User(Base):
    """A login. Agents are linked to their employee record; others may not be."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), unique=True)
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]

    employee: Mapped[Employee | None] = relationship()


# --- planning -------------------------------------------------------------------


class ShiftType(Base):
    """A shift in the team's local time; a night shift's end falls on the next day."""

    __tablename__ = "shift_types"
    __table_args__ = (
        UniqueConstraint("team_id", "code"),
        CheckConstraint("duration_minutes > 0 AND duration_minutes <= 1440", name="duration"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(60))
    start_local: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    is_night: Mapped[bool] = mapped_column(Boolean, default=False)

    team: Mapped[Team] = relationship(back_populates="shift_types")


class Roster(Base):
    """One version of a team's week. Publishing a new version archives the old one."""

    __tablename__ = "rosters"
    __table_args__ = (UniqueConstraint("team_id", "week_start", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    week_start: Mapped[date] = mapped_column(Date)  # local Monday
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[RosterStatus] = mapped_column(str_enum(RosterStatus), default=RosterStatus.DRAFT)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None]
    solver_status: Mapped[str | None] = mapped_column(String(20))
    objective: Mapped[int | None] = mapped_column(Integer)
    kpis: Mapped[dict[str, Any] | None]
    note: Mapped[str | None] = mapped_column(Text)

    team: Mapped[Team] = relationship()
    assignments: Mapped[list[RosterAssignment]] = relationship(
        back_populates="roster", cascade="all, delete-orphan"
    )


class RosterAssignment(Base):
    __tablename__ = "roster_assignments"
    __table_args__ = (UniqueConstraint("roster_id", "employee_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    day: Mapped[date] = mapped_column(Date)  # local date the shift starts on
    shift_type_id: Mapped[int] = mapped_column(ForeignKey("shift_types.id"))
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id"))

    roster: Mapped[Roster] = relationship(back_populates="assignments")
    employee: Mapped[Employee] = relationship()
    shift_type: Mapped[ShiftType] = relationship()
    skill: Mapped[Skill | None] = relationship()


class TimeOffRequest(Base):
    __tablename__ = "time_off_requests"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus), default=RequestStatus.PROPOSED)
    created_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)

    employee: Mapped[Employee] = relationship()


class ShiftRequest(Base):
    """An agent's request to change a published roster (see `rostering.requests` for the states).

    `requester` gives (swap, give-away), takes (overtime) or is off (time off);
    `counterpart` is the colleague who takes the shift or swaps theirs on
    `other_day` (an open shift has no requester until someone volunteers, who
    becomes the counterpart); `other_shift_type` is the shift the counterpart
    held there when the swap was proposed, so the request reads as agreed.
    `starts_at` is when the request's first shift starts: the cut-off counts
    back from it and the request expires at it.
    `review_ok`/`review_line` keep the last check for the inbox.
    """

    __tablename__ = "shift_requests"
    __table_args__ = (
        Index("ix_shift_requests_team_status", "team_id", "status"),
        Index("ix_shift_requests_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    kind: Mapped[RequestKind] = mapped_column(str_enum(RequestKind))
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus), default=RequestStatus.PROPOSED)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    counterpart_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    week_start: Mapped[date] = mapped_column(Date)
    roster_version: Mapped[int] = mapped_column(Integer)  # the published version it was checked against
    day: Mapped[date | None] = mapped_column(Date)
    shift_type_id: Mapped[int | None] = mapped_column(ForeignKey("shift_types.id"))
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id"))
    other_day: Mapped[date | None] = mapped_column(Date)
    other_shift_type_id: Mapped[int | None] = mapped_column(ForeignKey("shift_types.id"))
    period_start: Mapped[datetime | None]
    period_end: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime]
    review_ok: Mapped[bool | None] = mapped_column(Boolean)
    review_line: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str | None] = mapped_column(Text)
    applied_roster_id: Mapped[int | None] = mapped_column(ForeignKey("rosters.id"))
    time_off_id: Mapped[int | None] = mapped_column(ForeignKey("time_off_requests.id"))

    requester: Mapped[Employee | None] = relationship(foreign_keys=[requester_id])
    counterpart: Mapped[Employee | None] = relationship(foreign_keys=[counterpart_id])
    shift_type: Mapped[ShiftType | None] = relationship(foreign_keys=[shift_type_id])
    other_shift_type: Mapped[ShiftType | None] = relationship(foreign_keys=[other_shift_type_id])
    skill: Mapped[Skill | None] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="RequestEvent.id"
    )


class RequestEvent(Base):
    """The audit trail of a request: every transition, with who did it and when."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("shift_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    request: Mapped[ShiftRequest] = relationship(back_populates="events")


class RequestPolicy(Base):
    """A team's rules for requests; a team without a row gets the defaults."""

    __tablename__ = "request_policies"
    __table_args__ = (
        CheckConstraint("cutoff_hours >= 0", name="cutoff"),
        CheckConstraint("overtime_limit_minutes_week >= 0", name="overtime_limit"),
    )

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    # Kinds approved without a manager when every check passes (swaps only like-for-like).
    auto_approve: Mapped[list[Any]] = mapped_column(default=list)
    cutoff_hours: Mapped[int] = mapped_column(Integer, default=12)
    overtime_limit_minutes_week: Mapped[int] = mapped_column(Integer, default=8 * 60)


class ForecastEvent(Base):
    """A user-defined event such as an 11.11 promotion: a fixed multiplier, or learned when null."""

    __tablename__ = "forecast_events"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="period"),
        CheckConstraint("multiplier IS NULL OR multiplier > 0", name="multiplier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    name: Mapped[str] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    multiplier: Mapped[float | None] = mapped_column(Float)

    team: Mapped[Team] = relationship()


class ForecastRun(Base):
    __tablename__ = "forecast_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    start_at: Mapped[datetime]
    horizon_days: Mapped[int] = mapped_column(Integer)
    interval_minutes: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(40))
    status: Mapped[ForecastStatus] = mapped_column(str_enum(ForecastStatus), default=ForecastStatus.DRAFT)
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    backtest: Mapped[list[Any]] = mapped_column(default=list)


class ForecastPoint(Base):
    __tablename__ = "forecast_points"

    run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id", ondelete="CASCADE"), primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), primary_key=True)
    interval_start: Mapped[datetime] = mapped_column(primary_key=True)
    mean: Mapped[float] = mapped_column(Float)
    lo80: Mapped[float] = mapped_column(Float)
    hi80: Mapped[float] = mapped_column(Float)
    lo95: Mapped[float] = mapped_column(Float)
    hi95: Mapped[float] = mapped_column(Float)


class StaffingRequirement(Base):
    """Required agents per interval and skill: what the roster solver must cover."""

    __tablename__ = "staffing_requirements"

    run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True)
    interval_start: Mapped[datetime] = mapped_column(primary_key=True)
    required: Mapped[int] = mapped_column(Integer)


# --- live desk ------------------------------------------------------------------


class Queue(Base):
    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    covered_24x7: Mapped[bool] = mapped_column(Boolean, default=False)
    aht_seconds: Mapped[int] = mapped_column(Integer, default=600)
    # Staffing targets: live channels answer `service_level` of contacts within `answer_seconds`
    # (Erlang A when callers' mean `patience_seconds` is known); written channels get a first
    # response within `first_response_minutes`. `shrinkage` is paid time away from the queue.
    service_level: Mapped[float | None] = mapped_column(Float)
    answer_seconds: Mapped[int | None] = mapped_column(Integer)
    patience_seconds: Mapped[int | None] = mapped_column(Integer)
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    shrinkage: Mapped[float] = mapped_column(Float, default=0.3)
    # When the queue is worked, e.g. "Mon-Fri 09:00-18:00" or "daily 08:00-22:00" in the site's zone
    # (closed on the site's public holidays, open on make-up working days); null: around the clock.
    service_hours: Mapped[str | None] = mapped_column(String(120))
    # How routing picks among eligible agents: "least_load" or "longest_idle".
    routing_policy: Mapped[str] = mapped_column(String(20), default="least_load")

    team: Mapped[Team] = relationship()
    skill: Mapped[Skill] = relationship()


class SlaPolicy(Base):
    """One SLA tier: the first active row (by position) whose conditions match a ticket applies.

    `conditions` maps a ticket attribute (priority, customer_tier, category,
    channel) to the list of values it must take; `calendar` is the business
    calendar as data; `escalation` the ordered steps, snapshotted onto a ticket
    when its escalation starts.
    """

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_response_minutes: Mapped[int | None] = mapped_column(Integer)
    next_reply_minutes: Mapped[int | None] = mapped_column(Integer)
    resolution_minutes: Mapped[int | None] = mapped_column(Integer)
    warn_share: Mapped[float | None] = mapped_column(Float, default=0.8)
    warn_minutes_before: Mapped[int | None] = mapped_column(Integer)
    calendar: Mapped[dict[str, Any]] = mapped_column(default=dict)
    escalation: Mapped[list[Any]] = mapped_column(default=list)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_queue_status", "queue_id", "status"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        Index("ix_tickets_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    customer_tier: Mapped[CustomerTier] = mapped_column(str_enum(CustomerTier), default=CustomerTier.STANDARD)
    category: Mapped[str] = mapped_column(String(60), default="inquiry")
    priority: Mapped[Priority] = mapped_column(str_enum(Priority), default=Priority.NORMAL)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus), default=TicketStatus.NEW)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    customer_name: Mapped[str | None] = mapped_column(String(120))
    customer_email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    solved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"))
    sla_tier: Mapped[str | None] = mapped_column(String(100))
    # When the worker must look at this ticket next (a warning or escalation step falls due).
    sla_next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    first_response_due_at: Mapped[datetime | None]
    next_reply_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    escalation_snapshot: Mapped[dict[str, Any] | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    queue: Mapped[Queue] = relationship()
    assignee: Mapped[Employee | None] = relationship()
    sla_policy: Mapped[SlaPolicy | None] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}


class TicketEvent(Base):
    """The audit trail: every change to a ticket, with who did it and when."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_at", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class TicketSlaClock(Base):
    """One SLA clock of a ticket as last computed: its deadlines, and its attainment once met.

    Recomputed from the ticket's history whenever an input changes; the worker
    and the reports read it instead of replaying histories.
    """

    __tablename__ = "ticket_sla_clocks"
    __table_args__ = (Index("ix_ticket_sla_clocks_due", "due_at"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    metric: Mapped[str] = mapped_column(String(20), primary_key=True)
    cycle: Mapped[int] = mapped_column(Integer, primary_key=True)
    tier: Mapped[str] = mapped_column(String(100))
    target_minutes: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    warn_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    paused_since: Mapped[datetime | None]
    fulfilled_at: Mapped[datetime | None]
    attained: Mapped[bool | None] = mapped_column(Boolean)


class SlaStepFiring(Base):
    """An escalation step that has fired: the unique key makes a second firing impossible."""

    __tablename__ = "sla_step_firings"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    metric: Mapped[str] = mapped_column(String(20))
    cycle: Mapped[int] = mapped_column(Integer)
    step_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime]
    fired_at: Mapped[datetime]


class TicketMessage(Base):
    """A message on a ticket as it travelled (e-mail, API, web form), for threading replies.

    `message_id` is the e-mail Message-ID (or an API message id): a reply whose
    In-Reply-To/References names it belongs to the same ticket.
    """

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # "in" from the customer, "out" to them
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    message_id: Mapped[str | None] = mapped_column(String(300), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class TicketAttachment(Base):
    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_messages.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class Integration(Base):
    """A system that may call the HTTP API (a shop, a chat widget); its token is stored hashed."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of a random 32-byte token
    token_hint: Mapped[str] = mapped_column(String(12))  # first characters, to recognise it in lists
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]


class ApiRequest(Base):
    """An idempotency key an integration used: a retried POST gets the first answer, not a second ticket."""

    __tablename__ = "api_requests"
    __table_args__ = (UniqueConstraint("integration_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)  # the worker forgets keys past their window


class OnCallStandby(Base):
    """The standby list behind the night duty: paged in `position` order when the duty agent does not answer."""

    __tablename__ = "oncall_standby"
    __table_args__ = (UniqueConstraint("team_id", "employee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    position: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    team: Mapped[Team] = relationship()
    employee: Mapped[Employee] = relationship()


class Page(Base):
    """One page of the on-call chain for a ticket: who, at which step, and whether they acknowledged.

    The worker escalates a page whose `escalate_at` has passed without an
    acknowledgement to the next step (re-page, standby, manager), once.
    """

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("ticket_id", "step"),
        Index("ix_pages_due", "status", "escalate_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)  # 1 = duty agent, 2 = re-page, 3 = standby, 4 = manager
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recipient_name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, acked, escalated, resolved
    ack_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime]
    escalate_at: Mapped[datetime | None]
    acked_at: Mapped[datetime | None]
    acked_by: Mapped[str | None] = mapped_column(String(120))


class ClassifierModel(Base):
    """A trained ticket classifier (one target: category, priority or queue), versioned.

    `blob` is the serialised model; `metrics` holds its macro-F1, accuracy and
    confusion matrix on the held-out split it was scored on.
    """

    __tablename__ = "classifier_models"
    __table_args__ = (UniqueConstraint("target", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    trained_on: Mapped[int] = mapped_column(Integer)  # labelled tickets used
    labels: Mapped[list[Any]] = mapped_column(default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class Notification(Base):
    """The outbox: written in the same transaction as the change that caused it.

    Workers lease rows (`lease_owner`, `lease_until`) so that several of them
    share the work and a crashed worker's rows are picked up again; the
    idempotency key makes a second enqueue of the same message a no-op.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[NotificationChannel] = mapped_column(str_enum(NotificationChannel))
    recipient: Mapped[str] = mapped_column(String(300))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
