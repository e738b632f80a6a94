"""xtquant answers → canonical frames (pure functions, no xtquant import).

What the xtquant shapes mean, and the assumptions where ``xtquant/doc/xtdata.md``
is silent (each is also listed in the ``qmt`` module docstring):

* Time. ``time`` columns are epoch milliseconds (true UTC epoch); the wall clock they
  denote is Asia/Shanghai. We convert with an explicit zone, never ``time.localtime``
  (which is what ``xtdata.timetag_to_datetime`` uses and breaks on a UTC server).
* Volume. K-line ``volume`` of stocks is in lots (手, 100 shares); we multiply by 100.
  Index volume is taken as reported (assumed shares) — see ``INDEX_VOLUME_IN_LOTS``.
* Minute bars. QMT stamps a bar with its END time (``09:31`` covers 09:30–09:31) and
  delivers one extra bar stamped ``09:30`` that holds only the 09:25 opening call
  auction (241 1m bars a day). Canonical bars are END-stamped too, 240 a day from 09:31
  to 15:00, with the auction folded into the first bar: open = auction open, high/low =
  extremes of both, close = first bar's close, volume/amount summed. Anything stamped
  at or before 09:30 is folded the same way (5m included). A bar at another time not on
  the canonical grid is an error (e.g. a START-stamped series), never silently shifted.
* Suspension. ``suspendFlag`` 1 = suspended all day. Canonical paused rows carry
  open = high = low = close = pre_close, volume 0, amount 0 whatever QMT filled in.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable, Mapping, Optional

import numpy as np
import pandas as pd

from taorui_assets.lib import codes as C
from taorui_assets.lib import bar_rules, schemas, sessions
from taorui_assets.lib.fields import xt_names
from taorui_assets.lib.sources.base import SourceError

TZ = "Asia/Shanghai"
LOT = 100
INDEX_VOLUME_IN_LOTS = False  # assumption: QMT reports index volume in shares
CONBOND_LOT = 10  # GUESS: convertible-bond K-line volume in 手 of 10 张 (the exchanges' trading unit)

# QMT names of the report tables we read, canonical statement → xtquant table name.
STATEMENT_TABLES = {"balance": "Balance", "income": "Income", "cash_flow": "CashFlow",
                    "pershare": "PershareIndex"}


# ---------------------------------------------------------------- time helpers
def ms_to_local(ms) -> pd.Series:
    """Epoch ms → naive Asia/Shanghai wall-clock timestamps."""
    s = pd.to_datetime(pd.Series(ms, dtype="int64"), unit="ms", utc=True)
    return s.dt.tz_convert(TZ).dt.tz_localize(None)


def local_to_ms(ts) -> np.ndarray:
    """Naive Asia/Shanghai timestamps → epoch ms (the inverse of ``ms_to_local``)."""
    s = pd.to_datetime(pd.Series(ts)).dt.tz_localize(TZ).dt.tz_convert("UTC")
    return (s.astype("int64") // 1_000_000).to_numpy()


def ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def parse_ymd(text) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.strptime(str(text)[:8], "%Y%m%d"))


def lot_factor(code: str) -> int:
    board = C.board(code)
    if board == C.INDEX and not INDEX_VOLUME_IN_LOTS:
        return 1
    if board == C.CONBOND:
        return CONBOND_LOT
    return LOT


# ---------------------------------------------------------------- bars
def required_fields(dataset: str) -> list[str]:
    """The documented xtquant fields a K-line answer of ``dataset`` must carry."""
    return [x for c, x in xt_names(dataset).items() if c not in ("code", "period")]


def _stack(answer: Mapping[str, pd.DataFrame], required: Iterable[str] = ()) -> pd.DataFrame:
    """get_market_data_ex answer {code: frame indexed by time string} → one long frame.

    A documented field missing from a code's frame is the source's fault: a SourceError
    naming the field, never a KeyError deep in the normalisation."""
    required = list(required)
    parts = []
    for code, frame in answer.items():
        if frame is None or len(frame) == 0:
            continue
        missing = [f for f in required if f not in frame.columns]
        if missing:
            raise SourceError(f"QMT answer lacks the documented field(s) {', '.join(missing)} "
                              f"(e.g. for {code}; it has {', '.join(map(str, frame.columns))})")
        f = frame.reset_index(drop=True).copy()
        f["code"] = code
        parts.append(f)
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def daily_bars(answer: Mapping[str, pd.DataFrame], day: dt.date,
               st: Mapping[str, bool], first_day: Mapping[str, bool] = {}) -> pd.DataFrame:
    """1d K-lines of one day → canonical daily bars (limits from ``bar_rules.limit_prices``;
    ``first_day``: code → listed that day, for a convertible bond's first-day limits)."""
    df = _stack(answer, required_fields("daily_bars"))
    if df.empty:
        return schemas.empty("daily_bars")
    df["time"] = ms_to_local(df["time"]).dt.normalize()
    df = df[df["time"] == pd.Timestamp(day)].copy()
    ren = {x: c for c, x in xt_names("daily_bars").items() if x in df.columns and x != "code"}
    df = df.rename(columns=ren)
    df["paused"] = df["paused"].fillna(0).astype(int) == 1
    df["volume"] = df["volume"].astype(float) * df["code"].map(lot_factor)
    df["amount"] = df["amount"].astype(float)
    for col in ("open", "high", "low", "close", "pre_close"):
        df[col] = df[col].astype(float)
    p = df["paused"]
    for col in ("open", "high", "low", "close"):
        df.loc[p, col] = df.loc[p, "pre_close"]
    df.loc[p, ["volume", "amount"]] = 0.0
    df["high_limit"], df["low_limit"] = bar_rules.limit_prices(
        df["pre_close"], df["code"].map(C.board), df["code"].map(lambda c: bool(st.get(c, False))),
        days=day, first_day=df["code"].map(lambda c: bool(first_day.get(c, False))))
    return df[schemas.columns("daily_bars")].reset_index(drop=True)


def minute_bars(answer: Mapping[str, pd.DataFrame], day: dt.date, period: str) -> pd.DataFrame:
    """1m/5m K-lines of one day → canonical END-stamped bars, auction folded in."""
    df = _stack(answer, required_fields("minute_bars"))
    if df.empty:
        return schemas.empty("minute_bars")
    df["time"] = ms_to_local(df["time"])
    df = df[df["time"].dt.normalize() == pd.Timestamp(day)].copy()
    grid = sessions.session_times(day, period)
    first = grid[0]
    early = df["time"] < first  # the 09:30 auction bar (or anything earlier) folds in
    df["slot"] = df["time"].where(~early, first)
    off = ~df["slot"].isin(grid)
    if off.any():
        bad = df.loc[off, ["code", "time"]].head(3).to_dict("records")
        raise SourceError(f"QMT {period} bars at times off the canonical grid, e.g. {bad}")
    df = df.sort_values(["code", "time"])
    g = df.groupby(["code", "slot"], sort=True)
    out = pd.DataFrame({
        "open": g["open"].first(), "high": g["high"].max(), "low": g["low"].min(),
        "close": g["close"].last(), "volume": g["volume"].sum(), "amount": g["amount"].sum(),
    }).reset_index().rename(columns={"slot": "time"})
    out["volume"] = out["volume"].astype(float) * out["code"].map(lot_factor)
    out["date"] = pd.Timestamp(day)
    out["period"] = period
    return out[schemas.columns("minute_bars")].reset_index(drop=True)


def cumulative_factor(divid: Optional[pd.DataFrame], day: dt.date) -> float:
    """Backward cumulative factor in force on ``day``: the product of ``dr`` over every
    ex-rights date on or before ``day`` since listing (1.0 when there were none)."""
    if divid is None or len(divid) == 0 or "dr" not in divid.columns:
        return 1.0
    idx = pd.Index([parse_ymd(t) for t in divid.index])
    dr = pd.to_numeric(divid["dr"], errors="coerce").to_numpy()
    keep = (idx <= pd.Timestamp(day)) & np.isfinite(dr) & (dr > 0)
    return float(np.prod(dr[keep])) if keep.any() else 1.0


# ---------------------------------------------------------------- fundamentals
def financial_statements(answer: Mapping[str, Mapping[str, pd.DataFrame]], report: dt.date,
                         as_of: dt.date) -> pd.DataFrame:
    """get_financial_data answer → every version of the quarter announced by ``as_of``."""
    names = xt_names("financial_statements")
    items = {c: x for c, x in names.items() if c not in ("code", "statement", "report_date", "pub_date")}
    rows = []
    for code, tables in answer.items():
        for statement, table in STATEMENT_TABLES.items():
            frame = (tables or {}).get(table)
            if frame is None or len(frame) == 0:
                continue
            f = frame.copy()
            f = f[f["m_anntime"].astype(str).str.len() >= 8]
            cols = {
                "code": code, "statement": statement,
                "report_date": [parse_ymd(t) for t in f["m_timetag"]],
                "pub_date": [parse_ymd(t) for t in f["m_anntime"]],
            }
            # every column of QMT's table; one QMT does not send is NaN (absent when stored)
            for canon in schemas.STATEMENT_ITEMS[statement]:
                xt = items.get(canon)
                cols[canon] = (pd.to_numeric(f[xt], errors="coerce").to_numpy()
                               if xt is not None and xt in f.columns else np.nan)
            out = pd.DataFrame(cols, index=range(len(f)))
            rows.append(out)
    if not rows:
        return schemas.empty("financial_statements")
    df = pd.concat(rows, ignore_index=True)
    df = df[(df["report_date"] == pd.Timestamp(report)) & (df["pub_date"] <= pd.Timestamp(as_of))]
    df = df.drop_duplicates(["code", "statement", "report_date", "pub_date"], keep="last")
    for col in schemas.columns("financial_statements"):
        if col not in df.columns:
            df[col] = np.nan
    return df[schemas.columns("financial_statements")].reset_index(drop=True)


def index_weights(index_code: str, weights: Mapping[str, float], day: dt.date) -> pd.DataFrame:
    """get_index_weight answer → percent weights. QMT's unit is not documented: a set that
    sums to ~1 is read as fractions and scaled to percent; ~100 is taken as percent."""
    if not weights:
        return schemas.empty("index_weights")
    w = pd.Series(weights, dtype=float)
    total = w.sum()
    if 0.5 < total < 1.5:
        w = w * 100.0
    elif not 50 < total < 150:
        raise SourceError(f"QMT weights of {index_code} sum to {total:.4f}: neither fractions nor percent")
    return pd.DataFrame({"date": pd.Timestamp(day), "index_code": index_code,
                         "code": list(w.index), "weight": w.to_numpy()})


def stacked_table(answer: Mapping[str, pd.DataFrame], day: dt.date) -> pd.DataFrame:
    """A per-code table answer (money flow, northbound) → one frame of ``day``'s rows."""
    df = _stack(answer)
    if df.empty:
        return df
    df["date"] = ms_to_local(df["time"]).dt.normalize()
    return df[df["date"] == pd.Timestamp(day)].reset_index(drop=True)


def codes_missing(expected: Iterable[str], got: Iterable[str]) -> list[str]:
    have = set(got)
    return sorted(c for c in expected if c not in have)
