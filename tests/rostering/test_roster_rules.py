"""Each hard rule family on a tiny week, in pairs just inside and just
outside its threshold. Every case is judged twice: by the validator (the
specification) and by the CP-SAT model pinned to the same roster; they must
agree on legality and, when legal, on the objective."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from rostering.domain import (
    Assignment,
    Employee,
    NightMinimum,
    Rules,
    ShiftDemand,
    ShiftType,
    TimeOff,
)
from rostering.validate import validate
from tests.rostering.conftest import EARLY, LATE, NIGHT, employee, make_problem, model_verdict, roster


def judged(problem, r, previous=None) -> set[str]:
    """Broken rules per the validator, after checking the model agrees."""
    report = validate(problem, r, previous)
    accepted, objective = model_verdict(problem, r, previous)
    assert accepted == report.feasible, (report.violations, accepted)
    if accepted:
        assert objective == report.objective
    return {v.rule for v in report.violations}


# ---- minimum rest ------------------------------------------------------------

NINE = ShiftType("E9", time(9, 0), 480)
NINE_LESS_ONE = ShiftType("E859", time(8, 59), 480)


def rest_problem():
    return make_problem(shift_types=(LATE, NINE, NINE_LESS_ONE),
                        rules=Rules(min_rest_min=660))


def test_rest_of_exactly_eleven_hours_passes():
    # Late ends 22:00; 09:00 next morning is exactly 11 h later
    assert judged(rest_problem(), roster(("ann", 0, "L"), ("ann", 1, "E9"))) == set()


def test_rest_of_ten_hours_fifty_nine_minutes_fails():
    p = rest_problem()
    report = validate(p, roster(("ann", 0, "L"), ("ann", 1, "E859")))
    assert [(v.rule, v.employee, v.day, v.shift) for v in report.violations] == \
        [("min_rest", "ann", 1, "E859")]
    assert judged(p, roster(("ann", 0, "L"), ("ann", 1, "E859"))) == {"min_rest"}


def test_a_persons_own_minimum_rest_replaces_the_sites_for_them_alone():
    """Ann's contract asks 12 h, Bob's 10 h; the site's 11 h holds for neither."""
    p = replace(rest_problem(), employees=(employee("ann", min_rest_min=720), employee("bob", min_rest_min=600)))
    late_then_nine = lambda who: roster((who, 0, "L"), (who, 1, "E9"))  # noqa: E731 - 11 h of rest
    assert judged(p, late_then_nine("ann")) == {"min_rest"}
    assert judged(p, late_then_nine("bob")) == set()
    assert judged(p, roster(("bob", 0, "L"), ("bob", 1, "E859"))) == set()  # 10 h 59 min
    message = validate(p, late_then_nine("ann")).violations[0].message
    assert "(min 720)" in message


def test_rest_counts_the_carried_in_history():
    p = replace(rest_problem(), history_days=1,
                history=(Assignment("ann", -1, "L", "general"),))
    assert judged(p, roster(("ann", 0, "E859"))) == {"min_rest"}
    assert judged(p, roster(("ann", 0, "E9"))) == set()


# ---- forbidden successions ---------------------------------------------------

def test_forbidden_succession_night_then_early():
    p = make_problem(rules=Rules(forbidden_successions=frozenset({("N", "E")})))
    assert judged(p, roster(("ann", 0, "N"), ("ann", 1, "N"))) == set()
    assert judged(p, roster(("ann", 0, "N"), ("ann", 1, "E"))) == {"forbidden_succession"}


# ---- sums ----------------------------------------------------------------------

def test_max_shifts_per_type():
    p = make_problem(employees=(employee("ann", max_shifts_per_type={"E": 2}),))
    assert judged(p, roster(("ann", 0, "E"), ("ann", 1, "E"))) == set()
    assert judged(p, roster(("ann", 0, "E"), ("ann", 1, "E"), ("ann", 2, "E"))) == \
        {"max_shifts_per_type"}


def test_shift_type_with_max_zero_is_never_worked():
    p = make_problem(employees=(employee("ann", max_shifts_per_type={"N": 0}),))
    assert judged(p, roster(("ann", 0, "N"))) == {"max_shifts_per_type"}


