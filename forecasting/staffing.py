"""From a contact forecast to required agents per interval and skill: the roster solver's input.

Steps, each vectorised over queues and intervals:

1. The forecast (long format: queue, timestamp, mean contacts per interval)
   goes on one regular grid anchored at its first timestamp, in absolute
   time, so DST days simply have 92 or 100 quarter hours. Intervals missing
   from the forecast (a closed night) count as zero contacts. A coarser
   `interval_minutes` than the forecast's sums contacts into it.
2. Each queue on its own (the per-queue detail): live channels (phone,
   chat) by Erlang C, or by Erlang A when the queue gives a mean patience;
   asynchronous channels (email, web form) by spreading each interval's
   work over its first-response window (`forecasting.workload`).
   Service hours (`QueueConfig.service_hours`, `forecasting.service_hours`)
   say when a queue is worked; without them it is open around the clock.
   A live queue needs nobody outside them: contacts forecast there are
   reported as `unserved`, not staffed. For an async queue they are the
   hours its SLA clock runs: the first-response window counts open
   intervals only, closed intervals get no agents, and tickets arriving
   while closed wait in the backlog for the next opening.
3. Per skill. Live queues sharing a skill are answered by the same agents,
   so their traffic is pooled: one Erlang calculation on the summed load,
   with the contact-weighted AHT and the strictest target of the group (the
   highest service level at the shortest answer time, the lowest ASA and
   occupancy cap), which meets every queue's own target. Erlang A is used
   for the pool only when every queue in it has the same patience, else
   Erlang C (ignoring abandonment asks for more agents, never fewer, in
   practice). The strictest target is taken over the group's queues whether
   or not each is open at the interval (safe, never too few). Mixed handle
   times make the pool only approximately M/M/N, so the live requirement is
   the smaller of the pooled figure and the sum of the queues' standalone
   figures; both are valid plans, and the sum is the safe upper bound. Async work is deferrable but gets no credit for live
   agents' idle time: its fractional agents are added on top.
4. raw = live + async (async stays fractional); scheduled = ceil(raw /
   (1 - shrinkage)) with the tolerant ceiling (14 / 0.7 is 20 agents, not
   21), using the highest shrinkage among the skill's queues. Rounding once,
   after shrinkage, matters at night: 0.2 agents of e-mail work is one
   person, not ceil(ceil(0.2) / 0.85) = 2.
5. required = max(scheduled, floor), the floor being the largest
   `min_agents_24x7` among the skill's queues. The floor is a head count on
   shift at every interval, nights included, so shrinkage is not applied to
   it: a night desk of one is one person.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from forecasting.erlang import erlang_a_agents, erlang_c_agents, offered_load, tolerant_ceil
from forecasting.service_hours import ServiceHours, ServiceHoursError
from forecasting.workload import async_agents, carried_backlog
from shiftdesk.errors import UserError

DEFAULT_SERVICE_LEVEL = 0.8
DEFAULT_ANSWER_S = 20.0
FORECAST_COLUMNS = ("queue", "timestamp", "mean")
QUEUE_DETAIL_COLUMNS = [
    "queue",
    "skill",
    "channel",
    "model",
    "timestamp",
    "open",
    "contacts",
    "unserved",
    "load_erlangs",
    "raw_agents",
    "service_level",
    "asa_s",
    "occupancy",
    "abandon_rate",
    "backlog",
]
SKILL_COLUMNS = [
    "timestamp",
    "skill",
    "live_agents",
    "async_agents",
    "raw_agents",
    "shrinkage",
    "scheduled_agents",
    "min_agents",
    "required",
]


class StaffingError(UserError):
    """A queue configuration or forecast that cannot be staffed; the message names the queue, row or column."""


class Channel(StrEnum):
    """How contacts reach the desk: live ones wait on the line, async ones in a backlog."""

    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"
    WEBFORM = "webform"

    @property
    def is_live(self) -> bool:
        return self in (Channel.PHONE, Channel.CHAT)


LIVE_ONLY_FIELDS = ("service_level", "answer_s", "asa_s", "patience_s")
ASYNC_ONLY_FIELDS = ("first_response_min",)


@dataclass(frozen=True)
class QueueConfig:
    """How one queue is staffed. Times in seconds except `first_response_min` (minutes).

    Live queues (phone, chat) need a service-level target (`service_level`
    answered within `answer_s`) and/or an ASA target; with neither they get
    the house default, 80 % in 20 s. `patience_s` (mean time before a caller
    hangs up) switches the queue from Erlang C to Erlang A. Async queues
    (email, webform) need `first_response_min`. `shrinkage` is the share of
    paid time not available for contacts (breaks, training, absence);
    `min_agents_24x7` is the head count the queue's skill must have on shift
    at every interval, nights included (service hours do not lift it).

    `service_hours` (None: always open) is a `ServiceHours`, or text such as
    "Mon-Fri 09:00-18:00" or a dict, read by `ServiceHours.parse` and
    `ServiceHours.from_dict`. A live queue is staffed only inside them; for an
    async queue `first_response_min` is business time, counted only inside them.
    """

    queue: str
    channel: Channel
    skill: str
    aht_s: float
    service_level: float | None = None
    answer_s: float | None = None
    asa_s: float | None = None
    max_occupancy: float = 1.0
    patience_s: float | None = None
    first_response_min: float | None = None
    shrinkage: float = 0.0
    min_agents_24x7: int = 0
    service_hours: ServiceHours | None = None

    def __post_init__(self) -> None:
        for name in ("queue", "skill"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise StaffingError(f"queue {self.queue!r}: {name} must be a non-empty name")
        object.__setattr__(self, "service_hours", self._read_hours(self.service_hours))
        try:
            object.__setattr__(self, "channel", Channel(self.channel))
        except ValueError:
            choices = ", ".join(c.value for c in Channel)
            raise StaffingError(
                f"queue {self.queue!r}: channel must be one of {choices}, got {self.channel!r}"
            ) from None
        self._check_number("aht_s", low=0.0)
        self._check_number("max_occupancy", low=0.0, high=1.0, high_ok=True)
        self._check_number("shrinkage", low=0.0, high=1.0, low_ok=True)
        if (
            isinstance(self.min_agents_24x7, bool)
            or not isinstance(self.min_agents_24x7, int)
            or self.min_agents_24x7 < 0
        ):
            raise StaffingError(
                f"queue {self.queue!r}: min_agents_24x7 must be a whole number >= 0, got {self.min_agents_24x7!r}"
            )
        if self.channel.is_live:
            self._check_live()
        else:
            self._check_async()

    def _read_hours(self, value: object) -> ServiceHours | None:
        try:
            if value is None or isinstance(value, ServiceHours):
                return value
            if isinstance(value, str):
                return ServiceHours.parse(value)
            if isinstance(value, Mapping):
                return ServiceHours.from_dict(value)
        except ServiceHoursError as exc:
            raise StaffingError(f"queue {self.queue!r}: {exc}") from None
        raise StaffingError(
            f"queue {self.queue!r}: service_hours must be ServiceHours, text such as 'Mon-Fri 09:00-18:00' "
            f"or a dict, got {value!r}"
        )

    def _check_live(self) -> None:
        if self.first_response_min is not None:
            raise StaffingError(
                f"queue {self.queue!r}: first_response_min is for email/webform; "
                f"{self.channel} is staffed by service level or ASA"
            )
        if self.service_level is None and self.answer_s is None and self.asa_s is None:
            object.__setattr__(self, "service_level", DEFAULT_SERVICE_LEVEL)
            object.__setattr__(self, "answer_s", DEFAULT_ANSWER_S)
        if (self.service_level is None) != (self.answer_s is None):
            raise StaffingError(
                f"queue {self.queue!r}: give service_level and answer_s together (e.g. 0.8 and 20 for 80 % in 20 s)"
            )
        if self.service_level is not None:
            self._check_number("service_level", low=0.0, high=1.0)
            self._check_number("answer_s", low=0.0, low_ok=True)
        for name in ("asa_s", "patience_s"):
            if getattr(self, name) is not None:
                self._check_number(name, low=0.0)

    def _check_async(self) -> None:
        for name in LIVE_ONLY_FIELDS:
            if getattr(self, name) is not None:
                raise StaffingError(
                    f"queue {self.queue!r}: {name} is for phone/chat; {self.channel} is staffed by first_response_min"
                )
        if self.first_response_min is None:
            raise StaffingError(
                f"queue {self.queue!r}: {self.channel} needs first_response_min (the SLA tier's first-response target)"
            )
        self._check_number("first_response_min", low=0.0)

    def _check_number(
        self, name: str, *, low: float, high: float = math.inf, low_ok: bool = False, high_ok: bool = False
    ) -> None:
        """Raise unless the field is a finite number in (low, high), ends included where flagged."""
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise StaffingError(f"queue {self.queue!r}: {name} must be a number, got {value!r}")
        above = value >= low if low_ok else value > low
        below = value <= high if high_ok else value < high
        if not (above and below):
            bounds = f"{'[' if low_ok else '('}{low:g}, {high:g}{']' if high_ok else ')'}"
            raise StaffingError(f"queue {self.queue!r}: {name} must be in {bounds}, got {value:g}")

    @property
    def model(self) -> str:
        """Which calculation staffs the queue: erlang_c, erlang_a or async."""
        if not self.channel.is_live:
            return "async"
        return "erlang_a" if self.patience_s is not None else "erlang_c"


_NUMBER_FIELDS = {
    "aht_s",
    "service_level",
    "answer_s",
    "asa_s",
    "max_occupancy",
    "patience_s",
    "first_response_min",
    "shrinkage",
}
_FIELD_NAMES = [f.name for f in fields(QueueConfig)]
# A table gives service hours as two columns: `hours` (text, or a dict in JSON) and `holidays` (a country code).
HOURS_COLUMNS = ("hours", "holidays")
_RECORD_COLUMNS = [name for name in _FIELD_NAMES if name != "service_hours"] + list(HOURS_COLUMNS)


def queue_configs_from_records(
    records: Iterable[Mapping[str, object]], defaults: Mapping[str, object] | None = None
) -> list[QueueConfig]:
    """Queue configurations from table rows (a CSV, a JSON list, an edited grid).

    Blank cells (None, "", NaN) take the value in `defaults`, if any;
    live-only fields (service_level, answer_s, asa_s, patience_s) are filled
    only on phone/chat rows and first_response_min only on email/webform
    rows. Numbers may arrive as text. Errors name the row (1-based) and the queue.

    Service hours come as `hours` (blank: always open), text for
    `ServiceHours.parse` ("Mon-Fri 09:00-18:00", "daily 08:00-22:00",
    "24x7") or, from JSON, a dict for `ServiceHours.from_dict`; and
    `holidays`, a `holidays` package country code ("CN", or "US-CA" with a
    subdivision) whose public holidays close the hours and whose weekend
    working days open them with Monday's hours. A `holidays` default fills
    only rows that have hours; a row with holidays but no hours is refused.
    """
    defaults = dict(defaults or {})
    unknown_defaults = set(defaults) - set(_RECORD_COLUMNS)
    if unknown_defaults:
        raise StaffingError(f"unknown queue setting(s): {', '.join(sorted(unknown_defaults))}")
    configs: list[QueueConfig] = []
    seen: dict[str, int] = {}
    for row, record in enumerate(records, start=1):
        values = {key: value for key, value in record.items() if not _blank(value)}
        where = f"queues row {row} (queue {values.get('queue')!r})"
        unknown = set(record) - set(_RECORD_COLUMNS)
        if unknown:
            raise StaffingError(
                f"{where}: unknown column(s) {', '.join(sorted(map(str, unknown)))}; "
                f"expected {', '.join(_RECORD_COLUMNS)}"
            )
        for name in ("queue", "channel", "skill", "aht_s"):
            if name not in values:
                raise StaffingError(f"{where}: column {name!r} is missing or blank")
        channel = str(values["channel"]).strip().lower()
        for name, value in sorted(defaults.items(), key=lambda item: item[0] == "holidays"):  # hours first
            live_only, async_only = name in LIVE_ONLY_FIELDS, name in ASYNC_ONLY_FIELDS
            applies = not (live_only or async_only) or (live_only == (channel in ("phone", "chat")))
            if name == "holidays" and "hours" not in values:
                applies = False
            if applies and value is not None:
                values.setdefault(name, value)
        hours = _hours_of(values.pop("hours", None), values.pop("holidays", None), where)
        try:
            config = QueueConfig(**_coerced(values, where), service_hours=hours)
        except StaffingError as exc:
            raise StaffingError(f"queues row {row}: {exc}") from None
        if config.queue in seen:
            raise StaffingError(
                f"queues row {row}: queue {config.queue!r} is already configured in row {seen[config.queue]}"
            )
        seen[config.queue] = row
        configs.append(config)
    return configs


def _hours_of(hours: object, country: object, where: str) -> ServiceHours | None:
    """Service hours from a table's `hours` and `holidays` cells (either may be None)."""
    if hours is None:
        if country is not None:
            raise StaffingError(
                f"{where}: holidays {country!r} needs hours, such as 'Mon-Fri 09:00-18:00' "
                "(or '24x7' for all day, every day but the holidays)"
            )
        return None
    code, subdiv = None, None
    if country is not None:
        code, _, rest = str(country).strip().partition("-")
        code, subdiv = code.strip().upper(), rest.strip() or None
    try:
        if isinstance(hours, Mapping):
            extra = {"holiday_country": code, "holiday_subdiv": subdiv} if code else {}
            return ServiceHours.from_dict({**hours, **extra})
        return ServiceHours.parse(str(hours), holiday_country=code, holiday_subdiv=subdiv)
    except ServiceHoursError as exc:
        raise StaffingError(f"{where}: {exc}") from None


