"""Sealing the captured day after the close.

The ``ticks`` partition reconciles against the day's ``minute_bars`` 1m partition, which the
market close runs write (15:30 and 18:30 by default, TAORUI_CLOSE_RUN_TIMES). It runs an hour
after each: the first pass seals a normal day; the second catches days whose minute bars or
journal replay came late. A day that does not pass keeps its journal, and a later run (or a
manual one) seals it.
"""
import dagster as dg

from taorui_assets.defs.jobs import job_for
from taorui_assets.defs.schedules import today_if_trading
from taorui_assets.lib import calendar, datasets

SEAL_TIMES = ("30 16 * * 1-5", "30 19 * * 1-5")

ticks_seal_job = job_for(datasets.SEAL)  # the registry's job of the datasets sealed after the close


@dg.schedule(
    name=datasets.SCHEDULES[datasets.SEAL].by, cron_schedule=list(SEAL_TIMES), execution_timezone=calendar.TIMEZONE,
    job=ticks_seal_job,
    description="Seals the day's ticks at 16:30 and 19:30 Asia/Shanghai (after the close runs' "
    "minute bars). Skips SSE holidays.",
)
def ticks_seal_schedule(context: dg.ScheduleEvaluationContext):
    return today_if_trading(context, "seal")
