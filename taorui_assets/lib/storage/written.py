"""What this process has just written (or what the checks need of it), so that the checks of
the same run use it rather than reading it back: re-reading a full-market day of 1m bars costs
as much as writing it.

The IO manager remembers each partition it wrote, keyed by run, dataset, partition and period;
a check of the same run takes it (``take``) or looks at it (``peek``), and reads from MongoDB
when the frame is not here (a check run in another process, or later in another run). Only
the last few frames are kept, so memory stays bounded.
"""
from __future__ import annotations

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
