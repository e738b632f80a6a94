"""Checks use what their run's asset has just written (lib/storage/written.py) and read it back
only when it is not at hand."""
import pandas as pd

from taorui_assets.lib.storage import written


def test_take_forgets_peek_keeps_and_other_runs_miss():
    frame = pd.DataFrame({"code": ["000001.SZ"]})
    written.remember("run-1", "minute_bars", "2024-01-02", "1m", frame)
    assert written.take("run-2", "minute_bars", "2024-01-02", "1m") is None
    assert written.peek("run-1", "minute_bars", "2024-01-02", "1m") is frame
    assert written.take("run-1", "minute_bars", "2024-01-02", "1m") is frame
    assert written.take("run-1", "minute_bars", "2024-01-02", "1m") is None


def test_only_the_last_few_frames_are_kept():
    for i in range(written.KEEP + 2):
        written.remember("run-x", "daily_bars", f"2024-01-{i + 2:02d}", None, pd.DataFrame())
    assert written.peek("run-x", "daily_bars", "2024-01-02") is None
    assert written.peek("run-x", "daily_bars", f"2024-01-{written.KEEP + 3:02d}") is not None


def test_the_minute_checks_do_not_read_back_what_their_run_wrote(mongo_uri, mongo_db_name, monkeypatch):
    from taorui_assets.lib.storage.store import Store
    from taorui_assets.resources.sources import SimResource
    from taorui_assets_tests import harness
    from taorui_assets_tests.conftest import TEST_AS_OF

    reads = []
    real = Store.read
    monkeypatch.setattr(Store, "read", lambda self, dataset, *a, **k: reads.append(dataset) or real(self, dataset, *a, **k))
    res = harness.resources(mongo_uri, mongo_db_name, SimResource(n_stocks=30))
    assets, checks = harness.by_name(["instruments", "adj_factors", "daily_bars", "minute_bars_1m", "minute_bars_5m"])
    result = harness.materialize(assets, checks, TEST_AS_OF, res)
    evaluated = {e.asset_check_key.name for e in result.get_asset_check_evaluations() if e.passed}
    assert {"minute_bars_1m_match_daily", "minute_bars_5m_match_daily"} <= evaluated
    assert "minute_bars" not in reads


def test_a_check_in_another_process_reads_the_saved_summary_of_its_own_run(mongo_uri, mongo_db_name, monkeypatch):
    """The multiprocess executor runs a check in another process than its asset: it finds the
    streamed day's summary in MongoDB (~400 KB) rather than reading the day's buckets, but only
    the summary its own run saved."""
    from pymongo import MongoClient

    from taorui_assets.defs.market import checks
    from taorui_assets.lib.storage.store import Store
    from taorui_assets.resources.sources import SimResource
    from taorui_assets_tests import harness
    from taorui_assets_tests.conftest import TEST_AS_OF

    res = harness.resources(mongo_uri, mongo_db_name, SimResource(n_stocks=30))
    assets, _checks = harness.by_name(["instruments", "adj_factors", "daily_bars", "minute_bars_1m"])
    result = harness.materialize(assets, [], TEST_AS_OF, res)
    written.take(result.run_id, "minute_bars", TEST_AS_OF, "1m")  # as if in another process
    reads = []
    real = Store.read
    monkeypatch.setattr(Store, "read", lambda self, dataset, *a, **k: reads.append(dataset) or real(self, dataset, *a, **k))

    class Run:
        def __init__(self, run_id):
            self.run = type("R", (), {"run_id": run_id})()

    with MongoClient(mongo_uri) as c:
        store = Store(c[mongo_db_name])
        mine = checks._written_or_read(Run(result.run_id), store, "minute_bars", TEST_AS_OF, "1m", last_reader=True)
        assert reads == [] and "unflat" in mine and len(mine) == c[mongo_db_name].minute_bars.count_documents({"period": "1m"})
        other = checks._written_or_read(Run("another-run"), store, "minute_bars", TEST_AS_OF, "1m", last_reader=True)
        assert reads == ["minute_bars"] and "time" in other  # not its run's summary: the bars are read
