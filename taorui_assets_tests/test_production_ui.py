"""``scripts/run ui`` starts the webserver and the daemon (``dg dev``), and stopping it stops every
process it started, even when its parent script ignores SIGINT and sends SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import psutil

from taorui_assets.lib.storage.embedded import free_port
from taorui_assets_tests.production import ROOT, wait_for


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _roles(procs: list[psutil.Process]) -> set[str]:
    roles = set()
    for p in procs:
        try:
            cmd = " ".join(p.cmdline())
        except psutil.Error:
            continue
        if "dagster-webserver" in cmd or "dagster_webserver" in cmd:
            roles.add("webserver")
        if "dagster-daemon" in cmd or "dagster._daemon" in cmd:
            roles.add("daemon")
        if "api grpc" in cmd or "code-server start" in cmd:
            roles.add("code server")
    return roles


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_ui_runs_webserver_and_daemon_and_sigterm_stops_them_all(mongo_server_uri, tmp_path):
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster"), "TAORUI_MONGO_URI": mongo_server_uri,
           "TAORUI_SOURCE": "sim"}
    # The parent script ignores SIGINT (as `trap '' INT` or a background job does) and execs the UI.
    script = 'trap "" INT; exec "$0" -m taorui_assets.cli ui --port "$1"'
    ui = subprocess.Popen(["bash", "-c", script, sys.executable, str(port)], cwd=ROOT, env=env,
                          stdout=open(tmp_path / "ui.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
    started: list[psutil.Process] = []
    try:
        def up():
            if ui.poll() is not None:
                raise AssertionError(f"scripts/run ui exited: {(tmp_path / 'ui.log').read_text()[-3000:]}")
            procs = _descendants(ui.pid)
            return procs if _answers(port) and {"webserver", "daemon", "code server"} <= _roles(procs) else None

        started = wait_for(up, 240, "the webserver, daemon and code server", interval=1)
        os.kill(ui.pid, signal.SIGTERM)
        assert ui.wait(timeout=90) is not None
        time.sleep(1)
        left = [p for p in started if _alive(p)]
        assert not left, [" ".join(p.cmdline()) for p in left]
        assert not _answers(port)
        assert "stopping the Dagster UI, daemon and code server" in (tmp_path / "ui.log").read_text()
    finally:
        for p in [psutil.Process(ui.pid)] + started if ui.poll() is None else started:
            if _alive(p):
                p.kill()
