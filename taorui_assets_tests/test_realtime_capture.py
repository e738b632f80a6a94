"""Issue 12 must-shows: kill -9 of the capture, MongoDB killed mid-session, sealing a day.

Sessions are SimMarket's (lib/sim/ticks.py) at a speed-up factor: 4 h of 3-second snapshots
in ~10 s, pushed through the fake xtdata's ``subscribe_whole_quote`` (doubles/xtdata_ticks.py).
"""
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
from pymongo import MongoClient

from taorui_assets.lib.realtime import storage
from taorui_assets.lib.realtime.capture import Capture, CaptureConfig
from taorui_assets.lib.realtime.codec import VALUE_FIELDS
from taorui_assets.lib.realtime.feeds import QmtFeed
from taorui_assets.lib.sim import ticks as sim_ticks
from taorui_assets.lib.sources.qmt_connect import QmtConnection
from taorui_assets.lib.sources.sim import SimSource
from taorui_assets.lib.storage.embedded import EmbeddedMongo
from taorui_assets_tests.doubles.xtdata_ticks import TickXtquant

DAY = "2026-11-20"
ROOT = Path(__file__).resolve().parent.parent
N_CODES = 10
SPEED = 1200.0  # 4 h of trading in 12 s


def _codes(market):
    return [c for c in market.codes if c[-2:] in ("SH", "SZ")][:N_CODES]


def _stored(db) -> pd.DataFrame:
    return storage.read_ticks(db, None, dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 20, 23, 59))


def _tick_keys(db) -> list:
    """(code, exchange ms) of every stored tick, duplicates kept (storage.py's one codec reads them)."""
    ids = storage.stored_tick_ids(db, dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 20, 23, 59))
    return [(code, ms) for code, ms, _seq in ids]


def _expected(market, codes) -> pd.DataFrame:
    t = sim_ticks.day_ticks(market, DAY, codes)
    t["ms"] = t["time"].dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC").astype("int64") // 1_000_000
    return t


def _capture_cmd(journal: Path) -> list:
    # `scripts/run capture --feed qmt` with the fake xtquant as the client (doubles/capture_fake_qmt.py)
    return [sys.executable, "-m", "taorui_assets_tests.doubles.capture_fake_qmt", "--qmt-mode", "local",
            "--markets", "SH,SZ", "--journal-dir", str(journal)]


def _push_log(path: Path) -> tuple[set, set]:
    started, completed = set(), set()
    for line in path.read_text().splitlines():
        kind, ms, _n = line.split()
        (started if kind == "S" else completed).add(int(ms))
    return started, completed


