"""Training from the desk's tickets, stored versions, and suggestions, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store import classifiers as classifier_store
from store.db import make_engine, make_session_factory, session_scope
from store.schema import ClassifierModel
from tests.desk_factory import build_small_desk, local
from tests.tickets.test_classify_model import fixture_tickets
from tickets import classify_service, lifecycle
from tickets.classify import blob
from tickets.classify.blob import to_bytes
from tickets.classify_service import CORRECTED_WEIGHT, ClassifierCache, examples_for, suggest, train_targets
from tickets.lifecycle import Actor, NewTicket

NOW = local(2026, 11, 26, 10, 0)
AGENT = Actor("user:li.na")
INTAKE = Actor("api:shop")
QUEUE_OF = {"billing": "vip", "delivery": "vip", "login": "tech_email", "bug": "tech_email"}
LEFT_NEW = 4  # the last tickets stay new: nobody has looked at them
CORRECTED = 3  # the first tickets arrive as "inquiry" and an agent sets the category


@pytest.fixture
def sqlite_factory(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """For the tests whose SQL is already exercised on both backends by the others."""
    engine = make_engine(sqlite_url)
    yield make_session_factory(engine)
    engine.dispose()


def desk_with_fixture_tickets(factory: sessionmaker[Session]) -> list[int]:
    """The 48 fixture tickets: worked by an agent except the last few; the first few corrected by an agent."""
    rows = fixture_tickets()
    ids = []
    with session_scope(factory) as session:
        build_small_desk(session, NOW)
        for number, row in enumerate(rows):
            corrected = number < CORRECTED
            ticket, _ = lifecycle.create_ticket(session, NewTicket(
                queue=QUEUE_OF[row["category"]], subject=row["subject"], body=row["body"],
                category="inquiry" if corrected else row["category"], priority=row["priority"],
            ), INTAKE, NOW)
            if corrected:
                lifecycle.change_attributes(session, ticket.id, AGENT, NOW, category=row["category"])
            if number < len(rows) - LEFT_NEW:
                lifecycle.set_status(session, ticket.id, "open", AGENT, NOW)
            ids.append(ticket.id)
    return ids


def test_labelled_tickets_are_worked_or_corrected_and_corrections_weigh_more(factory) -> None:
    ids = desk_with_fixture_tickets(factory)
    with session_scope(factory) as session:
        # A change by an integration is no correction; a person's change of a new ticket is.
        lifecycle.change_attributes(session, ids[-2], INTAKE, NOW, priority="high")
        lifecycle.change_attributes(session, ids[-1], AGENT, NOW, priority="normal")
    with factory() as session:
        tickets = classifier_store.training_tickets(session)
    assert [t.ticket_id for t in tickets] == ids
    assert tickets[0].corrected == frozenset({"category"}) and tickets[-2].corrected == frozenset()
    category = examples_for(tickets, "category")
    assert len(category.labels) == 48 - LEFT_NEW and category.corrected == CORRECTED
    assert category.weights[:CORRECTED] == [CORRECTED_WEIGHT] * CORRECTED and set(category.weights[CORRECTED:]) == {1.0}
    priority = examples_for(tickets, "priority")
    assert len(priority.labels) == 48 - LEFT_NEW + 1  # the new ticket whose priority an agent set
    assert priority.labels[-1] == "normal" and priority.weights[-1] == CORRECTED_WEIGHT


def test_training_stores_active_versions_and_suggests(factory) -> None:
    desk_with_fixture_tickets(factory)
    with session_scope(factory) as session:
        outcomes = {o.target: o for o in train_targets(session, NOW)}
    assert {t: o.version for t, o in outcomes.items()} == {"category": 1, "priority": 1, "queue": 1}
    assert outcomes["category"].labelled == 44 and outcomes["category"].corrected == CORRECTED
    assert outcomes["priority"].result.dropped_labels == {"urgent": 1}  # the other one is still new

    cache = ClassifierCache()
    with factory() as session:
        stored = {m.target: m for m in classifier_store.active_models(session)}
        assert stored["queue"].labels == ["tech_email", "vip"] and stored["category"].trained_on == 44
        metrics = stored["category"].metrics
        assert metrics["corrected_rows"] == CORRECTED and 0.0 <= metrics["macro_f1"] <= 1.0
        assert len(metrics["confusion"]["matrix"]) == 4 and metrics["scored_on"].startswith("3-fold")
        suggestions = suggest(session, "包裹还没有送到", "快递一个星期了还没到，物流也查不到", cache=cache)
        first = cache.active(session)["category"]
    assert set(suggestions) == {"category", "priority", "queue"}
    assert suggestions["category"].label == "delivery" and suggestions["queue"].label == "vip"

    with session_scope(factory) as session:
        assert [o.version for o in train_targets(session, NOW, ["category"])] == [2]
    with factory() as session:
        rows = session.execute(select(ClassifierModel.target, ClassifierModel.version, ClassifierModel.active)
                               .order_by(ClassifierModel.target, ClassifierModel.version)).all()
        assert [tuple(r) for r in rows] == [("category", 1, False), ("category", 2, True),
                                            ("priority", 1, True), ("queue", 1, True)]
        reloaded = cache.active(session)
        assert reloaded["category"] is not first  # the new version was loaded
        assert cache.active(session)["category"] is reloaded["category"]  # and is kept until the next one


def test_a_target_with_one_label_is_skipped_and_nothing_trained_is_said(sqlite_factory) -> None:
    with session_scope(sqlite_factory) as session:
        build_small_desk(session, NOW)
        assert [o.skipped for o in train_targets(session, NOW)] == [
            "no labelled tickets yet (worked by an agent or corrected)"] * 3
        for number in range(4):
            ticket, _ = lifecycle.create_ticket(session, NewTicket(queue="tech_email", subject=f"crash {number}",
                                                                   category="bug"), AGENT, NOW)
            lifecycle.set_status(session, ticket.id, "open", AGENT, NOW)
        outcomes = train_targets(session, NOW, ["category"])
    assert outcomes[0].version is None and outcomes[0].skipped == "every labelled ticket has category 'bug'"


def test_a_model_this_process_cannot_load_gives_no_suggestion(sqlite_factory, monkeypatch: pytest.MonkeyPatch,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    desk_with_fixture_tickets(sqlite_factory)
    with session_scope(sqlite_factory) as session:
        result = train_targets(session, NOW, ["category"])[0].result
        with monkeypatch.context() as patched:
            patched.setattr(blob.sklearn, "__version__", "1.0.2")
            old = to_bytes(result.classifier)
        classifier_store.store_model(session, target="queue", created_at=NOW, trained_on=1, labels=["vip"],
                                     metrics={}, blob=old)
    with sqlite_factory() as session, caplog.at_level(logging.WARNING, logger=classify_service.__name__):
        suggestions = suggest(session, "refund", "charged twice", cache=ClassifierCache())
    assert set(suggestions) == {"category"}
    assert "queue version 1 not used" in caplog.text and "saved by scikit-learn 1.0.2" in caplog.text
