"""The SSE trading calendar.

Trading days are weekdays minus the exchange holidays below, held as constants so that
the code location needs no network and no calendar package. The holidays are the
State Council's public-holiday notices as applied by SSE (weekday closures only;
make-up working weekends are not trading days). Extend ``HOLIDAYS`` each December
when the next year's notice is out; ``LAST_KNOWN_YEAR`` guards against silently
treating an unpublished year's holidays as trading days.
"""
from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from functools import lru_cache

TIMEZONE = "Asia/Shanghai"
FIRST_YEAR = 2010

# year → weekday closures as MMDD
_HOLIDAYS_MMDD: dict[int, str] = {
    2010: "0101 0215 0216 0217 0218 0219 0405 0503 0614 0615 0616 0922 0923 0924 1001 1004 1005 1006 1007",
    2011: "0103 0202 0203 0204 0207 0208 0404 0405 0502 0606 0912 1003 1004 1005 1006 1007",
    2012: "0102 0103 0123 0124 0125 0126 0127 0402 0403 0404 0430 0501 0622 1001 1002 1003 1004 1005",
    2013: "0101 0102 0103 0211 0212 0213 0214 0215 0404 0405 0429 0430 0501 0610 0611 0612 0919 0920 1001 1002 1003 1004 1007",
    2014: "0101 0131 0203 0204 0205 0206 0407 0501 0502 0602 0908 1001 1002 1003 1006 1007",
    2015: "0101 0102 0218 0219 0220 0223 0224 0406 0501 0622 0903 0904 1001 1002 1005 1006 1007",
    2016: "0101 0208 0209 0210 0211 0212 0404 0502 0609 0610 0915 0916 1003 1004 1005 1006 1007",
    2017: "0102 0127 0130 0131 0201 0202 0403 0404 0501 0529 0530 1002 1003 1004 1005 1006",
    2018: "0101 0215 0216 0219 0220 0221 0405 0406 0430 0501 0618 0924 1001 1002 1003 1004 1005 1231",
    2019: "0101 0204 0205 0206 0207 0208 0405 0501 0502 0503 0607 0913 1001 1002 1003 1004 1007",
    2020: "0101 0124 0127 0128 0129 0130 0131 0406 0501 0504 0505 0625 0626 1001 1002 1005 1006 1007 1008",
    2021: "0101 0211 0212 0215 0216 0217 0405 0503 0504 0505 0614 0920 0921 1001 1004 1005 1006 1007",
    2022: "0103 0131 0201 0202 0203 0204 0404 0405 0502 0503 0504 0603 0912 1003 1004 1005 1006 1007",
    2023: "0102 0123 0124 0125 0126 0127 0405 0501 0502 0503 0622 0623 0929 1002 1003 1004 1005 1006",
    2024: "0101 0209 0212 0213 0214 0215 0216 0404 0405 0501 0502 0503 0610 0916 0917 1001 1002 1003 1004 1007",
    2025: "0101 0128 0129 0130 0131 0203 0204 0404 0501 0502 0505 0602 1001 1002 1003 1006 1007 1008",
    2026: "0101 0102 0216 0217 0218 0219 0220 0223 0406 0501 0504 0505 0619 0925 1001 1002 1005 1006 1007",
}
LAST_KNOWN_YEAR = max(_HOLIDAYS_MMDD)

HOLIDAYS: frozenset[dt.date] = frozenset(
    dt.date(y, int(md[:2]), int(md[2:])) for y, mds in _HOLIDAYS_MMDD.items() for md in mds.split()
)


class CalendarRangeError(ValueError):
    """A date outside the years whose holidays are known."""


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_KNOWN_YEAR:
        raise CalendarRangeError(
            f"the SSE calendar is known for {FIRST_YEAR}-{LAST_KNOWN_YEAR}; {year} is outside it"
        )


def is_trading_day(day: dt.date) -> bool:
    _check_year(day.year)
    return day.weekday() < 5 and day not in HOLIDAYS


@lru_cache(maxsize=1)
def _all_days() -> tuple[dt.date, ...]:
    day, end = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_KNOWN_YEAR, 12, 31)
    out = []
    while day <= end:
        if day.weekday() < 5 and day not in HOLIDAYS:
            out.append(day)
        day += dt.timedelta(days=1)
    return tuple(out)


def trading_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Trading days in [start, end], both inclusive."""
    _check_year(start.year)
    _check_year(end.year)
    days = _all_days()
    return list(days[bisect_left(days, start):bisect_right(days, end)])


def previous_trading_day(day: dt.date) -> dt.date:
    _check_year(day.year)
    days = _all_days()
    i = bisect_left(days, day)
    if i == 0:
        raise CalendarRangeError(f"no trading day before {day} in the known calendar")
    return days[i - 1]


def next_trading_day(day: dt.date) -> dt.date:
    _check_year(day.year)
    days = _all_days()
    i = bisect_right(days, day)
    if i >= len(days):
        raise CalendarRangeError(f"no trading day after {day} in the known calendar")
    return days[i]


def last_trading_days(end: dt.date, n: int) -> list[dt.date]:
    """The ``n`` trading days ending on ``end`` (or the last trading day before it)."""
    _check_year(end.year)
    days = _all_days()
    i = bisect_right(days, end)
    if i < n:
        raise CalendarRangeError(f"fewer than {n} trading days before {end}")
    return list(days[i - n:i])


def exclusions(start_year: int = FIRST_YEAR) -> list:
    """Weekend cron strings plus holiday midnights, in the form Dagster's partitions take."""
    return ["0 0 * * 6", "0 0 * * 0"] + [
        dt.datetime(d.year, d.month, d.day) for d in sorted(HOLIDAYS) if d.year >= start_year
    ]
