"""What the live desk (board and routing), my tickets, the SLA report, the inbox and the ticket form show,
and the actions they offer.

Pages and the API call these functions; they hold the rules (who may reassign
what, which clock a ticket's countdown follows, how attainment is counted) so
a rule lives once. Reads return plain frozen dataclasses with times already in
the site's zone; actions take the signed-in user, check the role, and go
through `tickets.lifecycle`, so every change leaves an audit event. Nothing
here reads the clock: `now` comes from the caller.

Countdowns come from the SLA calculator replayed over each open ticket's
trail (`metric_status`), so the desk shows exactly what the worker acts on;
the report aggregates the stored clocks in SQL instead, because it spans
history.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shiftdesk.auth import CurrentUser, PermissionDenied, require
from shiftdesk.errors import UserError
from shiftdesk.settings import Settings
from store import desk_queries, routing_queries
from store import tickets as ticket_store
from store.enums import Channel, CustomerTier, Priority
from store.org import team_queues, team_zone
from store.outbox import in_app_for_user, mark_read
from store.schema import Employee, Team, Ticket
from tickets import customer_mail, intake, lifecycle, routing
from tickets.deadlines import active_policy, sla_history
from tickets.lifecycle import Actor, NewTicket
from tickets.on_shift import OnShiftAgent, on_shift
from tickets.sla import ClockState, MetricStatus, compute_schedule, metric_status
from tickets.sla_policy import SlaPolicy

DESK_LIMIT = 300  # open tickets drawn on the board, most urgent first
BREACH_LIMIT = 200
INBOX_LIMIT = 50
# Which running clock a ticket's countdown follows: the worst state, then the earliest deadline.
STATE_ORDER = {ClockState.BREACHED: 0, ClockState.WARNING: 1, ClockState.OK: 2, ClockState.PAUSED: 3}
AT_RISK = frozenset({ClockState.WARNING, ClockState.BREACHED})
_NEVER = datetime.max.replace(tzinfo=UTC)  # sorts clocks without a known deadline last


def minutes_text(minutes: float) -> str:
    """A duration as the desk says it: "45 min", "2 h 05 min", "-1 h 10 min" when overdue.

    Whole minutes are floored, so 20 seconds overdue already reads "-1 min", never "0 min" on a breached clock.
    """
    whole = math.floor(minutes)
    sign, whole = ("-" if whole < 0 else ""), abs(whole)
    return f"{sign}{whole // 60} h {whole % 60:02d} min" if whole >= 60 else f"{sign}{whole} min"


def actor_for(user: CurrentUser) -> Actor:
    """The audit-trail label of a signed-in user."""
    return Actor(f"user:{user.login}", user.id)


# --- the live desk ------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    """Where a ticket's most pressing running SLA clock stands at `now`.

    `remaining_minutes` are business minutes on the tier's calendar (negative
    once overdue; frozen while paused); `due_at` is local, None while a pause
    hides it.
    """

    metric: str
    tier: str
    state: ClockState
    remaining_minutes: float
    due_at: datetime | None
    paused: bool


@dataclass(frozen=True)
class OpenTicket:
    id: int
    subject: str
    queue: str
    queue_code: str
    status: str
    priority: str
    customer_tier: str
    assignee_id: int | None
    assignee: str | None
    created_at: datetime  # local
    countdown: Countdown | None  # None: no clock running (answered, or no SLA tier)
    # With no clock running: the clock that ended worst (met late before met, then the
    # latest), state MET or MET_LATE; None when the ticket has no SLA clock at all.
    settled: Countdown | None = None

    @property
    def at_risk(self) -> bool:
        return self.countdown is not None and self.countdown.state in AT_RISK

    @property
    def clock(self) -> Countdown | None:
        """The clock the ticket's row shows: the running one, else the one that ended."""
        return self.countdown or self.settled

    @property
    def state_label(self) -> str:
        """What the desk's State column says: the shown clock's state ("met", "met late" once they
        have all ended), else "no SLA" (no tier applies)."""
        return self.clock.state.value.replace("_", " ") if self.clock else "no SLA"


