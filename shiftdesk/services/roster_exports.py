"""A roster version as files: one table (CSV or Excel) and one ICS calendar per agent.

Times are the shifts' local wall-clock times in the site's zone (the calendar
events carry the zone, so a phone shows them right wherever it is); a night
shift ends on the next day and is marked as night duty.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from icalendar import Calendar, Event

from store.schema import Roster, RosterAssignment

PRODUCT_ID = "-//ShiftDesk//Roster//EN"


def roster_table(roster: Roster, zone: str) -> pd.DataFrame:
    """One row per worked shift: employee, date, shift, skill, local start and end."""
    tz = ZoneInfo(zone)
    rows = []
    for a in sorted(roster.assignments, key=lambda a: (a.employee.name, a.day)):
        start, end = shift_times(a, tz)
        rows.append({
            "employee_id": a.employee_id, "employee": a.employee.name, "date": a.day.isoformat(),
            "shift": a.shift_type.code, "shift_name": a.shift_type.name,
            "skill": a.skill.code if a.skill else "", "night": a.shift_type.is_night,
            "start": start.strftime("%Y-%m-%d %H:%M"), "end": end.strftime("%Y-%m-%d %H:%M"),
        })
    return pd.DataFrame(rows, columns=["employee_id", "employee", "date", "shift", "shift_name", "skill", "night",
                                       "start", "end"])


def shift_times(assignment: RosterAssignment, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local start and end of a worked shift (the end may fall on the next day)."""
    start = datetime.combine(assignment.day, assignment.shift_type.start_local, tzinfo=tz)
    return start, start + timedelta(minutes=assignment.shift_type.duration_minutes)


def agent_calendar(roster: Roster, employee_id: int, zone: str) -> bytes:
    """An ICS calendar of one agent's shifts in this version; UIDs are stable per agent and day,
    so importing a newer version updates the events instead of duplicating them."""
    tz = ZoneInfo(zone)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "ShiftDesk shifts")
    for a in sorted(roster.assignments, key=lambda a: a.day):
        if a.employee_id != employee_id:
            continue
        start, end = shift_times(a, tz)
        event = Event()
        event.add("uid", f"shift-{a.employee_id}-{a.day.isoformat()}@shiftdesk")
        event.add("summary", f"{a.shift_type.name}" + (f" · {a.skill.name}" if a.skill else ""))
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("sequence", roster.version)
        event.add("categories", ["night duty" if a.shift_type.is_night else "shift"])
        if a.shift_type.is_night:
            event.add("description", "Night duty: you are on call for urgent tickets of 24x7 queues.")
        calendar.add_component(event)
    calendar.add_missing_timezones()  # a VTIMEZONE, so any calendar app reads the local times right
    return calendar.to_ical()


def write_roster(roster: Roster, zone: str, out: Path) -> list[Path]:
    """Write the roster to `out`: a .csv or .xlsx file, or a folder with roster.csv, roster.xlsx and
    one `<employee>.ics` per agent. Returns the files written."""
    table = roster_table(roster, zone)
    if out.suffix.lower() == ".csv":
        table.to_csv(out, index=False)
        return [out]
    if out.suffix.lower() == ".xlsx":
        table.to_excel(out, index=False)
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "roster.csv", out / "roster.xlsx"]
    table.to_csv(written[0], index=False)
    table.to_excel(written[1], index=False)
    for employee_id, name in sorted({(a.employee_id, a.employee.name) for a in roster.assignments}):
        path = out / f"{employee_id}-{name.lower().replace(' ', '-')}.ics"
        path.write_bytes(agent_calendar(roster, employee_id, zone))
        written.append(path)
    return written
