"""Service hours: queues worked only part of the day, async SLA clocks that run in business hours."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.service_hours import ServiceHours, ServiceHoursError
from forecasting.staffing import QueueConfig, StaffingError, queue_configs_from_records, required_agents
from forecasting.workload import due_interval, overdue, response_window
from shiftdesk.errors import UserError
from tickets.business_calendar import BusinessCalendar, with_public_holidays

ZONE = "Asia/Shanghai"
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
CN_OFFICE = ServiceHours.parse("Mon-Fri 09:00-18:00", holiday_country="CN")


def hourly(start: str, days: int, tz: str = ZONE, freq: str = "60min") -> pd.DatetimeIndex:
    return pd.date_range(start, periods=days * 86400 // pd.Timedelta(freq).seconds, freq=freq, tz=tz)


def forecast_of(stamps: pd.DatetimeIndex, **series: np.ndarray) -> pd.DataFrame:
    return pd.concat(
        [pd.DataFrame({"queue": name, "timestamp": stamps, "mean": values}) for name, values in series.items()],
        ignore_index=True,
    )


def email(hours: object = CN_OFFICE, **settings_: object) -> QueueConfig:
    return QueueConfig(
        "web_email", "email", "billing", aht_s=3600.0, first_response_min=120.0, service_hours=hours, **settings_
    )  # type: ignore[arg-type]


def chat(hours: object = "daily 08:00-22:00", **settings_: object) -> QueueConfig:
    return QueueConfig(
        "billing_chat", "chat", "billing", aht_s=420.0, service_hours=hours, **settings_
    )  # type: ignore[arg-type]


def detail(result, queue: str, column: str) -> np.ndarray:
    rows = result.queues
    return rows.loc[rows["queue"] == queue, column].to_numpy()


# --- the format ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "weekly"),
    [
        ("Mon-Fri 09:00-18:00", [[(540, 1080)]] * 5 + [[], []]),
        ("daily 08:00-22:00", [[(480, 1320)]] * 7),
        (
            "Mon-Fri 09:00-12:00, 13:00-18:00; Sat 10:00-14:00",
            [[(540, 720), (780, 1080)]] * 5 + [[(600, 840)], []],
        ),
        ("Fri-Mon 20:00-02:00", [[(1200, 120)], [], [], [], [(1200, 120)], [(1200, 120)], [(1200, 120)]]),
        ("sat,SUN 00:00-24:00", [[]] * 5 + [[(0, 1440)], [(0, 1440)]]),
        ("Tuesday 07:30-00:00", [[], [(450, 1440)], [], [], [], [], []]),
    ],
)
def test_hours_text_reads_days_and_ranges(text: str, weekly: list[list[tuple[int, int]]]) -> None:
    assert ServiceHours.parse(text).weekly == tuple(tuple(day) for day in weekly)


def test_24x7_is_always_open_and_with_a_country_all_day_but_its_holidays() -> None:
    assert ServiceHours.parse("24x7").is_24x7 and ServiceHours.parse(" 24/7 ") == ServiceHours.always()
    stamps = hourly("2026-09-30", 3)
    mask = ServiceHours.parse("24x7", holiday_country="CN").open_mask(stamps, 3600)
    np.testing.assert_array_equal(mask, np.repeat([True, False, False], 24))  # 1 and 2 October are holidays


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mon-Fxi 09:00-18:00", "'Mon-Fxi' is not a day or a day range"),
        ("Mon 09:00", "'09:00' is not a time range"),
        ("Mon 09:00-25:00", "'25:00' is not a time of day"),
        ("Mon 09:00-09:00", "is not a range of the day"),
        ("09:00-18:00", "is not days then hours"),
        ("Sat 10:60-12:00", "'10:60' is not a local time"),
    ],
)
def test_bad_hours_text_is_refused_naming_the_text(text: str, message: str) -> None:
    with pytest.raises(ServiceHoursError, match=re.escape(f"hours {text!r}")) as error:
        ServiceHours.parse(text)
    assert message in str(error.value)
    assert issubclass(ServiceHoursError, UserError)


def test_a_queue_with_bad_hours_names_the_queue() -> None:
    with pytest.raises(StaffingError, match=re.escape("queue 'web_email': hours 'Mon-Fri 9-18'")):
        email("Mon-Fri 9-18")
    with pytest.raises(StaffingError, match="queue 'web_email': service_hours must be"):
        email(42)
    with pytest.raises(StaffingError, match="holiday country 'XX' is not in the holidays package"):
        email({"weekly_hours": {"mon": [["09:00", "18:00"]]}, "holiday_country": "XX"})


def test_hours_round_trip_and_read_the_desks_business_calendars() -> None:
    made = ServiceHours.weekly_hours(
        {day: [["09:00", "18:00"]] for day in WORKDAYS},
        zone=ZONE,
        closed_dates=[date(2026, 12, 24)],
        makeup_dates={"2026-12-26": "fri"},
        holiday_country="CN",
    )
    assert ServiceHours.from_dict(made.to_dict()) == made
    calendar = BusinessCalendar.business_hours(
        {day: [["09:00", "18:00"]] for day in WORKDAYS},
        holidays=[date(2026, 12, 24)],
        makeup_days={date(2026, 12, 26): "fri"},
    )
    from_desk = ServiceHours.from_dict(calendar.to_dict())
    assert from_desk.zone == ZONE and from_desk.closed_dates == {date(2026, 12, 24)}
    assert from_desk.makeup_dates == ((date(2026, 12, 26), 4),)
    assert ServiceHours.from_dict(BusinessCalendar.always_open().to_dict()).is_24x7


# --- on the grid: holidays, make-up days, zones, DST ---------------------------------


def test_chinese_holidays_close_and_make_up_days_open_with_the_package_data() -> None:
    stamps = hourly("2026-09-28", 14)  # Monday 28 September .. Sunday 11 October 2026
    open_hours = pd.Series(CN_OFFICE.open_mask(stamps, 3600), stamps).groupby(stamps.date).sum()
    assert open_hours[date(2026, 9, 30)] == 9
    assert (open_hours[date(2026, 10, 1) : date(2026, 10, 7)] == 0).all()  # National Day golden week
    assert open_hours[date(2026, 10, 8)] == open_hours[date(2026, 10, 9)] == 9
    assert open_hours[date(2026, 10, 10)] == 9  # Saturday, a make-up working day (调休)
    assert open_hours[date(2026, 10, 11)] == 0


def test_the_async_clock_matches_the_desks_sla_clock_to_the_minute() -> None:
    """Every hourly arrival over a holiday fortnight is due exactly when the ticket desk's SLA clock says."""
    desk = with_public_holidays(
        BusinessCalendar.business_hours({day: [["09:00", "18:00"]] for day in WORKDAYS}, zone=ZONE), [2026]
    )
    hours = ServiceHours.from_dict(desk.to_dict())
    stamps = hourly("2026-09-25", 21)
    mask = hours.open_mask(stamps, 3600)
    np.testing.assert_array_equal(mask, CN_OFFICE.open_mask(stamps, 3600))
    due = due_interval(response_window(120 * 60, 3600), mask)
    ends = stamps + pd.Timedelta(hours=1)
    checked = 0
    for i, stamp in enumerate(stamps):
        if due[i] < len(stamps):
            assert ends[due[i]] == desk.add_business_minutes(stamp.to_pydatetime(), 120), stamp
            checked += 1
    assert checked > 400


