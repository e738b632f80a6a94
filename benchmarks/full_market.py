"""One full-market trading day: the daily job's wall time and peak memory, and the 1m write
against a raw ``insert_many`` of the same documents (issue 11 goals 1 and 2).

    python -m benchmarks.full_market [--stocks 5000] [--day 2024-12-31]

Against the MongoDB at TAORUI_MONGO_URI (``scripts/bench`` starts one), into a scratch database
(dropped first and last), all in one run on one server:

1. **The daily job.** ``daily_datasets`` (every trading-day dataset and its checks) for one day of
   ``--stocks`` SimMarket securities, in a child process of its own so that its peak resident
   memory is its own: the first day (SimMarket built from nothing, as in a fresh process), then
   the next day in the same process (what each further day of a ``scripts/run --days N`` costs).
2. **The 1m write.** The ``minute_bars_1m`` asset alone for a day whose instruments and daily bars
   are stored (fetch, validate, write; the server's part is the write), then the same documents,
   read back, written by a raw ``insert_many`` into an empty collection with the same indexes: the
   server's own limit. The ratio is the pipeline's overhead over that limit (goal: ≤ 1.5×).

``run(args) -> dict`` returns the figures for the one-command runner; ``main(argv)`` prints them.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from benchmarks import ServerBusy, busy_note

GOAL_WALL_S, GOAL_RSS_MB, GOAL_RATIO = 10.0, 1024.0, 1.5


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.full_market", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stocks", type=int, default=5000, help="SimMarket securities (the full market: 5000)")
    p.add_argument("--day", default="2024-12-31", help="trading day of the daily job (and the day after it)")
    p.add_argument("--database", default="taorui_bench_full_market", help="scratch database, dropped first and last")
    p.add_argument("--child", choices=["setup", "daily", "minutes"], help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _env(a) -> dict:
    return {**os.environ, "TAORUI_MONGO_DB": a.database, "TAORUI_SOURCE": "sim", "TAORUI_SIM_STOCKS": str(a.stocks)}


def _next_days(day: str, n: int) -> list[str]:
    from taorui_assets.partitions import trading_days

    keys = trading_days.get_partition_keys()
    i = keys.index(day)
    return keys[i:i + n]


def _child_daily(a) -> dict:
    """In its own process: the daily job for ``day`` and the trading day after it, then the raw
    insert of every document the second day wrote (the job's limit on this server)."""
    import dagster as dg

    from taorui_assets.definitions import defs as lazy_defs

    defs = lazy_defs()  # @dg.definitions: loaded (and the settings read) when called

    job = defs.resolve_job_def("daily_datasets")
    days = _next_days(a.day, 2)
    out = {}
    with dg.DagsterInstance.ephemeral() as instance:
        for label, day in zip(("first_day", "next_day"), days):
            t0 = time.monotonic()
            with _MemorySampler() as mem, ServerBusy() as busy:
                result = job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False)
            wall = time.monotonic() - t0
            failed = [e.asset_check_key.to_user_string() for e in result.get_asset_check_evaluations() if not e.passed]
            out[label] = {"day": day, "wall_s": wall, "success": result.success, "failed_checks": failed,
                          "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          "peak_anon_mb": mem.anon, "peak_file_mb": mem.file,
                          "steps": _step_seconds(instance, result.run_id), "server_busy": busy.share}
        written = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    out["limit"] = _raw_insert_of_day(a, days[-1], written)
    return out


