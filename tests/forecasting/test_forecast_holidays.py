"""`--holidays auto`: the site's zone names the country, the history confirms it, the models use it."""

from __future__ import annotations

from datetime import date

import holidays as holidays_lib
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from forecasting.calendar import AFTER_CLOSURE, HOLIDAY, HOLIDAY_EVE, OBSERVANCE, DayCalendar, Event, zone_country
from forecasting.models import make_model
from forecasting.service import forecast_series
from forecasting.history import History
from shiftdesk.cli import app
from tests.forecasting.conftest import weekly_pattern_series, write_csv

# Yom Kippur 1999 (Monday 20 September) and Rosh Hashanah (Saturday-Sunday 11-12 September) are public holidays in Israel.
YOM_KIPPUR = date(1999, 9, 20)


@pytest.mark.parametrize(
    ("zone", "country"),
    [("Asia/Shanghai", "CN"), ("Asia/Jerusalem", "IL"), ("America/New_York", "US"), ("America/Chicago", "US"),
     ("US/Eastern", "US"), ("Israel", "IL"), ("Europe/Berlin", "DE"), ("UTC", None), ("Etc/GMT+3", None),
     ("No/Such_Zone", None)],
)
def test_zone_names_its_country(zone, country):
    assert zone_country(zone) == country


def test_holidays_option_auto_none_and_code():
    auto = DayCalendar.from_option("auto", "Asia/Jerusalem")
    assert auto.holiday_country == "IL" and auto.holiday_auto
    assert DayCalendar.from_option("none", "Asia/Jerusalem").holiday_country is None
    assert DayCalendar.from_option("auto", "UTC").holiday_country is None
    explicit = DayCalendar.from_option("US", "Asia/Shanghai")
    assert explicit.holiday_country == "US" and not explicit.holiday_auto


def test_a_holiday_is_the_last_day_of_the_countrys_weekend():
    days = pd.DatetimeIndex([YOM_KIPPUR, date(1999, 9, 21)])
    assert DayCalendar("IL").effective_weekdays(days).tolist() == [5, 1]  # Saturday in Israel
    labor_day = pd.DatetimeIndex([date(2003, 9, 1)])
    assert DayCalendar("US").effective_weekdays(labor_day).tolist() == [6]  # Sunday in the US
    assert DayCalendar("IL", holiday_weekday=6).effective_weekdays(days).tolist() == [6, 1]


def test_holiday_eve_and_the_first_business_day_after_are_labelled():
    days = pd.date_range("1999-09-17", "1999-09-26")  # Fri .. Sun: eve of Yom Kippur on Sunday, Sukkot on Saturday
    labels = dict(zip(days.strftime("%m-%d"), DayCalendar("IL").labels(days)))
    assert labels["09-19"] == HOLIDAY_EVE and labels["09-20"] == HOLIDAY and labels["09-21"] == AFTER_CLOSURE
    # a weekend eve is no eve, and the Sunday after is no day after a closure (it is Sukkot's first intermediate day)
    assert labels["09-24"] == "" and labels["09-25"] == HOLIDAY and labels["09-26"] == OBSERVANCE
    us = DayCalendar("US").labels(pd.date_range("2003-08-29", "2003-09-02"))  # Labor Day Monday
    assert us.tolist() == ["", "", "", HOLIDAY, AFTER_CLOSURE]


def test_optional_holidays_are_observances_unless_a_stronger_label_applies():
    """Israel's intermediate days of Sukkot and Pesach, Purim and Tisha B'Av are the `holidays` package's
    optional category. Pesach's first business day after its first day is the day after a closure, and its
    last intermediate day the eve of its seventh day. The US defines no optional holidays; an event wins."""
    days = pd.DatetimeIndex(["1999-03-02", "1999-04-04", "1999-04-05", "1999-04-06", "1999-07-22", "1999-09-30",
                             "1999-10-01"])
    assert DayCalendar("IL").labels(days).tolist() == [
        OBSERVANCE, AFTER_CLOSURE, OBSERVANCE, HOLIDAY_EVE, OBSERVANCE, OBSERVANCE, ""]
    us = pd.date_range("2003-01-01", "2003-12-31")
    assert OBSERVANCE not in set(DayCalendar("US").labels(us))
    promo = Event("promo", (date(1999, 9, 30),), 1.5)
    assert DayCalendar("IL", (promo,)).labels(days)[5] == "promo"


