"""The Curtois & Qu loader and the published optimum of Instance1.

Instances are read in place from ../shared/benchmarks/shift-scheduling/
(never copied into the repository)."""

from __future__ import annotations

import pytest

from benchmarks.roster_instances import main
from rostering.curtois import load_instance, read_roster_csv, write_roster_csv
from rostering.errors import InstanceFormatError
from rostering.solve import SolveStatus, solve
from rostering.validate import validate

# name -> days, employees, shift types, day-off entries, on+off requests, cover lines
# (the published table in the shared README)
SIZES = {
    "Instance1": (14, 8, 1, 8, 26, 14),
    "Instance2": (14, 14, 2, 14, 62, 28),
    "Instance3": (14, 20, 3, 20, 64, 42),
    "Instance4": (28, 10, 2, 20, 71, 56),
    "Instance5": (28, 16, 2, 32, 106, 56),
    "Instance6": (28, 18, 3, 36, 135, 84),
    "Instance7": (28, 20, 3, 40, 168, 84),
    "Instance8": (28, 30, 4, 60, 225, 112),
    "Instance12": (28, 60, 10, 120, 422, 280),
    "Instance16": (56, 20, 3, 120, 280, 168),
}


@pytest.mark.parametrize("name", sorted(SIZES))
def test_loader_reads_every_shared_instance(shared_instances, name):
    p = load_instance(shared_instances / f"{name}.txt")
    assert (p.num_days, len(p.employees), len(p.shift_types), len(p.time_off),
            len(p.requests), len(p.shift_demand)) == SIZES[name]
    assert p.start_date.weekday() == 0  # day 0 is a Monday


def test_instance1_is_solved_to_its_published_optimum(shared_instances):
    p = load_instance(shared_instances / "Instance1.txt")
    result = solve(p, time_limit_s=60, workers=2, seed=0)
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == 607 == validate(p, result.roster).objective


def test_crlf_and_lf_files_load_the_same(shared_instances, tmp_path):
    text = (shared_instances / "Instance2.txt").read_text()
    crlf = tmp_path / "Instance2.txt"
    crlf.write_bytes(text.replace("\n", "\r\n").encode())
    assert load_instance(crlf) == load_instance(shared_instances / "Instance2.txt")


def test_roster_csv_round_trip(shared_instances, tmp_path):
    p = load_instance(shared_instances / "Instance1.txt")
    result = solve(p, time_limit_s=5, workers=2)
    out = tmp_path / "Instance1.roster.csv"
    write_roster_csv(result.roster, out)
    assert out.read_text().splitlines()[0] == "employee,day,shift"
    assert validate(p, read_roster_csv(out)).objective == result.objective


BROKEN = {
    "not a number": ("SECTION_HORIZON\nfourteen\n\nSECTION_SHIFTS\n\nSECTION_STAFF\n\n"
                     "SECTION_COVER\n", r"bad\.txt:2: horizon must be an integer"),
    "unknown section": ("SECTION_HORIZON\n14\n\nSECTION_NOPE\n", r"bad\.txt:4: unknown section"),
    "unknown shift": (
        "SECTION_HORIZON\n14\n\nSECTION_SHIFTS\nD,480,X\n\nSECTION_STAFF\n\nSECTION_COVER\n",
        r"bad\.txt:5: unknown shift type 'X'"),
    "day outside": (
        "SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_STAFF\n"
        "A,D=7,4800,0,5,1,1,1\n\nSECTION_DAYS_OFF\nA,9\n\nSECTION_COVER\n",
        r"bad\.txt:11: day 9 outside the horizon"),
    "short staff line": (
        "SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_STAFF\nA,D=7,4800\n\n"
        "SECTION_COVER\n", r"bad\.txt:8: expected 8 fields"),
    "missing cover": ("SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_STAFF\n",
                      r"missing SECTION_COVER"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_malformed_files_name_file_and_line(tmp_path, case):
    text, message = BROKEN[case]
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(InstanceFormatError, match=message):
        load_instance(path)


def test_benchmark_prints_the_objective_and_with_progress_each_better_roster(shared_instances, tmp_path, capsys):
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "Instance1.txt").write_bytes((shared_instances / "Instance1.txt").read_bytes())
    assert main([str(folder), "--time-limit", "10", "--progress"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1].split()[:2] == ["Instance1", "607"]
    assert "Instance1" in err and err.strip().splitlines()[-1].split("objective ")[1].startswith("607")
