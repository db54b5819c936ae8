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
from rostering.domain import Assignment, Roster, TimeOff
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


# many people at once, as when the search writes a re-solved neighbourhood in:
# (employee, day, shift or None for a day off, skill)
cell_edits = st.lists(st.tuples(people, days, st.none() | st.sampled_from(SHIFTS), st.sampled_from(SKILLS)),
                      min_size=1, max_size=12)


def _edits(cells) -> dict:
    edits: dict = {}
    for e, d, s, k in cells:
        edits.setdefault(e, {})[d] = None if s is None else Assignment(e, d, s, k)
    return edits


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=cell_edits)
def test_edits_of_many_people_agree_with_the_validator(checker, cells):
    """Fairness included: with more than two people changed, the kept
    extremes of the others may all be among them."""
    result = checker.check_edits(_edits(cells))
    after = validate(DESK, result.roster)
    assert set(result.violations) == set(after.violations)
    assert result.cost_delta == after.objective - validate(DESK, checker.roster).objective


@settings(max_examples=25, deadline=None)
@given(steps=st.lists(cell_edits, min_size=1, max_size=4))
def test_applied_edits_leave_the_index_of_a_fresh_checker(steps):
    """`apply` keeps the index in step with the roster, so a search can keep
    one checker for its incumbent: after any sequence of edits it holds what
    a checker built on the final roster holds, and its checks still agree
    with the validator."""
    placed, _ = greedy_roster(calendar_of(DESK), seed=2)
    live = ChangeChecker(DESK, Roster(tuple(placed)))
    for cells in steps:
        edits = _edits(cells)
        live.apply(edits, live.check_edits(edits))
    fresh = ChangeChecker(DESK, live.roster)
    assert live.cells == fresh.cells
    assert {k: v for k, v in live.cover.items() if v} == {k: v for k, v in fresh.cover.items() if v}
    assert +live.counts == +fresh.counts
    assert live.emp_cost == fresh.emp_cost
    assert live.fair == fresh.fair
    for e in EMPLOYEES:  # whoever leaves or joins the extremes, the cost change is the same
        for probe in ({e: {0: None}}, {e: {3: Assignment(e, 3, "N", SKILLS[0])}}):
            assert live.check_edits(probe).cost_delta == fresh.check_edits(probe).cost_delta


def test_fairness_when_everyone_at_an_extreme_changes(checker):
    """The index keeps each fairness kind's three highest and lowest people;
    when all three of the lowest rise above the others (nights every day),
    the new lowest comes from the rest."""
    nights = checker.fair["nights"]
    lowest = sorted(nights, key=nights.__getitem__)[:4]
    assert nights[lowest[3]] < DESK.num_days  # so the three end above the fourth
    edits = {e: {d: Assignment(e, d, "N", SKILLS[0]) for d in range(DESK.num_days)} for e in lowest[:3]}
    result = checker.check_edits(edits)
    assert result.cost_delta == validate(DESK, result.roster).objective - validate(DESK, checker.roster).objective


def test_people_known_legal_are_priced_but_not_rechecked(checker):
    """The search vouches for people a sub-solve placed against the same
    cells; their rules are not checked again, their costs still are."""
    e = EMPLOYEES[0]
    edits = {e: {d: Assignment(e, d, "N", SKILLS[0]) for d in range(DESK.num_days)}}  # nights every day
    checked = checker.check_edits(edits)
    assert any(v.employee == e for v in checked.violations)
    trusted = checker.check_edits(edits, known_legal={e})
    assert set(trusted.violations) == {v for v in checked.violations if v.employee != e}
    assert trusted.cost_delta == checked.cost_delta
