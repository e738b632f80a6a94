"""Schedules on the SSE trading calendar. Which datasets each one runs comes from the
registry (lib/datasets.py: a spec's ``schedule``), through the jobs of ``defs/jobs.py``.

A run after the close has to target *today's* partition, which a daily partition only
closes at midnight; so these are plain schedules that pick the partition themselves
(``build_schedule_from_partitioned_job`` would pick yesterday's) and skip holidays, which
a cron string cannot express. Cron strings only rule out weekends.

- ``market_close_schedule``: the ``close`` datasets at the close run times
  (``TAORUI_CLOSE_RUN_TIMES``).
- ``reference_daily_schedule``: the ``pre_open`` datasets at the reference run time
  (``TAORUI_REFERENCE_RUN_TIME``), before the open. The day's universe (new listings, ST
  changes take effect at the open) is then known to intraday users, and the close run's
  checks find the instruments of the day already written.
- ``index_weights_weekly_schedule``: the ``weekly`` datasets, Saturday morning, for the
  week's last trading day.

The factories take the run times as arguments; ``schedules()`` builds them when the
definitions load, from the configured times.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional, Sequence
from zoneinfo import ZoneInfo

import dagster as dg

from taorui_assets import automation
from taorui_assets.defs.jobs import job_for
from taorui_assets.lib import calendar, datasets
from taorui_assets.lib.datasets import CLOSE, PRE_OPEN, WEEKLY

TZ = ZoneInfo(calendar.TIMEZONE)


def names(schedule: str) -> str:
    return ", ".join(s.name for s in datasets.run_by(schedule))


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


def market_close_schedule(run_times: Sequence[dt.time]) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=datasets.SCHEDULES[CLOSE].by,
        cron_schedule=[automation.weekday_cron(t) for t in run_times],
        execution_timezone=calendar.TIMEZONE,
        job=job_for(CLOSE),
        description=f"{names(CLOSE)} of the day after the close "
        f"({', '.join(f'{t:%H:%M}' for t in run_times)} Asia/Shanghai, TAORUI_CLOSE_RUN_TIMES); "
        "the later times re-run the day for late data. Skips SSE holidays.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext):
        return today_if_trading(context, "close")

    return _schedule


def reference_daily_schedule(run_time: dt.time) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=datasets.SCHEDULES[PRE_OPEN].by,
        cron_schedule=automation.weekday_cron(run_time),
        execution_timezone=calendar.TIMEZONE,
        job=job_for(PRE_OPEN),
        description=f"{names(PRE_OPEN)} of the day before the open "
        f"({run_time:%H:%M} Asia/Shanghai, TAORUI_REFERENCE_RUN_TIME). Skips SSE holidays.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext):
        return today_if_trading(context, "pre-open")

    return _schedule


def last_trading_day_of_week(day: dt.date) -> Optional[dt.date]:
    """The last trading day from Monday of ``day``'s week up to ``day``; None for a week
    with none (Spring Festival), whose last run already covered the previous week."""
    monday = day - dt.timedelta(days=day.weekday())
    days = calendar.trading_days(monday, day)
    return days[-1] if days else None


def index_weights_weekly_schedule() -> dg.ScheduleDefinition:
    @dg.schedule(
        name=datasets.SCHEDULES[WEEKLY].by,
        cron_schedule=automation.INDEX_WEIGHTS_RUN,
        execution_timezone=calendar.TIMEZONE,
        job=job_for(WEEKLY),
        description=f"{names(WEEKLY)} every Saturday 08:00 Asia/Shanghai, for the week's last trading day.",
    )
    def _schedule(context: dg.ScheduleEvaluationContext):
        day = last_trading_day_of_week(tick_time(context).date())
        if day is None:
            return dg.SkipReason("no SSE trading day this week")
        key = day.isoformat()
        return dg.RunRequest(partition_key=key, run_key=key, tags={"taorui/trigger": "weekly"})

    return _schedule


def build_schedules(close_run_times: Sequence[dt.time], reference_run_time: dt.time) -> list[dg.ScheduleDefinition]:
    return [market_close_schedule(close_run_times), reference_daily_schedule(reference_run_time),
            index_weights_weekly_schedule()]


@dg.definitions
def schedules() -> dg.Definitions:
    return dg.Definitions(schedules=build_schedules(
        close_run_times=automation.close_run_times(), reference_run_time=automation.reference_run_time()))
