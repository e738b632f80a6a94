"""The executor of every job: both cores, one step process each (Dagster's multiprocess executor).

Runs launched by the daemon (schedules, sensors, backfills from the UI or ``scripts/run backfill``)
execute the independent steps of a run side by side, at most ``MAX_CONCURRENT`` at once. What a
source allows is not this setting's business: every fetching step holds a slot of the
``market_source`` concurrency pool (dataset_asset.SOURCE_POOL), whose limit the instance sets
(deploy/dagster.yaml, and the CLI's instance: cli_backfill.INSTANCE_DEFAULTS), so the limit holds
across step processes and runs. ``scripts/run`` asks for the in-process executor instead (one
process, no per-step start-up), which this executor still accepts.
"""
import os

import dagster as dg

# One step process per core: a full-market step is CPU-bound (generation, validation, encoding),
# and two cores is the machine the figures are measured on.
MAX_CONCURRENT = os.cpu_count() or 2


def _with_defaults(config: dict) -> dict:
    """The run config's choice, with ``multiprocess: {max_concurrent}`` when it names none."""
    if "in_process" in config:
        return {"in_process": config["in_process"] or {}}
    multiprocess = dict(config.get("multiprocess") or {})
    multiprocess.setdefault("max_concurrent", MAX_CONCURRENT)
    return {"multiprocess": multiprocess}


taorui_executor = dg.multi_or_in_process_executor.configured(
    _with_defaults, name="taorui_executor", config_schema=dg.Field(dg.Permissive(), is_required=False, default_value={}),
)


@dg.definitions
def executor() -> dg.Definitions:
    return dg.Definitions(executor=taorui_executor)