def test_a_ticket_at_23_00_is_due_at_11_00_on_the_next_working_day() -> None:
    stamps = hourly("2026-09-30", 11)  # Wednesday 30 September: the eve of National Day
    tickets = np.zeros(len(stamps))
    at = {stamp: i for i, stamp in enumerate(stamps)}
    eve, friday = at[pd.Timestamp("2026-09-30 23:00", tz=ZONE)], at[pd.Timestamp("2026-10-09 23:00", tz=ZONE)]
    tickets[[eve, friday]] = 6.0
    result = required_agents(forecast_of(stamps, web_email=tickets), [email()])
    agents = pd.Series(detail(result, "web_email", "raw_agents"), stamps)
    # two business hours after the opening: Thursday 8 October and the make-up Saturday 10 October, 09:00-11:00
    working = [pd.Timestamp(f"2026-10-{d:02d} {h:02d}:00", tz=ZONE) for d in (8, 10) for h in (9, 10)]
    assert list(agents[agents > 0].index) == working and (agents[working] == 3).all()
    backlog = pd.Series(detail(result, "web_email", "backlog"), stamps)
    assert (backlog["2026-10-01":"2026-10-08 08:00"] == 6).all()  # carried through the golden week
    assert backlog["2026-10-08 10:00"] == 0 and backlog["2026-10-10 10:00"] == 0
    window = response_window(120 * 60, 3600)
    late = overdue(tickets, detail(result, "web_email", "backlog"), window, detail(result, "web_email", "open"))
    assert late.max() == 0


