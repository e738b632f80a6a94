"""The ``reconciliation`` collection: differences between sources, with the differing rows.

Written by the <dataset>_reconciliation assets (kind ``sample``) and by every write that
replaces a partition stored from another source (kind ``replacement``, i.e. healing).
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import pandas as pd

from taorui_assets.lib.reconcile import Comparison, compare
from taorui_assets.lib.storage.documents import _py

COLLECTION = "reconciliation"
MAX_ROWS = 200  # differing rows kept per document; the counts are always complete


def save(db, kind: str, dataset: str, partition: str, first: str, second: str, cmp: Comparison,
         extra: Optional[dict] = None) -> dict:
    def rows(df: pd.DataFrame) -> list[dict]:
        return [{k: _py(v) for k, v in r.items()} for r in df.head(MAX_ROWS).to_dict("records")]

    doc = {"_id": f"{kind}|{dataset}|{partition}|{first}|{second}", "kind": kind, "dataset": dataset,
           "partition": partition, "first": first, "second": second, **cmp.counts(), "ok": cmp.ok,
           "differing_rows": rows(cmp.differing), "only_first": rows(cmp.only_a), "only_second": rows(cmp.only_b),
           "at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), **(extra or {})}
    db[COLLECTION].replace_one({"_id": doc["_id"]}, doc, upsert=True)
    return doc


def record_replacement_differences(store, dataset: str, scope: dict, new: pd.DataFrame, new_source: str,
                                   partition: str) -> Optional[int]:
    """When a partition stored from one source is about to be replaced from another (healing),
    record how the two differ. Returns the number of differing rows, or None if nothing to compare."""
    old_sources = [s for s in store.db[dataset].distinct("source", scope) if s != new_source]
    if not old_sources:
        return None
    old = store.read(dataset, scope)
    cmp = compare(dataset, new, old.drop(columns="source"))
    save(store.db, "replacement", dataset, partition, new_source, ",".join(old_sources), cmp)
    return int(cmp.differing.shape[0] + cmp.only_a.shape[0] + cmp.only_b.shape[0])
