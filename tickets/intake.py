"""Every channel's way in: one function that opens a ticket the way the desk wants it opened.

The API, the e-mail poller, the web form and the CLI all call `open_ticket`:
what the sender left open (queue, category, priority) is filled from the
trained classifier when it is confident, and otherwise left to a person (a
triage note, or the triage queue when even the queue is unknown); then the
ticket is created (audit trail, SLA clocks), routed to a skilled agent on
shift now, and, at night, a 24x7 tier pages the engineer on duty. All in the
caller's transaction, so a failure anywhere stores nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from shiftdesk.errors import UserError
from store.org import queue_exists
from store.schema import Ticket
from tickets import lifecycle, oncall, routing
from tickets.lifecycle import Actor, NewTicket

TRIAGE_QUEUE = "triage"
SUGGESTED = ("queue", "category", "priority")


@dataclass(frozen=True)
class IntakeResult:
    ticket: Ticket
    created: bool
    suggested: dict[str, str]  # fields the classifier filled
    triage: dict[str, str]  # fields left to a person, with the classifier's best guess ("" when it has none)
    routing: str  # what routing did, in words ("routed to Li Na: technical L3, ...", or why it waits)
    paged: bool


def open_ticket(session: Session, new: NewTicket, actor: Actor, now: datetime, *, classify: bool = True) -> IntakeResult:
    """Create the ticket `new` describes (idempotent on its external id), then route it and page if due."""
    if new.external_id:
        existing = lifecycle.find_by_external_id(session, new.external_id)
        if existing is not None:
            return IntakeResult(existing, False, {}, {}, "already known: nothing routed again", False)
    filled, suggested, triage = _classified(session, new) if classify else (new, {}, {})
    if filled.queue is None:
        if not queue_exists(session, TRIAGE_QUEUE):
            raise UserError("no queue given and the classifier is not sure which: choose a queue")
        filled = dataclasses.replace(filled, queue=TRIAGE_QUEUE)
    ticket, created = lifecycle.create_ticket(session, filled, actor, now)
    if triage:
        hints = ", ".join(f"{name} maybe '{guess}'" if guess else f"{name} unknown" for name, guess in triage.items())
        lifecycle.record_event(ticket, Actor("classifier"), now, "triage",
                               {"fields": sorted(triage), "hints": triage, "note": f"left to a person: {hints}"})
    routed = "waits in triage for a person to choose its queue"
    if ticket.queue.code != TRIAGE_QUEUE:
        routed = routing.route_ticket(session, ticket.id, now).text
    paged = oncall.page_for_ticket(session, ticket, now) is not None
    return IntakeResult(ticket, created, suggested, triage, routed, paged)


def _classified(session: Session, new: NewTicket) -> tuple[NewTicket, dict[str, str], dict[str, str]]:
    """Fill the open fields from confident predictions; report the unsure ones as triage hints."""
    wanted = [name for name in SUGGESTED if getattr(new, name) is None]
    if not wanted:
        return new, {}, {}
    from tickets.classify_service import suggest  # scikit-learn loads in seconds: only when a field is open

    predictions = suggest(session, new.subject, new.body)
    suggested, triage = {}, {}
    for name in wanted:
        prediction = predictions.get(name)
        if prediction is None:
            if name == "queue":  # nothing trained to choose it: a person must
                triage[name] = ""
            continue
        if prediction.needs_triage or (name == "queue" and not queue_exists(session, prediction.label)):
            triage[name] = prediction.label
        else:
            suggested[name] = prediction.label
    return dataclasses.replace(new, **suggested), suggested, triage
