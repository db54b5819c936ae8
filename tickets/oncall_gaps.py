"""Nights without on-call cover, found before they happen: when a roster is published, and once a day.

A night (its window comes from the team's night shift types, see
`tickets.oncall_nights`) has a gap when nobody is rostered on a night shift
for it (no roster published for that week counts too), or when the people
who are lack a skill that one of the team's 24x7 queues needs (nobody who can
take a VIP call, say). Planners and managers hear about gaps in-app, through
the outbox: once per published roster, and at most once per local day from the
worker's daily check. Nights already over are never reported.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store import oncall_queries
from store.org import team_zone
from store.rosters import published_assignments_on
from store.schema import RosterAssignment, Team
from tickets.notify import Message, notify, rows_for
from tickets.oncall_nights import NightWindow, night_windows

DAILY_HORIZON_DAYS = 7


@dataclass(frozen=True)
class CrewMember:
    """Someone rostered on a night shift, with the skill codes they hold."""

    name: str
    skills: frozenset[str]


@dataclass(frozen=True)
class CoverageGap:
    night: NightWindow
    on_call: tuple[str, ...]  # names on a night shift that night (empty: nobody)
    missing_skills: tuple[str, ...]  # skill codes of 24x7 queues nobody on the night holds
    reason: str

    @property
    def nobody(self) -> bool:
        return not self.on_call


@dataclass(frozen=True)
class GapAlert:
    """An alert enqueued for one team: its gaps and how many notifications went into the outbox."""

    team_id: int
    gaps: list[CoverageGap]
    notifications: int


def find_gaps(nights: Iterable[NightWindow], crews: Mapping[date, Sequence[CrewMember]],
              needed: Mapping[str, Sequence[str]], published_mondays: Collection[date]) -> list[CoverageGap]:
    """The nights of `nights` with nobody on call, or without a skill `needed` (skill code -> queue names)."""
    gaps = []
    for night in nights:
        crew = crews.get(night.day, ())
        if not crew:
            monday = night.day - timedelta(days=night.day.weekday())
            reason = ("nobody on a night shift" if monday in published_mondays
                      else f"no roster published for the week of {monday:%d %b}")
            gaps.append(CoverageGap(night, (), tuple(sorted(needed)), reason))
            continue
        held = frozenset().union(*(member.skills for member in crew))
        missing = tuple(sorted(set(needed) - held))
        if missing:
            reason = "; ".join(f"nobody with {code} (needed by {', '.join(needed[code])})" for code in missing)
            gaps.append(CoverageGap(night, tuple(sorted(m.name for m in crew)), missing, reason))
    return gaps


def night_coverage_gaps(session: Session, team_id: int, start_day: date, days: int) -> list[CoverageGap]:
    """Gaps in the published rosters for the nights starting on `start_day` and the `days - 1` after it."""
    zone = ZoneInfo(team_zone(session, team_id))
    day_list = [start_day + timedelta(days=offset) for offset in range(days)]
    nights = night_windows(oncall_queries.night_shift_types(session, team_id), day_list, zone)
    if not nights:
        return []
    assignments = [a for a in published_assignments_on(session, team_id, day_list) if a.shift_type.is_night]
    mondays = {day - timedelta(days=day.weekday()) for day in day_list}
    return find_gaps(nights, _crews(assignments), oncall_queries.skills_of_24x7_queues(session, team_id),
                     oncall_queries.published_weeks(session, team_id, mondays))


def alert_gaps_on_publish(session: Session, roster_id: int, now: datetime) -> list[CoverageGap]:
    """Call when a roster is published (same transaction): alert planners and managers to its gaps.

    Judged on the roster's own assignments, so it works before or after the status flips; nights
    already over are left out. Once per roster version (the outbox key names the roster).
    """
    roster = oncall_queries.roster(session, roster_id)
    zone = ZoneInfo(team_zone(session, roster.team_id))
    days = [roster.week_start + timedelta(days=offset) for offset in range(7)]
    nights = [n for n in night_windows(oncall_queries.night_shift_types(session, roster.team_id), days, zone)
              if n.ends_at > now]
    gaps = find_gaps(nights, _crews(oncall_queries.roster_night_assignments(session, roster_id)),
                     oncall_queries.skills_of_24x7_queues(session, roster.team_id), {roster.week_start})
    if gaps:
        subject = (f"Night on-call gaps in the roster for the week of {roster.week_start:%d %b %Y} "
                   f"(version {roster.version}): {len(gaps)} night(s)")
        _alert(session, f"oncall-gaps:roster:{roster.id}", subject, roster.team_id, gaps, now)
    return gaps


def daily_gap_check(session: Session, now: datetime, days: int = DAILY_HORIZON_DAYS) -> list[GapAlert]:
    """The worker's daily look at the next `days` nights of every team; one alert per team per local day.

    A team already alerted today is not looked at again today; a team without gaps is looked at on every
    call, so a gap that appears later in the day (an approved swap, a new roster) is still reported.
    """
    alerts = []
    for team_id in oncall_queries.team_ids(session):
        today = now.astimezone(ZoneInfo(team_zone(session, team_id))).date()
        key = f"oncall-gaps:daily:{team_id}:{today.isoformat()}"
        if _alerted(session, key, now):
            continue
        gaps = [g for g in night_coverage_gaps(session, team_id, today, days) if g.night.ends_at > now]
        if gaps:
            subject = f"Night on-call gaps in the next {days} nights: {len(gaps)}"
            alerts.append(GapAlert(team_id, gaps, _alert(session, key, subject, team_id, gaps, now)))
    return alerts


def _alerted(session: Session, key: str, now: datetime) -> bool:
    """Whether today's alert already went to anyone it would go to (checked by its exact outbox keys)."""
    probe = Message(key=key, subject="", body="")
    keys = [row["idempotency_key"] for contact in oncall_queries.planner_and_manager_contacts(session)
            for row in rows_for(probe, contact, now, None)]
    return oncall_queries.outbox_has_any(session, keys)


def _crews(assignments: Iterable[RosterAssignment]) -> dict[date, list[CrewMember]]:
    crews: dict[date, list[CrewMember]] = {}
    for assignment in assignments:
        employee = assignment.employee
        crews.setdefault(assignment.day, []).append(
            CrewMember(employee.name, frozenset(es.skill.code for es in employee.skills)))
    return crews


def _alert(session: Session, key: str, subject: str, team_id: int, gaps: list[CoverageGap], now: datetime) -> int:
    team = session.get_one(Team, team_id)
    lines = [f"{team.name}: nights without full on-call cover", ""]
    for gap in gaps:
        night = gap.night
        who = f" (on call: {', '.join(gap.on_call)})" if gap.on_call else ""
        lines.append(f"- {night.starts_at:%a %d %b %H:%M}–{night.ends_at:%H:%M}: {gap.reason}{who}")
    if any(gap.nobody for gap in gaps):
        lines += ["", ("Until the roster covers them, urgent tickets on nights with nobody on call page the "
                       "standby list first.")]
    message = Message(key=key, subject=subject, body="\n".join(lines),
                      data={"team_id": team_id, "nights": [g.night.day.isoformat() for g in gaps]})
    return notify(session, message, oncall_queries.planner_and_manager_contacts(session), now)
