"""Routing: give each open ticket to a skilled agent who is on shift now and has room for it.

Who may take a ticket (eligible): on shift by the published roster at `now`,
active, holding the queue's skill at any level, and holding fewer open
tickets (new, open, pending) in the queue's channel than their limit for that
channel (`employee_channel_limits`, e.g. phone 1, chat 3, email 10), or than
their `max_concurrent_tickets` in a channel without a limit of its own. A
ticket's channel is its queue's: the channel routing gives it by.

Who takes it, in this order of preference:
1. for a VIP customer or a complaint, the highest level in the queue's skill;
2. agents the roster put on the queue's skill today before those rostered for
   another skill (the roster planned capacity per skill; the others overflow);
3. the queue's policy: `least_load` (fewest open tickets in the queue's
   channel, then fewest in all, then longest idle) or `longest_idle` (routed
   least recently, never first, then fewest open in the channel);
4. the lower employee id, so the same desk always routes the same way.

Nobody eligible: the ticket stays unassigned in its queue, with an audit
event that says why; the SLA warning path already tells whoever covers the
queue. At shift end (`handover_pass`) an off-shift agent's open tickets go to
the agent the same rules pick, or back to the queue, with the reason in the trail.

Concurrency: a ticket is row-locked before it is routed (`SKIP LOCKED` in the
passes), and an agent's row is locked before they are given a ticket, their
load in every channel re-counted inside that lock (with their limits), so
neither a ticket nor a place in an agent's channel is ever given twice, also
with several workers on PostgreSQL. Locks held by another transaction are
skipped, never waited for, so routers cannot deadlock. A manager's reassignment on the desk is an override: it takes
neither the agent's lock nor their capacity into account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store import routing_queries
from store import tickets as ticket_store
from store.desk_queries import employee_names
from store.enums import Channel, CustomerTier
from store.org import team_zone
from store.schema import Employee, Queue, Ticket
from store.tickets import OPEN_STATUSES
from tickets.lifecycle import Actor, record_event, set_assignee
from tickets.on_shift import OnShiftAgent, shift_window

ROUTER = Actor("routing")
LEVEL_FIRST_CATEGORIES = frozenset({"complaint"})
PASS_LIMIT = 500  # tickets per pass: one transaction stays short, the next pass takes the rest


class RoutingPolicy(StrEnum):
    """A queue's way of choosing among eligible agents (`queues.routing_policy`)."""

    LEAST_LOAD = "least_load"
    LONGEST_IDLE = "longest_idle"


@dataclass
class Candidate:
    """An agent on shift who may take tickets, with their load per channel as this transaction knows it.

    Once `locked`, this transaction holds the agent's row: the loads were
    re-counted inside the lock and only this transaction can add to them.
    """

    agent: OnShiftAgent
    capacity: int  # the fallback: max open tickets in all channels without a limit of their own, together
    loads: dict[Channel, int]  # open tickets by their queue's channel; absent: none
    last_assigned_at: datetime | None
    limits: dict[Channel, int] = field(default_factory=dict)  # the agent's own limit per channel
    employee: Employee | None = None  # the row, once locked
    taken_elsewhere: bool = False  # another transaction holds the agent's row: not this time

    @property
    def locked(self) -> bool:
        return self.employee is not None

    @property
    def employee_id(self) -> int:
        return self.agent.employee_id

    @property
    def load(self) -> int:
        """Open tickets in all channels."""
        return sum(self.loads.values())

    def load_in(self, channel: Channel) -> int:
        """Open tickets that count against `channel`'s limit: that channel's own when it has a limit of
        its own; otherwise those of every channel without one, which share the single number."""
        if channel in self.limits:
            return self.loads.get(channel, 0)
        return sum(n for c, n in self.loads.items() if c not in self.limits)

    def capacity_in(self, channel: Channel) -> int:
        return self.limits.get(channel, self.capacity)

    def has_room(self, channel: Channel) -> bool:
        """Whether the agent may take one more ticket of a queue in `channel`."""
        return self.load_in(channel) < self.capacity_in(channel)


@dataclass
class TeamNow:
    """Who can take a team's tickets at `now`: read once per pass, kept current as the pass assigns."""

    team_id: int
    zone: ZoneInfo
    now: datetime
    candidates: dict[int, Candidate]  # employee id -> active agent on shift

    def skilled(self, skill: str) -> list[Candidate]:
        return [c for c in self.candidates.values() if skill in c.agent.skills]

    def has_room_for(self, skill: str, channel: Channel) -> bool:
        return any(c.has_room(channel) for c in self.skilled(skill))


