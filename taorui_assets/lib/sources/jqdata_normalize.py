"""JQData answers → canonical frames (pure functions, no jqdatasdk import).

Units: JQData reports money flow in 万元 (×1e4), northbound turnover in 亿元 (×1e8) and
valuation share capital in 万股 (×1e4); everything else is already CNY / shares.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import pandas as pd

from taorui_assets.lib import codes as C
from taorui_assets.lib import schemas
from taorui_assets.lib.fields import jq_names
from taorui_assets.lib.schemas import STATEMENT_ITEMS

WAN = 1e4
YI = 1e8
FAR_END = pd.Timestamp("2200-01-01")  # JQData's end_date of a security still listed
LINKS = {310001: "sh_connect", 310002: "sz_connect"}
STATEMENT_TABLES = {"balance": "STK_BALANCE_SHEET", "income": "STK_INCOME_STATEMENT",
                    "cash_flow": "STK_CASHFLOW_STATEMENT"}
BAR_FIELDS = ["open", "close", "high", "low", "volume", "money", "high_limit", "low_limit",
              "pre_close", "paused"]
MINUTE_FIELDS = ["open", "close", "high", "low", "volume", "money"]


def canonical(dataset: str, df: pd.DataFrame) -> pd.DataFrame:
    """Columns in schema order, canonical dtypes, fresh RangeIndex."""
    cols = schemas.columns(dataset)
    out = df.reindex(columns=cols).reset_index(drop=True)
    return schemas.model(dataset).to_schema().coerce_dtype(out)


def qmt_codes(values) -> list[str]:
    return [C.to_qmt(str(v)) for v in values]


def _day(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def instruments(day: dt.date, sec: pd.DataFrame, is_st: dict[str, bool],
                shares: pd.DataFrame) -> pd.DataFrame:
    """``sec``: get_all_securities (index = JQ code); ``shares``: code → total/float shares."""
    names = jq_names("instruments")
    codes = qmt_codes(sec.index)
    end = pd.to_datetime(sec[names["delist_date"]])
    out = pd.DataFrame({
        "date": _day(day), "code": codes, "name": sec[names["name"]].astype(str).to_numpy(),
        "exchange": [c[-2:] for c in codes], "board": [C.board(c) for c in codes],
        "type": sec[names["type"]].to_numpy(),
        "list_date": pd.to_datetime(sec[names["list_date"]]).dt.normalize().to_numpy(),
        "delist_date": end.where(end < FAR_END).dt.normalize().to_numpy(),
        "is_st": [bool(is_st.get(c, False)) for c in codes],
    })
    sh = shares.reindex(codes)
    out["total_shares"] = sh["total_shares"].fillna(0.0).to_numpy(float)
    out["float_shares"] = sh["float_shares"].fillna(0.0).to_numpy(float)
    return canonical("instruments", out)


def valuation_shares(val: pd.DataFrame) -> pd.DataFrame:
    """get_valuation(capitalization, circulating_cap) in 万股 → shares, latest row per code."""
    if val is None or val.empty:
        return pd.DataFrame(columns=["total_shares", "float_shares"])
    v = val.sort_values("day").drop_duplicates("code", keep="last")
    return pd.DataFrame({"total_shares": v["capitalization"].to_numpy(float) * WAN,
                         "float_shares": v["circulating_cap"].to_numpy(float) * WAN},
                        index=pd.Index(qmt_codes(v["code"])))


def trading_calendar(days) -> pd.DataFrame:
    return canonical("trading_calendar", pd.DataFrame({
        "exchange": "SSE", "date": pd.to_datetime([pd.Timestamp(d) for d in days])}))


def daily_bars(price: pd.DataFrame) -> pd.DataFrame:
    """get_price(fq=None, panel=False, fields=BAR_FIELDS); drops not-listed (all-NaN) rows."""
    p = price.dropna(subset=["close"])
    out = pd.DataFrame({"code": qmt_codes(p["code"]), "date": pd.to_datetime(p["time"]).dt.normalize()})
    for canon, jq in jq_names("daily_bars").items():
        if canon not in ("code", "date"):
            out[canon] = p[jq].to_numpy()
    out["paused"] = out["paused"].astype(float) > 0.5
    return canonical("daily_bars", out)


def minute_bars(price: pd.DataFrame, day: dt.date, period: str) -> pd.DataFrame:
    p = price.dropna(subset=["close"])
    out = pd.DataFrame({"code": qmt_codes(p["code"]), "date": _day(day), "period": period,
                        "time": pd.to_datetime(p["time"])})
    for canon in ("open", "high", "low", "close", "volume", "amount"):
        out[canon] = p[jq_names("minute_bars")[canon]].to_numpy()
    return canonical("minute_bars", out)


def adj_factors(price: pd.DataFrame) -> pd.DataFrame:
    """get_price(fields=['factor'], fq='post'): the backward cumulative factor."""
    p = price.dropna(subset=["factor"])
    return canonical("adj_factors", pd.DataFrame({
        "code": qmt_codes(p["code"]), "date": pd.to_datetime(p["time"]).dt.normalize(),
        "factor": p["factor"].to_numpy(float)}))


def statements(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """finance.STK_* rows (every report_type) → one canonical row per published version.
    JQData has no PershareIndex table, so the backup delivers no ``pershare`` statement."""
    names = jq_names("financial_statements")
    parts = []
    for statement, df in frames.items():
        if df.empty:
            continue
        part = pd.DataFrame({"code": qmt_codes(df["code"]), "statement": statement,
                             "report_date": pd.to_datetime(df[names["report_date"]]),
                             "pub_date": pd.to_datetime(df[names["pub_date"]]),
                             "_type": df["report_type"].to_numpy()})
        for item in STATEMENT_ITEMS[statement]:  # items without a JQData column stay NaN
            if item in names and names[item] in df.columns:
                part[item] = df[names[item]].astype(float).to_numpy()
        parts.append(part)
    if not parts:
        return schemas.empty("financial_statements")
    out = pd.concat(parts, ignore_index=True).sort_values("_type", kind="stable")
    out = out.drop_duplicates(["code", "statement", "report_date", "pub_date"], keep="last")
    return canonical("financial_statements", out.drop(columns="_type"))


def statements_coverage(df: pd.DataFrame) -> pd.DataFrame:
    """What JQData carries of a canonical statements frame: no ``pershare`` rows, and NaN
    for the items without a JQData column (lib/fields.py). Compares a backup partition
    with the primary's, or the stand-in's answer with SimMarket's."""
    names = jq_names("financial_statements")
    out = df[df["statement"].isin(list(STATEMENT_TABLES))].copy()
    missing = [i for items in STATEMENT_ITEMS.values() for i in items if i not in names]
    out[missing] = float("nan")
    return out.reset_index(drop=True)


