"""The resources, built from the settings when the definitions load.

Secrets reach the resources as ``dg.EnvVar``: Dagster resolves them when a run starts and
the UI shows the variable's name, never its value. ``taorui_assets.settings`` has already
checked that they are set where they are required.
"""
import dagster as dg

from taorui_assets import settings
from taorui_assets.resources.jqdata import JQDataResource
from taorui_assets.resources.mongo import MongoPartitionIOManager, MongoResource
from taorui_assets.resources.qmt import QmtResource
from taorui_assets.resources.source_router import SourceRouterResource
from taorui_assets.resources.sources import MarketSourceResource, SimResource

SOURCES = settings.SOURCES


def _secret(name: str, value: str):
    """``dg.EnvVar(name)`` when set, else "" (the source then says what is missing, and the
    router falls back to the other source instead of failing to start)."""
    return dg.EnvVar(name) if value else ""


def qmt(s: settings.Settings) -> QmtResource:
    return QmtResource(
        mode=s.qmt_mode,
        token=_secret("QMT_TOKEN", s.qmt_token) if s.qmt_mode == "token" else "",
        vip_servers=list(s.qmt_vip_servers),
        data_home_dir=s.qmt_data_dir,
        local_port=s.qmt_port,
    )


def jqdata(s: settings.Settings) -> JQDataResource:
    return JQDataResource(
        username=s.jqdata_username, password=_secret("JQDATA_PASSWORD", s.jqdata_password),
        host=s.jqdata_host, port=s.jqdata_port,
    )


def market_source(s: settings.Settings) -> MarketSourceResource:
    """``TAORUI_SOURCE`` picks the source: sim (the embedded demo's default), qmt, jqdata, or
    router (QMT primary, JQData backup; order from ``TAORUI_SOURCE_PRIORITY``)."""
    kind = s.require_source()
    if kind == "sim":
        return SimResource(n_stocks=s.sim_stocks, cache_dir=s.sim_cache)
    if kind == "qmt":
        return qmt(s)
    if kind == "jqdata":
        return jqdata(s)
    return SourceRouterResource(qmt=qmt(s), jqdata=jqdata(s), priority=list(s.source_priority),
                                primary_timeout_s=s.primary_timeout_s)


def mongo(s: settings.Settings) -> MongoResource:
    # The embedded server's URI has no credentials; a configured one may, so it stays an EnvVar
    # (resolved when a run starts: the definitions load without a database).
    return MongoResource(uri=s.mongo_uri if s.embedded else dg.EnvVar("TAORUI_MONGO_URI"), database=s.mongo_db)


def build(s: settings.Settings) -> dict:
    db = mongo(s)
    return {"mongo": db, "mongo_io_manager": MongoPartitionIOManager(mongo=db), "market_source": market_source(s)}


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=build(settings.load()))
