"""The first morning of a week: what only last week's night shift could work is not this roster's."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rostering.domain import IntervalDemand, Weights
from rostering.validate import validate
from tests.rostering.conftest import MONDAY, make_problem, roster

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(hour: int, day: int = 0) -> datetime:
    return datetime(MONDAY.year, MONDAY.month, MONDAY.day, hour, tzinfo=SHANGHAI) + timedelta(days=day)


def test_demand_only_last_weeks_night_could_work_costs_nothing() -> None:
    small_hours = IntervalDemand(_at(2), "general", 1)  # Monday 02:00: only Sunday's 22:00 night covers it
    morning = IntervalDemand(_at(10), "general", 1)  # Monday 10:00: the early shift covers it
    p = replace(make_problem(interval_demand=(small_hours, morning), history_days=1, num_days=2),
                weights=replace(Weights(), fair_nights=0, fair_weekends=0, fair_holidays=0, overtime_per_min=0))
    empty = validate(p, roster())
    assert {c.rule for c in empty.costs} == {"interval_under_cover"}
    assert sum(c.cost for c in empty.costs) == p.weights.under_cover  # 10:00 short; 02:00 is not charged
    staffed = validate(p, roster(("ann", 0, "E")))
    assert staffed.objective == 0  # nothing is charged for 02:00, which no shift of this week can work
