"""Acknowledging a night page over HTTP, on a real uvicorn on loopback (SQLite and PostgreSQL).

The page's own token authenticates the call (no bearer token); the address is
the one printed in the page the duty agent received.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from store.db import session_scope
from store.schema import Notification, Page
from tests.api.conftest import LOOPBACK, UvicornThread
from tests.desk_factory import build_small_desk, local
from tickets import lifecycle
from tickets.lifecycle import Actor, NewTicket
from tickets.oncall import oncall_pass, page_for_ticket

NIGHT = local(2026, 11, 26, 2, 0)  # Zhang Min is on the night shift
ACKED_AT = NIGHT + timedelta(minutes=3)
ACK_PATH = re.compile(r"POST \S+(/api/v1/pages/[^/\s]+/ack)")


@pytest.fixture
def night_api(factory) -> Iterator[httpx.Client]:
    """The API with its clock three minutes after a device-down ticket paged Zhang Min at 02:00."""
    with session_scope(factory) as session:
        build_small_desk(session, NIGHT)
        ticket, _ = lifecycle.create_ticket(session, NewTicket(queue="vip", subject="Terminal dead",
                                                               category="device_down"), Actor("api:shop"), NIGHT)
        page_for_ticket(session, ticket, NIGHT)
    server = UvicornThread(create_app(factory, lambda: ACKED_AT)).start()
    with httpx.Client(base_url=f"http://{LOOPBACK}:{server.port}", timeout=30) as client:
        yield client
    server.stop()


def _ack_path(factory) -> str:
    """The API address as printed in the page Zhang Min was mailed."""
    with factory() as session:
        body = session.scalar(select(Notification.body).where(Notification.channel == "email"))
    return ACK_PATH.search(body).group(1)


def _pages(factory):
    with factory() as session:
        return [(p.step, p.status, p.acked_by) for p in session.scalars(select(Page).order_by(Page.step))]


def test_the_duty_agent_acknowledges_over_http_and_the_chain_stops(factory, night_api) -> None:
    path = _ack_path(factory)
    response = night_api.post(path)  # no Authorization header: the token in the address is the credential
    assert response.status_code == 200, response.text
    assert response.json() == {"ticket_id": 1, "step": 1, "recipient": "Zhang Min", "status": "acked",
                               "acked_at": "2026-11-25T18:03:00Z", "acked_by": "Zhang Min via API",
                               "newly_acked": True}
    for minutes in (5, 10, 15, 30):
        with session_scope(factory) as session:
            oncall_pass(session, NIGHT + timedelta(minutes=minutes))
    assert _pages(factory) == [(1, "acked", "Zhang Min via API")]

    again = night_api.post(path)  # a retry (or a second tap) answers with the first acknowledgement
    assert again.status_code == 200
    assert again.json()["newly_acked"] is False and again.json()["acked_at"] == "2026-11-25T18:03:00Z"


@pytest.mark.parametrize(("path", "status", "detail"), [
    ("/api/v1/pages/pg_not-a-real-token-at-all/ack", 404, "no page has this acknowledgement token"),
    ("/api/v1/pages/short/ack", 422, "path.token: String should have at least 8 characters"),
])
def test_a_wrong_token_is_refused_and_changes_nothing(factory, night_api, path, status, detail) -> None:
    response = night_api.post(path)
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)
    assert _pages(factory) == [(1, "open", None)]


def test_the_ack_address_only_takes_post(factory, night_api) -> None:
    assert night_api.get(_ack_path(factory)).status_code == 405
    assert _pages(factory) == [(1, "open", None)]

