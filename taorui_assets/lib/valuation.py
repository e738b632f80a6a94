"""The daily valuation table (JQData's 市值表) computed from stored data (pure functions).

Inputs for trading day D: the day's daily bars (unadjusted close, volume, paused), the day's
instruments snapshot (total and float shares) and every stored version of the financial
statements. Output: the canonical ``valuation`` frame (lib/schemas.py), one row per stock that
traded on D. A suspended stock has no row, as JQData: "如果期间标的停牌，则该标的返回的市值数据
数量小于count" (jqdatasdk ``get_valuation`` docstring).

Formulas (JoinQuant data dictionary, table ``valuation``; every ratio uses the total market
value, as "（股票在指定交易日期的收盘价 * 当日人民币外汇牌价 * 截止当日公司总股本）/ …"):

* total_shares, float_shares: the instruments snapshot of D (JQData capitalization /
  circulating_cap are these in 万股);
* market_cap = close × total_shares; float_market_cap = close × float_shares (CNY; JQData
  market_cap / circulating_market_cap are in 亿元);
* turnover_ratio = volume / float_shares × 100 (percent);
* pe_ttm = market_cap / net_profit_parent TTM (归属于母公司股东的净利润TTM);
* pe_lyr = market_cap / net_profit_parent of the last annual report (静态市盈率);
* pb = market_cap / equity_parent of the latest balance sheet (MRQ);
* ps_ttm = market_cap / operating_revenue TTM (营业收入TTM);
* pcf_ttm = market_cap / net_cash_increase TTM (现金及现金等价物净增加额: JQData's pcf_ratio is
  "市现率(PCF, 现金净流量TTM)"; its pcf_ratio2 is the operating-cash-flow one).

Point in time ("as known on D"): only versions with pub_date ≤ D count, each report period in
its latest such version (a restatement replaces the original from its pub_date on).
TTM = the sum of the last four single quarters = YTD(R) + annual(Y−1) − YTD(same quarter of
Y−1) for the latest period R of year Y (R itself when R is an annual report). If a piece is not
known on D (for instance a Q1 report out before the previous annual report), the TTM of the
period before R is used, up to four periods back; otherwise it is null.

Negative and missing earnings: a negative denominator gives a negative ratio, as JQData returns
it (its sample row of 000001.XSHE shows pcf_ratio −2.0521; negative pe_ratio for loss makers is
JQData's documented-by-example behaviour — GUESS for pe, which no docstring states). A missing
denominator (no statement known on D, or a TTM that cannot be formed) or a zero one gives null,
never ±inf.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

# Which statement each TTM / MRQ / LYR denominator comes from.
TTM_ITEMS = {"net_profit_parent": "income", "operating_revenue": "income", "net_cash_increase": "cash_flow"}
# Every statement item the valuation reads (the MRQ equity besides the TTM items).
STATEMENT_ITEMS = [*TTM_ITEMS, "equity_parent"]
STATEMENTS = sorted({*TTM_ITEMS.values(), "balance"})  # the statements those items come from
# How far back the statements are read: TTM of a period up to 4 quarters back needs the year before.
LOOKBACK_DAYS = 1000
COLUMNS = ["code", "date", "close", "total_shares", "float_shares", "market_cap", "float_market_cap",
           "turnover_ratio", "pe_ttm", "pe_lyr", "pb", "ps_ttm", "pcf_ttm"]


def known_versions(statements: pd.DataFrame, day: pd.Timestamp, statement: str) -> pd.DataFrame:
    """The latest version published on or before ``day`` of each (code, report_date)."""
    s = statements[(statements["statement"] == statement) & (statements["pub_date"] <= day)]
    s = s.sort_values(["code", "report_date", "pub_date"], kind="stable")
    return s.drop_duplicates(["code", "report_date"], keep="last").set_index(["code", "report_date"])


def ttm(versions: pd.DataFrame, item: str) -> pd.Series:
    """code → trailing-twelve-month value of a year-to-date ``item`` (see the module docstring).

    Vectorised over codes: report periods are quarter ends, numbered ``year × 4 + quarter``, and
    each code's values sit in one row of a (code, period) matrix; a missing version is NaN, as is
    a version whose item is missing."""
    if versions.empty:
        return pd.Series(dtype=float)
    v = versions.reset_index()
    dates = pd.DatetimeIndex(v["report_date"])
    if not (dates.is_quarter_end & (dates == dates.normalize())).all():
        raise ValueError("valuation: a financial statement's report_date is not a quarter end: "
                         f"{sorted(set(dates[~dates.is_quarter_end].strftime('%Y-%m-%d')))[:5]}")
    codes, row = np.unique(v["code"].to_numpy(), return_inverse=True)
    period = dates.year.to_numpy() * 4 + (dates.month.to_numpy() - 1) // 3
    # Four quarters of margin before the earliest period: the oldest lookups go back 4 + 3.
    first = int(period.min()) - 8
    width = int(period.max()) - first + 1
    values = np.full((len(codes), width), np.nan)
    values[row, period - first] = v[item].to_numpy(dtype=float)
    latest = np.full(len(codes), -1)
    np.maximum.at(latest, row, period - first)  # each code's latest report period
    at = np.arange(len(codes))
    out = np.full(len(codes), np.nan)
    for back in range(4):  # the latest period, else up to three before it
        p = latest - back
        ytd = values[at, p]
        annual = (p + first) % 4 == 3  # an annual report: its YTD is the year
        year_end_before = p - ((p + first) % 4) - 1  # Q4 of the year before p's year
        same_last_year = p - 4
        value = np.where(annual, ytd, ytd + values[at, year_end_before] - values[at, same_last_year])
        take = np.isnan(out) & ~np.isnan(value)
        out[take] = value[take]
        if not np.isnan(out).any():
            break
    return pd.Series(out, index=codes, dtype=float)


def latest(versions: pd.DataFrame, item: str, annual_only: bool = False) -> pd.Series:
    """code → ``item`` of the latest known report period (the last annual report if asked)."""
    if versions.empty:
        return pd.Series(dtype=float)
    v = versions.reset_index()
    if annual_only:
        v = v[v["report_date"].dt.month == 12]
    v = v.sort_values(["code", "report_date"]).drop_duplicates("code", keep="last")
    return pd.Series(v[item].to_numpy(float), index=v["code"].to_numpy(), dtype=float)


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator; null where the denominator is missing or zero, sign kept."""
    d = np.asarray(denominator, dtype=float)
    ok = np.isfinite(d) & (d != 0)
    out = np.full(len(d), np.nan)
    out[ok] = np.asarray(numerator, dtype=float)[ok] / d[ok]
    return out


