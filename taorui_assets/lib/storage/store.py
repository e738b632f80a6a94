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
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import bson
import numpy as np
import pandas as pd
from pymongo import ASCENDING, ReplaceOne
from pymongo.errors import BulkWriteError, DuplicateKeyError
from pymongo.database import Database

from taorui_assets.lib.datasets import get
from taorui_assets.lib.storage import statement_digest
from taorui_assets.lib.storage.documents import to_documents, to_frame

log = logging.getLogger(__name__)

# A transaction must commit within the server's transaction lifetime (60 s by default): on the
# embedded server, which stores a few MB/s of wide documents (a quarter of full-market
# statements) when the machine is busy, 32 MB did not. Larger partitions go in code ranges.
MAX_TRANSACTION_BYTES = 8 * 1024 * 1024
# A partition larger than one transaction is written in code ranges of about this size: few
# enough round trips, small enough that two ranges in memory are nothing beside the frame.
STREAM_CHUNK_BYTES = 8 * 1024 * 1024


_TRANSACTIONS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # client → supports transactions


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
        create_indexes(self.db[spec.collection], spec)
        self._indexed.add(dataset)

    def supports_transactions(self) -> bool:
        client = self.db.client
        known = _TRANSACTIONS.get(client)
        if known is None:  # asked once per client: a server does not change kind
            hello = client.admin.command("hello")
            known = _TRANSACTIONS[client] = bool(hello.get("setName")) or hello.get("msg") == "isdbgrid"
        return known

    def replace_partition(self, dataset: str, scope: dict, df: pd.DataFrame, source: str) -> WriteResult:
        """Make the documents matching ``scope`` exactly those of ``df`` (and, for a statements
        quarter, its digest: lib/storage/statement_digest.py)."""
        statement_digest.forget(self.db, dataset, scope)
        result = self._replace_partition(dataset, scope, df, source)
        statement_digest.write(self.db, dataset, scope, df)
        return result

    def _replace_partition(self, dataset: str, scope: dict, df: pd.DataFrame, source: str) -> WriteResult:
        self.ensure_indexes(dataset)
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        size, per_doc = _estimate_bytes(dataset, df, source, now)
        if size > MAX_TRANSACTION_BYTES and "code" in get(dataset).key:
            return self._replace_streamed(dataset, scope, df, source, now, size)
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
        self._swap(coll, scope, docs)
        return WriteResult(len(docs), stale, "transaction")

    def _replace_streamed(self, dataset: str, scope: dict, df: pd.DataFrame, source: str,
                          now: dt.datetime, size: int) -> WriteResult:
        """A large partition (a full-market day of 1m bars: ~110 MB of BSON) in code ranges of
        about ``STREAM_CHUNK_BYTES`` (``RangeWriter``), so the documents of the whole day never sit
        in memory at once. Everything that can refuse the partition (duplicate keys, rows outside
        it) is checked on the frame before anything is written."""
        spec = get(dataset)
        if spec.row_key == spec.key:  # a bucket holds many rows of one key: its _id is unique by construction
            dup = df.duplicated(list(spec.key))
            if dup.any():
                raise ValueError(f"{dataset}: duplicate natural keys in one partition, e.g. "
                                 f"{df.loc[dup, list(spec.key)].head(3).to_dict('records')}")
        outside = ~_frame_in_scope(df, scope)
        if outside.any():
            raise ValueError(f"{dataset}: {int(outside.sum())} rows fall outside the partition {scope}, e.g. "
                             f"{df.loc[outside, list(spec.key)].head(3).to_dict('records')}")
        if not df["code"].is_monotonic_increasing:  # sources answer sorted; sort only if not
            df = df.sort_values("code", kind="stable")
        codes = df["code"].to_numpy()
        distinct = pd.unique(codes)
        chunk_bytes = min(STREAM_CHUNK_BYTES, MAX_TRANSACTION_BYTES)
        groups = [g for g in np.array_split(distinct, max(1, -(-size // chunk_bytes))) if len(g)]
        cut = [int(np.searchsorted(codes, g[0], side="left")) for g in groups] + [len(codes)]
        with self.range_writer(dataset, scope, source, now) as ranges:
            for i, g in enumerate(groups):
                ranges.write(g[0] if i else "", groups[i + 1][0] if i + 1 < len(groups) else None,
                             df.iloc[cut[i]:cut[i + 1]])
        return ranges.result

    def range_writer(self, dataset: str, scope: dict, source: str, now: dt.datetime | None = None) -> "RangeWriter":
        """Writes a partition as consecutive code ranges (see ``RangeWriter``)."""
        self.ensure_indexes(dataset)
        now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        return RangeWriter(self, dataset, scope, source, now)

    def _swap(self, coll, scope: dict, docs: list[dict], insert_only: bool = False) -> None:
        """Delete ``scope`` and insert ``docs`` in one transaction, retried on conflict.

        Two runs writing the same partition at once (a schedule and a manual re-run, two
        ``scripts/run``) make the server abort one transaction with ``WriteConflict``, labelled
        ``TransientTransactionError``. ``with_transaction`` re-runs the whole swap after a
        jittered exponential backoff (5 ms doubling-ish up to 0.5 s), and retries a commit whose
        outcome is unknown (``UnknownTransactionCommitResult``) without committing twice. Retry
        policy: pymongo's fixed bound of 120 s per swap, after which the last error is raised and
        the run fails. The swap is idempotent, so whichever run commits last wins with a complete
        partition — never a mix of both or duplicates.

        ``insert_only``: the scope held nothing when the write began, so the documents are
        inserted without the delete; if another writer stored some of the same keys meanwhile,
        the insert fails as a whole (one transaction) and the full swap runs instead. It stays a
        transaction: on the embedded server a plain insert running beside another step's
        transaction made that transaction's commit fail with a WiredTiger write conflict, which
        the server reports as InternalError rather than a retryable WriteConflict (seen in a
        20-day backfill).
        """
        def swap(session):
            coll.delete_many(scope, session=session)
            if docs:
                coll.insert_many(docs, ordered=False, session=session)

        def insert(session):
            coll.insert_many(docs, ordered=False, session=session)

        with self.db.client.start_session() as session:
            if insert_only and docs:
                try:
                    session.with_transaction(insert)
                    return
                except (BulkWriteError, DuplicateKeyError):
                    log.info("%s: keys of %s were stored meanwhile; swapping the range instead", coll.name, scope)
            session.with_transaction(swap)

    def read(self, dataset: str, query: dict, projection: dict | None = None) -> pd.DataFrame:
        return to_frame(dataset, list(self.db[dataset].find(query, projection)))

    def count(self, dataset: str, query: dict | None = None) -> int:
        return self.db[dataset].count_documents(query or {})


def create_indexes(coll, spec) -> None:
    """The natural key's unique index and ``spec``'s extra indexes on ``coll`` (the dataset's
    collection, or a benchmark's copy that must cost the server the same to fill)."""
    coll.create_index([(k, ASCENDING) for k in spec.key], unique=True, name="natural_key")
    for fields in spec.indexes:
        coll.create_index([(f, ASCENDING) for f in fields])


class RangeWriter:
    """Writes a partition as consecutive code ranges ``[lo, hi)`` that tile the code space
    (the first ``lo`` is "", the last ``hi`` None), each encoded and written while the caller
    prepares the next (one writer thread), so at most two ranges are in memory.

    On a replica set each range is swapped in its own transaction (one transaction for a
    full-market 1m day would pass WiredTiger's cache and the 60 s transaction lifetime); a range
    of which nothing was stored when the writer opened is inserted without the range delete
    (which costs a scan of the day on the server) unless this writer already wrote it. Readers
    may briefly see some codes new and some old, never a code missing; a crash leaves some
    ranges new, some old, and a re-run converges. On a standalone server each range is upserted
    by key, and at the end the partition's keys no longer present are deleted.

    Use as a context manager: leaving it waits for the last range and finishes the partition.
    A failed range stops the stream: its error is raised by the next ``write`` or at the end."""

    def __init__(self, store: "Store", dataset: str, scope: dict, source: str, now: dt.datetime):
        self.store, self.dataset, self.scope, self.source, self.now = store, dataset, scope, source, now
        spec = get(dataset)
        self.coll = store.db[spec.collection]
        self.before = set(self.coll.distinct("_id", scope))
        # The codes stored in the partition (an _id starts with the code when the key does).
        self.stored_codes = {i.split("|", 1)[0] for i in self.before} if spec.key[0] == "code" else None
        self.transactions = store.supports_transactions()
        # The _ids written per range (by lo). A range written again (a backup source rewriting
        # the partition from its first range) replaces its entry, so the counts are the partition's.
        self._ids: dict[str, list[str]] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="taorui-writer")
        self._pending = None
        self.result: WriteResult | None = None

    def write(self, lo: str, hi: str | None, frame: pd.DataFrame) -> None:
        """Write the canonical rows of codes ``lo <= code < hi`` (hi None: no upper bound)."""
        codes = frame["code"]
        wrong = ~_frame_in_scope(frame, self.scope) | (codes < lo) | ((codes >= hi) if hi is not None else False)
        if wrong.any():
            raise ValueError(f"{self.dataset}: {int(wrong.sum())} rows fall outside the partition {self.scope} "
                             f"or the code range [{lo!r}, {hi!r}), e.g. "
                             f"{frame.loc[wrong, list(get(self.dataset).key)].head(3).to_dict('records')}")
        docs = to_documents(self.dataset, frame, self.source, self.now)
        rewritten = lo in self._ids
        self._ids[lo] = [d["_id"] for d in docs]
        if self.transactions:
            codes_range = {"$gte": lo} if hi is None else {"$gte": lo, "$lt": hi}
            untouched = not self.before if self.stored_codes is None else \
                not any(lo <= c and (hi is None or c < hi) for c in self.stored_codes)
            job = (self.store._swap, self.coll, {**self.scope, "code": codes_range}, docs,
                   untouched and not rewritten)
        else:
            job = (_upsert, self.coll, docs)
        if self._pending is not None:
            self._pending.result()  # a failed range stops the stream: nothing after it is written
        self._pending = self._pool.submit(*job)

    def __enter__(self) -> "RangeWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self._pending is not None:
                self._pending.result()
        finally:
            self._pool.shutdown(wait=True)
        if exc_type is not None:
            return
        ids = [i for written in self._ids.values() for i in written]
        if not self.transactions:
            self.coll.delete_many({"$and": [self.scope, {"_id": {"$nin": ids}}]})
        mode = f"{'transaction' if self.transactions else 'upsert'} x{len(self._ids)}"
        self.result = WriteResult(len(ids), len(self.before - set(ids)), mode)


def _upsert(coll, docs: list[dict]) -> None:
    if docs:
        coll.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs], ordered=False)


def _estimate_bytes(dataset: str, df: pd.DataFrame, source: str, now: dt.datetime) -> tuple[int, int]:
    """BSON bytes of the partition, from its first encoded document (documents of a dataset
    are alike), and the bytes of that document."""
    if df.empty:
        return 0, 0
    if "code" in df:
        codes = df["code"].to_numpy()
        first = df[codes == codes[0]]
    else:
        first = df.iloc[:1]
    docs = to_documents(dataset, first, source, now)
    per_doc = len(bson.encode(docs[0]))
    # Bucketed datasets hold many rows per document: as many documents as first-document rows fit.
    n_docs = len(df) if len(docs) > 1 or len(first) == 1 else -(-len(df) // len(first))
    return per_doc * n_docs, per_doc


def _frame_in_scope(df: pd.DataFrame, scope: dict) -> pd.Series:
    """``_in_scope`` for every row of a frame at once."""
    ok = pd.Series(True, index=df.index)
    for k, cond in scope.items():
        v = df[k]
        if isinstance(cond, dict):
            if "$gte" in cond:
                ok &= v >= cond["$gte"]
            if "$lte" in cond:
                ok &= v <= cond["$lte"]
            if "$lt" in cond:
                ok &= v < cond["$lt"]
        else:
            ok &= v == cond
    return ok


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
