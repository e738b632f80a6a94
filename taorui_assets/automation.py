"""When the datasets are refreshed and when they count as fresh: run times from the
settings (``taorui_assets.settings`` reads and validates them at definition load) and one
freshness policy per schedule; a dataset's spec (lib/datasets.py) names its schedule.

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
from taorui_assets.lib import datasets
from taorui_assets.lib.calendar import TIMEZONE
from taorui_assets.settings import CALL_AUCTION, CLOSE

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


def freshness_policy(schedule: str, fresh_by: dt.time) -> Optional[dg.FreshnessPolicy]:
    """The policy of the datasets run by ``schedule`` (lib/datasets.py), or None for those
    refreshed on news or by hand (financial statements, the yearly calendar)."""
    if schedule not in datasets.SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; known: {', '.join(datasets.SCHEDULES)}")
    if schedule == datasets.CLOSE:
        # Only a run after the close counts: a morning re-run of yesterday is not today's data.
        return dg.FreshnessPolicy.cron(
            deadline_cron=weekday_cron(fresh_by),
            lower_bound_delta=dt.timedelta(minutes=_minutes(fresh_by) - _minutes(CLOSE)),
            timezone=TIMEZONE,
        )
    if schedule == datasets.PRE_OPEN:
        return dg.FreshnessPolicy.cron(
            deadline_cron=weekday_cron(CALL_AUCTION),
            lower_bound_delta=dt.timedelta(minutes=_minutes(CALL_AUCTION)),  # any run since midnight
            timezone=TIMEZONE,
        )
    if schedule == datasets.WEEKLY:
        return dg.FreshnessPolicy.cron(
            deadline_cron=INDEX_WEIGHTS_DEADLINE, lower_bound_delta=dt.timedelta(days=1), timezone=TIMEZONE,
        )
    return None


def dataset_freshness(fresh_by: dt.time) -> dict[str, dg.FreshnessPolicy]:
    """asset name → its policy, for every dataset asset held to its schedule's deadline."""
    out = {}
    for spec in datasets.SPECS:
        policy = freshness_policy(spec.schedule, fresh_by) if spec.fresh else None
        if policy is not None:
            out.update({asset: policy for asset in spec.assets})
    return out


def with_freshness(defs: dg.Definitions, fresh_by: dt.time) -> dg.Definitions:
    """``defs`` with the dataset assets' freshness policies attached. Called when the
    definitions load, because the deadline is configured (``fresh_by``), never at import."""
    policies = dataset_freshness(fresh_by)

    def attach(spec: dg.AssetSpec) -> dg.AssetSpec:
        policy = policies.get(spec.key.to_user_string())
        return spec if policy is None else spec.replace_attributes(freshness_policy=policy)

    # The same definitions with the assets mapped (Definitions.map_asset_specs is a preview API).
    return dg.Definitions(
        assets=dg.map_asset_specs(attach, defs.assets or []), asset_checks=defs.asset_checks,
        schedules=defs.schedules, sensors=defs.sensors, jobs=defs.jobs, resources=defs.resources,
        executor=defs.executor, loggers=defs.loggers, metadata=defs.metadata, component_tree=defs.component_tree,
    )
