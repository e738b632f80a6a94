"""Backfills: ranges of trading days per run (ranges.py), and ``scripts/run backfill`` as a real
Dagster backfill (cli_backfill.py) whose documents equal those of day-by-day runs."""
from __future__ import annotations

import os
import uuid

import dagster as dg
import pytest
import yaml
from pymongo import MongoClient

from taorui_assets import ranges
from taorui_assets.cli import ROOT
from taorui_assets.cli_backfill import INSTANCE_DEFAULTS, run_backfill, trading_days_between
from taorui_assets.lib import datasets
from taorui_assets.resources.sources import SimResource
from taorui_assets_tests import harness

RANGE_TAGS = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
STATEMENTS_QUARTER = "2023Q3"  # published before the March 2024 days of the range tests


def _day_by_day(uri: str, db: str, days: list[str], n_stocks: int, quarters=()) -> None:
    res = harness.resources(uri, db, SimResource(n_stocks=n_stocks))
    for q in quarters:
        harness.materialize(harness.QUARTERLY, harness.QUARTERLY_CHECKS, q, res)
    for d in days:
        harness.materialize(harness.DAILY, harness.DAILY_CHECKS, d, res)


def _counts(uri: str, db: str) -> dict[str, int]:
    with MongoClient(uri) as c:
        return {name: c[db][name].count_documents({}) for name in [*harness.COLLECTIONS, "quarantine"]}


def test_every_daily_asset_backfills_ranges_of_days():
    defs = dg.Definitions(assets=harness.DAILY + harness.YEARLY + harness.QUARTERLY)
    for a in harness.DAILY:
        assert a.backfill_policy == ranges.BACKFILL_POLICY, a.key
    for a in harness.YEARLY + harness.QUARTERLY:
        assert a.backfill_policy is None, a.key
    assert ranges.BACKFILL_POLICY.max_partitions_per_run == ranges.DAYS_PER_RUN
    assert defs  # loads


def test_every_trading_day_asset_but_the_sealed_ticks_backfills_ranges():
    """Not only the registry's datasets: the computed valuation, every reconciliation asset."""
    from taorui_assets.partitions import trading_days

    daily = [a for a in harness._ASSETS.values() if a.partitions_def == trading_days]
    assert {"valuation", "valuation_reconciliation"} <= {a.key.to_user_string() for a in daily}
    for a in daily:
        expected = None if a.key.to_user_string() == "ticks" else ranges.BACKFILL_POLICY
        assert a.backfill_policy == expected, a.key


def test_a_range_run_writes_and_checks_each_day_like_one_day_runs(mongo_uri, mongo_db_name):
    """One run over 5 days = 5 one-day runs: same documents, and every check evaluated per day."""
    days = trading_days_between("2024-03-04", "2024-03-08")
    res = harness.resources(mongo_uri, mongo_db_name, SimResource(n_stocks=20))
    # statements first (as harness.materialize_window): each day's valuation reads those known on the day
    harness.materialize(harness.QUARTERLY, harness.QUARTERLY_CHECKS, STATEMENTS_QUARTER, res)
    result = dg.materialize([*harness.DAILY, *harness.DAILY_CHECKS], resources=res,
                            tags=dict(zip(RANGE_TAGS, (days[0], days[-1]))))
    assert result.success
    evals = result.get_asset_check_evaluations()
    assert evals and all(e.passed for e in evals)
    for check in harness.DAILY_CHECKS:  # the standalone checks: one evaluation per day, per partition
        for key in check.check_keys:
            assert sorted(e.partition for e in evals if e.asset_check_key == key) == days
    for asset in harness.DAILY:  # the asset's own checks: one per day, the day in the metadata
        schema = [e for e in evals if e.asset_check_key == dg.AssetCheckKey(asset.key, "schema")]
        assert sorted(e.metadata["partition"].value for e in schema) == days
    mats = result.get_asset_materialization_events()
    assert sorted(m.partition for m in mats if m.asset_key == harness.DAILY[0].key) == days
    ranged = harness.snapshot(mongo_uri, mongo_db_name)

    other = f"t_{uuid.uuid4().hex[:10]}"
    try:
        _day_by_day(mongo_uri, other, days, 20, quarters=[STATEMENTS_QUARTER])
        assert harness.snapshot(mongo_uri, other) == ranged
    finally:
        with MongoClient(mongo_uri) as c:
            c.drop_database(other)