def _step_seconds(instance, run_id: str) -> dict:
    """Each step's wall time in the run, from its start and success events (Dagster's own clock)."""
    started, out = {}, {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            started[record.step_key] = record.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and record.step_key in started:
            out[record.step_key] = record.timestamp - started[record.step_key]
    return out


class _MemorySampler:
    """Peaks of the process's anonymous and file-backed resident memory (``/proc/self/status``
    RssAnon, RssFile), sampled every 50 ms: the file-backed part is what the process has mapped
    of files, here SimMarket's cached histories (lib/sim/cache.py: a cross-section of a day
    touches a page of every stock's arrays), which the OS shares between processes and can
    reclaim at any time; the anonymous part is the job's own memory."""

    def __enter__(self):
        import threading

        self.anon = self.file = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while True:
            self._sample()
            if self._stop.wait(0.05):
                return

    def _sample(self):
        status = dict(line.split(":", 1) for line in open("/proc/self/status"))
        self.anon = max(self.anon, int(status["RssAnon"].split()[0]) / 1024)
        self.file = max(self.file, int(status["RssFile"].split()[0]) / 1024)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()


def _child_setup(a) -> dict:
    """In its own process (its memory is not the job's): what the daily job reads but does not
    fetch, stored first as scripts/run does: the calendar and the statements the valuation is
    computed from. Not part of the job's figures."""
    import datetime as dt

    import dagster as dg

    from taorui_assets.definitions import defs as lazy_defs
    from taorui_assets.lib.quarters import needed_by_valuation

    defs = lazy_defs()
    days = _next_days(a.day, 3)
    quarters = needed_by_valuation(dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1]))
    t0 = time.monotonic()
    # SimMarket's histories are built here once and saved to its cache (TAORUI_SIM_CACHE), so the
    # job's processes map them, as every scripts/run and backfill process after the first does.
    defs.resources["market_source"].get_source().market.warm_up()
    with dg.DagsterInstance.ephemeral() as instance:
        for year in sorted({d[:4] for d in days}):
            defs.resolve_job_def("trading_calendar_job").execute_in_process(partition_key=year, instance=instance)
        for quarter in quarters:
            defs.resolve_job_def("financial_statements_job").execute_in_process(partition_key=quarter, instance=instance)
    return {"quarters": quarters, "setup_s": time.monotonic() - t0}


def _raw_insert_of_day(a, day: str, assets: set[str]) -> dict:
    """Every document the job wrote for ``day``, read back and inserted by a raw ``insert_many``
    into empty collections with the same indexes: what the server needs to store the day at the
    least (the goal's limit). Per collection and in total."""
    from pymongo import MongoClient

    from taorui_assets.lib import datasets
    from taorui_assets.lib.storage.scopes import scope
    from taorui_assets.lib.storage.store import create_indexes

    per: dict[str, dict] = {}
    with MongoClient(os.environ["TAORUI_MONGO_URI"], tz_aware=False) as client:
        db = client[a.database]
        for spec in datasets.SPECS:
            for asset in spec.assets:
                if asset not in assets:
                    continue
                docs = list(db[spec.collection].find(scope(spec.name, day, spec.period_of(asset))))
                raw = db[f"bench_raw_{asset}"]
                raw.drop()
                create_indexes(raw, spec)  # the same indexes as the dataset's collection
                t0 = time.monotonic()
                if docs:
                    raw.insert_many(docs, ordered=False)
                per[asset] = {"documents": len(docs), "insert_s": time.monotonic() - t0}
                raw.drop()
                del docs
    return {"day": day, "assets": per, "insert_s": sum(v["insert_s"] for v in per.values()),
            "documents": sum(v["documents"] for v in per.values())}


def _child_minutes(a) -> dict:
    """In its own process: ``minute_bars_1m`` alone for a day whose upstream is stored, then the
    raw insert of the same documents."""
    import dagster as dg
    from pymongo import MongoClient

    from taorui_assets.definitions import defs as lazy_defs
    from taorui_assets.lib.storage.store import create_indexes

    defs = lazy_defs()  # @dg.definitions: loaded (and the settings read) when called
    from taorui_assets.lib import datasets

    day = _next_days(a.day, 3)[2]
    assets = list(defs.assets or [])
    with dg.DagsterInstance.ephemeral() as instance:
        def materialize(names):
            return dg.materialize(assets, selection=names, partition_key=day, resources=defs.resources,
                                  instance=instance)

        materialize(["instruments", "adj_factors", "daily_bars"])
        t0 = time.monotonic()
        result = materialize(["minute_bars_1m"])
        pipeline = time.monotonic() - t0
        t0 = time.monotonic()
        materialize(["minute_bars_1m"])
        rewrite = time.monotonic() - t0
    with MongoClient(os.environ["TAORUI_MONGO_URI"], tz_aware=False) as client:
        db = client[a.database]
        scope = {"date": dt_day(day), "period": "1m"}
        docs = list(db["minute_bars"].find(scope))
        raw = db["bench_raw_insert_1m"]
        raw.drop()
        spec = datasets.get("minute_bars")
        create_indexes(raw, spec)  # the same indexes as the dataset's collection
        t0 = time.monotonic()
        raw.insert_many(docs, ordered=False)
        insert = time.monotonic() - t0
        raw.drop()
    return {"day": day, "documents": len(docs), "bars": sum(d["bars"] for d in docs), "success": result.success,
            "pipeline_s": pipeline, "rewrite_s": rewrite, "raw_insert_s": insert}


