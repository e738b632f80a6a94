"""The production Dagster instance under test: deploy/dagster.yaml on a real PostgreSQL, with a
real ``dagster-daemon run`` process on the project's workspace.yaml."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_INSTANCE = ROOT / "deploy" / "dagster.yaml"
WORKSPACE = ROOT / "workspace.yaml"


def render_instance(home: Path) -> Path:
    """deploy/dagster.yaml as it stands, with only the polling intervals shortened for a test."""
    cfg = yaml.safe_load(DEPLOY_INSTANCE.read_text())
    cfg["run_coordinator"]["config"].update(dequeue_interval_seconds=1, user_code_failure_retry_delay=2)
    cfg["run_monitoring"]["poll_interval_seconds"] = 2
    home.mkdir(parents=True, exist_ok=True)
    out = home / "dagster.yaml"
    out.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return out


def bin_path(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    return str(exe) if exe.exists() else name


def wait_for(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


class Daemon:
    """``dagster-daemon run`` in its own process group (its code server and run workers too)."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log = env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Daemon":
        self.proc = subprocess.Popen(
            [bin_path("dagster-daemon"), "run", "-w", str(WORKSPACE)], cwd=ROOT, env=self.env,
            stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def stop(self) -> None:
        if not self.proc:
            return
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # run workers left behind by a killed code server
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc = None

    def log_tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""