@pytest.mark.parametrize("name", ["level_profile", "ensemble"])
def test_observances_learn_their_effect_and_keep_it_out_of_ordinary_days(name):
    """A desk that runs at 60% on every Israeli optional holiday (Pesach's intermediate days, Remembrance Day,
    Jerusalem Day and Tisha B'Av 1999 in its history): Sukkot's intermediate days are forecast at about 60%,
    and the ordinary days of that week as without them."""
    y = _israeli_desk(weeks=29, quiet_holidays=True)  # 7 March - 25 September 1999
    local_days = pd.DatetimeIndex(y.index.tz_localize(None).normalize())
    y = y.where(DayCalendar("IL").labels(local_days) != OBSERVANCE, y * 0.6)
    assert y.index[-1] < pd.Timestamp("1999-09-26", tz="Asia/Jerusalem")
    week = pd.date_range(pd.Timestamp("1999-09-26", tz="Asia/Jerusalem"), periods=14 * 24, freq="60min")
    aware = make_model(name, DayCalendar("IL")).fit(y).point_forecast(week)
    by_day = pd.Series(aware).groupby(week.date).sum()
    for sukkot, week_after in [(date(1999, 9, 26), date(1999, 10, 3)), (date(1999, 9, 29), date(1999, 10, 6))]:
        assert by_day[sukkot] == pytest.approx(0.6 * by_day[week_after], rel=0.1)
    plain = _israeli_desk(weeks=29, quiet_holidays=True)
    unaffected = make_model(name, DayCalendar("IL")).fit(plain).point_forecast(week)
    after = week.date >= date(1999, 10, 3)
    np.testing.assert_allclose(aware[after].sum(), unaffected[after].sum(), rtol=0.03)


def test_the_forecast_notes_name_the_observances_in_its_horizon():
    y = _israeli_desk(weeks=29, quiet_holidays=True)
    local_days = pd.DatetimeIndex(y.index.tz_localize(None).normalize())
    y = y.where(DayCalendar("IL").labels(local_days) != OBSERVANCE, y * 0.6)
    calendar, history_note = DayCalendar.from_option("auto", "Asia/Jerusalem").confirmed_by(y)
    assert "past observances (optional holidays) on open weekdays ran at 60% of a normal day" in history_note
    note = calendar.holiday_decisions(pd.date_range("1999-09-25", "1999-10-01"))
    assert "1999-09-25 Sukkot closed: seen quiet in the history" in note
    assert "1999-09-26 Sukkot holiday an observance: open, with the effect past observances had" in note
    assert "1999-10-01" not in note


def _israeli_desk(weeks: int, quiet_holidays: bool | set[str], start: str = "1999-03-07") -> pd.Series:
    """A 24x7 Sunday-Thursday desk in Jerusalem, hourly, from `start`; Friday half and Saturday a tenth.

    `quiet_holidays`: every Israeli holiday runs at a tenth of its weekday (True), none does (False),
    or only the holidays of these names do."""
    y = weekly_pattern_series(weeks=weeks, zone="Asia/Jerusalem", start=start, seed=None)
    weekday = y.index.dayofweek
    y = y * np.where(weekday == 4, 0.5, np.where(weekday == 5, 0.1, 1.0))
    if quiet_holidays:
        local_days = y.index.tz_localize(None).normalize()
        quiet = DayCalendar("IL").labels(pd.DatetimeIndex(local_days)) == HOLIDAY
        if quiet_holidays is not True:
            table = holidays_lib.country_holidays("IL", years=sorted(set(local_days.year)))
            quiet &= np.array([bool(set(table.get_list(d)) & quiet_holidays) for d in local_days])
        y = y.where(~quiet, y * 0.1)
    return y


def test_auto_keeps_the_zones_country_when_the_history_agrees_and_drops_it_when_not():
    agree = _israeli_desk(weeks=12, quiet_holidays=True)  # Pesach and Independence Day ran like Saturdays
    kept, note = DayCalendar.from_option("auto", "Asia/Jerusalem").confirmed_by(agree)
    assert kept.holiday_country == "IL" and "IL (the zone's country" in note
    disagree = _israeli_desk(weeks=12, quiet_holidays=False)  # a desk that ignores Israeli holidays
    dropped, note = DayCalendar.from_option("auto", "Asia/Jerusalem").confirmed_by(disagree)
    assert dropped.holiday_country is None and "--holidays IL forces them" in note
    forced, note = DayCalendar.from_option("IL", "Asia/Jerusalem").confirmed_by(disagree)
    assert forced.holiday_country == "IL" and note == ""


@pytest.mark.parametrize("name", ["historic_average", "level_profile", "poisson_glm", "ensemble"])
def test_a_holiday_in_the_horizon_lowers_the_forecast(name):
    y = _israeli_desk(weeks=26, quiet_holidays=True)
    y = y[y.index < pd.Timestamp("1999-09-19", tz="Asia/Jerusalem")]
    week = pd.date_range(pd.Timestamp("1999-09-19", tz="Asia/Jerusalem"), periods=7 * 24, freq="60min")
    plain = make_model(name, DayCalendar()).fit(y).point_forecast(week)
    aware = make_model(name, DayCalendar("IL")).fit(y).point_forecast(week)
    on_yom_kippur = week.date == YOM_KIPPUR
    assert aware[on_yom_kippur].sum() < 0.3 * plain[on_yom_kippur].sum()
    np.testing.assert_allclose(aware[week.dayofweek == 1].sum(), plain[week.dayofweek == 1].sum(), rtol=0.15)