def dt_day(day: str):
    import datetime as dt

    return dt.datetime.strptime(day, "%Y-%m-%d")


def _in_child(a, which: str) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.full_market", "--child", which, "--stocks", str(a.stocks),
           "--day", a.day, "--database", a.database]
    proc = subprocess.run(cmd, env=_env(a), capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"[bench] full_market {which} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(a: argparse.Namespace) -> dict:
    from pymongo import MongoClient

    uri = os.environ.get("TAORUI_MONGO_URI")
    if not uri:
        raise SystemExit("TAORUI_MONGO_URI is not set: run scripts/bench, or point it at a MongoDB")
    with MongoClient(uri) as client:
        client.drop_database(a.database)
    try:
        print(f"[bench] full market: storing the calendar and the statements the valuation reads "
              f"(not timed), {a.stocks} securities", flush=True)
        setup = _in_child(a, "setup")
        print(f"[bench] full market: statements {setup['quarters'][0]}..{setup['quarters'][-1]} stored in "
              f"{setup['setup_s']:.0f} s; the daily job for {a.day} and the next day", flush=True)
        daily = _in_child(a, "daily")
        print("[bench] full market: a 1m day written by the pipeline and by a raw insert_many", flush=True)
        minutes = _in_child(a, "minutes")
    finally:
        with MongoClient(uri) as client:
            client.drop_database(a.database)
    return {"stocks": a.stocks, "daily": daily, "minutes": minutes}


def report(r: dict) -> None:
    print(f"\nFull market, {r['stocks']} securities, one trading day (goals: ≤ {GOAL_WALL_S:.0f} s, "
          f"≤ {GOAL_RSS_MB:.0f} MB; 1m write ≤ {GOAL_RATIO}× the raw insert)")
    for label in ("first_day", "next_day"):
        d = r["daily"][label]
        status = "ok" if d["success"] and not d["failed_checks"] else f"FAILED {d['failed_checks']}"
        print(f"  daily job, {label.replace('_', ' ')} ({d['day']}): {d['wall_s']:6.1f} s wall, "
              f"peak RSS {d['peak_rss_mb']:,.0f} MB (anonymous {d['peak_anon_mb']:,.0f} MB, mapped files "
              f"{d['peak_file_mb']:,.0f} MB)  [{status}]")
    lim = r["daily"]["limit"]
    nxt = r["daily"]["next_day"]["wall_s"]
    print(f"  raw insert_many of the {lim['documents']:,} documents the job wrote for {lim['day']}: "
          f"{lim['insert_s']:.1f} s (the server's limit); the job = {nxt / lim['insert_s']:.2f}× it "
          f"(goal: ≤ {GOAL_WALL_S:.0f} s, or ≤ {GOAL_RATIO}× the limit)")
    steps = r["daily"]["next_day"].get("steps", {})
    busy = busy_note(r["daily"]["next_day"].get("server_busy"))
    print(f"    per asset, the job's step against its raw insert (the steps total {sum(steps.values()):.1f} s; "
          f"the rest of the wall is the run's own start and end{busy}):")
    for asset, v in sorted(lim["assets"].items(), key=lambda kv: -kv[1]["insert_s"]):
        print(f"      {asset:<22} step {steps.get(asset, float('nan')):5.2f} s   raw insert {v['insert_s']:5.2f} s "
              f"({v['documents']:,} documents)")
    checks = sum(t for k, t in steps.items() if k not in lim["assets"])
    print(f"      {'checks (other steps)':<22} step {checks:5.2f} s")
    m = r["minutes"]
    print(f"  1m day ({m['day']}, {m['documents']:,} documents, {m['bars']:,} bars):")
    print(f"    raw insert_many           {m['raw_insert_s']:6.2f} s  (the server's limit)")
    print(f"    pipeline (fetch+validate+write) {m['pipeline_s']:6.2f} s  = {m['pipeline_s'] / m['raw_insert_s']:.2f}× the raw insert")
    print(f"    pipeline re-run (replace)       {m['rewrite_s']:6.2f} s  = {m['rewrite_s'] / m['raw_insert_s']:.2f}× the raw insert")


def main(argv=None) -> int:
    a = parse(argv)
    if a.child:
        out = {"setup": _child_setup, "daily": _child_daily, "minutes": _child_minutes}[a.child](a)
        print(json.dumps(out))
        return 0
    report(run(a))
    return 0


if __name__ == "__main__":
    sys.exit(main())
