"""``scripts/bench``: every issue-11 figure in one run on one server, side by side with the
limit measured in the same run, printed as one table and written to ``--output`` (JSON).

Sections (``--only`` / ``--skip``): ``full_market`` (the daily job's wall and peak RSS; the 1m
pipeline vs a raw insert_many; benchmarks/full_market.py), ``backfill`` (per-day throughput of a
Dagster backfill over ``--backfill-days`` and the year; benchmarks/backfill_throughput.py),
``ticks`` (benchmarks/ticks.py), ``reads`` (cross-section and get_price against their limits;
benchmarks/read_latency.py), ``layout`` (bucketed vs doc-per-bar, benchmarks/minute_layout.py).
A section whose module is not in this checkout is reported as missing. ``--quick``: tiny sizes.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import io
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

import pandas as pd
from pymongo import ASCENDING, MongoClient

from benchmarks import minute_layout as L
from benchmarks import read_latency
from taorui_assets.lib import calendar

END = dt.date(2026, 11, 24)


RESULTS = Path(__file__).resolve().parents[1] / ".taorui" / "bench-results.json"
SECTIONS = ["full_market", "backfill", "ticks", "reads", "layout"]
QUICK = {"stocks": 20, "days": 3, "other_stocks": 5, "years": 1, "repeat": 1, "read_stocks": 20,
         "backfill_days": 2, "tick_seconds": 2.0, "full_market_day": "2024-12-31"}


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stocks", type=int, default=5000, help="securities of the full market (every section)")
    p.add_argument("--days", type=int, default=20, help="layout: trading days for the one-security read")
    p.add_argument("--other-stocks", type=int, default=50,
                   help="layout: securities written on the other days (the same for both layouts)")
    p.add_argument("--years", type=int, default=10, help="reads: daily history for get_price")
    p.add_argument("--read-stocks", type=int, default=1000, help="reads: securities of the 1m cross-section")
    p.add_argument("--backfill-days", type=int, default=20, help="backfill: trading days backfilled")
    p.add_argument("--tick-seconds", type=float, default=20.0, help="ticks: push duration per rate")
    p.add_argument("--full-market-day", default="2024-12-31", help="full_market: the day of the daily job")
    p.add_argument("--repeat", type=int, default=5, help="runs per read; the median is reported")
    p.add_argument("--only", action="append", choices=SECTIONS, help="run only these sections (repeatable)")
    p.add_argument("--skip", action="append", choices=SECTIONS, default=[], help="skip a section (repeatable)")
    p.add_argument("--skip-latency", action="store_true", help="same as --skip reads")
    p.add_argument("--skip-layout", action="store_true", help="same as --skip layout")
    p.add_argument("--quick", action="store_true", help=f"tiny sizes to prove it works: {QUICK}")
    p.add_argument("--output", default=str(RESULTS), help="where the figures are written (JSON)")
    p.add_argument("--database", default="taorui_bench", help="scratch database, dropped first and last")
    a = p.parse_args(argv)
    if a.quick:
        for k, v in QUICK.items():
            setattr(a, k, v)
    skip = set(a.skip) | ({"reads"} if a.skip_latency else set()) | ({"layout"} if a.skip_layout else set())
    a.sections = [s for s in (a.only or SECTIONS) if s not in skip]
    return a


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


def _optional(name: str):
    """A section's module, or None when this checkout does not have it yet."""
    try:
        return importlib.import_module(f"benchmarks.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"benchmarks.{name}":
            raise
        return None


def _row(measure, ours, limit=None, limit_name="", goal="", met=None, unit="s") -> dict:
    return {"measure": measure, "ours": ours, "limit": limit, "limit_name": limit_name,
            "ratio": (ours / limit) if (ours is not None and limit) else None, "goal": goal, "met": met,
            "unit": unit}


def full_market(a, out: dict) -> list[dict]:
    fm = _optional("full_market")
    if fm is None:
        return [_row("full-market daily job", None, goal="module benchmarks/full_market.py not in this checkout")]
    r = fm.run(fm.parse(["--stocks", str(a.stocks), "--day", a.full_market_day]))
    fm.report(r)
    out["full_market"] = r
    rows = []
    limit = r["daily"]["limit"]["insert_s"]
    for label in ("first_day", "next_day"):
        d = r["daily"][label]
        ok = d["success"] and not d["failed_checks"]
        met = ok and (d["wall_s"] <= fm.GOAL_WALL_S or d["wall_s"] <= fm.GOAL_RATIO * limit)
        rows.append(_row(f"daily job, {a.stocks} securities, {label.replace('_', ' ')} ({d['day']})", d["wall_s"],
                         limit, "raw insert_many of the day's documents",
                         f"≤ {fm.GOAL_WALL_S:.0f} s or ≤ {fm.GOAL_RATIO}×", met))
    rss = max(r["daily"][k]["peak_rss_mb"] for k in ("first_day", "next_day"))
    anon = max(r["daily"][k]["peak_anon_mb"] for k in ("first_day", "next_day"))
    rows.append(_row("   … peak resident memory of the job's process", rss, unit="MB",
                     goal=f"≤ {fm.GOAL_RSS_MB:.0f} MB", met=rss <= fm.GOAL_RSS_MB))
    rows.append(_row("   … of it anonymous (without SimMarket's mapped histories)", anon, unit="MB",
                     goal=f"≤ {fm.GOAL_RSS_MB:.0f} MB", met=anon <= fm.GOAL_RSS_MB))
    m = r["minutes"]
    rows.append(_row(f"1m day written by the pipeline ({m['documents']:,} buckets)", m["pipeline_s"],
                     m["raw_insert_s"], "raw insert_many", f"≤ {fm.GOAL_RATIO}×",
                     m["pipeline_s"] <= fm.GOAL_RATIO * m["raw_insert_s"]))
    return rows


def backfill(a, out: dict) -> list[dict]:
    bt = _optional("backfill_throughput")
    if bt is None:
        return [_row("Dagster backfill", None, goal="module benchmarks/backfill_throughput.py not in this checkout")]
    r = bt.run(bt.parse(["--stocks", str(a.stocks), "--days", str(a.backfill_days)]))
    out["backfill"] = r
    daily = out.get("full_market", {}).get("daily", {}).get("next_day", {}).get("wall_s")
    return [_row(f"backfill, {r['days']} days × {r['stocks']} securities: per trading day", r["s_per_day"],
                 daily, "daily job, one day alone" if daily else "", met=r["ok"]),
            _row(f"   … a year ({bt.TRADING_DAYS_PER_YEAR} trading days) at that rate", r["year_h"] * 3600,
                 goal="≤ 3600 s (1 h)", met=r["ok"] and r["year_h"] <= 1.0)]


def ticks(a, out: dict) -> list[dict]:
    tk = _optional("ticks")
    if tk is None:
        return [_row("tick ingest", None, goal="module benchmarks/ticks.py not in this checkout")]
    buf = io.StringIO()

    class Tee(io.TextIOBase):
        def write(self, text):
            buf.write(text)
            return sys.__stdout__.write(text)

    with contextlib.redirect_stdout(Tee()):
        code = tk.main(["--seconds", str(a.tick_seconds), "--codes", str(a.stocks)])
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    out["ticks"] = {"exit": code, "lines": lines}
    out["ticks"]["summary"] = [ln.strip() for ln in lines if "offered" in ln or "raw server" in ln]
    return []  # its figures are sentences with their own limits: summary() prints them under the table


def reads(a, db, uri: str, out: dict) -> list[dict]:
    rows = read_latency.run(db, uri, a.read_stocks, a.years, a.stocks, a.repeat)
    out["reads"] = rows
    result = []
    for r in rows:
        if "goal_ratio" in r:
            goal, met = f"≤ {r['goal_ratio']}× the limit", r["ours_s"] <= r["goal_ratio"] * r["limit_s"]
        elif "goal_s" in r:
            goal, met = f"≤ {r['goal_s']} s", r["ours_s"] <= r["goal_s"]
        else:
            goal, met = "", None
        result.append(_row(r["measure"], r["ours_s"], r["limit_s"], r["limit"], goal, met))
    return result


def layout(a, db, out: dict) -> list[dict]:
    rows = minute_layouts(db, a)
    print()
    print(f"Minute bars: bucketed (ours) vs one document per bar — {a.stocks} securities × 240 "
          f"1m bars on the measured day; the other {a.days - 1} days hold {a.other_stocks} "
          "securities in both layouts.")
    table(rows, ("measure", "bucketed", "doc-per-bar", "ratio (doc-per-bar / bucketed)"))
    out["layout"] = [dict(zip(("measure", "bucketed", "doc_per_bar", "ratio"), r)) for r in rows]
    return [_row(f"layout: {r[0].strip()}", None, goal=f"bucketed {r[1]} | doc-per-bar {r[2]} | {r[3]}")
            for r in rows]


def _fmt(v, unit) -> str:
    if v is None:
        return ""
    if unit == "MB":
        return f"{v:,.0f} MB"
    return f"{v * 1e3:,.1f} ms" if v < 1 else f"{v:,.2f} s"


def summary(rows: list[dict], out: dict) -> None:
    print("\nSummary (one run, one server; ratio = ours / the limit measured in this run)")
    table([(r["measure"], _fmt(r["ours"], r["unit"]), _fmt(r["limit"], r["unit"]), r["limit_name"],
            f"{r['ratio']:.2f}×" if r["ratio"] else "", r["goal"],
            {True: "met", False: "NOT met", None: ""}[r["met"]]) for r in rows],
          ("measure", "ours", "limit", "limit is", "ratio", "goal", ""))
    if out.get("ticks"):
        print("Tick ingest (benchmarks/ticks.py; its limit is a raw insert_many of the same documents):")
        for line in out["ticks"]["summary"]:
            print(f"  {line}")


def main(argv=None) -> int:
    a = parse(argv)
    uri = os.environ.get("TAORUI_MONGO_URI")
    if not uri:
        print("TAORUI_MONGO_URI is not set (scripts/bench starts an embedded server)", file=sys.stderr)
        return 2
    client = MongoClient(uri, tz_aware=False)
    client.drop_database(a.database)
    started = time.perf_counter()
    out: dict = {"started": dt.datetime.now().isoformat(timespec="seconds"), "argv": list(argv or sys.argv[1:]),
                 "machine": {"cores": os.cpu_count(), "platform": platform.platform(),
                             "load_average": list(os.getloadavg())},
                 "server": client.server_info().get("version"), "sections": a.sections, "errors": {}}
    rows: list[dict] = []
    print(f"[bench] sections {a.sections}; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} (a shared machine makes every figure an upper bound)", flush=True)
    try:
        for name in a.sections:
            t0 = time.perf_counter()
            try:
                if name == "reads":
                    rows += reads(a, client[a.database], uri, out)
                elif name == "layout":
                    rows += layout(a, client[a.database], out)
                else:
                    rows += {"full_market": full_market, "backfill": backfill, "ticks": ticks}[name](a, out)
            except (Exception, SystemExit) as e:  # one broken section must not hide the others
                traceback.print_exc()
                out["errors"][name] = f"{type(e).__name__}: {e}"
                rows.append(_row(f"{name}: FAILED", None, goal=str(e)[:80], met=False))
            finally:
                client.drop_database(a.database)
            print(f"[bench] {name} done in {time.perf_counter() - t0:.0f} s", flush=True)
    finally:
        client.drop_database(a.database)
        client.close()
    out["summary"] = rows
    out["wall_s"] = time.perf_counter() - started
    summary(rows, out)
    path = Path(a.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, default=str))
    print(f"\n[bench] done in {out['wall_s']:.0f} s; figures in {path}", flush=True)
    return 1 if out["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
