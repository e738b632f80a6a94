"""Tick capture throughput and lag on the embedded server (issue 12).

    python -m benchmarks.ticks [--seconds 20] [--codes 5000]

A synthetic whole-market push — ``--codes`` codes every 3 s (≈1,700 ticks/s, QMT's full
market) and then every 0.3 s (10×, ≈17,000 ticks/s) — goes through the real capture path:
journal (fsync per batch), batched writer, ``ticks_live`` chunks, ``ticks`` buckets with live
bars, ``quotes_latest``, the checkpoint.
Tick values are SimMarket's (50 real sim codes' snapshots spread over the synthetic codes).
Prints, per rate: the sustained ingest rate (ticks written ÷ the time from the first push to
the last tick in MongoDB, at least the pushes' span), p50/p99 tick-to-MongoDB lag (push
received → its ``ticks_live`` chunk acknowledged), how stale ``quotes_latest`` got (the longest
a changed quote waited for its replace), and the server's raw limit for that run: the SAME
documents the writer produced (its ``ticks_live`` chunks, ``ticks`` buckets and
``quotes_latest`` documents, recorded as they were written) inserted again with plain
``insert_many`` into empty collections — what storing our layout costs with no idempotence, no
checkpoint and no replace — and our rate as a ratio of it.
Uses the settings' TAORUI_MONGO_URI if set, else starts SecantusDB in a temporary directory.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
from pymongo import MongoClient

from taorui_assets import settings
from taorui_assets.lib.realtime import buckets, writer
from taorui_assets.lib.realtime.capture import Capture, CaptureConfig
from taorui_assets.lib.realtime.codec import VALUE_FIELDS, Batch
from taorui_assets.lib.realtime.feeds import QuoteFeed
from taorui_assets.lib.sim import ticks as sim_ticks
from taorui_assets.lib.sim.market import SimMarket

DAY = "2026-11-20"


def say(text: str) -> None:
    print(text, flush=True)


class SyntheticMarketFeed(QuoteFeed):
    """``codes`` codes pushed every ``interval`` seconds for ``seconds`` seconds. The exchange
    clock runs at wall speed from 09:30:50, as a real feed's does: 10× the rate is 10× the
    snapshots per code and minute, not minutes passing 10× faster, and a 1m bar closes during
    a run of more than ~13 s (its buckets are part of what is measured)."""

    name = source = "bench"

    def __init__(self, codes: int, interval: float, seconds: float):
        m = SimMarket()
        base = sim_ticks.day_ticks(m, DAY, m.codes[:50])
        base["ms"] = base["time"].dt.tz_localize("Asia/Shanghai").dt.tz_convert("UTC").astype("int64") // 1_000_000
        self.slots = [(g["ms"].to_numpy(), g[VALUE_FIELDS].to_numpy(float)) for _t, g in base.groupby("time")]
        self.codes = [f"{600000 + i:06d}.SH" if i % 2 else f"{i:06d}.SZ" for i in range(codes)]
        self.interval, self.seconds = interval, seconds
        self.open_ms = int(pd.Timestamp(f"{DAY} 09:30:50").tz_localize("Asia/Shanghai").value // 1_000_000)
        self._stop = threading.Event()
        self._done = threading.Event()
        self.pushed = self.pushes = 0
        self.first = 0.0  # monotonic time of the first push

    def start(self, on_batch) -> None:
        def run():
            t0, k = time.monotonic(), 0
            n = len(self.codes)
            while not self._stop.is_set() and time.monotonic() - t0 < self.seconds:
                ms, vals = self.slots[k % len(self.slots)]
                idx = np.arange(n) % len(ms)
                at = self.open_ms + round(k * self.interval * 1000)
                on_batch(Batch(self.codes, np.full(n, at, dtype=np.int64), vals[idx], time.time_ns()))
                self.pushed += n
                self.first = self.first or time.monotonic()
                self.pushes += 1
                k += 1
                self._stop.wait(max(0.0, t0 + k * self.interval - time.monotonic()))
            self._done.set()

        threading.Thread(target=run, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def finished(self) -> bool:
        return self._done.is_set()


class Recorder:
    """Keeps every document the writer inserts or replaces, per collection, to insert them again raw."""

    def __init__(self):
        self.docs: dict[str, list] = {}
        self._insert, self._replace = buckets.insert_new, writer._replace_all
        self.last_live = 0.0  # when the last ticks_live chunk was acknowledged

    def __enter__(self):
        def insert(coll, docs):
            self.docs.setdefault(coll.name, []).extend(docs)
            out = self._insert(coll, docs)
            if coll.name == "ticks_live":
                self.last_live = time.monotonic()
            return out

        def replace(coll, docs):
            self.docs.setdefault(coll.name, []).extend(docs)
            return self._replace(coll, docs)

        buckets.insert_new, writer._replace_all = insert, replace
        return self

    def __exit__(self, *exc):
        buckets.insert_new, writer._replace_all = self._insert, self._replace


def run_rate(db, codes: int, interval: float, seconds: float, tmp: Path) -> dict:
    for c in ("ticks", "ticks_live", "capture_state", "quotes_latest", "capture_heartbeat"):
        db[c].drop()
    feed = SyntheticMarketFeed(codes, interval, seconds)
    cap = Capture(feed, db, CaptureConfig(tmp / f"journal-{interval}"))
    stale = [0.0]

    def sample():  # quotes_latest staleness: the longest a changed quote waited for its replace
        while not (feed._stop.is_set() and feed.finished()):
            stale[0] = max(stale[0], cap.store.latest_staleness())
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    with Recorder() as rec:
        t0 = time.monotonic()
        cap.run(install_signals=False)
        wall = time.monotonic() - t0
    p50, p99 = cap.lag_percentiles()
    # Offered: the pushes over the time they span; sustained: the ticks over the time from the
    # first push to the last tick in MongoDB (closing the last bars and the last quotes at the
    # stop come after, and are in ``wall``).
    span = rec.last_live - feed.first
    return {"offered": feed.pushed / (feed.pushes * interval), "sustained": cap.written / max(span, feed.pushes * interval),
            "written": cap.written, "wall": wall, "p50": p50, "p99": p99, "docs": rec.docs, "latest_stale": stale[0]}


def raw_insert(db, docs: dict[str, list]) -> tuple[float, str]:
    """Seconds to insert_many the given documents into empty scratch collections (batches of
    what the writer sent at once are not known here: 1,000 documents a call, unordered)."""
    took, parts = 0.0, []
    for name, ds in docs.items():
        coll = db[f"bench_raw_{name}"]
        coll.drop()
        ds = [{**d, "_id": k} for k, d in enumerate(ds)]  # quotes_latest repeats its ids: round after round
        t0 = time.monotonic()
        for i in range(0, len(ds), 1000):
            coll.insert_many(ds[i:i + 1000], ordered=False)
        took += time.monotonic() - t0
        parts.append(f"{name} {len(ds):,} docs {time.monotonic() - t0:.2f} s")
        coll.drop()
    return took, "; ".join(parts)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ticks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=20.0, help="push duration per rate (default 20)")
    p.add_argument("--codes", type=int, default=5000, help="codes per push (default 5000)")
    p.add_argument("--database", default="taorui_bench_ticks")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="taorui-bench-ticks-"))
    server = None
    uri = settings.load().mongo_uri
    if not uri:
        from taorui_assets.lib.storage.embedded import EmbeddedMongo

        server = EmbeddedMongo(tmp / "mongo").start()
        uri = server.uri
    say(f"machine: {os.cpu_count()} cores (shared with other work: figures are lower bounds); "
        f"server: {'embedded SecantusDB' if server else 'TAORUI_MONGO_URI'}; {args.codes} codes per push")
    try:
        db = MongoClient(uri)[args.database]
        for label, interval in (("1x  (full market, 3 s)", 3.0), ("10x (0.3 s)", 0.3)):
            r = run_rate(db, args.codes, interval, args.seconds, tmp)
            raw_s, parts = raw_insert(db, r["docs"])
            raw = r["written"] / raw_s
            goal = "meets" if r["sustained"] >= 0.95 * r["offered"] and r["p99"] <= 1000 else "misses"
            say(f"{label}: offered {r['offered']:,.0f} ticks/s, sustained {r['sustained']:,.0f} ticks/s "
                f"({r['written']:,} ticks; {r['wall']:.1f} s with the stop), lag p50 {r['p50']:,.0f} ms p99 {r['p99']:,.0f} ms; "
                f"{goal} the goal (sustain the offered rate, p99 ≤ 1 s); quotes_latest at most "
                f"{r['latest_stale']:.1f} s stale")
            say(f"    raw server limit, same documents: {raw:,.0f} ticks/s ({parts}); "
                f"ours {r['sustained'] / raw:.0%} of it")
        MongoClient(uri).drop_database(args.database)
    finally:
        if server:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