@dataclass(frozen=True)
class RoutingOutcome:
    """What routing did with one ticket: the agent it went to (None: it waits) and why, in words."""

    ticket_id: int
    employee_id: int | None
    text: str  # "routed to Li Na: technical L3, on Late 15:00-23:00, 1/3 chat, least load"
    changed: bool = True  # False: the ticket was already assigned or closed; nothing was written


@dataclass
class RoutingReport:
    considered: int = 0
    routed: int = 0
    waiting: int = 0
    by_agent: dict[int, int] = field(default_factory=dict)  # employee id -> tickets given in this pass


@dataclass
class HandoverReport:
    considered: int = 0
    handed_over: int = 0
    returned_to_queue: int = 0


@dataclass(frozen=True)
class _Pick:
    """A candidate chosen for a ticket, or the reason nobody was (exactly one is set)."""

    candidate: Candidate | None
    why_nobody: str = ""
    lasting: bool = True  # False: only another worker's open transaction is in the way; the next pass routes it


def team_now(session: Session, team_id: int, now: datetime) -> TeamNow:
    """The team's active agents on shift at `now` with their skills, limits, open tickets and last routed ticket.

    "On shift" is `tickets.on_shift`'s rule (a published shift on yesterday or
    today whose window covers `now`, by `shift_window`), read as plain rows.
    """
    zone = ZoneInfo(team_zone(session, team_id))
    today = now.astimezone(zone).date()
    working: dict[int, tuple[routing_queries.RosteredAgent, datetime, datetime]] = {}
    for row in routing_queries.rostered_agents(session, team_id, [today - timedelta(days=1), today]):
        start, end = shift_window(row.day, row.shift, zone)
        if start <= now < end:
            working.setdefault(row.employee_id, (row, start, end))
    levels = routing_queries.skill_levels(session, working)
    loads = routing_queries.open_ticket_counts(session, working)
    limits = routing_queries.channel_limits(session, working)
    candidates = {
        eid: Candidate(
            OnShiftAgent(eid, row.name, levels[eid], row.shift.code, row.shift.name, row.shift.is_night,
                         row.skill_worked, start, end),
            row.capacity, loads.get(eid, {}), row.last_assigned_at, limits.get(eid, {}),
        )
        for eid, (row, start, end) in working.items()
    }
    return TeamNow(team_id, zone, now, candidates)


def route_ticket(session: Session, ticket_id: int, now: datetime, *, actor: Actor = ROUTER) -> RoutingOutcome:
    """Route one ticket now (on intake, or "route now" on the desk), in the caller's transaction.

    A ticket already assigned, solved or closed is left alone (`changed` is
    False), so a retried intake never moves a ticket someone is working on.
    Waits for the ticket's row lock; never waits for an agent's.
    """
    session.flush()  # the caller's pending changes count in the loads read below (see lock_agents)
    ticket = ticket_store.lock_ticket(session, ticket_id)
    if ticket.status not in OPEN_STATUSES:
        return RoutingOutcome(ticket.id, ticket.assignee_id, f"not routed: the ticket is {ticket.status.value}",
                              changed=False)
    if ticket.assignee_id is not None:
        name = employee_names(session, [ticket.assignee_id]).get(ticket.assignee_id, "someone")
        return RoutingOutcome(ticket.id, ticket.assignee_id, f"already assigned to {name}", changed=False)
    team = team_now(session, ticket.queue.team_id, now)
    pick = _pick(session, team, ticket)
    if pick.candidate is None:
        return _wait(ticket, pick, actor, now)
    return _give(team, ticket, pick.candidate, actor)


def routing_pass(session: Session, now: datetime, limit: int = PASS_LIMIT, *,
                 team_id: int | None = None) -> RoutingReport:
    """Route up to `limit` unassigned open tickets, most urgent first, in the caller's transaction (the worker's).

    Only queues with an eligible agent who has room are read, so a queue
    nobody can work does not hold up the others, and a waiting ticket is not
    re-examined on every pass (its reason was written when it started waiting).
    Tickets locked by another worker are skipped, not waited for.
    """
    session.flush()  # the caller's pending changes count in the loads read below (see lock_agents)
    report = RoutingReport()
    for team_ in [team_id] if team_id is not None else routing_queries.team_ids(session):
        team = team_now(session, team_, now)
        queues = [q for q in routing_queries.team_queues_with_skill(session, team_)
                  if team.has_room_for(q.skill.code, q.channel)]
        if not routing_queries.any_unassigned(session, [q.id for q in queues]):
            continue  # an idle desk takes no locks
        _claim_with_room(session, team, {(q.skill.code, q.channel) for q in queues})
        served = [q.id for q in queues
                  if any(c.locked and c.has_room(q.channel) for c in team.skilled(q.skill.code))]
        tickets = routing_queries.lock_unassigned(session, served, limit - report.considered)
        for ticket in tickets:
            report.considered += 1
            pick = _pick(session, team, ticket)
            if pick.candidate is None:
                report.waiting += 1
                continue
            _give(team, ticket, pick.candidate, ROUTER)
            report.routed += 1
            report.by_agent[pick.candidate.employee_id] = report.by_agent.get(pick.candidate.employee_id, 0) + 1
    return report


