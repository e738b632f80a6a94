"""``scripts/run capture``: arguments and wiring of the capture service.

    scripts/run capture                              # QMT whole-market push (token mode, QMT_TOKEN)
    scripts/run capture --qmt-mode local             # a running MiniQMT
    scripts/run capture --codes 600000.SH,000001.SZ --per-code   # basic permissions (≤ 50 codes)
    scripts/run capture --feed sim --speed 60        # the demo: SimMarket's session at 60×
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
from typing import TYPE_CHECKING

from taorui_assets.lib.realtime.capture import BATCH_MS, BATCH_TICKS, Capture, CaptureConfig

if TYPE_CHECKING:
    from taorui_assets.settings import Settings

log = logging.getLogger("taorui.capture")


def _fsync(text: str):
    if text in ("batch", "off"):
        return text
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("--fsync is 'batch', 'off' or a number of seconds") from None


def add_capture_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--feed", choices=["qmt", "sim"], default="qmt", help="qmt (default) or sim (the demo)")
    p.add_argument("--markets", default="SH,SZ,BJ", help="whole-market push of these markets (default SH,SZ,BJ)")
    p.add_argument("--codes", help="comma-separated codes instead of whole markets")
    p.add_argument("--per-code", action="store_true",
                   help="basic permissions: subscribe_quote(period='tick') per code, at most 50 codes")
    p.add_argument("--journal-dir", default=".taorui/journal", help="write-ahead journal directory")
    p.add_argument("--fsync", type=_fsync, default="batch", help="batch (default) | off | SECONDS")
    p.add_argument("--batch-ticks", type=int, default=BATCH_TICKS, help=f"write every N ticks (default {BATCH_TICKS})")
    p.add_argument("--batch-ms", type=int, default=BATCH_MS, help=f"… or every T ms (default {BATCH_MS})")
    p.add_argument("--qmt-mode", choices=["token", "local"], default="token")
    p.add_argument("--qmt-local-port", type=int, default=58610)
    p.add_argument("--day", help="sim feed: the trading day to replay (default: the last closed one)")
    p.add_argument("--speed", type=float, default=60.0, help="sim feed: speed-up factor (default 60)")
    p.add_argument("--sim-codes", type=int, default=50, help="sim feed: how many codes (default 50)")


def _alerter(s: "Settings"):
    url = s.alert_webhook_url
    if not url:
        return None
    from taorui_assets.lib import alerts

    kind = s.alert_kind

    def send(text: str) -> None:
        try:
            alerts.post(url, alerts.body(kind, alerts.redact(text)))
        except Exception as e:  # noqa: BLE001 - the log line already says it loudly
            log.error("the alert webhook failed too: %s", alerts.redact(str(e)))
    return send


def build_feed(args, s: "Settings"):
    if args.feed == "sim":
        from taorui_assets.asof import last_closed_trading_day
        from taorui_assets.lib.realtime.feeds import SimFeed
        from taorui_assets.lib.sim.market import SimMarket

        market = SimMarket()
        codes = args.codes.split(",") if args.codes else market.codes[: args.sim_codes]
        day = dt.date.fromisoformat(args.day) if args.day else last_closed_trading_day()
        return SimFeed(market, day, codes, speed=args.speed)
    from taorui_assets.lib.realtime.feeds import QmtFeed
    from taorui_assets.lib.sources.qmt_connect import QmtConnection, load_xtquant

    targets = args.codes.split(",") if args.codes else args.markets.split(",")
    QmtFeed.check_targets(targets, args.per_code)  # before touching the client
    conn = QmtConnection(load_xtquant(), mode=args.qmt_mode, token=s.qmt_token,
                         local_port=args.qmt_local_port, log=log)
    return QmtFeed(conn, targets, per_code=args.per_code)


def run_capture(args, s: "Settings") -> int:
    """Captures into ``s.mongo_uri`` / ``s.mongo_db`` (the command's settings)."""
    from pymongo import MongoClient

    # Short server selection: the writer's own backoff handles an unreachable server.
    client = MongoClient(s.mongo_uri, serverSelectionTimeoutMS=2000, connectTimeoutMS=2000, socketTimeoutMS=30000)
    db = client[s.mongo_db]
    from taorui_assets.lib.sources.base import SourceError

    try:
        feed = build_feed(args, s)
    except (ValueError, SourceError) as e:  # a configuration or client problem: one line, no traceback
        print(f"[taorui] capture: {e}", flush=True)
        return 2
    cfg = CaptureConfig(journal_dir=args.journal_dir, fsync=args.fsync, batch_ticks=args.batch_ticks,
                        batch_ms=args.batch_ms)
    cap = Capture(feed, db, cfg, alert=_alerter(s))
    print(f"[taorui] capture: feed {feed.name}, journal {os.path.abspath(args.journal_dir)}; "
          "stop with Ctrl-C or SIGTERM", flush=True)
    try:
        return cap.run()
    finally:
        client.close()
