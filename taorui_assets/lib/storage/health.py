"""Source health in MongoDB: the circuit breaker's state shared by every run and the
healing sensor (the rule itself is ``taorui_assets.lib.sources.breaker.CircuitBreaker``).

One document per source in ``source_health``: consecutive failures, when the circuit
opened, the last error, the last success and when the source last recovered.
"""
from __future__ import annotations

from pymongo import ReturnDocument
from pymongo.database import Database

COLLECTION = "source_health"


class MongoHealth:
    """``HealthStore`` over the ``source_health`` collection; every update is one atomic command."""

    def __init__(self, db: Database):
        self.coll = db[COLLECTION]

    def get(self, source: str) -> dict:
        return self.coll.find_one({"_id": source}) or {}

    def reset(self, source: str, fields: dict) -> dict:
        return self.coll.find_one_and_update({"_id": source}, {"$set": fields}, upsert=True) or {}

    def add_failure(self, source: str, fields: dict) -> int:
        doc = self.coll.find_one_and_update({"_id": source}, {"$inc": {"failures": 1}, "$set": fields},
                                            upsert=True, return_document=ReturnDocument.AFTER)
        return int(doc["failures"])

    def set(self, source: str, fields: dict) -> None:
        self.coll.update_one({"_id": source}, {"$set": fields}, upsert=True)
