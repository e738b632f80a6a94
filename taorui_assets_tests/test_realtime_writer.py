"""The tick writer alone (lib/realtime/writer.py) on the real server: bars closed into buckets
equal the roll-up, a restart from an older checkpoint rewrites nothing twice, a late tick is
merged into its closed bar, a repeated snapshot is one tick, leftovers are folded at sealing."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pymongo import MongoClient

from taorui_assets.lib.realtime import storage
from taorui_assets.lib.realtime.codec import VALUE_FIELDS, Batch
from taorui_assets.lib.realtime.rollup import rollup
from taorui_assets.lib.realtime.writer import TickStore, fold_leftovers
from taorui_assets.lib.sim import ticks as sim_ticks
from taorui_assets.lib.sources.sim import SimSource

DAY = dt.date(2026, 11, 20)
START, END = dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 20, 23, 59)


@pytest.fixture(scope="module")
def ticks():
    m = SimSource().market
    t = sim_ticks.day_ticks(m, DAY.isoformat(), m.codes[:3])
    t = t[t["time"] <= pd.Timestamp("2026-11-20 09:36:00")].reset_index(drop=True)
    t["ms"] = t["time"].dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC").astype("int64") // 1_000_000
    return t


def _records(t: pd.DataFrame) -> list:
    """One journal record per push time; offsets are the record numbers × 100."""
    out = []
    for k, (_ms, g) in enumerate(t.groupby("ms", sort=True)):
        b = Batch(g["code"].tolist(), g["ms"].to_numpy(), g[VALUE_FIELDS].to_numpy(float), 0)
        out.append((k * 100, (k + 1) * 100, b))
    return out


def _journal(at: int) -> list:
    return [at, "journal-1"]


@pytest.fixture
def db(mongo_uri, mongo_db_name):
    with MongoClient(mongo_uri) as c:
        yield c[mongo_db_name]


def _check_stored(db, t: pd.DataFrame) -> None:
    ids = storage.stored_tick_ids(db, START, END)
    assert len(ids) == len(set(ids)) == len(t), "lost or duplicated ticks"
    got = storage.read_ticks(db, None, START, END)
    want = t.sort_values(["code", "time"]).reset_index(drop=True)
    assert got["time"].tolist() == want["time"].tolist()
    assert np.array_equal(got[VALUE_FIELDS].to_numpy(float), want[VALUE_FIELDS].to_numpy(float))
    live = storage.live_bars(db, DAY)
    ref = rollup(want)
    closed = ref[ref["time"].isin(live["time"])]
    assert len(live) == len(closed) > 0
    for k in ("open", "high", "low", "close", "volume"):
        assert np.array_equal(live[k].to_numpy(), closed[k].to_numpy()), k
    assert np.allclose(live["amount"], closed["amount"], rtol=1e-9)


def test_a_restart_from_an_older_checkpoint_writes_every_tick_once(db, ticks):
    recs = _records(ticks)
    a = TickStore(db, "sim", idle_close_s=0)
    a.load_state(DAY, _journal, 0)
    a.write(recs[:40], _journal(recs[39][1]))
    a.background(stopping=True)  # closes the bars the clock has passed
    older = db[storage.STATE].find_one({"_id": DAY.isoformat()})
    a.write(recs[40:70], _journal(recs[69][1]))
    a.background(stopping=True)
    # The crash: everything of records 40–69 is in MongoDB but the checkpoint is the older one.
    db[storage.STATE].replace_one({"_id": older["_id"]}, older)
    b = TickStore(db, "sim", idle_close_s=0)
    assert b.load_state(DAY, _journal, recs[69][1]) == recs[39][1]
    b.write(recs[40:], _journal(recs[-1][1]))
    # QMT re-pushes the latest snapshot on subscribe: the same tick, not a new one.
    last = recs[-1][2]
    b.write([(recs[-1][1], recs[-1][1] + 100, last)], _journal(recs[-1][1] + 100))
    b.finish_day()
    _check_stored(db, ticks)
    # Started again with another journal (a new directory): its offsets are not the checkpoint's.
    c = TickStore(db, "sim", idle_close_s=0)
    assert c.load_state(DAY, lambda at: [at, "journal-2"], 0) == 0
    c.write([(0, 100, last)], [100, "journal-2"])
    c.finish_day()
    _check_stored(db, ticks)
    assert db[storage.LIVE].count_documents({}) == 0  # every chunk is in buckets now
    cur = db[storage.LATEST].find_one({"_id": ticks["code"].iloc[-1]})
    assert cur["time"] == ticks[ticks["code"] == cur["_id"]]["time"].max()


def test_a_late_tick_is_merged_into_its_closed_bar_and_leftovers_are_folded(db, ticks):
    code = ticks["code"].iloc[0]
    # ``code`` falls silent after 09:32:15 and its 09:32:30 snapshot arrives after the 09:33 bar closed.
    late = ticks[(ticks["code"] == code) & (ticks["time"] == pd.Timestamp("2026-11-20 09:32:30"))]
    quiet = (ticks["code"] == code) & (ticks["time"] > pd.Timestamp("2026-11-20 09:32:15"))
    t = ticks[~quiet & (ticks["time"] <= pd.Timestamp("2026-11-20 09:35:30"))]  # the 09:36 bar stays open
    recs = _records(t)
    s = TickStore(db, "sim", idle_close_s=3600)
    s.load_state(DAY, _journal, 0)
    s.write(recs, _journal(recs[-1][1]))
    s.background(stopping=True)
    assert s.frontier >= int(late["ms"].iloc[0]) + 30_000  # the 09:33 bar is closed
    at = recs[-1][1]
    s.write([(at, at + 100, Batch([code], late["ms"].to_numpy(), late[VALUE_FIELDS].to_numpy(float), 0))],
            _journal(at + 100))
    bucket = db[storage.TICKS].find_one({"_id": storage.bucket_id(code, dt.datetime(2026, 11, 20, 9, 33))})
    assert bucket["n"] == 6  # 09:32:03 … 09:32:15 before the silence, and the late 09:32:30
    # The capture stops inside the last bar and never comes back: sealing folds what it left.
    assert db[storage.LIVE].count_documents({}) > 0
    assert fold_leftovers(db, DAY) > 0
    assert db[storage.LIVE].count_documents({}) == 0
    _check_stored(db, pd.concat([t, late]))


def test_a_whole_market_push_is_chunked_by_code_group_and_read_back_per_code(db, ticks):
    row = ticks[VALUE_FIELDS].to_numpy(float)[:1]
    codes = [f"{i:06d}.SZ" for i in range(1200)]  # ≥ GROUP_FROM ticks: one chunk per group
    ms = int(ticks["ms"].iloc[0])
    s = TickStore(db, "sim")
    s.load_state(DAY, _journal, 0)
    s.write([(0, 100, Batch(codes, np.full(len(codes), ms), np.repeat(row, len(codes), axis=0), 0))], _journal(100))
    assert db[storage.LIVE].count_documents({}) == storage.GROUPS
    one = storage.read_ticks(db, codes[7], START, END)
    assert one["code"].tolist() == [codes[7]] and one["last_price"].iloc[0] == row[0, 0]
    assert len(storage.read_ticks(db, None, START, END)) == len(codes)
