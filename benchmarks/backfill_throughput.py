"""Per-day throughput of a full-market backfill through Dagster's own machinery, and the year.

    python -m benchmarks.backfill_throughput [--stocks 5000] [--days 20] [--end 2024-12-31]

Against the MongoDB at TAORUI_MONGO_URI (``scripts/bench`` starts one), into a scratch database
(dropped first and last), with a scratch Dagster instance (the CLI's instance settings:
run queue, ``market_source`` pool), it launches the same asset backfill as
``scripts/run backfill`` (cli_backfill.run_backfill: backfill policy of 20 days per run, run
launcher, code server, multiprocess executor) over ``--days`` trading days of every daily dataset
of ``--stocks`` SimMarket securities, and prints the wall time, the seconds per trading day and
the extrapolation to a year of ~243 trading days. ``run(args) -> dict`` returns the figures for
the one-command runner.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from benchmarks import ServerBusy

TRADING_DAYS_PER_YEAR = 243  # SSE, 2015-2024: 240-252


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.backfill_throughput", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stocks", type=int, default=5000, help="SimMarket securities (the full market: 5000)")
    p.add_argument("--days", type=int, default=20, help="trading days backfilled (at least 20 for the figure)")
    p.add_argument("--end", default="2024-12-31", help="last day of the backfilled window")
    p.add_argument("--database", default="taorui_bench_backfill", help="scratch database, dropped first and last")
    return p.parse_args(argv)


def run(a: argparse.Namespace) -> dict:
    import dagster as dg
    import yaml
    from pymongo import MongoClient

    from taorui_assets.cli import ROOT
    from taorui_assets.cli_backfill import INSTANCE_DEFAULTS, run_backfill
    from taorui_assets.lib import datasets
    from taorui_assets.partitions import trading_days

    uri = os.environ.get("TAORUI_MONGO_URI")
    if not uri:
        raise SystemExit("TAORUI_MONGO_URI is not set: run scripts/bench, or point it at a MongoDB")
    keys = [k for k in trading_days.get_partition_keys() if k <= a.end]
    days = keys[-a.days:]
    os.environ.update({"TAORUI_MONGO_DB": a.database, "TAORUI_SOURCE": "sim", "TAORUI_SIM_STOCKS": str(a.stocks)})
    with MongoClient(uri) as client:
        client.drop_database(a.database)
    print(f"[bench] backfill: {a.days} trading days {days[0]}..{days[-1]} of every daily dataset, "
          f"{a.stocks} securities, through a Dagster asset backfill", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="taorui-bench-dagster-") as home, \
                dg.instance_for_test(temp_dir=home, overrides=yaml.safe_load(INSTANCE_DEFAULTS)) as instance:
            t0 = time.monotonic()
            with ServerBusy() as busy:
                backfill_id, ok = run_backfill(instance, ROOT / "workspace.yaml", days[0], days[-1], redo=True,
                                               log=lambda m: print(f"[bench]   {m}", flush=True))
            wall = time.monotonic() - t0
            runs = instance.get_run_records(dg.RunsFilter(tags={"dagster/backfill": backfill_id}))
        with MongoClient(uri) as client:
            docs = {s.collection: client[a.database][s.collection].count_documents({})
                    for s in datasets.SPECS if s.partitions == datasets.TRADING_DAY}
    finally:
        with MongoClient(uri) as client:
            client.drop_database(a.database)
    per_day = wall / len(days)
    year = per_day * TRADING_DAYS_PER_YEAR
    figures = {"ok": ok, "days": len(days), "stocks": a.stocks, "runs": len(runs), "wall_s": wall,
               "s_per_day": per_day, "year_h": year / 3600, "documents": sum(docs.values()),
               "server_busy": busy.share}
    print(f"[bench] backfill {'completed' if ok else 'FAILED'}: {len(days)} days in {wall:.0f}s "
          f"({len(runs)} runs), {per_day:.1f}s per trading day, {sum(docs.values()):,} documents{busy.describe()}",
          flush=True)
    print(f"[bench] a year ({TRADING_DAYS_PER_YEAR} trading days) at this rate: {year / 60:.0f} min "
          f"({'within' if year <= 3600 else 'OVER'} the 1 h goal)", flush=True)
    return figures


def main(argv=None) -> int:
    figures = run(parse(argv))
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
