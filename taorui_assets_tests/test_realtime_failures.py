"""Capture failure modes: the journal cannot be written (a real EFBIG from RLIMIT_FSIZE, as a
full disk would), a torn journal tail after a crash, the per-code subscription limit, and the
heartbeat sensor alerting through the webhook during trading hours."""
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import numpy as np
import pytest
from pymongo import MongoClient

from taorui_assets.lib.realtime.codec import NV, Batch, decode_stream, encode, from_xt
from taorui_assets.lib.realtime.feeds import PER_CODE_LIMIT, QmtFeed
from taorui_assets.lib.realtime.journal import Journal, JournalLocked
from taorui_assets_tests.test_alerts import Webhook

ROOT = Path(__file__).resolve().parent.parent


def _batch(n=3, ms=1_763_602_203_000):
    return Batch([f"00000{i}.SZ" for i in range(n)], np.full(n, ms, dtype=np.int64),
                 np.arange(n * NV, dtype=float).reshape(n, NV), time.time_ns())


def test_a_torn_tail_is_cut_and_the_journal_is_exclusive(tmp_path):
    j = Journal(tmp_path, fsync="off")
    j.append("2026-11-20", _batch())
    end = j.append("2026-11-20", _batch(2))
    j.close()
    with open(tmp_path / "2026-11-20.journal", "ab") as f:  # a crash in the middle of a write
        f.write(encode(_batch(4))[:-7])
    j = Journal(tmp_path, fsync="batch")
    with pytest.raises(JournalLocked):
        Journal(tmp_path)
    after = j.append("2026-11-20", _batch(1))
    data = (tmp_path / "2026-11-20.journal").read_bytes()
    assert [len(b) for _o, b in decode_stream(data)] == [3, 2, 1] and after == len(data) and end < after
    j.close()


def test_xt_tick_dicts_become_canonical_values_in_shares():
    d = {"time": 1_763_602_203_000, "lastPrice": 10.5, "open": 10.0, "high": 10.6, "low": 9.9, "lastClose": 10.1,
         "amount": 1.0e6, "volume": 950, "pvolume": 95000, "stockStatus": 13, "openInt": 0,
         "lastSettlementPrice": 0.0, "transactionNum": 77, "askPrice": [10.51, 10.52, 10.53, 10.54, 10.55],
         "bidPrice": [10.5, 10.49, 10.48, 10.47, 10.46], "askVol": [1, 2, 3, 4, 5], "bidVol": [6, 7, 8, 9, 10]}
    b = from_xt({"000001.SZ": d, "600000.SH": [d, dict(d, time=d["time"] + 3000)]}, 0)
    assert b.codes == ["000001.SZ", "600000.SH", "600000.SH"]
    from taorui_assets.lib.realtime.codec import VALUE_FIELDS

    row = dict(zip(VALUE_FIELDS, b.values[0]))
    assert row["volume"] == 95000 and row["ask_volume3"] == 300 and row["bid_price2"] == 10.49
    assert row["pre_close"] == 10.1 and row["trade_count"] == 77 and row["status"] == 13


def test_per_code_subscription_is_limited_to_50_codes():
    with pytest.raises(ValueError, match="limited to 50"):
        QmtFeed(None, [f"{i:06d}.SZ" for i in range(PER_CODE_LIMIT + 1)], per_code=True)
    with pytest.raises(ValueError, match="needs codes"):
        QmtFeed(None, ["SH"], per_code=True)


def _limit_file_size():
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so write() fails with EFBIG instead of killing


def test_a_journal_write_failure_is_loud_alerts_and_never_silent(mongo_uri, mongo_db_name, tmp_path):
    hook = Webhook()
    try:
        env = {**os.environ, "TAORUI_MONGO_URI": mongo_uri, "TAORUI_MONGO_DB": mongo_db_name,
               "PYTHONPATH": str(ROOT), "TAORUI_ALERT_WEBHOOK_URL": hook.url, "TAORUI_ALERT_KIND": "dingtalk"}
        proc = subprocess.run(
            [sys.executable, "-m", "taorui_assets.cli", "capture", "--feed", "sim", "--day", "2026-11-20",
             "--sim-codes", "5", "--speed", "2400", "--journal-dir", str(tmp_path / "journal")],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, preexec_fn=_limit_file_size)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 3, out
        assert "JOURNAL WRITE FAILED" in out and "were NOT captured" in out
        assert "File too large" in out or "EFBIG" in out or "errno" in out.lower()
        assert hook.received and "tick capture stopped" in json.dumps(hook.received[0]["body"], ensure_ascii=False)
        assert TOKEN_NOT_IN(out, hook.url)
        with MongoClient(mongo_uri) as c:
            hb = c[mongo_db_name]["capture_heartbeat"].find_one({"_id": "capture"})
            # Everything that was journaled before the failure reached MongoDB.
            assert hb["state"] == "journal_failed" and hb["written_ticks"] == hb["received_ticks"] > 0
    finally:
        hook.close()


