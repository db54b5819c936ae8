"""CSV import of tickets: every row is checked before anything is stored.

Columns (header names, any order): `queue` and `subject` are required;
`external_id`, `body`, `channel`, `customer_tier`, `category`, `priority`,
`customer_name`, `customer_email`, `created_at`, `first_response_at`,
`solved_at`, `closed_at` are optional. Times are ISO 8601; one without an
offset is read in the site's zone. A file with any bad row is refused as a
whole with every problem listed by row and column (row 2 is the first data
row, as a spreadsheet shows it). Rows whose `external_id` was imported before
are skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shiftdesk.errors import UserError
from store import tickets as ticket_store
from store.enums import Channel, CustomerTier, Priority
from store.org import queue_by_code
from tickets import lifecycle
from tickets.lifecycle import Actor, NewTicket

REQUIRED = ("queue", "subject")
OPTIONAL = ("external_id", "body", "channel", "customer_tier", "category", "priority", "customer_name",
            "customer_email", "created_at", "first_response_at", "solved_at", "closed_at")
TIMES = ("created_at", "first_response_at", "solved_at", "closed_at")
MAX_ERRORS_SHOWN = 20


@dataclass
class ImportReport:
    created: int = 0
    skipped: int = 0
    ticket_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    number: int
    ticket: NewTicket
    times: dict[str, datetime | None]


def import_csv(session: Session, source: Path | str, actor: Actor, now: datetime, zone: str) -> ImportReport:
    """Import a CSV file (path) or CSV text; raises UserError listing every bad row, storing nothing."""
    text = _read_text(source)
    rows = _validate(session, text, ZoneInfo(zone), now)
    report = ImportReport()
    known = ticket_store.existing_external_ids(session, [r.ticket.external_id for r in rows if r.ticket.external_id])
    for row in rows:
        if row.ticket.external_id in known:
            report.skipped += 1
            continue
        report.ticket_ids.append(_create(session, row, actor, now))
        report.created += 1
    return report


def _create(session: Session, row: _Row, actor: Actor, now: datetime) -> int:
    """Replay the row's history through the lifecycle, so its audit trail and SLA clocks are real."""
    created_at = row.times["created_at"] or now
    ticket, _ = lifecycle.create_ticket(session, row.ticket, actor, created_at)
    if (replied := row.times["first_response_at"]) is not None:
        lifecycle.agent_reply(session, ticket.id, "(reply recorded in the imported system)", actor, replied)
    if (solved := row.times["solved_at"]) is not None:
        lifecycle.set_status(session, ticket.id, "solved", actor, solved)
    if (closed := row.times["closed_at"]) is not None:
        lifecycle.set_status(session, ticket.id, "closed", actor, closed)
    return ticket.id


def _read_text(source: Path | str) -> str:
    if isinstance(source, Path):
        if not source.is_file():
            raise UserError(f"{source}: no such file")
        try:
            return source.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UserError(f"{source}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 CSV") from None
    return source.removeprefix("\ufeff")


def _validate(session: Session, text: str, zone: ZoneInfo, now: datetime) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise UserError(f"CSV header lacks required column(s) {', '.join(missing)} (found: {', '.join(header) or 'none'})")
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    if unknown:
        raise UserError(f"CSV header has unknown column(s) {', '.join(unknown)}; allowed: {', '.join(REQUIRED + OPTIONAL)}")
    errors: list[str] = []
    rows: list[_Row] = []
    seen_ids: dict[str, int] = {}
    queues: dict[str, bool] = {}
    for number, raw in enumerate(reader, start=2):
        if None in raw:
            errors.append(f"row {number}: more fields than columns in the header")
            continue
        values = {key.strip(): (value or "").strip() for key, value in raw.items()}
        row_errors: list[str] = []
        _check_row(session, values, number, zone, now, queues, seen_ids, row_errors)
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(_Row(number, _new_ticket(values), {name: _time(values.get(name), zone) for name in TIMES}))
    if errors:
        shown = "\n  ".join(errors[:MAX_ERRORS_SHOWN])
        more = f"\n  ... and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise UserError(f"CSV refused, nothing imported ({len(errors)} problem(s)):\n  {shown}{more}")
    if not rows:
        raise UserError("CSV has a header but no rows")
    return rows


def _check_row(session: Session, values: dict[str, str], number: int, zone: ZoneInfo, now: datetime,
               queues: dict[str, bool], seen_ids: dict[str, int], errors: list[str]) -> None:
    def bad(column: str, problem: str) -> None:
        errors.append(f"row {number}, column {column}: {problem}")

    for column in REQUIRED:
        if not values.get(column):
            bad(column, "empty")
    queue = values.get("queue", "")
    if queue and queue not in queues:
        try:
            queue_by_code(session, queue)
            queues[queue] = True
        except UserError:
            queues[queue] = False
    if queue and not queues[queue]:
        bad("queue", f"unknown queue '{queue}'")
    for column, enum in (("channel", Channel), ("customer_tier", CustomerTier), ("priority", Priority)):
        value = values.get(column, "").lower()
        if value and value not in {member.value for member in enum}:
            bad(column, f"'{values[column]}' is not one of {', '.join(m.value for m in enum)}")
    if len(values.get("subject", "")) > lifecycle.MAX_SUBJECT:
        bad("subject", f"longer than {lifecycle.MAX_SUBJECT} characters")
    if len(values.get("body", "")) > lifecycle.MAX_BODY:
        bad("body", f"longer than {lifecycle.MAX_BODY} characters")
    external_id = values.get("external_id", "")
    if external_id:
        if external_id in seen_ids:
            bad("external_id", f"'{external_id}' repeats row {seen_ids[external_id]}")
        seen_ids[external_id] = number
    times: dict[str, datetime] = {}
    for column in TIMES:
        if values.get(column):
            try:
                times[column] = _time(values[column], zone)  # type: ignore[assignment]
            except ValueError:
                bad(column, f"'{values[column]}' is not an ISO 8601 time such as 2026-11-26 09:30 or 2026-11-26T01:30Z")
    for column, moment in times.items():
        if moment > now:
            bad(column, f"{values[column]} is in the future")
    order = [column for column in TIMES if column in times]
    for earlier, later in zip(order, order[1:]):
        if times[later] < times[earlier]:
            bad(later, f"{values[later]} is before {earlier} {values[earlier]}")
    if "closed_at" in times and "solved_at" not in times:
        bad("solved_at", "a closed ticket needs solved_at")


def _new_ticket(values: dict[str, str]) -> NewTicket:
    return NewTicket(
        queue=values["queue"],
        subject=values["subject"],
        body=values.get("body", ""),
        channel=values.get("channel") or None,
        customer_tier=values.get("customer_tier") or CustomerTier.STANDARD.value,
        category=values.get("category") or None,
        priority=values.get("priority") or None,
        customer_name=values.get("customer_name") or None,
        customer_email=values.get("customer_email") or None,
        external_id=values.get("external_id") or None,
    )


def _time(text: str | None, zone: ZoneInfo) -> datetime | None:
    if not text:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
