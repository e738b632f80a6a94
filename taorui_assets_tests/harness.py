"""Materializing the real assets against the embedded server, for tests."""
from __future__ import annotations

import datetime as dt
import math
from contextlib import contextmanager

import dagster as dg
from pymongo import MongoClient

import taorui_assets.defs
from taorui_assets.lib import datasets
from taorui_assets.resources.mongo import MongoPartitionIOManager, MongoResource
from taorui_assets.resources.sources import MarketSourceResource

# Every dataset asset and standalone check under defs/, grouped by the registry's partitions.
_ASSETS = {a.key.to_user_string(): a for a in dg.load_assets_from_package_module(taorui_assets.defs)}
_CHECKS = dg.load_asset_checks_from_package_module(taorui_assets.defs)


def _assets(partitions: str) -> list[dg.AssetsDefinition]:
    """The dataset assets (not reconciliation) of that partitions kind, in registry order."""
    return [_ASSETS[name] for spec in datasets.fetched(partitions) for name in spec.assets]


def _checks(assets) -> list:
    keys = {a.key for a in assets}
    return [c for c in _CHECKS if all(k.asset_key in keys for k in c.check_keys)]


DAILY = _assets(datasets.TRADING_DAY)
DAILY_CHECKS = _checks(DAILY)
YEARLY = _assets(datasets.YEAR)
YEARLY_CHECKS = _checks(YEARLY)
QUARTERLY = _assets(datasets.REPORT_QUARTER)
QUARTERLY_CHECKS = _checks(QUARTERLY)

# Point-in-time questions in tests are asked as of a fixed day, so results do not move
# with the wall clock.
TEST_AS_OF = "2026-11-24"

COLLECTIONS = [s.collection for s in datasets.SPECS if not s.captured]  # what a window materializes


def resources(uri: str, db: str, source: MarketSourceResource) -> dict:
    mongo = MongoResource(uri=uri, database=db)
    return {"mongo": mongo, "mongo_io_manager": MongoPartitionIOManager(mongo=mongo), "market_source": source}


def materialize(assets, checks, key: str, res: dict, raise_on_error: bool = True, **kw) -> dg.ExecuteInProcessResult:
    return dg.materialize([*assets, *checks], partition_key=key, resources=res,
                          raise_on_error=raise_on_error, **kw)


def materialize_window(days: list[str], res: dict, year: str | None = None, quarters=()) -> list:
    results = []
    if year:
        results.append(materialize(YEARLY, YEARLY_CHECKS, year, res))
    # statements before the days: each day's valuation is computed from those known on the day
    results += [materialize(QUARTERLY, QUARTERLY_CHECKS, q, res) for q in quarters]
    results += [materialize(DAILY, DAILY_CHECKS, d, res) for d in days]
    return results


def failed_checks(results) -> list[str]:
    return [e.asset_check_key.to_user_string() for r in results
            for e in r.get_asset_check_evaluations() if not e.passed]


def snapshot(uri: str, db: str) -> dict[str, list[dict]]:
    """Every document of every collection minus ingestion time, sorted by _id."""
    with MongoClient(uri) as c:
        return {name: sorted(({k: v for k, v in d.items() if k != "ingested_at"}
                              for d in c[db][name].find()), key=lambda d: d["_id"])
                for name in COLLECTIONS}


def by_name(names) -> tuple[list, list]:
    """The daily assets and daily checks among ``names``."""
    assets = [a for a in DAILY if a.key.path[-1] in names]
    checks = [c for c in DAILY_CHECKS
              if all(k.asset_key.path[-1] in names for k in c.check_keys)]
    return assets, checks


def contents(uri: str, db: str, name: str, query: dict | None = None) -> list[dict]:
    """A collection's documents without provenance (source, ingested_at), sorted by _id."""
    with MongoClient(uri) as c:
        docs = c[db][name].find(query or {})
        return sorted(({k: v for k, v in d.items() if k not in ("source", "ingested_at")} for d in docs),
                      key=lambda d: d["_id"])


def scope_day(key: str):
    from taorui_assets.lib.storage.scopes import day

    return day(key)


def run_logs(instance: dg.DagsterInstance, results) -> str:
    """Every message the runs logged (user and framework), as the UI shows them."""
    lines = []
    for r in results:
        for entry in instance.all_logs(r.run_id):
            lines.append(entry.user_message or "")
            if entry.dagster_event is not None and entry.dagster_event.event_specific_data is not None:
                lines.append(str(entry.dagster_event.event_specific_data))
    return "\n".join(lines)


def close(a, b) -> bool:
    """Equal, except floats within 1e-12 relative: a unit conversion on the way (QMT's auction
    bar folded into the first minute by addition, JQData's 万元 times 10,000) may move the
    last bit of a float."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)
    return a == b


def assert_same_documents(ours: list[dict], theirs: list[dict], label: str) -> None:
    assert [d["_id"] for d in ours] == [d["_id"] for d in theirs], label
    for a, b in zip(ours, theirs):
        assert a.keys() == b.keys(), (label, a["_id"], a.keys() ^ b.keys())
        bad = [k for k in a if not close(a[k], b[k])]
        assert not bad, (label, a["_id"], {k: (a[k], b[k]) for k in bad})


@contextmanager
def jqdata_server(n_stocks: int, users: dict[str, str]):
    """The local JQData-protocol server over SimMarket, as of TEST_AS_OF, with ample quota."""
    from taorui_assets_tests.doubles.jqdata_server import start_server
    from taorui_assets.lib.sources.sim import SimSource

    srv = start_server(SimSource(n_stocks=n_stocks), users=users, quota=50_000_000,
                       today=dt.date.fromisoformat(TEST_AS_OF))
    try:
        yield srv
    finally:
        srv.stop()
