"""``scripts/run``: materialize a recent window on the embedded default, or start the UI.

    python -m taorui_assets.cli run [--days 5] [--end YYYY-MM-DD] [--stocks 5000]
    python -m taorui_assets.cli ui [--port 3000]
    python -m taorui_assets.cli datasets
    python -m taorui_assets.cli capture [--feed qmt|sim] [--markets SH,SZ,BJ | --codes ...]
    python -m taorui_assets.cli backfill --start YYYY-MM-DD --end YYYY-MM-DD [--redo]
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from taorui_assets import settings
from taorui_assets.cli_backfill import INSTANCE_DEFAULTS  # plain text; the module imports no Dagster
from taorui_assets.lib.storage.embedded import EmbeddedServerError

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".taorui"


def collections() -> list[str]:
    """Every collection the summary counts: the registry's, then the bad rows and the differences."""
    from taorui_assets.lib.datasets import collections as registered
    from taorui_assets.lib.storage import quarantine, reconciliation

    return registered() + [quarantine.COLLECTION, reconciliation.COLLECTION]


def say(msg: str) -> None:
    print(f"[taorui] {msg}", flush=True)


# A user's server that does not answer within this is reported once, at the start, rather
# than after pymongo's 30 s (or the resource's 10 s) in every job.
PING_TIMEOUT_MS = 3000


def ping(s: settings.Settings) -> None:
    """Fails once, quickly, with the setting to fix when the configured MongoDB does not answer."""
    from pymongo import MongoClient
    from pymongo.errors import OperationFailure, PyMongoError

    where = f"TAORUI_MONGO_URI={settings.redact_uri(s.mongo_uri)}"
    try:
        with MongoClient(s.mongo_uri, serverSelectionTimeoutMS=PING_TIMEOUT_MS,
                         connectTimeoutMS=PING_TIMEOUT_MS) as client:
            client.admin.command("ping")
    except OperationFailure as exc:  # reached, but refused (authentication, authorization)
        reason = settings.scrub(str((exc.details or {}).get("errmsg") or type(exc).__name__), s.mongo_uri)
        raise settings.ConfigError(f"{where}: the server refused us ({reason}); check the user and password "
                                   "in the URI") from None
    except PyMongoError as exc:
        raise settings.ConfigError(f"{where}: no MongoDB answered within {PING_TIMEOUT_MS / 1000:g}s "
                                   f"({type(exc).__name__}); start it or fix the URI, or unset it for the "
                                   "embedded server") from None


@contextmanager
def database(s: settings.Settings) -> Iterator[settings.Settings]:
    """The command's settings on the MongoDB it uses: TAORUI_MONGO_URI (checked to answer), else
    the embedded SecantusDB under .taorui/mongo for the duration. They are pinned for this
    process, so the definitions it loads see them without touching the environment."""
    s = replace(s, dagster_home=str(_dagster_home(s)))
    if s.mongo_uri:
        ping(s)
        say(f"using the MongoDB at {settings.redact_uri(s.mongo_uri)} (TAORUI_MONGO_URI), database {s.mongo_db}")
        with settings.pinned(s):
            yield s
        return
    from taorui_assets.lib.storage.embedded import EmbeddedMongo

    server = EmbeddedMongo(STATE / "mongo", log_file=STATE / "mongo.log", cache_size=s.embedded_cache)
    say(f"starting the embedded MongoDB-compatible server (SecantusDB) on 127.0.0.1:{server.port}, data in .taorui/mongo")
    server.start()
    try:
        with settings.pinned(s.with_embedded(server.uri)) as embedded:
            yield embedded
    finally:
        try:  # say() itself can fail (stdout closed: `scripts/run | head`); the server stops anyway
            say("stopping the embedded server (data stays in .taorui/mongo)")
        finally:
            server.stop()


DEV_INSTANCE_MARK = "# written by scripts/run"
# The demo's instance (SQLite under .taorui/dagster): the daemon's features of the production
# instance (deploy/dagster.yaml) that make sense on one machine. Rewritten while it carries the mark.
DEV_INSTANCE = f"""{DEV_INSTANCE_MARK}; remove this line to keep your own edits
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  poll_interval_seconds: 30
run_retries:
  enabled: true
  max_retries: 1
  retry_on_asset_or_op_failure: false
telemetry:
  enabled: false
""" + INSTANCE_DEFAULTS  # the run queue and the `market_source` pool (cli_backfill.py)