def test_kill_minus_9_and_restart_loses_and_duplicates_nothing(mongo_uri, mongo_db_name, tmp_path):
    market = SimSource().market
    codes = _codes(market)
    push_log = tmp_path / "pushes.log"
    t0 = time.time() + 6.0  # 09:30:00 of the simulated session, after the subprocess has started
    cfg = {"seed": 7, "n_stocks": 300, "day": DAY, "speed": SPEED, "t0": t0, "codes": codes,
           "push_log": str(push_log)}
    env = {**os.environ, "TAORUI_MONGO_URI": mongo_uri, "TAORUI_MONGO_DB": mongo_db_name,
           "TAORUI_TEST_TICKS": json.dumps(cfg), "PYTHONPATH": str(ROOT)}
    env.pop("TAORUI_ALERT_WEBHOOK_URL", None)
    journal = tmp_path / "journal"
    first = subprocess.Popen(_capture_cmd(journal), env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    halfway = t0 + (2 * 3600 / SPEED)  # 11:30 in session time
    while time.time() < halfway:
        assert first.poll() is None, first.stdout.read().decode()
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)  # kill -9: no flush, no goodbye
    first.wait()
    time.sleep(1.0)  # the market moves on while nothing listens
    second = subprocess.Popen(_capture_cmd(journal), env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    end = t0 + 4 * 3600 / SPEED + 1.5
    while time.time() < end:
        assert second.poll() is None, second.stdout.read().decode()
        time.sleep(0.2)
    second.send_signal(signal.SIGTERM)
    out = second.communicate(timeout=120)[0].decode()
    assert second.returncode == 0, out
    assert "replaying the journal" in out or "replayed" in out
    assert "capture stopped" in out and "journal fully committed" in out, out

    started, completed = _push_log(push_log)
    with MongoClient(mongo_uri) as c:
        db = c[mongo_db_name]
        keys = _tick_keys(db)
        stored = _stored(db)
    assert len(keys) == len(set(keys)), "duplicate ticks"
    exp = _expected(market, codes)
    pushed_all = exp[exp["ms"].isin(started)]
    pushed_done = exp[exp["ms"].isin(completed)]
    got = set(keys)
    # Every push the capture acknowledged (its callback returned) is in MongoDB …
    assert set(zip(pushed_done["code"], pushed_done["ms"])) <= got
    # … and nothing else than what was pushed: at most the one push in flight at the kill differs.
    assert got <= set(zip(pushed_all["code"], pushed_all["ms"]))
    assert len(started - completed) <= 1
    assert 0 < len(got) < len(exp)  # the kill really lost the session time nobody listened to
    # The stored values are exactly the pushed ones.
    e = exp.set_index(["code", "time"]).loc[list(zip(stored["code"], stored["time"]))]
    assert np.allclose(stored[VALUE_FIELDS].to_numpy(), e[VALUE_FIELDS].to_numpy(), rtol=1e-12, atol=1e-9)


def test_mongodb_killed_mid_session_loses_nothing_and_the_sealed_day_equals_sim_bars(tmp_path, mongo_db_name):
    market = SimSource().market
    codes = _codes(market)
    # --sync-on-commit: SecantusDB then honours the capture's j=True writes (mongod always does), so
    # an acknowledged write survives the server's kill -9.
    server = EmbeddedMongo(tmp_path / "data", extra_args=("--sync-on-commit",)).start()
    try:
        fake = TickXtquant(SimSource(), market=market, day=DAY, speed=SPEED, t0=None,  # opens on subscribe
                           universe=codes, today=dt.date(2026, 11, 20))
        conn = QmtConnection(fake, mode="local")
        client = MongoClient(server.uri, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000)
        db = client[mongo_db_name]
        cap = Capture(QmtFeed(conn, ["SH", "SZ"]), db, CaptureConfig(tmp_path / "journal", backoff_max_s=1.0))
        result = {}
        th = threading.Thread(target=lambda: result.setdefault("rc", cap.run(install_signals=False)))
        th.start()
        time.sleep(3.0)  # a quarter of the session
        server.proc.kill()      # kill -9 the database
        server.proc.wait()
        time.sleep(3.0)         # a quarter of the session with no database
        assert not cap.mongo_ok and cap.received > cap.written
        server = EmbeddedMongo(tmp_path / "data", port=server.port, extra_args=("--sync-on-commit",)).start()
        deadline = time.time() + 90
        while fake._pushers and time.time() < deadline:
            time.sleep(0.2)
        cap.stop_event.set()
        th.join(timeout=120)
        assert result.get("rc") == 0
        exp = _expected(market, codes)
        keys = _tick_keys(db)
        assert len(keys) == len(set(keys)) == len(exp) == fake.pushed
        assert set(keys) == set(zip(exp["code"], exp["ms"]))
        hb = db[storage.HEARTBEAT].find_one({"_id": "capture"})
        assert hb["mongo_ok"] and hb["written_ticks"] == hb["received_ticks"] == len(exp)

        # Live 1m bars during the session are SimMarket's bars.
        bars = market.minute_bars(DAY, "1m", codes=codes).sort_values(["code", "time"]).reset_index(drop=True)
        live = storage.live_bars(db, dt.date(2026, 11, 20))
        assert len(live) == len(bars)
        for k in ("open", "high", "low", "close", "volume"):
            assert (live[k].to_numpy() == bars[k].to_numpy()).all(), k
        assert np.allclose(live["amount"], bars["amount"], rtol=1e-9)

        # Seal the day: the downloaded minute_bars and daily_bars are the reference.
        from taorui_assets.defs.realtime.assets import ticks
        from taorui_assets.defs.realtime.resources import RealtimeResource
        from taorui_assets.lib.storage.store import Store
        from taorui_assets.resources.mongo import MongoResource

        store = Store(db)
        d = pd.Timestamp(DAY)
        store.replace_partition("minute_bars", {"date": d.to_pydatetime(), "period": "1m"}, bars, "sim")
        store.replace_partition("daily_bars", {"date": d.to_pydatetime()},
                                market.daily_bars(DAY, codes=codes), "sim")
        journal_file = tmp_path / "journal" / f"{DAY}.journal"
        assert journal_file.exists()
        res = dg.materialize([ticks], partition_key=DAY, resources={
            "mongo": MongoResource(uri=server.uri, database=mongo_db_name),
            "realtime": RealtimeResource(journal_dir=str(tmp_path / "journal"))})
        assert res.success
        checks = {e.check_name: e.passed for e in res.get_asset_check_evaluations()}
        assert checks == {"cumulative_never_decrease": True, "prices_within_limits": True,
                          "no_long_gaps": True, "reconciles_with_minute_bars": True}, checks
        meta = res.asset_materializations_for_node("ticks")[0].metadata
        assert meta["bar_differences"].value == 0 and meta["coverage_bars"].value == 1.0
        assert meta["live_bar_differences"].value == 0
        assert db[storage.TICKS].count_documents({"bar": {"$exists": True}}) == 0  # replaced by minute_bars
        assert meta["sealed"].value and not journal_file.exists()
        # The roll-up of the sealed day equals SimMarket's minute bars.
        from taorui_assets.lib.realtime.rollup import rollup

        rolled = rollup(_stored(db))
        for k in ("open", "high", "low", "close", "volume"):
            assert (rolled[k].to_numpy() == bars[k].to_numpy()).all(), k
        assert np.allclose(rolled["amount"], bars["amount"], rtol=1e-9, atol=1e-6)
        assert (rolled["time"].to_numpy() == bars["time"].to_numpy()).all()
        client.close()
    finally:
        server.stop()
