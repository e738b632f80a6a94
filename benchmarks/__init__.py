"""The issue-11 benchmarks (``scripts/bench`` runs them all; see benchmarks/__main__.py)."""
from __future__ import annotations

import os
import time
from typing import Optional


class ServerBusy:
    """The share of a stretch of wall time the MongoDB server process spent on a CPU: near 100 %,
    the work is bound by the server (the limit the benchmarks measure); well below, by the client.
    Known only for the embedded server ``scripts/bench`` starts (``TAORUI_BENCH_SERVER_PID``)."""

    def __init__(self):
        self.pid = os.environ.get("TAORUI_BENCH_SERVER_PID")
        self.share: Optional[float] = None

    def _cpu(self) -> Optional[float]:
        try:
            fields = open(f"/proc/{self.pid}/stat").read().rsplit(")", 1)[1].split()
        except (OSError, TypeError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def __enter__(self):
        self._t, self._c = time.monotonic(), self._cpu()
        return self

    def __exit__(self, *exc):
        c = self._cpu()
        if c is not None and self._c is not None:
            self.share = (c - self._c) / max(time.monotonic() - self._t, 1e-9)

    def describe(self) -> str:
        return busy_note(self.share)


def busy_note(share: Optional[float]) -> str:
    """How busy the server was, as a clause for a report line ("" when not known)."""
    return "" if share is None else f"; the server was on a CPU {share:.0%} of that time"
