"""Fault 4 (issue 10): a killed owner's SecantusDB child no longer blocks the next start, and a
server that exits at start says why in the error, not only in its log."""
import json
import signal
import subprocess
import sys
import time

import pytest
from pymongo import MongoClient

from taorui_assets.lib.storage.embedded import EmbeddedMongo, EmbeddedServerError, _alive, _executable


def _owner(data_dir) -> tuple[subprocess.Popen, str]:
    """A separate process holding an embedded server, as ``scripts/run`` does; prints the URI."""
    proc = subprocess.Popen([sys.executable, "-m", "taorui_assets.lib.storage.embedded", str(data_dir)],
                            stdout=subprocess.PIPE, text=True)
    uri = proc.stdout.readline().strip()
    assert uri.startswith("mongodb://"), uri
    return proc, uri


def test_server_orphaned_by_a_killed_owner_is_stopped_and_the_next_start_works(tmp_path):
    data = tmp_path / "mongo"
    owner, uri = _owner(data)
    with MongoClient(uri) as c:
        c.db.kept.insert_one({"_id": 1})
    orphan_pid = json.loads(EmbeddedMongo(data).pid_file.read_text())["server_pid"]
    owner.send_signal(signal.SIGKILL)  # like `kill -9` on scripts/run: no finally block runs
    owner.wait()
    assert _alive(orphan_pid), "the server should outlive its killed owner (that is the fault)"

    with EmbeddedMongo(data) as server:
        assert not _alive(orphan_pid)
        with MongoClient(server.uri) as c:
            assert c.db.kept.find_one({"_id": 1}) == {"_id": 1}  # the data survived the orphan's stop
        assert server.pid_file.exists()
    assert not server.pid_file.exists()


def test_server_of_a_live_owner_is_left_alone(tmp_path):
    data = tmp_path / "mongo"
    owner, uri = _owner(data)
    try:
        with pytest.raises(EmbeddedServerError, match=rf"another running process \(pid {owner.pid}\)"):
            EmbeddedMongo(data).start()
        with MongoClient(uri, serverSelectionTimeoutMS=2000) as c:
            c.admin.command("ping")
    finally:
        owner.send_signal(signal.SIGINT)
        owner.wait(timeout=30)


def test_exit_at_start_reports_the_logs_cause(tmp_path):
    data = tmp_path / "mongo"
    data.mkdir()
    # A server on the directory that no pid file names (started by hand, or by an older version).
    other = EmbeddedMongo(tmp_path / "other")
    foreign = subprocess.Popen([_executable(), "--host", "127.0.0.1", "--port", str(other.port),
                                "--storage-path", str(data)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (data / "WiredTiger.lock").exists() or not _pings(other.uri):
            assert time.monotonic() < deadline and foreign.poll() is None
            time.sleep(0.2)
        with pytest.raises(EmbeddedServerError, match="already being managed by another process") as err:
            EmbeddedMongo(data).start()
        assert "log:" in str(err.value)
    finally:
        foreign.terminate()
        foreign.wait(timeout=30)


def _pings(uri: str) -> bool:
    try:
        with MongoClient(uri, serverSelectionTimeoutMS=300) as c:
            c.admin.command("ping")
        return True
    except Exception:
        return False


def test_log_cause_of_a_python_error(tmp_path):
    from taorui_assets.lib.storage.embedded import log_cause

    log = tmp_path / "m.log"
    log.write_text("old run: [ERROR]: stale\n")
    offset = log.stat().st_size
    with open(log, "a") as f:
        f.write("Traceback (most recent call last):\n  File x\nOSError: [Errno 98] Address already in use\n")
    assert log_cause(log, offset) == "OSError: [Errno 98] Address already in use"


def test_second_server_on_a_directory_in_use_by_this_process_is_refused(tmp_path):
    with EmbeddedMongo(tmp_path / "mongo") as first:
        with pytest.raises(EmbeddedServerError, match="in use by the embedded server .* of this process"):
            EmbeddedMongo(tmp_path / "mongo").start()
        assert _pings(first.uri)
