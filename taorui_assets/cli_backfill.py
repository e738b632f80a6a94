"""``scripts/run backfill --start D1 --end D2``: history through Dagster's own backfill machinery.

It creates the same backfill the UI creates ("Materialize" a range of partitions of the daily
assets): an asset backfill (``PartitionBackfill``) in the instance, visible in the UI's
Backfills page. The backfill policy of the daily assets (taorui_assets/ranges.py) makes Dagster
put up to 20 trading days of every daily asset into one run. Then:

- **a daemon is running** (``scripts/run ui`` runs one): the daemon executes the backfill, as it
  does for a backfill launched from the UI; this command only reports progress;
- **otherwise** this process does the daemon's work for this backfill: it runs the backfill
  daemon's iteration (``execute_backfill_iteration``) and, when the instance queues runs, the
  run queue's (``QueuedRunCoordinatorDaemon``), every few seconds. Runs are launched by the
  instance's run launcher through the code location's server, exactly as the daemon launches them.

Progress: one line whenever the count of materialized asset-days or of runs changes.

Resuming: every trading day of every daily asset is its own replaceable partition, so re-running
the same command after a crash redoes nothing twice and loses nothing. By default it skips the
days that every daily asset has already materialized (``--redo`` takes them all again). The
interrupted backfill of a killed ``scripts/run backfill`` is marked canceled, and its runs
failed, by the next ``scripts/run``.
"""
from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path

# Added to the CLI's instance (DAGSTER_HOME=.taorui/dagster) when scripts/run writes it: the
# same run queue and source pool as the production instance (deploy/dagster.yaml), sized for
# one 2-core machine: one backfill run at a time (its steps use both cores), one more run for
# schedules; the fetching steps share the `market_source` pool's 3 slots (JQData's
# 3 connections per account).
INSTANCE_DEFAULTS = """\
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 2
concurrency:
  runs:
    max_concurrent_runs: 2
    tag_concurrency_limits:
      - key: dagster/backfill
        limit: 1
  pools:
    granularity: op
    default_limit: 3
"""

POLL_SECONDS = 2.0
# The runs' console output would drown the progress lines; their full logs are in the UI.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
# A daemon whose backfill heartbeat is younger than this is running (scripts/run ui).
DAEMON_FRESH_SECONDS = 90
BACKFILL_TAG = "dagster/backfill"


def say(msg: str) -> None:
    print(f"[taorui backfill] {msg}", flush=True)


def trading_days_between(start: str, end: str) -> list[str]:
    from taorui_assets.partitions import trading_days

    keys = trading_days.get_partition_keys()
    days = [k for k in keys if start <= k <= end]
    if not days:
        raise SystemExit(f"no trading day between {start} and {end} (history starts {keys[0]})")
    return days


def daily_asset_keys(asset_graph) -> list:
    """Every trading-day asset that backfills ranges of days (ranges.BACKFILL_POLICY): the datasets
    and their reconciliation, with their checks. Not the sealed ``ticks`` of the capture: history
    has no journal to seal."""
    from taorui_assets.dataset_asset import PARTITIONS_TAG
    from taorui_assets.lib.datasets import TRADING_DAY

    return sorted((k for k in asset_graph.get_all_asset_keys()
                   if asset_graph.get(k).tags.get(PARTITIONS_TAG) == TRADING_DAY
                   and asset_graph.get(k).backfill_policy is not None),
                  key=lambda k: k.to_user_string())


def complete_days(instance, keys, days: list[str]) -> set[str]:
    """The days every one of ``keys`` has materialized."""
    done = set(days)
    for key in keys:
        done &= instance.get_materialized_partitions(key)
    return done


def daemon_running(instance) -> bool:
    beats = instance.get_daemon_heartbeats()
    beat = beats.get("BACKFILL")
    return beat is not None and time.time() - beat.timestamp < DAEMON_FRESH_SECONDS


