"""Jobs, derived from the registry (lib/datasets.py) through the assets' tags.

- one job per schedule (``datasets.SCHEDULES``): every asset whose spec names that schedule,
  with its reconciliation asset and checks; the schedules and sensors launch these;
- ``daily_datasets``: every trading-day asset fetched from a source (not the captured ``ticks``),
  for one day by hand (``scripts/run``).
"""
import dagster as dg

from taorui_assets.dataset_asset import PARTITIONS_TAG, SCHEDULE_TAG
from taorui_assets.lib import datasets

JOBS: dict = {
    schedule: dg.define_asset_job(
        launcher.job, selection=dg.AssetSelection.tag(SCHEDULE_TAG, schedule),
        description=f"The datasets whose schedule is {schedule!r} ({launcher.when}), with their checks "
        "and reconciliation.",
    )
    for schedule, launcher in datasets.SCHEDULES.items()
}

daily_datasets_job = dg.define_asset_job(
    "daily_datasets",
    selection=dg.AssetSelection.tag(PARTITIONS_TAG, datasets.TRADING_DAY)
    - dg.AssetSelection.assets(*[a for s in datasets.SPECS if s.captured for a in s.assets]),
    description="Every trading-day dataset for one trading day, with its checks and reconciliation.",
)


def job_for(schedule: str) :
    """The job a schedule or sensor launches for the datasets of ``schedule``."""
    return JOBS[schedule]


@dg.definitions
def jobs() -> dg.Definitions:
    return dg.Definitions(jobs=[*JOBS.values(), daily_datasets_job])
