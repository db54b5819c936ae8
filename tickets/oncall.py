"""Night duty (夜间值守): page the on-call person for an urgent night ticket until someone acknowledges.

Which tickets: new or open tickets of a 24x7 SLA tier (its calendar runs
around the clock, e.g. "VIP complaint", "Device down") with a clock still
running, that arrive, or become such a ticket, while the night duty is on
(see `tickets.oncall_nights`). One chain per ticket; its steps, each sent at
most once:

  1 duty agent   someone on a night shift now: the ticket's assignee if on
                 night duty, else the one with the queue's skill at the
                 highest level
  2 re-page      the duty agent again, if still on a night shift
  3 standby      the first active person on the team's standby list (by
                 position) who is neither paged already nor on night duty
                 now, and has no approved time off now. Standby people agreed
                 to be reached off shift; that is what the list is for.
  4 manager      the desk managers (one page row; every manager is told)

A step with nobody to page is skipped: a night with nobody rostered starts
at the standby list. The duty steps never page anyone who is not on a night
shift at that instant. Each page waits `ack_minutes` (default 5) for an
acknowledgement, then the worker sends the next step; the manager's page is
the last. So an unanswered chain reaches the manager 15 minutes after the
first page.

Exactly once: a page row is unique per (ticket, step) and inserted with "on
conflict do nothing"; its notifications carry the outbox key
`oncall:<ticket>:<step>`; the worker locks due pages with SKIP LOCKED. Each
page carries its own deadline (`escalate_at`), fixed when it was sent.

Acknowledging any page of a chain (by its link token, in the app, or over
the API) stops the chain at once; solving the ticket resolves its pages. The
token is random and only its sha256 is stored in `pages`; the link itself
travels in the outbox row that delivers it (the transport has to hold the
message) and is worthless once the chain is acknowledged or resolved.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shiftdesk.auth import CurrentUser, require
from shiftdesk.errors import UserError
from shiftdesk.settings import Settings
from store import oncall_queries
from store.org import team_zone
from store.people import Contact, contact_for_employees, manager_contacts
from store.schema import Page, Team, Ticket
from tickets import sla
from tickets.deadlines import active_policy, sla_history
from tickets.lifecycle import Actor, record_event
from tickets.notify import Message, notify
from tickets.on_shift import OnShiftAgent
from tickets.oncall_nights import around_the_clock_tiers, duty_agents, night_at
from tickets.sla_policy import TicketAttributes

DEFAULT_ACK_MINUTES = 5
STEP_DUTY, STEP_REPAGE, STEP_STANDBY, STEP_MANAGER = 1, 2, 3, 4
STEP_LABELS = {STEP_DUTY: "duty agent", STEP_REPAGE: "re-page", STEP_STANDBY: "standby", STEP_MANAGER: "manager"}
OPEN, ACKED, ESCALATED, RESOLVED = "open", "acked", "escalated", "resolved"
TOKEN_PREFIX = "pg_"
ACK_API_PATH = "/api/v1/pages/{token}/ack"  # the route in api/app.py
ONCALL = Actor("oncall")


class UnknownPage(UserError):
    """No page has this acknowledgement token (mistyped, or a link from another desk)."""


@dataclass(frozen=True)
class AckLinks:
    """Where the people paged acknowledge: the app's ack page and the API (base URLs as they reach them)."""

    app_url: str
    api_url: str

    @classmethod
    def of_deployment(cls) -> AckLinks:
        """The addresses this deployment is reached at (SHIFTDESK_APP_URL / SHIFTDESK_API_URL)."""
        settings = Settings.from_env()
        return cls(settings.app_url, settings.api_url)

    def page(self, token: str) -> str:
        return f"{self.app_url.rstrip('/')}/ack?token={token}"

    def api(self, token: str) -> str:
        return self.api_url.rstrip("/") + ACK_API_PATH.format(token=token)




