"""Idempotent partition writes to MongoDB with plain pymongo.

A partition is one replaceable unit, described by a ``scope`` filter (e.g. ``{"date": D}``).
On a replica set the replace is one transaction (delete the scope, insert the new
documents). On a standalone server, where MongoDB has no transactions, it is an upsert
by natural key followed by deleting the scope's documents that are no longer present;
re-running after a crash converges to the same state.

A partition too large for one transaction (a full-market day of 1m bars is ~100 MB, past
what WiredTiger's cache and MongoDB's 60 s transaction lifetime allow) is swapped in code
ranges, one transaction each: readers may briefly see some codes new and some old — never
a code missing — and a re-run after a crash converges.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import bson
import pandas as pd
from pymongo import ASCENDING, ReplaceOne
from pymongo.database import Database

from taorui_assets.lib.datasets import get
from taorui_assets.lib.storage.documents import to_documents, to_frame

log = logging.getLogger(__name__)

MAX_TRANSACTION_BYTES = 32 * 1024 * 1024


@dataclass
class WriteResult:
    written: int
    deleted_stale: int
    mode: str  # transaction | upsert


class Store:
    def __init__(self, db: Database):
        self.db = db
        self._indexed: set[str] = set()

    def ensure_indexes(self, dataset: str) -> None:
        """The natural key's unique index and the spec's extra indexes (lib/datasets.py)."""
        if dataset in self._indexed:
            return
        spec = get(dataset)
        coll = self.db[spec.collection]
        coll.create_index([(k, ASCENDING) for k in spec.key], unique=True, name="natural_key")
        for fields in spec.indexes:
            coll.create_index([(f, ASCENDING) for f in fields])
        self._indexed.add(dataset)

    def supports_transactions(self) -> bool:
        hello = self.db.client.admin.command("hello")
        return bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"

    def replace_partition(self, dataset: str, scope: dict, df: pd.DataFrame, source: str) -> WriteResult:
        """Make the documents matching ``scope`` exactly those of ``df``."""
        self.ensure_indexes(dataset)
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        docs = to_documents(dataset, df, source, now)
        ids = [d["_id"] for d in docs]
        if len(set(ids)) != len(ids):
            dup = pd.Series(ids)[pd.Series(ids).duplicated()].unique()[:5].tolist()
            raise ValueError(f"{dataset}: duplicate natural keys in one partition, e.g. {dup}")
        outside = [d["_id"] for d in docs if not _in_scope(d, scope)]
        if outside:
            raise ValueError(f"{dataset}: {len(outside)} rows fall outside the partition {scope}, e.g. {outside[:3]}")
        coll = self.db[dataset]
        stale = len(set(coll.distinct("_id", scope)) - set(ids))
        if not self.supports_transactions():
            if docs:
                coll.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs], ordered=False)
            coll.delete_many({"$and": [scope, {"_id": {"$nin": ids}}]})
            return WriteResult(len(docs), stale, "upsert")
        size = len(bson.encode(docs[0])) * len(docs) if docs else 0  # documents of a dataset are alike
        if size <= MAX_TRANSACTION_BYTES or "code" not in get(dataset).key:
            self._swap(coll, scope, docs)
            return WriteResult(len(docs), stale, "transaction")
        # Too large for one transaction: swap it code range by code range, each range in its own
        # transaction. The ranges tile the whole code space, so stale codes are deleted too, and
        # a reader never sees a code missing; a crash leaves some ranges new, some old, and a
        # re-run converges.
        docs = sorted(docs, key=lambda d: d["code"])
        per = max(1, len(docs) * MAX_TRANSACTION_BYTES // size)
        chunks = [docs[i:i + per] for i in range(0, len(docs), per)]
        starts = [""] + [c[0]["code"] for c in chunks[1:]]
        for i, chunk in enumerate(chunks):
            codes = {"$gte": starts[i]} if i == len(chunks) - 1 else {"$gte": starts[i], "$lt": starts[i + 1]}
            self._swap(coll, {**scope, "code": codes}, chunk)
        return WriteResult(len(docs), stale, f"transaction x{len(chunks)}")

    def _swap(self, coll, scope: dict, docs: list[dict]) -> None:
        """Delete ``scope`` and insert ``docs`` in one transaction, retried on conflict.

        Two runs writing the same partition at once (a schedule and a manual re-run, two
        ``scripts/run``) make the server abort one transaction with ``WriteConflict``, labelled
        ``TransientTransactionError``. ``with_transaction`` re-runs the whole swap after a
        jittered exponential backoff (5 ms doubling-ish up to 0.5 s), and retries a commit whose
        outcome is unknown (``UnknownTransactionCommitResult``) without committing twice. Retry
        policy: pymongo's fixed bound of 120 s per swap, after which the last error is raised and
        the run fails. The swap is idempotent, so whichever run commits last wins with a complete
        partition — never a mix of both or duplicates.
        """
        def swap(session):
            coll.delete_many(scope, session=session)
            if docs:
                coll.insert_many(docs, ordered=False, session=session)

        with self.db.client.start_session() as session:
            session.with_transaction(swap)

    def read(self, dataset: str, query: dict, projection: dict | None = None) -> pd.DataFrame:
        return to_frame(dataset, list(self.db[dataset].find(query, projection)))

    def count(self, dataset: str, query: dict | None = None) -> int:
        return self.db[dataset].count_documents(query or {})


def _in_scope(doc: dict, scope: dict) -> bool:
    for k, cond in scope.items():
        v = doc.get(k)
        if isinstance(cond, dict):
            if "$gte" in cond and not v >= cond["$gte"]:
                return False
            if "$lte" in cond and not v <= cond["$lte"]:
                return False
            if "$lt" in cond and not v < cond["$lt"]:
                return False
        elif v != cond:
            return False
    return True
