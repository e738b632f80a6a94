"""Partitions: SSE trading days, calendar years and report quarters."""
from __future__ import annotations

import dagster as dg

from taorui_assets.lib import calendar, datasets, quarters

HISTORY_START = "2015-01-01"

# Weekdays minus SSE holidays. The weekday cron would leave Friday's partition open all
# weekend and would schedule runs on holidays. end_offset=1: a day's partition exists from
# its own midnight, so the 15:30 close run can target today (Dagster would otherwise only
# create it at the next midnight). Which days have closed is asof.last_closed_trading_day.
trading_days = dg.DailyPartitionsDefinition(
    start_date=HISTORY_START,
    timezone=calendar.TIMEZONE,
    exclusions=calendar.exclusions(int(HISTORY_START[:4])),
    end_offset=1,
)

years = dg.TimeWindowPartitionsDefinition(
    start=HISTORY_START[:4], fmt="%Y", cron_schedule="0 0 1 1 *", timezone=calendar.TIMEZONE,
    end_offset=1,  # the current year's calendar is known in advance
)


# Report quarters up to the current one; statements of a quarter are published over the
# following months (restatements later still), so each quarter is re-materialized on news.
report_quarters = dg.StaticPartitionsDefinition(
    quarters.quarters_of_years(int(HISTORY_START[:4]), calendar.LAST_KNOWN_YEAR))

# The registry names partitions by kind (lib/datasets.py has no Dagster).
BY_KIND: dict[str, dg.PartitionsDefinition] = {
    datasets.TRADING_DAY: trading_days, datasets.YEAR: years, datasets.REPORT_QUARTER: report_quarters,
}