def _blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and math.isnan(value))
    )


def _coerced(values: dict[str, object], where: str) -> dict[str, object]:
    """Text to the field types: names stripped, numbers parsed, the 24x7 minimum a whole number."""
    out: dict[str, object] = {}
    for name, value in values.items():
        if name in _NUMBER_FIELDS:
            try:
                out[name] = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise StaffingError(f"{where}: {name} must be a number, got {value!r}") from None
        elif name == "min_agents_24x7":
            try:
                number = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                number = math.nan
            if not number.is_integer():
                raise StaffingError(f"{where}: min_agents_24x7 must be a whole number, got {value!r}")
            out[name] = int(number)
        elif name == "channel":
            out[name] = str(value).strip().lower()
        else:
            out[name] = str(value).strip()
    return out


def scheduled_agents(raw: ArrayLike, shrinkage: ArrayLike) -> np.ndarray:
    """Agents to roster so that `raw` are available after shrinkage: ceil(raw / (1 - shrinkage)), int64."""
    return tolerant_ceil(np.asarray(raw, dtype=float) / (1 - np.asarray(shrinkage, dtype=float)))


@dataclass(frozen=True)
class StaffingResult:
    """The staffing plan for a forecast horizon.

    `queues`: one row per queue and interval: queue, skill, channel, model,
    timestamp, open (inside the queue's service hours), contacts (forecast),
    unserved (a live queue's contacts while closed: reported, not staffed),
    load_erlangs (served contacts x AHT / interval), raw_agents
    (the queue staffed on its own, before shrinkage), service_level, asa_s,
    occupancy, abandon_rate (Erlang A), backlog (async: tickets carried into
    the next interval); NaN where a figure does not apply to the model.
    `skills`: one row per interval and skill: live_agents, async_agents
    (fractional), raw_agents, shrinkage, scheduled_agents, min_agents, required.
    """

    queues: pd.DataFrame
    skills: pd.DataFrame
    interval_minutes: int

    @property
    def required(self) -> pd.DataFrame:
        """`timestamp, skill, required` (int): agents on shift per interval and skill, for the roster."""
        return self.skills[["timestamp", "skill", "required"]].reset_index(drop=True)


