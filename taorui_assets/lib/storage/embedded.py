"""The embedded default MongoDB-compatible server for the demo and the tests.

It starts SecantusDB's ``secantusd-py`` as a child process on a free loopback port. Only
this launcher knows about SecantusDB; everything else talks plain pymongo to whatever
``TAORUI_MONGO_URI`` names, so production points it at a real mongod or replica set.

A pid file next to the data directory (``.taorui/mongo.pid``) names the server and the process
that owns it. A ``scripts/run`` killed with ``kill -9`` cannot stop its server (the server runs
in its own session, so that a Ctrl-C reaches only the run, which then stops the server in
order), and WiredTiger then refuses the data directory
to the next server. The next start finds the orphan through the pid file and stops it: nobody
owns it any more, and a clean shutdown keeps the data. A server whose owner is still alive is
left alone and reported. When the server exits at start, the error carries the log's cause.
"""
from __future__ import annotations

import json
import logging
import os
import re
import signal
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import OperationFailure

log = logging.getLogger(__name__)


class EmbeddedServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _executable() -> str:
    exe = Path(sys.executable).with_name("secantusd-py")
    if exe.exists():
        return str(exe)
    found = shutil.which("secantusd-py")
    if not found:
        raise EmbeddedServerError(
            "secantusd-py (SecantusDB) is not installed: install the project's 'embedded' extra, "
            "or set TAORUI_MONGO_URI to a running MongoDB"
        )
    return found


# secantusd-py's own entry point, run with fewer garbage collections: SecantusDB is written in
# Python and allocates a few objects per value it stores or decodes, so the default thresholds
# collect every few hundred documents; measured on this machine, a full-market day's minute
# buckets are written 20-40% faster (and read ~15% faster) with these, small documents a few %.
_SERVER = ("import gc, sys; gc.set_threshold(100000, 50, 100); sys.argv = sys.argv[1:]; "
           "from secantus.cli import main; sys.exit(main())")


class EmbeddedMongo:
    def __init__(self, data_dir: Path, port: int | None = None, log_file: Path | None = None,
                 extra_args: tuple[str, ...] = (), client_options: dict | None = None, cache_size: str = "2G"):
        self.data_dir = Path(data_dir)
        self.cache_size = cache_size  # TAORUI_EMBEDDED_CACHE, read by the caller from settings
        self.extra_args = tuple(extra_args)
        # How to reach it when extra_args turn on TLS (tls=True, tlsCAFile=...).
        self.client_options = dict(client_options or {})
        self.port = port or free_port()
        self.log_file = log_file or self.data_dir.with_suffix(".log")
        self.pid_file = self.data_dir.with_suffix(".pid")
        self.proc: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, timeout: float = 60.0) -> "EmbeddedMongo":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._clear_orphan()
        log_start = self.log_file.stat().st_size if self.log_file.exists() else 0
        log_out = open(self.log_file, "ab")
        _executable()  # says clearly when SecantusDB is not installed
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, "secantusd-py", "--host", "127.0.0.1", "--port", str(self.port),
             "--storage-path", str(self.data_dir), "--log-level", "WARNING",
             "--cache-size", self.cache_size, *self.extra_args],
            stdout=log_out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log_out.close()  # the child holds its own copy
        self.pid_file.write_text(json.dumps({"server_pid": self.proc.pid, "owner_pid": os.getpid(),
                                             "port": self.port, "data_dir": str(self.data_dir.resolve())}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                self._remove_pid_file()
                cause = log_cause(self.log_file, log_start)
                raise EmbeddedServerError(
                    f"secantusd-py exited with {code}" + (f": {cause}" if cause else "") + f" (log: {self.log_file})")
            try:
                with MongoClient(self.uri, serverSelectionTimeoutMS=500, **self.client_options) as c:
                    c.admin.command("ping")
                return self
            except OperationFailure:  # it answered; with --auth even ping wants a user
                return self
            except Exception:
                time.sleep(0.2)
        self.stop()
        raise EmbeddedServerError(f"secantusd-py did not answer on port {self.port} within {timeout:.0f}s; "
                                  f"see {self.log_file}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self._remove_pid_file()
        self.proc = None

    def _remove_pid_file(self) -> None:
        info = _read_pid_file(self.pid_file)
        if info.get("owner_pid") == os.getpid():
            self.pid_file.unlink(missing_ok=True)

    def _clear_orphan(self) -> None:
        """Stops the server a killed owner left on this data directory; refuses a live owner's."""
        info = _read_pid_file(self.pid_file)
        pid = info.get("server_pid")
        if not pid or not _is_server(pid, self.data_dir):
            self.pid_file.unlink(missing_ok=True)  # stale: the server is gone (or the pid reused)
            return
        owner = info.get("owner_pid")
        if owner and _alive(owner):
            whose = "this process" if owner == os.getpid() else f"another running process (pid {owner})"
            raise EmbeddedServerError(
                f"{self.data_dir} is in use by the embedded server (pid {pid}, port {info.get('port')}) of "
                f"{whose}; stop that process first, or use another data directory")
        log.warning("stopping the orphaned embedded server (pid %s) that a killed run left on %s", pid, self.data_dir)
        _terminate(pid)
        self.pid_file.unlink(missing_ok=True)

    def __enter__(self) -> "EmbeddedMongo":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def log_cause(log_file: Path, offset: int = 0) -> str:
    """The reason a server gave for exiting: the last error line it wrote after ``offset``."""
    try:
        with open(log_file, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # WiredTiger: "[...][ERROR]: __conn_single, 1853: WiredTiger database is already being managed ..."
    errors = [re.sub(r"^.*\[ERROR\]:\s*(\w+, \d+:\s*)?", "", ln) for ln in lines if "[ERROR]" in ln]
    if errors:
        return errors[-1][:300]
    # Otherwise the last line of a Python traceback or an argparse error.
    return lines[-1][:300] if lines else ""


def _read_pid_file(path: Path) -> dict:
    try:
        info = json.loads(path.read_text())
        return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie no longer holds anything
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_server(pid: int, data_dir: Path) -> bool:
    """Whether ``pid`` is still a SecantusDB server on ``data_dir`` (not a reused pid)."""
    if not _alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc (macOS): trust the pid file
    args = [a.decode("utf-8", "replace") for a in cmdline]
    if not any("secantusd" in a for a in args) or "--storage-path" not in args:
        return False
    path = args[args.index("--storage-path") + 1] if args.index("--storage-path") + 1 < len(args) else ""
    cwd = Path(f"/proc/{pid}/cwd")
    try:
        return (cwd / path).resolve() == data_dir.resolve()
    except OSError:
        return Path(path).name == data_dir.name


def _terminate(pid: int, timeout: float = 20.0) -> None:
    """SIGTERM (WiredTiger checkpoints and closes), then SIGKILL; returns once it is gone."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.1)
    raise EmbeddedServerError(f"could not stop the orphaned embedded server (pid {pid})")


def main() -> None:
    """``python -m taorui_assets.lib.storage.embedded DIR``: run in the foreground, print the URI."""
    from taorui_assets import settings

    s = settings.load()
    data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".taorui/mongo")
    server = EmbeddedMongo(data_dir, port=s.embedded_port or None, cache_size=s.embedded_cache).start()
    print(server.uri, flush=True)
    try:
        server.proc.wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