@dataclass
class OnCallReport:
    """What one worker pass did."""

    paged: int = 0  # chains started
    escalated: int = 0  # pages that moved on to the next step
    exhausted: int = 0  # chains with nobody left to page (they stay open for an acknowledgement)
    resolved: int = 0  # open pages closed because their ticket was solved
    notifications: int = 0


@dataclass(frozen=True)
class AckResult:
    """The chain after an acknowledgement: `newly_acked` is False when it was already acknowledged or resolved."""

    page_id: int
    ticket_id: int
    ticket_subject: str
    step: int
    recipient_name: str
    status: str  # acked or resolved
    acked_at: datetime | None
    acked_by: str | None
    newly_acked: bool


# --- who each step pages ---------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    step: int
    contacts: list[Contact]
    employee_id: int | None
    user_id: int | None
    name: str
    reason: str


@dataclass
class _Chain:
    """One ticket's chain while a step is being chosen and sent, in the caller's transaction."""

    session: Session
    ticket: Ticket
    now: datetime
    ack_minutes: int
    links: AckLinks
    report: OnCallReport
    pages: list[Page] = field(default_factory=list)
    _duty: list[OnShiftAgent] | None = None

    @property
    def team_id(self) -> int:
        return self.ticket.queue.team_id

    def duty(self) -> list[OnShiftAgent]:
        if self._duty is None:
            self._duty = duty_agents(self.session, self.team_id, self.now)
        return self._duty

    def sent(self, step: int) -> Page | None:
        return next((p for p in self.pages if p.step == step), None)

    def employee_target(self, step: int, employee_id: int, reason: str) -> _Target | str:
        contact = contact_for_employees(self.session, [employee_id]).get(employee_id)
        if contact is None:
            return f"employee #{employee_id} not found"
        return _Target(step, [contact], employee_id, contact.user_id, contact.name, reason)


def _best_on_duty(chain: _Chain) -> OnShiftAgent | None:
    """The ticket's assignee when on night duty, else the night agent with the queue's skill at the highest level."""
    agents = chain.duty()
    assignee = next((a for a in agents if a.employee_id == chain.ticket.assignee_id), None)
    if assignee is not None or not agents:
        return assignee
    skill = chain.ticket.queue.skill.code
    return max(agents, key=lambda a: (a.skills.get(skill, 0), -a.employee_id))


def _duty_target(chain: _Chain) -> _Target | str:
    agent = _best_on_duty(chain)
    if agent is None:
        return "nobody is on a night shift now"
    return chain.employee_target(STEP_DUTY, agent.employee_id,
                                 f"on night duty ({agent.shift_name}, until {_local(chain, agent.ends_at)})")


def _repage_target(chain: _Chain) -> _Target | str:
    first = chain.sent(STEP_DUTY)
    if first is None:
        return "nobody was on night duty to page again"
    agents = chain.duty()
    agent = next((a for a in agents if a.employee_id == first.employee_id), None) or _best_on_duty(chain)
    if agent is None:
        return f"{first.recipient_name}'s night shift is over and nobody else is on one"
    again = "again, " if agent.employee_id == first.employee_id else ""
    return chain.employee_target(STEP_REPAGE, agent.employee_id,
                                 f"{again}on night duty; no acknowledgement in {chain.ack_minutes} min")


def _standby_target(chain: _Chain) -> _Target | str:
    excluded = {p.employee_id for p in chain.pages} | {a.employee_id for a in chain.duty()}
    candidates = [(e, pos) for e, pos in oncall_queries.standby_employees(chain.session, chain.team_id)
                  if e.id not in excluded]
    away = oncall_queries.on_time_off(chain.session, [e.id for e, _ in candidates], chain.now)
    pick = next(((e, pos) for e, pos in candidates if e.id not in away), None)
    if pick is None:
        return "nobody reachable on the standby list"
    employee, position = pick
    return chain.employee_target(STEP_STANDBY, employee.id, f"standby list position {position}")


