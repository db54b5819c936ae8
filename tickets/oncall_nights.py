"""When the night duty is on, and who holds it: derived from the team's night shifts.

The night is defined by the team's shift types marked `is_night`, not by who
happens to be rostered: on each local day, the night window runs from the
earliest start of a night shift type to the latest end of one (e.g. 23:00 to
07:00 next morning, DST-exact through `shift_window`). Outside those windows
the day shifts cover the desk and nobody is paged. Inside them the night duty
is on, and the duty agents are the people whose published night shift covers
the instant; a night window with nobody rostered is a coverage gap (the chain
then starts at the standby list). A team without night shift types has no
night duty at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store import oncall_queries
from store.org import team_zone
from store.schema import ShiftType
from tickets.deadlines import active_policy
from tickets.on_shift import OnShiftAgent, on_shift, shift_window


@dataclass(frozen=True)
class NightWindow:
    """One night of the team: it starts on local date `day`; times are aware, in the team's zone."""

    day: date
    starts_at: datetime
    ends_at: datetime

    def covers(self, instant: datetime) -> bool:
        return self.starts_at <= instant < self.ends_at


def night_windows(shift_types: Sequence[ShiftType], days: Iterable[date], zone: ZoneInfo) -> list[NightWindow]:
    """The night window of each day in `days` (none when there are no night shift types)."""
    nights = [s for s in shift_types if s.is_night]
    if not nights:
        return []
    windows = []
    for day in days:
        spans = [shift_window(day, shift, zone) for shift in nights]
        windows.append(NightWindow(day, min(start for start, _ in spans), max(end for _, end in spans)))
    return windows


def night_at(session: Session, team_id: int, now: datetime) -> NightWindow | None:
    """The night window covering `now` (yesterday's night still runs in the early morning), else None."""
    zone = ZoneInfo(team_zone(session, team_id))
    today = now.astimezone(zone).date()
    days = (today - timedelta(days=1), today)
    windows = night_windows(oncall_queries.night_shift_types(session, team_id), days, zone)
    return next((w for w in windows if w.covers(now)), None)


def tonight(session: Session, team_id: int, now: datetime) -> NightWindow | None:
    """The night now running, else the next one to start (today's or tomorrow's)."""
    zone = ZoneInfo(team_zone(session, team_id))
    today = now.astimezone(zone).date()
    days = (today - timedelta(days=1), today, today + timedelta(days=1))
    windows = night_windows(oncall_queries.night_shift_types(session, team_id), days, zone)
    return next((w for w in windows if w.ends_at > now), None)


def duty_agents(session: Session, team_id: int, now: datetime) -> list[OnShiftAgent]:
    """People whose published night shift covers `now`: the only ones the duty steps may page."""
    return [agent for agent in on_shift(session, team_id, now) if agent.is_night]


def around_the_clock_tiers(session: Session) -> set[str]:
    """Names of the active SLA tiers whose calendar is 24x7 (their clocks run through the night)."""
    policy, _ = active_policy(session)
    return {tier.name for tier in policy.tiers if tier.calendar.is_24x7}