def _dagster_home(s: settings.Settings) -> Path:
    home = Path(s.dagster_home or STATE / "dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / "dagster.yaml"
    if not cfg.exists() or cfg.read_text().startswith(("telemetry:", DEV_INSTANCE_MARK)):
        cfg.write_text(DEV_INSTANCE)
    return home


def window(days: int, end: str | None) -> list[str]:
    from taorui_assets.asof import last_closed_trading_day
    from taorui_assets.partitions import trading_days

    last = end or last_closed_trading_day().isoformat()
    keys = trading_days.get_partition_keys()
    if last not in keys:
        raise SystemExit(f"{last} is not a trading day with a complete partition")
    i = keys.index(last)
    return keys[max(0, i - days + 1): i + 1]


def sim_stocks(s: settings.Settings, stocks: int | None) -> settings.Settings:
    """``--stocks N``: the size of the simulated market (TAORUI_SIM_STOCKS for this command)."""
    if stocks is None:
        return s
    if stocks < 1:
        raise settings.ConfigError(f"--stocks must be at least 1, got {stocks}; the full A-share market is 5000")
    if (s.source or "sim") != "sim":
        raise settings.ConfigError(f"--stocks sizes the simulated market, but TAORUI_SOURCE={s.source}; "
                                   "drop --stocks or set TAORUI_SOURCE=sim")
    return dataclasses.replace(s, sim_stocks=stocks)


def run(args) -> int:
    args.settings.require_source()
    with database(args.settings) as s:
        import dagster as dg

        from taorui_assets.cli_runs import LocalRunner
        from taorui_assets.lib.quarters import needed_by_valuation

        instance = dg.DagsterInstance.from_config(s.dagster_home)
        _fail_interrupted_runs(instance)
        runner = LocalRunner(instance, ROOT / "workspace.yaml")
        days = window(args.days, args.end)
        years = sorted({d[:4] for d in days})
        quarters = needed_by_valuation(dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1]))
        plan = [("trading_calendar_job", y) for y in years]
        # statements first: each day's valuation is computed from those known on the day
        plan += [("financial_statements_job", q) for q in quarters]
        plan += [("daily_datasets", d) for d in days]
        say(f"window {days[0]}..{days[-1]} ({len(days)} trading days), calendar {years}, statements {quarters}")
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        passed = failed = 0
        failures = []
        for i, (job_name, key) in enumerate(plan, 1):
            t0 = time.monotonic()
            # Created with the code location's origin, so the UI lists it under its job too.
            result = runner.execute(job_name, partition_key=key, run_config=quiet)
            evals = result.get_asset_check_evaluations()
            ok = sum(e.passed for e in evals)
            passed, failed = passed + ok, failed + len(evals) - ok
            failures += [f"{job_name}[{key}] {e.asset_check_key.to_user_string()}" for e in evals if not e.passed]
            status = "ok" if result.success else "FAILED"
            say(f"[{i}/{len(plan)}] {job_name} {key}: {status}, {ok}/{len(evals)} checks passed, "
                f"{time.monotonic() - t0:.1f}s (run {result.run_id[:8]})")
            if not result.success:
                failures.append(f"{job_name}[{key}] run failed")
        summary(s)
        say(f"asset checks: {passed} passed, {failed} failed")
        for f in failures:
            say(f"  problem: {f}")
        say("open the Dagster UI on the same database with:  scripts/run ui   (then http://127.0.0.1:3000)")
        return 1 if failures else 0


def summary(s: settings.Settings) -> None:
    """Documents per collection in the database the assets wrote (TAORUI_MONGO_DB)."""
    from pymongo import MongoClient

    with MongoClient(s.mongo_uri, serverSelectionTimeoutMS=PING_TIMEOUT_MS) as client:
        db = client[s.mongo_db]
        say(f"documents per collection in database {s.mongo_db}:")
        for name in collections():
            print(f"    {name:<22}{db[name].count_documents({}):>10,}")


def _fail_interrupted_runs(instance) -> None:
    from taorui_assets.cli_backfill import cancel_orphaned_backfills
    from taorui_assets.cli_runs import fail_interrupted_runs

    for run_id in fail_interrupted_runs(instance):
        say(f"run {run_id[:8]} was interrupted (its scripts/run was killed): marked failed")
    cancel_orphaned_backfills(instance)


def _dev_child() -> None:
    """In the child before exec: SIGINT back to its default. A parent script that ignores SIGINT
    (``trap '' INT``, a background job) passes the ignore on, and ``dagster dev`` maps SIGTERM to
    its SIGINT handler: both would then be ignored and stopping would orphan its processes."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stop_process_group(proc: subprocess.Popen, grace: float = 30.0) -> None:
    """Stops ``dg dev`` the way Ctrl-C does (it shuts its webserver, daemon and code servers down),
    then kills whatever of its process group is left, so nothing keeps serving the port."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the group is dg dev's own (start_new_session)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def ui(args) -> int:
    args.settings.require_source()
    with database(args.settings) as s:
        import dagster as dg

        with dg.DagsterInstance.from_config(s.dagster_home) as instance:
            _fail_interrupted_runs(instance)  # so the UI does not show a killed scripts/run's runs as running
        # `dg dev` (dagster-dg-cli): the webserver and the daemon (schedules, sensors, backfills,
        # run queue, run monitoring) on the project's code location, as pyproject's [tool.dg] names it.
        cmd = [str(Path(sys.executable).with_name("dg")), "dev", "--host", args.host, "--port", str(args.port)]
        say(f"Dagster UI at http://{args.host}:{args.port} with the daemon (Ctrl-C to stop)")
        # Its own session: a Ctrl-C reaches only this process, which then stops the whole group.
        # The child sees this command's settings (the embedded server's URI) in its environment.
        proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, preexec_fn=_dev_child,
                                env=s.child_environ())
        try:
            return proc.wait()
        except (KeyboardInterrupt, SystemExit):
            say("stopping the Dagster UI, daemon and code server")
            stop_process_group(proc)
            return 0
        finally:
            stop_process_group(proc, grace=0)  # dg dev gone by itself: clear what it left


