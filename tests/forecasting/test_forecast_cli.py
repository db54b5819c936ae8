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
