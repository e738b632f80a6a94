"""The full-size path at a reduced size: a day of every daily dataset whose minute bars are too
large for one transaction, so they are written in code ranges as at 5,000 stocks, gives the same
documents as a one-shot write, and every check passes; ``scripts/run --stocks`` sizes the market."""
import pytest

from taorui_assets import cli, settings
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
        # About 12 KB per 1m bucket at 240 bars: ranges of ~6 codes, several transactions.
        monkeypatch.setattr(store_module, "MAX_TRANSACTION_BYTES", 100_000)
        monkeypatch.setattr(store_module, "STREAM_CHUNK_BYTES", 80_000)
        result = _day(mongo_server_uri, streamed)
        modes = {m.asset_key.to_user_string(): m.metadata["write_mode"].value
                 for m in result.asset_materializations_for_node("minute_bars_1m")}
        assert modes["minute_bars_1m"].startswith("transaction x") and int(modes["minute_bars_1m"].split("x")[1]) > 3
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
