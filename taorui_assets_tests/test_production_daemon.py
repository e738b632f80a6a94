"""The production Dagster instance (deploy/dagster.yaml) on a real PostgreSQL, driven by a real
``dagster-daemon run`` on the project's code location, writing to the embedded SecantusDB:

- a schedule tick launches a run that succeeds;
- a backfill of several partitions goes through the queue within its tag concurrency limit;
- a run worker killed with ``kill -9`` ends its run failed, and run retries re-run it to success;
- the sensors tick;
- ``dagster definitions validate`` passes against the production dagster.yaml.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import time
import uuid
from zoneinfo import ZoneInfo

import dagster as dg
import psycopg2
import pytest
from dagster._cli.job import _create_run
from dagster._core.execution.backfill import BulkActionStatus, PartitionBackfill
from dagster._core.scheduler.instigation import ScheduleInstigatorData, TickStatus
from dagster._core.storage.tags import BACKFILL_ID_TAG, PARENT_RUN_ID_TAG, PARTITION_NAME_TAG
from dagster._core.utils import make_new_backfill_id
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster._time import get_current_timestamp

from taorui_assets.lib import calendar
from taorui_assets_tests.postgres import EmbeddedPostgres
from taorui_assets_tests.production import ROOT, WORKSPACE, Daemon, bin_path, render_instance, wait_for

LOCATION, REPOSITORY = "taorui_assets", "__repository__"
SCHEDULE = "reference_daily_schedule"  # instruments and sector membership, 08:45 on weekdays
BACKFILL_JOB, BACKFILL_YEARS = "trading_calendar_job", ["2023", "2024", "2025"]
PER_BACKFILL_LIMIT = 2  # deploy/dagster.yaml: dagster/backfill, applyLimitPerUniqueValue


@pytest.fixture(scope="module")
def pg():
    with EmbeddedPostgres() as server:
        yield server


@pytest.fixture(scope="module")
def production(pg, mongo_server_uri, tmp_path_factory):
    """(instance, repository, daemon): the daemon runs until the module's tests are done."""
    home = tmp_path_factory.mktemp("dagster_home")
    render_instance(home)
    env = {**pg.env, "DAGSTER_HOME": str(home), "TAORUI_MONGO_URI": mongo_server_uri, "TAORUI_SOURCE": "sim",
           "TAORUI_MONGO_DB": f"t_prod_{uuid.uuid4().hex[:8]}", "TAORUI_SIM_STOCKS": "20"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        mp.delenv("TAORUI_AS_OF", raising=False)  # the daemon runs on the wall clock, like production
        instance = dg.DagsterInstance.from_config(str(home))
        daemon = Daemon({**os.environ}, home / "daemon.log")
        try:
            with WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=[str(WORKSPACE)])) as ctx:
                workspace = ctx.create_request_context()
                location = workspace.get_code_location(LOCATION)
                repo = location.get_repository(REPOSITORY)
                _start_automation(instance, repo)
                daemon.start()
                yield instance, workspace, location, repo, daemon
        finally:
            daemon.stop()
            instance.dispose()


def _start_automation(instance, repo) -> None:
    """Starts the daily schedule as if a week ago, so the daemon's first iteration catches up on
    its latest tick (a schedule without a partition set catches up one tick), and every sensor."""
    schedule = repo.get_schedule(SCHEDULE)
    state = instance.start_schedule(schedule)
    week_ago = get_current_timestamp() - 8 * 86400
    instance.update_instigator_state(state.with_data(ScheduleInstigatorData(schedule.cron_schedule, week_ago)))
    for sensor in repo.get_sensors():
        instance.start_sensor(sensor)


def _run(instance, run_id):
    return instance.get_run_by_id(run_id)


def _finished(instance, run_id):
    run = _run(instance, run_id)
    return run if run and run.is_finished else None


def test_schedule_tick_launches_a_run_that_succeeds(production):
    instance, _, _, repo, daemon = production
    schedule = repo.get_schedule(SCHEDULE)

    def tick():
        ticks = instance.get_ticks(schedule.get_remote_origin_id(), schedule.selector_id)
        return next((t for t in ticks if t.status in (TickStatus.SUCCESS, TickStatus.SKIPPED,
                                                        TickStatus.FAILURE)), None)

    t = wait_for(tick, 180, f"a tick of {SCHEDULE}\n{daemon.log_tail()}")
    assert t.status != TickStatus.FAILURE, t.error
    day = dt.datetime.fromtimestamp(t.timestamp, ZoneInfo("Asia/Shanghai")).date()
    if not calendar.is_trading_day(day):  # the latest weekday was a holiday: the tick must say so
        assert t.status == TickStatus.SKIPPED and "not an SSE trading day" in (t.skip_reason or "")
        return
    assert t.status == TickStatus.SUCCESS and len(t.run_ids) == 1
    run = wait_for(lambda: _finished(instance, t.run_ids[0]), 300, f"the scheduled run\n{daemon.log_tail()}")
    assert run.status == dg.DagsterRunStatus.SUCCESS, daemon.log_tail()
    assert run.job_name == "reference_daily" and run.tags[PARTITION_NAME_TAG] == day.isoformat()


