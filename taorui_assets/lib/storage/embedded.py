"""The embedded default MongoDB-compatible server for the demo and the tests.

It starts SecantusDB's ``secantusd-py`` as a child process on a free loopback port. Only
this launcher knows about SecantusDB; everything else talks plain pymongo to whatever
``TAORUI_MONGO_URI`` names, so production points it at a real mongod or replica set.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import OperationFailure


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


class EmbeddedMongo:
    def __init__(self, data_dir: Path, port: int | None = None, log_file: Path | None = None,
                 extra_args: tuple[str, ...] = (), client_options: dict | None = None):
        self.data_dir = Path(data_dir)
        self.extra_args = tuple(extra_args)
        # How to reach it when extra_args turn on TLS (tls=True, tlsCAFile=...).
        self.client_options = dict(client_options or {})
        self.port = port or free_port()
        self.log_file = log_file or self.data_dir.with_suffix(".log")
        self.proc: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, timeout: float = 60.0) -> "EmbeddedMongo":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_file, "ab")
        self.proc = subprocess.Popen(
            [_executable(), "--host", "127.0.0.1", "--port", str(self.port),
             "--storage-path", str(self.data_dir), "--log-level", "WARNING",
             "--cache-size", os.environ.get("TAORUI_EMBEDDED_CACHE", "2G"), *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise EmbeddedServerError(f"secantusd-py exited with {self.proc.returncode}; see {self.log_file}")
            try:
                with MongoClient(self.uri, serverSelectionTimeoutMS=500, **self.client_options) as c:
                    c.admin.command("ping")
                return self
            except OperationFailure:  # it answered; with --auth even ping wants a user
                return self
            except Exception:
                time.sleep(0.2)
        self.stop()
        raise EmbeddedServerError(f"secantusd-py did not answer on port {self.port} within {timeout:.0f}s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> "EmbeddedMongo":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:
    """``python -m taorui_assets.lib.storage.embedded DIR``: run in the foreground, print the URI."""
    data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else ".taorui/mongo")
    server = EmbeddedMongo(data_dir, port=int(os.environ.get("TAORUI_MONGO_PORT", "0")) or None).start()
    print(server.uri, flush=True)
    try:
        server.proc.wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