def test_night_emails_need_no_night_agents_and_the_same_work_is_done_in_the_day() -> None:
    stamps = hourly("2026-11-23", 7)  # an ordinary week, Monday to Sunday
    tickets = np.full(len(stamps), 4.0)  # four an hour, around the clock
    always = required_agents(forecast_of(stamps, web_email=tickets), [email(None)])
    office = required_agents(forecast_of(stamps, web_email=tickets), [email()])
    night = ~CN_OFFICE.open_mask(stamps, 3600)
    assert (always.required["required"].to_numpy()[night][1:] == 4).all()  # after the first, half-window hour
    assert (office.required["required"].to_numpy()[night] == 0).all()
    # all but the last window's work of the horizon is done inside it (Friday's tail falls to next Monday)
    plan = office.skills["async_agents"].to_numpy()
    friday_17, friday_18 = at_or_after(stamps, "2026-11-27 17:00"), at_or_after(stamps, "2026-11-27 18:00")
    half_done, not_started = tickets[friday_17 & ~friday_18].sum(), tickets[friday_18].sum()
    assert plan.sum() == pytest.approx(tickets.sum() - half_done / 2 - not_started)  # agents of 3600 s AHT
    assert office.required["required"].sum() < always.required["required"].sum()


def at_or_after(stamps: pd.DatetimeIndex, when: str) -> np.ndarray:
    return np.asarray(stamps >= pd.Timestamp(when, tz=ZONE))


def test_hours_are_read_in_their_own_zone_on_a_grid_in_another() -> None:
    stamps = hourly("2026-11-23", 2, tz="UTC")  # 08:00 Shanghai is 00:00 UTC
    hours = ServiceHours.parse("daily 08:00-22:00", zone=ZONE)
    np.testing.assert_array_equal(np.flatnonzero(hours.open_mask(stamps, 3600)), [*range(0, 14), *range(24, 38)])
    with pytest.raises(ServiceHoursError, match="unknown IANA time zone 'Mars/Base'"):
        ServiceHours.parse("daily 08:00-22:00", zone="Mars/Base")


def test_daylight_saving_days_keep_their_wall_clock_hours() -> None:
    spring = pd.date_range("2026-03-28", "2026-03-30", freq="15min", tz="Europe/London", inclusive="left")
    autumn = pd.date_range("2026-10-24", "2026-10-26", freq="15min", tz="Europe/London", inclusive="left")
    office = ServiceHours.parse("daily 09:00-18:00")
    for stamps in (spring, autumn):
        opened = stamps[office.open_mask(stamps, 900)]
        assert (pd.Series(opened.hour).value_counts().sort_index().index == range(9, 18)).all()
        assert len(opened) == 2 * 36
    night = ServiceHours.parse("daily 22:00-06:00")
    # the night into the spring change holds 7 real hours, into the autumn change 9
    spring_night = night.open_mask(spring, 900)[(spring >= "2026-03-28 22:00") & (spring < "2026-03-29 12:00")]
    autumn_night = night.open_mask(autumn, 900)[(autumn >= "2026-10-24 22:00") & (autumn < "2026-10-25 12:00")]
    assert spring_night.sum() == 7 * 4 and autumn_night.sum() == 9 * 4


