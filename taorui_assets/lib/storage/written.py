"""What this process has just written (or what the checks need of it), so that the checks of
the same run use it rather than reading it back: re-reading a full-market day of 1m bars costs
as much as writing it.

The IO manager remembers each partition it wrote, keyed by run, dataset, partition and period;
a check of the same run takes it (``take``) or looks at it (``peek``), and reads from MongoDB
when the frame is not here (a check run in another process, or later in another run). Only
the last few frames are kept, so memory stays bounded.

A streamed partition's summary (the only thing its checks need, and small) is also kept in
MongoDB (``written_summaries``, one document per partition stamped with the run that wrote it),
so a check of the same run in another step process (the multiprocess executor of backfills)
reads ~400 KB rather than the day's ~110 MB of minute buckets.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Optional

import pandas as pd

KEEP = 8  # a day's instruments, daily bars and 1m/5m summaries, twice over (small: no minute frames)
_FRAMES: "OrderedDict[tuple, pd.DataFrame]" = OrderedDict()
_LOCK = threading.Lock()


def remember(run_id: str, dataset: str, key: str, period: Optional[str], frame: pd.DataFrame) -> None:
    with _LOCK:
        _FRAMES[(run_id, dataset, key, period)] = frame
        _FRAMES.move_to_end((run_id, dataset, key, period))
        while len(_FRAMES) > KEEP:
            _FRAMES.popitem(last=False)


def take(run_id: str, dataset: str, key: str, period: Optional[str] = None) -> Optional[pd.DataFrame]:
    """The frame, forgotten: its last reader."""
    with _LOCK:
        return _FRAMES.pop((run_id, dataset, key, period), None)


def peek(run_id: str, dataset: str, key: str, period: Optional[str] = None) -> Optional[pd.DataFrame]:
    with _LOCK:
        return _FRAMES.get((run_id, dataset, key, period))


def summary(dataset: str, frame: pd.DataFrame) -> Optional[pd.DataFrame]:
    """What this run's checks need of one chunk of a streamed partition, which is never held
    whole: for minute bars the per-code aggregates the daily-bar check compares."""
    if dataset == "minute_bars":
        from taorui_assets.lib import quality

        return quality.minute_summary(frame)
    return None


def run_of(context) -> Optional[str]:
    """The run id of an asset's or check's context; None when the body is invoked directly
    (``build_asset_context``), which has no run: nothing is kept for it then."""
    try:
        return context.run.run_id
    except Exception:  # dagster's DagsterInvalidPropertyError outside a run
        return None


SUMMARIES = "written_summaries"


def save_summary(db, run_id: str, dataset: str, key: str, period: Optional[str], summary: pd.DataFrame) -> None:
    doc = {"_id": f"{dataset}|{key}|{period}", "run_id": run_id,
           "at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), "code": summary.index.tolist(),
           **{c: summary[c].tolist() for c in summary.columns}}
    db[SUMMARIES].replace_one({"_id": doc["_id"]}, doc, upsert=True)


def stored_summary(db, run_id: Optional[str], dataset: str, key: str,
                   period: Optional[str]) -> Optional[pd.DataFrame]:
    """The summary run ``run_id`` saved for the partition, or None (another run wrote it since)."""
    if not run_id:
        return None
    doc = db[SUMMARIES].find_one({"_id": f"{dataset}|{key}|{period}", "run_id": run_id})
    if doc is None:
        return None
    columns = [c for c in doc if c not in ("_id", "run_id", "at", "code")]
    return pd.DataFrame({c: doc[c] for c in columns}, index=pd.Index(doc["code"], name="code"))
