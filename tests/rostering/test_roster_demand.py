"""The staffing frame (timestamp, skill, required) folded onto the roster grid."""

from __future__ import annotations

import pandas as pd
import pytest

from rostering.calendar import calendar_of
from rostering.demand import interval_demand_from_frame
from rostering.errors import RosterInputError
from tests.rostering.conftest import make_problem


def test_fifteen_minute_staffing_folds_to_the_half_hour_peak():
    frame = pd.DataFrame({
        "timestamp": pd.date_range("2025-03-03 08:00", periods=4, freq="15min",
                                   tz="Asia/Shanghai"),
        "skill": ["general"] * 4,
        "required": [1, 2.2, 0, 1],
    })
    demand = interval_demand_from_frame(frame, interval_min=30)
    assert [(d.start.isoformat(), d.skill, d.required) for d in demand] == [
        ("2025-03-03T00:00:00+00:00", "general", 3),
        ("2025-03-03T00:30:00+00:00", "general", 1),
    ]
    cal = calendar_of(make_problem(interval_demand=demand))
    assert sorted(cal.interval_required.values()) == [1, 3]


def test_bad_frames_are_refused_with_the_row():
    with pytest.raises(RosterInputError, match="lacks column"):
        interval_demand_from_frame(pd.DataFrame({"timestamp": [], "skill": []}))
    naive = pd.DataFrame({"timestamp": [pd.Timestamp("2025-03-03 08:00")], "skill": ["g"],
                          "required": [1]})
    with pytest.raises(RosterInputError, match="naive"):
        interval_demand_from_frame(naive)
    negative = naive.assign(timestamp=naive["timestamp"].dt.tz_localize("UTC"), required=[-1])
    with pytest.raises(RosterInputError, match="row 0"):
        interval_demand_from_frame(negative)
