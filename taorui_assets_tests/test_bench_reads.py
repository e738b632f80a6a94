"""Issue 11 goal 4: slot reads of minute buckets, and the one-command benchmark runner at tiny size."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from pymongo import MongoClient

from benchmarks import minute_layout as L
from taorui_assets.lib.query import bars, connection

DAY = dt.date(2026, 11, 24)


def test_slot_read_equals_whole_buckets_even_with_a_missing_bar(mongo_uri, mongo_db_name):
    """The server-cut slots give the same bars as reading whole buckets; a bucket missing a bar
    before the window (its elements shifted) is detected and read whole."""
    stocks = L.codes(6)
    df = L.minute_frame(DAY, stocks)
    gap = pd.Timestamp(f"{DAY} 09:45")
    df = df[~((df["code"] == stocks[2]) & (df["time"] == gap))]  # stocks[2] lacks 09:45
    with MongoClient(mongo_uri, tz_aware=False) as client:
        L.write_bucketed(client[mongo_db_name], df)
        connection.connect(client=client, database=mongo_db_name)
        try:
            day = [pd.Timestamp(DAY)]
            whole = bars.minutes(None, day, "1m")
            for lo, hi in [("10:31", "10:31"), ("09:31", "09:50"), ("14:50", "15:00"), ("11:25", "13:05")]:
                start, end = pd.Timestamp(f"{DAY} {lo}"), pd.Timestamp(f"{DAY} {hi}")
                got = bars.minutes(None, day, "1m", start=start, end=end)
                got = got[(got["time"] >= start) & (got["time"] <= end)]
                want = whole[(whole["time"] >= start) & (whole["time"] <= end)]
                key = ["code", "time"]
                pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                              want.sort_values(key).reset_index(drop=True))
            one = bars.minutes([stocks[2]], day, "1m", start=gap, end=gap)
            assert one.empty or gap not in set(one["time"])  # the missing bar is not invented
        finally:
            connection.disconnect()


def test_bench_runner_quick(mongo_uri, mongo_db_name, tmp_path, monkeypatch, capsys):
    """``scripts/bench --quick`` in-process: every section runs (or says its module is missing),
    the summary table is printed and the figures are written."""
    from benchmarks.__main__ import main

    monkeypatch.setenv("TAORUI_MONGO_URI", mongo_uri)
    out = tmp_path / "results.json"
    code = main(["--quick", "--skip", "full_market", "--skip", "backfill", "--skip", "ticks",
                 "--database", mongo_db_name, "--output", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "Summary" in printed and "cross-section at one minute" in printed
    res = json.loads(out.read_text())
    assert res["sections"] == ["reads", "layout"] and not res["errors"]
    measures = [r["measure"] for r in res["summary"]]
    assert any("get_price whole market" in m for m in measures)
    assert all(r["limit"] for r in res["reads"])


def test_bench_runner_names_a_missing_section_module():
    from benchmarks.__main__ import _optional, parse

    assert _optional("no_such_benchmark") is None
    assert parse(["--quick", "--skip", "layout"]).sections == ["full_market", "backfill", "ticks", "reads"]
