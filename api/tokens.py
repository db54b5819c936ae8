"""Integration tokens: minted once, stored only as a sha256 hash, checked in constant time.

A token is 32 random bytes (URL-safe base64) behind a short `sd_` prefix so it
is recognisable in a config file or a leak scanner. Only its hash is stored:
a stolen database does not hold usable tokens. Finding the row by the hash
through the unique index is safe because the hash of an unguessable token
reveals nothing an attacker can steer; the final comparison is constant time
all the same, so no timing difference depends on how much of a hash matched.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from shiftdesk.errors import UserError
from store import integrations

PREFIX = "sd_"
HINT_LENGTH = 8
# Writing last_used_at on every call would turn each read into a write; once a minute is enough to see use.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Caller:
    """The integration a request was authenticated as."""

    id: int
    name: str


@dataclass(frozen=True)
class IntegrationInfo:
    name: str
    token_hint: str
    active: bool
    created_at: datetime
    last_used_at: datetime | None


class InvalidToken(Exception):
    """No token, an unknown one, or one that was revoked: the API answers 401 without saying which."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, name: str, now: datetime) -> str:
    """Create the integration `name` and return its token (shown once; only the hash is kept)."""
    clean = name.strip()
    if not clean or len(clean) > 80:
        raise UserError(f"integration name must be 1-80 characters, got '{name}'")
    token = PREFIX + secrets.token_urlsafe(32)
    integrations.add_integration(session, clean, hash_token(token), token[:HINT_LENGTH], now)
    return token


def authenticate(session: Session, token: str | None, now: datetime) -> Caller:
    """The active integration holding `token`; raises InvalidToken otherwise. Notes the use."""
    if not token:
        raise InvalidToken
    presented = hash_token(token)
    found = integrations.integration_by_token_hash(session, presented)
    if found is None or not hmac.compare_digest(found.token_hash, presented) or not found.active:
        raise InvalidToken
    if found.last_used_at is None or now - found.last_used_at >= TOUCH_EVERY:
        found.last_used_at = now
    return Caller(found.id, found.name)


def revoke(session: Session, name: str) -> None:
    """Deactivate an integration: its token stops working at once; its history stays."""
    integrations.integration_by_name(session, name).active = False


def listing(session: Session) -> list[IntegrationInfo]:
    return [IntegrationInfo(i.name, i.token_hint, i.active, i.created_at, i.last_used_at)
            for i in integrations.all_integrations(session)]
