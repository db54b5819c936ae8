"""From forecast and queue settings to required agents per interval and skill."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.erlang import erlang_a_agents, erlang_c_agents, offered_load
from forecasting.staffing import (
    QueueConfig,
    StaffingError,
    queue_configs_from_records,
    required_agents,
    scheduled_agents,
)
from shiftdesk.errors import UserError

ZONE = "Asia/Shanghai"


def forecast_frame(
    series: dict[str, list[float]], start: str = "2026-11-23 00:00", freq: str = "15min", tz: str = ZONE
) -> pd.DataFrame:
    """A long forecast frame (queue, timestamp, mean, plus an interval column to be ignored)."""
    frames = []
    for queue, means in series.items():
        stamps = pd.date_range(start, periods=len(means), freq=freq, tz=tz)
        frames.append(pd.DataFrame({"queue": queue, "timestamp": stamps, "mean": means, "hi95": np.array(means) * 2}))
    return pd.concat(frames, ignore_index=True)


def phone(name: str = "phone", skill: str = "en", **settings_: object) -> QueueConfig:
    return QueueConfig(name, "phone", skill, aht_s=settings_.pop("aht_s", 180.0), **settings_)  # type: ignore[arg-type]


def email(name: str = "email", skill: str = "en", **settings_: object) -> QueueConfig:
    return QueueConfig(
        name, "email", skill, aht_s=settings_.pop("aht_s", 450.0), **{"first_response_min": 60.0, **settings_}
    )  # type: ignore[arg-type]


def required_of(result, skill: str) -> np.ndarray:
    rows = result.required
    return rows.loc[rows["skill"] == skill, "required"].to_numpy()


# --- shrinkage -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shrinkage", "scheduled"), [(14, 0.3, 20), (15, 0.3, 22), (21, 0.3, 30), (0, 0.3, 0), (7, 0.0, 7)]
)
def test_scheduled_agents_round_up_but_not_on_floating_point_dust(raw: int, shrinkage: float, scheduled: int) -> None:
    assert scheduled_agents(raw, shrinkage) == scheduled


def test_the_worked_example_needs_14_on_the_phones_and_20_rostered() -> None:
    # Call Centre Helper: 100 calls per 30 min, AHT 180 s, 80/20, occupancy <= 85 %, shrinkage 30 %
    forecast = forecast_frame({"phone": [100.0]}, freq="30min")
    queue = phone(service_level=0.8, answer_s=20.0, max_occupancy=0.85, shrinkage=0.3)
    result = required_agents(forecast, [queue], interval_minutes=30)
    row = result.skills.iloc[0]
    assert (row["live_agents"], row["raw_agents"], row["scheduled_agents"], row["required"]) == (14, 14, 20, 20)
    detail = result.queues.iloc[0]
    assert detail["service_level"] == pytest.approx(0.888, abs=5e-4)
    assert detail["occupancy"] == pytest.approx(0.714, abs=5e-4)


# --- the 24x7 floor --------------------------------------------------------------


def test_the_24x7_floor_holds_at_night_and_is_a_head_count_not_shrunk() -> None:
    day = [0.0] * 28 + [60.0] * 56 + [0.0] * 12  # nobody calls before 07:00 or after 21:00
    result = required_agents(forecast_frame({"phone": day}), [phone(min_agents_24x7=1, shrinkage=0.3)])
    required = required_of(result, "en")
    assert (required[:28] == 1).all() and (required[84:] == 1).all()
    assert (required[28:84] > 1).all()
    assert (result.skills["min_agents"] == 1).all()


def test_intervals_missing_from_the_forecast_still_get_the_floor() -> None:
    forecast = forecast_frame({"phone": [30.0] * 4})
    late = forecast_frame({"phone": [30.0] * 4}, start="2026-11-23 06:00")
    result = required_agents(pd.concat([forecast, late]), [phone(min_agents_24x7=2)])
    required = required_of(result, "en")
    assert len(required) == 28  # 00:00 .. 06:45 on the 15-minute grid
    assert (required[4:24] == 2).all() and (required[:4] > 2).all()


def test_a_configured_queue_without_forecast_still_floors_its_skill() -> None:
    result = required_agents(
        forecast_frame({"phone": [30.0] * 3}), [phone(), phone("night_line", skill="vip", min_agents_24x7=1)]
    )
    assert (required_of(result, "vip") == 1).all()


# --- queues to skills ------------------------------------------------------------


def test_every_interval_has_a_row_for_every_skill_from_its_own_queues() -> None:
    forecast = forecast_frame({"phone_en": [40.0, 80.0], "phone_zh": [10.0, 0.0]})
    queues = [
        phone("phone_en", "en", service_level=0.8, answer_s=20.0),
        phone("phone_zh", "zh", service_level=0.8, answer_s=20.0),
    ]
    result = required_agents(forecast, queues)
    assert list(result.required.columns) == ["timestamp", "skill", "required"]
    assert result.required["required"].dtype == np.int64
    assert list(result.required["skill"]) == ["en", "zh", "en", "zh"]
    for skill, calls in (("en", [40.0, 80.0]), ("zh", [10.0, 0.0])):
        alone, _ = erlang_c_agents(offered_load(np.array(calls), 900, 180.0), 180.0, service_level=0.8, answer_s=20.0)
        np.testing.assert_array_equal(required_of(result, skill), alone)


def test_live_queues_of_one_skill_are_pooled_which_needs_fewer_than_the_sum() -> None:
    forecast = forecast_frame({"a": [200.0], "b": [200.0]})
    result = required_agents(forecast, [phone("a"), phone("b")], interval_minutes=15)
    pooled, _ = erlang_c_agents(offered_load(400.0, 900, 180.0), 180.0, service_level=0.8, answer_s=20.0)
    standalone = result.queues["raw_agents"].sum()
    assert result.skills["live_agents"].iloc[0] == pooled < standalone


def test_the_pool_meets_the_strictest_target_of_its_queues() -> None:
    forecast = forecast_frame({"a": [200.0], "b": [100.0]})
    queues = [
        phone("a", service_level=0.8, answer_s=30.0),
        phone("b", service_level=0.9, answer_s=10.0, max_occupancy=0.9),
    ]
    result = required_agents(forecast, queues, interval_minutes=15)
    strictest, _ = erlang_c_agents(
        offered_load(300.0, 900, 180.0), 180.0, service_level=0.9, answer_s=10.0, max_occupancy=0.9
    )
    assert result.skills["live_agents"].iloc[0] == min(strictest, result.queues["raw_agents"].sum())


def test_the_pool_uses_erlang_a_only_when_every_queue_shares_the_patience() -> None:
    forecast = forecast_frame({"a": [100.0], "b": [50.0]})
    same = required_agents(forecast, [phone("a", patience_s=300.0), phone("b", patience_s=300.0)], interval_minutes=15)
    expected, _ = erlang_a_agents(offered_load(150.0, 900, 180.0), 180.0, 300.0, service_level=0.8, answer_s=20.0)
    assert same.skills["live_agents"].iloc[0] == expected
    assert (same.queues["model"] == "erlang_a").all() and same.queues["abandon_rate"].notna().all()
    mixed = required_agents(forecast, [phone("a", patience_s=300.0), phone("b")], interval_minutes=15)
    by_c, _ = erlang_c_agents(offered_load(150.0, 900, 180.0), 180.0, service_level=0.8, answer_s=20.0)
    assert mixed.skills["live_agents"].iloc[0] == min(by_c, mixed.queues["raw_agents"].sum())


def test_async_work_is_added_to_the_live_agents_of_its_skill() -> None:
    forecast = forecast_frame({"phone": [40.0] * 6, "email": [40.0, 0, 0, 0, 0, 0]})
    result = required_agents(forecast, [phone(), email()])
    live, _ = erlang_c_agents(offered_load(40.0, 900, 180.0), 180.0, service_level=0.8, answer_s=20.0)
    # 40 tickets x 450 s spread over the 1-hour window: 5 agents for 4 quarter hours
    np.testing.assert_array_equal(required_of(result, "en"), live + np.array([5, 5, 5, 5, 0, 0]))
    backlog = result.queues.loc[result.queues["queue"] == "email", "backlog"].to_numpy()
    np.testing.assert_allclose(backlog, [30, 20, 10, 0, 0, 0])


def test_a_trickle_of_email_at_night_is_one_person_even_after_shrinkage() -> None:
    # 2 tickets x 450 s in a 60-minute window: 0.25 agents; / (1 - 0.15) is 0.29: one person, not two.
    forecast = forecast_frame({"email": [0.5] * 4})
    result = required_agents(forecast, [email(shrinkage=0.15)])
    np.testing.assert_array_equal(required_of(result, "en"), [1, 1, 1, 1])


# --- grid: interval, zones, DST ---------------------------------------------------


def test_a_coarser_interval_sums_contacts() -> None:
    forecast = forecast_frame({"phone": [10.0, 30.0, 20.0, 20.0]})
    result = required_agents(forecast, [phone()], interval_minutes=30)
    np.testing.assert_allclose(result.queues["contacts"], [40.0, 40.0])
    assert result.interval_minutes == 30 and len(result.required) == 2


def test_the_autumn_dst_day_has_100_quarter_hours_in_local_time() -> None:
    forecast = forecast_frame({"phone": [20.0] * 100}, start="2026-10-25 00:00", tz="Europe/London")
    result = required_agents(forecast, [phone()])
    stamps = result.required["timestamp"]
    assert len(stamps) == 100 and stamps.is_unique and str(stamps.dt.tz) == "Europe/London"
    assert stamps.iloc[-1] == pd.Timestamp("2026-10-25 23:45", tz="Europe/London")


def test_timestamps_come_back_in_the_forecast_zone() -> None:
    result = required_agents(forecast_frame({"phone": [5.0, 5.0]}), [phone()])
    assert str(result.required["timestamp"].dt.tz) == ZONE
    assert result.required["timestamp"].iloc[0] == pd.Timestamp("2026-11-23 00:00", tz=ZONE)


# --- bad input -----------------------------------------------------------------


def bad_forecast(kind: str) -> pd.DataFrame:
    frame = forecast_frame({"phone": [10.0, 20.0, 30.0]})
    if kind == "negative":
        frame.loc[1, "mean"] = -1.0
    elif kind == "nan":
        frame.loc[2, "mean"] = np.nan
    elif kind == "unknown queue":
        frame.loc[0, "queue"] = "fax"
    elif kind == "duplicate":
        frame = pd.concat([frame, frame.iloc[[1]]], ignore_index=True)
    elif kind == "off grid":
        frame.loc[2, "timestamp"] += pd.Timedelta(minutes=5)
    elif kind == "naive":
        frame["timestamp"] = frame["timestamp"].dt.tz_localize(None)
    elif kind == "no mean":
        frame = frame.drop(columns="mean")
    return frame


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("negative", "row 2 (queue 'phone'"),
        ("nan", "row 3 (queue 'phone'"),
        ("unknown queue", "'fax' has no configuration"),
        ("duplicate", "row 4: queue 'phone'"),
        ("off grid", "row 3 (queue 'phone')"),
        ("naive", "timezone-aware"),
        ("no mean", "lacks column(s) mean"),
    ],
)
def test_bad_forecasts_are_refused_naming_the_row_or_column(kind: str, message: str) -> None:
    with pytest.raises(StaffingError, match=re.escape(message)):
        required_agents(bad_forecast(kind), [phone()])


def test_queues_at_different_intervals_are_refused() -> None:
    forecast = pd.concat([forecast_frame({"a": [1.0] * 4}), forecast_frame({"b": [1.0] * 2}, freq="30min")])
    with pytest.raises(StaffingError, match="'b' is at 30-minute intervals"):
        required_agents(forecast, [phone("a"), phone("b")])


@pytest.mark.parametrize(("interval", "message"), [(20, "not a multiple"), (0, "whole number"), (5, "not a multiple")])
def test_an_interval_that_does_not_sum_forecast_intervals_is_refused(interval: int, message: str) -> None:
    with pytest.raises(StaffingError, match=message):
        required_agents(forecast_frame({"phone": [1.0, 2.0]}), [phone()], interval_minutes=interval)
    with pytest.raises(StaffingError, match="whole number"):
        required_agents(forecast_frame({"phone": [1.0]}), [phone()], interval_minutes=0)


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"channel": "fax"}, "channel must be one of phone, chat, email, webform"),
        ({"service_level": 80.0, "answer_s": 20.0}, r"service_level must be in \(0, 1\)"),
        ({"service_level": 0.8}, "give service_level and answer_s together"),
        ({"aht_s": 0.0}, r"aht_s must be in \(0, inf\)"),
        ({"shrinkage": 1.0}, r"shrinkage must be in \[0, 1\)"),
        ({"max_occupancy": 1.5}, r"max_occupancy must be in \(0, 1\]"),
        ({"min_agents_24x7": -1}, "min_agents_24x7 must be a whole number"),
        ({"first_response_min": 60.0}, "first_response_min is for email/webform"),
        ({"channel": "email"}, "email needs first_response_min"),
        ({"channel": "webform", "first_response_min": 60.0, "patience_s": 300.0}, "patience_s is for phone/chat"),
    ],
)
def test_bad_queue_settings_name_the_queue_and_the_field(settings_: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"queue": "q1", "channel": "phone", "skill": "en", "aht_s": 180.0}
    with pytest.raises(StaffingError, match=f"queue 'q1': {message}"):
        QueueConfig(**{**base, **settings_})  # type: ignore[arg-type]


def test_a_live_queue_without_a_target_gets_80_in_20() -> None:
    queue = phone()
    assert (queue.service_level, queue.answer_s, queue.model) == (0.8, 20.0, "erlang_c")
    assert phone(asa_s=30.0).service_level is None


def test_staffing_errors_are_user_errors() -> None:
    assert issubclass(StaffingError, UserError)


def test_records_fill_blanks_from_defaults_only_where_the_channel_uses_them() -> None:
    records = [
        {
            "queue": "p",
            "channel": "Phone",
            "skill": "en",
            "aht_s": "180",
            "service_level": "",
            "answer_s": None,
            "min_agents_24x7": "1",
        },
        {"queue": "e", "channel": "email", "skill": "en", "aht_s": 300, "first_response_min": float("nan")},
    ]
    defaults = {"service_level": 0.9, "answer_s": 15, "first_response_min": 120, "shrinkage": 0.25}
    p, e = queue_configs_from_records(records, defaults)
    assert (p.channel, p.service_level, p.answer_s, p.shrinkage, p.min_agents_24x7) == ("phone", 0.9, 15.0, 0.25, 1)
    assert (e.first_response_min, e.service_level, e.shrinkage) == (120.0, None, 0.25)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"queue": "p", "channel": "phone", "skill": "en", "aht_s": "3 min"},
            "row 2 \\(queue 'p'\\): aht_s must be a number",
        ),
        (
            {"queue": "p", "channel": "phone", "skill": "en", "aht_s": 1, "servce_level": 0.8},
            "unknown column\\(s\\) servce_level",
        ),
        ({"queue": "p", "channel": "phone", "aht_s": 1}, "row 2 \\(queue 'p'\\): column 'skill' is missing"),
        ({"queue": "p", "channel": "phone", "skill": "en", "aht_s": 1, "min_agents_24x7": "1.5"}, "whole number"),
        (
            {"queue": "ok", "channel": "phone", "skill": "en", "aht_s": 1},
            "row 2: queue 'ok' is already configured in row 1",
        ),
        (
            {"queue": "p", "channel": "chat", "skill": "en", "aht_s": 1, "patience_s": -5},
            "row 2: queue 'p': patience_s",
        ),
    ],
)
def test_bad_records_name_the_row(record: dict[str, object], message: str) -> None:
    first = {"queue": "ok", "channel": "phone", "skill": "en", "aht_s": 180}
    with pytest.raises(StaffingError, match=message):
        queue_configs_from_records([first, record])


# --- invariants over random desks -------------------------------------------------

desks = st.lists(
    st.tuples(
        st.sampled_from(["phone", "chat", "email", "webform"]),
        st.sampled_from(["en", "zh", "vip"]),
        st.floats(60, 900),
        st.lists(st.floats(0, 300), min_size=8, max_size=8),
        st.integers(0, 2),
        st.sampled_from([None, 120.0, 600.0]),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=40, deadline=None)
@given(desks, st.floats(0, 0.4))
def test_required_covers_floor_and_shrinkage_and_each_live_queue_meets_its_target(desk: list, shrinkage: float) -> None:
    queues, series = [], {}
    for i, (channel, skill, aht, means, floor, patience) in enumerate(desk):
        name = f"q{i}"
        live = channel in ("phone", "chat")
        queues.append(
            QueueConfig(
                name,
                channel,
                skill,
                aht,
                shrinkage=shrinkage,
                min_agents_24x7=floor,
                patience_s=patience if live else None,
                first_response_min=None if live else 120.0,
            )
        )
        series[name] = means
    result = required_agents(forecast_frame(series), queues)
    skills = result.skills
    assert (skills["required"] >= skills["min_agents"]).all()
    assert (skills["required"] >= scheduled_agents(skills["raw_agents"], skills["shrinkage"])).all()
    assert (skills["raw_agents"] >= skills["live_agents"]).all()
    live = result.queues[result.queues["model"] != "async"]
    assert (live["service_level"] >= 0.8 - 1e-9).all()
    standalone = live.groupby(["timestamp", "skill"])["raw_agents"].sum()
    pooled = skills.set_index(["timestamp", "skill"])["live_agents"]
    assert (pooled.reindex(standalone.index) <= standalone).all()
