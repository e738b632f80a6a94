"""Data-quality rules as pure functions over canonical frames.

Each returns a frame of violations (empty = pass), so asset checks can both decide and
show the offending rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from taorui_assets.lib import bar_rules as rules
from taorui_assets.lib import calendar
from taorui_assets.lib.bar_rules import PRICE_TOL
from taorui_assets.lib.schemas import IDENTITY_RTOL, in_key_order


def missing_daily_bars(instruments: pd.DataFrame, bars: pd.DataFrame) -> pd.DataFrame:
    """Listed securities of every type (stocks, indexes, ETFs, LOFs, convertible bonds)
    without a daily bar, and bars of codes not listed that day."""
    listed = set(instruments["code"])
    have = set(bars["code"])
    rows = [{"code": c, "problem": "listed but no daily bar"} for c in sorted(listed - have)]
    rows += [{"code": c, "problem": "bar for a code not listed that day"} for c in sorted(have - listed)]
    return pd.DataFrame(rows, columns=["code", "problem"])


def bar_violations(bars: pd.DataFrame, instruments: pd.DataFrame) -> pd.DataFrame:
    """OHLC order, price limits as the exchange computes them, and flat suspended days."""
    b = bars.merge(instruments[["code", "board", "is_st", "list_date"]], on="code", how="left")
    problems = []

    def flag(mask, text):
        for code in b.loc[mask, "code"]:
            problems.append({"code": code, "problem": text})

    flag(~rules.high_is_highest(b), "high below open/close/low")
    flag(~rules.low_is_lowest(b), "low above open/close")
    flag(~rules.high_within_limit(b), "high above limit-up")
    flag(~rules.low_within_limit(b), "low below limit-down")
    flag(b["board"].isna(), "no instrument record")
    known = b[b["board"].notna()]
    flag(known.index[~rules.limits_follow_rule(known).to_numpy()], "limit prices disagree with pre_close and board rules")
    flag(~rules.suspended_is_flat(b), "suspended but not flat at pre_close with zero volume")
    flag(~rules.traded_has_volume(b), "trading day with zero volume")
    return pd.DataFrame(problems, columns=["code", "problem"])


def minute_summary(minutes: pd.DataFrame) -> pd.DataFrame:
    """Per code, what ``minute_mismatches`` compares with the daily bar: first open, max high,
    min low, last close, summed volume and amount, and whether a bar without trades has a
    price range (``unflat``). Summaries of disjoint code chunks concatenate to the day's."""
    m = minutes if in_key_order(minutes, ["code", "time"]) else minutes.sort_values(["code", "time"], kind="stable")
    if m.empty:
        return pd.DataFrame(columns=["open", "high", "low", "close", "volume", "amount", "unflat"],
                            index=pd.Index([], name="code"))
    # Rows of one code are consecutive: reduce each run of rows at once (a groupby per column
    # costs ~20x more, and this runs on every chunk of a streamed day).
    code = m["code"].to_numpy()
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    ends = np.r_[starts[1:], len(code)] - 1
    col = {c: m[c].to_numpy(dtype=float) for c in ("open", "high", "low", "close", "volume", "amount")}
    unflat = (~rules.no_trade_is_flat(m)).to_numpy()
    return pd.DataFrame({
        "open": col["open"][starts], "high": np.maximum.reduceat(col["high"], starts),
        "low": np.minimum.reduceat(col["low"], starts), "close": col["close"][ends],
        "volume": np.add.reduceat(col["volume"], starts), "amount": np.add.reduceat(col["amount"], starts),
        "unflat": np.logical_or.reduceat(unflat, starts)}, index=pd.Index(code[starts], name="code"))


def minute_mismatches(daily: pd.DataFrame, minutes: pd.DataFrame) -> pd.DataFrame:
    """Minute bars that do not aggregate to the daily bar (traded days only), and bars
    without trades that are not flat. ``minutes``: the bars, or their ``minute_summary``."""
    traded = daily[~daily["paused"].astype(bool)].set_index("code")
    agg = minutes if "unflat" in minutes else minute_summary(minutes)
    problems = []
    for code in sorted(set(traded.index) - set(agg.index)):
        problems.append({"code": code, "problem": "traded but no minute bars"})
    for code in sorted(set(agg.index) - set(traded.index)):
        problems.append({"code": code, "problem": "minute bars on a day without trading"})
    both = agg.index.intersection(traded.index)
    for col in ["open", "high", "low", "close", "volume"]:
        bad = np.abs(agg.loc[both, col] - traded.loc[both, col]) > PRICE_TOL
        problems += [{"code": c, "problem": f"minute {col} does not match the daily bar"} for c in both[bad]]
    rel = np.abs(agg.loc[both, "amount"] - traded.loc[both, "amount"]) > 1e-6 * traded.loc[both, "amount"].abs().clip(lower=1)
    problems += [{"code": c, "problem": "minute amount does not sum to the daily amount"} for c in both[rel]]
    problems += [{"code": c, "problem": "a minute bar without trades has a price range"}
                 for c in sorted(agg.index[agg["unflat"].astype(bool)])]
    return pd.DataFrame(problems, columns=["code", "problem"])


def identity_violations(statements: pd.DataFrame) -> pd.DataFrame:
    """Balance sheets where total assets differ from liabilities plus equity."""
    bs = statements[statements["statement"] == "balance"]
    gap = bs["total_assets"] - (bs["total_liabilities"] + bs["total_equity"])
    bad = gap.abs() > IDENTITY_RTOL * bs["total_assets"].abs().clip(lower=1)
    out = bs.loc[bad, ["code", "report_date", "pub_date", "total_assets", "total_liabilities", "total_equity"]]
    return out.assign(gap=gap[bad])


def calendar_mismatches(days: pd.DataFrame, year: int) -> pd.DataFrame:
    """Days where the source's calendar and the platform's holiday table disagree."""
    ours = set(calendar.trading_days(pd.Timestamp(year, 1, 1).date(), pd.Timestamp(year, 12, 31).date()))
    theirs = set(pd.to_datetime(days["date"]).dt.date)
    rows = [{"date": d, "problem": "trading day missing from the source"} for d in sorted(ours - theirs)]
    rows += [{"date": d, "problem": "source trades on a platform holiday"} for d in sorted(theirs - ours)]
    return pd.DataFrame(rows, columns=["date", "problem"])
