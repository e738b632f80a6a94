"""The circuit breaker: stop asking a source that keeps failing, probe it again later.

After ``threshold`` consecutive failures (an error, a timeout, an empty answer, or a source
that cannot even be built) the circuit opens and the source is skipped for ``cooldown_s``
seconds. The next real request after that probes it (half-open): a success closes the
circuit, a failure re-arms a full cooldown.

The rule lives here once; WHERE the counts live is pluggable, because a run's steps and
the healing sensor are separate processes that must see the same state:
``MemoryHealth`` (one process: a router built without a database, tests) or
``taorui_assets.lib.storage.health.MongoHealth`` (the ``source_health`` collection).
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Callable, Optional, Protocol


def utc_now() -> dt.datetime:
    # naive UTC: what pymongo (tz_aware=False) hands back, so both stores compare alike
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class HealthStore(Protocol):
    """Per-source health documents: ``failures``, ``opened_at``, ``recovered_at``, …"""

    def get(self, source: str) -> dict: ...

    def reset(self, source: str, fields: dict) -> dict:
        """Set ``fields``; return the document as it was before (atomically)."""

    def add_failure(self, source: str, fields: dict) -> int:
        """Count one more consecutive failure and set ``fields``; return the new count."""

    def set(self, source: str, fields: dict) -> None: ...


class MemoryHealth:
    """Health kept in this process only."""

    def __init__(self):
        self._docs: dict[str, dict] = {}
        self._lock = threading.Lock()

    def get(self, source: str) -> dict:
        with self._lock:
            return dict(self._docs.get(source, {}))

    def reset(self, source: str, fields: dict) -> dict:
        with self._lock:
            before = dict(self._docs.get(source, {}))
            self._docs.setdefault(source, {}).update(fields)
            return before

    def add_failure(self, source: str, fields: dict) -> int:
        with self._lock:
            doc = self._docs.setdefault(source, {})
            doc["failures"] = doc.get("failures", 0) + 1
            doc.update(fields)
            return doc["failures"]

    def set(self, source: str, fields: dict) -> None:
        with self._lock:
            self._docs.setdefault(source, {}).update(fields)


class CircuitBreaker:
    def __init__(self, store: Optional[HealthStore] = None, threshold: int = 3, cooldown_s: float = 300.0,
                 now: Callable[[], dt.datetime] = utc_now):
        self.store = store if store is not None else MemoryHealth()
        self.threshold, self.cooldown_s, self.now = threshold, cooldown_s, now

    def allow(self, source: str) -> bool:
        opened = self.store.get(source).get("opened_at")
        return opened is None or (self.now() - opened).total_seconds() >= self.cooldown_s

    def success(self, source: str) -> None:
        now = self.now()
        before = self.store.reset(source, {"failures": 0, "opened_at": None, "last_ok": now})
        if not before or before.get("failures") or before.get("opened_at"):
            # a new health epoch: healing keys its run keys on it, so a heal that failed while
            # the source was still sick is retried after the next recovery
            self.store.set(source, {"recovered_at": now})

    def failure(self, source: str, reason: str) -> None:
        now = self.now()
        if self.store.add_failure(source, {"last_error": reason[:500], "last_error_at": now}) >= self.threshold:
            # re-armed on every failure past the threshold, so a failed probe waits a full cooldown
            self.store.set(source, {"opened_at": now})

    def recovered_at(self, source: str) -> Optional[dt.datetime]:
        return self.store.get(source).get("recovered_at")
