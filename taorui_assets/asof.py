"""What "today" is for point-in-time questions (which statements are published yet)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from taorui_assets import settings
from taorui_assets.lib import calendar
from taorui_assets.lib.calendar import TIMEZONE

# Vendors publish the day's final bars a little after the 15:00 close.
DAY_CLOSED_AT = dt.time(15, 30)


def today() -> dt.date:
    """Shanghai's date, or ``TAORUI_AS_OF`` (YYYY-MM-DD) to replay a past day."""
    fixed = settings.load().as_of
    return fixed if fixed is not None else dt.datetime.now(ZoneInfo(TIMEZONE)).date()


def last_closed_trading_day(now: dt.datetime | None = None) -> dt.date:
    """The latest trading day whose data is complete: today after 15:30 Shanghai on a
    trading day, else the trading day before. With ``TAORUI_AS_OF`` set, that day."""
    if now is None and settings.load().as_of is not None:
        day = today()
        return day if calendar.is_trading_day(day) else calendar.previous_trading_day(day)
    now = now or dt.datetime.now(ZoneInfo(TIMEZONE))
    day = now.date()
    if calendar.is_trading_day(day) and now.time() >= DAY_CLOSED_AT:
        return day
    return calendar.previous_trading_day(day)