def _auto_week_from_yom_kippur(y: pd.Series) -> tuple[pd.Series, list[str]]:
    """Daily forecast totals of `shiftdesk forecast --zone Asia/Jerusalem` (auto holidays) for the week of Yom Kippur 1999."""
    y = y[y.index < pd.Timestamp("1999-09-19", tz="Asia/Jerusalem")]
    history = History(pd.DataFrame({"queue": "all", "timestamp": y.index, "count": y.to_numpy()}), 60)
    result = forecast_series(history, "1999-09-19 00:00", 7, 60, "Asia/Jerusalem", model="historic_average",
                             calendar=DayCalendar.from_option("auto", "Asia/Jerusalem"))
    stamps = pd.DatetimeIndex(result.forecast["timestamp"])
    return result.forecast.groupby(stamps.date)["mean"].sum(), result.notes


def test_service_default_from_zone_closes_a_holiday_the_history_showed_quiet():
    seen = _israeli_desk(weeks=60, quiet_holidays=True, start="1998-08-02")  # Yom Kippur 1998 ran like a Saturday
    by_day, notes = _auto_week_from_yom_kippur(seen)
    assert any("holidays: IL (the zone's country" in note for note in notes)
    assert by_day[YOM_KIPPUR] < 0.3 * by_day[date(1999, 9, 21)]


def test_a_holiday_the_history_never_showed_is_closed_when_the_seen_ones_ran_quiet():
    """Pesach, its seventh day, Independence Day, Shavuot and Rosh Hashanah ran quiet; Yom Kippur is not in
    the history, so it follows them: closed by analogy, and the note says so."""
    unseen = _israeli_desk(weeks=28, quiet_holidays=True)  # 7 March - 18 September 1999
    by_day, notes = _auto_week_from_yom_kippur(unseen)
    assert any("never shows on an open weekday is forecast closed by analogy, as 5 of the 5" in note for note in notes)
    assert any("1999-09-20 Yom Kippur closed by analogy" in note for note in notes)
    assert by_day[YOM_KIPPUR] < 0.3 * by_day[date(1999, 9, 21)]


def test_a_holiday_the_history_never_showed_stays_open_when_the_seen_ones_ran_normally():
    """Only Pesach and Rosh Hashanah (Saturday and Sunday 11-12 September) ran quiet; its seventh day,
    Independence Day and Shavuot ran normally. Yom Kippur follows the majority of names: an ordinary day."""
    y = _israeli_desk(weeks=28, quiet_holidays={"Pesach", "Rosh Hashanah"})  # 7 March - 18 September 1999
    by_day, notes = _auto_week_from_yom_kippur(y)
    assert any("holidays: IL (the zone's country" in note and "closed as seen quiet: Pesach, Rosh Hashanah" in note
               for note in notes)  # 3 of 6 days quiet: the country is kept
    assert any("1999-09-20 Yom Kippur open by analogy" in note for note in notes)
    assert by_day[YOM_KIPPUR] > 0.8 * by_day[date(1999, 9, 21)]


def test_a_holiday_never_seen_is_not_forecast_shut_by_analogy():
    """A New York weekday desk shut (no rows) on Memorial Day, July 4th and Labor Day 2003; Columbus Day is
    not in its history. A holiday is modelled as a Sunday, when this desk never opens, so following the seen
    ones would forecast a whole day with nobody on it: Columbus Day stays an ordinary day, and the notes say why."""
    y = weekly_pattern_series(weeks=27, zone="America/New_York", start="2003-04-07", open_hours=(7, 21),
                              weekdays=(0, 1, 2, 3, 4), seed=None)
    local_days = y.index.tz_localize(None).normalize()
    y = y[~local_days.isin(pd.DatetimeIndex(["2003-05-26", "2003-07-04", "2003-09-01"]))]
    history = History(pd.DataFrame({"queue": "all", "timestamp": y.index, "count": y.to_numpy()}), 60)

    def week(calendar: DayCalendar) -> tuple[pd.Series, list[str]]:
        result = forecast_series(history, "2003-10-13 00:00", 7, 60, "America/New_York", model="historic_average",
                                 calendar=calendar)
        return result.forecast.groupby(pd.DatetimeIndex(result.forecast["timestamp"]).date)["mean"].sum(), result.notes

    auto, notes = week(DayCalendar.from_option("auto", "America/New_York"))
    plain, _ = week(DayCalendar())
    assert any("3 of the 3 seen holidays shut the desk, but a day is forecast shut only once seen shut" in note
               for note in notes)
    assert any("2003-10-13 Columbus Day open: never seen, and a desk is not forecast shut by analogy" in note
               for note in notes)
    assert auto[date(2003, 10, 13)] == pytest.approx(plain[date(2003, 10, 13)], rel=0.05)