def required_agents(
    forecast: pd.DataFrame, queues: Sequence[QueueConfig], interval_minutes: int | None = None
) -> StaffingResult:
    """Required agents per interval and skill for a forecast (see the module docstring for the method).

    `forecast`: long format with columns queue, timestamp (tz-aware, on a
    regular 15/30/60-minute grid, gaps allowed) and mean (contacts per
    interval); other columns are ignored. Every forecast queue needs a
    configuration; configured queues without forecast rows still set their
    skill's 24x7 floor. `interval_minutes` defaults to the forecast's own.
    """
    if not queues:
        raise StaffingError("no queues configured")
    names = [q.queue for q in queues]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise StaffingError(f"queue {duplicated[0]!r} is configured twice")
    grid, contacts, interval_s = _contacts_on_grid(forecast, names, interval_minutes)
    params = _QueueParams.of(queues)
    detail = _staff_queues(params, contacts, interval_s, _open_intervals(queues, grid, interval_s))
    skills = _staff_skills(queues, params, detail["served"], detail, interval_s)
    return StaffingResult(
        queues=_queue_frame(queues, grid, contacts, detail),
        skills=_skill_frame(grid, skills),
        interval_minutes=interval_s // 60,
    )


def _contacts_on_grid(
    forecast: pd.DataFrame, names: list[str], interval_minutes: int | None
) -> tuple[pd.DatetimeIndex, np.ndarray, int]:
    """The forecast as a (queues x intervals) array of contacts on one regular grid, with the grid and its step (s)."""
    missing = [c for c in FORECAST_COLUMNS if c not in forecast.columns]
    if missing:
        raise StaffingError(f"forecast lacks column(s) {', '.join(missing)}; it needs {', '.join(FORECAST_COLUMNS)}")
    if forecast.empty:
        raise StaffingError("forecast has no rows")
    if interval_minutes is not None and (
        isinstance(interval_minutes, bool) or int(interval_minutes) != interval_minutes or interval_minutes <= 0
    ):
        raise StaffingError(f"interval must be a whole number of minutes > 0, got {interval_minutes!r}")
    stamps = forecast["timestamp"]
    if not isinstance(stamps.dtype, pd.DatetimeTZDtype):
        raise StaffingError("forecast column 'timestamp' must hold timezone-aware datetimes (local time with its zone)")
    queue = forecast["queue"].astype(str).to_numpy()
    mean = pd.to_numeric(forecast["mean"], errors="coerce").to_numpy(dtype=float)
    bad = ~(np.isfinite(mean) & (mean >= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise StaffingError(
            f"forecast row {i + 1} (queue {queue[i]!r}, {stamps.iloc[i]}): column 'mean' must be a number >= 0, "
            f"got {forecast['mean'].iloc[i]!r}"
        )
    unknown = sorted(set(queue) - set(names))
    if unknown:
        raise StaffingError(f"forecast queue {unknown[0]!r} has no configuration (configured: {', '.join(names)})")
    seconds = ((stamps - stamps.min()).dt.total_seconds()).to_numpy()
    twice = pd.DataFrame({"queue": queue, "seconds": seconds}).duplicated().to_numpy()
    if twice.any():
        i = int(np.flatnonzero(twice)[0])
        raise StaffingError(f"forecast row {i + 1}: queue {queue[i]!r} at {stamps.iloc[i]} appears twice")
    step = _forecast_step(queue, seconds, interval_minutes)
    off_grid = seconds % step != 0
    if off_grid.any():
        i = int(np.flatnonzero(off_grid)[0])
        raise StaffingError(
            f"forecast row {i + 1} (queue {queue[i]!r}): {stamps.iloc[i]} is off the {step // 60}-minute grid"
        )
    interval_s = step if interval_minutes is None else _interval_seconds(interval_minutes, step)
    bucket = (seconds // interval_s).astype(np.int64)
    contacts = np.zeros((len(names), int(bucket.max()) + 1))
    row = pd.Index(names).get_indexer(queue)
    np.add.at(contacts, (row, bucket), mean)
    grid = pd.DatetimeIndex(stamps.min() + pd.to_timedelta(np.arange(contacts.shape[1]) * interval_s, unit="s"))
    return grid, contacts, interval_s


def _open_intervals(queues: Sequence[QueueConfig], grid: pd.DatetimeIndex, interval_s: int) -> np.ndarray | None:
    """(queues x intervals) True where each queue is worked, or None when every queue is always open."""
    if all(q.service_hours is None or q.service_hours.is_24x7 for q in queues):
        return None
    masks: dict[ServiceHours, np.ndarray] = {}  # queues sharing hours share one mask
    rows = []
    for q in queues:
        hours = q.service_hours or ServiceHours.always()
        if hours not in masks:
            try:
                masks[hours] = hours.open_mask(grid, interval_s)
            except ServiceHoursError as exc:
                raise StaffingError(f"queue {q.queue!r}: {exc}") from None
        rows.append(masks[hours])
    return np.vstack(rows)


def _forecast_step(queue: np.ndarray, seconds: np.ndarray, interval_minutes: int | None) -> int:
    """The forecast's interval in seconds: the smallest gap between timestamps, the same for every queue."""
    gaps = np.diff(np.unique(seconds))
    if not gaps.size:
        if interval_minutes is None:
            raise StaffingError("forecast has a single timestamp: give the interval length")
        return int(interval_minutes) * 60
    step = int(round(gaps.min()))
    rows = pd.DataFrame({"queue": queue, "seconds": seconds}).sort_values(["queue", "seconds"])
    own = rows.groupby("queue", sort=False)["seconds"].diff().groupby(rows["queue"]).min().dropna().round()
    coarser = own[own != step]
    if not coarser.empty:
        raise StaffingError(
            f"forecast queue {coarser.index[0]!r} is at {int(coarser.iloc[0]) // 60}-minute intervals, the rest at "
            f"{step // 60}: give every queue at the same interval"
        )
    return step


def _interval_seconds(interval_minutes: int, step: int) -> int:
    """The requested interval in seconds, which must be a whole multiple of the forecast's."""
    interval_s = int(interval_minutes) * 60
    if interval_s % step:
        raise StaffingError(
            f"interval {interval_minutes} min is not a multiple of the forecast's {step // 60}-minute interval; "
            "staffing can sum intervals, not split them"
        )
    return interval_s


@dataclass(frozen=True)
class _QueueParams:
    """Per-queue settings as (queues x 1) float arrays, NaN where a setting is absent, to broadcast over intervals."""

    aht_s: np.ndarray
    service_level: np.ndarray
    answer_s: np.ndarray
    asa_s: np.ndarray
    max_occupancy: np.ndarray
    patience_s: np.ndarray
    first_response_s: np.ndarray
    model: np.ndarray  # (queues,) of "erlang_c" / "erlang_a" / "async"

    @classmethod
    def of(cls, queues: Sequence[QueueConfig]) -> _QueueParams:
        def column(values: Iterable[float | None]) -> np.ndarray:
            return np.array([np.nan if v is None else v for v in values], dtype=float)[:, None]

        return cls(
            aht_s=column(q.aht_s for q in queues),
            service_level=column(q.service_level for q in queues),
            answer_s=np.nan_to_num(column(q.answer_s for q in queues)),
            asa_s=column(q.asa_s for q in queues),
            max_occupancy=column(q.max_occupancy for q in queues),
            patience_s=column(q.patience_s for q in queues),
            first_response_s=column(
                None if q.first_response_min is None else q.first_response_min * 60 for q in queues
            ),
            model=np.array([q.model for q in queues]),
        )

    def live_targets(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "service_level": self.service_level[rows],
            "answer_s": self.answer_s[rows],
            "asa_s": self.asa_s[rows],
            "max_occupancy": self.max_occupancy[rows],
        }


def _staff_queues(
    params: _QueueParams, contacts: np.ndarray, interval_s: int, open_: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Each queue staffed on its own: (queues x intervals) arrays of agents and figures, and async fractional agents.

    `open_`: (queues x intervals) service-hours mask, None for always open.
    A live queue serves only the contacts of its open intervals; an async
    queue serves them all, carrying the closed intervals' into the next opening.
    """
    shape = contacts.shape
    live = params.model != "async"
    is_open = np.ones(shape, dtype=bool) if open_ is None else open_
    served = np.where(is_open | ~live[:, None], contacts, 0.0)
    load = offered_load(served, interval_s, params.aht_s)
    out = {
        "open": is_open,
        "served": served,
        "unserved": contacts - served,
        "load": load,
        "raw_agents": np.zeros(shape, dtype=np.int64),
        "async_agents": np.zeros(shape),
        **{name: np.full(shape, np.nan) for name in ("service_level", "asa_s", "occupancy", "abandon_rate", "backlog")},
    }
    rows = np.flatnonzero(params.model == "erlang_c")
    if rows.size:
        agents, m = erlang_c_agents(load[rows], params.aht_s[rows], **params.live_targets(rows))
        _put(out, rows, raw_agents=agents, service_level=m.service_level, asa_s=m.asa_s, occupancy=m.occupancy)
    rows = np.flatnonzero(params.model == "erlang_a")
    if rows.size:
        agents, m = erlang_a_agents(
            load[rows], params.aht_s[rows], params.patience_s[rows], **params.live_targets(rows)
        )
        _put(
            out,
            rows,
            raw_agents=agents,
            service_level=m.service_level,
            asa_s=m.asa_s,
            occupancy=m.occupancy,
            abandon_rate=m.prob_abandon,
        )
    if open_ is not None:  # a closed live queue has no service figures
        closed_live = ~is_open & live[:, None]
        for name in ("service_level", "asa_s", "occupancy", "abandon_rate"):
            out[name][closed_live] = np.nan
    rows = np.flatnonzero(params.model == "async")
    if rows.size:
        aht, occupancy = params.aht_s[rows, 0], params.max_occupancy[rows, 0]
        hours = None if open_ is None else open_[rows]
        plan = async_agents(contacts[rows], aht, interval_s, params.first_response_s[rows, 0], occupancy, hours)
        _put(
            out,
            rows,
            raw_agents=tolerant_ceil(plan),
            async_agents=plan,
            backlog=carried_backlog(contacts[rows], plan, aht, interval_s, occupancy),
        )
    return out


def _put(out: dict[str, np.ndarray], rows: np.ndarray, **values: np.ndarray) -> None:
    """Write per-queue results into the rows of the full (queues x intervals) arrays."""
    for name, value in values.items():
        out[name][rows] = value


def _staff_skills(
    queues: Sequence[QueueConfig],
    params: _QueueParams,
    contacts: np.ndarray,
    detail: dict[str, np.ndarray],
    interval_s: int,
) -> dict[str, np.ndarray]:
    """Per-skill (skills x intervals) arrays: pooled live agents, async agents, shrinkage and the 24x7 floor."""
    skills = sorted({q.skill for q in queues})
    member = np.array([[q.skill == s for q in queues] for s in skills])  # (skills x queues)
    live = np.array([q.channel.is_live for q in queues])
    standalone = (member & live).astype(np.int64) @ detail["raw_agents"]
    shared = (member & live).sum(axis=1) > 1  # one live queue alone is its own pool
    live_agents = standalone.copy()
    if shared.any():
        pooled = _pooled_live_agents((member & live)[shared], params, contacts, detail["load"], interval_s)
        live_agents[shared] = np.minimum(standalone[shared], pooled)
    async_part = (member & ~live).astype(float) @ detail["async_agents"]
    raw = live_agents + async_part
    shrinkage = np.array([max(q.shrinkage for q in queues if q.skill == s) for s in skills])[:, None]
    scheduled = scheduled_agents(raw, shrinkage)
    floor = np.array([max(q.min_agents_24x7 for q in queues if q.skill == s) for s in skills])[:, None]
    return {
        "skill": np.array(skills),
        "live_agents": live_agents,
        "async_agents": async_part,
        "raw_agents": raw,
        "shrinkage": np.broadcast_to(shrinkage, raw.shape),
        "scheduled_agents": scheduled,
        "min_agents": np.broadcast_to(floor, raw.shape),
        "required": np.maximum(scheduled, floor),
    }


def _pooled_live_agents(
    groups: np.ndarray, params: _QueueParams, contacts: np.ndarray, load: np.ndarray, interval_s: int
) -> np.ndarray:
    """Agents for each group of live queues (a row of `groups` marks its queues) answered as one pool."""
    pooled = np.zeros((groups.shape[0], contacts.shape[1]), dtype=np.int64)
    pool_contacts, pool_load = groups.astype(float) @ contacts, groups.astype(float) @ load
    with np.errstate(invalid="ignore", divide="ignore"):
        aht = np.where(pool_contacts > 0, pool_load * interval_s / pool_contacts, 1.0)
    targets = [_pool_target(np.flatnonzero(group), params) for group in groups]
    for erlang_a in (False, True):
        rows = [i for i, t in enumerate(targets) if np.isnan(t["patience_s"]) != erlang_a]
        if not rows:
            continue
        chosen = {name: np.array([[targets[i][name]] for i in rows]) for name in targets[rows[0]]}
        patience = chosen.pop("patience_s")
        if erlang_a:
            pooled[rows], _ = erlang_a_agents(pool_load[rows], aht[rows], patience, **chosen)
        else:
            pooled[rows], _ = erlang_c_agents(pool_load[rows], aht[rows], **chosen)
    return pooled


def _pool_target(rows: np.ndarray, params: _QueueParams) -> dict[str, float]:
    """The strictest target of a group of live queues, so that meeting it meets each queue's own.

    The highest service level at the shortest answer time, the lowest ASA
    and occupancy cap; a patience (Erlang A) only if all queues share it.
    """
    sl, asa, patience = params.service_level[rows, 0], params.asa_s[rows, 0], params.patience_s[rows, 0]
    has_sl = ~np.isnan(sl)
    shared_patience = not np.isnan(patience).any() and np.ptp(patience) == 0
    return {
        "service_level": sl[has_sl].max() if has_sl.any() else np.nan,
        "answer_s": params.answer_s[rows, 0][has_sl].min() if has_sl.any() else 0.0,
        "asa_s": np.nanmin(asa) if not np.isnan(asa).all() else np.nan,
        "max_occupancy": params.max_occupancy[rows, 0].min(),
        "patience_s": patience[0] if shared_patience else np.nan,
    }


def _queue_frame(
    queues: Sequence[QueueConfig], grid: pd.DatetimeIndex, contacts: np.ndarray, detail: dict[str, np.ndarray]
) -> pd.DataFrame:
    """The per-queue detail in long format, one row per queue and interval."""
    n_queues, n_intervals = contacts.shape
    row = np.repeat(np.arange(n_queues), n_intervals)

    def per_row(values: list[str]) -> np.ndarray:
        return np.array(values, dtype=object)[row]  # object, not numpy str: pandas takes it as is

    frame = pd.DataFrame(
        {
            "queue": per_row([q.queue for q in queues]),
            "skill": per_row([q.skill for q in queues]),
            "channel": per_row([q.channel.value for q in queues]),
            "model": per_row([q.model for q in queues]),
            "timestamp": grid[np.tile(np.arange(n_intervals), n_queues)],
            "open": detail["open"].ravel(),
            "contacts": contacts.ravel(),
            "unserved": detail["unserved"].ravel(),
            "load_erlangs": detail["load"].ravel(),
            "raw_agents": detail["raw_agents"].ravel(),
            **{
                name: detail[name].ravel()
                for name in ("service_level", "asa_s", "occupancy", "abandon_rate", "backlog")
            },
        }
    )
    return frame[QUEUE_DETAIL_COLUMNS]


def _skill_frame(grid: pd.DatetimeIndex, skills: dict[str, np.ndarray]) -> pd.DataFrame:
    """The per-skill plan in long format, ordered by interval then skill."""
    names = skills["skill"]
    n_skills, n_intervals = len(names), len(grid)
    frame = pd.DataFrame(
        {
            "timestamp": grid[np.repeat(np.arange(n_intervals), n_skills)],
            "skill": np.tile(np.array(names, dtype=object), n_intervals),
            **{name: np.asarray(skills[name]).T.ravel() for name in SKILL_COLUMNS[2:]},
        }
    )
    return frame[SKILL_COLUMNS]
