"""Layer 3: real materializations against the embedded SecantusDB server, SimMarket as source."""
import datetime as dt

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from pymongo import MongoClient

from taorui_assets.lib.sources.sim import SimSource
from taorui_assets.resources.sources import SimResource
from taorui_assets_tests import harness

DAYS = ["2026-11-23", "2026-11-24"]
N = 60  # a small universe keeps the suite fast; the demo runs 300


@pytest.fixture
def sim():
    return SimResource(n_stocks=N)


@pytest.fixture
def res(mongo_uri, mongo_db_name, sim):
    return harness.resources(mongo_uri, mongo_db_name, sim)


def test_window_materializes_with_every_check_passing(res, mongo_uri, mongo_db_name):
    results = harness.materialize_window(DAYS, res, year="2026", quarters=["2026Q3"])
    assert all(r.success for r in results)
    assert harness.failed_checks(results) == []
    evaluated = {e.asset_check_key.name for r in results for e in r.get_asset_check_evaluations()}
    assert {"schema", "daily_bars_complete", "daily_bars_sane", "minute_bars_1m_match_daily",
            "minute_bars_5m_match_daily", "balance_sheets_balance", "trading_calendar_matches_holidays"} <= evaluated
    with MongoClient(mongo_uri) as c:
        db = c[mongo_db_name]
        for name in harness.COLLECTIONS:
            assert db[name].count_documents({}) > 0 or name == "billboard", name
            assert set(db[name].distinct("source")) <= {"sim"}, name
            assert db[name].count_documents({"ingested_at": {"$exists": False}}) == 0, name
        # bucketed minutes: one document per (code, day, period)
        traded = db.daily_bars.count_documents({"paused": False})
        assert db.minute_bars.count_documents({"period": "1m"}) == traded
        assert all(d["bars"] == 240 for d in db.minute_bars.find({"period": "1m"}, {"bars": 1}))
        assert all(d["bars"] == 48 for d in db.minute_bars.find({"period": "5m"}, {"bars": 1}))
    meta = results[2].asset_materializations_for_node("daily_bars")[0].metadata  # year, quarter, then days
    assert meta["source"].value == "sim" and meta["dagster/row_count"].value > 0


def test_daily_bars_partition_twice_leaves_the_same_documents(res, mongo_uri, mongo_db_name):
    assets = [a for a in harness.DAILY if a.key.path[-1] in ("instruments", "daily_bars")]
    harness.materialize(assets, [], DAYS[0], res)
    first = harness.snapshot(mongo_uri, mongo_db_name)
    harness.materialize(assets, [], DAYS[0], res)
    assert harness.snapshot(mongo_uri, mongo_db_name) == first
    assert len(first["daily_bars"]) > 0


class CorruptSim(SimSource):
    """SimMarket whose daily bars are broken one way."""

    def __init__(self, how: str, **kw):
        super().__init__(**kw)
        self.how = how

    def daily_bars(self, date, codes=None, progress=None):
        df = super().daily_bars(date, codes, progress)
        traded = df.index[~df["paused"]]
        if self.how == "nan_close":
            df.loc[traded[0], "close"] = np.nan
        elif self.how == "high_below_low":
            df.loc[traded[0], "high"] = df.loc[traded[0], "low"] - 0.5
        elif self.how == "duplicate_key":
            df = pd.concat([df, df.iloc[[0]]], ignore_index=True)
        return df


class CorruptResource(SimResource):
    how: str

    def get_source(self, log=None):
        return CorruptSim(self.how, seed=self.seed, n_stocks=self.n_stocks)


@pytest.mark.parametrize("how, message", [
    ("nan_close", "close"), ("high_below_low", "high must be >= open, close and low"), ("duplicate_key", "code"),
])
def test_corrupt_frame_fails_clearly_and_writes_nothing(mongo_uri, mongo_db_name, how, message):
    good = harness.resources(mongo_uri, mongo_db_name, SimResource(n_stocks=N))
    bad = harness.resources(mongo_uri, mongo_db_name, CorruptResource(n_stocks=N, how=how))
    inst = [harness.DAILY[0]]
    daily = [a for a in harness.DAILY if a.key.path[-1] == "daily_bars"]
    harness.materialize(inst, [], DAYS[0], good)
    harness.materialize(inst + daily, [], DAYS[1], good)
    before = harness.snapshot(mongo_uri, mongo_db_name)["daily_bars"]

    for day in DAYS:  # a fresh partition and one already holding good data
        result = harness.materialize(daily, [], day, bad, raise_on_error=False)
        assert not result.success
        failure = [e for e in result.all_events if e.is_step_failure][0]
        text = failure.step_failure_data.error.message + str(failure.step_failure_data.user_failure_data)
        assert "nothing of this partition was written" in text and message in text
        checks = result.get_asset_check_evaluations()
        assert [c.passed for c in checks if c.asset_check_key.name == "schema"] == [False]
    assert harness.snapshot(mongo_uri, mongo_db_name)["daily_bars"] == before
    with MongoClient(mongo_uri) as c:
        assert c[mongo_db_name].daily_bars.count_documents({"date": dt.datetime(2026, 11, 23)}) == 0