def test_a_night_range_belongs_to_the_day_it_starts_on() -> None:
    stamps = hourly("2026-11-28", 4)  # Saturday 00:00 .. Tuesday 23:00
    nights = ServiceHours.parse("Mon-Fri 22:00-06:00")
    open_at = stamps[nights.open_mask(stamps, 3600)]
    assert list(open_at.strftime("%a %H")) == [f"Sat 0{h}" for h in range(6)] + ["Mon 22", "Mon 23"] + [
        f"Tue 0{h}" for h in range(6)
    ] + ["Tue 22", "Tue 23"]
    friday_off = ServiceHours.weekly_hours({"fri": [["22:00", "06:00"]]}, closed_dates=[date(2026, 11, 27)])
    assert not friday_off.open_mask(stamps, 3600).any()  # a closed Friday closes its night, after midnight too


def test_hours_off_the_grid_round_outward() -> None:
    stamps = hourly("2026-11-23", 1)
    mask = ServiceHours.parse("Mon 09:10-17:50").open_mask(stamps, 3600)
    np.testing.assert_array_equal(np.flatnonzero(mask), range(9, 18))


# --- live queues -----------------------------------------------------------------


def test_a_live_queue_needs_nobody_while_closed_and_reports_the_contacts_it_does_not_serve() -> None:
    stamps = hourly("2026-11-23", 2)
    trickle = np.where((stamps.hour >= 8) & (stamps.hour < 22), 60.0, 3.0)
    result = required_agents(forecast_of(stamps, billing_chat=trickle), [chat()])
    closed = ~((stamps.hour >= 8) & (stamps.hour < 22))
    np.testing.assert_array_equal(detail(result, "billing_chat", "open"), ~closed)
    assert (result.required["required"].to_numpy()[closed] == 0).all()
    np.testing.assert_allclose(detail(result, "billing_chat", "unserved"), np.where(closed, 3.0, 0.0))
    assert np.isnan(detail(result, "billing_chat", "service_level")[closed]).all()
    open_all_day = required_agents(forecast_of(stamps, billing_chat=trickle), [chat(None)])
    np.testing.assert_array_equal(
        result.required["required"].to_numpy()[~closed], open_all_day.required["required"].to_numpy()[~closed]
    )
    assert (open_all_day.required["required"].to_numpy()[closed] > 0).all()  # the trickle was staffed before


def test_the_24x7_floor_still_holds_when_a_queue_of_the_skill_is_closed() -> None:
    stamps = hourly("2026-11-23", 1)
    result = required_agents(forecast_of(stamps, billing_chat=np.full(24, 30.0)), [chat(min_agents_24x7=1)])
    assert (result.required["required"] >= 1).all()
    assert (result.required["required"].to_numpy()[:8] == 1).all()


def test_a_pool_serves_only_the_queues_that_are_open() -> None:
    stamps = hourly("2026-11-23", 1)
    phone = QueueConfig("billing_phone", "phone", "billing", aht_s=420.0)
    together = required_agents(forecast_of(stamps, billing_chat=np.full(24, 30.0), billing_phone=np.full(24, 30.0)),
                               [chat(), phone])
    phone_alone = required_agents(forecast_of(stamps, billing_phone=np.full(24, 30.0)), [phone])
    night = np.r_[0:8, 22:24]
    np.testing.assert_array_equal(
        together.skills["live_agents"].to_numpy()[night], phone_alone.skills["live_agents"].to_numpy()[night]
    )
    assert (together.skills["live_agents"].to_numpy()[8:22] > phone_alone.skills["live_agents"].to_numpy()[8:22]).all()


# --- queue files -------------------------------------------------------------------


def test_records_take_hours_and_a_holiday_country() -> None:
    records = [
        {"queue": "e", "channel": "email", "skill": "en", "aht_s": "300", "first_response_min": "120",
         "hours": "Mon-Fri 09:00-18:00", "holidays": "cn"},
        {"queue": "c", "channel": "chat", "skill": "en", "aht_s": "300", "hours": "daily 08:00-22:00", "holidays": ""},
        {"queue": "p", "channel": "phone", "skill": "en", "aht_s": "300", "hours": ""},
        {"queue": "j", "channel": "webform", "skill": "en", "aht_s": 300, "first_response_min": 60,
         "hours": {"weekly_hours": {"sat": [["10:00", "14:00"]]}}, "holidays": "CN"},
    ]
    e, c, p, j = queue_configs_from_records(records)
    assert e.service_hours == CN_OFFICE
    assert c.service_hours == ServiceHours.parse("daily 08:00-22:00") and p.service_hours is None
    assert j.service_hours.weekly[5] == ((600, 840),) and j.service_hours.holiday_country == "CN"


