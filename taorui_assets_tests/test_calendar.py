"""SSE trading calendar: agreement with exchange_calendars' XSHG, the Dagster daily
partitions built from ``exclusions()``, and the stepping helpers."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import dagster as dg
import exchange_calendars as xcals
import pytest

from taorui_assets.lib import calendar

TZ = ZoneInfo(calendar.TIMEZONE)
YEARS = range(2015, 2026)


@lru_cache(maxsize=None)
def xshg_sessions(year: int) -> tuple[dt.date, ...]:
    cal = xcals.get_calendar("XSHG", start=f"{year}-01-01", end=f"{year}-12-31")
    return tuple(ts.date() for ts in cal.sessions)


def sh(y, m, d, hh=0, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


# --- (a) agreement with exchange_calendars --------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_trading_days_equal_xshg_sessions(year):
    ours = calendar.trading_days(dt.date(year, 1, 1), dt.date(year, 12, 31))
    theirs = list(xshg_sessions(year))
    assert len(theirs) > 200
    assert ours == theirs, sorted(set(ours) ^ set(theirs))


@pytest.mark.parametrize("year", YEARS)
def test_is_trading_day_agrees_with_xshg(year):
    sessions = set(xshg_sessions(year))
    day = dt.date(year, 1, 1)
    while day.year == year:
        assert calendar.is_trading_day(day) == (day in sessions), day
        day += dt.timedelta(days=1)


def test_holidays_are_weekday_closures_only():
    assert all(d.weekday() < 5 for d in calendar.HOLIDAYS)
    assert {d.year for d in calendar.HOLIDAYS} == set(range(calendar.FIRST_YEAR, calendar.LAST_KNOWN_YEAR + 1))


def test_trading_days_inclusive_bounds():
    assert calendar.trading_days(dt.date(2024, 3, 8), dt.date(2024, 3, 11)) == [dt.date(2024, 3, 8), dt.date(2024, 3, 11)]
    assert calendar.trading_days(dt.date(2024, 3, 9), dt.date(2024, 3, 10)) == []
    assert calendar.trading_days(dt.date(2024, 3, 11), dt.date(2024, 3, 8)) == []


# --- (b) Dagster partitions from exclusions() -------------------------------------------


def test_daily_partitions_equal_xshg_sessions():
    parts = dg.DailyPartitionsDefinition(
        start_date="2015-01-01",
        end_date="2026-01-01",
        timezone=calendar.TIMEZONE,
        exclusions=calendar.exclusions(2015),
    )
    expected = [d.isoformat() for y in YEARS for d in xshg_sessions(y)]
    # Pin "now" so the result does not depend on the wall clock.
    with dg.partition_loading_context(effective_dt=sh(2026, 6, 1)):
        keys = parts.get_partition_keys()
    assert keys == expected
    assert keys[0] == "2015-01-05"
    assert keys[-1] == "2025-12-31"


def test_exclusions_shape():
    ex = calendar.exclusions(2024)
    assert ex[:2] == ["0 0 * * 6", "0 0 * * 0"]
    dates = ex[2:]
    assert all(isinstance(d, dt.datetime) and d.tzinfo is None for d in dates)
    assert dates == sorted(dates)
    assert {d.date() for d in dates} == {d for d in calendar.HOLIDAYS if d.year >= 2024}
    assert len(calendar.exclusions()) == 2 + len(calendar.HOLIDAYS)


# --- (c) when a partition becomes the last one ------------------------------------------


@pytest.fixture(scope="module")
def parts_2024():
    return dg.DailyPartitionsDefinition(
        start_date="2024-01-01", timezone=calendar.TIMEZONE, exclusions=calendar.exclusions(2024)
    )


def last_key(parts, now: dt.datetime) -> str | None:
    # Dagster 1.13: get_last_partition_key() takes no current_time; "now" comes from
    # the partition_loading_context(effective_dt=...) context manager.
    with dg.partition_loading_context(effective_dt=now):
        return parts.get_last_partition_key()


@pytest.mark.parametrize(
    "now,expected",
    [
        # A daily partition is complete only when its day ends at midnight, so on a
        # trading day after the close the last partition is still the previous one.
        (sh(2024, 3, 8, 16, 0), "2024-03-07"),  # Friday after the close
        (sh(2024, 3, 8, 23, 59), "2024-03-07"),
        (sh(2024, 3, 9, 0, 0), "2024-03-08"),  # Friday's window closes at Saturday 00:00
        (sh(2024, 3, 9, 10, 0), "2024-03-08"),  # Saturday
        (sh(2024, 3, 10, 23, 59), "2024-03-08"),  # Sunday
        (sh(2024, 3, 11, 0, 0), "2024-03-08"),  # Monday midnight: weekend skipped
        (sh(2024, 3, 11, 16, 0), "2024-03-08"),  # Monday after the close: still Friday
        (sh(2024, 3, 12, 0, 30), "2024-03-11"),  # Tuesday 00:30: Monday
        # National Day 2024: 10-01..10-07 closed (Sat 09-28 / Sat 10-12 make-up days not trading)
        (sh(2024, 10, 1, 10, 0), "2024-09-30"),
        (sh(2024, 10, 8, 10, 0), "2024-09-30"),
        (sh(2024, 10, 9, 0, 30), "2024-10-08"),
        # Spring Festival 2024: 02-09..02-18 closed
        (sh(2024, 2, 18, 12, 0), "2024-02-08"),
        (sh(2024, 2, 19, 15, 0), "2024-02-08"),
        (sh(2024, 2, 20, 0, 0), "2024-02-19"),
    ],
)
def test_last_partition_key(parts_2024, now, expected):
    assert last_key(parts_2024, now) == expected


def test_last_partition_key_other_timezone_same_instant(parts_2024):
    # Saturday 2024-03-09 10:00 Shanghai == 02:00 UTC
    assert last_key(parts_2024, dt.datetime(2024, 3, 9, 2, 0, tzinfo=dt.timezone.utc)) == "2024-03-08"
    # Friday 2024-03-08 23:30 UTC is already Saturday 07:30 in Shanghai
    assert last_key(parts_2024, dt.datetime(2024, 3, 8, 23, 30, tzinfo=dt.timezone.utc)) == "2024-03-08"
    # Friday 2024-03-08 15:59 UTC is Friday 23:59 in Shanghai: Friday not closed yet
    assert last_key(parts_2024, dt.datetime(2024, 3, 8, 15, 59, tzinfo=dt.timezone.utc)) == "2024-03-07"


def test_friday_window_is_one_day_not_the_weekend(parts_2024):
    w = parts_2024.time_window_for_partition_key("2024-03-08")
    assert (w.start, w.end) == (sh(2024, 3, 8), sh(2024, 3, 9))
    w = parts_2024.time_window_for_partition_key("2024-09-30")
    assert (w.start, w.end) == (sh(2024, 9, 30), sh(2024, 10, 1))


def test_excluded_days_are_not_partitions(parts_2024):
    for key in ("2024-03-09", "2024-03-10", "2024-10-01", "2024-10-07", "2024-02-09", "2024-02-12"):
        assert not parts_2024.has_partition_key(key), key
    assert parts_2024.has_partition_key("2024-03-08")
    assert parts_2024.get_next_partition_key("2024-03-08") == "2024-03-11"
    assert parts_2024.get_next_partition_key("2024-09-30") == "2024-10-08"
    assert parts_2024.get_next_partition_key("2024-02-08") == "2024-02-19"


def test_without_exclusions_weekend_days_would_be_partitions():
    # Contrast: a plain daily partition set hands out Sunday on Monday afternoon.
    plain = dg.DailyPartitionsDefinition(start_date="2024-01-01", timezone=calendar.TIMEZONE)
    assert last_key(plain, sh(2024, 3, 11, 16, 0)) == "2024-03-10"


def test_partition_keys_2024_match_trading_days(parts_2024):
    with dg.partition_loading_context(effective_dt=sh(2025, 1, 1, 0, 0)):
        keys = parts_2024.get_partition_keys()
    assert keys == [d.isoformat() for d in calendar.trading_days(dt.date(2024, 1, 1), dt.date(2024, 12, 31))]


# --- (d) stepping helpers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "day,prev,nxt",
    [
        # National Day 2024: 09-30 (Mon) then 10-08 (Tue)
        (dt.date(2024, 9, 30), dt.date(2024, 9, 27), dt.date(2024, 10, 8)),
        (dt.date(2024, 10, 1), dt.date(2024, 9, 30), dt.date(2024, 10, 8)),
        (dt.date(2024, 10, 4), dt.date(2024, 9, 30), dt.date(2024, 10, 8)),
        (dt.date(2024, 10, 7), dt.date(2024, 9, 30), dt.date(2024, 10, 8)),
        (dt.date(2024, 10, 8), dt.date(2024, 9, 30), dt.date(2024, 10, 9)),
        (dt.date(2024, 9, 28), dt.date(2024, 9, 27), dt.date(2024, 9, 30)),  # make-up Saturday, closed
        (dt.date(2024, 10, 12), dt.date(2024, 10, 11), dt.date(2024, 10, 14)),  # make-up Saturday, closed
        # Spring Festival 2024: 02-08 (Thu) then 02-19 (Mon)
        (dt.date(2024, 2, 8), dt.date(2024, 2, 7), dt.date(2024, 2, 19)),
        (dt.date(2024, 2, 9), dt.date(2024, 2, 8), dt.date(2024, 2, 19)),
        (dt.date(2024, 2, 14), dt.date(2024, 2, 8), dt.date(2024, 2, 19)),
        (dt.date(2024, 2, 19), dt.date(2024, 2, 8), dt.date(2024, 2, 20)),
        (dt.date(2024, 2, 4), dt.date(2024, 2, 2), dt.date(2024, 2, 5)),  # make-up Sunday, closed
        # Spring Festival 2025: 01-27 (Mon) then 02-05 (Wed)
        (dt.date(2025, 1, 27), dt.date(2025, 1, 24), dt.date(2025, 2, 5)),
        (dt.date(2025, 2, 5), dt.date(2025, 1, 27), dt.date(2025, 2, 6)),
        # year boundaries
        (dt.date(2025, 1, 1), dt.date(2024, 12, 31), dt.date(2025, 1, 2)),
        (dt.date(2018, 12, 31), dt.date(2018, 12, 28), dt.date(2019, 1, 2)),
    ],
)
def test_previous_and_next_trading_day(day, prev, nxt):
    assert calendar.previous_trading_day(day) == prev
    assert calendar.next_trading_day(day) == nxt
    assert calendar.is_trading_day(prev) and calendar.is_trading_day(nxt)


@pytest.mark.parametrize("year", YEARS)
def test_next_and_previous_walk_xshg_sessions(year):
    s = xshg_sessions(year)
    for a, b in zip(s, s[1:]):
        assert calendar.next_trading_day(a) == b
        assert calendar.previous_trading_day(b) == a


def test_last_trading_days():
    # 2026-11-24 is a Tuesday; no holidays in late November.
    assert calendar.last_trading_days(dt.date(2026, 11, 24), 5) == [
        dt.date(2026, 11, 18),
        dt.date(2026, 11, 19),
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 24),
    ]
    # ending on a Sunday: ends on the Friday before
    assert calendar.last_trading_days(dt.date(2026, 11, 22), 3) == [
        dt.date(2026, 11, 18),
        dt.date(2026, 11, 19),
        dt.date(2026, 11, 20),
    ]
    # across National Day 2024
    assert calendar.last_trading_days(dt.date(2024, 10, 8), 3) == [
        dt.date(2024, 9, 27),
        dt.date(2024, 9, 30),
        dt.date(2024, 10, 8),
    ]
    assert calendar.last_trading_days(dt.date(2024, 10, 8), 1) == [dt.date(2024, 10, 8)]


@pytest.mark.parametrize(
    "call",
    [
        lambda: calendar.is_trading_day(dt.date(2009, 12, 31)),
        lambda: calendar.is_trading_day(dt.date(2027, 1, 4)),
        lambda: calendar.trading_days(dt.date(2009, 12, 1), dt.date(2010, 1, 31)),
        lambda: calendar.trading_days(dt.date(2026, 12, 1), dt.date(2027, 1, 31)),
        lambda: calendar.trading_days(dt.date(2008, 1, 1), dt.date(2028, 1, 1)),
        # 2010-01-04 is the first trading day of the known calendar; 2026-12-31 the last.
        lambda: calendar.previous_trading_day(dt.date(2010, 1, 4)),
        lambda: calendar.previous_trading_day(dt.date(2009, 6, 1)),
        lambda: calendar.next_trading_day(dt.date(2026, 12, 31)),
        lambda: calendar.next_trading_day(dt.date(2027, 6, 1)),
        lambda: calendar.last_trading_days(dt.date(2010, 1, 7), 5),
        lambda: calendar.last_trading_days(dt.date(2009, 6, 1), 1),
    ],
)
def test_calendar_range_error(call):
    with pytest.raises(calendar.CalendarRangeError):
        call()


def test_calendar_edges():
    assert calendar.FIRST_YEAR == 2010 and calendar.LAST_KNOWN_YEAR == 2026
    assert calendar.next_trading_day(dt.date(2010, 1, 1)) == dt.date(2010, 1, 4)
    assert calendar.previous_trading_day(dt.date(2010, 1, 5)) == dt.date(2010, 1, 4)
    assert calendar.previous_trading_day(dt.date(2026, 12, 31)) == dt.date(2026, 12, 30)
    assert calendar.last_trading_days(dt.date(2010, 1, 8), 5)[0] == dt.date(2010, 1, 4)
    assert issubclass(calendar.CalendarRangeError, ValueError)


@pytest.mark.parametrize(
    "call",
    [
        lambda: calendar.previous_trading_day(dt.date(2027, 6, 1)),
        lambda: calendar.next_trading_day(dt.date(2009, 6, 1)),
        lambda: calendar.last_trading_days(dt.date(2027, 6, 1), 5),
    ],
)
def test_stepping_outside_known_years_raises(call):
    with pytest.raises(calendar.CalendarRangeError):
        call()
