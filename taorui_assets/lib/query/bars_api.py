"""``get_bars``: the last ``count`` complete bars (or those since ``start_dt``) up to ``end_dt``.

As jqdatasdk documents it: ``fq_ref_date=None`` means unadjusted; otherwise prices are
adjusted to the factor of ``fq_ref_date`` (the last stored factor on or before it) and rounded
to 2 decimals, volume divided by the same ratio. ``skip_paused=True`` drops suspended days.
A daily bar counts as complete from 15:00; ``include_now`` also takes the bar in progress.
``date`` is a ``datetime.date`` for daily bars and a Timestamp for minute bars (GUESS).
One security gives a frame on a RangeIndex; a list gives a (code, i) MultiIndex frame;
``df=False`` gives numpy record arrays (a dict of them for a list).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from taorui_assets.lib.query import bars
from taorui_assets.lib.query.adjust import adjust
from taorui_assets.lib.query.connection import (
    OutOfRangeError, ParamsError, as_list, check_span, jq, known_codes, qmt, stored_span, today,
    trading_days, when)

BAR_FIELDS = ["date", "open", "close", "high", "low", "volume", "money"]
PERIOD_MINUTES = {"1m": 1, "5m": 5}


def get_bars(security, count=None, unit="1d", fields=("date", "open", "high", "low", "close"),
             include_now=False, end_dt=None, fq_ref_date=None, df=True, start_dt=None,
             skip_paused=True):
    single = isinstance(security, str)
    codes = [qmt(s) for s in as_list(security)]
    if not codes:
        raise ParamsError("security is required")
    if unit not in ("1d", "1m", "5m"):
        raise ParamsError(f"unit {unit!r} is not stored: use '1d', '1m' or '5m'")
    fields = as_list(fields) or ["date", "open", "high", "low", "close"]
    bad = [f for f in fields if f not in BAR_FIELDS]
    if bad:
        raise ParamsError(f"get_bars fields {bad} are not supported; choose from {BAR_FIELDS}")
    if not count and start_dt is None:
        raise ParamsError("count or start_dt is required")
    known_codes(codes)
    end = when(end_dt) or pd.Timestamp(today()) + pd.Timedelta(hours=23, minutes=59, seconds=59)
    start = when(start_dt)
    data, clipped = _read(codes, unit, start, end, count, bool(include_now), bool(skip_paused))
    if count:
        data = data.sort_values(["code", "time"], kind="stable").groupby("code").tail(int(count))
        short = data.groupby("code").size().reindex(sorted(set(codes)), fill_value=0) < int(count)
        if clipped and short.any():
            raise OutOfRangeError(f"get_bars count={count}: fewer {unit} bars are stored before {end} "
                                  f"for {[jq(c) for c in short[short].index[:5]]}")
    if fq_ref_date is not None:
        data = _adjusted(data, codes, when(fq_ref_date).normalize())
    frames = {jq(c): _shape(data[data["code"] == c], fields, unit) for c in dict.fromkeys(codes)}
    if single:
        out = next(iter(frames.values()))
        return out if df else out.to_records(index=False)
    if not df:
        return {c: f.to_records(index=False) for c, f in frames.items()}
    return pd.concat(frames, names=[None, None]) if frames else pd.DataFrame(columns=fields)


def _read(codes, unit, start, end, count, include_now, skip_paused) -> tuple[pd.DataFrame, bool]:
    dataset, query = ("daily_bars", None) if unit == "1d" else ("minute_bars", {"period": unit})
    clipped = False
    if start is not None:
        days = trading_days(start.normalize(), end.normalize()) if start <= end else []
    else:
        per_day = 1 if unit == "1d" else 240 // PERIOD_MINUTES[unit]
        need = math.ceil(int(count) / per_day) + 1 + (20 if skip_paused else 0)
        days = trading_days(None, end.normalize(), need) if need else []
    # What the read finds proves the stored range; the dataset's span is read only when it
    # does not (a window beginning before the stored data, or codes without bars at its ends).
    if unit == "1d":
        data = bars.daily(codes, days, ["open", "high", "low", "close", "volume", "amount", "paused"])
    else:
        data = bars.minutes(codes, days, unit)
    seen = set(data["date"].unique())
    if start is None and days and days[0] not in seen:  # the window may begin before the stored data
        first, _last = stored_span(dataset, query)
        clipped = days[0] < first
        days = [d for d in days if d >= first]
    if days:
        check_span(dataset, days[0], days[-1], query, what="get_bars", seen=seen)
    if unit == "1d":
        data["time"] = data["date"]
        done = data["date"] + pd.Timedelta(hours=15) <= end
        if include_now:
            done |= data["date"] <= end.normalize()
        data = data[done]
        if skip_paused:
            data = data[~data["paused"].astype(bool)]
    else:
        if not skip_paused:
            paused = bars.daily(codes, days, ["close", "paused"])
            fill = [pd.DataFrame({"code": r.code, "date": r.date, "time": bars.session_times(r.date, unit),
                                  "open": r.close, "high": r.close, "low": r.close, "close": r.close,
                                  "volume": 0.0, "amount": 0.0})
                    for r in paused[paused["paused"].astype(bool)].itertuples(index=False)]
            data = pd.concat([data, *fill], ignore_index=True) if fill else data
        limit = end + pd.Timedelta(minutes=PERIOD_MINUTES[unit]) if include_now else end
        data = data[data["time"] < limit] if include_now else data[data["time"] <= end]
    if start is not None:
        data = data[data["time"] >= (start.normalize() if unit == "1d" else start)]
    return data.sort_values(["code", "time"], kind="stable").reset_index(drop=True), bool(clipped)


def _adjusted(data: pd.DataFrame, codes: list[str], ref_day: pd.Timestamp) -> pd.DataFrame:
    if data.empty:
        return data
    days = sorted(set(data["date"]))
    f = bars.factors(codes, days).set_index(["date", "code"])["factor"]
    fac = f.reindex(pd.MultiIndex.from_arrays([data["date"], data["code"]])).fillna(1.0).to_numpy(float)
    ref = bars.factor_on(codes, ref_day)
    ratio = fac / data["code"].map(ref).fillna(1.0).to_numpy(float)
    data = data.copy()
    for col in ("open", "high", "low", "close", "volume"):
        data[col] = adjust(col, data[col], ratio)
    return data


def _shape(rows: pd.DataFrame, fields: list[str], unit: str) -> pd.DataFrame:
    out = {}
    for f in fields:
        if f == "date":
            t = pd.to_datetime(rows["time"]).astype("datetime64[ns]")
            out[f] = np.array([d.date() for d in t], dtype=object) if unit == "1d" else t.to_numpy()
        else:
            out[f] = rows["amount" if f == "money" else f].to_numpy(float)
    return pd.DataFrame(out, columns=fields)
