"""The minute-bar bucket codec: the one place that knows the bucket document layout.

A bucket is one document per (code, date, period) holding column arrays, so a full-market
day of 1m bars is ~5,000 documents rather than ~1.2 M (Arctic's lesson)::

    {"code", "date", "period", "bars": n, "time": [n datetimes], "open": [n floats], ...}

``encode`` is used by the writer; ``decode`` (vectorised: one numpy array per column for
all documents at once, no frame per document) by the writer's read-back and the read API.
"""
from __future__ import annotations

import datetime as dt
from itertools import chain
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

KEY = ["code", "date", "period"]          # one bucket per key
VALUES = ["open", "high", "low", "close", "volume", "amount"]  # float arrays, one item per bar
ARRAYS = ["time", *VALUES]                 # every per-bar array of a bucket


def encode(df: pd.DataFrame, source: str, ingested_at: dt.datetime) -> list[dict]:
    """Canonical minute frame → bucket documents (without ``_id``), sorted by key and time."""
    if df.empty:
        return []
    df = df.sort_values([*KEY, "time"], kind="stable")
    starts = np.flatnonzero(~df[KEY].duplicated().to_numpy())
    ends = np.append(starts[1:], len(df))
    # One datetime object per distinct time (a day has 240), shared by every bucket: making
    # 1.2 M datetime objects for a full-market day would dominate the encoding.
    distinct, inverse = np.unique(df["time"].to_numpy().astype("datetime64[us]"), return_inverse=True)
    times = np.array(distinct.tolist(), dtype=object)[inverse]
    arrays = {c: df[c].to_numpy(dtype=float) for c in VALUES}
    codes = df["code"].to_numpy()
    dates = df["date"].to_numpy().astype("datetime64[us]").tolist()
    periods = df["period"].to_numpy()
    docs = []
    for s, e in zip(starts.tolist(), ends.tolist()):
        doc = {"code": codes[s], "date": dates[s], "period": periods[s], "bars": e - s,
               "time": times[s:e].tolist()}
        for c, arr in arrays.items():
            doc[c] = arr[s:e].tolist()
        doc["source"] = source
        doc["ingested_at"] = ingested_at
        docs.append(doc)
    return docs


def _datetimes(values: Iterable) -> np.ndarray:
    # pandas converts datetime objects ~8x faster than np.array(..., dtype="datetime64[ns]")
    return pd.Series(list(values), dtype="datetime64[ns]").to_numpy()


def decode(docs: Sequence[dict], values: Sequence[str] = VALUES,
           scalars: Sequence[str] = ("code", "date")) -> pd.DataFrame:
    """Bucket documents → one row per bar: ``scalars`` (repeated per bar), time, ``values``."""
    sizes = [len(d["time"]) for d in docs]
    total = sum(sizes)
    out: dict[str, np.ndarray] = {}
    for c in scalars:
        if c == "date":
            col = _datetimes(d[c] for d in docs)
        else:
            col = np.array([d[c] for d in docs], dtype=object)
        out[c] = np.repeat(col, sizes)
    out["time"] = _datetimes(chain.from_iterable(d["time"] for d in docs))
    for c in values:
        out[c] = np.fromiter(chain.from_iterable(d[c] for d in docs), dtype=float, count=total)
    return pd.DataFrame(out, columns=[*scalars, "time", *values])


# ------------------------------------------------------------- slot reads
# The cross-section at one minute (or any window of a day) needs a few array elements of each
# bucket. The server cuts them out, so the client decodes ~1/240 of a bucket. On SecantusDB the
# aggregation expressions are several times faster than find's $slice projection, and one
# element by $arrayElemAt ~10% faster than by $slice (benchmarks/read_latency.py measures the
# path); on MongoDB all are cheap. Either way the server still reads every matching bucket whole.
def slot_pipeline(match: dict, first: int, count: int, values: Sequence[str] = VALUES,
                  scalars: Sequence[str] = ("code", "date")) -> list[dict]:
    """An aggregation reading elements ``first .. first+count-1`` of every matching bucket
    (``slots`` turns its answer back into bucket documents)."""
    if count == 1:
        cut = {c: {"$arrayElemAt": [f"${c}", first]} for c in ("time", *values)}
    else:
        cut = {c: {"$slice": [f"${c}", first, count]} for c in ("time", *values)}
    return [{"$match": match}, {"$project": {"_id": 0, **{c: 1 for c in scalars}, **cut}}]


def slots(docs: Iterable[dict], count: int, values: Sequence[str] = VALUES) -> list[dict]:
    """``slot_pipeline``'s answer as bucket documents ``decode`` reads: each per-bar field an
    array (empty where the bucket has no such element)."""
    out = []
    for d in docs:
        for c in ("time", *values):
            v = d.get(c)
            d[c] = [] if v is None else [v] if count == 1 else v
        out.append(d)
    return out
