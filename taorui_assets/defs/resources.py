import os

import dagster as dg

from taorui_assets.resources.mongo import MongoPartitionIOManager, MongoResource
from taorui_assets.resources.sources import MarketSourceResource, SimResource


def market_source_from_env() -> MarketSourceResource:
    """``TAORUI_SOURCE`` picks the source: sim (default), qmt or jqdata."""
    kind = os.environ.get("TAORUI_SOURCE", "sim")
    if kind == "sim":
        return SimResource()
    raise ValueError(f"TAORUI_SOURCE={kind!r} is not one of: sim")


@dg.definitions
def resources() -> dg.Definitions:
    mongo = MongoResource(uri=dg.EnvVar("TAORUI_MONGO_URI"))
    return dg.Definitions(
        resources={
            "mongo": mongo,
            "mongo_io_manager": MongoPartitionIOManager(mongo=mongo),
            "market_source": market_source_from_env(),
        }
    )
