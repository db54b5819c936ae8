"""Business calendar maths: exact instants, in pairs just inside / just outside a rule."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shiftdesk.errors import UserError
from tickets.business_calendar import BusinessCalendar, CalendarError, with_public_holidays
from tickets.validation import NaiveDatetimeError

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = [["09:00", "18:00"]]
WEEKDAYS_9_TO_6 = {day: OFFICE for day in ("mon", "tue", "wed", "thu", "fri")}


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI).astimezone(UTC)


def berlin(*args: int, fold: int = 0) -> datetime:
    # In UTC: by PEP 495 a time in the repeated hour never equals one in another zone.
    return datetime(*args, tzinfo=BERLIN, fold=fold).astimezone(UTC)


@pytest.fixture(scope="module")
def china() -> BusinessCalendar:
    return with_public_holidays(BusinessCalendar.business_hours(WEEKDAYS_9_TO_6), range(2025, 2028))


plain = BusinessCalendar.business_hours(WEEKDAYS_9_TO_6)
nights = BusinessCalendar.business_hours(
    {day: [["22:00", "06:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    holidays=[date(2026, 6, 3)],  # a Wednesday
)
berlin_weekend_nights = BusinessCalendar.business_hours({"sat": [["22:00", "06:00"]]}, zone="Europe/Berlin")


# -- one day, closing time, weekends ---------------------------------------


def test_two_hours_within_one_day() -> None:
    assert plain.add_business_minutes(sh(2026, 6, 1, 10), 120) == sh(2026, 6, 1, 12)


def test_a_target_running_out_at_closing_time_is_due_at_closing_time() -> None:
    assert plain.add_business_minutes(sh(2026, 6, 5, 16), 120) == sh(2026, 6, 5, 18)


def test_one_minute_later_it_rolls_over_the_weekend_to_monday() -> None:
    assert plain.add_business_minutes(sh(2026, 6, 5, 16, 1), 120) == sh(2026, 6, 8, 9, 1)


def test_start_before_opening_counts_from_opening() -> None:
    assert plain.add_business_minutes(sh(2026, 6, 1, 7, 30), 30) == sh(2026, 6, 1, 9, 30)


def test_result_is_utc_and_aware() -> None:
    due = plain.add_business_minutes(sh(2026, 6, 1, 10), 60)
    assert due.tzinfo == UTC and due == datetime(2026, 6, 1, 3, tzinfo=UTC)


def test_weekend_adds_no_business_time() -> None:
    assert plain.business_minutes_between(sh(2026, 6, 5, 18), sh(2026, 6, 8, 9)) == 0
    assert plain.business_minutes_between(sh(2026, 6, 5, 17), sh(2026, 6, 8, 10)) == 120


def test_zero_minutes_is_the_start_itself_even_when_closed() -> None:
    assert plain.add_business_minutes(sh(2026, 6, 6, 12), 0) == sh(2026, 6, 6, 12)


# -- ranges across midnight ------------------------------------------------


def test_night_range_runs_past_midnight() -> None:
    assert nights.add_business_minutes(sh(2026, 6, 1, 23), 6 * 60) == sh(2026, 6, 2, 5)
    assert nights.add_business_minutes(sh(2026, 6, 1, 23), 7 * 60) == sh(2026, 6, 2, 6)


def test_after_the_night_ends_the_next_night_continues() -> None:
    assert nights.add_business_minutes(sh(2026, 6, 1, 23), 7 * 60 + 1) == sh(2026, 6, 2, 22, 1)


def test_a_start_after_midnight_is_inside_the_previous_days_range() -> None:
    assert nights.add_business_minutes(sh(2026, 6, 2, 2), 60) == sh(2026, 6, 2, 3)


def test_a_holiday_closes_the_night_that_starts_on_it_including_after_midnight() -> None:
    # Wednesday 2026-06-03 is a holiday: Wed 22:00 - Thu 06:00 is closed.
    assert nights.business_minutes_between(sh(2026, 6, 3, 12), sh(2026, 6, 4, 12)) == 0
    # Tuesday's night still runs into the holiday morning.
    assert nights.business_minutes_between(sh(2026, 6, 3, 0), sh(2026, 6, 3, 12)) == 6 * 60


def test_overlapping_ranges_are_not_counted_twice() -> None:
    overlapping = BusinessCalendar.business_hours({"mon": [["20:00", "10:00"]], "tue": [["09:00", "12:00"]]})
    assert overlapping.business_minutes_between(sh(2026, 6, 1, 0), sh(2026, 6, 3, 0)) == 16 * 60


# -- Chinese holidays and make-up working days from the holidays package ----


def test_package_dates_for_2026_national_day(china: BusinessCalendar) -> None:
    assert {date(2026, 10, day) for day in (1, 2, 5, 6, 7)} <= china.holidays
    assert date(2026, 9, 20) in china.makeup_days  # Sunday, worked for National Day
    assert date(2026, 10, 10) in china.makeup_days  # Saturday, worked for National Day
    # The package's set also carries make-up days of 2001-2011; they must not leak in.
    assert all(2025 <= day.year <= 2027 for day in china.makeup_days)


def test_national_day_week_is_skipped(china: BusinessCalendar) -> None:
    # Wed 30 Sep 17:00: one hour that day, then closed 1-7 Oct, one hour on Thu 8 Oct.
    assert china.add_business_minutes(sh(2026, 9, 30, 17), 120) == sh(2026, 10, 8, 10)
    assert plain.add_business_minutes(sh(2026, 9, 30, 17), 120) == sh(2026, 10, 1, 10)


def test_make_up_sunday_is_a_working_day(china: BusinessCalendar) -> None:
    assert china.add_business_minutes(sh(2026, 9, 19, 10), 60) == sh(2026, 9, 20, 10)
    assert plain.add_business_minutes(sh(2026, 9, 19, 10), 60) == sh(2026, 9, 21, 10)


def test_make_up_saturday_after_national_day(china: BusinessCalendar) -> None:
    assert china.add_business_minutes(sh(2026, 10, 9, 17, 30), 60) == sh(2026, 10, 10, 9, 30)


def test_spring_festival_2026_make_up_saturday_then_nine_closed_days(china: BusinessCalendar) -> None:
    # Sat 14 Feb is worked; 15-23 Feb are closed (holidays, weekend, substituted days off).
    assert china.add_business_minutes(sh(2026, 2, 13, 17), 120) == sh(2026, 2, 14, 10)
    assert china.add_business_minutes(sh(2026, 2, 14, 17), 120) == sh(2026, 2, 24, 10)


def test_with_public_holidays_rejects_unknown_country() -> None:
    with pytest.raises(CalendarError, match="country"):
        with_public_holidays(plain, [2026], country="XX")


def test_with_public_holidays_rejects_a_24x7_calendar() -> None:
    with pytest.raises(CalendarError, match="24x7"):
        with_public_holidays(BusinessCalendar.always_open(), [2026])


# -- daylight saving time: business time is real elapsed time ---------------


def test_spring_forward_night_is_seven_real_hours() -> None:
    saturday = berlin(2026, 3, 28, 12)
    assert berlin_weekend_nights.business_minutes_between(saturday, saturday + timedelta(days=1)) == 7 * 60
    assert berlin_weekend_nights.add_business_minutes(berlin(2026, 3, 28, 22), 7 * 60) == berlin(2026, 3, 29, 6)


def test_fall_back_night_is_nine_real_hours() -> None:
    saturday = berlin(2026, 10, 24, 12)
    assert berlin_weekend_nights.business_minutes_between(saturday, saturday + timedelta(days=1)) == 9 * 60
    assert berlin_weekend_nights.add_business_minutes(berlin(2026, 10, 24, 22), 9 * 60) == berlin(2026, 10, 25, 6)


def test_during_the_repeated_hour_both_passes_count() -> None:
    # 02:30 CEST (first pass) + 60 real minutes = 02:30 CET (second pass).
    first = berlin(2026, 10, 25, 2, 30, fold=0)
    assert berlin_weekend_nights.add_business_minutes(first, 60) == berlin(2026, 10, 25, 2, 30, fold=1)


def test_a_boundary_in_the_spring_gap_opens_at_the_jump() -> None:
    gap_start = BusinessCalendar.business_hours({"sun": [["02:30", "06:00"]]}, zone="Europe/Berlin")
    first = next(gap_start.open_segments(berlin(2026, 3, 28, 12)))
    assert first == (berlin(2026, 3, 29, 3), berlin(2026, 3, 29, 6))


def test_a_boundary_in_the_repeated_hour_means_its_first_occurrence() -> None:
    fold_start = BusinessCalendar.business_hours({"sun": [["02:30", "06:00"]]}, zone="Europe/Berlin")
    first = next(fold_start.open_segments(berlin(2026, 10, 24, 12)))
    assert first == (berlin(2026, 10, 25, 2, 30, fold=0), berlin(2026, 10, 25, 6))
    assert first[1] - first[0] == timedelta(hours=4, minutes=30)


def test_an_input_in_the_second_pass_of_the_repeated_hour_keeps_its_fold() -> None:
    second_pass = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=1)
    assert plain.add_business_minutes(second_pass, 0) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_24x7_counts_real_minutes_across_the_jump() -> None:
    always = BusinessCalendar.always_open("Europe/Berlin")
    assert always.add_business_minutes(berlin(2026, 3, 29, 1, 30), 60) == berlin(2026, 3, 29, 3, 30)


# -- pauses ------------------------------------------------------------------


def test_a_pause_inside_open_hours_pushes_the_deadline() -> None:
    pause = (sh(2026, 6, 1, 10, 30), sh(2026, 6, 1, 11))
    assert plain.add_business_minutes(sh(2026, 6, 1, 10), 120, pauses=[pause]) == sh(2026, 6, 1, 12, 30)


def test_a_pause_over_closed_hours_costs_only_its_open_part() -> None:
    pause = (sh(2026, 6, 1, 17), sh(2026, 6, 2, 10))
    assert plain.add_business_minutes(sh(2026, 6, 1, 16), 120, pauses=[pause]) == sh(2026, 6, 2, 11)
    assert plain.business_minutes_between(sh(2026, 6, 1, 16), sh(2026, 6, 2, 11), pauses=[pause]) == 120


def test_overlapping_pauses_are_merged() -> None:
    pauses = [(sh(2026, 6, 1, 10), sh(2026, 6, 1, 11)), (sh(2026, 6, 1, 10, 30), sh(2026, 6, 1, 11, 30))]
    assert plain.business_minutes_between(sh(2026, 6, 1, 9), sh(2026, 6, 1, 12), pauses=pauses) == 90


# -- bad input ---------------------------------------------------------------


def test_naive_datetimes_are_refused_naming_the_argument() -> None:
    with pytest.raises(NaiveDatetimeError, match="start"):
        plain.add_business_minutes(datetime(2026, 6, 1, 10), 60)
    with pytest.raises(NaiveDatetimeError, match=r"pauses\[0\]\.end"):
        plain.business_minutes_between(sh(2026, 6, 1), sh(2026, 6, 2), pauses=[(sh(2026, 6, 1), datetime(2026, 6, 2))])


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(CalendarError, match="minutes"):
        plain.add_business_minutes(sh(2026, 6, 1), -1)


def test_end_before_start_is_refused() -> None:
    with pytest.raises(CalendarError, match="end"):
        plain.business_minutes_between(sh(2026, 6, 2), sh(2026, 6, 1))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "24x7", "zone": "Mars/Olympus"}, "calendar.zone"),
        ({"kind": "weekly"}, "calendar.kind"),
        ({"kind": "business_hours", "weekly_hours": {"monday": OFFICE}}, "calendar.weekly_hours"),
        (
            {"kind": "business_hours", "weekly_hours": {"mon": [["09:00", "25:00"]]}},
            r"calendar.weekly_hours.mon\[0\]\[1\]",
        ),
        (
            {"kind": "business_hours", "weekly_hours": {"mon": [["9am", "18:00"]]}},
            r"calendar.weekly_hours.mon\[0\]\[0\]",
        ),
        ({"kind": "business_hours", "weekly_hours": {"mon": [["09:00", "09:00"]]}}, r"calendar.weekly_hours.mon\[0\]"),
        ({"kind": "business_hours", "weekly_hours": {}}, "calendar.weekly_hours"),
        ({"kind": "business_hours", "weekly_hours": {"mon": OFFICE}, "holidays": "2026-10-01"}, "calendar.holidays"),
        (
            {"kind": "business_hours", "weekly_hours": {"mon": OFFICE}, "holidays": ["01/10/2026"]},
            r"calendar.holidays\[0\]",
        ),
        (
            {"kind": "business_hours", "weekly_hours": {"mon": OFFICE}, "makeup_days": {"2026-09-20": "monday"}},
            "calendar.makeup_days.2026-09-20",
        ),
        (
            {
                "kind": "business_hours",
                "weekly_hours": {"mon": OFFICE},
                "holidays": ["2026-09-20"],
                "makeup_days": {"2026-09-20": "mon"},
            },
            "calendar.makeup_days.2026-09-20",
        ),
        ({"kind": "24x7", "holidays": ["2026-10-01"]}, "calendar"),
        ([], "calendar"),
    ],
)
def test_malformed_calendar_dicts_name_the_field(data: object, field: str) -> None:
    with pytest.raises(CalendarError, match=f"^{field}: ") as caught:
        BusinessCalendar.from_dict(data)
    assert isinstance(caught.value, UserError)


def test_json_round_trip(china: BusinessCalendar) -> None:
    for calendar in (china, nights, berlin_weekend_nights, BusinessCalendar.always_open("Europe/Berlin")):
        stored = json.loads(json.dumps(calendar.to_dict()))
        assert BusinessCalendar.from_dict(stored) == calendar


def test_json_shape() -> None:
    calendar = BusinessCalendar.business_hours(
        {"mon": OFFICE, "sat": [["22:00", "00:00"]]},
        holidays=[date(2026, 10, 1)],
        makeup_days={date(2026, 9, 20): "mon"},
    )
    assert calendar.to_dict() == {
        "kind": "business_hours",
        "zone": "Asia/Shanghai",
        "weekly_hours": {"mon": [["09:00", "18:00"]], "sat": [["22:00", "24:00"]]},
        "holidays": ["2026-10-01"],
        "makeup_days": {"2026-09-20": "mon"},
    }


# -- properties ----------------------------------------------------------------

# Overlaps, a night running into the next morning and Sunday boundaries inside
# the DST gap / repeated hour: the awkward cases in one calendar.
awkward_berlin = BusinessCalendar.business_hours(
    {
        "mon": [["08:00", "12:00"], ["13:00", "17:30"]],
        "wed": [["08:00", "12:00"], ["11:00", "20:00"]],
        "fri": [["23:30", "00:30"]],
        "sat": [["22:00", "10:00"]],
        "sun": [["01:30", "02:45"], ["09:00", "11:00"]],
    },
    zone="Europe/Berlin",
    holidays=[date(2026, 3, 30), date(2026, 10, 26)],
    makeup_days={date(2026, 4, 4): "mon"},
)
calendars = st.sampled_from([plain, nights, awkward_berlin, BusinessCalendar.always_open()])
instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC))
minutes = st.integers(min_value=0, max_value=20 * 24 * 60)


@settings(max_examples=80, deadline=None)
@given(calendars, instants, minutes)
def test_add_then_measure_round_trips(calendar: BusinessCalendar, start: datetime, amount: int) -> None:
    due = calendar.add_business_minutes(start, amount)
    assert due >= start
    assert calendar.business_time_between(start, due) == timedelta(minutes=amount)


@settings(max_examples=80, deadline=None)
@given(calendars, instants, minutes, minutes)
def test_deadlines_are_monotone_in_the_target(calendar: BusinessCalendar, start: datetime, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert calendar.add_business_minutes(start, low) <= calendar.add_business_minutes(start, high)


@settings(max_examples=80, deadline=None)
@given(
    calendars,
    instants,
    st.timedeltas(timedelta(0), timedelta(days=15)),
    st.timedeltas(timedelta(0), timedelta(days=15)),
)
def test_business_time_is_additive(
    calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    middle, end = start + first, start + first + second
    assert calendar.business_time_between(start, end) == (
        calendar.business_time_between(start, middle) + calendar.business_time_between(middle, end)
    )


@settings(max_examples=80, deadline=None)
@given(
    calendars,
    instants,
    st.integers(1, 3 * 24 * 60),
    st.timedeltas(timedelta(0), timedelta(days=2)),
    st.timedeltas(timedelta(0), timedelta(days=2)),
)
def test_pauses_never_bring_a_deadline_forward(
    calendar: BusinessCalendar, start: datetime, amount: int, pause_offset: timedelta, pause_length: timedelta
) -> None:
    pause = (start + pause_offset, start + pause_offset + pause_length)
    paused_due = calendar.add_business_minutes(start, amount, pauses=[pause])
    assert paused_due >= calendar.add_business_minutes(start, amount)
    assert calendar.business_time_between(start, paused_due, pauses=[pause]) == timedelta(minutes=amount)
