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
