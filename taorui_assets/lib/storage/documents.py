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
    return "|".join(_id_part(doc[k]) for k in get(dataset).key)


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


def _column(values: pd.Series) -> list:
    """A column as plain Python values (``None`` for NaN/NaT), converted once per column rather
    than per cell: the per-cell conversion cost seconds for a full-market day."""
    if values.dtype.kind == "M" and getattr(values.dtype, "tz", None) is None:
        return values.to_numpy().astype("datetime64[us]").tolist()  # datetime objects, NaT → None
    if values.dtype.kind == "f":
        out = values.to_numpy().tolist()
        return [None if v != v else v for v in out] if values.isna().any() else out
    if values.dtype.kind in "iub":
        return values.to_numpy().tolist()
    return [_py(v) for v in values.tolist()]  # object: strings, mixed, possible NaN


def to_documents(dataset: str, df: pd.DataFrame, source: str, ingested_at: dt.datetime) -> list[dict]:
    if dataset == "minute_bars":
        docs = buckets.encode(df, source, ingested_at)
        for doc in docs:
            doc["_id"] = doc_id(dataset, doc)
        return docs
    names = list(df.columns)
    cols = [_column(df[c]) for c in names]
    key_pos = [names.index(k) for k in get(dataset).key]
    docs = []
    for row in zip(*cols):
        doc = {k: v for k, v in zip(names, row) if v is not None}  # absent, not null: NaN items of other statements
        doc["source"] = source
        doc["ingested_at"] = ingested_at
        doc["_id"] = "|".join(_id_part(row[i]) for i in key_pos)
        docs.append(doc)
    return docs


def _id_part(v) -> str:
    return v.strftime("%Y%m%d") if isinstance(v, dt.datetime) else str(v)


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
