"""Bad rows kept aside with their reason, never in the main collections.

One document per (dataset, partition, source, row key): re-running the same bad answer
updates the same documents instead of piling up copies.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from pymongo import ReplaceOne
from pymongo.database import Database

from taorui_assets.lib.datasets import get
from taorui_assets.lib.storage.documents import _py

COLLECTION = "quarantine"


def record(db: Database, dataset: str, partition: str, source: str, bad_rows: pd.DataFrame) -> int:
    if bad_rows.empty:
        return 0
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    key_cols = [k for k in get(dataset).key if k in bad_rows] + (["time"] if "time" in bad_rows else [])
    ops = []
    for n, rec in enumerate(bad_rows.to_dict("records")):
        row = {k: _py(v) for k, v in rec.items() if k != "reason"}
        key = "|".join(str(row.get(k)) for k in key_cols)
        _id = f"{dataset}|{partition}|{source}|{key}|{n if 'duplicate' in rec['reason'] else ''}"
        doc = {"_id": _id, "dataset": dataset, "partition": partition, "source": source,
               "reason": rec["reason"], "row": row, "detected_at": now}
        ops.append(ReplaceOne({"_id": _id}, doc, upsert=True))
    db[COLLECTION].bulk_write(ops, ordered=False)
    db[COLLECTION].create_index([("dataset", 1), ("partition", 1)])
    return len(ops)