@dataclass(frozen=True)
class QueueLoad:
    code: str
    name: str
    channel: str
    new: int
    open: int
    pending: int
    unassigned: int
    oldest_waiting_at: datetime | None  # local; the oldest new/open ticket
    oldest_waiting_minutes: int | None  # real minutes it has waited at `now`


@dataclass(frozen=True)
class AgentLoad:
    """An agent on shift now, or one off shift who still holds open tickets (work stuck with them)."""

    employee_id: int
    name: str
    on_shift: bool
    shift: str | None
    until: datetime | None  # local end of the shift
    skill_worked: str | None
    skills: dict[str, int]  # skill code -> level
    open_tickets: int
    capacity: int  # open tickets at most: the limits of the channels of the queues they have the skill for, summed


@dataclass(frozen=True)
class DeskBoard:
    team: str
    zone: str
    local_now: datetime
    queues: list[QueueLoad]
    agents: list[AgentLoad]
    tickets: list[OpenTicket]  # most urgent first, at most DESK_LIMIT
    open_total: int

    @property
    def at_risk(self) -> list[OpenTicket]:
        """Tickets in warning or breached, the earliest deadline first."""
        risky = [t for t in self.tickets if t.at_risk]
        return sorted(risky, key=lambda t: (_due_key(t.countdown), t.id))

    @property
    def breached(self) -> list[OpenTicket]:
        return [t for t in self.at_risk if t.countdown is not None and t.countdown.state is ClockState.BREACHED]

    @property
    def unassigned(self) -> list[OpenTicket]:
        return [t for t in self.tickets if t.assignee_id is None]

    @property
    def on_shift(self) -> list[AgentLoad]:
        return [a for a in self.agents if a.on_shift]


def desk_board(session: Session, team_id: int, now: datetime, limit: int = DESK_LIMIT) -> DeskBoard:
    """The whole live desk of a team at `now`: queues, agents, open tickets with countdowns."""
    team = session.get_one(Team, team_id)
    zone = ZoneInfo(team.site.time_zone)
    tickets, total = desk_queries.open_tickets(session, team_id, now, limit)
    return DeskBoard(
        team=team.name,
        zone=team.site.time_zone,
        local_now=now.astimezone(zone),
        queues=_queue_loads(session, team_id, zone, now),
        agents=_agent_loads(session, team_id, zone, on_shift(session, team_id, now)),
        tickets=_with_countdowns(session, tickets, zone, now),
        open_total=total,
    )


