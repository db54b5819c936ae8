"""`shiftdesk classify ...` as a person runs it: the evaluate contract, one-line refusals, train and show.

The contract and the desk commands run the installed `shiftdesk` in a
subprocess; the many bad-input cases run in-process (CliRunner), where the
UserError is checked directly, and one subprocess case shows it reaches the
person as one line and exit code 2.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shiftdesk.cli import app
from shiftdesk.errors import UserError
from store.db import make_engine, make_session_factory
from tests.conftest import REPO_ROOT
from tests.tickets.test_classify_model import SLICE_TEST, SLICE_TRAIN, banking_slice
from tests.tickets.test_classify_service import desk_with_fixture_tickets

SHIFTDESK = str(Path(os.environ.get("VIRTUAL_ENV", REPO_ROOT / ".venv")) / "bin" / "shiftdesk")
LAST_LINE = re.compile(r"macro_f1=(\d\.\d{4}) accuracy=(\d\.\d{4}) train_s=(\d+\.\d{2,3}) p99_ms=(\d+\.\d{2,3})")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SHIFTDESK, "classify", *args], capture_output=True, text=True, cwd=REPO_ROOT,
                          env={**os.environ, **(env or {})}, timeout=300)


def run_in_process(*args: str) -> tuple[str, BaseException | None]:
    result = CliRunner().invoke(app, ["classify", *args])
    return result.stdout, result.exception


def write_csv(path: Path, texts: list[str], labels: list[str], header: tuple[str, str] = ("text", "category")) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(zip(texts, labels, strict=True))
    return path


def test_evaluate_prints_the_contract_line_last(tmp_path: Path) -> None:
    train = write_csv(tmp_path / "train.csv", *banking_slice("train", SLICE_TRAIN))
    test = write_csv(tmp_path / "test.csv", *banking_slice("test", SLICE_TEST))
    out = run("evaluate", "--train", str(train), "--test", str(test))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    found = LAST_LINE.fullmatch(lines[-1])
    assert found, lines[-1]
    macro_f1, accuracy, train_s, p99_ms = map(float, found.groups())
    assert macro_f1 >= 0.93 and accuracy >= 0.93 and 0 < train_s < 60 and 0 < p99_ms
    assert lines[0].startswith(f"trained on {11 * SLICE_TRAIN} rows of {train} (11 labels)")


def test_evaluate_reads_other_column_names(tmp_path: Path) -> None:
    texts, labels = banking_slice("train", 10)
    data = write_csv(tmp_path / "intents.csv", texts, labels, header=("message", "intent"))
    stdout, error = run_in_process("evaluate", "--train", str(data), "--test", str(data), "--text-column", "message",
                                   "--label-column", "intent", "--details")
    assert error is None
    assert LAST_LINE.fullmatch(stdout.strip().splitlines()[-1])
    assert "precision" in stdout and "support" in stdout


BAD_FILES = {
    "missing file": (None, "{path}: no such file"),
    "missing column": (b"text,label\nhello,a\nworld,b\n", "{path}: no column 'category' (columns: text, label)"),
    "empty file": (b"", "{path}: empty file"),
    "header only": (b"text,category\n", "{path}: no data rows under the header"),
    "one class": (b"text,category\nhello,a\n\"hi, there\",a\n", "{path}, column category: every row has the label 'a'"),
    "not UTF-8": (b"text,category\nhello,a\ncaf\xe9,b\n", "{path}, line 3: not UTF-8"),
    "empty label": (b"text,category\nhello,a\nworld,\n", "{path}, row 3, column category: empty label"),
    "short row": (b"text,category\nhello,a\nworld\n", "{path}, row 3: 1 field(s), but the header has 2"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_training_file_is_refused_naming_where(case: str, tmp_path: Path) -> None:
    content, expected = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    good = write_csv(tmp_path / "good.csv", ["hello", "world"], ["a", "b"])
    stdout, error = run_in_process("evaluate", "--train", str(path), "--test", str(good))
    assert isinstance(error, UserError) and stdout == ""
    assert str(error).startswith(expected.format(path=path)) and "\n" not in str(error), str(error)


def test_a_bad_file_reaches_the_person_as_one_line_and_exit_code_2(tmp_path: Path) -> None:
    train = write_csv(tmp_path / "train.csv", ["hello", "world"], ["a", "b"])
    test = tmp_path / "test.csv"
    test.write_text("text,intent\nhello,a\n", encoding="utf-8")
    out = run("evaluate", "--train", str(train), "--test", str(test))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr == f"error: {test}: no column 'category' (columns: text, intent)\n"


def test_labels_too_rare_to_learn_are_refused_naming_the_column(tmp_path: Path) -> None:
    train = write_csv(tmp_path / "train.csv", ["a", "b", "c", "d", "e"], ["x", "x", "x", "y", "y"])
    _, error = run_in_process("evaluate", "--train", str(train), "--test", str(train))
    assert isinstance(error, UserError)
    assert str(error).startswith(f"{train}, column category: a classifier needs at least two labels with 3")


def test_train_and_show_on_the_desk(sqlite_url: str, tmp_path: Path) -> None:
    unmigrated = run("show", env={"SHIFTDESK_DATABASE_URL": f"sqlite:///{tmp_path}/new.db"})
    assert unmigrated.returncode == 2
    assert unmigrated.stderr == "error: database schema is not up to date: run `shiftdesk db upgrade` first\n"
    env = {"SHIFTDESK_DATABASE_URL": sqlite_url}
    nothing = run("train", env=env)
    assert nothing.returncode == 2 and nothing.stderr.startswith("error: no classifier trained: category: no labelled")
    engine = make_engine(sqlite_url)
    desk_with_fixture_tickets(make_session_factory(engine))
    engine.dispose()

    trained = run("train", "--target", "category", "--target", "queue", "--target", "priority", env=env)
    assert trained.returncode == 0, trained.stderr
    lines = trained.stdout.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["category", "queue", "priority",
                                                      "  left out, fewer than 3 tickets each"]
    assert lines[-1].endswith(": urgent x1") and lines[2].startswith("priority: version 1 from 43 labelled tickets")
    assert trained.stderr.startswith("category: training on 44 labelled tickets ...\n")  # progress, apart
    assert lines[0].startswith("category: version 1 from 44 labelled tickets (3 corrected by agents), 4 labels;")
    assert lines[1].startswith("queue: version 1 from 44 labelled tickets (0 corrected by agents), 2 labels;")

    shown = run("show", "--details", env=env)
    assert shown.returncode == 0, shown.stderr
    summaries = [line for line in shown.stdout.splitlines() if not line.startswith(" ")]
    assert [line.split(",")[0] for line in summaries] == ["category: version 1", "priority: version 1",
                                                          "queue: version 1"]
    assert "macro-F1" in summaries[0] and "3-fold cross-validation" in summaries[0]
    assert "  label" in shown.stdout and "delivery" in shown.stdout
