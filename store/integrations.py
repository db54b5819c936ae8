"""API integrations and their idempotency keys: rows only, no policy.

Token minting and checking live in `api/tokens.py`; this module stores and
finds the rows. Functions take a session and never commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shiftdesk.errors import UserError
from store.schema import ApiRequest, Integration


def add_integration(session: Session, name: str, token_hash: str, token_hint: str, now: datetime) -> Integration:
    """A new, active integration; a taken name is refused (names identify integrations in audit trails)."""
    if session.scalar(select(Integration.id).where(Integration.name == name)) is not None:
        raise UserError(f"an integration named '{name}' exists already (revoke it or pick another name)")
    integration = Integration(name=name, token_hash=token_hash, token_hint=token_hint, active=True, created_at=now)
    session.add(integration)
    session.flush()
    return integration


def integration_by_token_hash(session: Session, token_hash: str) -> Integration | None:
    return session.scalar(select(Integration).where(Integration.token_hash == token_hash))


def integration_by_name(session: Session, name: str) -> Integration:
    found = session.scalar(select(Integration).where(Integration.name == name))
    if found is None:
        known = ", ".join(session.scalars(select(Integration.name).order_by(Integration.name))) or "none"
        raise UserError(f"no integration named '{name}' (known: {known})")
    return found


def all_integrations(session: Session) -> list[Integration]:
    return list(session.scalars(select(Integration).order_by(Integration.name)))


def stored_request(session: Session, integration_id: int, idempotency_key: str) -> ApiRequest | None:
    return session.scalar(
        select(ApiRequest).where(ApiRequest.integration_id == integration_id,
                                 ApiRequest.idempotency_key == idempotency_key)
    )


def forget_requests_before(session: Session, cutoff: datetime, limit: int) -> int:
    """Delete at most `limit` stored requests made before `cutoff`, oldest first; returns how many."""
    oldest = select(ApiRequest.id).where(ApiRequest.created_at < cutoff).order_by(ApiRequest.created_at).limit(limit)
    return session.execute(delete(ApiRequest).where(ApiRequest.id.in_(oldest.scalar_subquery()))).rowcount


def store_request(session: Session, integration_id: int, idempotency_key: str, request_hash: str,
                  status_code: int, response: dict[str, Any], now: datetime) -> None:
    """Remember a request's answer; a concurrent twin makes the flush fail on the unique key."""
    session.add(ApiRequest(integration_id=integration_id, idempotency_key=idempotency_key,
                           request_hash=request_hash, status_code=status_code, response=response, created_at=now))
    session.flush()