def handover_pass(session: Session, now: datetime, limit: int = PASS_LIMIT) -> HandoverReport:
    """Hand the open tickets of agents who are off shift to whoever covers the queue now, or back to the queue.

    Runs only for teams whose published roster covers yesterday or today:
    without a roster nobody is "on shift", and every ticket would be taken
    from its agent. Each move is an "assigned" event whose reason names the
    agent who went off shift and why the ticket went where it went.
    """
    session.flush()  # the caller's pending changes count in the loads read below (see lock_agents)
    report = HandoverReport()
    for team_id in routing_queries.team_ids(session):
        team = team_now(session, team_id, now)
        today = now.astimezone(team.zone).date()
        if not routing_queries.roster_published_for(session, team_id, [today - timedelta(days=1), today]):
            continue
        tickets = routing_queries.lock_held_off_shift(session, team_id, team.candidates, limit - report.considered)
        holders = employee_names(session, [t.assignee_id for t in tickets if t.assignee_id is not None])
        _claim_with_room(session, team, {(ticket.queue.skill.code, ticket.queue.channel) for ticket in tickets})
        for ticket in tickets:
            report.considered += 1
            gone = f"handover: {holders.get(ticket.assignee_id or 0, 'the assignee')} is off shift"
            pick = _pick(session, team, ticket)
            if pick.candidate is None:
                set_assignee(ticket, None, ROUTER, now, reason=f"{gone}; {_waits_in(ticket.queue, pick.why_nobody)}")
                report.returned_to_queue += 1
            else:
                _give(team, ticket, pick.candidate, ROUTER, prefix=f"{gone}; ")
                report.handed_over += 1
    return report


def _pick(session: Session, team: TeamNow, ticket: Ticket) -> _Pick:
    """The best eligible agent for the ticket whose row this transaction could lock, or why there is none.

    Candidates are tried best first; locking one re-counts their load, which
    may push them down the order (another worker just gave them tickets), so
    the order is recomputed after each lock.
    """
    skill, channel = ticket.queue.skill.code, ticket.queue.channel
    if (why := why_nobody(team, skill, channel)) is not None:
        return _Pick(None, why)
    skilled = team.skilled(skill)
    key = _preference(ticket, skill, RoutingPolicy(ticket.queue.routing_policy))
    while True:
        open_to_us = [c for c in skilled if c.has_room(channel) and not c.taken_elsewhere]
        if not open_to_us:
            break
        best = min(open_to_us, key=key)
        if best.locked:
            return _Pick(best)
        _claim(session, [best])
    if any(c.taken_elsewhere and c.has_room(channel) for c in skilled):
        return _Pick(None, f"the agents with {skill} who have room for {channel} are being given tickets "
                           "by another worker", lasting=False)
    return _Pick(None, _all_full(len(skilled), skill, channel))


def why_nobody(team: TeamNow, skill: str, channel: Channel) -> str | None:
    """Why a ticket of a queue needing `skill` in `channel` cannot be routed now, by what this transaction has
    read; None if it can."""
    skilled = team.skilled(skill)
    if not team.candidates:
        return "nobody is on shift by the published roster"
    if not skilled:
        return f"nobody on shift has {skill}"
    if not any(c.has_room(channel) for c in skilled):
        return _all_full(len(skilled), skill, channel)
    return None


def _claim(session: Session, candidates: list[Candidate]) -> None:
    """Lock the agents' rows for this transaction in one statement and re-count their loads (per channel) and
    re-read their limits inside the locks.

    An agent whose row another router holds is skipped, not waited for, and is
    not tried again in this transaction.
    """
    rows = routing_queries.lock_agents(session, [c.employee_id for c in candidates])
    loads = routing_queries.open_ticket_counts(session, rows)
    limits = routing_queries.channel_limits(session, rows)
    for candidate in candidates:
        employee = rows.get(candidate.employee_id)
        if employee is None:
            candidate.taken_elsewhere = True
            continue
        candidate.employee = employee
        candidate.capacity = employee.max_concurrent_tickets
        candidate.limits = limits.get(candidate.employee_id, {})
        candidate.last_assigned_at = employee.last_assigned_at
        candidate.loads = loads.get(candidate.employee_id, {})