def test_a_holidays_default_fills_only_queues_with_hours() -> None:
    records = [
        {"queue": "e", "channel": "email", "skill": "en", "aht_s": 300, "first_response_min": 120,
         "hours": "Mon-Fri 09:00-18:00"},
        {"queue": "p", "channel": "phone", "skill": "en", "aht_s": 300},
    ]
    e, p = queue_configs_from_records(records, {"holidays": "CN"})
    assert e.service_hours == CN_OFFICE and p.service_hours is None


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"holidays": "CN"}, "queues row 1 (queue 'e'): holidays 'CN' needs hours"),
        ({"hours": "Mon-Fri 09:00-18:00", "holidays": "XX"}, "queues row 1 (queue 'e'): hours 'Mon-Fri 09:00-18:00': "
         "holiday country 'XX'"),
        ({"hours": "weekdays 9 to 6"}, "queues row 1 (queue 'e'): hours 'weekdays 9 to 6'"),
        ({"opening": "24x7"}, "unknown column(s) opening"),
    ],
)
def test_bad_hours_cells_name_the_row_and_the_queue(cells: dict[str, str], message: str) -> None:
    record = {"queue": "e", "channel": "email", "skill": "en", "aht_s": 300, "first_response_min": 120, **cells}
    with pytest.raises(StaffingError, match=re.escape(message)):
        queue_configs_from_records([record])


# --- invariants over random desks with hours ---------------------------------------------

HOURS = ["24x7", "Mon-Fri 09:00-18:00", "daily 08:00-22:00", "Sat-Sun 10:00-16:00", "daily 22:00-06:00"]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["phone", "chat", "email", "webform"]),
            st.sampled_from(HOURS),
            st.booleans(),
            st.lists(st.floats(0, 200), min_size=7 * 24, max_size=7 * 24),
            st.sampled_from([60.0, 120.0, 240.0]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_closed_intervals_get_no_agents_and_async_tickets_all_meet_their_business_deadline(desk: list) -> None:
    stamps = hourly("2026-09-28", 7)  # includes National Day
    queues, series = [], {}
    for i, (channel, text, with_holidays, means, target) in enumerate(desk):
        live = channel in ("phone", "chat")
        hours = ServiceHours.parse(text, holiday_country="CN" if with_holidays else None)
        queues.append(QueueConfig(f"q{i}", channel, f"s{i}", 300.0, first_response_min=None if live else target,
                                  service_hours=hours))
        series[f"q{i}"] = np.array(means)
    result = required_agents(forecast_of(stamps, **series), queues)
    for queue in queues:
        rows = result.queues[result.queues["queue"] == queue.queue]
        is_open = rows["open"].to_numpy()
        np.testing.assert_array_equal(is_open, queue.service_hours.open_mask(stamps, 3600))
        assert (rows["raw_agents"].to_numpy()[~is_open] == 0).all()
        skill_required = result.required.loc[result.required["skill"] == queue.skill, "required"].to_numpy()
        assert (skill_required[~is_open] == 0).all()
        contacts = rows["contacts"].to_numpy()
        if queue.channel.is_live:
            np.testing.assert_allclose(rows["unserved"], np.where(is_open, 0.0, contacts))
            assert (rows["service_level"].to_numpy()[is_open] >= 0.8 - 1e-9).all()
        else:
            assert (rows["unserved"] == 0).all()
            window = response_window(queue.first_response_min * 60, 3600)
            late = overdue(contacts, rows["backlog"].to_numpy(), window, is_open)
            assert late.max() <= 1e-6 * max(1.0, contacts.sum())
