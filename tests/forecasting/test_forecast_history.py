"""History files and ticket arrivals: errors name row and column, grids survive DST."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from forecasting.errors import HistoryError
from forecasting.grid import floor_to_interval, horizon_end, interval_range
from forecasting.history import aggregate, arrivals_from_tickets, fill_open_intervals, read_history_csv
from forecasting.calendar import DayCalendar
from forecasting.open_hours import OpenHours, infer_open_hours, parse_open_hours
from shiftdesk.errors import UserError


def read(text: str, zone: str = "Asia/Shanghai"):
    return read_history_csv(io.StringIO(text), zone)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("timestamp,calls\n2024-01-01 00:00,1\n", "row 1: column 'count' is missing"),
        ("time,count\n2024-01-01 00:00,1\n", "row 1: column 'timestamp' is missing"),
        ("timestamp,count\n2024-01-01 00:00,1\nyesterday,2\n", "row 3, column timestamp: cannot read 'yesterday'"),
        ("timestamp,count\n2024-01-01 00:00,1\n2024-01-01 01:00,-2\n", "row 3, column count: negative count -2"),
        ("timestamp,count\n2024-01-01 00:00,1\n2024-01-01 01:00,many\n", "row 3, column count: 'many' is not a number"),
        ("timestamp,count\n2024-01-01 00:00,1\n2024-01-01 01:00,\n", "row 3, column count: '' is not a number"),
        (
            "timestamp,count\n2024-01-01 00:00,1\n2024-01-01 01:00,2\n2024-01-01 00:00,3\n",
            "row 4, column timestamp: duplicate interval 2024-01-01 00:00 (also at row 2)",
        ),
        (
            "timestamp,count\n2024-01-01 00:00,1\n2024-01-01T01:00:00+08:00,2\n",
            "row 3, column timestamp: '2024-01-01T01:00:00+08:00' has a UTC offset unlike row 2 (mixed zones)",
        ),
        ("timestamp,count,queue\n2024-01-01 00:00,1,\n", "row 2, column queue: empty queue name"),
    ],
)
def test_bad_csv_names_row_and_column(text, expected):
    with pytest.raises(HistoryError) as error:
        read(text)
    assert expected in str(error.value)
    assert isinstance(error.value, UserError)


def test_same_time_in_two_queues_is_not_a_duplicate():
    history = read("timestamp,count,queue\n2024-01-01 00:00,1,phone\n2024-01-01 00:00,2,chat\n2024-01-01 01:00,2,chat\n")
    assert sorted(history.frame["queue"].unique()) == ["chat", "phone"]
    assert history.has_queue


def test_offsets_are_converted_to_the_site_zone():
    history = read("timestamp,count\n2024-01-01T00:00:00Z,1\n2024-01-01T01:00:00Z,2\n")
    assert str(history.frame["timestamp"].iloc[0]) == "2024-01-01 08:00:00+08:00"
    assert history.has_offsets


@pytest.mark.parametrize(("step", "interval", "expected"), [(5, 60, [12 * 1.0, 12 * 1.0]), (6, 30, [5.0] * 4)])
def test_aggregates_five_and_six_minute_rows(step, interval, expected):
    stamps = pd.date_range("2024-01-01 00:00", periods=120 // step, freq=f"{step}min")
    text = "timestamp,count\n" + "".join(f"{t:%Y-%m-%d %H:%M},1\n" for t in stamps)
    history = read(text)
    assert history.interval_min == step
    assert aggregate(history, interval)["count"].tolist() == expected


def test_six_minute_rows_do_not_make_fifteen_minutes():
    history = read("timestamp,count\n2024-01-01 00:00,1\n2024-01-01 00:06,1\n")
    with pytest.raises(HistoryError, match="column timestamp: rows are 6 minutes apart, which does not divide the 15-minute"):
        aggregate(history, 15)


def test_berlin_spring_forward_day_has_23_hours():
    start = pd.Timestamp("2024-03-31 00:00", tz="Europe/Berlin")
    grid = interval_range(start, horizon_end(start, 1), 60)
    assert len(grid) == 23
    assert "02:00" not in {t.strftime("%H:%M") for t in grid}
    assert grid[-1] == pd.Timestamp("2024-03-31 23:00", tz="Europe/Berlin")


def test_berlin_autumn_day_has_25_hours_and_repeats_two_oclock():
    start = pd.Timestamp("2024-10-27 00:00", tz="Europe/Berlin")
    grid = interval_range(start, horizon_end(start, 1), 30)
    assert len(grid) == 50
    labels = [t.strftime("%H:%M") for t in grid]
    assert labels.count("02:30") == 2


def test_floor_keeps_the_repeated_hour_apart():
    first = pd.Timestamp("2024-10-27 02:40").tz_localize("Europe/Berlin", ambiguous=True)
    second = pd.Timestamp("2024-10-27 02:40").tz_localize("Europe/Berlin", ambiguous=False)
    floored = floor_to_interval(pd.DatetimeIndex([first, second]), 30)
    assert floored[0].utcoffset() != floored[1].utcoffset()
    assert [t.strftime("%H:%M") for t in floored] == ["02:30", "02:30"]


def test_naive_file_through_autumn_reads_the_repeated_hour_twice():
    rows = ["2024-10-27 01:00", "2024-10-27 02:00", "2024-10-27 02:00", "2024-10-27 03:00"]
    history = read("timestamp,count\n" + "".join(f"{r},1\n" for r in rows), "Europe/Berlin")
    offsets = [t.utcoffset().total_seconds() / 3600 for t in history.frame["timestamp"]]
    assert offsets == [2, 2, 1, 1]


def test_naive_file_that_ignores_dst_is_read_at_standard_time():
    stamps = pd.date_range("2024-03-31 00:00", periods=6, freq="60min")  # includes the skipped 02:00
    history = read("timestamp,count\n" + "".join(f"{t:%Y-%m-%d %H:%M},1\n" for t in stamps), "Europe/Berlin")
    assert "ignore daylight saving" in history.notes[0] and "row 4" in history.notes[0]
    assert history.frame["timestamp"].is_unique and len(history.frame) == 6


def test_nominal_grid_with_an_empty_skipped_hour_is_wall_clock():
    """A file listing every hour of the spring-forward day, nothing in the hour that does not exist."""
    stamps = pd.date_range("2024-03-31 00:00", periods=6, freq="60min")
    history = read("timestamp,count\n" + "".join(f"{t:%Y-%m-%d %H:%M},{0 if t.hour == 2 else 1}\n" for t in stamps),
                   "Europe/Berlin")
    assert "follow the wall clock" in history.notes[0] and "1 empty rows" in history.notes[0]
    assert [t.strftime("%H:%M") for t in history.frame["timestamp"]] == ["00:00", "01:00", "03:00", "04:00", "05:00"]


def _office_file(clock_ignores_dst: bool) -> str:
    """Four weeks of hourly rows around 2024-03-31 (Berlin) for a desk open 08:00-18:00 wall clock.

    Written either on the wall clock or on a clock that ignores DST (then
    summer's opening hours appear an hour early), always as a full nominal
    grid with one arrival in the hour that does not exist.
    """
    lines = ["timestamp,count"]
    for stamp in pd.date_range("2024-03-17 00:00", "2024-04-13 23:00", freq="60min"):
        summer = stamp >= pd.Timestamp("2024-03-31 03:00")
        wall_hour = (stamp.hour + 1) % 24 if clock_ignores_dst and summer else stamp.hour
        count = 20 if 8 <= wall_hour < 18 else 0
        if stamp == pd.Timestamp("2024-03-31 02:00"):
            count = 1
        lines.append(f"{stamp:%Y-%m-%d %H:%M},{count}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("clock_ignores_dst", [False, True])
def test_the_daily_pattern_decides_how_a_file_with_a_skipped_hour_is_read(clock_ignores_dst):
    history = read(_office_file(clock_ignores_dst), "Europe/Berlin")
    stamps = pd.DatetimeIndex(history.frame["timestamp"])
    busy = stamps[history.frame["count"].to_numpy() == 20]
    assert set(busy.hour) == set(range(8, 18))  # the desk's wall-clock hours, summer and winter alike
    if clock_ignores_dst:
        assert "ignore daylight saving" in history.notes[0] and "one DST shift early" in history.notes[0]
    else:
        assert "follow the wall clock" in history.notes[0] and "1 moved on by the DST shift" in history.notes[0]
        assert history.frame.loc[stamps == pd.Timestamp("2024-03-31 03:00", tz="Europe/Berlin"), "count"].item() == 1


def test_open_hours_inferred_from_rows_present(series_factory):
    y = series_factory(weeks=3, open_hours=(7, 21), weekdays=(0, 1, 2, 3, 4))
    y = y[y.index.normalize() != pd.Timestamp("2024-01-10", tz="UTC")]  # a missing Wednesday
    hours = infer_open_hours(y.index, y.index.dayofweek.to_numpy(), 60)
    assert hours.describe() == "Mon-Fri 07:00-21:00"
    assert "inferred from 14 days" in hours.source and "1 open days without rows skipped" in hours.source


def test_open_hours_spec_crossing_midnight():
    hours = parse_open_hours("Mon-Fri 07:00-21:00, Sat 22:00-02:00", 60)
    assert hours.describe() == "Mon-Fri 07:00-21:00, Sat 22:00-24:00, Sun 00:00-02:00"
    assert parse_open_hours("24x7", 30).describe() == "24x7"


def test_zero_fill_only_on_days_with_rows(series_factory):
    y = series_factory(weeks=2, open_hours=(8, 12), weekdays=(0, 1, 2, 3, 4))
    hours = parse_open_hours("Mon-Fri 08:00-12:00", 60)
    thinned = y.iloc[1:]  # Monday 08:00 had no row: zero arrivals, not closed
    filled = fill_open_intervals(thinned, hours, DayCalendar())
    assert filled.iloc[0] == 0 and len(filled) == len(y)


def test_tickets_become_zero_filled_local_intervals_over_midnight():
    created = pd.to_datetime(["2024-01-01 15:10Z", "2024-01-01 15:50Z", "2024-01-01 16:05Z", "2024-01-01 16:05Z"])
    tickets = pd.DataFrame({"created_at": created, "queue": ["email", "email", "email", "chat"]})
    start = pd.Timestamp("2024-01-01 23:00", tz="Asia/Shanghai")
    out = arrivals_from_tickets(tickets, "Asia/Shanghai", 30, start, start + pd.Timedelta(hours=2))
    email = out[out["queue"] == "email"]
    assert [t.strftime("%m-%d %H:%M") for t in email["timestamp"]] == ["01-01 23:00", "01-01 23:30", "01-02 00:00", "01-02 00:30"]
    assert email["count"].tolist() == [1.0, 1.0, 1.0, 0.0]
    assert out[out["queue"] == "chat"]["count"].tolist() == [0.0, 0.0, 1.0, 0.0]


def test_ticket_grid_honours_open_hours():
    tickets = pd.DataFrame({"created_at": pd.to_datetime(["2024-01-01 01:00Z"]), "queue": ["q"]})
    start = pd.Timestamp("2024-01-01 00:00", tz="Asia/Shanghai")
    hours = OpenHours.from_mask(parse_open_hours("Mon 09:00-11:00", 60).mask, 60, "given")
    out = arrivals_from_tickets(tickets, "Asia/Shanghai", 60, start, start + pd.Timedelta(days=1), open_hours=hours)
    assert out["count"].tolist() == [1.0, 0.0]


def test_naive_created_at_is_rejected():
    tickets = pd.DataFrame({"created_at": pd.to_datetime(["2024-01-01 01:00"]), "queue": ["q"]})
    with pytest.raises(HistoryError, match="column created_at"):
        arrivals_from_tickets(tickets, "UTC", 60, pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-02", tz="UTC"))
