"""`shiftdesk staffing`: files in, required agents out; bad input is one line and exit code 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from shiftdesk import cli

QUEUES_CSV = """queue,channel,skill,aht_s,service_level,answer_s,patience_s,first_response_min,shrinkage,min_agents_24x7
phone_en,phone,en,180,0.8,20,,,0.3,1
chat_en,chat,en,600,,,300,,,
email_en,email,en,450,,,,60,,
phone_zh,phone,zh,240,,,,,,1
"""


def write_forecast(path: Path, periods: int = 8, offset: str = "+08:00") -> Path:
    """A forecast CSV as `shiftdesk forecast` writes it: timestamp,queue,mean and interval bounds."""
    stamps = pd.date_range("2026-11-23 00:00", periods=periods, freq="15min")
    rows = []
    for queue, peak in (("phone_en", 100.0), ("chat_en", 10.0), ("email_en", 40.0), ("phone_zh", 20.0)):
        means = peak * np.sin(np.linspace(0, np.pi, periods)) ** 2
        for stamp, mean in zip(stamps, means, strict=True):
            text = stamp.strftime("%Y-%m-%d %H:%M:%S") + offset
            rows.append({"timestamp": text, "queue": queue, "mean": round(mean, 3), "lo80": 0, "hi80": mean * 2})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "queues.csv").write_text(QUEUES_CSV)
    return {"forecast": write_forecast(tmp_path / "forecast.csv"), "queues": tmp_path / "queues.csv", "dir": tmp_path}


def run_ok(*args: str) -> str:
    result = CliRunner().invoke(cli.app, ["staffing", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def run_bad(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run through the console entry point and return its one-line error."""
    monkeypatch.setattr(sys, "argv", ["shiftdesk", "staffing", *args])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    return err


def test_writes_required_agents_per_interval_and_skill(files: dict[str, Path]) -> None:
    out = files["dir"] / "required.csv"
    output = run_ok("--forecast", str(files["forecast"]), "--queues", str(files["queues"]), "--out", str(out))
    required = pd.read_csv(out)
    assert list(required.columns) == ["timestamp", "skill", "required"]
    assert len(required) == 8 * 2 and set(required["skill"]) == {"en", "zh"}
    assert required["required"].dtype == np.int64 and (required["required"] >= 1).all()
    assert required["timestamp"].iloc[0] == "2026-11-23 00:00:00+08:00"
    assert "2 skill(s) x 8 intervals of 15 min" in output


def test_excel_output_interval_json_queues_and_detail(files: dict[str, Path]) -> None:
    queues_json = files["dir"] / "queues.json"
    records = pd.read_csv(files["queues"], dtype=str, keep_default_na=False).to_dict("records")
    queues_json.write_text(json.dumps({"queues": records}))
    out, detail = files["dir"] / "required.xlsx", files["dir"] / "detail.csv"
    run_ok(
        "--forecast",
        str(files["forecast"]),
        "--queues",
        str(queues_json),
        "--out",
        str(out),
        "--interval",
        "30",
        "--detail",
        str(detail),
        "--zone",
        "Asia/Shanghai",
    )
    required = pd.read_excel(out)
    assert list(required.columns) == ["timestamp", "skill", "required"] and len(required) == 4 * 2
    assert required["timestamp"].iloc[2] == "2026-11-23 00:30:00+08:00"
    queues = pd.read_csv(detail)
    assert set(queues["queue"]) == {"phone_en", "chat_en", "email_en", "phone_zh"}
    assert {"raw_agents", "service_level", "asa_s", "occupancy", "backlog"} <= set(queues.columns)


