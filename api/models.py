"""What the HTTP API accepts and answers, as pydantic models (they also make the OpenAPI docs).

The vocabularies are the desk's own enums, so a wrong value is refused here
with the allowed ones listed; limits repeat the lifecycle's so an oversize
subject gets a 422 naming the field rather than a database error.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from store.enums import Channel, CustomerTier, Priority
from tickets.lifecycle import MAX_BODY, MAX_SUBJECT


class TicketIn(BaseModel):
    """A new ticket. Omitted fields take the desk's defaults (the queue's channel, normal priority)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    queue: str = Field(min_length=1, max_length=40, description="Queue code, e.g. tech_email.")
    subject: str = Field(min_length=1, max_length=MAX_SUBJECT)
    body: str = Field("", max_length=MAX_BODY)
    customer_name: str | None = Field(None, max_length=120)
    customer_email: str | None = Field(None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    channel: Channel | None = Field(None, description="Default: the queue's channel.")
    priority: Priority | None = None
    customer_tier: CustomerTier | None = None
    category: str | None = Field(None, min_length=1, max_length=60)
    external_id: str | None = Field(None, min_length=1, max_length=120,
                                    description="Your system's id: sending it again returns the same ticket.")


class ReplyIn(BaseModel):
    """A message from the customer on an existing ticket."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    body: str = Field(min_length=1, max_length=MAX_BODY)


class TicketCreated(BaseModel):
    id: int
    created: bool = Field(description="False when the external_id was known: the existing ticket is returned.")
    status: str
    queue: str
    sla_tier: str | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    url: str


class ReplyAdded(BaseModel):
    id: int
    status: str
    next_reply_due_at: datetime | None
    resolution_due_at: datetime | None


class SlaClock(BaseModel):
    metric: str
    cycle: int
    tier: str
    target_minutes: int
    due_at: datetime | None
    fulfilled_at: datetime | None
    state: str
    remaining_minutes: float


class TicketEventOut(BaseModel):
    at: datetime
    actor: str
    kind: str
    text: str


class AttachmentOut(BaseModel):
    filename: str
    content_type: str
    size_bytes: int
    sha256: str


class TicketOut(BaseModel):
    id: int
    status: str
    subject: str
    queue: str
    queue_name: str
    channel: str
    priority: str
    customer_tier: str
    category: str
    assignee: str | None
    sla_tier: str | None
    created_at: datetime
    first_response_due_at: datetime | None
    next_reply_due_at: datetime | None
    resolution_due_at: datetime | None
    sla_clocks: list[SlaClock]
    events: list[TicketEventOut] = Field(description="The latest events, oldest first; internal notes left out.")
    attachments: list[AttachmentOut] = Field(description="Files the customer sent (e-mail attachments).")


class FieldProblem(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    detail: str
    errors: list[FieldProblem] | None = None
