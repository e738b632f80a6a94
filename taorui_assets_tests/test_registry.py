"""The dataset registry (lib/datasets.py) drives indexes, assets, jobs, schedules, freshness,
healing, the CLI and the harness: nothing about a dataset is listed a second time."""
import datetime as dt

import dagster as dg
import pytest
from pymongo import MongoClient

from taorui_assets import cli, partitions
from taorui_assets.dataset_asset import column_schema
from taorui_assets.definitions import defs
from taorui_assets.defs import healing
from taorui_assets.lib import datasets, quarters, schemas
from taorui_assets.lib.datasets import SCHEDULES, SPECS, DatasetSpec
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.lib.storage.store import Store
from taorui_assets_tests import harness

ASSETS = [a for s in SPECS for a in s.assets]
RECONCILIATIONS = [s.reconciliation_asset for s in SPECS if s.reconcile]


@pytest.fixture(scope="module")
def repo():
    d = defs() if callable(defs) else defs
    return d.get_repository_def()


def job_assets(repo, job_name: str) -> set[str]:
    return {k.to_user_string() for k in repo.get_job(job_name).asset_layer.executable_asset_keys}


# ----------------------------------------------------------------------------- the specs
def test_names_collections_and_assets_are_unique():
    assert len(DATASETS := [s.name for s in SPECS]) == len(set(DATASETS))
    assert len(datasets.collections()) == len(set(datasets.collections()))
    assert len(ASSETS) == len(set(ASSETS))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_spec_agrees_with_its_pandera_model(spec):
    cols = set(schemas.columns(spec.name))
    assert set(spec.row_key) <= cols
    assert all(set(index) <= cols for index in spec.indexes)
    assert set(spec.reconcile) <= cols
    unique = spec.model.to_schema().unique
    if unique:  # Pandera's row uniqueness is implied by the row key
        assert set(unique) <= set(spec.row_key), (unique, spec.row_key)
    # storage writes to the collection named after the dataset
    assert spec.collection == spec.name


def test_instruments_come_before_datasets_checked_against_them():
    order = [s.name for s in SPECS]
    assert all(order.index("instruments") < order.index(s.name) for s in SPECS if s.codes_checked)


@pytest.mark.parametrize("bad, message", [
    (dict(partitions="hourly"), "partitions"),
    (dict(schedule="sometimes"), "schedule"),
    (dict(partitions=datasets.YEAR, healable=True), "trading-day"),
    (dict(row_key=("code",)), "row_key"),
])
def test_a_bad_spec_is_refused_when_declared(bad, message):
    args = dict(name="x", model=schemas.AdjFactors, key=("code", "date"), partitions=datasets.TRADING_DAY,
                group="market", schedule=datasets.CLOSE) | bad
    with pytest.raises(ValueError, match=message):
        DatasetSpec(**args)


def test_unknown_dataset_names_the_registry():
    with pytest.raises(KeyError, match="lib/datasets.py"):
        datasets.get("daily_bar")
    assert datasets.of_asset("minute_bars_5m").name == "minute_bars"


# ----------------------------------------------------------------------------- storage
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_each_collection_gets_its_natural_key_and_extra_indexes(spec, mongo_uri, mongo_db_name):
    with MongoClient(mongo_uri) as c:
        Store(c[mongo_db_name]).ensure_indexes(spec.name)
        info = c[mongo_db_name][spec.collection].index_information()
    natural = info["natural_key"]
    assert natural["unique"] and [f for f, _ in natural["key"]] == list(spec.key)
    others = {tuple(f for f, _ in i["key"]) for n, i in info.items() if n not in ("natural_key", "_id_")}
    assert others == set(spec.indexes)


def test_scopes_follow_the_partitions_kind():
    assert scope("daily_bars", "2026-11-24") == {"date": dt.datetime(2026, 11, 24)}
    assert scope("minute_bars", "2026-11-24", "5m") == {"date": dt.datetime(2026, 11, 24), "period": "5m"}
    assert scope("financial_statements", "2026Q3") == {"report_date": dt.datetime(2026, 9, 30)}
    assert scope("trading_calendar", "2026") == {"date": {"$gte": dt.datetime(2026, 1, 1),
                                                          "$lt": dt.datetime(2027, 1, 1)}}
    with pytest.raises(ValueError, match="1m or 5m"):
        scope("minute_bars", "2026-11-24")


# ----------------------------------------------------------------------------- Dagster
def test_every_registered_asset_is_defined_and_nothing_else(repo):
    defined = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert defined == set(ASSETS) | set(RECONCILIATIONS)