def test_options_fill_blank_queue_settings(files: dict[str, Path]) -> None:
    plain, strict = files["dir"] / "plain.csv", files["dir"] / "strict.csv"
    common = ["--forecast", str(files["forecast"]), "--queues", str(files["queues"])]
    run_ok(*common, "--out", str(plain))
    run_ok(*common, "--out", str(strict), "--min-agents", "3", "--shrinkage", "0.4", "--first-response-minutes", "30")
    plain_required, strict_required = pd.read_csv(plain), pd.read_csv(strict)
    first = plain_required["timestamp"].iloc[0]  # no contacts yet: the floors show
    at_first = {
        name: frame[frame["timestamp"] == first].set_index("skill")["required"]
        for name, frame in (("plain", plain_required), ("strict", strict_required))
    }
    assert at_first["plain"]["zh"] == at_first["strict"]["zh"] == 1  # the file's floor for phone_zh is kept
    assert (at_first["plain"]["en"], at_first["strict"]["en"]) == (1, 3)  # chat_en and email_en had none
    assert (strict_required["required"] >= plain_required["required"]).all()


def test_naive_timestamps_take_the_zone(files: dict[str, Path]) -> None:
    naive = write_forecast(files["dir"] / "naive.csv", offset="")
    out = files["dir"] / "required.csv"
    run_ok("--forecast", str(naive), "--queues", str(files["queues"]), "--out", str(out), "--zone", "Asia/Shanghai")
    assert pd.read_csv(out)["timestamp"].iloc[0] == "2026-11-23 00:00:00+08:00"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.replace("phone_zh,phone,zh", "phone_zh,fax,zh"),
            "queues row 4: queue 'phone_zh': channel must be one of",
        ),
        (
            lambda d: d.replace("email_en,email,en,450,,,,60", "email_en,email,en,450,,,,"),
            "queues row 3: queue 'email_en': email needs first_response_min",
        ),
        (
            lambda d: d.replace("phone_zh,phone,zh,240", "phone_zh,phone,zh,abc"),
            "queues row 4 (queue 'phone_zh'): aht_s must be a number",
        ),
        (lambda d: d.replace("phone_zh", "phone_xx"), "forecast queue 'phone_zh' has no configuration"),
        (
            lambda d: d.replace("0.8,20", "80,20"),
            "queues row 1: queue 'phone_en': service_level must be in (0, 1), got 80",
        ),
    ],
)
def test_bad_queue_files_exit_2_with_one_line(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], change, message: str
) -> None:
    files["queues"].write_text(change(QUEUES_CSV))
    out = files["dir"] / "required.csv"
    err = run_bad(
        monkeypatch, capsys, "--forecast", str(files["forecast"]), "--queues", str(files["queues"]), "--out", str(out)
    )
    assert message in err
    assert not out.exists()


