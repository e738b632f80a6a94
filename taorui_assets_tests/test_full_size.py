"""The full-size path at a reduced size: a day of every daily dataset whose minute bars are
fetched, judged and written in code chunks as at 5,000 stocks (dataset_asset.CHUNK_CODES), and
re-written in code ranges too large for one transaction, gives the same documents as a one-shot
day, and every check passes; ``scripts/run --stocks`` sizes the market."""
import pytest

from taorui_assets import cli, dataset_asset, settings
from taorui_assets.lib.storage import store as store_module
from taorui_assets.resources.sources import SimResource
from taorui_assets_tests import harness
from taorui_assets_tests.conftest import TEST_AS_OF

N = 60


def _day(uri, db):
    res = harness.resources(uri, db, SimResource(n_stocks=N))
    # Statements first, so the day's valuation finds them (its statements_known check).
    results = [harness.materialize(harness.YEARLY, harness.YEARLY_CHECKS, TEST_AS_OF[:4], res),
               harness.materialize(harness.QUARTERLY, harness.QUARTERLY_CHECKS, "2026Q3", res),
               harness.materialize(harness.DAILY, harness.DAILY_CHECKS, TEST_AS_OF, res)]
    assert all(r.success for r in results) and not harness.failed_checks(results)
    return results[-1]


def test_a_day_streamed_in_code_ranges_equals_a_one_shot_day(mongo_server_uri, monkeypatch):
    one_shot = f"{harness.TEST_AS_OF.replace('-', '')}_oneshot_{N}"
    streamed = f"{harness.TEST_AS_OF.replace('-', '')}_streamed_{N}"
    try:
        _day(mongo_server_uri, one_shot)
        monkeypatch.setattr(dataset_asset, "CHUNK_CODES", 6)  # a new day: fetched in chunks of 6 codes
        result = _day(mongo_server_uri, streamed)
        meta = next(iter(result.asset_materializations_for_node("minute_bars_1m"))).metadata
        assert meta["streamed_chunks"].value == -(-meta["codes"].value // 6) > 3
        assert meta["write_mode"].value == f"transaction x{meta['streamed_chunks'].value}"
        assert harness.snapshot(mongo_server_uri, one_shot) == harness.snapshot(mongo_server_uri, streamed)
        # Re-run (the day is stored): judged whole, then swapped in ranges of ~6 codes (~12 KB a bucket).
        monkeypatch.setattr(store_module, "MAX_TRANSACTION_BYTES", 100_000)
        monkeypatch.setattr(store_module, "STREAM_CHUNK_BYTES", 80_000)
        result = harness.materialize(harness.DAILY, harness.DAILY_CHECKS, TEST_AS_OF,
                                     harness.resources(mongo_server_uri, streamed, SimResource(n_stocks=N)))
        assert result.success and not harness.failed_checks([result])
        mode = next(iter(result.asset_materializations_for_node("minute_bars_1m"))).metadata["write_mode"].value
        assert mode.startswith("transaction x") and int(mode.split("x")[1]) > 3
        assert harness.snapshot(mongo_server_uri, one_shot) == harness.snapshot(mongo_server_uri, streamed)
    finally:
        from pymongo import MongoClient

        with MongoClient(mongo_server_uri) as c:
            c.drop_database(one_shot)
            c.drop_database(streamed)


@pytest.mark.parametrize("stocks, source, error", [(0, "sim", "--stocks must be at least 1"),
                                                   (5000, "qmt", "--stocks sizes the simulated market")])
def test_stocks_option_refuses_clearly(stocks, source, error):
    with pytest.raises(settings.ConfigError, match=error):
        cli.sim_stocks(settings.Settings(source=source), stocks)


def test_stocks_option_sets_the_sim_size():
    assert cli.sim_stocks(settings.Settings(), 5000).sim_stocks == 5000
    assert cli.sim_stocks(settings.Settings(sim_stocks=120), None).sim_stocks == 120
