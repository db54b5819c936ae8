"""The `shiftdesk forecast` contract that independent checks drive."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from shiftdesk.cli import app
from shiftdesk.errors import UserError
from tests.forecasting.conftest import weekly_pattern_series, write_csv

REPO = Path(__file__).resolve().parents[2]
US_CALLS = REPO.parent / "shared" / "data" / "bank_calls_5min" / "calls_5min.csv"
COLUMNS = ["timestamp", "mean", "lo80", "hi80", "lo95", "hi95"]


def run_cli(*args: str):
    return CliRunner().invoke(app, ["forecast", *args], catch_exceptions=False)


@pytest.fixture
def office_history(tmp_path):
    """Five weeks of a Mon-Fri 08:00-18:00 desk at 15-minute rows, Shanghai wall clock."""
    path = tmp_path / "history.csv"
    write_csv(path, weekly_pattern_series(weeks=5, start="2024-03-04", interval_min=15, open_hours=(8, 18), weekdays=(0, 1, 2, 3, 4)))
    return path


def test_forecasts_only_open_intervals_and_says_why(office_history, tmp_path):
    out = tmp_path / "out.csv"
    result = run_cli("--history", str(office_history), "--start", "2024-04-08 00:00", "--horizon-days", "7",
                     "--interval", "60", "--out", str(out), "--zone", "Asia/Shanghai", "--open-hours", "auto")
    assert result.exit_code == 0, result.output
    assert "open hours: Mon-Fri 08:00-18:00 inferred from 25 days" in result.output
    assert "model: " in result.output and "backtest" in result.output
    assert "auto kept ensemble" in result.output or "auto chose" in result.output  # says why
    frame = pd.read_csv(out, parse_dates=["timestamp"])
    assert list(frame.columns) == COLUMNS
    assert len(frame) == 5 * 10
    assert set(frame["timestamp"].dt.dayofweek) == {0, 1, 2, 3, 4}
    assert frame["timestamp"].dt.hour.between(8, 17).all()
    assert (frame["lo95"] <= frame["lo80"]).all() and (frame["lo80"] <= frame["mean"]).all()
    assert (frame["mean"] <= frame["hi80"]).all() and (frame["hi80"] <= frame["hi95"]).all()


def test_named_model_queue_column_and_excel(office_history, tmp_path):
    out = tmp_path / "out.xlsx"
    result = run_cli("--history", str(office_history), "--start", "2024-04-08 08:00", "--horizon-days", "1",
                     "--interval", "30", "--out", str(out), "--model", "poisson_glm", "--queue", "phone")
    assert result.exit_code == 0, result.output
    frame = pd.read_excel(out)
    assert list(frame.columns) == ["queue", *COLUMNS]
    assert len(frame) == 20 and (frame["queue"] == "phone").all()
    assert "model: poisson_glm" in result.output


def test_open_hours_24x7_forecasts_every_interval(office_history, tmp_path):
    out = tmp_path / "out.csv"
    result = run_cli("--history", str(office_history), "--start", "2024-04-08 00:00", "--horizon-days", "2",
                     "--interval", "60", "--out", str(out), "--open-hours", "24x7", "--model", "historic_average")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 48
    assert "open hours: 24x7 as given" in result.output  # how it decided, not the hours twice


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2024-04-08 00:10"], "not on a 60-minute boundary"),
        (["--start", "2024-04-01 00:00"], "is inside the history"),
        (["--start", "2024-04-08 00:00", "--model", "prophet"], "unknown model 'prophet'"),
        (["--start", "2024-04-08 00:00", "--interval", "7"], "positive divisor of 1440"),
        (["--start", "2024-04-08 00:00", "--holidays", "XX"], "unknown country code 'XX'"),
    ],
)
def test_bad_requests_are_user_errors(office_history, tmp_path, args, message):
    with pytest.raises(UserError, match=message):
        run_cli("--history", str(office_history), "--out", str(tmp_path / "o.csv"), *args)
    assert not (tmp_path / "o.csv").exists()


def test_bad_file_exits_2_with_one_line_naming_row_and_column(tmp_path):
    history = tmp_path / "bad.csv"
    history.write_text("timestamp,count\n2024-01-01 00:00,3\n2024-01-01 01:00,-1\n")
    done = subprocess.run(
        [sys.executable, "-c", "from shiftdesk.cli import main; main()", "forecast", "--history", str(history),
         "--start", "2024-01-02 00:00", "--out", str(tmp_path / "o.csv")],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "error: row 3, column count: negative count -1"


def test_us_bank_slice_at_30_minutes(tmp_path):
    """Ten weeks of the real 5-minute US series: weekdays 07:00-21:05 become 30-minute forecasts."""
    calls = pd.read_csv(US_CALLS)
    calls = calls[calls["timestamp"] >= "2003-07-14"]
    history = tmp_path / "us.csv"
    calls.to_csv(history, index=False)
    out = tmp_path / "us_forecast.csv"
    result = run_cli("--history", str(history), "--start", "2003-09-29 00:00", "--horizon-days", "7",
                     "--interval", "30", "--out", str(out), "--zone", "America/New_York", "--time-limit", "60")
    assert result.exit_code == 0, result.output
    assert "open hours: Mon-Fri 07:00-21:30 inferred from" in result.output
    frame = pd.read_csv(out, parse_dates=["timestamp"])
    assert len(frame) == 5 * 29
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2003-09-29 07:00")
    daily = frame.groupby(frame["timestamp"].dt.date)["mean"].sum()
    assert daily.between(25_000, 45_000).all()  # the series runs about 32,500 calls a day


def _forecast(history: Path, out: Path, start: str, *extra: str) -> tuple[pd.DataFrame, str]:
    result = run_cli("--history", str(history), "--start", start, "--horizon-days", "7", "--interval", "60",
                     "--out", str(out), "--zone", "Asia/Shanghai", *extra)
    assert result.exit_code == 0, result.output
    return pd.read_csv(out), result.output


def test_a_history_cut_at_noon_forecasts_as_if_cut_at_midnight(tmp_path):
    """An export taken at noon ends half way through the desk's day: that day is left out, not read as a
    quiet one (zero-filled to closing time it pulled the level down), and a forecast may start at noon."""
    y = weekly_pattern_series(weeks=5, start="2024-03-04", interval_min=15, open_hours=(8, 18), weekdays=(0, 1, 2, 3, 4))
    noon, midnight = tmp_path / "noon.csv", tmp_path / "midnight.csv"
    write_csv(noon, y[y.index < pd.Timestamp("2024-04-03 12:00", tz="UTC")])
    write_csv(midnight, y[y.index < pd.Timestamp("2024-04-03 00:00", tz="UTC")])

    from_noon, said = _forecast(noon, tmp_path / "a.csv", "2024-04-08 00:00")
    from_midnight, _ = _forecast(midnight, tmp_path / "b.csv", "2024-04-08 00:00")
    pd.testing.assert_frame_equal(from_noon, from_midnight)
    assert "the history's last day, Wed 03 Apr 2024, ends at 12:00 while the desk is open: left out as unfinished" in said

    late_start, next_day = tmp_path / "late.csv", tmp_path / "next.csv"
    write_csv(late_start, y[(y.index >= pd.Timestamp("2024-03-04 12:00", tz="UTC")) & (y.index < pd.Timestamp("2024-04-03", tz="UTC"))])
    write_csv(next_day, y[(y.index >= pd.Timestamp("2024-03-05", tz="UTC")) & (y.index < pd.Timestamp("2024-04-03", tz="UTC"))])
    from_late_start, said = _forecast(late_start, tmp_path / "e.csv", "2024-04-08 00:00")
    pd.testing.assert_frame_equal(from_late_start, _forecast(next_day, tmp_path / "f.csv", "2024-04-08 00:00")[0])
    assert "the history's first day, Mon 04 Mar 2024, starts at 12:00 while the desk is open" in said

    rest_of_today, _ = _forecast(noon, tmp_path / "c.csv", "2024-04-03 12:00")
    assert rest_of_today["timestamp"].iloc[0] == "2024-04-03 12:00:00"
    with pytest.raises(UserError, match="inside the history .its last 60-minute interval starts 2024-04-03 11:00"):
        run_cli("--history", str(noon), "--start", "2024-04-03 11:00", "--out", str(tmp_path / "d.csv"),
                "--zone", "Asia/Shanghai")


def test_a_quiet_last_hour_of_a_sparse_file_keeps_its_day(tmp_path):
    """A file with rows only where calls came may end a day early on a quiet desk: that day stays
    in (what it lacks usually gets fewer than five calls), so the file forecasts as its dense twin."""
    y = weekly_pattern_series(weeks=5, start="2024-03-04", interval_min=15, open_hours=(8, 18),
                              weekdays=(0, 1, 2, 3, 4), seed=3, scale=0.4)
    y = y[y.index < pd.Timestamp("2024-04-05 00:00", tz="UTC")]
    sparse, dense = tmp_path / "sparse.csv", tmp_path / "dense.csv"
    write_csv(sparse, y[y > 0])
    write_csv(dense, y)
    assert y[y > 0].index[-1] < pd.Timestamp("2024-04-04 17:00", tz="UTC")  # the quiet tail this test is about

    hours = ("--open-hours", "Mon-Fri 08:00-18:00")
    from_sparse, said = _forecast(sparse, tmp_path / "a.csv", "2024-04-08 00:00", *hours)
    from_dense, _ = _forecast(dense, tmp_path / "b.csv", "2024-04-08 00:00", *hours)
    assert "unfinished" not in said
    pd.testing.assert_frame_equal(from_sparse, from_dense)
