"""get_billboard_list (龙虎榜) and get_money_flow, rebuilt from the canonical CNY documents."""
from __future__ import annotations

import numpy as np
import pandas as pd

from taorui_assets.lib.query import bars
from taorui_assets.lib.query.connection import (
    ParamsError, as_list, check_span, day_of, db, jq, known_codes, qmt, stored_span, trading_days)

WAN = 1e4  # JQData reports money flow in 万元
MONEY_FLOW_FIELDS = ["change_pct", "net_amount_main", "net_pct_main", "net_amount_xl", "net_pct_xl",
                     "net_amount_l", "net_pct_l", "net_amount_m", "net_pct_m", "net_amount_s",
                     "net_pct_s"]
BILLBOARD_COLUMNS = ["code", "day", "direction", "rank", "abnormal_code", "abnormal_name",
                     "sales_depart_name", "buy_value", "buy_rate", "sell_value", "sell_rate",
                     "total_value", "net_value", "amount"]


def _window(dataset: str, start_date, end_date, count, what: str,
            earliest: bool = False) -> list[pd.Timestamp]:
    """JQData's flow windows: [start, end], the ``count`` days to ``end``; without either,
    from the first stored day of ``dataset`` (``earliest``) or just ``end``."""
    if start_date is not None and count:
        raise ParamsError("(start_date, count) only one param is required")
    start = start_date
    if start is None and not count:
        start = stored_span(dataset)[0] if earliest else day_of(end_date)
    days = trading_days(start, end_date, int(count) if count else None)
    if days:
        check_span(dataset, days[0], days[-1], what=what)
    return days


def _docs(dataset: str, day: pd.Timestamp, codes=None, fields=None) -> pd.DataFrame:
    query = {"date": day.to_pydatetime()}
    if codes is not None and len(set(codes)) <= bars.WIDE:  # a long $in is slower than the whole day
        query["code"] = {"$in": sorted(set(codes))}
    docs = list(db()[dataset].find(query, {"_id": 0, **({f: 1 for f in fields} if fields else {})}))
    if codes is not None:
        keep = set(codes)
        docs = [d for d in docs if d.get("code") in keep]
    return pd.DataFrame(docs, columns=fields) if fields else pd.DataFrame(docs)


def get_money_flow(security_list, start_date=None, end_date=None, fields=None, count=None):
    """jqdatasdk documents ``start_date`` as "默认为平台提供的数据的最早日期" (the earliest data)
    and ``end_date`` as "默认为 datetime.date.today()"; here the earliest is the first stored day."""
    if not security_list:
        raise ParamsError("security_list is required")
    codes = [qmt(s) for s in as_list(security_list)]
    known_codes(codes)
    fields = [f for f in (as_list(fields) or MONEY_FLOW_FIELDS) if f not in ("date", "sec_code")]
    bad = [f for f in fields if f not in MONEY_FLOW_FIELDS]
    if bad:
        raise ParamsError(f"get_money_flow fields {bad} are not supported; choose from {MONEY_FLOW_FIELDS}")
    sizes = ("main", "xl", "l", "m", "s")
    parts = []
    for day in _window("money_flow", start_date, end_date, count, "get_money_flow", earliest=True):
        mf = _docs("money_flow", day, codes, ["code", *(f"net_amount_{s}" for s in sizes)])
        mf = mf[mf["code"].isin(codes)].sort_values("code")
        bars = _docs("daily_bars", day, list(mf["code"]), ["code", "close", "pre_close", "amount"])
        bars = bars.set_index("code").reindex(mf["code"])
        money = bars["amount"].to_numpy(float)
        out = {"date": [day] * len(mf), "sec_code": [jq(c) for c in mf["code"]]}
        with np.errstate(divide="ignore", invalid="ignore"):
            out["change_pct"] = (bars["close"].to_numpy(float) / bars["pre_close"].to_numpy(float) - 1) * 100
            for size in sizes:
                amount = mf[f"net_amount_{size}"].to_numpy(float)
                out[f"net_amount_{size}"] = amount / WAN
                out[f"net_pct_{size}"] = np.where(money > 0, amount / money * 100, np.nan)
        parts.append(pd.DataFrame(out)[["date", "sec_code", *fields]])
    if not parts:
        return pd.DataFrame(columns=["date", "sec_code", *fields])
    return pd.concat(parts, ignore_index=True)


def get_billboard_list(stock_list=None, start_date=None, end_date=None, count=None):
    """BUY/SELL seat rows plus, per stock and listing rule, one 'ALL' summary row (rank 0)."""
    codes = None if stock_list is None else [qmt(s) for s in as_list(stock_list)]
    if codes:
        known_codes(codes)
    # the billboard is empty on quiet days, so its coverage is that of the daily bars
    parts = []
    for day in _window("daily_bars", start_date, end_date, count, "get_billboard_list"):
        b = _docs("billboard", day, codes)
        if b.empty:
            continue
        money = _docs("daily_bars", day, list(b["code"]), ["code", "amount"]).set_index("code")["amount"]
        parts.append(_billboard_rows(day, b, money))
    if not parts:
        return pd.DataFrame(columns=BILLBOARD_COLUMNS)
    return pd.concat(parts, ignore_index=True)[BILLBOARD_COLUMNS]


def _abnormal_code(reason_code):
    text = str(reason_code)
    return int(text) if text.isdigit() and not text.startswith("0") else reason_code


def _billboard_rows(day: pd.Timestamp, b: pd.DataFrame, money: pd.Series) -> pd.DataFrame:
    rows = []
    for (code, reason_code), g in b.groupby(["code", "reason_code"], sort=True):
        amount = float(money.get(code, np.nan))
        common = {"code": jq(code), "day": day.date(), "abnormal_code": _abnormal_code(reason_code),
                  "abnormal_name": g["reason"].iloc[0]}
        buy = float(g.loc[g["direction"] == "buy", "buy_amount"].sum())
        sell = float(g.loc[g["direction"] == "sell", "sell_amount"].sum())
        group = [{**common, "direction": "ALL", "rank": 0, "sales_depart_name": None,
                  "buy_value": buy, "sell_value": sell, "net_value": buy - sell}]
        for r in g.sort_values(["direction", "rank"]).itertuples(index=False):
            group.append({**common, "direction": r.direction.upper(), "rank": int(r.rank),
                          "sales_depart_name": r.seat, "buy_value": float(r.buy_amount),
                          "sell_value": float(r.sell_amount), "net_value": float(r.net_amount)})
        for row in group:
            row["amount"] = amount
            row["total_value"] = row["buy_value"] + row["sell_value"]
            row["buy_rate"] = row["buy_value"] / amount * 100 if amount else np.nan
            row["sell_rate"] = row["sell_value"] / amount * 100 if amount else np.nan
        rows += group
    return pd.DataFrame(rows)
