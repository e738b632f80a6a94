"""SimMarket's stock histories on disk, mapped rather than rebuilt in every process.

Building 5,000 stocks' histories since 2010 takes ~10 s and ~900 MB in every process that asks:
each step process of a multiprocess run, each run of a backfill. They are a pure function of
(seed, n_stocks) and the generator's code, so the first process saves them and every later
process maps them read-only: the pages are shared through the OS page cache and count in a
process's resident memory only where touched.

The daily fields are stored day-major, one ``(calendar day, stock)`` matrix per field, and a
stock's history is a strided view of its column. Nearly every question is a cross-section of one
day, which then touches one contiguous row per field (~40 KB). Stored stock-major, the same
question touched a page of every stock's array, and the kernel's fault-around mapped ~64 KB
around each: ~580 MB resident for a full-market day. The per-event arrays (``ex_*``) are small
and stay concatenated per stock.

The directory name carries a hash of the generator's source files, so changed code never maps
stale histories; a directory is written under a temporary name and renamed, so a crashed or
concurrent writer never leaves half a cache for others to map.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from taorui_assets.lib.sim.prices import History
from taorui_assets.lib.sim.universe import Stock

ARRAYS = [f.name for f in dataclasses.fields(History) if f.name not in ("stock", "total0", "float0")]
EVENTS = [name for name in ARRAYS if name.startswith("ex_")]  # one item per ex-dividend event
DAILY = [name for name in ARRAYS if name not in EVENTS]      # one item per day listed
# The modules a history is computed from: a change to any of them is a new cache.
SOURCES = ("prices.py", "universe.py", "util.py", "cache.py")


def directory(root: str | Path, seed: int, n_stocks: int) -> Path:
    here = Path(__file__).parent
    digest = hashlib.sha256(b"".join((here / name).read_bytes() for name in SOURCES)).hexdigest()[:12]
    return Path(root) / f"histories-{seed}-{n_stocks}-{digest}"


def load(path: Path, stocks: Sequence[Stock]) -> Optional[list[History]]:
    """The histories of ``stocks`` (in order) mapped from ``path``, or None when not cached."""
    if not (path / "codes.npy").exists():
        return None
    codes = np.load(path / "codes.npy", allow_pickle=False)
    if [str(c) for c in codes] != [s.code for s in stocks]:
        return None
    offsets = np.load(path / "offsets.npy")  # (event fields, stocks + 1): where each stock's events start
    lengths = np.load(path / "lengths.npy")  # (stocks,): days of each stock's history
    scalars = np.load(path / "scalars.npy")  # (stocks, 2): total0, float0
    columns = {name: np.load(path / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
    out = []
    for k, stock in enumerate(stocks):
        arrays = {name: columns[name][stock.start:stock.start + lengths[k], k] for name in DAILY}
        arrays.update({name: columns[name][offsets[j, k]:offsets[j, k + 1]] for j, name in enumerate(EVENTS)})
        out.append(History(stock=stock, **arrays, total0=float(scalars[k, 0]), float0=float(scalars[k, 1])))
    return out


def save(path: Path, histories: Sequence[History]) -> None:
    """Write ``histories`` to ``path`` atomically; an existing cache is left as it is."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=path.name + ".", dir=path.parent))
    try:
        lengths = np.array([len(h.close) for h in histories], dtype=np.int64)
        days = max((h.stock.start + n for h, n in zip(histories, lengths)), default=0)
        for name in DAILY:  # day-major: a day's cross-section is one contiguous row
            matrix = np.zeros((days, len(histories)), dtype=getattr(histories[0], name).dtype if histories else float)
            for k, h in enumerate(histories):
                matrix[h.stock.start:h.stock.start + lengths[k], k] = getattr(h, name)
            np.save(tmp / f"{name}.npy", matrix)
            del matrix
        offsets = np.zeros((len(EVENTS), len(histories) + 1), dtype=np.int64)
        for j, name in enumerate(EVENTS):
            parts = [getattr(h, name) for h in histories]
            offsets[j, 1:] = np.cumsum([len(p) for p in parts])
            np.save(tmp / f"{name}.npy", np.concatenate(parts) if parts else np.array([]))
        np.save(tmp / "offsets.npy", offsets)
        np.save(tmp / "lengths.npy", lengths)
        np.save(tmp / "scalars.npy", np.array([[h.total0, h.float0] for h in histories], dtype=float))
        np.save(tmp / "codes.npy", np.array([h.stock.code for h in histories], dtype=str))  # last: marks it complete
        os.rename(tmp, path)
    except OSError:  # another process renamed its copy first, or the disk is full: the cache is optional
        shutil.rmtree(tmp, ignore_errors=True)
