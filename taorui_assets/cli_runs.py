"""The runs ``scripts/run`` executes in its own process, recorded as the UI records its own.

- **Under their jobs.** A run made by ``job.execute_in_process`` has no code-location origin, so
  the UI lists it under Runs only: the job pages and the Overview timeline filter runs by
  repository (the ``.dagster/repository`` tag, set from the run's origin). Here each run is
  created with the origin of the code location in ``workspace.yaml`` — as a launch from the UI
  would be — and then executed in this process with the in-process executor, so no code server
  or subprocess per step is started.
- **Interrupted runs end failed.** A run executing in a process killed with ``kill -9`` (or by
  the OOM killer) cannot report its end and would stay STARTED forever; there is no daemon, so
  no run monitoring, for these runs. Each run is tagged with the process executing it, and the
  next ``scripts/run`` (or ``scripts/run ui``) marks the runs of processes that are gone as
  failed, with the reason.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg
from dagster._core.definitions.reconstruct import ReconstructableRepository
from dagster._core.events import JobFailureData, RunFailureReason
from dagster._core.execution.api import execute_run
from dagster._core.remote_origin import RemoteJobOrigin, RemoteRepositoryOrigin
from dagster._core.workspace.load_target import WorkspaceFileTarget

LAUNCHED_BY_TAG = "taorui/launched_by"  # "scripts/run"
PROCESS_TAG = "taorui/process"  # "host:pid:start" of the process executing the run
# The name Dagster gives the repository of a code location built from one ``Definitions``.
REPOSITORY_NAME = "__repository__"
IN_PROCESS = {"execution": {"config": {"in_process": {}}}}
UNFINISHED = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
              dg.DagsterRunStatus.CANCELING]


class LocalRunner:
    """Executes jobs of the code location named in ``workspace_file`` in this process."""

    def __init__(self, instance: dg.DagsterInstance, workspace_file: Path, location_name: str = "taorui_assets",
                 defs_attribute: str = "defs"):
        origins = {o.location_name: o for o in WorkspaceFileTarget(paths=[str(workspace_file)]).create_origins()}
        if location_name not in origins:
            raise ValueError(f"{workspace_file} has no code location named {location_name!r}")
        self.location = origins[location_name]
        target = self.location.loadable_target_origin
        self.repository = ReconstructableRepository.for_module(
            target.module_name, target.attribute or defs_attribute,
            working_directory=str(workspace_file.parent.joinpath(target.working_directory or ".").resolve()))
        self.instance = instance

    def job_def(self, job_name: str) -> dg.JobDefinition:
        return self.repository.get_reconstructable_job(job_name).get_definition()

    def execute(self, job_name: str, partition_key: str | None = None, run_config: dict | None = None,
                tags: dict | None = None):
        """Creates the run with the location's origin and executes it here; returns the result
        (``success``, ``run_id``, ``get_asset_check_evaluations()``), failed runs included."""
        recon_job = self.repository.get_reconstructable_job(job_name)
        job_def = recon_job.get_definition()
        run_tags = {LAUNCHED_BY_TAG: "scripts/run", PROCESS_TAG: process_id(os.getpid()), **(tags or {})}
        if partition_key is not None:
            run_tags.update(job_def.get_tags_for_partition_key(partition_key, selected_asset_keys=None))
        run = self.instance.create_run_for_job(
            job_def,
            run_config={**(run_config or {}), **IN_PROCESS},
            tags=run_tags,
            remote_job_origin=RemoteJobOrigin(RemoteRepositoryOrigin(self.location, REPOSITORY_NAME), job_name),
            job_code_origin=recon_job.get_python_origin(),
        )
        return execute_run(recon_job, run, self.instance)


def fail_interrupted_runs(instance: dg.DagsterInstance) -> list[str]:
    """Marks failed the unfinished runs of ``scripts/run`` processes on this host that are gone.
    Returns their run ids. Runs of a live process (another ``scripts/run``) are left alone."""
    host = socket.gethostname()
    failed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=UNFINISHED, tags={LAUNCHED_BY_TAG: "scripts/run"})):
        run = record.dagster_run
        run_host, _, rest = run.tags.get(PROCESS_TAG, "").partition(":")
        pid, _, start = rest.partition(":")
        if run_host != host or not pid.isdigit() or process_id(int(pid)) == f"{host}:{pid}:{start}":
            continue
        instance.report_run_failed(
            run,
            f"Interrupted: the scripts/run process (pid {pid}) executing this run ended before the run did "
            "(killed, e.g. by kill -9 or the OOM killer). Marked failed by the next scripts/run. "
            "Some of the run's assets may not be written: re-run the partition.",
            JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION),
        )
        failed.append(run.run_id)
    return failed


def process_id(pid: int) -> str:
    """``host:pid:start`` of a live process ("" when gone); the start time tells a reused pid apart."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return ""
    except PermissionError:
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            return ""
        start = fields[19]  # starttime, in clock ticks since boot
    except (OSError, IndexError):
        start = ""  # no /proc (macOS): the pid alone
    return f"{socket.gethostname()}:{pid}:{start}"