def test_max_minutes_per_horizon_includes_the_limit():
    p = make_problem(employees=(employee("ann", max_minutes_horizon=960),))
    assert judged(p, roster(("ann", 0, "E"), ("ann", 2, "E"))) == set()
    assert judged(p, roster(("ann", 0, "E"), ("ann", 2, "E"), ("ann", 4, "E"))) == \
        {"max_minutes_horizon"}


def test_min_minutes_per_week_counts_leave_credit():
    ann = employee("ann", min_minutes_week=1440)
    p = make_problem(employees=(ann,))
    two = roster(("ann", 0, "E"), ("ann", 1, "E"))
    assert judged(p, two) == {"min_minutes_week"}
    assert judged(p, roster(("ann", 0, "E"), ("ann", 1, "E"), ("ann", 2, "E"))) == set()
    credited = replace(p, time_off=(TimeOff("ann", 4, "leave", credit_min=480),))
    assert judged(credited, two) == set()


def test_max_minutes_per_week():
    p = make_problem(employees=(employee("ann", max_minutes_week=960),))
    assert judged(p, roster(("ann", 0, "E"), ("ann", 1, "E"))) == set()
    assert judged(p, roster(("ann", 0, "E"), ("ann", 1, "E"), ("ann", 2, "E"))) == \
        {"max_minutes_week"}


def test_max_nights_per_week():
    p = make_problem(employees=(employee("ann", max_nights_week=2),))
    assert judged(p, roster(("ann", 0, "N"), ("ann", 1, "N"))) == set()
    assert judged(p, roster(("ann", 0, "N"), ("ann", 1, "N"), ("ann", 2, "N"))) == \
        {"max_nights_week"}


def test_max_weekends_counts_a_weekend_once():
    p = make_problem(num_days=14, employees=(employee("ann", max_weekends=1),))
    assert judged(p, roster(("ann", 5, "E"), ("ann", 6, "E"))) == set()
    assert judged(p, roster(("ann", 5, "E"), ("ann", 12, "E"))) == {"max_weekends"}


# ---- runs ----------------------------------------------------------------------

def test_max_consecutive_days():
    p = make_problem(employees=(employee("ann", max_consecutive_days=5),))
    five = [("ann", d, "E") for d in range(5)]
    assert judged(p, roster(*five)) == set()
    assert judged(p, roster(*five, ("ann", 5, "E"))) == {"max_consecutive_days"}


def test_max_consecutive_days_continues_the_history():
    p = make_problem(employees=(employee("ann", max_consecutive_days=5),), history_days=3,
                     history=tuple(Assignment("ann", d, "E", "general") for d in (-3, -2, -1)))
    assert judged(p, roster(("ann", 0, "E"), ("ann", 1, "E"))) == set()
    assert judged(p, roster(("ann", 0, "E"), ("ann", 1, "E"), ("ann", 2, "E"))) == \
        {"max_consecutive_days"}


def test_min_consecutive_days_in_the_middle():
    p = make_problem(employees=(employee("ann", min_consecutive_days=2),))
    assert judged(p, roster(("ann", 2, "E"), ("ann", 3, "E"))) == set()
    assert judged(p, roster(("ann", 2, "E"))) == {"min_consecutive_days"}


def test_min_consecutive_days_border_exemption_is_selectable():
    ann = employee("ann", min_consecutive_days=2)
    exempt = make_problem(employees=(ann,))
    assert judged(exempt, roster(("ann", 0, "E"))) == set()
    assert judged(exempt, roster(("ann", 6, "E"))) == set()
    strict = make_problem(employees=(ann,), rules=Rules(exempt_runs_at_start=False,
                                                        exempt_runs_at_end=False))
    assert judged(strict, roster(("ann", 0, "E"))) == {"min_consecutive_days"}
    assert judged(strict, roster(("ann", 6, "E"))) == {"min_consecutive_days"}


def test_min_consecutive_days_judges_a_run_carried_in_from_history():
    # one day worked at the end of last week: with history the run must go on
    p = make_problem(employees=(employee("ann", min_consecutive_days=2),), history_days=2,
                     history=(Assignment("ann", -1, "E", "general"),))
    assert judged(p, roster(("ann", 0, "E"))) == set()
    assert judged(p, roster()) == {"min_consecutive_days"}