def sector_rows(day: dt.date, kind: str, sectors: pd.DataFrame,
                members: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(kind, str(code), str(sectors.loc[code, "name"]), C.to_qmt(m))
            for code in sectors.index for m in members.get(code, [])]
    df = pd.DataFrame(rows, columns=["sector_type", "sector_code", "sector_name", "code"])
    df.insert(0, "date", _day(day))
    return df


def index_weights(day: dt.date, weights: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """get_index_weights per index (index = constituent); stamped with the requested day."""
    parts = [pd.DataFrame({"date": _day(day), "index_code": C.to_qmt(index_code),
                           "code": qmt_codes(w.index), "weight": w["weight"].to_numpy(float)})
             for index_code, w in weights.items() if not w.empty]
    if not parts:
        return schemas.empty("index_weights")
    return canonical("index_weights", pd.concat(parts, ignore_index=True))


def billboard(bb: pd.DataFrame) -> pd.DataFrame:
    """get_billboard_list: keep the BUY/SELL seat rows, drop the ALL summary rows."""
    if bb is None or bb.empty:
        return schemas.empty("billboard")
    b = bb[bb["direction"].astype(str).str.upper().isin(["BUY", "SELL"])]
    names = jq_names("billboard")
    out = pd.DataFrame({
        "date": pd.to_datetime(b[names["date"]]).dt.normalize(), "code": qmt_codes(b[names["code"]]),
        "reason_code": b[names["reason_code"]].astype(str).to_numpy(),
        "reason": b[names["reason"]].astype(str).to_numpy(),
        "direction": b[names["direction"]].astype(str).str.lower().to_numpy(),
        "rank": b[names["rank"]].astype(int).to_numpy(),
        "seat": b[names["seat"]].astype(str).to_numpy()})
    for canon in ("buy_amount", "sell_amount", "net_amount"):
        out[canon] = b[names[canon]].astype(float).to_numpy()
    return canonical("billboard", out)


def northbound(ml: pd.DataFrame) -> pd.DataFrame:
    """finance.STK_ML_QUOTA (亿元) → CNY; net = buy − sell."""
    if ml is None or ml.empty:
        return schemas.empty("northbound_flow")
    m = ml[ml["link_id"].astype(int).isin(list(LINKS))]
    buy = m["buy_amount"].astype(float).to_numpy() * YI
    sell = m["sell_amount"].astype(float).to_numpy() * YI
    return canonical("northbound_flow", pd.DataFrame({
        "date": pd.to_datetime(m["day"]).dt.normalize().to_numpy(),
        "channel": [LINKS[int(x)] for x in m["link_id"]],
        "buy_amount": buy, "sell_amount": sell, "net_amount": buy - sell}))


def money_flow(mf: pd.DataFrame) -> pd.DataFrame:
    """get_money_flow (万元) → CNY."""
    if mf is None or mf.empty:
        return schemas.empty("money_flow")
    names = jq_names("money_flow")
    out = pd.DataFrame({"code": qmt_codes(mf[names["code"]]),
                        "date": pd.to_datetime(mf[names["date"]]).dt.normalize()})
    for size in ("xl", "l", "m", "s", "main"):
        out[f"net_amount_{size}"] = mf[names[f"net_amount_{size}"]].astype(float).to_numpy() * WAN
    return canonical("money_flow", out)


def optional_date(value) -> Optional[pd.Timestamp]:
    return None if value is None or pd.isna(value) else pd.Timestamp(value)


def as_bool_map(extras: pd.DataFrame) -> dict[str, bool]:
    """get_extras('is_st', df=True) → {qmt code: is_st on the last row}."""
    if extras is None or extras.empty:
        return {}
    last = extras.iloc[-1]
    return {C.to_qmt(str(c)): bool(v) for c, v in last.items() if not pd.isna(v)}


# ----- valuation (issue 13 part 2) ------------------------------------------------------------
VALUATION_FIELDS = {c: j for c, j in jq_names("valuation").items() if c not in ("code", "date")}


def valuation(val: pd.DataFrame, day) -> pd.DataFrame:
    """get_valuation rows of ``day`` → canonical valuation (万股 → shares, 亿元 → CNY). JQData has no
    close column: it is market_cap / total_shares."""
    from taorui_assets.lib.valuation import from_jqdata

    if val is None or val.empty:
        return schemas.empty("valuation")
    v = val[pd.to_datetime(val["day"]).dt.normalize() == _day(day)]
    out = pd.DataFrame({canon: v[jq].astype(float).to_numpy() for canon, jq in VALUATION_FIELDS.items()})
    out = from_jqdata(out)
    out.insert(0, "code", qmt_codes(v["code"]))
    out.insert(1, "date", _day(day))
    out["close"] = out["market_cap"] / out["total_shares"]
    return canonical("valuation", out.sort_values("code"))


__all__ = ["canonical", "instruments", "trading_calendar", "daily_bars", "minute_bars",
           "adj_factors", "statements", "sector_rows", "index_weights", "billboard",
           "northbound", "money_flow", "valuation_shares", "as_bool_map", "valuation"]