def cancel_orphaned_backfills(instance) -> None:
    """Backfills of a killed ``scripts/run backfill`` would stay REQUESTED for ever."""
    from dagster._core.execution.backfill import BulkActionsFilter, BulkActionStatus

    from taorui_assets.cli_runs import LAUNCHED_BY_TAG, PROCESS_TAG, process_id

    for bf in instance.get_backfills(filters=BulkActionsFilter(statuses=[BulkActionStatus.REQUESTED])):
        if bf.tags.get(LAUNCHED_BY_TAG) != "scripts/run":
            continue
        host, _, rest = bf.tags.get(PROCESS_TAG, "").partition(":")
        pid, _, _ = rest.partition(":")
        if pid.isdigit() and process_id(int(pid)) != bf.tags[PROCESS_TAG]:
            instance.update_backfill(bf.with_status(BulkActionStatus.CANCELED))
            say(f"backfill {bf.backfill_id} was interrupted (its scripts/run backfill was killed): canceled")


def run_backfill(instance, workspace_file: Path, start: str, end: str, redo: bool = False,
                 poll_seconds: float = POLL_SECONDS, log=say) -> tuple[str, bool]:
    """Creates the backfill of every daily asset over [start, end] and sees it to its end.
    Returns (backfill id or "", success)."""
    from dagster._core.execution.backfill import PartitionBackfill
    from dagster._core.workspace.context import WorkspaceProcessContext
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    from taorui_assets.cli_runs import LAUNCHED_BY_TAG, PROCESS_TAG, process_id

    days = trading_days_between(start, end)
    with WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=[str(workspace_file)])) as ctx:
        request = ctx.create_request_context()
        errors = request.code_location_errors()
        if errors:  # e.g. a configuration mistake: the loader's own one-line message
            raise SystemExit(f"the code location taorui_assets does not load: {errors[0].message.strip()}")
        graph = request.asset_graph
        keys = daily_asset_keys(graph)
        if not keys:
            raise SystemExit("the code location taorui_assets has no trading-day assets")
        todo = days
        if not redo:
            done = complete_days(instance, keys, days)
            todo = [d for d in days if d not in done]
            if done:
                log(f"{len(done)} of {len(days)} trading days are already materialized by every daily asset: "
                    "skipped (--redo takes them again)")
        if not todo:
            log("nothing to do")
            return "", True
        backfill_id = uuid.uuid4().hex[:8]
        external = daemon_running(instance)
        # Runs this process executes die with it: tagged so, the next scripts/run marks them failed
        # (cli_runs.fail_interrupted_runs). A running daemon's runs are the daemon's business.
        tags = {} if external else {LAUNCHED_BY_TAG: "scripts/run", PROCESS_TAG: process_id(os.getpid())}
        backfill = PartitionBackfill.from_asset_partitions(
            backfill_id=backfill_id, asset_graph=graph, partition_names=todo, asset_selection=keys,
            backfill_timestamp=time.time(), tags=tags, dynamic_partitions_store=instance, all_partitions=False,
            title=f"scripts/run backfill {todo[0]}..{todo[-1]}",
            description=f"{len(todo)} trading days of {len(keys)} daily assets", run_config=QUIET,
        )
        instance.add_backfill(backfill)
        log(f"backfill {backfill_id}: {len(todo)} trading days {todo[0]}..{todo[-1]} of {len(keys)} daily assets "
            f"({len(todo) * len(keys)} asset-days); see it in the UI under Backfills")
        return backfill_id, _see_through(instance, ctx, backfill_id, external, poll_seconds, log)


