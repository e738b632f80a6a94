"""Canonical frames ⇄ MongoDB documents.

Daily-grain datasets are one document per natural key. Minute bars are bucketed: one
document per (code, date, period) holding column arrays, so a full-market day of 1m
bars is ~5,000 documents rather than ~1.2 M.
"""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from taorui_assets.lib.datasets import get
from taorui_assets.lib.schemas import columns

BAR_ARRAYS = ["time", "open", "high", "low", "close", "volume", "amount"]


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
        return _bucket_minutes(df, source, ingested_at)
    docs = []
    for rec in df.to_dict("records"):
        doc = {k: _py(v) for k, v in rec.items()}
        doc = {k: v for k, v in doc.items() if v is not None}  # absent, not null: NaN items of other statements
        doc["source"] = source
        doc["ingested_at"] = ingested_at
        doc["_id"] = doc_id(dataset, doc)
        docs.append(doc)
    return docs


def _bucket_minutes(df: pd.DataFrame, source: str, ingested_at: dt.datetime) -> list[dict]:
    if df.empty:
        return []
    df = df.sort_values(["code", "date", "period", "time"], kind="stable")
    docs = []
    keys = df[["code", "date", "period"]]
    starts = np.flatnonzero(~keys.duplicated().to_numpy())
    ends = np.append(starts[1:], len(df))
    times = df["time"].to_numpy().astype("datetime64[us]").tolist()
    arrays = {c: df[c].to_numpy(dtype=float) for c in BAR_ARRAYS[1:]}
    codes, dates, periods = df["code"].to_numpy(), df["date"].to_numpy().astype("datetime64[us]").tolist(), df["period"].to_numpy()
    for s, e in zip(starts, ends):
        doc = {"code": codes[s], "date": dates[s], "period": periods[s], "bars": int(e - s),
               "time": list(times[s:e])}
        for c, arr in arrays.items():
            doc[c] = arr[s:e].tolist()
        doc["source"] = source
        doc["ingested_at"] = ingested_at
        doc["_id"] = doc_id("minute_bars", doc)
        docs.append(doc)
    return docs


def to_frame(dataset: str, docs: list[dict]) -> pd.DataFrame:
    """Documents back to the canonical frame plus ``source`` (sorted by natural key)."""
    cols = columns(dataset)
    if dataset == "minute_bars":
        rows = []
        for d in docs:
            n = len(d["time"])
            part = pd.DataFrame({c: d[c] for c in BAR_ARRAYS})
            part["code"], part["date"], part["period"], part["source"] = d["code"], d["date"], d["period"], d["source"]
            rows.append(part if n else None)
        df = pd.concat([r for r in rows if r is not None], ignore_index=True) if rows else pd.DataFrame(columns=cols + ["source"])
        sort = ["code", "period", "time"]
    else:
        df = pd.DataFrame(docs, columns=cols + ["source"])
        sort = list(get(dataset).key)
    df = df[cols + ["source"]]
    return df.sort_values(sort, kind="stable").reset_index(drop=True)