def _claim_with_room(session: Session, team: TeamNow, work: set[tuple[str, Channel]]) -> None:
    """Lock up front every agent with the skill and room in the channel of one of `work`'s (skill, channel)
    pairs (a pass's queues), in one statement.

    One statement per pass instead of two per agent (a pass of 500 tickets
    spreads over most of 200 agents), taken before the tickets, so a second
    worker that finds the agents taken locks no tickets either. The cost:
    while a pass runs, other workers cannot give those agents tickets (they
    skip them), so one team is routed by one worker at a time.
    """
    _claim(session, [c for c in team.candidates.values() if not c.locked and any(
        skill in c.agent.skills and c.has_room(channel) for skill, channel in work)])


def _preference(ticket: Ticket, skill: str, policy: RoutingPolicy) -> Callable[[Candidate], tuple[float, ...]]:
    """Sort key over candidates for this ticket: smaller is preferred (see the module docstring)."""
    level_first = _level_first_rule(ticket) is not None
    channel = ticket.queue.channel

    def key(c: Candidate) -> tuple[float, ...]:
        idle = c.last_assigned_at.timestamp() if c.last_assigned_at else float("-inf")  # never routed: idlest
        by_policy = (idle, c.load_in(channel), c.load) if policy is RoutingPolicy.LONGEST_IDLE else \
            (c.load_in(channel), c.load, idle)
        return (-c.agent.skills[skill] if level_first else 0, 0 if c.agent.skill_worked == skill else 1,
                *by_policy, c.employee_id)

    return key


def _give(team: TeamNow, ticket: Ticket, candidate: Candidate, actor: Actor, *, prefix: str = "") -> RoutingOutcome:
    """Assign the ticket to the locked candidate, explain why on the ticket, and count the new load."""
    explanation = _explain(team, ticket, candidate)
    set_assignee(ticket, candidate.employee_id, actor, team.now, reason=f"{prefix}routing: {explanation}")
    channel = ticket.queue.channel
    candidate.loads[channel] = candidate.loads.get(channel, 0) + 1
    candidate.last_assigned_at = team.now
    assert candidate.employee is not None  # _pick returns locked candidates only
    candidate.employee.last_assigned_at = team.now
    return RoutingOutcome(ticket.id, candidate.employee_id, f"routed to {candidate.agent.name}: {explanation}")


def _explain(team: TeamNow, ticket: Ticket, candidate: Candidate) -> str:
    """"technical L3, on Late 15:00-23:00, 1/3 chat, least load": the facts the choice rested on (the load is
    the agent's open tickets in the queue's channel before this one, against their limit there)."""
    skill = ticket.queue.skill.code
    agent = candidate.agent
    shift = f"on {agent.shift_name}"
    if agent.skill_worked and agent.skill_worked != skill:
        shift += f" for {agent.skill_worked}"
    rule = _level_first_rule(ticket)
    if rule is None and RoutingPolicy(ticket.queue.routing_policy) is RoutingPolicy.LONGEST_IDLE:
        last = candidate.last_assigned_at
        rule = f"longest idle (last routed {last.astimezone(team.zone):%H:%M})" if last else \
            "longest idle (not routed a ticket yet)"
    channel = ticket.queue.channel
    load = f"{candidate.load_in(channel)}/{candidate.capacity_in(channel)} {channel.value}"
    return f"{skill} L{agent.skills[skill]}, {shift}, {load}, {rule or 'least load'}"


def _level_first_rule(ticket: Ticket) -> str | None:
    """Why this ticket wants the highest skill level, if it does."""
    if ticket.customer_tier is CustomerTier.VIP:
        return "VIP customer: highest level first"
    if ticket.category in LEVEL_FIRST_CATEGORIES:
        return f"{ticket.category}: highest level first"
    return None


def _wait(ticket: Ticket, pick: _Pick, actor: Actor, now: datetime) -> RoutingOutcome:
    """Leave the ticket in its queue and say why on it: once per reason, and not for a moment's lock conflict."""
    last = next((e for e in reversed(ticket.events) if e.kind == "routing"), None)
    if pick.lasting and (last is None or last.data.get("waiting") != pick.why_nobody):
        record_event(ticket, actor, now, "routing", {"waiting": pick.why_nobody, "queue": ticket.queue.code})
    return RoutingOutcome(ticket.id, None, _waits_in(ticket.queue, pick.why_nobody))


def _all_full(count: int, skill: str, channel: Channel) -> str:
    return f"the one agent on shift with {skill} is at capacity for {channel.value}" if count == 1 else \
        f"all {count} agents on shift with {skill} are at capacity for {channel.value}"


def _waits_in(queue: Queue, why: str) -> str:
    return f"waits in {queue.name}: {why}"

