"""File handling behind `shiftdesk staffing`: read the queue settings and the forecast, write tables.

Kept apart from the command's definition so that loading the CLI does not load pandas.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from forecasting.staffing import QueueConfig, StaffingResult, queue_configs_from_records
from shiftdesk.errors import UserError

_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def read_queue_configs(path: Path, defaults: dict[str, object]) -> list[QueueConfig]:
    """Queue settings from a CSV, JSON (a list of objects, or {"queues": [...]}) or Excel file."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            records = data.get("queues") if isinstance(data, dict) else data
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise UserError(f'{path}: expected a list of queue objects (or {{"queues": [...]}})')
        elif suffix in (".csv", ".xlsx"):
            read = pd.read_csv if suffix == ".csv" else pd.read_excel
            records = read(path, dtype=str, keep_default_na=False).to_dict("records")
        else:
            raise UserError(f"{path}: queue settings must be .csv, .json or .xlsx")
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot read queue settings ({exc})") from None
    if not records:
        raise UserError(f"{path}: no queues")
    return queue_configs_from_records(records, defaults)


def read_forecast(path: Path, tz: ZoneInfo | None) -> pd.DataFrame:
    """The forecast with its timestamps parsed to tz-aware datetimes (see `parse_timestamps`)."""
    try:
        frame = pd.read_csv(path, dtype={"queue": str}) if path.suffix.lower() != ".xlsx" else pd.read_excel(path)
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: cannot read the forecast ({exc})") from None
    for column in ("timestamp", "queue", "mean"):
        if column not in frame.columns:
            raise UserError(f"{path}: no column {column!r} (has {', '.join(map(str, frame.columns))})")
    frame["timestamp"] = parse_timestamps(frame["timestamp"], frame["queue"], tz)
    return frame


def parse_timestamps(text: pd.Series, queue: pd.Series, tz: ZoneInfo | None) -> pd.Series:
    """Tz-aware timestamps from ISO text.

    With UTC offsets in the file, the instants are kept and shown in `tz`,
    or in the file's offset when it has only one. Without offsets, `tz` is
    required; a repeated hour at the autumn DST change is resolved per queue
    from the order of the rows.
    """
    text = text.astype(str).str.strip()
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    if parsed.isna().any():
        row = int(parsed.isna().to_numpy().argmax())
        raise UserError(f"forecast row {row + 1}: column 'timestamp' is not a date and time: {text.iloc[row]!r}")
    offsets = text.str.extract(_OFFSET, expand=False)
    has_offset = offsets.notna()
    if has_offset.all():
        return parsed.dt.tz_convert(tz or _single_offset(offsets))
    if has_offset.any():
        row = int((has_offset != has_offset.iloc[0]).to_numpy().argmax())
        raise UserError(
            f"forecast row {row + 1}: timestamp {text.iloc[row]!r} differs from the first row in having a UTC offset"
        )
    if tz is None:
        raise UserError("forecast timestamps have no UTC offset: give --zone (e.g. --zone Asia/Shanghai)")
    wall_clock = parsed.dt.tz_localize(None)  # naive text was read as UTC; take it back to wall-clock time
    try:
        return wall_clock.groupby(queue.to_numpy(), sort=False, group_keys=False).apply(
            lambda s: s.dt.tz_localize(tz, ambiguous="infer", nonexistent="raise")
        )
    except (ValueError, IndexError) as exc:  # pandas raises these for DST gaps and overlaps
        raise UserError(
            f"forecast timestamps do not map to {tz.key} cleanly ({exc}): write them with their UTC offset"
        ) from None


def _single_offset(offsets: pd.Series) -> timezone:
    """The one UTC offset the timestamps carry ("+08:00", "Z"...), as a fixed zone; several need --zone."""
    offsets = sorted(set(offsets.str.replace(":", "").replace("Z", "+0000")))
    if len(offsets) > 1:
        raise UserError(f"forecast timestamps carry several UTC offsets ({', '.join(offsets)}): give --zone")
    sign = -1 if offsets[0][0] == "-" else 1
    return timezone(sign * timedelta(hours=int(offsets[0][1:3]), minutes=int(offsets[0][3:5])))


def zone_option(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"unknown time zone {name!r} (use an IANA name such as Asia/Shanghai)") from None


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """CSV or Excel by extension; timestamps as ISO text with their offset in both (Excel has no zones)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        frame.assign(timestamp=frame["timestamp"].astype(str)).to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False)


def summary(result: StaffingResult, out: Path) -> str:
    required = result.required
    peak = required.loc[required["required"].idxmax()]
    skills, intervals = required["skill"].nunique(), required["timestamp"].nunique()
    text = (
        f"wrote {out}: {skills} skill(s) x {intervals} intervals of {result.interval_minutes} min; "
        f"peak {peak['required']} agents ({peak['skill']} at {peak['timestamp']})"
    )
    unserved = result.queues.groupby("queue", sort=False)["unserved"].sum()
    unserved = unserved[unserved > 0]
    if not unserved.empty:
        text += "; not staffed, forecast outside open hours: " + ", ".join(
            f"{queue} {count:.0f} contacts" for queue, count in unserved.items()
        )
    return text