def test_the_day_after_a_holiday_kept_open_against_the_analogy_is_staffed_for_a_closures_backlog():
    """The same desk, whose first day after each closure ran 30% busy. Columbus Day is forecast open (never
    shut by analogy), but the seen holidays say it most likely shuts: the Tuesday after it gets the backlog
    a closure leaves, so both guesses err towards staff."""
    y = weekly_pattern_series(weeks=27, zone="America/New_York", start="2003-04-07", open_hours=(7, 21),
                              weekdays=(0, 1, 2, 3, 4), seed=None)
    local_days = y.index.tz_localize(None).normalize()
    y = y * np.where(local_days.isin(pd.DatetimeIndex(["2003-05-27", "2003-07-07", "2003-09-02"])), 1.3, 1.0)
    y = y[~local_days.isin(pd.DatetimeIndex(["2003-05-26", "2003-07-04", "2003-09-01"]))]
    history = History(pd.DataFrame({"queue": "all", "timestamp": y.index, "count": y.to_numpy()}), 60)
    result = forecast_series(history, "2003-10-13 00:00", 14, 60, "America/New_York", model="level_profile",
                             calendar=DayCalendar.from_option("auto", "America/New_York"))
    by_day = result.forecast.groupby(pd.DatetimeIndex(result.forecast["timestamp"]).date)["mean"].sum()
    assert any("Columbus Day open: never seen" in note and "the next business day carries the backlog" in note
               for note in result.notes)
    assert by_day[date(2003, 10, 14)] == pytest.approx(1.3 * by_day[date(2003, 10, 21)], rel=0.05)
    assert by_day[date(2003, 10, 13)] == pytest.approx(by_day[date(2003, 10, 20)], rel=0.05)  # still open


def test_with_no_holiday_seen_every_holiday_closes_as_before_per_name_decisions():
    """A history with no holiday on an open weekday gives nothing to follow: the zone's country closes them all."""
    y = _israeli_desk(weeks=8, quiet_holidays=False, start="1999-06-06")  # June-July 1999: no Israeli holiday
    calendar, note = DayCalendar.from_option("auto", "Asia/Jerusalem").confirmed_by(y)
    assert "no past holiday on an open weekday" in note and "forecast closed" in note
    assert calendar.labels(pd.DatetimeIndex([YOM_KIPPUR])).tolist() == [HOLIDAY]


def test_a_holiday_the_history_showed_open_stays_an_ordinary_day():
    """A US desk closed on Memorial Day and Labor Day but open as usual on Columbus Day 2002."""
    y = weekly_pattern_series(weeks=56, zone="America/New_York", start="2002-09-02", open_hours=(7, 21),
                              weekdays=(0, 1, 2, 3, 4), seed=None)
    local_days = y.index.tz_localize(None).normalize()
    y = y[~local_days.isin(pd.DatetimeIndex(["2002-09-02", "2002-11-28", "2002-12-25", "2003-01-01", "2003-05-26",
                                             "2003-07-04", "2003-09-01", "2003-01-20", "2003-02-17", "2002-11-11"]))]
    calendar, note = DayCalendar.from_option("auto", "America/New_York").confirmed_by(y)
    assert "open as usual on Columbus Day" in note
    days = pd.DatetimeIndex(["2003-10-13", "2003-11-27"])
    assert calendar.labels(days).tolist() == ["", HOLIDAY]


def test_cli_defaults_to_auto_and_none_switches_it_off(tmp_path):
    """A Shanghai desk that was open as usual on Qingming (4-5 April 2024): auto notices and keeps no holidays."""
    history = tmp_path / "history.csv"
    write_csv(history, weekly_pattern_series(weeks=5, start="2024-03-04", interval_min=60, open_hours=(8, 18),
                                             weekdays=(0, 1, 2, 3, 4)))
    args = ["forecast", "--history", str(history), "--start", "2024-04-08 00:00", "--horizon-days", "7",
            "--interval", "60", "--model", "historic_average"]
    auto = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a.csv")], catch_exceptions=False)
    assert auto.exit_code == 0, auto.output
    assert "holidays: none (2 past CN holidays on open weekdays ran at 100%" in auto.output
    off = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b.csv"), "--holidays", "none"], catch_exceptions=False)
    assert off.exit_code == 0 and "holidays:" not in off.output
    assert pd.read_csv(tmp_path / "a.csv").equals(pd.read_csv(tmp_path / "b.csv"))