def _manager_target(chain: _Chain) -> _Target | str:
    contacts = manager_contacts(chain.session)
    if not contacts:
        return "no desk manager has a login"
    first = contacts[0]
    return _Target(STEP_MANAGER, contacts, first.employee_id, first.user_id, ", ".join(c.name for c in contacts),
                   "desk manager, last step of the night chain")


STEPS: dict[int, Callable[[_Chain], _Target | str]] = {
    STEP_DUTY: _duty_target,
    STEP_REPAGE: _repage_target,
    STEP_STANDBY: _standby_target,
    STEP_MANAGER: _manager_target,
}
"""The dispatch table: each step's finder returns whom to page, or why nobody (the step is then skipped)."""


# --- starting and advancing a chain ----------------------------------------------------


@dataclass(frozen=True)
class _Advance:
    page: Page | None  # the page sent; None when nobody is left to page
    raced: bool = False  # another transaction sent this step first


def page_for_ticket(session: Session, ticket: Ticket, now: datetime, *, ack_minutes: int = DEFAULT_ACK_MINUTES,
                    links: AckLinks | None = None) -> Page | None:
    """Start the night chain for a new (or newly urgent) ticket if it qualifies; the first page sent, else None.

    Call it after creating a ticket or changing its attributes, in the same transaction, holding the
    ticket (a new one, or one locked by the change); calling it again, or for a ticket that does not
    qualify, does nothing.
    """
    _check_minutes(ack_minutes)
    return _start(session, ticket, now, ack_minutes, links or AckLinks.of_deployment(), OnCallReport())


def oncall_pass(session: Session, now: datetime, limit: int = 200, *, ack_minutes: int = DEFAULT_ACK_MINUTES,
                links: AckLinks | None = None) -> OnCallReport:
    """One worker pass in the caller's transaction: close the pages of solved tickets, send the next step of
    each chain whose acknowledgement time ran out, and page qualifying tickets that have no page yet.

    Each part takes at most `limit` rows, locked with SKIP LOCKED, so passes running side by side on
    PostgreSQL share the work and never send a step twice.
    """
    _check_minutes(ack_minutes)
    links = links or AckLinks.of_deployment()
    report = OnCallReport()
    finished = oncall_queries.lock_open_pages_of_finished_tickets(session, limit)
    _resolve(session, finished, now, report)
    for page in oncall_queries.lock_due_pages(session, now, limit):
        _escalate(session, page, now, ack_minutes, links, report)
    tiers = around_the_clock_tiers(session)
    for team_id in oncall_queries.team_ids(session):
        night = night_at(session, team_id, now)
        if night is None:
            continue
        for ticket in oncall_queries.lock_unpaged_tickets(session, team_id, tiers, night.starts_at, limit):
            _start(session, ticket, now, ack_minutes, links, report)
    return report


def _start(session: Session, ticket: Ticket, now: datetime, ack_minutes: int, links: AckLinks,
           report: OnCallReport) -> Page | None:
    if not _qualifies(session, ticket, now):
        return None
    chain = _Chain(session, ticket, now, ack_minutes, links, report)
    page = _advance(chain, 0, "urgent ticket at night").page
    report.paged += page is not None
    return page


def _qualifies(session: Session, ticket: Ticket, now: datetime) -> bool:
    """A new/open ticket of a 24x7 tier with a running clock, urgent since the night began (and not after
    `now`: a ticket cannot be paged before it exists), never paged."""
    if ticket.status not in oncall_queries.PAGEABLE_STATUSES or ticket.sla_tier not in around_the_clock_tiers(session):
        return False
    if not any((ticket.first_response_due_at, ticket.next_reply_due_at, ticket.resolution_due_at)):
        return False
    night = night_at(session, ticket.queue.team_id, now)
    since = urgent_since(session, ticket)
    if night is None or since is None or not night.starts_at <= since <= now:
        return False
    return not oncall_queries.ticket_has_pages(session, ticket.id)