def test_min_consecutive_days_off():
    p = make_problem(employees=(employee("ann", min_consecutive_days_off=2),))
    one_off = roster(("ann", 0, "E"), ("ann", 1, "E"), ("ann", 3, "E"))
    two_off = roster(("ann", 0, "E"), ("ann", 1, "E"), ("ann", 4, "E"))
    assert judged(p, one_off) == {"min_consecutive_days_off"}
    assert judged(p, two_off) == set()
    # a single day off touching either end of the horizon is exempt
    assert judged(p, roster(*[("ann", d, "E") for d in range(1, 7)])) == set()
    assert judged(p, roster(*[("ann", d, "E") for d in range(6)])) == set()


# ---- eligibility -------------------------------------------------------------

def test_time_off_and_availability():
    ann = Employee("ann", {"general": 1}, unavailable=frozenset({(2, "N"), (3, None)}))
    p = make_problem(employees=(ann,), time_off=(TimeOff("ann", 1, "leave"),))
    assert judged(p, roster(("ann", 0, "E"), ("ann", 2, "E"))) == set()
    assert judged(p, roster(("ann", 1, "E"))) == {"time_off"}
    assert judged(p, roster(("ann", 2, "N"))) == {"unavailable"}
    assert judged(p, roster(("ann", 3, "E"))) == {"unavailable"}


def test_skill_must_be_held_at_the_minimum_level():
    # the model offers only skills somebody demands, so demand technical
    p = make_problem(employees=(employee("ann", skills={"general": 1, "technical": 1}),),
                     rules=Rules(min_skill_level=1),
                     shift_demand=(ShiftDemand(0, "E", 1, skill="technical"),))
    assert judged(p, roster(("ann", 0, "E", "technical"))) == set()
    assert judged(p, roster(("ann", 0, "E", "billing"))) == {"skill_not_held"}


def test_one_shift_per_day():
    p = make_problem()
    report = validate(p, roster(("ann", 0, "E"), ("ann", 0, "L")))
    assert [(v.rule, v.employee, v.day, v.shift) for v in report.violations] == \
        [("one_shift_per_day", "ann", 0, "L")]


# ---- night cover ---------------------------------------------------------------

def night_problem(required: int):
    return make_problem(rules=Rules(night_minimums=(NightMinimum("general", required),)),
                        num_days=2)


def test_night_minimum_holds_in_every_night_interval():
    p = night_problem(1)
    both_nights = roster(("ann", 0, "N"), ("bob", 1, "N"))
    assert judged(p, both_nights) == set()
    report = validate(p, roster(("ann", 0, "N")))
    # the second night (day 1, 22:00-24:00 inside the horizon) is unattended
    assert {v.rule for v in report.violations} == {"night_cover"}
    assert {v.day for v in report.violations} == {1}
    assert judged(p, roster(("ann", 0, "N"))) == {"night_cover"}


def test_night_minimum_of_two_needs_two_people():
    p = night_problem(2)
    assert judged(p, roster(("ann", 0, "N"), ("bob", 0, "N"), ("ann", 1, "N"),
                            ("bob", 1, "N"))) == set()
    assert judged(p, roster(("ann", 0, "N"), ("ann", 1, "N"), ("bob", 1, "N"))) == \
        {"night_cover"}


def test_last_weeks_night_is_not_this_rosters_to_staff():
    # Monday 00:00-06:00 can only be worked by a shift that started on Sunday, in last week's
    # roster: whether or not that night was covered, this week's roster is judged without it
    p = replace(night_problem(1), history_days=1)
    assert judged(p, roster(("ann", 0, "N"), ("bob", 1, "N"))) == set()
    covered = replace(p, history=(Assignment("bob", -1, "N", "general"),))
    assert judged(covered, roster(("ann", 0, "N"), ("ann", 1, "N"))) == set()
    # the nights the roster does staff are still held to the minimum
    assert judged(p, roster(("ann", 0, "N"))) == {"night_cover"}


@pytest.mark.parametrize("shift", [EARLY, LATE, NIGHT])
def test_shift_types_are_in_local_wall_clock_time(shift):
    from rostering.calendar import calendar_of
    cal = calendar_of(make_problem())
    assert cal.slot(0, shift.id).minutes == shift.duration_min  # Shanghai has no DST