@pytest.mark.parametrize("asset", ASSETS)
def test_assets_carry_the_specs_group_partitions_owners_tags_and_columns(repo, asset):
    spec = datasets.of_asset(asset)
    a = repo.asset_graph.get(dg.AssetKey(asset))
    assert a.group_name == spec.group
    assert a.owners == list(spec.owners)
    assert a.tags["taorui/schedule"] == spec.schedule and a.tags["taorui/partitions"] == spec.partitions
    assert a.partitions_def == partitions.BY_KIND[spec.partitions]
    schema = a.metadata["dagster/column_schema"]
    columns = getattr(schema, "schema", schema).columns  # a TableSchema, or its metadata value
    assert [c.name for c in columns] == schemas.columns(spec.name)
    assert all(c.description for c in columns)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_each_dataset_is_launched_as_its_spec_says(repo, spec):
    """The schedule (or sensor) named by the spec launches a job holding every asset of the
    dataset and its reconciliation."""
    launcher = SCHEDULES[spec.schedule]
    wanted = set(spec.assets) | ({spec.reconciliation_asset} if spec.reconcile else set())
    assert wanted <= job_assets(repo, launcher.job)
    if launcher.by is None:  # by hand: no schedule or sensor may claim it
        return
    target = repo.get_schedule_def(launcher.by) if repo.has_schedule_def(launcher.by) \
        else repo.get_sensor_def(launcher.by)
    assert target.job_name == launcher.job


def test_daily_bars_reconciliation_runs_after_the_close(repo):
    assert repo.get_schedule_def("market_close_schedule").job_name == "market_close_datasets"
    assert {"daily_bars", "daily_bars_reconciliation"} <= job_assets(repo, "market_close_datasets")


def test_every_asset_is_scheduled_except_by_hand_ones(repo):
    launched = set()
    for s in repo.schedule_defs:
        launched |= job_assets(repo, s.job_name)
    for s in repo.sensor_defs:
        if s.has_jobs and s.name != "heal_backup_partitions":
            launched |= job_assets(repo, s.job_name)
    manual = {a for s in SPECS if SCHEDULES[s.schedule].by is None for a in s.assets}
    assert launched == (set(ASSETS) | set(RECONCILIATIONS)) - manual


def test_the_manual_daily_job_holds_every_trading_day_asset(repo):
    trading = {a for s in datasets.fetched(datasets.TRADING_DAY)
               for a in s.assets + ([s.reconciliation_asset] if s.reconcile else [])}
    assert job_assets(repo, "daily_datasets") == trading


def test_healing_covers_the_healable_datasets(repo):
    healable = {a for s in SPECS if s.healable for a in s.assets}
    assert set(healing.HEALABLE) == healable
    assert healing.ORDER[0] == "instruments"
    assert healing.HEALABLE["minute_bars_1m"] == ("minute_bars", "1m")
    sensor = repo.get_sensor_def("heal_backup_partitions")
    assert job_assets(repo, sensor.job_name) == healable


def test_column_schema_marks_nullable_columns():
    cols = {c.name: c for c in column_schema(datasets.get("instruments")).columns}
    assert cols["delist_date"].constraints.nullable and not cols["code"].constraints.nullable


# ----------------------------------------------------------------------------- CLI and harness
def test_cli_datasets_lists_the_registry(capsys):
    assert cli.main(["datasets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["dataset", "collection", "partitions"]
    assert len(lines) == 1 + len(SPECS)
    for spec, line in zip(SPECS, lines[1:]):
        assert line.startswith(spec.name) and spec.collection in line and ", ".join(spec.key) in line
        assert spec.group in line and spec.schedule in line


def test_cli_summary_counts_every_collection():
    assert cli.collections() == datasets.collections() + ["quarantine", "reconciliation"]


def test_harness_lists_come_from_the_registry():
    names = [a.key.to_user_string() for a in harness.DAILY]
    assert names == [a for s in datasets.fetched(datasets.TRADING_DAY) for a in s.assets]
    assert [a.key.to_user_string() for a in harness.YEARLY] == ["trading_calendar"]
    assert [a.key.to_user_string() for a in harness.QUARTERLY] == [
        s.name for s in SPECS if s.partitions == datasets.REPORT_QUARTER]
    assert {k.name for c in harness.DAILY_CHECKS for k in c.check_keys} == {
        "daily_bars_complete", "daily_bars_sane", "minute_bars_1m_match_daily", "minute_bars_5m_match_daily",
        "valuation_matches_prices"}
    assert harness.COLLECTIONS == [s.collection for s in SPECS if not s.captured]


# ----------------------------------------------------------------------------- quarters
def test_quarter_helpers():
    assert quarters.quarter_end("2024Q3") == dt.date(2024, 9, 30)
    assert quarters.quarter_end("2024q1") == dt.date(2024, 3, 31)
    with pytest.raises(ValueError, match="2024Q3"):
        quarters.quarter_end("2024Q5")
    assert quarters.quarter_of(dt.date(2024, 9, 30)) == "2024Q3"
    assert quarters.quarter_of(dt.date(2024, 10, 1)) == "2024Q4"
    assert quarters.quarters_of_years(2015, 2016)[:5] == ["2015Q1", "2015Q2", "2015Q3", "2015Q4", "2016Q1"]
    assert quarters.ended_before(dt.date(2026, 11, 24)) == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    assert quarters.ended_before(dt.date(2026, 2, 1), 2) == ["2025Q3", "2025Q4"]
    assert all(quarters.quarter_of(quarters.quarter_end(q)) == q for q in quarters.quarters_of_years(2015, 2026))
