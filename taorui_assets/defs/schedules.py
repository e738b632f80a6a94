"""Schedules on the SSE trading calendar, and the jobs they launch.

A run after the close has to target *today's* partition, which a daily partition only
closes at midnight; so these are plain schedules that pick the partition themselves
(``build_schedule_from_partitioned_job`` would pick yesterday's) and skip holidays, which
a cron string cannot express. Cron strings only rule out weekends.

- ``market_close_schedule``: market and flow datasets at ``TAORUI_CLOSE_RUN_TIMES``.
- ``reference_daily_schedule``: instruments and sector membership at
  ``TAORUI_REFERENCE_RUN_TIME``, before the open. The day's universe (new listings, ST
  changes take effect at the open) is then known to intraday users, and the close run's
  checks find the instruments of the day already written.
- ``index_weights_weekly_schedule``: Saturday morning, the week's last trading day.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional
from zoneinfo import ZoneInfo

import dagster as dg

from taorui_assets import automation
from taorui_assets.lib import calendar

TZ = ZoneInfo(calendar.TIMEZONE)

market_close_job = dg.define_asset_job(
    "market_close_datasets",
    selection=dg.AssetSelection.assets(
        "daily_bars", "minute_bars_1m", "minute_bars_5m", "adj_factors",
        "billboard", "northbound_flow", "money_flow",
    ),
    description="The trading day's market and flow datasets, after the close, with their checks.",
)

reference_daily_job = dg.define_asset_job(
    "reference_daily",
    selection=dg.AssetSelection.assets("instruments", "sector_membership"),
    description="The trading day's instruments and sector membership, before the open.",
)

index_weights_job = dg.define_asset_job(
    "index_weights_weekly",
    selection=dg.AssetSelection.assets("index_weights"),
    description="Index constituent weights of one trading day.",
)


def tick_time(context: dg.ScheduleEvaluationContext) -> dt.datetime:
    """The tick's scheduled time in Shanghai (now, for a manual evaluation without one)."""
    t = context.scheduled_execution_time
    return t.astimezone(TZ) if t is not None else dt.datetime.now(TZ)


def today_if_trading(context: dg.ScheduleEvaluationContext, label: str) -> dg.RunRequest | dg.SkipReason:
    now = tick_time(context)
    day = now.date()
    # Raises past the calendar's last known year: a failed tick is louder than silent skips.
    if not calendar.is_trading_day(day):
        return dg.SkipReason(f"{day} is not an SSE trading day")
    key = day.isoformat()
    return dg.RunRequest(partition_key=key, run_key=f"{key}@{now:%H:%M}", tags={"taorui/trigger": label})


@dg.schedule(
    name="market_close_schedule",
    cron_schedule=[automation.weekday_cron(t) for t in automation.close_run_times()],
    execution_timezone=calendar.TIMEZONE,
    job=market_close_job,
    description="Market and flow datasets of the day after the close (TAORUI_CLOSE_RUN_TIMES, "
    "Asia/Shanghai); the later times re-run the day for late data. Skips SSE holidays.",
)
def market_close_schedule(context: dg.ScheduleEvaluationContext):
    return today_if_trading(context, "close")


@dg.schedule(
    name="reference_daily_schedule",
    cron_schedule=automation.weekday_cron(automation.reference_run_time()),
    execution_timezone=calendar.TIMEZONE,
    job=reference_daily_job,
    description="Instruments and sector membership of the day before the open "
    "(TAORUI_REFERENCE_RUN_TIME, Asia/Shanghai). Skips SSE holidays.",
)
def reference_daily_schedule(context: dg.ScheduleEvaluationContext):
    return today_if_trading(context, "pre-open")


def last_trading_day_of_week(day: dt.date) -> Optional[dt.date]:
    """The last trading day from Monday of ``day``'s week up to ``day``; None for a week
    with none (Spring Festival), whose last run already covered the previous week."""
    monday = day - dt.timedelta(days=day.weekday())
    days = calendar.trading_days(monday, day)
    return days[-1] if days else None


@dg.schedule(
    name="index_weights_weekly_schedule",
    cron_schedule=automation.INDEX_WEIGHTS_RUN,
    execution_timezone=calendar.TIMEZONE,
    job=index_weights_job,
    description="Index weights every Saturday 08:00 Asia/Shanghai, for the week's last trading day.",
)
def index_weights_weekly_schedule(context: dg.ScheduleEvaluationContext):
    day = last_trading_day_of_week(tick_time(context).date())
    if day is None:
        return dg.SkipReason("no SSE trading day this week")
    key = day.isoformat()
    return dg.RunRequest(partition_key=key, run_key=key, tags={"taorui/trigger": "weekly"})
