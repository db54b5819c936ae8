"""CSV import: all-or-nothing, every problem named by row and column, idempotent by external id."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shiftdesk.errors import UserError
from store.db import session_scope
from store.schema import Ticket
from tests.desk_factory import build_small_desk, local
from tickets.importer import import_csv
from tickets.lifecycle import Actor

NOW = local(2026, 11, 26, 12, 0)
ACTOR = Actor("import:test.csv")
GOOD = (
    "external_id,queue,subject,priority,customer_tier,category,created_at,first_response_at,solved_at\n"
    "Z-1,tech_email,Cannot log in,high,standard,login,2026-11-26 09:00,2026-11-26 09:40,\n"
    "Z-2,vip,Refund missing,,vip,complaint,2026-11-26T01:10:00+00:00,,2026-11-26T01:30:00+00:00\n"
    'Z-3,tech_email,"Quoted, with comma",,,,,,\n'
)


def _import(factory, text):
    with session_scope(factory) as session:
        return import_csv(session, text, ACTOR, NOW, "Asia/Shanghai")


def _count(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(Ticket))


def test_import_replays_history_and_is_idempotent(factory) -> None:
    with session_scope(factory) as session:
        build_small_desk(session, NOW)
    report = _import(factory, GOOD)
    assert (report.created, report.skipped) == (3, 0)
    again = _import(factory, GOOD)
    assert (again.created, again.skipped) == (0, 3)
    assert _count(factory) == 3
    with factory() as session:
        first = session.scalars(select(Ticket).where(Ticket.external_id == "Z-1")).one()
        assert first.created_at == local(2026, 11, 26, 9, 0) and first.first_response_at == local(2026, 11, 26, 9, 40)
        assert first.status.value == "open" and [e.kind for e in first.events] == ["created", "agent_reply", "status"]
        vip = session.scalars(select(Ticket).where(Ticket.external_id == "Z-2")).one()
        assert vip.status.value == "solved" and vip.sla_tier == "VIP complaint"
        quoted = session.scalars(select(Ticket).where(Ticket.external_id == "Z-3")).one()
        assert quoted.subject == "Quoted, with comma" and quoted.created_at == NOW


@pytest.mark.parametrize(
    ("text", "messages"),
    [
        ("queue,title\nvip,x\n", ["CSV header lacks required column(s) subject (found: queue, title)"]),
        ("queue,subject,colour\nvip,x,red\n", ["CSV header has unknown column(s) colour"]),
        ("queue,subject\n", ["CSV has a header but no rows"]),
        (
            "external_id,queue,subject,priority,created_at,solved_at,closed_at\n"
            "A,vip,ok,,,,\n"
            "B,nope,,asap,2026-11-26 25:00,,\n"
            "A,vip,dup,,2026-11-27 09:00,,\n"
            "C,vip,late,,2026-11-26 10:00,2026-11-26 09:00,2026-11-26 11:00\n"
            "D,vip,closed only,,2026-11-26 08:00,,2026-11-26 09:00\n"
            "E,vip,too,many,fields,,,,\n",
            [
                "row 3, column subject: empty",
                "row 3, column queue: unknown queue 'nope'",
                "row 3, column priority: 'asap' is not one of low, normal, high, urgent",
                "row 3, column created_at: '2026-11-26 25:00' is not an ISO 8601 time",
                "row 4, column external_id: 'A' repeats row 2",
                "row 4, column created_at: 2026-11-27 09:00 is in the future",
                "row 5, column solved_at: 2026-11-26 09:00 is before created_at 2026-11-26 10:00",
                "row 6, column solved_at: a closed ticket needs solved_at",
                "row 7: more fields than columns in the header",
            ],
        ),
    ],
)
def test_a_bad_file_names_every_problem_and_imports_nothing(factory, text, messages) -> None:
    with session_scope(factory) as session:
        build_small_desk(session, NOW)
    with pytest.raises(UserError) as caught:
        _import(factory, text)
    for message in messages:
        assert message in str(caught.value)
    assert _count(factory) == 0


def test_not_utf8_is_refused_clearly(factory, tmp_path) -> None:
    with session_scope(factory) as session:
        build_small_desk(session, NOW)
    path = tmp_path / "gbk.csv"
    path.write_bytes("queue,subject\nvip,无法登录\n".encode("gbk"))
    with pytest.raises(UserError, match="not UTF-8 text"):
        with session_scope(factory) as session:
            import_csv(session, path, ACTOR, NOW, "Asia/Shanghai")
