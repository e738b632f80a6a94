import dagster as dg
from pydantic import Field


class RealtimeResource(dg.ConfigurableResource):
    """Where the capture service (``scripts/run capture``) keeps its journal, and the
    heartbeat thresholds the sensor alerts on."""

    journal_dir: str = Field(default=".taorui/journal", description="the capture's --journal-dir")
    heartbeat_stale_s: float = Field(default=30.0, description="alert when the heartbeat is older than this")
    max_lag_s: float = Field(default=10.0, description="alert when ticks wait longer than this for MongoDB")


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"realtime": RealtimeResource()})
