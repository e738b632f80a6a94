"""Canonical frames ⇄ MongoDB documents.

Daily-grain datasets are one document per natural key. Minute bars are bucketed
(``buckets``: one document per (code, date, period) holding column arrays).
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from taorui_assets.lib.datasets import get
from taorui_assets.lib.schemas import columns
from taorui_assets.lib.storage import buckets


def doc_id(dataset: str, doc: dict) -> str:
    """Deterministic ``_id`` from the natural key, so a replayed write hits the same document."""
    parts = []
    for k in get(dataset).key:
        v = doc[k]
        parts.append(v.strftime("%Y%m%d") if isinstance(v, dt.datetime) else str(v))
    return "|".join(parts)


def _py(v):
    if v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def to_documents(dataset: str, df: pd.DataFrame, source: str, ingested_at: dt.datetime) -> list[dict]:
    if dataset == "minute_bars":
        docs = buckets.encode(df, source, ingested_at)
        for doc in docs:
            doc["_id"] = doc_id(dataset, doc)
        return docs
    docs = []
    for rec in df.to_dict("records"):
        doc = {k: _py(v) for k, v in rec.items()}
        doc = {k: v for k, v in doc.items() if v is not None}  # absent, not null: NaN items of other statements
        doc["source"] = source
        doc["ingested_at"] = ingested_at
        doc["_id"] = doc_id(dataset, doc)
        docs.append(doc)
    return docs


def to_frame(dataset: str, docs: list[dict]) -> pd.DataFrame:
    """Documents back to the canonical frame plus ``source`` (sorted by natural key)."""
    cols = columns(dataset)
    if dataset == "minute_bars":
        df = buckets.decode(docs, scalars=[*buckets.KEY, "source"])
        sort = ["code", "period", "time"]
    else:
        df = pd.DataFrame(docs, columns=cols + ["source"])
        sort = list(get(dataset).key)
    df = df[cols + ["source"]]
    return df.sort_values(sort, kind="stable").reset_index(drop=True)
