import os

import dagster as dg

from taorui_assets.resources.jqdata import JQDataResource
from taorui_assets.resources.mongo import MongoPartitionIOManager, MongoResource
from taorui_assets.resources.qmt import QmtResource
from taorui_assets.resources.source_router import SourceRouterResource
from taorui_assets.resources.sources import MarketSourceResource, SimResource

SOURCES = ("sim", "qmt", "jqdata", "router")


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def qmt_from_env() -> QmtResource:
    mode = _env("TAORUI_QMT_MODE", "token")
    return QmtResource(
        mode=mode,
        token=dg.EnvVar("QMT_TOKEN") if mode == "token" else "",
        vip_servers=[s for s in _env("TAORUI_QMT_VIP_SERVERS", "").split(",") if s],
        data_home_dir=_env("TAORUI_QMT_DATA_DIR", ".taorui/qmt"),
        local_port=int(_env("TAORUI_QMT_PORT", "58610")),
    )


def jqdata_from_env() -> JQDataResource:
    return JQDataResource(
        username=dg.EnvVar("JQDATA_USERNAME"), password=dg.EnvVar("JQDATA_PASSWORD"),
        host=_env("JQDATA_HOST", ""), port=int(_env("JQDATA_PORT", "0")),
    )


def market_source_from_env() -> MarketSourceResource:
    """``TAORUI_SOURCE`` picks the source: sim (default), qmt, jqdata, or router (QMT primary,
    JQData backup; order from ``TAORUI_SOURCE_PRIORITY``)."""
    kind = _env("TAORUI_SOURCE", "sim")
    if kind == "sim":
        return SimResource(n_stocks=int(_env("TAORUI_SIM_STOCKS", "300")))
    if kind == "qmt":
        return qmt_from_env()
    if kind == "jqdata":
        return jqdata_from_env()
    if kind == "router":
        return SourceRouterResource(
            qmt=qmt_from_env(), jqdata=jqdata_from_env(),
            priority=_env("TAORUI_SOURCE_PRIORITY", "qmt,jqdata").split(","),
            primary_timeout_s=float(_env("TAORUI_PRIMARY_TIMEOUT_S", "120")),
        )
    raise ValueError(f"TAORUI_SOURCE={kind!r} is not one of {', '.join(SOURCES)}")


@dg.definitions
def resources() -> dg.Definitions:
    mongo = MongoResource(uri=dg.EnvVar("TAORUI_MONGO_URI"), database=_env("TAORUI_MONGO_DB", "taorui"))
    return dg.Definitions(
        resources={
            "mongo": mongo,
            "mongo_io_manager": MongoPartitionIOManager(mongo=mongo),
            "market_source": market_source_from_env(),
        }
    )
