"""get_ticks / get_current_tick and get_price(frequency='1m') during the session, over a
captured half session of SimMarket (the capture stopped at ~11:00 of the simulated day)."""
import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest
from pymongo import MongoClient

from taorui_assets import query as jq
from taorui_assets.lib.realtime.capture import Capture, CaptureConfig
from taorui_assets.lib.realtime.feeds import SimFeed
from taorui_assets.lib.sim import ticks as sim_ticks
from taorui_assets.lib.sources.sim import SimSource
from taorui_assets.lib.storage.store import Store

DAY = "2026-11-20"
PREV = "2026-11-19"


@pytest.fixture
def session(mongo_uri, mongo_db_name, tmp_path, monkeypatch):
    monkeypatch.setenv("TAORUI_AS_OF", DAY)  # "today" is the captured day
    src = SimSource()
    market = src.market
    codes = [c for c in market.codes if c.endswith(".SZ")][:3]
    db = MongoClient(mongo_uri)[mongo_db_name]
    store = Store(db)
    store.replace_partition("trading_calendar", {"exchange": "SSE", "date": {"$gte": dt.datetime(2026, 1, 1),
                            "$lt": dt.datetime(2027, 1, 1)}}, src.trading_calendar(2026), "sim")
    store.replace_partition("instruments", {"date": dt.datetime(2026, 11, 19)},
                            src.instruments(dt.date(2026, 11, 19)), "sim")
    for d in (PREV,):
        ts = pd.Timestamp(d).to_pydatetime()
        store.replace_partition("daily_bars", {"date": ts}, src.daily_bars(ts.date()), "sim")
        store.replace_partition("minute_bars", {"date": ts, "period": "1m"},
                                src.minute_bars(ts.date(), "1m"), "sim")
    store.replace_partition("adj_factors", {"date": pd.Timestamp(PREV).to_pydatetime()},
                            src.adj_factors(dt.date(2026, 11, 19)), "sim")
    feed = SimFeed(market, DAY, codes, speed=2400)
    cap = Capture(feed, db, CaptureConfig(tmp_path / "journal"))
    # Stop the simulated session mid-morning, once the capture has seen 10:30 (~1.5 s at 2400×).
    import threading

    th = threading.Thread(target=lambda: cap.run(install_signals=False))
    th.start()
    half = pd.Timestamp(f"{DAY} 10:30").tz_localize("Asia/Shanghai").value // 1_000_000
    deadline = time.time() + 120
    while cap._last_exchange_ms < half and time.time() < deadline:
        time.sleep(0.05)
    cap.stop_event.set()
    th.join(60)
    jq.connect(mongo_uri, mongo_db_name)
    yield market, codes, db
    jq.disconnect()


def test_ticks_current_tick_and_live_minute_bars(session):
    market, codes, db = session
    code = codes[0]
    expected = sim_ticks.day_ticks(market, DAY, [code])
    hb = db["capture_heartbeat"].find_one({"_id": "capture"})
    clock = pd.Timestamp(hb["last_exchange_time"])
    assert pd.Timestamp(f"{DAY} 10:30") <= clock < pd.Timestamp(f"{DAY} 15:00")
    seen = expected[expected["time"] <= clock]

    cur = jq.get_current_tick(jq_code := code.replace(".SZ", ".XSHE"))
    assert list(cur.columns)[:6] == ["datetime", "current", "high", "low", "volume", "money"]
    last = seen.iloc[-1]
    assert cur.index.tolist() == [0] and cur["datetime"].iloc[0] == last["time"]
    assert cur["current"].iloc[0] == last["last_price"] and cur["a1_p"].iloc[0] == last["ask_price1"]

    t = jq.get_ticks(jq_code, end_dt=clock.to_pydatetime(), count=5, skip=False)
    assert list(t.columns) == jq.get_ticks.__globals__["STOCK_FIELDS"]
    assert t["time"].tolist() == seen["time"].tail(5).tolist()
    assert t["money"].tolist() == seen["amount"].tail(5).tolist()
    traded = seen[seen["volume"] > seen["volume"].shift(1).fillna(0)]
    t2 = jq.get_ticks(jq_code, start_dt=f"{DAY} 09:30:00", end_dt=f"{DAY} 15:00:00",
                      fields=["time", "current", "volume"])
    assert t2["time"].tolist() == traded["time"].tolist()
    arr = jq.get_ticks(jq_code, end_dt=clock.to_pydatetime(), count=2, df=False, skip=False)
    assert arr.dtype.names[0] == "time" and arr["time"][-1] == float(last["time"].strftime("%Y%m%d%H%M%S.000"))
    with pytest.raises(jq.ParamsError):
        jq.get_ticks(jq_code, start_dt=DAY, end_dt=DAY, count=3)

    # get_price 1m today: the live bars up to the last completed minute, equal to SimMarket's.
    p = jq.get_price(jq_code, start_date=f"{DAY} 09:00:00", end_date=f"{DAY} 15:00:00", frequency="1m",
                     fq=None, fields=["open", "high", "low", "close", "volume", "money"])
    ref = market.minute_bars(DAY, "1m", codes=[code])
    ref = ref[ref["time"] <= clock.floor("min")]
    assert p.index.tolist() == ref["time"].tolist()
    assert np.array_equal(p["close"].to_numpy(), ref["close"].to_numpy())
    assert np.array_equal(p["volume"].to_numpy(), ref["volume"].to_numpy())
    assert np.allclose(p["money"].to_numpy(), ref["amount"].to_numpy(), rtol=1e-9)
