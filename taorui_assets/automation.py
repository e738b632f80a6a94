"""When the datasets are refreshed and when they count as fresh: run times from the
settings (``taorui_assets.settings`` reads and validates them at definition load) and one
freshness policy per dataset.

- ``TAORUI_CLOSE_RUN_TIMES`` (default ``15:30,18:30``): market and flow datasets of the day,
  a first pass after the close and a re-run for late data (QMT / JQData finish their
  end-of-day files at different times). 15:30 because STAR and ChiNext after-hours
  fixed-price trading runs to 15:30.
- ``TAORUI_REFERENCE_RUN_TIME`` (default ``08:45``): instruments and sector membership of the
  day, before the 09:15 call auction.
- ``TAORUI_FRESH_BY`` (default ``19:00``): the day's market and flow data must be in by then.

Freshness deadlines are cron strings, which know weekdays but not SSE holidays: on a weekday
holiday the daily policies report FAIL until the next trading day's run.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import dagster as dg

from taorui_assets import settings
from taorui_assets.lib import schemas
from taorui_assets.lib.calendar import TIMEZONE
from taorui_assets.settings import CALL_AUCTION, CLOSE

CLOSE_DATASETS = ("daily_bars", "minute_bars", "adj_factors", "billboard", "northbound_flow", "money_flow")
REFERENCE_DATASETS = ("instruments", "sector_membership")
WEEKLY_DATASETS = ("index_weights",)

# Index weights run on Saturday morning for the week's last trading day; see defs/schedules.py.
INDEX_WEIGHTS_RUN = "0 8 * * 6"
INDEX_WEIGHTS_DEADLINE = "0 10 * * 6"

def weekday_cron(t: dt.time) -> str:
    return f"{t.minute} {t.hour} * * 1-5"


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def fresh_by() -> dt.time:
    return settings.load().fresh_by


def close_run_times() -> list[dt.time]:
    return list(settings.load().close_run_times)


def reference_run_time() -> dt.time:
    return settings.load().reference_run_time


def freshness_policy(dataset: str) -> Optional[dg.FreshnessPolicy]:
    """The policy for one dataset (``dataset_asset``'s ``dataset``), or None for the yearly
    calendar and the quarterly statements, which are refreshed on news rather than a clock."""
    if dataset not in schemas.SCHEMAS:
        raise ValueError(f"unknown dataset {dataset!r}")
    if dataset in CLOSE_DATASETS:
        deadline = fresh_by()
        # Only a run after the close counts: a morning re-run of yesterday is not today's data.
        return dg.FreshnessPolicy.cron(
            deadline_cron=weekday_cron(deadline),
            lower_bound_delta=dt.timedelta(minutes=_minutes(deadline) - _minutes(CLOSE)),
            timezone=TIMEZONE,
        )
    if dataset in REFERENCE_DATASETS:
        return dg.FreshnessPolicy.cron(
            deadline_cron=weekday_cron(CALL_AUCTION),
            lower_bound_delta=dt.timedelta(minutes=_minutes(CALL_AUCTION)),  # any run since midnight
            timezone=TIMEZONE,
        )
    if dataset in WEEKLY_DATASETS:
        return dg.FreshnessPolicy.cron(
            deadline_cron=INDEX_WEIGHTS_DEADLINE, lower_bound_delta=dt.timedelta(days=1), timezone=TIMEZONE,
        )
    return None
