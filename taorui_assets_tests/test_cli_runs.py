"""``scripts/run``'s runs in the run history (issue 10).

- Fault 7: a ``python -m taorui_assets.cli run`` killed with SIGKILL mid-run used to leave its
  run STARTED forever; the next CLI start marks it failed, with the reason.
- Part 8: its runs are listed under their jobs (the job page and the Overview timeline), which
  is checked through the webserver's GraphQL API over the code location in ``workspace.yaml``.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget
from dagster_graphql.test.utils import execute_dagster_graphql
from pymongo import MongoClient

from taorui_assets_tests.harness import TEST_AS_OF

ROOT = Path(__file__).resolve().parent.parent


def cli(home: Path, uri: str, db: str) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str(home), "TAORUI_MONGO_URI": uri, "TAORUI_MONGO_DB": db,
           "TAORUI_SOURCE": "sim", "TAORUI_AS_OF": TEST_AS_OF, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "taorui_assets.cli", "run", "--days", "1"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="module")
def history(tmp_path_factory, mongo_server_uri):
    """A CLI run killed with SIGKILL during ``daily_datasets``, then a complete CLI run."""
    home = tmp_path_factory.mktemp("dagster_home")
    db = "t_cli_runs"
    first = cli(home, mongo_server_uri, db)
    instance = dg.DagsterInstance.from_config(str(home))
    deadline = time.monotonic() + 180
    killed = None
    while killed is None:
        assert first.poll() is None and time.monotonic() < deadline, "the first run ended before it could be killed"
        started = instance.get_runs(dg.RunsFilter(job_name="daily_datasets", statuses=[dg.DagsterRunStatus.STARTED]))
        if started:
            killed = started[0].run_id
            first.send_signal(signal.SIGKILL)
        time.sleep(0.2)
    first.wait()
    assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.STARTED  # what used to stay forever

    second = cli(home, mongo_server_uri, db)
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out
    yield instance, killed, out
    instance.dispose()
    with MongoClient(mongo_server_uri) as c:
        c.drop_database(db)


def test_run_killed_with_sigkill_ends_failed_with_the_reason(history):
    instance, killed, out = history
    assert f"run {killed[:8]} was interrupted" in out
    assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
    failure = [e for e in instance.all_logs(killed) if e.dagster_event and e.dagster_event.is_run_failure]
    assert len(failure) == 1 and "Interrupted: the scripts/run process" in failure[0].dagster_event.message
    # The progress lines and the summary are still printed.
    # calendar, 8 statement quarters (the valuation's TTM reaches a year back), then the day
    assert "[10/10] daily_datasets" in out and "asset checks:" in out and "documents per collection" in out


JOB_RUNS = """
query ($job: String!) {
  pipelineOrError(params: {pipelineName: $job, repositoryName: "__repository__",
                           repositoryLocationName: "taorui_assets"}) {
    __typename
    ... on Pipeline { runs { runId status } }
  }
}"""

TIMELINE = """
query { runsOrError { ... on Runs { results { runId pipelineName
  repositoryOrigin { repositoryLocationName repositoryName } } } } }"""


def test_cli_runs_are_listed_under_their_jobs(history):
    instance, killed, _ = history
    with WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=[str(ROOT / "workspace.yaml")])) as process:
        context = process.create_request_context()
        for job, n in [("trading_calendar_job", 2), ("daily_datasets", 2), ("financial_statements_job", 16)]:
            answer = execute_dagster_graphql(context, JOB_RUNS, {"job": job}).data["pipelineOrError"]
            assert answer["__typename"] == "Pipeline"
            assert len(answer["runs"]) == n, (job, answer)  # the job page's run list
        runs = execute_dagster_graphql(context, TIMELINE).data["runsOrError"]["results"]
    # The Overview timeline places a run by its repository origin.
    assert {(r["repositoryOrigin"] or {}).get("repositoryLocationName") for r in runs} == {"taorui_assets"}
    assert killed in {r["runId"] for r in runs if r["pipelineName"] == "daily_datasets"}