def urgent_since(session: Session, ticket: Ticket) -> datetime | None:
    """When the ticket last entered a 24x7 tier (its creation, or the change that upgraded it); None if not in one.

    A day ticket still open at night is not paged: the day shift handed it over with the queue.
    """
    policy, _ = active_policy(session)
    attributes: dict[str, str] = {}
    since = None
    for event in sla_history(ticket.events):
        if isinstance(event, sla.TicketCreated):
            attributes = vars(event.attributes).copy()
        elif isinstance(event, sla.AttributesChanged):
            attributes.update(event.changes)
        else:
            continue
        tier = policy.tier_for(TicketAttributes(**attributes))
        urgent = tier is not None and tier.calendar.is_24x7
        since = (since or event.at) if urgent else None
    return since


def _escalate(session: Session, page: Page, now: datetime, ack_minutes: int, links: AckLinks,
              report: OnCallReport) -> None:
    """Send the step after `page` (locked by the caller), whose acknowledgement time has run out."""
    ticket = session.get_one(Ticket, page.ticket_id)
    if ticket.status in oncall_queries.FINISHED_STATUSES:
        _resolve(session, [page], now, report)
        return
    chain = _Chain(session, ticket, now, ack_minutes, links, report,
                   pages=oncall_queries.pages_of_ticket(session, ticket.id))
    outcome = _advance(chain, page.step, f"{page.recipient_name} did not acknowledge in time")
    if outcome.raced:
        return
    page.escalate_at = None
    if outcome.page is None:
        report.exhausted += 1
        _trail(ticket, ONCALL, now, page.step, "page_exhausted",
               f"Night page: nobody left to page after {page.recipient_name}; waiting for an acknowledgement")
        return
    page.status = ESCALATED
    report.escalated += 1


def _advance(chain: _Chain, after_step: int, why: str) -> _Advance:
    """Page the first step after `after_step` that has somebody to page; skipped steps are noted in the trail."""
    skipped = []
    for step in range(after_step + 1, STEP_MANAGER + 1):
        target = STEPS[step](chain)
        if isinstance(target, str):
            skipped.append(f"{STEP_LABELS[step]}: {target}")
            continue
        page = _send(chain, target, why, skipped)
        return _Advance(page, raced=page is None)
    return _Advance(None)


