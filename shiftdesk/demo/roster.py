"""A simple, legal weekly rotation for the demo's published rosters.

Each agent keeps one shift type all week and takes two consecutive days off,
staggered across the team, so rest and consecutive-day rules hold by
construction; night-capable agents take the night rotation in turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from shiftdesk.demo.desk import DemoAgent

# Day shifts per agent slot; nights are handed out separately below.
_PATTERN = ("E", "L", "D", "E", "L", "E", "L", "D", "L")


def rotation_roster(agents: list[DemoAgent], monday: date) -> Iterator[tuple[int, date, str, str]]:
    """Yield (agent index, day, shift code, skill worked) for the week starting `monday`."""
    week_number = monday.isocalendar().week
    night_capable = [i for i, a in enumerate(agents) if a.may_work_nights]
    # Rotate who is on nights from week to week so nights are shared fairly.
    night_slots = {night_capable[(week_number * 3 + k) % len(night_capable)] for k in range(len(agents) // 6)}
    for index, agent in enumerate(agents):
        shift = "N" if index in night_slots else _PATTERN[index % len(_PATTERN)]
        first_off = (index + week_number) % 7
        working_days = 3 if agent.max_minutes_per_week < 1920 else 5
        off = {(first_off + k) % 7 for k in range(7 - working_days)}
        primary = max(agent.skills, key=agent.skills.__getitem__)
        for offset in range(7):
            if offset not in off:
                yield index, monday + timedelta(days=offset), shift, primary