def compute(day, bars: pd.DataFrame, instruments: pd.DataFrame, statements: pd.DataFrame) -> pd.DataFrame:
    """The valuation rows of ``day`` (columns: lib/schemas.py ``Valuation``, not coerced).

    ``bars``: code, close, volume, paused; ``instruments``: code, type, total_shares,
    float_shares; ``statements``: canonical financial_statements rows (any versions: those
    published after ``day`` are ignored)."""
    day = pd.Timestamp(day).normalize()
    traded = bars[~bars["paused"].astype(bool)][["code", "close", "volume"]]
    stocks = instruments[(instruments["type"] == "stock") & (instruments["total_shares"] > 0)]
    rows = traded.merge(stocks[["code", "total_shares", "float_shares"]], on="code", how="inner")
    rows = rows.sort_values("code").reset_index(drop=True)
    close, total = rows["close"].to_numpy(float), rows["total_shares"].to_numpy(float)
    floating = rows["float_shares"].to_numpy(float)
    cap = close * total
    out = pd.DataFrame({"code": rows["code"], "date": day, "close": close, "total_shares": total,
                        "float_shares": floating, "market_cap": cap, "float_market_cap": close * floating})
    out["turnover_ratio"] = ratio(rows["volume"].to_numpy(float) * 100.0, floating)
    if statements is None or statements.empty:
        statements = pd.DataFrame(columns=["code", "statement", "report_date", "pub_date", *TTM_ITEMS,
                                           "equity_parent"])
    statements = statements.assign(report_date=pd.to_datetime(statements["report_date"]),
                                   pub_date=pd.to_datetime(statements["pub_date"]))
    income = known_versions(statements, day, "income")
    cash = known_versions(statements, day, "cash_flow")
    balance = known_versions(statements, day, "balance")
    codes = out["code"]

    def per_code(series: pd.Series) -> np.ndarray:
        return series.reindex(codes).to_numpy(float)

    out["pe_ttm"] = ratio(cap, per_code(ttm(income, "net_profit_parent")))
    out["pe_lyr"] = ratio(cap, per_code(latest(income, "net_profit_parent", annual_only=True)))
    out["pb"] = ratio(cap, per_code(latest(balance, "equity_parent")))
    out["ps_ttm"] = ratio(cap, per_code(ttm(income, "operating_revenue")))
    out["pcf_ttm"] = ratio(cap, per_code(ttm(cash, "net_cash_increase")))
    return out[COLUMNS]


def consistency_violations(val: pd.DataFrame, bars: pd.DataFrame, instruments: pd.DataFrame) -> pd.DataFrame:
    """Rows (code, problem) where the stored valuation disagrees with the stored day: a traded stock
    without a row, a row without a traded stock, or a different close / share count / market value."""
    cols = ["code", "problem"]
    empty = pd.DataFrame(columns=["code", "close", "total_shares", "float_shares", "market_cap", "float_market_cap"])
    expected = compute(bars["date"].iloc[0], bars, instruments, None) if len(bars) else empty
    got = val if len(val) else empty
    m = expected.merge(got, on="code", how="outer", suffixes=("_want", "_got"), indicator=True)
    problems = [m.loc[m["_merge"] == "left_only", ["code"]].assign(problem="traded but no valuation row"),
                m.loc[m["_merge"] == "right_only", ["code"]].assign(problem="valuation row but not traded")]
    both = m[m["_merge"] == "both"]
    for c in ("close", "total_shares", "float_shares", "market_cap", "float_market_cap"):
        want, have = both[f"{c}_want"].astype(float), both[f"{c}_got"].astype(float)
        bad = ~np.isclose(have, want, rtol=1e-9, atol=1e-6)
        problems.append(both.loc[bad, ["code"]].assign(problem=f"{c}: stored {have[bad].tolist()[:1]} "
                                                                f"≠ recomputed {want[bad].tolist()[:1]}"))
    return pd.concat(problems, ignore_index=True)[cols]


def to_jqdata(frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical units → JQData's: shares in 万股, market values in 亿元 (jqdatasdk
    ``get_valuation`` docstring: "capitalization 总股本(万股)", "market_cap 总市值(亿元)")."""
    out = frame.copy()
    for c in ("total_shares", "float_shares"):
        out[c] = out[c] / 1e4
    for c in ("market_cap", "float_market_cap"):
        out[c] = out[c] / 1e8
    return out


def from_jqdata(frame: pd.DataFrame) -> pd.DataFrame:
    """The inverse of :func:`to_jqdata`."""
    out = frame.copy()
    for c in ("total_shares", "float_shares"):
        out[c] = out[c] * 1e4
    for c in ("market_cap", "float_market_cap"):
        out[c] = out[c] * 1e8
    return out