def test_a_failed_day_fails_the_range_but_keeps_the_other_days(mongo_uri, mongo_db_name):
    """A day without stored instruments fails daily_bars; the range's other days are written."""
    days = trading_days_between("2024-03-04", "2024-03-06")
    res = harness.resources(mongo_uri, mongo_db_name, SimResource(n_stocks=10))
    inst, bars = harness.by_name(["instruments"])[0], harness.by_name(["daily_bars"])[0]
    harness.materialize(inst, [], days[0], res)
    harness.materialize(inst, [], days[2], res)
    result = dg.materialize([*bars], resources=res, raise_on_error=False,
                            selection=[b.key for b in bars],
                            tags=dict(zip(RANGE_TAGS, (days[0], days[-1]))))
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert days[1] in failure.step_failure_data.error.message and "1 of 3 days failed" in failure.step_failure_data.error.message
    with MongoClient(mongo_uri) as c:
        stored = sorted(str(d)[:10] for d in c[mongo_db_name]["daily_bars"].distinct("date"))
    assert stored == [days[0], days[2]]


@pytest.fixture
def backfill_instance(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path), overrides=yaml.safe_load(INSTANCE_DEFAULTS)) as instance:
        yield instance


def test_scripts_run_backfill_is_a_dagster_backfill_equal_to_day_by_day_runs(
        mongo_uri, mongo_db_name, backfill_instance, monkeypatch, capsys):
    """20 trading days of 50 stocks through Dagster's backfill machinery (asset backfill, backfill
    policy, run queue, run launcher, code server, multiprocess executor, source pool) give the same
    documents as 20 one-day runs; running it again skips the complete days."""
    n_stocks, days = 50, trading_days_between("2024-03-01", "2024-03-28")
    assert len(days) == 20
    monkeypatch.setenv("TAORUI_MONGO_URI", mongo_uri)
    monkeypatch.setenv("TAORUI_MONGO_DB", mongo_db_name)
    monkeypatch.setenv("TAORUI_SOURCE", "sim")
    monkeypatch.setenv("TAORUI_SIM_STOCKS", str(n_stocks))
    lines: list[str] = []
    backfill_id, ok = run_backfill(backfill_instance, ROOT / "workspace.yaml", days[0], days[-1],
                                   poll_seconds=1.0, log=lines.append)
    assert ok, "\n".join(lines)
    backfill = backfill_instance.get_backfill(backfill_id)
    assert backfill.is_asset_backfill and backfill.status.value == "COMPLETED_SUCCESS"
    runs = backfill_instance.get_run_records(dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
    assert len(runs) == 1  # 20 days of every daily asset in ONE run: the backfill policy
    assert any("asset-days materialized" in line for line in lines)
    # every fetched or computed daily dataset (not the captured ticks), and valuation's reconciliation
    daily_assets = [k for spec in datasets.fetched(datasets.TRADING_DAY) for k in spec.assets]
    daily_assets.append("valuation_reconciliation")
    for name in daily_assets:
        assert backfill_instance.get_materialized_partitions(dg.AssetKey(name)) >= set(days), name
    backfilled = _counts(mongo_uri, mongo_db_name)
    assert backfilled["minute_bars"] > 0 and backfilled["quarantine"] == 0

    other = f"t_{uuid.uuid4().hex[:10]}"
    try:
        _day_by_day(mongo_uri, other, days, n_stocks)
        assert _counts(mongo_uri, other) == backfilled
        assert harness.snapshot(mongo_uri, other) == harness.snapshot(mongo_uri, mongo_db_name)
    finally:
        with MongoClient(mongo_uri) as c:
            c.drop_database(other)

    # A re-launch (e.g. after a crash) skips what is complete.
    lines.clear()
    again, ok = run_backfill(backfill_instance, ROOT / "workspace.yaml", days[0], days[-1], log=lines.append)
    assert ok and again == "" and any("nothing to do" in line for line in lines)


def test_qmt_downloads_a_range_of_bars_once_and_stores_what_day_by_day_runs_store(
        mongo_uri, mongo_db_name, install_xtquant):
    """A range run asks QMT for one download_history_data2 per range (1d, 1m, 5m), not one per
    day, and stores the same documents as one-day runs."""
    import datetime as dt

    from taorui_assets.lib.sources.sim import SimSource
    from taorui_assets.resources.qmt import QmtResource
    from taorui_assets_tests.doubles.qmt_fake import FakeXtquant, sim_concept_codes

    days = trading_days_between("2026-11-17", "2026-11-20")
    fake = install_xtquant(FakeXtquant(SimSource(n_stocks=15), today=dt.date.fromisoformat(harness.TEST_AS_OF)))
    res = harness.resources(mongo_uri, mongo_db_name,
                            QmtResource(token="tok", concept_codes=sim_concept_codes()))
    assets, checks = harness.by_name(["instruments", "daily_bars", "minute_bars_1m", "minute_bars_5m"])
    result = dg.materialize([*assets, *checks], resources=res, tags=dict(zip(RANGE_TAGS, (days[0], days[-1]))))
    assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    bars = [d for d in fake.downloads if d[0] in ("1d", "1m", "5m")]
    first, last = days[0].replace("-", ""), days[-1].replace("-", "")
    for period in ("1d", "1m", "5m"):
        ranged = [d for d in bars if d[0] == period and d[2][:8] == first and d[3][:8] == last]
        assert len(ranged) == 1, period  # one batch: 15 stocks < batch_size
        assert [d for d in bars if d[0] == period and d[2][:8] == d[3][:8]] == [], period  # no per-day downloads
    ranged_docs = harness.snapshot(mongo_uri, mongo_db_name)

    other = f"t_{uuid.uuid4().hex[:10]}"
    try:
        res = harness.resources(mongo_uri, other, QmtResource(token="tok", concept_codes=sim_concept_codes()))
        for d in days:
            harness.materialize(assets, checks, d, res)
        strip = lambda snap: {k: [{f: v for f, v in doc.items() if f != "ingested_at"} for doc in docs]
                              for k, docs in snap.items()}
        assert strip(harness.snapshot(mongo_uri, other)) == strip(ranged_docs)
    finally:
        with MongoClient(mongo_uri) as c:
            c.drop_database(other)


def test_the_backfill_of_a_killed_scripts_run_backfill_is_canceled(backfill_instance, capsys):
    import time

    from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill

    from taorui_assets.cli_backfill import cancel_orphaned_backfills
    from taorui_assets.cli_runs import LAUNCHED_BY_TAG, PROCESS_TAG, process_id

    from dagster._core.definitions.assets.graph.asset_graph import AssetGraph

    graph = AssetGraph.from_assets(harness.DAILY)
    keys = [a.key for a in harness.DAILY]

    def add(backfill_id: str, process: str) -> None:
        backfill_instance.add_backfill(PartitionBackfill.from_asset_partitions(
            backfill_id=backfill_id, asset_graph=graph, partition_names=["2024-03-04"], asset_selection=keys,
            backfill_timestamp=time.time(), tags={LAUNCHED_BY_TAG: "scripts/run", PROCESS_TAG: process},
            dynamic_partitions_store=backfill_instance, all_partitions=False, title=None, description=None,
            run_config=None))

    add("dead", "host:999999999:1")  # no such process
    add("alive", process_id(os.getpid()))
    cancel_orphaned_backfills(backfill_instance)
    assert backfill_instance.get_backfill("dead").status == BulkActionStatus.CANCELED
    assert backfill_instance.get_backfill("alive").status == BulkActionStatus.REQUESTED
    assert "dead was interrupted" in capsys.readouterr().out
