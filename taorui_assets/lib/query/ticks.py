"""``get_ticks`` / ``get_current_tick`` (jqdatasdk's signatures) and today's live 1m bars.

Shapes (JoinQuant API docs for get_ticks / get_current_tick; jqdatasdk's docstrings):

* ``get_ticks(security, start_dt, end_dt, count, fields, skip, df)``: one security; ``end_dt``
  is required and ``start_dt``/``count`` are exclusive (``count`` = the last N ticks up to
  ``end_dt``). Stock fields, in jqdatasdk's docstring order: ``time current high low volume
  money a1_v–a5_v a1_p–a5_p b1_v–b5_v b1_p–b5_p``; ``skip=True`` drops ticks without a trade
  (cumulative volume unchanged). ``df=True``: a DataFrame on a RangeIndex with ``time`` as
  datetime; ``df=False``: a numpy structured array whose ``time`` is a float
  ``YYYYmmddHHMMSS.fff`` (GUESS: JoinQuant's ndarray time convention).
* ``get_current_tick(security)``: read from ``quotes_latest``; the columns jqdatasdk builds
  (``datetime current high low volume money a1_p a1_v … b5_p b5_v``); one security → index
  ``[0]`` as jqdatasdk sets it; several → indexed by the JQData code (GUESS: the first CSV
  column jqdatasdk uses as index). None when nothing is stored, as jqdatasdk answers an empty body.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import numpy as np
import pandas as pd

from taorui_assets.lib.fields import jq_names
from taorui_assets.lib.query.connection import ParamsError, as_list, db, jq, qmt, when
from taorui_assets.lib.realtime import storage

_JQ = jq_names("ticks")                      # canonical → JQData
_CANON = {v: k for k, v in _JQ.items()}      # JQData → canonical
STOCK_FIELDS = (["time", "current", "high", "low", "volume", "money"]
                + [f"a{k}_v" for k in range(1, 6)] + [f"a{k}_p" for k in range(1, 6)]
                + [f"b{k}_v" for k in range(1, 6)] + [f"b{k}_p" for k in range(1, 6)])
CURRENT_FIELDS = (["datetime", "current", "high", "low", "volume", "money"]
                  + [f"{s}{k}_{x}" for s in ("a", "b") for k in range(1, 6) for x in ("p", "v")])


def get_ticks(security, start_dt=None, end_dt=None, count=None, fields=None, skip=True, df=True):
    """jqdatasdk.get_ticks over the captured ticks (``ticks`` buckets)."""
    if not isinstance(security, str):
        raise ParamsError("get_ticks takes a single security")
    code = qmt(security)
    if end_dt is None:
        raise ParamsError("end_dt is required")
    if (start_dt is None) == (count is None):
        raise ParamsError("start_dt and count: exactly one is required")
    fields = as_list(fields) or list(STOCK_FIELDS)
    bad = [f for f in fields if f not in STOCK_FIELDS]
    if bad:
        raise ParamsError(f"get_ticks fields {bad} are not stock tick fields; choose from {STOCK_FIELDS}")
    end = when(end_dt)
    if end == end.normalize() and not isinstance(end_dt, (dt.datetime, pd.Timestamp)):
        end = end + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)  # a bare date: the whole day
    if start_dt is not None:
        start = when(start_dt)
        t = storage.read_ticks(db(), code, start.to_pydatetime(), end.to_pydatetime())
        t = _skip(t) if skip else t
    else:
        t = _last_n(code, end, int(count), bool(skip))
    out = pd.DataFrame({f: (t["time"] if f == "time" else t[_CANON[f]]) for f in fields}).reset_index(drop=True)
    if df:
        return out
    if "time" in out:
        out["time"] = out["time"].dt.strftime("%Y%m%d%H%M%S.%f").str[:-3].astype(float)
    return out.to_records(index=False)


def _skip(t: pd.DataFrame) -> pd.DataFrame:
    """Ticks with a trade: cumulative volume above the previous tick's (it restarts each day)."""
    day = t["time"].dt.normalize()
    prev = t["volume"].shift(1).where(day.eq(day.shift(1)), 0.0)
    return t[t["volume"] > prev]


def _last_n(code: str, end: pd.Timestamp, n: int, skip: bool) -> pd.DataFrame:
    """The last ``n`` ticks at or before ``end``, read one day at a time backwards (≤ 30 days)."""
    parts, have, day = [], 0, end.normalize()
    for _ in range(30):
        if have >= n:
            break
        hi = min(end, day + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1))
        t = storage.read_ticks(db(), code, day.to_pydatetime(), hi.to_pydatetime())
        if len(t):
            t = _skip(t) if skip else t
            parts.insert(0, t)
            have += len(t)
        day -= pd.Timedelta(days=1)
    if not parts:
        return storage.read_ticks(db(), code, end.to_pydatetime(), end.to_pydatetime())
    return pd.concat(parts, ignore_index=True).tail(n).reset_index(drop=True)


def get_current_tick(security):
    """jqdatasdk.get_current_tick over ``quotes_latest``."""
    codes = [qmt(s) for s in as_list(security)]
    if not codes:
        raise ParamsError("security is required")
    docs = {d["_id"]: d for d in db()[storage.LATEST].find({"_id": {"$in": codes}})}
    rows = []
    for c in codes:
        d = docs.get(c)
        if d is None:
            continue
        row = {"code": jq(c), "datetime": d["time"]}
        for f in CURRENT_FIELDS[1:]:
            row[f] = float(d.get(_CANON[f], np.nan))
        rows.append(row)
    if not rows:
        return None
    out = pd.DataFrame(rows).set_index("code")[CURRENT_FIELDS]
    if len(codes) <= 1:
        out.index = [0]
    return out


def live_minutes(codes: Optional[list], day: pd.Timestamp) -> pd.DataFrame:
    """Today's live 1m bars (code, date, time, open, high, low, close, volume, amount) of codes
    that have no downloaded minute_bars for ``day`` yet, up to the last completed minute: a bar
    is complete once the capture's clock (the latest exchange time it received) reaches its END."""
    cols = ["code", "date", "time", "open", "high", "low", "close", "volume", "amount"]
    d = db()
    hb = d[storage.HEARTBEAT].find_one({"_id": "capture"}) or {}
    clock = hb.get("last_exchange_time")
    if clock is None or pd.Timestamp(clock).normalize() != day.normalize():
        return pd.DataFrame(columns=cols)
    done = set(d["minute_bars"].distinct("code", {"date": day.to_pydatetime(), "period": "1m"}))
    want = None if codes is None else [c for c in codes if c not in done]
    if want == []:
        return pd.DataFrame(columns=cols)
    bars = storage.live_bars(d, day.date(), want, before=pd.Timestamp(clock).floor("min").to_pydatetime())
    bars = bars[~bars["code"].isin(done)]
    return bars[cols].reset_index(drop=True)