def _send(chain: _Chain, target: _Target, why: str, skipped: list[str]) -> Page | None:
    """Insert the page and enqueue its notifications; None if this step was already sent."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    escalate_at = None if target.step == STEP_MANAGER else chain.now + timedelta(minutes=chain.ack_minutes)
    page_id = oncall_queries.insert_page(chain.session, {
        "ticket_id": chain.ticket.id, "step": target.step, "employee_id": target.employee_id,
        "user_id": target.user_id, "recipient_name": target.name[:120], "status": OPEN,
        "ack_token_hash": hash_token(token), "sent_at": chain.now, "escalate_at": escalate_at,
    })
    if page_id is None:
        return None
    team = chain.session.get_one(Team, chain.team_id)
    chain.report.notifications += notify(chain.session, _message(chain, target, token, escalate_at),
                                         target.contacts, chain.now, team.webhook_url)
    record_event(chain.ticket, ONCALL, chain.now, "escalation", {
        "step": f"page-{target.step}", "action": "page",
        "summary": f"Night page {target.step}/{STEP_MANAGER} ({STEP_LABELS[target.step]}) to {target.name}: {why}"
                   + (f"; skipped {'; '.join(skipped)}" if skipped else ""),
        "recipients": [{"name": c.name, "reason": target.reason} for c in target.contacts],
    })
    page = chain.session.get_one(Page, page_id)
    chain.pages.append(page)
    return page


def _message(chain: _Chain, target: _Target, token: str, escalate_at: datetime | None) -> Message:
    ticket = chain.ticket
    tag = {STEP_DUTY: "Night duty", STEP_REPAGE: "Night duty, 2nd page", STEP_STANDBY: "Standby",
           STEP_MANAGER: "Manager"}[target.step]
    subject = f"[{tag}] Ticket #{ticket.id} ({ticket.sla_tier}): {ticket.subject}"[:300]
    dues = [d for d in (ticket.first_response_due_at, ticket.next_reply_due_at, ticket.resolution_due_at) if d]
    deadline = (f"acknowledge by {_local(chain, escalate_at)} or the page goes to the next person"
                if escalate_at else "you are the last step of the chain")
    body = (
        f"{subject}\n\n"
        f"Ticket #{ticket.id}: {ticket.subject}\n"
        f"Queue: {ticket.queue.name} · priority {ticket.priority.value} · {ticket.customer_tier.value} customer · "
        f"tier {ticket.sla_tier}\n"
        f"SLA due: {_local(chain, min(dues))}\n"
        f"Why you: {target.reason}\n\n"
        f"Please acknowledge ({deadline}):\n"
        f"  {chain.links.page(token)}\n"
        f"  or POST {chain.links.api(token)}\n"
    )
    return Message(
        key=f"oncall:{ticket.id}:{target.step}", subject=subject, body=body, ticket_id=ticket.id,
        data={"page_step": target.step, "ack_url": chain.links.page(token), "ack_api": chain.links.api(token),
              "escalates_at": escalate_at.isoformat() if escalate_at else None},
    )


# --- acknowledging and resolving -------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def acknowledge(session: Session, token: str, now: datetime, *, via: str,
                user: CurrentUser | None = None) -> AckResult:
    """Acknowledge by the token of any page of a chain (link or API): the chain stops at once.

    The token is the authority, so no login is needed; `user` names who used it when signed in,
    otherwise the person it was sent to is credited. Acknowledging twice answers with the first.
    """
    presented = hash_token(token.strip())
    page = oncall_queries.page_by_token_hash(session, presented)
    if page is None or not hmac.compare_digest(page.ack_token_hash, presented):
        raise UnknownPage("no page has this acknowledgement token: check the link, or ask the desk manager")
    who = user.display_name if user else page.recipient_name
    actor = Actor(f"user:{user.login}", user.id) if user else Actor(f"page-token:{via}")
    return _acknowledge_chain(session, page.ticket_id, page.id, now, f"{who} via {via}", actor)


def acknowledge_own(session: Session, user: CurrentUser, page_id: int, now: datetime) -> AckResult:
    """A signed-in person acknowledges a page that was sent to them (from the ack page or their inbox)."""
    require(user, "notifications.own")
    page = oncall_queries.page(session, page_id)
    if page is None or not _addressed_to(page, user):
        raise UserError(f"page #{page_id} was not sent to you; use the link in the page you received")
    return _acknowledge_chain(session, page.ticket_id, page.id, now, f"{user.display_name} in the app",
                              Actor(f"user:{user.login}", user.id))


def _addressed_to(page: Page, user: CurrentUser) -> bool:
    return page.user_id == user.id or (user.employee_id is not None and page.employee_id == user.employee_id)


def _acknowledge_chain(session: Session, ticket_id: int, page_id: int, now: datetime, who: str,
                       actor: Actor) -> AckResult:
    pages = oncall_queries.pages_of_ticket(session, ticket_id, lock=True)
    page = next(p for p in pages if p.id == page_id)
    first_ack = next((p for p in pages if p.status == ACKED), None)
    open_pages = [p for p in pages if p.status == OPEN]
    ticket = session.get_one(Ticket, ticket_id)
    if first_ack is not None or not open_pages:
        return _result(ticket, page, first_ack, newly=False)
    for acked in {p.id: p for p in (page, *open_pages)}.values():
        acked.status, acked.acked_at, acked.acked_by, acked.escalate_at = ACKED, now, who[:120], None
    _trail(ticket, actor, now, page.step, "page_ack", f"Night page acknowledged by {who}: the chain stops")
    return _result(ticket, page, page, newly=True)


def _result(ticket: Ticket, page: Page, acked: Page | None, *, newly: bool) -> AckResult:
    return AckResult(page.id, ticket.id, ticket.subject, page.step, page.recipient_name,
                     ACKED if acked else RESOLVED, acked.acked_at if acked else None,
                     acked.acked_by if acked else None, newly)


def resolve_pages(session: Session, ticket_id: int, now: datetime) -> int:
    """Close a solved ticket's open pages (call it when the ticket is solved); returns how many.

    A page a worker holds at that moment is left to the worker's next pass, which closes it.
    """
    report = OnCallReport()
    _resolve(session, oncall_queries.lock_open_pages_of_ticket(session, ticket_id), now, report)
    return report.resolved


def _resolve(session: Session, pages: list[Page], now: datetime, report: OnCallReport) -> None:
    """Close locked open pages of solved tickets; one trail entry per ticket."""
    for page in pages:
        page.status, page.escalate_at = RESOLVED, None
        report.resolved += 1
    for ticket_id in sorted({p.ticket_id for p in pages}):
        step = max(p.step for p in pages if p.ticket_id == ticket_id)
        _trail(session.get_one(Ticket, ticket_id), ONCALL, now, step, "page_resolved",
               "Night page closed: the ticket is solved")


def _trail(ticket: Ticket, actor: Actor, now: datetime, step: int, action: str, summary: str) -> None:
    record_event(ticket, actor, now, "escalation", {"step": f"page-{step}", "action": action, "summary": summary})


# --- what the pages show ---------------------------------------------------------------


@dataclass(frozen=True)
class PageView:
    """A page as the ack page and the panel show it; times local to the team."""

    id: int
    ticket_id: int
    ticket_subject: str
    step: int
    step_label: str
    recipient_name: str
    status: str
    sent_at: datetime
    escalate_at: datetime | None
    acked_at: datetime | None
    acked_by: str | None


def page_view(session: Session, page: Page, ticket: Ticket) -> PageView:
    zone = ZoneInfo(team_zone(session, ticket.queue.team_id))

    def local(value: datetime | None) -> datetime | None:
        return value.astimezone(zone) if value else None

    return PageView(page.id, ticket.id, ticket.subject, page.step, STEP_LABELS.get(page.step, str(page.step)),
                    page.recipient_name, page.status, page.sent_at.astimezone(zone), local(page.escalate_at),
                    local(page.acked_at), page.acked_by)


def page_by_token(session: Session, token: str) -> PageView:
    """The page a link points to, to show before acknowledging it."""
    page = oncall_queries.page_by_token_hash(session, hash_token(token.strip()))
    if page is None:
        raise UnknownPage("no page has this acknowledgement token: check the link, or ask the desk manager")
    return page_view(session, page, session.get_one(Ticket, page.ticket_id))


def my_open_pages(session: Session, user: CurrentUser) -> list[PageView]:
    """Open pages sent to the signed-in person, oldest first."""
    require(user, "notifications.own")
    return [page_view(session, p, t) for p, t in oncall_queries.open_pages_for(session, user.employee_id, user.id)]


def _local(chain: _Chain, value: datetime) -> str:
    zone = ZoneInfo(team_zone(chain.session, chain.team_id))
    return f"{value.astimezone(zone):%a %d %b %H:%M}"


def _check_minutes(ack_minutes: int) -> None:
    if isinstance(ack_minutes, bool) or not isinstance(ack_minutes, int) or ack_minutes < 1:
        raise UserError(f"acknowledgement time must be a whole number of minutes >= 1, got {ack_minutes!r}")