def _see_through(instance, ctx, backfill_id: str, external: bool, poll_seconds: float, log) -> bool:
    import dagster as dg
    from dagster._core.execution.backfill import BulkActionStatus
    from dagster._daemon.backfill import execute_backfill_iteration
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

    quiet = logging.getLogger("taorui.backfill")
    quiet.setLevel(logging.WARNING)
    if external:
        log("a Dagster daemon is running (scripts/run ui?): it executes the backfill; reporting progress")
    queue = None
    if not external and isinstance(instance.run_coordinator, QueuedRunCoordinator):
        queue = QueuedRunCoordinatorDaemon(interval_seconds=poll_seconds)
    t0, last, seen = time.monotonic(), None, {}
    terminal = {BulkActionStatus.COMPLETED_SUCCESS, BulkActionStatus.COMPLETED_FAILED, BulkActionStatus.COMPLETED,
                BulkActionStatus.FAILED, BulkActionStatus.CANCELED}
    try:
        while True:
            if not external:
                for err in execute_backfill_iteration(ctx, quiet):
                    if err is not None:
                        log(f"backfill iteration error: {err.message.strip()[:300]}")
                if queue is not None:
                    for err in queue.run_iteration(ctx):
                        if err is not None and hasattr(err, "message"):
                            log(f"run queue error: {err.message.strip()[:300]}")
            bf = instance.get_backfill(backfill_id)
            data = bf.asset_backfill_data
            runs = instance.get_run_records(dg.RunsFilter(tags={BACKFILL_TAG: backfill_id}))
            by_status: dict[str, int] = {}
            for r in runs:
                by_status[r.dagster_run.status.value] = by_status.get(r.dagster_run.status.value, 0) + 1
            written = _days_written(instance, runs, seen)
            target = data.target_subset.num_partitions_and_non_partitioned_assets
            done = data.materialized_subset.num_partitions_and_non_partitioned_assets
            failed = data.failed_and_downstream_subset.num_partitions_and_non_partitioned_assets
            state = (written, done, failed, tuple(sorted(by_status.items())), bf.status)
            if state != last:
                elapsed = time.monotonic() - t0
                runs_txt = ", ".join(f"{n} {s.lower()}" for s, n in sorted(by_status.items())) or "none yet"
                log(f"{written} dataset-days written and checked; {done}/{target} asset-days materialized, "
                    f"{failed} failed; runs: {runs_txt}; "
                    f"{elapsed:.0f}s")
                last = state
            if bf.status in terminal:
                ok = bf.status in (BulkActionStatus.COMPLETED_SUCCESS, BulkActionStatus.COMPLETED) and not failed
                log(f"backfill {backfill_id} {bf.status.value.lower()} in {time.monotonic() - t0:.0f}s")
                return ok
            time.sleep(poll_seconds)
    except (KeyboardInterrupt, SystemExit):
        if not external:  # the runs this process launched would go on unwatched: stop them
            _stop(instance, backfill_id, log)
        raise
    finally:
        if queue is not None:
            queue.__exit__(None, None, None)


def _days_written(instance, runs, seen: dict) -> int:
    """Days written so far: each day a dataset asset writes passes its ``schema`` check first, and
    that evaluation is logged at once (the materializations of a range come at the end of its step)."""
    from dagster import DagsterEventType

    total = 0
    for r in runs:
        run_id = r.dagster_run.run_id
        if run_id not in seen or not seen[run_id][1]:
            entries = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
            n = sum(1 for e in entries
                    if e.dagster_event.event_specific_data.check_name == "schema"
                    and e.dagster_event.event_specific_data.passed)
            seen[run_id] = (n, r.dagster_run.is_finished)
        total += seen[run_id][0]
    return total


def _stop(instance, backfill_id: str, log) -> None:
    import dagster as dg
    from dagster._core.execution.backfill import BulkActionStatus

    from taorui_assets.cli_runs import UNFINISHED

    instance.update_backfill(instance.get_backfill(backfill_id).with_status(BulkActionStatus.CANCELED))
    for record in instance.get_run_records(dg.RunsFilter(tags={BACKFILL_TAG: backfill_id},
                                                        statuses=[*UNFINISHED, dg.DagsterRunStatus.QUEUED])):
        run = record.dagster_run
        if run.status == dg.DagsterRunStatus.QUEUED or not instance.run_launcher.terminate(run.run_id):
            instance.report_run_canceled(run, message="scripts/run backfill was stopped")
    log(f"stopped: backfill {backfill_id} canceled with its runs; the same command resumes it")
