"""``python -m benchmarks`` (or ``scripts/bench``): minute-bar layouts side by side and
``get_price`` latency, against the MongoDB at TAORUI_MONGO_URI, printing figures and ratios."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

import pandas as pd
from pymongo import ASCENDING, MongoClient

from benchmarks import get_price_latency
from benchmarks import minute_layout as L
from taorui_assets.lib import calendar

END = dt.date(2026, 11, 24)


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    p.add_argument("--stocks", type=int, default=5000, help="securities in the full-market day")
    p.add_argument("--days", type=int, default=20, help="trading days for the one-security read")
    p.add_argument("--other-stocks", type=int, default=50,
                   help="securities written on the other days (the same for both layouts)")
    p.add_argument("--years", type=int, default=10, help="daily history for the get_price latency")
    p.add_argument("--repeat", type=int, default=5, help="runs per read; the median is reported")
    p.add_argument("--skip-latency", action="store_true", help="only the minute-layout comparison")
    p.add_argument("--skip-layout", action="store_true", help="only the get_price latency")
    p.add_argument("--database", default="taorui_bench", help="scratch database, dropped first and last")
    return p.parse_args(argv)


def mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def ratio(ours: float, theirs: float) -> str:
    if ours <= 0:
        return "n/a"
    r = theirs / ours
    return f"{r:,.1f}×" if r >= 10 else f"{r:.2f}×"


def minute_layouts(db, a) -> list[tuple]:
    days = calendar.last_trading_days(END, a.days)
    stocks = L.codes(a.stocks)
    full = L.minute_frame(days[-1], stocks)
    print(f"[bench] full-market day {days[-1]}: {a.stocks} securities × 240 bars = {len(full):,} bars",
          flush=True)
    L.prepare_doc_per_bar(db)
    t_ours, _ = L.timed(lambda: L.write_bucketed(db, full))
    print(f"[bench] bucketed write {t_ours:.2f}s; doc-per-bar write running...", flush=True)
    t_docs, _ = L.timed(lambda: L.write_doc_per_bar(db, full))
    size_ours, size_docs = L.storage(db, "minute_bars"), L.storage(db, L.DOCS)
    print(f"[bench] doc-per-bar write {t_docs:.2f}s; writing {a.days - 1} more days of "
          f"{a.other_stocks} securities to both layouts", flush=True)
    for day in days[:-1]:
        part = L.minute_frame(day, stocks[:a.other_stocks])
        L.write_bucketed(db, part)
        L.write_doc_per_bar(db, part)
    one = stocks[0]
    t_r_ours, got_ours = L.timed(lambda: L.read_bucketed_range(db, one, days[0], days[-1]), a.repeat)
    t_r_docs, got_docs = L.timed(lambda: L.read_doc_per_bar_range(db, one, days[0], days[-1]), a.repeat)
    assert len(got_ours) == len(got_docs) == 240 * a.days, (len(got_ours), len(got_docs))
    at = pd.Timestamp(f"{days[-1]} 10:31:00")
    t_x_ours, x_ours = L.timed(lambda: L.read_bucketed_minute(db, days[-1], at), a.repeat)
    t_x_scan, x_docs = L.timed(lambda: L.read_doc_per_bar_minute(db, at), max(1, a.repeat // 2))
    assert len(x_ours) == len(x_docs) == a.stocks, (len(x_ours), len(x_docs))
    t_index = time.perf_counter()
    db[L.DOCS].create_index([("time", ASCENDING)])  # QUANTAXIS also indexes the time stamp
    t_index = time.perf_counter() - t_index
    t_x_idx, _ = L.timed(lambda: L.read_doc_per_bar_minute(db, at), a.repeat)
    total_ours = size_ours["data"] + size_ours["indexes"]
    total_docs = size_docs["data"] + size_docs["indexes"]
    return [
        ("1. write one full-market day of 1m bars", f"{t_ours:.2f} s", f"{t_docs:.2f} s", ratio(t_ours, t_docs)),
        (f"2. read one security × {a.days} trading days", f"{t_r_ours * 1e3:.1f} ms",
         f"{t_r_docs * 1e3:.1f} ms", ratio(t_r_ours, t_r_docs)),
        ("3. read the market's cross-section at one minute", f"{t_x_ours * 1e3:.1f} ms",
         f"{t_x_scan * 1e3:.1f} ms (no time index)", ratio(t_x_ours, t_x_scan)),
        ("   … doc-per-bar with a time index (QUANTAXIS)", "", f"{t_x_idx * 1e3:.1f} ms "
         f"(index built in {t_index:.1f} s)", ratio(t_x_ours, t_x_idx)),
        ("4. storage of the full-market day: documents", f"{size_ours['documents']:,}",
         f"{size_docs['documents']:,}", ratio(size_ours["documents"], size_docs["documents"])),
        ("   data + indexes (collStats size)", f"{mb(total_ours)}", f"{mb(total_docs)}",
         ratio(total_ours, total_docs)),
    ]


def table(rows, head) -> None:
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for r in [head, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip())


def main(argv=None) -> int:
    a = parse(argv)
    uri = os.environ.get("TAORUI_MONGO_URI")
    if not uri:
        print("TAORUI_MONGO_URI is not set (scripts/bench starts an embedded server)", file=sys.stderr)
        return 2
    client = MongoClient(uri, tz_aware=False)
    client.drop_database(a.database)
    started = time.perf_counter()
    try:
        if not a.skip_layout:
            rows = minute_layouts(client[a.database], a)
            print()
            print(f"Minute bars: bucketed (ours) vs one document per bar — {a.stocks} securities × 240 "
                  f"1m bars on the measured day; the other {a.days - 1} days hold {a.other_stocks} "
                  "securities in both layouts.")
            table(rows, ("measure", "bucketed", "doc-per-bar", "ratio (doc-per-bar / bucketed)"))
        if not a.skip_latency:
            client.drop_database(a.database)
            lat = get_price_latency.measure(client[a.database], uri, END, a.years, a.stocks,
                                            repeat=max(1, a.repeat // 2 + 1))
            print()
            table([(name, f"{t * 1e3:.1f} ms", f"{n:,}") for name, t, n in lat],
                  ("get_price latency (median)", "time", "rows"))
        print(f"\n[bench] done in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        client.drop_database(a.database)
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