def capture(args) -> int:
    """The tick capture beside Dagster (lib/realtime): runs until SIGTERM/SIGINT."""
    import logging

    from taorui_assets.lib.realtime.cli import run_capture

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with database(args.settings) as s:  # no source needed: the feed is the capture's own
        return run_capture(args, s)


def backfill(args) -> int:
    """Every daily dataset over [start, end] as one Dagster backfill (cli_backfill.py)."""
    args.settings.require_source()
    with database(args.settings) as s:
        import dagster as dg

        from taorui_assets.cli_backfill import run_backfill
        from taorui_assets.settings import child_environment

        with dg.DagsterInstance.from_config(s.dagster_home) as instance:
            _fail_interrupted_runs(instance)
            # The code server it starts, and the runs that server launches, see this command's settings.
            with child_environment(s.child_environ()):
                _, ok = run_backfill(instance, ROOT / "workspace.yaml", args.start, args.end, redo=args.redo)
        summary(s)
        if not ok:
            say("the backfill did not complete: see the failed runs in the UI (scripts/run ui); "
                "re-running the same command redoes only the days not yet complete")
        return 0 if ok else 1


def datasets(args) -> int:
    """The dataset registry (lib/datasets.py) as a table; no database needed."""
    from taorui_assets.lib.datasets import SCHEDULES, SPECS

    rows = [("dataset", "collection", "partitions", "natural key", "group", "schedule")]
    for s in SPECS:
        when = SCHEDULES[s.schedule].by or "by hand"
        name = s.name + (f" ({', '.join(s.periods)})" if s.periods else "")
        rows.append((name, s.collection, s.partitions, ", ".join(s.key), s.group, f"{s.schedule}: {when}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    return 0


def _exit_on_sigterm(signum, frame):
    # SIGTERM/SIGHUP would otherwise skip the finally blocks that stop the embedded server.
    raise SystemExit(128 + signum)


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """One line naming the mistake (argparse would add a usage block)."""
        self.exit(2, f"{self.prog}: {message}; see {self.prog} --help\n")


def positive_days(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of trading days ≥ 1, like --days 10")
    return n


def parser() -> Parser:
    p = Parser(prog="scripts/run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd")
    r = sub.add_parser("run", help="materialize every dataset for a recent window (default)")
    r.add_argument("--days", type=positive_days, default=None,
                   help="trading days in the window (default: TAORUI_DAYS, 5)")
    r.add_argument("--end", help="last trading day of the window (default: the last complete partition)")
    r.add_argument("--stocks", type=int, help="securities of the simulated market (TAORUI_SIM_STOCKS; default 300, "
                   "the full A-share market is 5000)")
    u = sub.add_parser("ui", help="start the Dagster UI and daemon (dg dev) against the same database")
    u.add_argument("--host", default="127.0.0.1")
    u.add_argument("--port", type=int, default=3000)
    sub.add_parser("datasets", help="list the registered datasets (lib/datasets.py)")
    from taorui_assets.lib.realtime.cli import add_capture_arguments

    add_capture_arguments(sub.add_parser("capture", help="capture QMT's tick push into MongoDB (runs until stopped)"))
    b = sub.add_parser("backfill", help="every daily dataset over a range of days, as a Dagster backfill")
    b.add_argument("--start", required=True, help="first day, YYYY-MM-DD")
    b.add_argument("--end", required=True, help="last day, YYYY-MM-DD")
    b.add_argument("--redo", action="store_true", help="also the days every daily asset already materialized")
    return p


COMMANDS = {"run": run, "ui": ui, "datasets": datasets, "capture": capture, "backfill": backfill}


def with_default_command(p: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``scripts/run --days 10`` means ``scripts/run run --days 10``: no command is ``run``."""
    commands = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).choices
    if argv and (argv[0] in commands or argv[0] in ("-h", "--help")):
        return argv
    return ["run", *argv]


def main(argv=None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    signal.signal(signal.SIGHUP, _exit_on_sigterm)
    p = parser()
    args = p.parse_args(with_default_command(p, list(sys.argv[1:] if argv is None else argv)))
    try:
        args.settings = settings.load()  # every setting, checked before anything starts
        if args.cmd == "run" and args.days is None:
            args.days = args.settings.days
        if args.cmd == "run":
            args.settings = sim_stocks(args.settings, args.stocks)
        return COMMANDS[args.cmd](args)
    except (settings.ConfigError, EmbeddedServerError) as exc:
        if settings.debug_enabled():
            raise
        # A user's mistake: one line naming the setting and the fix, no traceback.
        print(f"[taorui] error: {exc}", file=sys.stderr, flush=True)
        return 2
    except KeyboardInterrupt:  # the embedded server was stopped on the way out
        print("[taorui] interrupted", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
