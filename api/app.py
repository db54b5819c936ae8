"""The HTTP API for channels and integrations: create a ticket, add a customer reply, read a ticket.

Thin by design: it checks tokens, validates JSON into the models of
`api.models`, turns errors into status codes, and calls the same lifecycle
functions as the pages and the CLI, so every rule lives once in tickets/.
Each request's change runs in one transaction (a failure stores nothing).

Retries: a POST with an `Idempotency-Key` header stores its answer beside the
change, in the same transaction; the same key with the same request replays
that answer, with a different request it is a 409. Two copies racing each
other both try to store the key; the unique constraint lets one commit and
the other rolls back (its ticket too) and replays the winner's answer.

`create_app(session_factory, clock)` takes its database and clock from the
caller, so tests run it on a fixed instant and a throwaway database;
`app_from_settings()` is the production wiring uvicorn imports.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api import tokens
from api.limits import BodySizeLimit
from api.models import (
    AttachmentOut,
    ErrorOut,
    ReplyAdded,
    ReplyIn,
    SlaClock,
    TicketCreated,
    TicketEventOut,
    TicketIn,
    TicketOut,
)
from shiftdesk.errors import UserError
from store import integrations
from store.messages import attachments_of
from store.db import session_scope
from store.schema import Ticket
from tickets import intake, lifecycle, oncall
from tickets.desk_view import ticket_detail

PREFIX = "/api/v1"
EVENTS_SHOWN = 20
REPLAYED_HEADER = "Idempotent-Replayed"

Clock = Callable[[], datetime]
Work = Callable[[Session, datetime, tokens.Caller], tuple[int, BaseModel]]

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "Malformed JSON."},
    401: {"model": ErrorOut, "description": "No token, or an unknown or revoked one."},
    413: {"model": ErrorOut, "description": "Request body over the size limit."},
    422: {"model": ErrorOut, "description": "A field is missing or wrong (e.g. an unknown queue); names the field."},
}


class NotFound(Exception):
    """The ticket in the path does not exist."""


class KeyReused(Exception):
    """An Idempotency-Key came back with a different request."""


def create_app(session_factory: sessionmaker[Session], clock: Clock) -> FastAPI:
    """The API application over one database and one clock."""
    app = FastAPI(
        title="ShiftDesk API",
        version="1",
        description="Create tickets, add customer replies and read ticket status. "
                    "Authenticate with `Authorization: Bearer <token>` (`shiftdesk api token create NAME`).",
    )
    app.state.desk = _Desk(session_factory, clock)
    app.add_middleware(BodySizeLimit)
    _install_error_handlers(app)
    app.include_router(router)
    return app


def app_from_settings() -> FastAPI:
    """The application on the configured database and the real clock (uvicorn's factory)."""
    from shiftdesk.clock import utc_now
    from shiftdesk.runtime import session_factory

    return create_app(session_factory(), utc_now)


class _Desk:
    """The database and clock behind the routes, and the one place requests become transactions."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock) -> None:
        self.session_factory = session_factory
        self.clock = clock
        # SQLite admits one writer at a time, and writers that collide wait in its busy handler, which sleeps
        # in steps of up to 100 ms: queueing this process's writers on a lock hands over at once instead.
        bind = session_factory.kw.get("bind")
        self._one_writer = threading.Lock() if bind is not None and bind.dialect.name == "sqlite" else nullcontext()

    def caller(self, token: str | None) -> tokens.Caller:
        with session_scope(self.session_factory) as session:
            return tokens.authenticate(session, token, self.clock())

    def read(self, work: Callable[[Session, datetime], BaseModel]) -> JSONResponse:
        with self.session_factory() as session:
            return JSONResponse(work(session, self.clock()).model_dump(mode="json"))

    def write(self, caller: tokens.Caller, key: str | None, fingerprint: str, work: Work) -> JSONResponse:
        """Run `work` in one transaction, at most once per idempotency key; retried once after a lost race."""
        with self._one_writer:
            try:
                return self._write_once(caller, key, fingerprint, work)
            except IntegrityError:
                # A twin request committed the same key (or external id) first: now we see its result.
                return self._write_once(caller, key, fingerprint, work)

    def _write_once(self, caller: tokens.Caller, key: str | None, fingerprint: str, work: Work) -> JSONResponse:
        with session_scope(self.session_factory) as session:
            now = self.clock()
            if key is not None:
                stored = integrations.stored_request(session, caller.id, key)
                if stored is not None:
                    if stored.request_hash != fingerprint:
                        raise KeyReused(key)
                    return JSONResponse(stored.response, status_code=stored.status_code,
                                        headers={REPLAYED_HEADER: "true"})
            status, answer = work(session, now, caller)
            body = answer.model_dump(mode="json")
            if key is not None:
                integrations.store_request(session, caller.id, key, fingerprint, status, body, now)
        return JSONResponse(body, status_code=status)


bearer = HTTPBearer(auto_error=False, description="An integration token (`shiftdesk api token create NAME`).")
router = APIRouter(prefix=PREFIX)


def _desk(request: Request) -> _Desk:
    desk: _Desk = request.app.state.desk
    return desk


def _caller(request: Request,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> tokens.Caller:
    """The integration behind the bearer token, checked before the body is looked at (401 first)."""
    return _desk(request).caller(credentials.credentials if credentials else None)


Caller = Annotated[tokens.Caller, Depends(_caller)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                              description="Send the same key when retrying the same POST.")]


@router.get("/health", tags=["meta"])
def health() -> dict[str, bool]:
    """Liveness: answers without a token or a database call."""
    return {"ok": True}


@router.post("/tickets", status_code=201, response_model=TicketCreated, tags=["tickets"],
             responses={200: {"model": TicketCreated, "description": "external_id known: the existing ticket."},
                        409: {"model": ErrorOut, "description": "Idempotency-Key reused for another request."},
                        **ERRORS})
def create_ticket(payload: TicketIn, request: Request, who: Caller, key: IdempotencyKey = None) -> JSONResponse:
    """Open a ticket (201), or return the one with this external_id (200)."""
    return _desk(request).write(who, key, _fingerprint(request, payload),
                                lambda session, now, caller: _create(session, now, caller, payload))


@router.post("/tickets/{ticket_id}/replies", response_model=ReplyAdded, tags=["tickets"],
             responses={404: {"model": ErrorOut, "description": "No such ticket."},
                        409: {"model": ErrorOut, "description": "Idempotency-Key reused for another request."},
                        **ERRORS})
def add_reply(ticket_id: int, payload: ReplyIn, request: Request, who: Caller,
              key: IdempotencyKey = None) -> JSONResponse:
    """A customer's reply: a pending or solved ticket opens again (closed ones refuse: 422)."""
    return _desk(request).write(who, key, _fingerprint(request, payload),
                                lambda session, now, caller: _reply(session, now, caller, ticket_id, payload))


@router.get("/tickets/{ticket_id}", response_model=TicketOut, tags=["tickets"],
            responses={404: {"model": ErrorOut, "description": "No such ticket."}, **ERRORS})
def get_ticket(ticket_id: int, request: Request, who: Caller) -> JSONResponse:
    """Status, queue, assignee, SLA deadlines and clocks, and the latest events."""
    return _desk(request).read(lambda session, now: _ticket_out(session, now, ticket_id))


class PageAckOut(BaseModel):
    """A night page's chain after an acknowledgement."""

    ticket_id: int
    step: int
    recipient: str
    status: str  # "acked", or "resolved" when the ticket was solved first
    acked_at: datetime | None
    acked_by: str | None
    newly_acked: bool  # false: it had already been acknowledged (the first acknowledgement is shown)


@router.post("/pages/{token}/ack", response_model=PageAckOut, tags=["on-call"],
             responses={404: {"model": ErrorOut, "description": "No page has this token."}})
def acknowledge_page(request: Request,
                     token: Annotated[str, Path(min_length=8, max_length=100,
                                                description="The token from the page's link.")]) -> JSONResponse:
    """Acknowledge a night page: the chain stops at once. The page's own token authenticates (no bearer
    token: the person paged may have nothing else); a repeat answers with the first acknowledgement."""
    desk = _desk(request)
    try:
        with session_scope(desk.session_factory) as session:
            result = oncall.acknowledge(session, token, desk.clock(), via="API")
    except oncall.UnknownPage as error:
        return _error(404, str(error))
    return JSONResponse(PageAckOut(
        ticket_id=result.ticket_id, step=result.step, recipient=result.recipient_name, status=result.status,
        acked_at=_utc(result.acked_at), acked_by=result.acked_by, newly_acked=result.newly_acked,
    ).model_dump(mode="json"))


def _create(session: Session, now: datetime, caller: tokens.Caller, payload: TicketIn) -> tuple[int, TicketCreated]:
    opened = intake.open_ticket(session, _new_ticket(payload), _actor(caller), now)
    ticket, created = opened.ticket, opened.created
    return (201 if created else 200), TicketCreated(
        id=ticket.id, created=created, status=ticket.status.value, queue=ticket.queue.code,
        sla_tier=ticket.sla_tier, first_response_due_at=ticket.first_response_due_at,
        resolution_due_at=ticket.resolution_due_at, url=f"{PREFIX}/tickets/{ticket.id}",
    )


def _new_ticket(payload: TicketIn) -> lifecycle.NewTicket:
    """Omitted optional fields keep the lifecycle's defaults."""
    given = payload.model_dump(exclude_none=True, mode="json")
    return lifecycle.NewTicket(**given)


def _reply(session: Session, now: datetime, caller: tokens.Caller, ticket_id: int,
           payload: ReplyIn) -> tuple[int, ReplyAdded]:
    _existing(session, ticket_id)
    ticket = lifecycle.customer_reply(session, ticket_id, payload.body, _actor(caller), now)
    return 200, ReplyAdded(id=ticket.id, status=ticket.status.value, next_reply_due_at=ticket.next_reply_due_at,
                           resolution_due_at=ticket.resolution_due_at)


def _ticket_out(session: Session, now: datetime, ticket_id: int) -> TicketOut:
    ticket = _existing(session, ticket_id)
    detail = ticket_detail(session, ticket_id, now)
    events = [e for e in detail.trail if e.kind != "note"][-EVENTS_SHOWN:]
    return TicketOut(
        id=ticket.id, status=detail.status, subject=detail.subject, queue=ticket.queue.code,
        queue_name=detail.queue, channel=detail.channel, priority=detail.priority,
        customer_tier=detail.customer_tier, category=detail.category, assignee=detail.assignee,
        sla_tier=detail.sla_tier, created_at=_utc(detail.created_at),
        first_response_due_at=ticket.first_response_due_at, next_reply_due_at=ticket.next_reply_due_at,
        resolution_due_at=ticket.resolution_due_at,
        sla_clocks=[SlaClock(metric=c.metric, cycle=c.cycle, tier=c.tier, target_minutes=c.target_minutes,
                             due_at=_utc(c.due_at), fulfilled_at=_utc(c.fulfilled_at), state=c.state.value,
                             remaining_minutes=c.remaining_minutes) for c in detail.clocks],
        events=[TicketEventOut(at=_utc(e.at), actor=e.actor, kind=e.kind, text=e.text) for e in events],
        attachments=[AttachmentOut(filename=a.filename, content_type=a.content_type, size_bytes=a.size_bytes,
                                   sha256=a.sha256) for a in attachments_of(session, ticket_id)],
    )


def _existing(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(ticket_id)
    return ticket


def _actor(caller: tokens.Caller) -> lifecycle.Actor:
    return lifecycle.Actor(f"api:{caller.name}")


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def _fingerprint(request: Request, payload: BaseModel) -> str:
    """What makes two requests "the same" for an idempotency key: method, path and the parsed body."""
    canonical = json.dumps({"method": request.method, "path": request.url.path,
                            "body": payload.model_dump(mode="json")}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _install_error_handlers(app: FastAPI) -> None:
    """Every refusal is JSON with a `detail` sentence; validation errors also list each field."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem(error) for error in exc.errors()]
        malformed = [p for p, e in zip(problems, exc.errors(), strict=True) if e.get("type") == "json_invalid"]
        if malformed:
            return _error(400, f"malformed JSON: {malformed[0]['message']}", malformed)
        return _error(422, "; ".join(f"{p['field']}: {p['message']}" for p in problems), problems)

    @app.exception_handler(UserError)
    async def refused(_request: Request, exc: UserError) -> JSONResponse:
        return _error(422, str(exc))

    @app.exception_handler(tokens.InvalidToken)
    async def unauthorised(_request: Request, _exc: tokens.InvalidToken) -> JSONResponse:
        response = _error(401, "missing, unknown or revoked token: send `Authorization: Bearer <token>`")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return _error(404, f"no ticket #{exc.args[0]}")

    @app.exception_handler(KeyReused)
    async def key_reused(request: Request, exc: KeyReused) -> JSONResponse:
        return _error(409, f"Idempotency-Key '{exc.args[0]}' was already used for a different request; "
                           f"send a new key for a new {request.method} {request.url.path}")


def _problem(error: dict[str, Any]) -> dict[str, str]:
    """A field path without FastAPI's leading 'body' (the JSON document is the body)."""
    location = [str(part) for part in error.get("loc", ())]
    if location[:1] == ["body"]:
        location = location[1:]
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "json_invalid":
        message = f"{error.get('ctx', {}).get('error', message)} at character {location[-1]}"
        location = []
    return {"field": ".".join(location) or "body", "message": message}


def _error(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse(ErrorOut(detail=detail, errors=errors).model_dump(exclude_none=True), status_code=status)
