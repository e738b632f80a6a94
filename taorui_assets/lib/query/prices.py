"""``get_price``: jqdatasdk's signature, defaults and ``panel=False`` frames, read from MongoDB.

Shapes follow what jqdatasdk returns from the platform's JQData stand-in (see
``taorui_assets_tests/doubles/jqdata_server_prices.py``): a str security gives a frame indexed by time; a
list gives ``time, code, <fields>`` on a RangeIndex, rows ordered by time then code.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pandas as pd

from taorui_assets.lib.codes import price_decimals
from taorui_assets.lib.query import bars
from taorui_assets.lib.query.adjust import PRICE_FIELDS, adjust, applied_factor, average, check_fq
from taorui_assets.lib.query.ticks import live_minutes
from taorui_assets.lib.query.connection import (
    OutOfRangeError, ParamsError, as_list, calendar_days, check_calendar, check_span, jq, known_codes, qmt,
    stored_span, trading_days, when)

DEFAULT_FIELDS = ["open", "close", "high", "low", "volume", "money"]
ALL_FIELDS = DEFAULT_FIELDS + ["factor", "high_limit", "low_limit", "avg", "pre_close", "paused"]
BARS_PER_DAY = {"1m": 240, "5m": 48}
DEFAULT_START = "2015-01-01"  # jqdatasdk's start_date when neither start_date nor count is given
# jqdatasdk.get_price's documented end_date default: "end_date 格式同上, 结束时间, 默认是'2015-12-31',
# 包含此日期" (the client sends None and the service applies it).
DEFAULT_END = "2015-12-31"
# What fill_paused=False turns to NaN on a suspended day ("False 表示使用NAN填充停牌的数据"): the
# traded values; paused, factor, limits and pre_close still describe the day.
PAUSED_NAN = ["open", "high", "low", "close", "volume", "amount"]


def parse_frequency(value) -> str:
    f = str(value).lower()
    if f in ("daily", "1d"):
        return "1d"
    if f in ("minute", "1m"):
        return "1m"
    if f == "5m":
        return "5m"
    raise ParamsError(f"frequency {value!r} is not stored: use 'daily', '1m' or '5m'")


def check_fields(fields) -> list[str]:
    fields = as_list(fields) or list(DEFAULT_FIELDS)
    bad = [f for f in fields if f not in ALL_FIELDS]
    if bad:
        raise ParamsError(f"get_price fields {bad} are not supported; choose from {ALL_FIELDS}")
    return fields


def get_price(security, start_date=None, end_date=None, frequency="daily", fields=None,
              skip_paused=False, fq="pre", count=None, panel=True, fill_paused=True, round=True):
    """jqdatasdk.get_price over the stored bars; ``panel`` is ignored (pandas has no Panel).

    A code repeated in the list is answered once, at its first place (as the client rebuilds
    column-keyed answers, and as get_money_flow / get_extras / get_bars answer)."""
    single = isinstance(security, str)
    codes = list(dict.fromkeys(qmt(s) for s in as_list(security)))
    if not codes:
        raise ParamsError("security is required")
    period = parse_frequency(frequency)
    fields = check_fields(fields)
    try:
        fq = check_fq(fq)
    except ValueError as e:
        raise ParamsError(str(e)) from None
    if count and start_date:
        raise ParamsError("(start_date, count) only one param is required")
    if not count and not start_date:
        start_date = DEFAULT_START
    start, end = when(start_date), when(end_date)
    if end is None:
        end = pd.Timestamp(DEFAULT_END)
        if start is not None and start.normalize() > end:  # JQData would answer nothing: say why
            raise ParamsError(f"start_date {start.date()} is after end_date, whose jqdatasdk default is "
                              f"{DEFAULT_END}; pass end_date")
    known_codes(codes)
    days = _days(period, start, end, count)
    if period == "1d":
        data = _daily(codes, days, bool(skip_paused))
    else:
        data = _minutes(codes, days, period, start, end, count, bool(skip_paused))
    f = None
    if fq == "pre" and len(data) and (data["date"] == days[-1]).all():
        # pre-adjusted to the last requested day, rows all on that day: each factor is its own
        # reference (1.0 exactly, as the division below gives), so no factor is read
        data["factor"] = 1.0
    elif fq is not None or "factor" in fields:
        # one read of the factors serves each row's factor and the reference (last day) factor
        f = bars.factors(codes, days) if fq and len(data) else None
        data["factor"] = _day_factors(data, f) if fq else 1.0
    if fq == "pre" and len(data) and f is not None:
        last = f[f["date"] == days[-1]]
        ref = last.drop_duplicates("code").set_index("code")["factor"].reindex(codes).fillna(1.0)
        data["factor"] = applied_factor(data["factor"], data["code"].map(ref), "pre")
    if not fill_paused and "paused" in data:
        data.loc[data["paused"] == 1.0, PAUSED_NAN] = np.nan
    return _frame(data, fields, fq, bool(round), single)


def _days(period: str, start, end: pd.Timestamp, count) -> list[pd.Timestamp]:
    """Trading days to read (for a minute ``count``: enough days to hold the bars, the end day
    may be cut intraday). Whether the data holds them is checked on what the read finds."""
    if start is not None:
        if start.normalize() > end.normalize():
            check_calendar(start.normalize(), end.normalize())
            return []
        if period == "1d" or not count:
            return calendar_days(start.normalize(), end.normalize())
    if period == "1d" or not count:
        return trading_days(None, end.normalize(), int(count) if count else None)
    return trading_days(None, end.normalize(), math.ceil(int(count) / BARS_PER_DAY[period]) + 1)


def _daily(codes: list[str], days: list[pd.Timestamp], skip_paused: bool) -> pd.DataFrame:
    raw = bars.daily(codes, days)
    if days:
        ends = [raw["date"].min(), raw["date"].max()] if len(raw) else []  # enough to prove lo..hi
        check_span("daily_bars", days[0], days[-1], what="get_price", seen=ends)
    raw = raw.set_index(["date", "code"])
    grid = pd.MultiIndex.from_product([days, codes], names=["date", "code"])
    frame = raw.reindex(grid).reset_index()  # days a code is not listed: NaN rows, as JQData
    frame["paused"] = frame["paused"].map({True: 1.0, False: 0.0}).astype(float)
    if skip_paused:
        frame = frame[frame["paused"] == 0.0]
    return frame.rename(columns={"date": "time"}).assign(date=frame["date"]).reset_index(drop=True)


def _live_today(day: pd.Timestamp) -> bool:
    """Today, whose 1m bars come from the capture until the minute_bars partition exists."""
    from taorui_assets.lib.query.connection import today

    return day.date() == today()


def _minutes(codes, days, period, start, end, count, skip_paused) -> pd.DataFrame:
    query = {"period": period}
    # without count the window is [start, end]: the server cuts each bucket to its slots
    mins = bars.minutes(codes, days, period, start=None if count else start, end=end)
    seen = set(mins["date"].unique())
    clipped = False
    if count and days and days[0] not in seen:  # the window may begin before the stored data
        first, _last = stored_span("minute_bars", query)
        clipped = days[0] < first
        days = [d for d in days if d >= first]
        mins = mins[mins["date"] >= first]
    live_day = bool(period == "1m" and days and _live_today(days[-1]))
    stored = days[:-1] if live_day else days
    if stored:  # today's 1m bars may still be live ones (lib/query/ticks.py, issue 12)
        check_span("minute_bars", stored[0], stored[-1], query, what="get_price", seen=seen)
    if live_day:  # during the session: the capture's bars
        live = live_minutes(codes, days[-1])
        if len(live):
            live = live[mins.columns]
            mins = live if mins.empty else pd.concat([mins, live], ignore_index=True)
    mins["paused"] = 0.0
    day_bars = bars.daily(codes, days, ["close", "pre_close", "high_limit", "low_limit", "paused"])
    if not skip_paused:  # a suspended security's bars: the day's close, no volume
        fill = [pd.DataFrame({"code": r.code, "date": r.date, "time": bars.session_times(r.date, period),
                              "open": r.close, "high": r.close, "low": r.close, "close": r.close,
                              "volume": 0.0, "amount": 0.0, "paused": 1.0})
                for r in day_bars[day_bars["paused"].astype(bool)].itertuples(index=False)]
        if fill:
            mins = pd.concat([mins, *fill], ignore_index=True)
    keep = mins["time"] <= end
    if start is not None and not count:
        keep &= mins["time"] >= start
    mins = mins[keep]
    if count:
        mins = mins.sort_values(["code", "time"], kind="stable").groupby("code").tail(int(count))
        short = mins.groupby("code").size().reindex(sorted(set(codes)), fill_value=0) < int(count)
        if clipped and short.any():
            raise OutOfRangeError(f"get_price count={count}: fewer {period} bars are stored before "
                                  f"{end} for {[jq(c) for c in short[short].index[:5]]}")
    limits = day_bars.set_index(["date", "code"])[["high_limit", "low_limit", "pre_close"]]
    joined = limits.reindex(pd.MultiIndex.from_arrays([mins["date"], mins["code"]]))
    for col in ("high_limit", "low_limit", "pre_close"):
        mins[col] = joined[col].to_numpy(float)
    return mins.reset_index(drop=True)


def _day_factors(data: pd.DataFrame, f: Optional[pd.DataFrame]) -> np.ndarray:
    if not len(data):
        return np.array([], dtype=float)
    f = f.set_index(["date", "code"])["factor"]
    f = f[~f.index.duplicated()]
    keys = pd.MultiIndex.from_arrays([data["date"], data["code"]])
    return f.reindex(keys).fillna(1.0).to_numpy(float)


def _frame(data: pd.DataFrame, fields: list[str], fq: Optional[str], round_: bool,
           single: bool) -> pd.DataFrame:
    n = len(data)
    codes = pd.unique(data["code"]) if n else []
    out = pd.DataFrame({"time": pd.to_datetime(data["time"], cache=False).astype("datetime64[ns]") if n else [],
                        "code": data["code"].map({c: jq(c) for c in codes}).to_numpy() if n else []})
    fac = data["factor"].to_numpy(float) if fq and n else None
    decimals = data["code"].map({c: price_decimals(c) for c in codes}).to_numpy() if n else 2
    for f in fields:
        if not n:
            col = np.array([], dtype=float)
        elif f == "avg":
            col = average(data["volume"], data["amount"], data["close"])
        elif f == "money":
            col = data["amount"].to_numpy(float)
        else:
            col = data[f].to_numpy(float)
        if fac is not None and (f in PRICE_FIELDS or f == "volume"):
            col = adjust(f, col, fac, round_, decimals)
        out[f] = np.asarray(col, dtype=float)
    out = out.sort_values(["time", "code"], kind="stable").reset_index(drop=True)
    if single:
        out = out.drop(columns="code").set_index("time").rename_axis(None)
        if not n:  # what the client rebuilds from an empty index
            out.index = pd.Index([])
    return out
