"""KPIs of a hand-made roster: coverage per skill, night cover, overtime,
fairness spread and requests honoured."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from rostering.domain import IntervalDemand, LedgerEntry, NightMinimum, Rules, ShiftRequest
from rostering.kpis import compute_kpis
from tests.rostering.conftest import MONDAY, employee, make_problem, roster


def test_kpis_of_a_hand_made_roster():
    zone = ZoneInfo("Asia/Shanghai")
    eight = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 8, 0, tzinfo=zone)
    demand = tuple(IntervalDemand(eight + timedelta(minutes=30 * k), "general", 2) for k in range(4))
    p = make_problem(
        employees=(employee("ann", regular_minutes_week=480), employee("bob")),
        interval_demand=demand,
        rules=Rules(night_minimums=(NightMinimum("general", 1),)),
        requests=(ShiftRequest("ann", 0, "E", True, 1), ShiftRequest("bob", 1, None, False, 1)),
        ledger={"bob": LedgerEntry(nights=2)},
        num_days=2,
    )
    r = roster(("ann", 0, "E"), ("ann", 1, "N"), ("bob", 0, "N"))
    k = compute_kpis(p, r)
    (general,) = k.coverage
    assert (general.required_hours, general.covered_hours, general.short_hours) == (4.0, 2.0, 2.0)
    assert general.coverage_pct == 50.0
    assert k.under_interval_hours == 2.0
    (night,) = k.night
    assert (night.lowest, night.intervals_below) == (1, 0)
    assert k.overtime_min == 540 and k.overtime_by_employee == {"ann": 540}
    nights = next(f for f in k.fairness if f.kind == "nights")
    assert nights.per_employee == {"ann": 1, "bob": 3} and nights.spread == 2
    assert (k.requests, k.requests_honoured) == (2, 2)
    assert k.worked_min_by_employee == {"ann": 1020, "bob": 540}
