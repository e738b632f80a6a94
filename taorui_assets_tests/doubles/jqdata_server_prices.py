"""``get_price`` of the local JQData stand-in (daily and 1m/5m bars, fq None/'pre'/'post').

JQData semantics reproduced: unadjusted prices with ``fq=None``; ``fq='post'`` multiplies
prices by the backward cumulative factor and divides volume by it; ``fq='pre'`` does the
same with factor / factor(end_date) (GUESS: the real service's reference day for 'pre' is
"today"; the client passes no reference). ``factor`` is 1.0 unadjusted, else the factor
applied. ``paused`` is 1.0/0.0. Days a security is not listed are NaN rows unless
``skip_paused``. Minute bars are labelled by bar END time; a bare date as ``end_date``
means 00:00 of that day, as in JQData. ``panel=False`` with a list of securities gives
columns ``time, code, <fields>`` on a RangeIndex (GUESS: rows ordered by time, then code);
a single security string gives a frame indexed by time without ``code``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from taorui_assets.lib import codes as C
from taorui_assets_tests.doubles.jqdata_server_api import DEFAULT_FIELDS, PRICE_FIELDS, as_list, parse_dt

CANON = {"money": "amount"}  # JQData field → canonical column


def _frequency(frequency: str) -> str:
    f = str(frequency).lower()
    if f in ("daily", "1d"):
        return "1d"
    if f in ("minute", "1m"):
        return "1m"
    if f == "5m":
        return "5m"
    raise NotImplementedError(f"frequency {frequency!r} is not served by the test double")


def _factors(api, day, codes: list[str]) -> pd.Series:
    f = api.cached("adj_factors", day, None).set_index("code")["factor"]
    return f.reindex(codes).fillna(1.0)


def _day_frame(api, day, codes: list[str], period: str, skip_paused: bool) -> pd.DataFrame:
    bars = api.cached("daily_bars", day, None, None).set_index("code")
    if period == "1d":
        out = bars.reindex(codes)
        out["time"] = pd.Timestamp(day)
        out["paused"] = out["paused"].map({True: 1.0, False: 0.0}).astype(float)
        if skip_paused:
            out = out[out["paused"] == 0.0]
        return out.reset_index().rename(columns={"index": "code"})
    mins = api.cached("minute_bars", day, period, None, None)
    mins = mins[mins["code"].isin(codes)].copy()
    mins["paused"] = 0.0
    if not skip_paused:  # paused securities: filled with the day's (pre-)close, volume 0
        fill = []
        grid = sorted(pd.to_datetime(mins["time"]).unique()) if not mins.empty else []
        for code in codes:
            if code in bars.index and bool(bars.loc[code, "paused"]) and grid:
                px = float(bars.loc[code, "close"])
                fill.append(pd.DataFrame({"code": code, "time": grid, "open": px, "high": px, "low": px,
                                          "close": px, "volume": 0.0, "amount": 0.0, "paused": 1.0}))
        if fill:
            mins = pd.concat([mins, *fill], ignore_index=True)
    day_bars = bars.reindex(mins["code"])
    for col in ("high_limit", "low_limit", "pre_close"):
        mins[col] = day_bars[col].to_numpy(float)
    return mins.reset_index(drop=True)


def get_price(api, security, start_date, end_date, frequency, fields, skip_paused, fq, count,
              fill_paused, round_):
    period = _frequency(frequency)
    single = isinstance(security, str)
    secs = as_list(security)
    codes = list(dict.fromkeys(C.to_qmt(s) for s in secs))  # a repeated code is answered once
    fields = as_list(fields) or list(DEFAULT_FIELDS)
    # end_date "默认是'2015-12-31', 包含此日期" (jqdatasdk's get_price docstring)
    start, end = parse_dt(start_date), parse_dt(end_date) or pd.Timestamp("2015-12-31")
    days = api.days(start.normalize() if start is not None else None, end.normalize(), count)
    parts = []
    for day in days:
        frame = _day_frame(api, day, codes, period, bool(skip_paused))
        if period != "1d":
            t = pd.to_datetime(frame["time"])
            keep = t <= end
            if start is not None and not count:
                keep &= t >= start
            frame = frame[keep]
        if fq in ("pre", "post") or "factor" in fields:
            frame["factor"] = _factors(api, day, list(frame["code"])).to_numpy(float) if fq else 1.0
        parts.append(frame)
    data = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["code", "time"])
    if fq == "pre" and len(data):
        ref = _factors(api, days[-1], codes)
        data["factor"] = data["factor"] / data["code"].map(ref).to_numpy(float)
    if not fill_paused and "paused" in data:
        # "False 表示使用NAN填充停牌的数据": the traded values of a suspended day are NaN
        data.loc[data["paused"] == 1.0, ["open", "high", "low", "close", "volume", "amount"]] = np.nan
    out = pd.DataFrame({"time": pd.to_datetime(data["time"]) if len(data) else [],
                        "code": [C.to_jq(c) for c in data["code"]]})
    volume = data["volume"].astype(float) if len(data) else []
    money = data["amount"].astype(float) if len(data) else []
    for f in fields:
        if f == "avg":
            with np.errstate(divide="ignore", invalid="ignore"):
                col = np.where(np.asarray(volume) > 0, np.asarray(money) / np.asarray(volume),
                               data["close"].astype(float))
        elif f == "factor":
            col = data["factor"].astype(float) if len(data) else []
        elif f in ("paused", "volume", "money") or f in PRICE_FIELDS:
            col = data[CANON.get(f, f)].astype(float) if len(data) else []
        else:
            raise NotImplementedError(f"get_price field {f!r} is not served by the test double")
        col = pd.Series(np.asarray(col, dtype=float))
        if fq in ("pre", "post") and len(data):
            fac = data["factor"].to_numpy(float)
            if f in PRICE_FIELDS:
                col = col * fac
                if round_:  # GUESS: funds and bonds to 3 decimals, their tick
                    three = data["code"].map(C.price_decimals).to_numpy() == 3
                    col = pd.Series(np.where(three, col.round(3), col.round(2)))
            elif f == "volume":
                col = col / fac
        out[f] = col.to_numpy()
    out = out.sort_values(["time", "code"], kind="stable").reset_index(drop=True)
    if single:
        return out.drop(columns="code").set_index("time").rename_axis(None)
    return out