def TOKEN_NOT_IN(text: str, url: str) -> bool:
    return url.split("access_token=")[1] not in text


def test_the_heartbeat_sensor_alerts_once_when_stale_and_once_on_recovery(mongo_uri, mongo_db_name, monkeypatch):
    from taorui_assets.defs.realtime import sensors
    from taorui_assets.defs.realtime.resources import RealtimeResource
    from taorui_assets.resources.mongo import MongoResource

    hook = Webhook()
    monkeypatch.setenv("TAORUI_ALERT_WEBHOOK_URL", hook.url)
    monkeypatch.setenv("TAORUI_ALERT_KIND", "dingtalk")
    now = dt.datetime(2026, 11, 20, 2, 0)  # 10:00 in Shanghai, a trading day
    monkeypatch.setattr(sensors, "now_utc", lambda: now)
    db = MongoClient(mongo_uri)[mongo_db_name]
    db["capture_heartbeat"].replace_one({"_id": "capture"}, {"state": "running", "updated_at": now - dt.timedelta(
        seconds=120), "lag_s": 0.1, "mongo_ok": True}, upsert=True)
    res = {"mongo": MongoResource(uri=mongo_uri, database=mongo_db_name), "realtime": RealtimeResource()}
    try:
        with dg.build_sensor_context(resources=res) as ctx:
            r = sensors.capture_heartbeat(ctx)
            assert "stale" in r.skip_message and len(hook.received) == 1
            cursor = ctx.cursor
        with dg.build_sensor_context(resources=res, cursor=cursor) as ctx:
            sensors.capture_heartbeat(ctx)
            assert len(hook.received) == 1  # the same incident is not re-posted
        db["capture_heartbeat"].update_one({"_id": "capture"}, {"$set": {"updated_at": now, "lag_s": 25.0}})
        with dg.build_sensor_context(resources=res, cursor=cursor) as ctx:
            r = sensors.capture_heartbeat(ctx)
            assert len(hook.received) == 1 and "lags" in r.skip_message
        db["capture_heartbeat"].update_one({"_id": "capture"}, {"$set": {"lag_s": 0.2}})
        with dg.build_sensor_context(resources=res, cursor=cursor) as ctx:
            r = sensors.capture_heartbeat(ctx)
            assert r.skip_message == "recovered" and len(hook.received) == 2
        monkeypatch.setattr(sensors, "now_utc", lambda: dt.datetime(2026, 11, 20, 9, 0))  # 17:00 Shanghai
        with dg.build_sensor_context(resources=res) as ctx:
            assert "outside trading hours" in sensors.capture_heartbeat(ctx).skip_message
    finally:
        hook.close()


from taorui_assets_tests.test_qmt_conformance import check_calls, real_xt  # noqa: E402,F401 - fixture


def test_the_feed_calls_bind_to_the_real_xtquant_and_the_double_pushes_its_shapes(real_xt):
    from taorui_assets.lib.sources.qmt_connect import QmtConnection
    from taorui_assets.lib.sources.sim import SimSource
    from taorui_assets_tests.doubles.xtdata_ticks import TickXtquant

    src = SimSource()
    codes = [c for c in src.market.codes if c.endswith(".SZ")][:3]
    got = []
    for per_code in (False, True):
        fake = TickXtquant(src, market=src.market, day="2026-11-20", speed=20000, t0=time.time(), universe=codes,
                           today=dt.date(2026, 11, 20))
        feed = QmtFeed(QmtConnection(fake, mode="token", token="t0ken", listen_ports=(58610, 58620)),
                       codes if per_code else ["SZ"], per_code=per_code)
        feed.start(got.append)
        time.sleep(1.5)
        feed.stop()
        assert not check_calls(fake.calls, real_xt), check_calls(fake.calls, real_xt)
        names = {n for _m, n, _a, _k in fake.calls}
        assert ("subscribe_quote" if per_code else "subscribe_whole_quote") in names and "unsubscribe_quote" in names
    assert got and all(set(b.codes) <= set(codes) for b in got)
    assert all(b.values.shape[1] == NV for b in got)