def test_sensors_tick(production):
    instance, _, _, repo, daemon = production
    sensors = repo.get_sensors()
    assert {"financial_reports_sensor", "heal_backup_partitions"} <= {s.name for s in sensors}

    def all_ticked():
        latest = {s.name: instance.get_ticks(s.get_remote_origin_id(), s.selector_id, limit=1) for s in sensors}
        return latest if all(latest.values()) else None

    latest = wait_for(all_ticked, 180, f"a tick of every sensor\n{daemon.log_tail()}")
    for name, (tick,) in latest.items():
        assert tick.status in (TickStatus.SUCCESS, TickStatus.SKIPPED), f"{name}: {tick.error}"


def _max_overlap(runs) -> int:
    events = sorted([(r.start_time, 1) for r in runs] + [(r.end_time, -1) for r in runs], key=lambda e: (e[0], e[1]))
    now = peak = 0
    for _, step in events:
        now += step
        peak = max(peak, now)
    return peak


def test_backfill_completes_through_the_queue_within_limits(production):
    instance, _, location, repo, daemon = production
    partition_set = next(p for p in repo.get_partition_sets() if p.job_name == BACKFILL_JOB)
    backfill_id = make_new_backfill_id()
    instance.add_backfill(PartitionBackfill(
        backfill_id=backfill_id, partition_set_origin=partition_set.get_remote_origin(),
        status=BulkActionStatus.REQUESTED, partition_names=BACKFILL_YEARS, from_failure=False,
        reexecution_steps=None, tags={}, backfill_timestamp=get_current_timestamp(),
    ))

    def done():
        b = instance.get_backfill(backfill_id)
        return b if b.status not in (BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING,
                                     BulkActionStatus.FAILING) else None

    backfill = wait_for(done, 420, f"backfill {backfill_id}\n{daemon.log_tail()}", interval=1)
    assert backfill.status == BulkActionStatus.COMPLETED_SUCCESS, (backfill.status, backfill.error)
    records = instance.get_run_records(dg.RunsFilter(tags={BACKFILL_ID_TAG: backfill_id}))
    assert sorted(r.dagster_run.tags[PARTITION_NAME_TAG] for r in records) == BACKFILL_YEARS
    assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
    # Every run waited in the queue, and no more than the limit ran at once.
    for r in records:
        assert instance.all_logs(r.dagster_run.run_id, of_type=dg.DagsterEventType.RUN_ENQUEUED)
    assert _max_overlap(records) <= PER_BACKFILL_LIMIT


def _worker_pid(instance, run_id):
    """The run worker's pid: every event carries its process's pid, and the worker reports RUN_START
    (its steps then still have a process to spawn and the code to load: seconds)."""
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_START):
        return entry.dagster_event.pid
    run = _run(instance, run_id)
    assert not (run and run.is_finished), f"run {run_id} finished ({run.status}) before it started"
    return None


def test_killed_run_worker_fails_the_run_and_the_retry_succeeds(production):
    instance, workspace, location, repo, daemon = production
    remote_job = repo.get_full_job(BACKFILL_JOB)
    run = _create_run(instance=instance, code_location=location, remote_repo=repo, remote_job=remote_job,
                      run_config={}, tags={PARTITION_NAME_TAG: "2021"}, op_selection=None, run_id=None)
    instance.submit_run(run.run_id, workspace)
    pid = wait_for(lambda: _worker_pid(instance, run.run_id), 180,
                   f"the run worker of {run.run_id}\n{daemon.log_tail()}", interval=0.1)
    os.kill(pid, signal.SIGKILL)

    failed = wait_for(lambda: _finished(instance, run.run_id), 120, f"{run.run_id} to end\n{daemon.log_tail()}")
    assert failed.status == dg.DagsterRunStatus.FAILURE
    messages = " ".join(e.message for e in instance.all_logs(run.run_id))
    assert "SIGKILL" in messages or "signal 9" in messages, messages[-2000:]

    def retry():
        runs = instance.get_runs(dg.RunsFilter(tags={PARENT_RUN_ID_TAG: run.run_id}))
        return runs[0] if runs and runs[0].is_finished else None

    retried = wait_for(retry, 300, f"the retry of {run.run_id}\n{daemon.log_tail()}", interval=1)
    assert retried.status == dg.DagsterRunStatus.SUCCESS, daemon.log_tail()
    assert retried.tags.get("dagster/retry_number") == "1" and retried.tags[PARTITION_NAME_TAG] == "2021"


@pytest.mark.parametrize("target", [["-w", str(WORKSPACE)], ["-m", "taorui_assets.k8s"]], ids=["workspace", "k8s"])
def test_definitions_validate_against_the_production_instance(pg, tmp_path, target):
    """``dagster definitions validate`` with DAGSTER_HOME holding deploy/dagster.yaml unchanged: it
    opens the PostgreSQL instance (the tables appear in a fresh database) and loads the location,
    the local one (workspace.yaml) and the Kubernetes one (k8s_job_executor)."""
    db = f"validate_{target[0][1:]}"
    conn = psycopg2.connect(pg.url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{db}"')
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((ROOT / "deploy" / "dagster.yaml").read_text())
    env = {**os.environ, **pg.env, "DAGSTER_PG_DB": db, "DAGSTER_HOME": str(home),
           "TAORUI_MONGO_URI": "mongodb://127.0.0.1:1/?directConnection=true",  # validation does not connect
           "TAORUI_SOURCE": "sim"}  # a real database needs a named source
    out = subprocess.run([bin_path("dagster"), "definitions", "validate", *target], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "Validation successful" in out.stdout + out.stderr
    with psycopg2.connect(pg.url.rsplit("/", 1)[0] + f"/{db}") as c, c.cursor() as cur:
        cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('runs', 'event_logs')")
        assert cur.fetchone()[0] == 2
