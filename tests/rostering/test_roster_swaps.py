"""Swap checks against the validator on random changes (hypothesis): the
incremental answer must equal validating the whole changed roster."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.roster_scale import make_desk
from rostering.calendar import calendar_of
from rostering.construct import greedy_roster
from rostering.domain import Roster, TimeOff
from rostering.errors import RosterInputError
from rostering.swaps import ChangeChecker, GiveAway, Swap, TakeShift, TakeTimeOff
from rostering.validate import validate

DESK = make_desk(16, seed=5)
EMPLOYEES = [e.id for e in DESK.employees]
SKILLS = sorted({k for e in DESK.employees for k in e.skills})
SHIFTS = [s.id for s in DESK.shift_types]


@pytest.fixture(scope="module")
def checker():
    placed, failed = greedy_roster(calendar_of(DESK), seed=1)
    base = Roster(tuple(placed))
    assert not failed and validate(DESK, base).feasible
    return ChangeChecker(DESK, base)


days = st.integers(0, DESK.num_days - 1)
people = st.sampled_from(EMPLOYEES)
changes = st.one_of(
    st.builds(Swap, people, days, people, days),
    st.builds(GiveAway, people, days, st.none() | people),
    st.builds(TakeShift, people, days, st.sampled_from(SHIFTS), st.sampled_from(SKILLS)),
    st.builds(TakeTimeOff, people, st.tuples(days) | st.tuples(days, days),
              credit_min=st.sampled_from([0, 480])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(change=changes)
def test_check_agrees_with_the_validator(checker, change):
    try:
        result = checker.check(change)
    except RosterInputError:
        return  # e.g. giving away a shift that does not exist
    problem = DESK
    if isinstance(change, TakeTimeOff):
        known = {(t.employee, t.day) for t in DESK.time_off}
        problem = replace(DESK, time_off=DESK.time_off + tuple(
            TimeOff(change.employee, d, change.reason, change.credit_min)
            for d in dict.fromkeys(change.days) if (change.employee, d) not in known))
    after = validate(problem, result.roster)
    assert set(result.violations) == set(after.violations)
    assert result.ok == after.feasible
    assert result.cost_delta == after.objective - validate(DESK, checker.roster).objective


def test_open_shift_candidates_are_exactly_those_who_can_take_it(checker):
    day, shift, skill = 5, "N", "general"
    ranked = checker.open_shift_candidates(day, shift, skill)
    names = [c.employee for c in ranked]
    assert len(names) == len(set(names))
    for e in EMPLOYEES:
        works = any(a.employee == e and a.day == day for a in checker.roster.assignments)
        if works or skill not in calendar_of(DESK).skill_options(e, shift):
            assert e not in names
            continue
        legal = checker.check(TakeShift(e, day, shift, skill)).ok
        assert (e in names) == legal
    keys = [(c.cost_delta, c.load, c.overtime_min) for c in ranked]
    assert keys == sorted(keys)


def test_giving_away_a_missing_shift_is_refused(checker):
    off = next(d for d in range(DESK.num_days)
               if not any(a.employee == EMPLOYEES[0] and a.day == d
                          for a in checker.roster.assignments))
    with pytest.raises(RosterInputError, match="no shift on day"):
        checker.check(GiveAway(EMPLOYEES[0], off))
    with pytest.raises(RosterInputError, match="unknown employee"):
        checker.check(TakeShift("nobody", 0, "E", "general"))
