"""Tick capture throughput and lag on the embedded server (issue 12).

    python -m benchmarks.ticks [--seconds 20] [--codes 5000]

A synthetic whole-market push — ``--codes`` codes every 3 s (≈1,700 ticks/s, QMT's full
market) and then every 0.3 s (10×, ≈17,000 ticks/s) — goes through the real capture path:
journal (fsync per batch), batched writer, ``ticks`` buckets, live bars, ``quotes_latest``.
Tick values are SimMarket's (50 real sim codes' snapshots spread over the synthetic codes).
Prints, per rate: the sustained ingest rate (ticks written ÷ wall time of the run, drain
included), p50/p99 tick-to-MongoDB lag (push received → bulk write acknowledged), and the
server's raw limits measured the same way: plain ``insert_many`` of one document per tick
and the writer's own idempotent bucket upsert, with our rate as a ratio of them.
Uses TAORUI_MONGO_URI if set, else starts SecantusDB in a temporary directory.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from pymongo import MongoClient, UpdateOne

from taorui_assets.lib.realtime.capture import Capture, CaptureConfig
from taorui_assets.lib.realtime.codec import VALUE_FIELDS, Batch
from taorui_assets.lib.realtime.feeds import QuoteFeed
from taorui_assets.lib.sim import ticks as sim_ticks
from taorui_assets.lib.sim.market import SimMarket

DAY = "2026-11-20"


def say(text: str) -> None:
    print(text, flush=True)


class SyntheticMarketFeed(QuoteFeed):
    """``codes`` codes pushed every ``interval`` seconds for ``seconds`` seconds."""

    name = source = "bench"

    def __init__(self, codes: int, interval: float, seconds: float):
        m = SimMarket()
        base = sim_ticks.day_ticks(m, DAY, m.codes[:50])
        base["ms"] = base["time"].dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC").astype("int64") // 1_000_000
        self.slots = [(g["ms"].to_numpy(), g[VALUE_FIELDS].to_numpy(float)) for _t, g in base.groupby("time")]
        self.codes = [f"{600000 + i:06d}.SH" if i % 2 else f"{i:06d}.SZ" for i in range(codes)]
        self.interval, self.seconds = interval, seconds
        self._stop = threading.Event()
        self._done = threading.Event()
        self.pushed = 0

    def start(self, on_batch) -> None:
        def run():
            t0, k = time.monotonic(), 0
            n = len(self.codes)
            while not self._stop.is_set() and time.monotonic() - t0 < self.seconds and k < len(self.slots):
                ms, vals = self.slots[k]
                idx = np.arange(n) % len(ms)
                on_batch(Batch(self.codes, np.full(n, ms[0], dtype=np.int64), vals[idx], time.time_ns()))
                self.pushed += n
                k += 1
                self._stop.wait(max(0.0, t0 + k * self.interval - time.monotonic()))
            self._done.set()

        threading.Thread(target=run, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def finished(self) -> bool:
        return self._done.is_set()


def run_rate(db, codes: int, interval: float, seconds: float, tmp: Path) -> dict:
    for c in ("ticks", "quotes_latest", "capture_heartbeat"):
        db[c].drop()
    feed = SyntheticMarketFeed(codes, interval, seconds)
    cap = Capture(feed, db, CaptureConfig(tmp / f"journal-{interval}"))
    t0 = time.monotonic()
    cap.run(install_signals=False)
    wall = time.monotonic() - t0
    p50, p99 = cap.lag_percentiles()
    return {"offered": feed.pushed / seconds, "sustained": cap.written / wall, "written": cap.written,
            "wall": wall, "p50": p50, "p99": p99}


def raw_limits(db, codes: int, seconds: float = 5.0) -> tuple[float, float]:
    """(insert_many docs/s of one tick-sized document each, idempotent bucket upserts/s)."""
    coll = db["bench_raw"]
    coll.drop()
    row = [float(i) for i in range(len(VALUE_FIELDS))]
    n, t0, k = 0, time.monotonic(), 0
    while time.monotonic() - t0 < seconds:
        coll.insert_many([{"_id": f"{k}-{i}", "code": f"{i:06d}.SZ", "v": row} for i in range(codes)], ordered=False)
        n, k = n + codes, k + 1
    inserts = n / (time.monotonic() - t0)
    coll.drop()
    n, t0, k = 0, time.monotonic(), 0
    while time.monotonic() - t0 < seconds:
        coll.bulk_write([UpdateOne({"_id": f"{i:06d}.SZ|{k // 20}"}, {"$set": {f"t.{k}-0": row}}, upsert=True)
                         for i in range(codes)], ordered=False)
        n, k = n + codes, k + 1
    upserts = n / (time.monotonic() - t0)
    coll.drop()
    return inserts, upserts


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ticks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=20.0, help="push duration per rate (default 20)")
    p.add_argument("--codes", type=int, default=5000, help="codes per push (default 5000)")
    p.add_argument("--database", default="taorui_bench_ticks")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="taorui-bench-ticks-"))
    server = None
    uri = os.environ.get("TAORUI_MONGO_URI")
    if not uri:
        from taorui_assets.lib.storage.embedded import EmbeddedMongo

        server = EmbeddedMongo(tmp / "mongo").start()
        uri = server.uri
    say(f"machine: {os.cpu_count()} cores (shared with other work: figures are lower bounds); "
          f"server: {'embedded SecantusDB' if server else 'TAORUI_MONGO_URI'}; {args.codes} codes per push")
    try:
        db = MongoClient(uri)[args.database]
        inserts, upserts = raw_limits(db, args.codes)
        say(f"raw server limits: insert_many {inserts:,.0f} docs/s; idempotent bucket upsert {upserts:,.0f} ops/s")
        for label, interval in (("1x  (full market, 3 s)", 3.0), ("10x (0.3 s)", 0.3)):
            r = run_rate(db, args.codes, interval, args.seconds, tmp)
            goal = "meets" if r["sustained"] >= 0.95 * r["offered"] and r["p99"] <= 1000 else "misses"
            say(f"{label}: offered {r['offered']:,.0f} ticks/s, sustained {r['sustained']:,.0f} ticks/s "
                  f"({r['written']:,} ticks in {r['wall']:.1f} s), lag p50 {r['p50']:,.0f} ms p99 {r['p99']:,.0f} ms; "
                  f"{goal} the goal (sustain the offered rate, p99 ≤ 1 s); "
                  f"ratio to raw insert {r['sustained'] / inserts:.0%}, to raw upsert {r['sustained'] / upserts:.0%}")
        MongoClient(uri).drop_database(args.database)
    finally:
        if server:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