def test_bad_forecasts_exit_2_with_one_line(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    forecast = files["forecast"]
    common = ["--queues", str(files["queues"]), "--out", str(files["dir"] / "r.csv")]
    good = pd.read_csv(forecast, dtype=str)
    cases = {
        "negative.csv": (
            good.assign(mean=good["mean"].where(good.index != 2, "-4")),
            "forecast row 3 (queue 'phone_en'",
        ),
        "garbled.csv": (
            good.assign(timestamp=good["timestamp"].where(good.index != 1, "yesterday")),
            "forecast row 2: column 'timestamp'",
        ),
        "nomean.csv": (good.drop(columns="mean"), "no column 'mean'"),
    }
    for name, (frame, message) in cases.items():
        frame.to_csv(files["dir"] / name, index=False)
        assert message in run_bad(monkeypatch, capsys, "--forecast", str(files["dir"] / name), *common)
    naive = write_forecast(files["dir"] / "naive.csv", offset="")
    assert "give --zone" in run_bad(monkeypatch, capsys, "--forecast", str(naive), *common)
    assert "unknown time zone 'Mars/Base'" in run_bad(
        monkeypatch, capsys, "--forecast", str(forecast), *common, "--zone", "Mars/Base"
    )
    bad_out = ["--forecast", str(forecast), "--queues", str(files["queues"]), "--out", str(files["dir"] / "r.txt")]
    assert "write .csv or .xlsx" in run_bad(monkeypatch, capsys, *bad_out)
    missing = ["--forecast", str(files["dir"] / "missing.csv"), *common]
    assert "cannot read the forecast" in run_bad(monkeypatch, capsys, *missing)


HOURS_CSV = """queue,channel,skill,aht_s,first_response_min,hours,holidays,min_agents_24x7
web_email,email,billing,3600,120,Mon-Fri 09:00-18:00,CN,
billing_chat,chat,billing,420,,daily 08:00-22:00,,
phone_zh,phone,zh,240,,24x7,,1
"""


def write_day_and_night(path: Path) -> Path:
    """Two days from Wednesday 30 September 2026 (National Day eve): 4 emails, 5 chats and 20 calls an hour."""
    stamps = pd.date_range("2026-09-30 00:00", periods=48, freq="60min")
    rows = [
        {"timestamp": stamp.strftime("%Y-%m-%d %H:%M:%S") + "+08:00", "queue": queue, "mean": mean}
        for stamp in stamps
        for queue, mean in (("web_email", 4.0), ("billing_chat", 5.0), ("phone_zh", 20.0))
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_queue_file_hours_and_holidays_staff_only_open_intervals(tmp_path: Path) -> None:
    queues = tmp_path / "queues.csv"
    queues.write_text(HOURS_CSV)
    forecast, out, detail = write_day_and_night(tmp_path / "f.csv"), tmp_path / "r.csv", tmp_path / "d.csv"
    output = run_ok("--forecast", str(forecast), "--queues", str(queues), "--out", str(out), "--detail", str(detail))
    required = pd.read_csv(out)
    billing = required[required["skill"] == "billing"].set_index("timestamp")["required"]
    hour = pd.to_datetime(billing.index).hour
    assert (billing[(hour < 8) | (hour >= 22)] == 0).all()  # no chat, and e-mail waits for office hours
    assert (billing[(hour >= 8) & (hour < 22)] > 0).all()
    # 1 October is a holiday: Thursday's e-mail adds nothing to the chat agents
    per_queue = pd.read_csv(detail)
    email = per_queue[per_queue["queue"] == "web_email"].set_index("timestamp")
    assert email["raw_agents"].loc["2026-09-30 09:00:00+08:00":"2026-09-30 17:00:00+08:00"].gt(0).all()
    assert email["raw_agents"].loc["2026-10-01 00:00:00+08:00":].eq(0).all()
    assert email["backlog"].iloc[-1] == pytest.approx(4.0 * (6 + 24) + 4.0 * 0.5)  # from 18:00 on, and half of 17:00
    zh = required[required["skill"] == "zh"]["required"]
    assert (zh >= 1).all() and zh.nunique() == 1  # the 24x7 phone queue is staffed around the clock
    assert "not staffed, forecast outside open hours: billing_chat 100 contacts" in output


def test_hours_options_fill_blank_cells(tmp_path: Path) -> None:
    queues = tmp_path / "queues.csv"
    queues.write_text("queue,channel,skill,aht_s,first_response_min\nweb_email,email,billing,3600,120\n")
    forecast, out = write_day_and_night(tmp_path / "f.csv"), tmp_path / "r.csv"
    pd.read_csv(forecast).query("queue == 'web_email'").to_csv(forecast, index=False)
    run_ok("--forecast", str(forecast), "--queues", str(queues), "--out", str(out),
           "--hours", "Mon-Fri 09:00-18:00", "--holidays", "CN", "--zone", "Asia/Shanghai")
    required = pd.read_csv(out)["required"].to_numpy()
    assert required[:9].sum() == 0 and required[9:18].min() > 0 and required[18:].sum() == 0


def test_bad_hours_in_the_queue_file_exit_2_naming_the_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    queues = tmp_path / "queues.csv"
    queues.write_text(HOURS_CSV.replace("daily 08:00-22:00", "daily 8-22"))
    forecast, out = write_day_and_night(tmp_path / "f.csv"), tmp_path / "r.csv"
    err = run_bad(monkeypatch, capsys, "--forecast", str(forecast), "--queues", str(queues), "--out", str(out))
    assert "queues row 2 (queue 'billing_chat'): hours 'daily 8-22'" in err
    queues.write_text(HOURS_CSV.replace(",24x7,,1", ",,CN,1"))
    err = run_bad(monkeypatch, capsys, "--forecast", str(forecast), "--queues", str(queues), "--out", str(out))
    assert "queues row 3 (queue 'phone_zh'): holidays 'CN' needs hours" in err
    assert not out.exists()
