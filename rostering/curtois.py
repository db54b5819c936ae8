"""Curtois & Qu shift-scheduling instances (Instance1..24) mapped onto the
product's domain, and roster CSV files in the benchmark's exchange format.

The instances have no clock times, skills, nights or intervals, so the mapping
is: day 0 is a Monday (2024-01-01) in UTC; every shift type starts at 00:00
(all lengths are at most 24 h, so shifts on consecutive days never overlap and
there is no minimum rest); one skill `general`; cover lines become
`ShiftDemand`s with their own weights; days off become `TimeOff`; the
minimum-run rules exempt runs touching either end of the horizon; fairness and
overtime weights are zero. The product's own model and validator then solve
and score them, so the benchmark measures the real engine.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from rostering.domain import (
    Assignment,
    Contract,
    Employee,
    Problem,
    Roster,
    Rules,
    ShiftDemand,
    ShiftRequest,
    ShiftType,
    TimeOff,
    Weights,
)
from rostering.errors import InstanceFormatError

SKILL = "general"
START_DATE = date(2024, 1, 1)  # a Monday, as the format requires for day 0

_SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


@dataclass(frozen=True)
class _Line:
    number: int
    fields: list[str]


def read_sections(path: Path, text: str) -> dict[str, list[_Line]]:
    """Split the file into sections of comma-split records (CRLF or LF)."""
    out: dict[str, list[_Line]] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        if not line:
            current = None
            continue
        if line.startswith("SECTION_"):
            if line not in _SECTIONS:
                raise InstanceFormatError(f"{path}:{number}: unknown section {line}")
            if line in out:
                raise InstanceFormatError(f"{path}:{number}: section {line} appears twice")
            current = line
            out[line] = []
            continue
        if current is None:
            raise InstanceFormatError(f"{path}:{number}: record outside any section: {line!r}")
        out[current].append(_Line(number, [f.strip() for f in line.split(",")]))
    for name in ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF", "SECTION_COVER"):
        if name not in out:
            raise InstanceFormatError(f"{path}: missing {name}")
    return out


def _int(path: Path, line: _Line, index: int, what: str) -> int:
    try:
        return int(line.fields[index])
    except (IndexError, ValueError):
        raise InstanceFormatError(
            f"{path}:{line.number}: {what} must be an integer (field {index + 1})"
        ) from None


def load_instance(path: str | Path) -> Problem:
    """Read one instance file into a `Problem`.

    Raises `InstanceFormatError` naming file and line for anything malformed:
    unknown section, missing field, non-integer, unknown employee or shift
    type, day outside the horizon.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceFormatError(f"{path}: cannot read: {exc}") from exc
    sec = read_sections(path, text)

    horizon_lines = sec["SECTION_HORIZON"]
    if len(horizon_lines) != 1:
        raise InstanceFormatError(f"{path}: SECTION_HORIZON must hold exactly one number")
    num_days = _int(path, horizon_lines[0], 0, "horizon")
    if num_days < 1:
        raise InstanceFormatError(f"{path}:{horizon_lines[0].number}: horizon must be positive")

    def check_day(line: _Line, day: int) -> int:
        if not 0 <= day < num_days:
            raise InstanceFormatError(
                f"{path}:{line.number}: day {day} outside the horizon 0..{num_days - 1}"
            )
        return day

    shift_types: list[ShiftType] = []
    forbidden: set[tuple[str, str]] = set()
    raw_forbidden: list[tuple[_Line, str, list[str]]] = []
    for ln in sec["SECTION_SHIFTS"]:
        if len(ln.fields) < 2 or not ln.fields[0]:
            raise InstanceFormatError(f"{path}:{ln.number}: expected ShiftID,Length,Forbidden")
        length = _int(path, ln, 1, "shift length")
        if not 1 <= length <= 1440:
            raise InstanceFormatError(f"{path}:{ln.number}: shift length must be 1..1440 min")
        shift_types.append(ShiftType(ln.fields[0], time(0), length))
        after = ln.fields[2] if len(ln.fields) > 2 else ""
        raw_forbidden.append((ln, ln.fields[0], [b for b in after.split("|") if b]))
    shift_ids = {s.id for s in shift_types}
    if len(shift_ids) != len(shift_types):
        raise InstanceFormatError(f"{path}: duplicate shift id in SECTION_SHIFTS")
    for ln, a, bs in raw_forbidden:
        for b in bs:
            if b not in shift_ids:
                raise InstanceFormatError(f"{path}:{ln.number}: unknown shift type {b!r}")
            forbidden.add((a, b))

    employees: list[Employee] = []
    for ln in sec["SECTION_STAFF"]:
        if len(ln.fields) != 8 or not ln.fields[0]:
            raise InstanceFormatError(
                f"{path}:{ln.number}: expected 8 fields ID,MaxShifts,MaxTotalMinutes,"
                "MinTotalMinutes,MaxConsecutiveShifts,MinConsecutiveShifts,"
                "MinConsecutiveDaysOff,MaxWeekends"
            )
        max_per_type: dict[str, int] = {}
        for part in filter(None, ln.fields[1].split("|")):
            sid, _, value = part.partition("=")
            if sid not in shift_ids:
                raise InstanceFormatError(f"{path}:{ln.number}: unknown shift type {sid!r}")
            try:
                max_per_type[sid] = int(value)
            except ValueError:
                raise InstanceFormatError(
                    f"{path}:{ln.number}: MaxShifts value for {sid} must be an integer"
                ) from None
        contract = Contract(
            max_shifts_per_type=max_per_type,
            max_minutes_horizon=_int(path, ln, 2, "MaxTotalMinutes"),
            min_minutes_horizon=_int(path, ln, 3, "MinTotalMinutes"),
            max_consecutive_days=_int(path, ln, 4, "MaxConsecutiveShifts"),
            min_consecutive_days=_int(path, ln, 5, "MinConsecutiveShifts"),
            min_consecutive_days_off=_int(path, ln, 6, "MinConsecutiveDaysOff"),
            max_weekends=_int(path, ln, 7, "MaxWeekends"),
        )
        employees.append(Employee(ln.fields[0], {SKILL: 1}, contract))
    employee_ids = {e.id for e in employees}
    if len(employee_ids) != len(employees):
        raise InstanceFormatError(f"{path}: duplicate employee id in SECTION_STAFF")

    def check_employee(line: _Line) -> str:
        emp = line.fields[0]
        if emp not in employee_ids:
            raise InstanceFormatError(f"{path}:{line.number}: unknown employee {emp!r}")
        return emp

    def check_shift(line: _Line, sid: str) -> str:
        if sid not in shift_ids:
            raise InstanceFormatError(f"{path}:{line.number}: unknown shift type {sid!r}")
        return sid

    time_off: list[TimeOff] = []
    for ln in sec.get("SECTION_DAYS_OFF", []):
        emp = check_employee(ln)
        for k in range(1, len(ln.fields)):
            if ln.fields[k]:
                time_off.append(TimeOff(emp, check_day(ln, _int(path, ln, k, "day")), "day off"))

    requests: list[ShiftRequest] = []
    for name, want in (("SECTION_SHIFT_ON_REQUESTS", True), ("SECTION_SHIFT_OFF_REQUESTS", False)):
        for ln in sec.get(name, []):
            if len(ln.fields) != 4:
                raise InstanceFormatError(f"{path}:{ln.number}: expected EmployeeID,Day,ShiftID,Weight")
            emp = check_employee(ln)
            day = check_day(ln, _int(path, ln, 1, "day"))
            requests.append(
                ShiftRequest(emp, day, check_shift(ln, ln.fields[2]), want,
                             _int(path, ln, 3, "weight"))
            )

    demand: list[ShiftDemand] = []
    seen: set[tuple[int, str]] = set()
    for ln in sec["SECTION_COVER"]:
        if len(ln.fields) != 5:
            raise InstanceFormatError(
                f"{path}:{ln.number}: expected Day,ShiftID,Requirement,WeightUnder,WeightOver"
            )
        day = check_day(ln, _int(path, ln, 0, "day"))
        sid = check_shift(ln, ln.fields[1])
        if (day, sid) in seen:
            raise InstanceFormatError(f"{path}:{ln.number}: second cover line for day {day} {sid}")
        seen.add((day, sid))
        demand.append(
            ShiftDemand(day, sid, _int(path, ln, 2, "requirement"),
                        weight_under=_int(path, ln, 3, "weight under"),
                        weight_over=_int(path, ln, 4, "weight over"))
        )

    return Problem(
        name=path.stem,
        start_date=START_DATE,
        num_days=num_days,
        tz="UTC",
        shift_types=tuple(shift_types),
        employees=tuple(employees),
        rules=Rules(
            min_rest_min=0,
            forbidden_successions=frozenset(forbidden),
            exempt_runs_at_start=True,
            exempt_runs_at_end=True,
        ),
        weights=Weights(fair_nights=0, fair_weekends=0, fair_holidays=0,
                        overtime_per_min=0, changed_assignment=0),
        shift_demand=tuple(demand),
        requests=tuple(requests),
        time_off=tuple(time_off),
    )


def write_roster_csv(roster: Roster, path: str | Path) -> None:
    """Write `employee,day,shift`, one row per worked shift, sorted."""
    rows = sorted(roster.assignments, key=lambda a: (a.day, a.employee, a.shift))
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["employee", "day", "shift"])
        for a in rows:
            writer.writerow([a.employee, a.day, a.shift])


def read_roster_csv(path: str | Path) -> Roster:
    """Read a roster written by `write_roster_csv` (skill `general`)."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as fh:
        rows: Iterator[list[str]] = csv.reader(fh)
        header = next(rows, None)
        if header != ["employee", "day", "shift"]:
            raise InstanceFormatError(f"{path}:1: header must be employee,day,shift")
        out = []
        for number, row in enumerate(rows, start=2):
            try:
                emp, day, shift = row
                out.append(Assignment(emp, int(day), shift, SKILL))
            except ValueError:
                raise InstanceFormatError(f"{path}:{number}: expected employee,day,shift") from None
    return Roster(tuple(out))
