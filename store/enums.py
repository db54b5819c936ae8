"""Closed vocabularies shared by the schema, the services and the pages.

Stored as short strings with a CHECK constraint (not native enums), so adding a
value is a plain migration on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    PLANNER = "planner"
    MANAGER = "manager"
    ADMIN = "admin"


class Channel(StrEnum):
    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"
    WEBFORM = "webform"
    API = "api"
    INTERNAL = "internal"  # queues that hold work moved by the desk itself, e.g. escalations


class CustomerTier(StrEnum):
    STANDARD = "standard"
    VIP = "vip"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    SOLVED = "solved"
    CLOSED = "closed"


class RosterStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class RequestStatus(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPLIED = "applied"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class RequestKind(StrEnum):
    SWAP = "swap"  # two agents exchange shifts
    GIVE_AWAY = "give_away"  # an agent offers a shift; a colleague takes it
    OPEN_SHIFT = "open_shift"  # a gap a planner posts; an agent volunteers
    OVERTIME = "overtime"  # an extra shift
    TIME_OFF = "time_off"  # full or partial days off, with a reason


class NotificationChannel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    WEBHOOK = "webhook"


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class ForecastStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
