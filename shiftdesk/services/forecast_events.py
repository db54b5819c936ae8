"""User-defined forecast events (a promotion such as 11.11): checked, then stored for the team."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
from sqlalchemy.orm import Session

from shiftdesk.auth import CurrentUser, require
from shiftdesk.errors import UserError
from store import forecasts as forecast_store


def save_events(session: Session, user: CurrentUser, team_id: int, table: pd.DataFrame) -> int:
    """Replace the team's events with the rows of `table` (name, start_date, end_date, multiplier)."""
    require(user, "forecast.approve")
    rows = []
    for number, row in enumerate(table.to_dict(orient="records"), start=1):
        name = str(row.get("name") or "").strip()
        if not name and _blank(row.get("start_date")):
            continue  # an empty line the editor added
        start, end = _date(row.get("start_date"), number, "start_date"), _date(row.get("end_date") or row.get("start_date"), number, "end_date")
        if not name:
            raise UserError(f"event row {number}: name is empty")
        if end < start:
            raise UserError(f"event row {number} ({name}): end_date {end} is before start_date {start}")
        multiplier = row.get("multiplier")
        multiplier = None if _blank(multiplier) else float(multiplier)
        if multiplier is not None and multiplier <= 0:
            raise UserError(f"event row {number} ({name}): multiplier must be positive (or empty to learn it)")
        rows.append({"name": name, "start_date": start, "end_date": end, "multiplier": multiplier})
    forecast_store.replace_events(session, team_id, rows)
    return len(rows)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT or value == ""


def _date(value: object, number: int, column: str) -> date:
    if _blank(value):
        raise UserError(f"event row {number}: {column} is empty")
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise UserError(f"event row {number}: {column} '{value}' is not a date") from None
