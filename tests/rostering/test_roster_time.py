"""Local time, midnight and both DST transitions (Europe/Berlin, 2025).

Shift types are wall-clock times; absolute start and end come from zoneinfo,
so a 22:00-07:00 night is 600 worked minutes when the clocks go back and 480
when they go forward, and rest is measured in real time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from rostering.calendar import calendar_of
from rostering.domain import IntervalDemand, NightMinimum, Rules, ShiftType
from rostering.errors import RosterInputError
from rostering.validate import validate
from tests.rostering.conftest import LATE, NIGHT, employee, make_problem, model_verdict, roster

BERLIN = ZoneInfo("Europe/Berlin")
FALL_MONDAY = date(2025, 10, 20)    # clocks go back on Sunday 26 October (day 6)
SPRING_MONDAY = date(2025, 3, 24)   # clocks go forward on Sunday 30 March (day 6)
SUN_EIGHT = ShiftType("S8", time(8, 0), 480)
SUN_NINE = ShiftType("S9", time(9, 0), 480)


def berlin_week(monday: date, **overrides):
    return make_problem(start_date=monday, tz="Europe/Berlin",
                        shift_types=(LATE, NIGHT, SUN_EIGHT, SUN_NINE), **overrides)


def test_night_across_the_autumn_change_works_600_minutes():
    cal = calendar_of(berlin_week(FALL_MONDAY))
    night = cal.slot(5, "N")  # Saturday 22:00 CEST -> Sunday 07:00 CET
    assert night.minutes == 600
    assert cal.slot(4, "N").minutes == 540
    assert len(cal.covered_intervals(5, "N")) == 20
    assert cal.num_intervals == 7 * 48 + 2


def test_night_across_the_spring_change_works_480_minutes():
    cal = calendar_of(berlin_week(SPRING_MONDAY))
    assert cal.slot(5, "N").minutes == 480
    assert cal.num_intervals == 7 * 48 - 2


def test_rest_is_measured_in_real_time_across_the_autumn_change():
    # Late ends Saturday 22:00 CEST; Sunday 08:00 CET is 10 h on the clock
    # but 11 h in real time, so an 11 h minimum rest holds
    p = berlin_week(FALL_MONDAY, rules=Rules(min_rest_min=660))
    r = roster(("ann", 5, "L"), ("ann", 6, "S8"))
    assert validate(p, r).feasible
    assert model_verdict(p, r)[0]


def test_rest_is_measured_in_real_time_across_the_spring_change():
    # Sunday 09:00 CEST is 11 h after Saturday 22:00 CET on the clock, 10 h in real time
    p = berlin_week(SPRING_MONDAY, rules=Rules(min_rest_min=660))
    r = roster(("ann", 5, "L"), ("ann", 6, "S9"))
    assert [v.rule for v in validate(p, r).violations] == ["min_rest"]
    assert not model_verdict(p, r)[0]


def test_the_long_autumn_night_counts_in_weekly_minutes():
    p = berlin_week(FALL_MONDAY, employees=(employee("ann", max_minutes_week=1140),))
    assert validate(p, roster(("ann", 4, "N"), ("ann", 0, "N"))).feasible  # 540 + 540
    r = roster(("ann", 5, "N"), ("ann", 0, "N"))  # 600 + 540 = 1140: exactly the max
    assert validate(p, r).feasible and model_verdict(p, r)[0]
    p2 = berlin_week(FALL_MONDAY, employees=(employee("ann", max_minutes_week=1139),))
    assert [v.rule for v in validate(p2, r).violations] == ["max_minutes_week"]
    assert not model_verdict(p2, r)[0]


def test_a_night_shift_belongs_to_the_day_it_starts_and_covers_after_midnight():
    p = make_problem(rules=Rules(night_minimums=(NightMinimum("general", 1),)), num_days=2)
    cal = calendar_of(p)
    covered = cal.covered_intervals(0, "N")
    labels = [cal.interval_label(i) for i in covered]
    assert labels[0] == "Mon 22:00" and labels[-1] == "Tue 06:30"
    assert cal.night_of_interval(covered[-1]) == 0
    # Monday 00:00-06:00 is no shift's to cover without history: not required
    assert all(cal.day_of_interval(i) >= 0 and cal.night_of_interval(i) >= 0
               for i in cal.night_intervals)


def test_interval_demand_on_the_repeated_autumn_hour():
    first = datetime(2025, 10, 26, 2, 30, tzinfo=BERLIN)
    second = datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=BERLIN)
    p = berlin_week(FALL_MONDAY, interval_demand=(IntervalDemand(first, "general", 1),
                                                  IntervalDemand(second, "general", 1)))
    cal = calendar_of(p)
    assert len(cal.interval_required) == 2
    i1, i2 = sorted(i for i, _ in cal.interval_required)
    assert i2 == i1 + 2  # one real hour apart
    # the Saturday night covers both 02:30s
    assert i1 in cal.covered_intervals(5, "N") and i2 in cal.covered_intervals(5, "N")
    assert validate(p, roster(("ann", 5, "N"))).objective == 0


def test_naive_or_off_grid_demand_is_rejected_with_its_time():
    with pytest.raises(RosterInputError, match="naive"):
        calendar_of(make_problem(interval_demand=(
            IntervalDemand(datetime(2025, 3, 3, 8, 0), "general", 1),)))
    with pytest.raises(RosterInputError, match="not on the 30-minute grid"):
        calendar_of(make_problem(interval_demand=(
            IntervalDemand(datetime(2025, 3, 3, 0, 15, tzinfo=UTC), "general", 1),)))
