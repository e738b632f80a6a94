"""Source health in MongoDB: the circuit breaker shared by every run and the healing sensor.

One document per source in ``source_health``: consecutive failures, when the circuit
opened, the last error and the last success.
"""
from __future__ import annotations

import datetime as dt

from pymongo import ReturnDocument
from pymongo.database import Database

COLLECTION = "source_health"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class MongoBreaker:
    def __init__(self, db: Database, threshold: int = 3, cooldown_s: float = 300.0, now=_now):
        self.coll = db[COLLECTION]
        self.threshold, self.cooldown_s, self.now = threshold, cooldown_s, now

    def allow(self, source: str) -> bool:
        doc = self.coll.find_one({"_id": source}) or {}
        opened = doc.get("opened_at")
        return opened is None or (self.now() - opened).total_seconds() >= self.cooldown_s

    def success(self, source: str) -> None:
        now = self.now()
        before = self.coll.find_one_and_update(
            {"_id": source}, {"$set": {"failures": 0, "opened_at": None, "last_ok": now}}, upsert=True)
        if before is None or before.get("failures") or before.get("opened_at"):
            # a new health epoch: healing keys its run keys on it, so a heal that failed while
            # the source was still sick is retried after the next recovery
            self.coll.update_one({"_id": source}, {"$set": {"recovered_at": now}})

    def recovered_at(self, source: str):
        return (self.coll.find_one({"_id": source}) or {}).get("recovered_at")

    def failure(self, source: str, reason: str) -> None:
        doc = self.coll.find_one_and_update(
            {"_id": source}, {"$inc": {"failures": 1}, "$set": {"last_error": reason[:500], "last_error_at": self.now()}},
            upsert=True, return_document=ReturnDocument.AFTER)
        if doc["failures"] >= self.threshold:
            # re-arm on every failure past the threshold, so a failed probe waits a full cooldown
            self.coll.update_one({"_id": source}, {"$set": {"opened_at": self.now()}})

    def is_healthy(self, source: str) -> bool:
        doc = self.coll.find_one({"_id": source}) or {}
        return not doc.get("opened_at") and not doc.get("failures")
