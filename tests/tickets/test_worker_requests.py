"""The worker expires shift requests whose shift has started, on the demo desk."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from shiftdesk.auth import as_current_user
from shiftdesk.services import shift_requests as requests
from store.db import make_engine, make_session_factory, session_scope
from store.enums import RequestStatus
from store.schema import ShiftRequest, User
from tests.conftest import FIXED_NOW
from tests.desk_factory import local
from tickets.channels.base import DeliveryResult
from tickets.worker import run_pass


class Accepting:
    """A sender that delivers everything: this test is about expiry, not delivery."""

    def send(self, message, *, now) -> None:  # noqa: ANN001 - Sender protocol
        pass

    def send_batch(self, messages, *, now) -> list[DeliveryResult]:  # noqa: ANN001 - Sender protocol
        return [DeliveryResult(m.idempotency_key) for m in messages]

    def close(self) -> None:
        pass


def test_a_worker_pass_expires_a_request_whose_shift_has_started(demo_db) -> None:
    engine = make_engine(demo_db[0])
    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        wang_wei = as_current_user(session.scalars(select(User).where(User.login == "agent2")).one())
        offer = requests.propose_give_away(session, wang_wei, day=date(2026, 11, 28), now=FIXED_NOW)
        offer_id, starts_at = offer.id, offer.starts_at
    assert starts_at == local(2026, 11, 28, 15)

    before = run_pass(factory, Accepting(), "w1", lambda: starts_at - timedelta(minutes=1))
    assert before.expired_requests == 0
    after = run_pass(factory, Accepting(), "w1", lambda: starts_at)
    assert after.expired_requests == 1 and after.busy
    with factory() as session:
        request = session.get_one(ShiftRequest, offer_id)
        assert request.status is RequestStatus.EXPIRED
        assert [(e.action, e.actor, e.at) for e in request.events][-1] == ("expire", "ShiftDesk", starts_at)
    engine.dispose()
