"""What "today" is for point-in-time questions (which statements are published yet)."""
from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from taorui_assets.lib.calendar import TIMEZONE


def today() -> dt.date:
    """Shanghai's date, or ``TAORUI_AS_OF`` (YYYY-MM-DD) to replay a past day."""
    fixed = os.environ.get("TAORUI_AS_OF")
    if fixed:
        try:
            return dt.date.fromisoformat(fixed)
        except ValueError:
            raise ValueError(f"TAORUI_AS_OF must be YYYY-MM-DD, got {fixed!r}") from None
    return dt.datetime.now(ZoneInfo(TIMEZONE)).date()