def test_asset_body_through_build_asset_context(mongo_uri, mongo_db_name):
    """Layer 2: the asset function on its own yields its checks, then the frame."""
    from taorui_assets.defs.market.assets import adj_factors
    from taorui_assets.resources.mongo import MongoResource

    res = harness.resources(mongo_uri, mongo_db_name, SimResource(n_stocks=N))
    harness.materialize([harness.DAILY[0]], [], DAYS[1], res)  # codes are checked against instruments
    with dg.build_asset_context(partition_key=DAYS[1], resources={
            "market_source": SimResource(n_stocks=N), "mongo": MongoResource(uri=mongo_uri, database=mongo_db_name)}) as ctx:
        events = list(adj_factors(ctx))
    quarantine, schema, output = events
    assert isinstance(quarantine, dg.AssetCheckResult) and quarantine.passed
    assert isinstance(schema, dg.AssetCheckResult) and schema.passed
    assert isinstance(output, dg.Output)
    assert (output.value["source"] == "sim").all() and output.metadata["dagster/row_count"].value == len(output.value)
    assert output.value["date"].eq(dt.datetime(2026, 11, 24)).all()


def test_codes_must_be_checked_against_stored_instruments(mongo_uri, mongo_db_name):
    res = harness.resources(mongo_uri, mongo_db_name, SimResource(n_stocks=N))
    daily = [a for a in harness.DAILY if a.key.path[-1] == "daily_bars"]
    result = harness.materialize(daily, [], DAYS[1], res, raise_on_error=False)
    assert not result.success
    err = [e for e in result.all_events if e.is_step_failure][0].step_failure_data
    assert "materialize the instruments partition first" in str(err.user_failure_data) + err.error.message


class BadChunkSim(SimSource):
    """SimMarket whose 1m bars of one code (late in the day's code list) have a negative open."""

    def __init__(self, bad_code: str, **kw):
        super().__init__(**kw)
        self.bad_code = bad_code

    def minute_bars(self, date, period, codes=None, progress=None):
        df = super().minute_bars(date, period, codes, progress)
        df.loc[df.index[df["code"] == self.bad_code][:1], "open"] = -1.0
        return df


class BadChunkResource(SimResource):
    bad_code: str

    def get_source(self, log=None):
        return BadChunkSim(self.bad_code, seed=self.seed, n_stocks=self.n_stocks)


def test_a_streamed_day_with_a_bad_late_chunk_leaves_nothing(mongo_uri, mongo_db_name, monkeypatch):
    """A new 1m day is written chunk by chunk; a bad row in a late chunk, after earlier chunks
    were stored, still leaves nothing of the day, and the bad row is quarantined."""
    from taorui_assets import dataset_asset

    monkeypatch.setattr(dataset_asset, "CHUNK_CODES", 10)
    good = harness.resources(mongo_uri, mongo_db_name, SimResource(n_stocks=N))
    upstream = [a for a in harness.DAILY if a.key.path[-1] in ("instruments", "adj_factors", "daily_bars")]
    harness.materialize(upstream, [], DAYS[1], good)
    with MongoClient(mongo_uri) as c:
        db = c[mongo_db_name]
        codes = sorted(db.daily_bars.distinct("code", {"paused": False}))
        bad_code = codes[-3]  # in the last chunk: earlier chunks are written first
        bad = harness.resources(mongo_uri, mongo_db_name, BadChunkResource(n_stocks=N, bad_code=bad_code))
        minutes = [a for a in harness.DAILY if a.key.path[-1] == "minute_bars_1m"]
        result = harness.materialize(minutes, [], DAYS[1], bad, raise_on_error=False)
        assert not result.success
        failure = [e for e in result.all_events if e.is_step_failure][0]
        assert "nothing of this partition was written" in failure.step_failure_data.error.message
        assert db.minute_bars.count_documents({"date": dt.datetime(2026, 11, 24), "period": "1m"}) == 0
        assert db.quarantine.count_documents({"dataset": "minute_bars", "row.code": bad_code}) >= 1
        # The good source then streams the whole day, chunk by chunk.
        result = harness.materialize(minutes, [], DAYS[1], good)
        meta = result.asset_materializations_for_node("minute_bars_1m")[0].metadata
        assert meta["streamed_chunks"].value == -(-len(db.instruments.distinct("code", {"date": dt.datetime(2026, 11, 24)})) // 10)
        assert db.minute_bars.count_documents({"date": dt.datetime(2026, 11, 24), "period": "1m"}) == len(codes)
