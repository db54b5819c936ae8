"""A simple weekly rotation for the demo's published rosters that the engine's validator accepts.

Every agent repeats the same week: one shift type, and the same days off every week (staggered
across the team), so rest, successions and consecutive days hold across week boundaries too; the
number of working days keeps each contract's weekly minutes. The night minimum per 24x7 skill is
met by construction: two full-timers per such skill work four nights a week on complementary
days, and two late-shift full-timers per skill cover the evening hours before the night shift
starts. (`shiftdesk roster` builds a better week with CP-SAT; the demo seeds this rotation so
seeding needs no solver time and the desk looks the same on every run.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from shiftdesk.demo.desk import QUEUES, SHIFT_TYPES, DemoAgent

# Day shifts per agent slot; the night and evening cover are picked separately below.
_PATTERN = ("E", "L", "D", "E", "L", "E", "L", "D", "L")
NIGHT_SKILLS = tuple(sorted({q.skill for q in QUEUES if q.covered_24x7}))
NIGHTS_PER_WEEK = 4
_MINUTES = {s.code: s.minutes for s in SHIFT_TYPES}


@dataclass(frozen=True)
class Duty:
    """One agent's repeating week: the shift, the skill worked, the first day and how many days."""

    shift: str
    skill: str
    first_day: int
    days: int


def cover_crew(agents: list[DemoAgent]) -> dict[int, Duty]:
    """Agent index -> duty for the agents who hold the night minimum: per 24x7 skill, two night
    full-timers (four nights each, the second starting where the first stops) and two late-shift
    full-timers (five days each, together every evening)."""
    crew: dict[int, Duty] = {}
    for shift, per_week, second_start in (("L", 5, 5), ("N", NIGHTS_PER_WEEK, NIGHTS_PER_WEEK)):
        for skill in NIGHT_SKILLS:
            able = [i for i, a in enumerate(agents) if i not in crew and skill in a.skills
                    and a.min_minutes_per_week >= 1920 and a.max_minutes_per_week >= per_week * _MINUTES[shift]
                    and (shift != "N" or (a.may_work_nights and a.max_nights_per_week >= per_week))]
            if len(able) < 2:
                raise ValueError(f"the demo desk needs two full-timers with skill {skill} for shift {shift}")
            # Seniors stand by at night rather than work it; the evening is taken from late-shift agents.
            able.sort(key=lambda i: (agents[i].senior if shift == "N" else _day_shift(i) != "L",
                                     -agents[i].skills[skill]))
            crew[able[0]] = Duty(shift, skill, 0, per_week)
            crew[able[1]] = Duty(shift, skill, second_start, per_week)
    return crew


def _day_shift(index: int) -> str:
    return _PATTERN[index % len(_PATTERN)]


def rotation_roster(agents: list[DemoAgent], monday: date) -> Iterator[tuple[int, date, str, str]]:
    """Yield (agent index, day, shift code, skill worked) for the week starting `monday`."""
    crew = cover_crew(agents)
    for index, agent in enumerate(agents):
        duty = crew.get(index)
        if duty is None:
            shift = _day_shift(index)
            duty = Duty(shift, max(agent.skills, key=agent.skills.__getitem__), index % 7,
                        min(5, agent.max_minutes_per_week // _MINUTES[shift]))
        for k in range(duty.days):
            yield index, monday + timedelta(days=(duty.first_day + k) % 7), duty.shift, duty.skill
