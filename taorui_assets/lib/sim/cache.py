"""SimMarket's stock histories on disk, mapped rather than rebuilt in every process.

Building 5,000 stocks' histories since 2010 takes ~10 s and ~900 MB in every process that asks:
each step process of a multiprocess run, each run of a backfill. They are a pure function of
(seed, n_stocks) and the generator's code, so the first process saves them (one ``.npy`` per
field, every stock's array concatenated) and every later process maps them read-only: the
pages are shared through the OS page cache and count in a process's resident memory only where
touched (a day's question touches a few pages per stock).

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
    offsets = np.load(path / "offsets.npy")  # (fields, stocks + 1): where each stock's slice starts
    scalars = np.load(path / "scalars.npy")  # (stocks, 2): total0, float0
    columns = {name: np.load(path / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
    out = []
    for k, stock in enumerate(stocks):
        arrays = {name: columns[name][offsets[j, k]:offsets[j, k + 1]] for j, name in enumerate(ARRAYS)}
        out.append(History(stock=stock, **arrays, total0=float(scalars[k, 0]), float0=float(scalars[k, 1])))
    return out


def save(path: Path, histories: Sequence[History]) -> None:
    """Write ``histories`` to ``path`` atomically; an existing cache is left as it is."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=path.name + ".", dir=path.parent))
    try:
        offsets = np.zeros((len(ARRAYS), len(histories) + 1), dtype=np.int64)
        for j, name in enumerate(ARRAYS):
            parts = [getattr(h, name) for h in histories]
            offsets[j, 1:] = np.cumsum([len(p) for p in parts])
            np.save(tmp / f"{name}.npy", np.concatenate(parts) if parts else np.array([]))
        np.save(tmp / "offsets.npy", offsets)
        np.save(tmp / "scalars.npy", np.array([[h.total0, h.float0] for h in histories], dtype=float))
        np.save(tmp / "codes.npy", np.array([h.stock.code for h in histories], dtype=str))  # last: marks it complete
        os.rename(tmp, path)
    except OSError:  # another process renamed its copy first, or the disk is full: the cache is optional
        shutil.rmtree(tmp, ignore_errors=True)