def _queue_loads(session: Session, team_id: int, zone: ZoneInfo, now: datetime) -> list[QueueLoad]:
    return [
        QueueLoad(
            code=row.code, name=row.name, channel=row.channel.value, new=row.new, open=row.open, pending=row.pending,
            unassigned=row.unassigned,
            oldest_waiting_at=_local(row.oldest_waiting_at, zone),
            oldest_waiting_minutes=None if row.oldest_waiting_at is None
            else max(int((now - row.oldest_waiting_at).total_seconds() // 60), 0),
        )
        for row in desk_queries.queue_loads(session, team_id)
    ]


def _agent_loads(session: Session, team_id: int, zone: ZoneInfo, working: list[OnShiftAgent]) -> list[AgentLoad]:
    """On-shift agents (by skill worked, then name), then off-shift holders of open tickets."""
    loads = {row.employee_id: row for row in desk_queries.employee_loads(session, team_id)}
    places = _places(session, team_id, loads)
    agents = [
        AgentLoad(
            employee_id=agent.employee_id, name=agent.name, on_shift=True, shift=agent.shift_name,
            until=agent.ends_at.astimezone(zone), skill_worked=agent.skill_worked, skills=agent.skills,
            open_tickets=loads[agent.employee_id].open_tickets if agent.employee_id in loads else 0,
            capacity=places.get(agent.employee_id, 0),
        )
        for agent in working
    ]
    working_ids = {agent.employee_id for agent in working}
    agents.extend(
        AgentLoad(employee_id=row.employee_id, name=row.name, on_shift=False, shift=None, until=None,
                  skill_worked=None, skills={}, open_tickets=row.open_tickets, capacity=places[row.employee_id])
        for row in loads.values()
        if row.employee_id not in working_ids and row.open_tickets
    )
    return agents


def _places(session: Session, team_id: int, loads: dict[int, Any]) -> dict[int, int]:
    """Each agent's open tickets at most, in all: over the channels of the team's queues whose skill they hold,
    their own limits summed, plus max_concurrent_tickets once for the channels without a limit of their own."""
    channels: dict[str, set[Channel]] = {}
    for queue in routing_queries.team_queues_with_skill(session, team_id):
        channels.setdefault(queue.skill.code, set()).add(queue.channel)
    levels = routing_queries.skill_levels(session, loads)
    limits = routing_queries.channel_limits(session, loads)
    places = {}
    for employee_id, row in loads.items():
        own = limits.get(employee_id, {})
        worked = set().union(*(channels.get(skill, set()) for skill in levels[employee_id]))
        places[employee_id] = sum(own[c] for c in worked if c in own) + (row.capacity if worked - own.keys() else 0)
    return places


def _with_countdowns(session: Session, tickets: Sequence[Ticket], zone: ZoneInfo, now: datetime) -> list[OpenTicket]:
    policy, _ = active_policy(session)
    rows = []
    for ticket in tickets:
        every = _clock_statuses(policy, ticket, now)
        statuses = [status for status in every if status.clock.fulfilled_at is None]
        rows.append(OpenTicket(
            id=ticket.id, subject=ticket.subject, queue=ticket.queue.name, queue_code=ticket.queue.code,
            status=ticket.status.value, priority=ticket.priority.value, customer_tier=ticket.customer_tier.value,
            assignee_id=ticket.assignee_id, assignee=ticket.assignee.name if ticket.assignee else None,
            created_at=ticket.created_at.astimezone(zone),
            countdown=_countdown(min(statuses, key=_urgency), zone) if statuses else None,
            settled=None if statuses or not every else _countdown(max(every, key=_ended_worst), zone),
        ))
    return rows


def _ended_worst(status: MetricStatus) -> tuple[bool, datetime]:
    """Order of ended clocks for the board: met late above met, then the latest to end (every clock
    here has ended, so `fulfilled_at` is set)."""
    return status.state is ClockState.MET_LATE, status.clock.fulfilled_at or _NEVER


def _clock_statuses(policy: SlaPolicy, ticket: Ticket, now: datetime) -> list[MetricStatus]:
    """Every clock of the ticket at `now`, current cycles last.

    `now` is raised to the newest event: a change committed by someone else a
    moment after this page read the clock must not make the calculator refuse.
    """
    history = sla_history(ticket.events)
    if not history:
        return []
    moment = max(now, *(event.at for event in ticket.events))
    return [metric_status(clock, moment) for clock in compute_schedule(policy, history).clocks]


def _urgency(status: MetricStatus) -> tuple[int, datetime]:
    return STATE_ORDER.get(status.state, len(STATE_ORDER)), status.clock.due_at or _NEVER


def _countdown(status: MetricStatus, zone: ZoneInfo) -> Countdown:
    return Countdown(
        metric=status.metric.value, tier=status.clock.tier, state=status.state,
        remaining_minutes=round(status.remaining_minutes, 1), due_at=_local(status.clock.due_at, zone),
        paused=status.paused,
    )


def _due_key(countdown: Countdown | None) -> datetime:
    return countdown.due_at if countdown and countdown.due_at else _NEVER


def reassign(session: Session, user: CurrentUser, ticket_id: int, employee_id: int, now: datetime) -> Ticket:
    """Give a ticket to an agent who is on shift now.

    Managers (`desk.manage`) may move any ticket; agents (`tickets.work`) only
    the tickets assigned to them. The ticket is locked before the check, so a
    concurrent reassignment cannot slip between the check and the change.
    """
    require(user, "tickets.work")
    ticket = ticket_store.lock_ticket(session, ticket_id)
    if not user.can("desk.manage") and (user.employee_id is None or ticket.assignee_id != user.employee_id):
        raise PermissionDenied(f"ticket #{ticket_id}: you may reassign only tickets assigned to you")
    working = {agent.employee_id: agent for agent in on_shift(session, ticket.queue.team_id, now)}
    if employee_id not in working:
        name = desk_queries.employee_names(session, [employee_id]).get(employee_id, f"employee #{employee_id}")
        raise UserError(f"ticket #{ticket_id}: {name} is not on shift now; pick someone who is")
    if ticket.assignee_id == employee_id:
        raise UserError(f"ticket #{ticket_id} is already assigned to {working[employee_id].name}")
    return lifecycle.assign(session, ticket_id, employee_id, actor_for(user), now, reason="reassigned on the desk")


# --- routing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverLine:
    """One agent on shift as routing sees them for one skill."""

    employee_id: int
    name: str
    level: int
    shift: str
    until: datetime  # local end of the shift
    rostered_for: str | None  # the skill the roster put them on today
    open_tickets: int  # in all channels
    capacity: int  # the agent's limit in a channel without one of its own
    has_room: bool  # room in the channel of one of the skill's queues, as routing judges it


@dataclass(frozen=True)
class SkillCover:
    """Who is on shift now with a skill the team's queues need, the highest level first."""

    skill: str
    agents: list[CoverLine]

    @property
    def with_room(self) -> int:
        return sum(agent.has_room for agent in self.agents)


@dataclass(frozen=True)
class QueueRouting:
    code: str
    name: str
    skill: str
    policy: str  # "least_load" or "longest_idle"
    unassigned: int
    waiting_reason: str | None  # why its tickets cannot be routed now; None: they can


@dataclass(frozen=True)
class RoutingView:
    local_now: datetime
    skills: list[SkillCover]
    queues: list[QueueRouting]


def routing_view(session: Session, team_id: int, now: datetime) -> RoutingView:
    """Who can take which queue's tickets at `now`, and why a queue's unassigned tickets wait, if they do.

    The figures are the ones routing itself reads (`routing.team_now`), so the
    reason shown for a queue is the reason its next ticket would get.
    """
    team = routing.team_now(session, team_id, now)
    queues = routing_queries.team_queues_with_skill(session, team_id)
    unassigned = {row.code: row.unassigned for row in desk_queries.queue_loads(session, team_id)}
    skills = sorted({queue.skill.code for queue in queues})
    return RoutingView(
        local_now=now.astimezone(team.zone),
        skills=[SkillCover(skill, _cover_lines(team, skill, {q.channel for q in queues if q.skill.code == skill}))
                for skill in skills],
        queues=[
            QueueRouting(queue.code, queue.name, queue.skill.code, queue.routing_policy, unassigned.get(queue.code, 0),
                         routing.why_nobody(team, queue.skill.code, queue.channel))
            for queue in queues
        ],
    )


def _cover_lines(team: routing.TeamNow, skill: str, channels: set[Channel]) -> list[CoverLine]:
    lines = [
        CoverLine(c.employee_id, c.agent.name, c.agent.skills[skill], c.agent.shift_name,
                  c.agent.ends_at.astimezone(team.zone), c.agent.skill_worked, c.load, c.capacity,
                  any(c.has_room(channel) for channel in channels))
        for c in team.skilled(skill)
    ]
    return sorted(lines, key=lambda line: (-line.level, line.name))


def route_now(session: Session, user: CurrentUser, ticket_id: int, now: datetime) -> routing.RoutingOutcome:
    """Route one ticket at once by the same rules as intake (managers); the outcome says where it went or why not."""
    require(user, "desk.manage")
    return routing.route_ticket(session, ticket_id, now, actor=actor_for(user))


def route_waiting(session: Session, user: CurrentUser, team_id: int, now: datetime) -> routing.RoutingReport:
    """One routing pass over the team's unassigned tickets, as the worker runs it (managers)."""
    require(user, "desk.manage")
    return routing.routing_pass(session, now, team_id=team_id)


# --- my tickets ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelRoom:
    """How full an agent is against one limit: a channel with a limit of its own, or the channels without one,
    which share the agent's single number (as routing counts them)."""

    channels: tuple[str, ...]
    open: int
    limit: int  # 0: never routed tickets of these channels


@dataclass(frozen=True)
class MyTickets:
    """An agent's own open tickets, the most pressing countdown first, and where their shift stands."""

    name: str | None  # None: the login is not linked to an employee
    shift: str | None  # the shift they are on now; None: off shift
    until: datetime | None  # local end of that shift
    rooms: list[ChannelRoom]  # per limit, over the channels of the queues their skills work
    tickets: list[OpenTicket]

    @property
    def at_risk(self) -> list[OpenTicket]:
        return [t for t in self.tickets if t.at_risk]


def my_tickets(session: Session, user: CurrentUser, now: datetime) -> MyTickets:
    """The signed-in agent's open tickets with their SLA countdowns at `now`."""
    require(user, "tickets.work")
    if user.employee_id is None:
        return MyTickets(None, None, None, [], [])
    employee = session.get_one(Employee, user.employee_id)
    zone = ZoneInfo(team_zone(session, employee.team_id))
    shift = next((a for a in on_shift(session, employee.team_id, now) if a.employee_id == employee.id), None)
    held = desk_queries.open_tickets_of(session, employee.id)
    tickets = _with_countdowns(session, held, zone, now)
    return MyTickets(
        name=employee.name, shift=shift.shift_name if shift else None,
        until=shift.ends_at.astimezone(zone) if shift else None, rooms=_rooms(session, employee, held),
        tickets=sorted(tickets, key=_most_pressing),
    )


def _rooms(session: Session, employee: Employee, held: Sequence[Ticket]) -> list[ChannelRoom]:
    """The agent's limits as routing applies them, over the channels of the team's queues whose skill they hold
    (and any channel they hold tickets in): one line per channel with a limit of its own, one for the rest."""
    skills = routing_queries.skill_levels(session, [employee.id])[employee.id]
    worked = {q.channel for q in routing_queries.team_queues_with_skill(session, employee.team_id)
              if q.skill.code in skills}
    loads = Counter(t.queue.channel for t in held)
    own = routing_queries.channel_limits(session, [employee.id]).get(employee.id, {})
    channels = sorted(worked | loads.keys(), key=lambda c: c.value)
    rooms = [ChannelRoom((c.value,), loads[c], own[c]) for c in channels if c in own]
    shared = [c for c in channels if c not in own]
    if shared:
        rooms.append(ChannelRoom(tuple(c.value for c in shared), sum(loads[c] for c in shared),
                                 employee.max_concurrent_tickets))
    return rooms


def _most_pressing(ticket: OpenTicket) -> tuple[int, datetime, int]:
    """Breached, then warning, then ok, then paused, then no clock; the earliest deadline first within each."""
    state = STATE_ORDER.get(ticket.countdown.state, len(STATE_ORDER)) if ticket.countdown else len(STATE_ORDER) + 1
    return state, _due_key(ticket.countdown), ticket.id


# --- one ticket ------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailEntry:
    at: datetime  # local
    actor: str
    kind: str
    text: str


@dataclass(frozen=True)
class ClockLine:
    metric: str
    cycle: int
    tier: str
    target_minutes: int
    started_at: datetime  # local, like every time below
    warn_at: datetime | None
    due_at: datetime | None
    fulfilled_at: datetime | None
    state: ClockState
    remaining_minutes: float


@dataclass(frozen=True)
class TicketDetail:
    id: int
    subject: str
    body: str
    queue: str
    status: str
    priority: str
    customer_tier: str
    category: str
    channel: str
    customer_name: str | None
    customer_email: str | None
    assignee: str | None
    sla_tier: str | None
    created_at: datetime
    trail: list[TrailEntry]  # oldest first
    clocks: list[ClockLine]
    next_statuses: list[str]  # the moves `set_status` allows from here


def ticket_detail(session: Session, ticket_id: int, now: datetime) -> TicketDetail:
    """One ticket with its audit trail and every SLA clock (met ones too) as of `now`."""
    ticket = desk_queries.ticket_with_trail(session, ticket_id)
    if ticket is None:
        raise UserError(f"no ticket #{ticket_id}")
    zone = ZoneInfo(team_zone(session, ticket.queue.team_id))
    policy, _ = active_policy(session)
    names = desk_queries.employee_names(session, _assignees_named(ticket))
    return TicketDetail(
        id=ticket.id, subject=ticket.subject, body=ticket.body, queue=ticket.queue.name,
        status=ticket.status.value, priority=ticket.priority.value, customer_tier=ticket.customer_tier.value,
        category=ticket.category, channel=ticket.channel.value,
        customer_name=ticket.customer_name, customer_email=ticket.customer_email,
        assignee=ticket.assignee.name if ticket.assignee else None, sla_tier=ticket.sla_tier,
        created_at=ticket.created_at.astimezone(zone),
        trail=[TrailEntry(e.at.astimezone(zone), e.actor, e.kind, describe_event(e.kind, e.data, names))
               for e in ticket.events],
        clocks=[_clock_line(status, zone) for status in _clock_statuses(policy, ticket, now)],
        next_statuses=sorted(s.value for s in lifecycle.TRANSITIONS[ticket.status]),
    )


def _assignees_named(ticket: Ticket) -> set[int]:
    return {value for e in ticket.events if e.kind == "assigned" for value in (e.data.get("from"), e.data.get("to"))
            if isinstance(value, int)}


def _clock_line(status: MetricStatus, zone: ZoneInfo) -> ClockLine:
    clock = status.clock
    return ClockLine(
        metric=clock.metric.value, cycle=clock.cycle, tier=clock.tier, target_minutes=clock.target_minutes,
        started_at=clock.started_at.astimezone(zone), warn_at=_local(clock.warn_at, zone),
        due_at=_local(clock.due_at, zone), fulfilled_at=_local(clock.fulfilled_at, zone), state=status.state,
        remaining_minutes=round(status.remaining_minutes, 1),
    )


def describe_event(kind: str, data: dict[str, Any], names: dict[int, str]) -> str:
    """One line for an audit event, in the desk's words."""
    match kind:
        case "created":
            where = f" in {data['queue']}" if data.get("queue") else ""
            return f"created{where}: {data.get('priority')} {data.get('category')}, " \
                   f"{data.get('customer_tier')} customer, by {data.get('channel')}"
        case "status":
            return f"status {data['from']} → {data['to']}"
        case "assigned":
            who = [names.get(data[k], "nobody") if data.get(k) else "nobody" for k in ("from", "to")]
            return f"assigned {who[0]} → {who[1]}" + (f" ({data['reason']})" if data.get("reason") else "")
        case "attributes":
            return ", ".join(f"{name} {old} → {new}" for name, (old, new) in data["changes"].items())
        case "routing":
            return f"waits in queue {data.get('queue')}: {data.get('waiting')}"
        case "escalation":
            told = "; ".join(f"{r['name']} ({r['reason']})" for r in data.get("recipients", []))
            return str(data.get("summary", data.get("step"))) + (f" → told {told}" if told else "")
        case "agent_reply" | "customer_reply" | "note":
            return str(data.get("body", ""))
    return ", ".join(f"{key}: {value}" for key, value in data.items())


def reply(session: Session, user: CurrentUser, ticket_id: int, body: str, now: datetime,
          then_status: str | None = None) -> Ticket:
    """A public reply from the signed-in agent (meets first response / next reply); the customer of an
    e-mail or web-form ticket gets it by e-mail when the desk has an SMTP server."""
    require(user, "tickets.work")
    ticket = lifecycle.agent_reply(session, ticket_id, body, actor_for(user), now, then_status=then_status)
    session.flush()
    event = max((e for e in ticket.events if e.kind == "agent_reply"), key=lambda e: e.id)
    customer_mail.mail_reply(session, ticket, event.id, event.data["body"], Settings.from_env().smtp_sender, now)
    return ticket


def note(session: Session, user: CurrentUser, ticket_id: int, body: str, now: datetime) -> Ticket:
    """An internal note (no SLA effect)."""
    require(user, "tickets.work")
    return lifecycle.add_note(session, ticket_id, body, actor_for(user), now)


def change_status(session: Session, user: CurrentUser, ticket_id: int, status: str, now: datetime) -> Ticket:
    require(user, "tickets.work")
    return lifecycle.set_status(session, ticket_id, status, actor_for(user), now)


# --- the SLA report ----------------------------------------------------------------------


@dataclass(frozen=True)
class Attainment:
    """Clocks met and breached in one period (a local day, an ISO week, or the whole window)."""

    period_start: date
    period: str  # "2026-11-26", "2026-W48", "all"
    tier: str
    metric: str
    met: int
    breached: int

    @property
    def total(self) -> int:
        return self.met + self.breached

    @property
    def share(self) -> float | None:
        """Met / (met + breached); None when no clock was decided in the period."""
        return self.met / self.total if self.total else None


@dataclass(frozen=True)
class Breach:
    ticket_id: int
    subject: str
    status: str
    queue: str
    assignee: str | None
    tier: str
    metric: str
    cycle: int
    due_at: datetime  # local
    fulfilled_at: datetime | None  # local; None while still unanswered
    late_minutes: int  # real minutes past due (rounded up), until met or until `now`


@dataclass(frozen=True)
class EscalationCount:
    day: date
    action: str
    fired: int


@dataclass(frozen=True)
class SlaReport:
    zone: str
    first_day: date
    last_day: date
    as_of: datetime  # local
    daily: list[Attainment]
    weekly: list[Attainment]
    totals: list[Attainment]  # per tier and metric over the window
    breaches: list[Breach]  # latest first, at most BREACH_LIMIT
    breach_total: int
    escalations: list[EscalationCount]


def local_today(session: Session, team_id: int, now: datetime) -> date:
    """The site's calendar date at `now` (the report's default last day)."""
    return now.astimezone(ZoneInfo(team_zone(session, team_id))).date()


def sla_report(session: Session, team_id: int, first_day: date, last_day: date, now: datetime,
               breach_limit: int = BREACH_LIMIT) -> SlaReport:
    """Attainment per tier and metric by local day and ISO week, breaches and escalations fired.

    A clock counts as met on the day it was met within target, as breached on
    the day its deadline passed (met late, or still open past due at `now`);
    clocks still running in time, or paused before their deadline, are not
    counted yet. Days are the site's local days from `first_day` to `last_day`.
    """
    if first_day > last_day:
        raise UserError(f"the report starts {first_day:%d %b %Y}, after it ends ({last_day:%d %b %Y})")
    zone = ZoneInfo(team_zone(session, team_id))
    start, end = _local_midnight(first_day, zone), _local_midnight(last_day + timedelta(days=1), zone)
    daily = [
        Attainment(_day(row.day), _day(row.day).isoformat(), row.tier, row.metric, int(row.met), int(row.breached))
        for row in desk_queries.attainment_by_day(session, team_id, zone, start, end, now)
    ]
    breaches = desk_queries.breaches(session, team_id, start, end, now, breach_limit)
    escalations = desk_queries.escalations_by_day(session, team_id, zone, start, end)
    return SlaReport(
        zone=zone.key, first_day=first_day, last_day=last_day, as_of=now.astimezone(zone), daily=daily,
        weekly=roll_up(daily, _iso_week), totals=roll_up(daily, lambda _day: (first_day, "all")),
        breaches=[_breach(row, zone, now) for row in breaches], breach_total=sum(row.breached for row in daily),
        escalations=[EscalationCount(_day(row.day), row.action, int(row.fired)) for row in escalations],
    )


def roll_up(rows: Iterable[Attainment], period_of: Callable[[date], tuple[date, str]]) -> list[Attainment]:
    """Sum daily attainment into longer periods; `period_of(day)` gives (period start, label)."""
    sums: dict[tuple[date, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        start, label = period_of(row.period_start)
        counts = sums[(start, label, row.tier, row.metric)]
        counts[0] += row.met
        counts[1] += row.breached
    return [Attainment(start, label, tier, metric, met, breached)
            for (start, label, tier, metric), (met, breached) in sorted(sums.items())]


def _day(number: int) -> date:
    return desk_queries.day_from_number(number)


def _iso_week(day: date) -> tuple[date, str]:
    year, week, weekday = day.isocalendar()
    return day - timedelta(days=weekday - 1), f"{year}-W{week:02d}"


def _breach(row: Any, zone: ZoneInfo, now: datetime) -> Breach:
    until = row.fulfilled_at or now
    return Breach(
        ticket_id=row.ticket_id, subject=row.subject, status=row.status.value, queue=row.queue,
        assignee=row.assignee, tier=row.tier, metric=row.metric, cycle=row.cycle,
        due_at=row.due_at.astimezone(zone), fulfilled_at=_local(row.fulfilled_at, zone),
        late_minutes=math.ceil((until - row.due_at).total_seconds() / 60),  # 20 s late is 1 min late, not 0
    )


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


# --- inbox ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    id: int
    at: datetime  # local
    subject: str
    body: str
    ticket_id: int | None
    unread: bool


def inbox(session: Session, user: CurrentUser, team_id: int, limit: int = INBOX_LIMIT) -> list[InboxItem]:
    """The user's delivered in-app notifications, newest first."""
    require(user, "notifications.own")
    zone = ZoneInfo(team_zone(session, team_id))
    return [
        InboxItem(n.id, n.created_at.astimezone(zone), n.subject, n.body, n.ticket_id, n.read_at is None)
        for n in in_app_for_user(session, user.id, limit)
    ]


def unread_count(session: Session, user: CurrentUser) -> int:
    require(user, "notifications.own")
    return desk_queries.unread_in_app_count(session, user.id)


def mark_as_read(session: Session, user: CurrentUser, notification_ids: Sequence[int], now: datetime) -> None:
    """Mark the user's own notifications read (ids of anyone else's are ignored)."""
    require(user, "notifications.own")
    mark_read(session, user.id, notification_ids, now)


# --- the web form -------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketForm:
    """The choices the web form offers, and the defaults a person who changes nothing gets."""

    queues: list[tuple[str, str, str]]  # (code, name, channel)
    channels: list[str]  # none chosen: the queue's own channel
    priorities: list[str]
    customer_tiers: list[str]
    categories: list[str]  # those in use; a new one may be typed
    default_priority: str = Priority.NORMAL.value
    default_customer_tier: str = CustomerTier.STANDARD.value
    default_category: str = "inquiry"


@dataclass(frozen=True)
class CreatedTicket:
    id: int
    queue: str
    sla_tier: str | None
    next_due_at: datetime | None  # local: the earliest running deadline


def ticket_form(session: Session, team_id: int) -> TicketForm:
    """Queues people write to (not the desk's internal ones), and the vocabularies, defaults first."""
    return TicketForm(
        queues=[(q.code, q.name, q.channel.value) for q in team_queues(session, team_id)
                if q.channel is not Channel.INTERNAL],
        channels=[c.value for c in Channel if c is not Channel.INTERNAL],
        priorities=[p.value for p in Priority],
        customer_tiers=[t.value for t in CustomerTier],
        categories=sorted({*desk_queries.known_categories(session), TicketForm.default_category}),
    )


def create_from_form(session: Session, user: CurrentUser, new: NewTicket, now: datetime) -> CreatedTicket:
    """Open a ticket from the app's web form (classified, routed, paged at night like every channel);
    bad input raises UserError before anything is stored."""
    require(user, "tickets.work")
    ticket = intake.open_ticket(session, new, actor_for(user), now).ticket
    zone = ZoneInfo(team_zone(session, ticket.queue.team_id))
    dues = [d for d in (ticket.first_response_due_at, ticket.next_reply_due_at, ticket.resolution_due_at) if d]
    return CreatedTicket(ticket.id, ticket.queue.name, ticket.sla_tier, _local(min(dues), zone) if dues else None)


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return value.astimezone(zone) if value is not None else None

