"""The capital and holder tables of the JQData stand-in's ``finance`` database (issue 13 part 4).

Columns per JoinQuant's data dictionary for finance.STK_CAPITAL_CHANGE (share counts in 万股),
STK_SHAREHOLDER_TOP10, STK_SHAREHOLDER_FLOATING_TOP10, STK_HOLDER_NUM and STK_HK_HOLD_INFO
(a subset of the rarely used columns; GUESS for STK_HK_HOLD_INFO's, which we could not
verify). Rows come from the stand-in's source (SimMarket): the quarters of the dates the SQL
names (report periods, change dates), or its days for STK_HK_HOLD_INFO.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from taorui_assets.lib import codes as C
from taorui_assets.lib.quarters import quarter_of

INT, DATE, DEC = "Column(Integer)", "Column(Date)", "Column(DECIMAL(20, 4))"
ID = ("id", "Column(Integer, primary_key=True)")
COMPANY = [("company_id", INT), ("company_name", "Column(String(100))"), ("code", "Column(String(12))")]
HOLDER_COLUMNS = [ID, *COMPANY, ("end_date", DATE), ("pub_date", DATE), ("change_reason_id", INT),
                  ("change_reason", "Column(String(120))"), ("shareholder_rank", INT),
                  ("shareholder_name", "Column(String(200))"), ("shareholder_name_en", "Column(String(200))"),
                  ("shareholder_class_id", INT), ("shareholder_class", "Column(String(150))"),
                  ("share_number", DEC), ("share_ratio", DEC), ("sharesnature_id", INT),
                  ("sharesnature", "Column(String(120))")]
TABLES = {
    "STK_CAPITAL_CHANGE": [ID, *COMPANY, ("change_date", DATE), ("pub_date", DATE), ("change_reason_id", INT),
                           ("change_reason", "Column(String(120))"), ("share_total", DEC), ("share_non_trade", DEC),
                           ("share_limited", DEC), ("share_trade_total", DEC)],
    "STK_SHAREHOLDER_TOP10": HOLDER_COLUMNS + [("shareholder_id", INT), ("share_pledge_freeze", DEC),
                                               ("share_pledge", DEC), ("share_freeze", DEC)],
    "STK_SHAREHOLDER_FLOATING_TOP10": list(HOLDER_COLUMNS),
    "STK_HOLDER_NUM": [ID, ("code", "Column(String(12))"), ("end_date", DATE), ("pub_date", DATE),
                       ("share_holders", INT), ("a_share_holders", INT), ("b_share_holders", INT),
                       ("h_share_holders", INT)],
    "STK_HK_HOLD_INFO": [ID, ("day", DATE), ("link_id", INT), ("link_name", "Column(String(32))"),
                         ("code", "Column(String(12))"), ("name", "Column(String(100))"),
                         ("share_number", DEC), ("share_ratio", DEC)],
}
KIND = {"STK_SHAREHOLDER_TOP10": "top10", "STK_SHAREHOLDER_FLOATING_TOP10": "top10_float"}
LINKS = {"sh_connect": (310001, "沪股通"), "sz_connect": (310002, "深股通")}
WAN = 1e4


def _d(value) -> dt.date:
    return pd.Timestamp(value).date()


def _company(code: str) -> dict:
    return {"company_id": 4_000_0000 + int(code[:6]), "company_name": f"公司{code[:6]}", "code": C.to_jq(code)}


def _quarter_id(quarter: str, k: int) -> int:
    year, q = int(quarter[:4]), int(quarter[-1])
    return year * 10_000_000 + q * 1_000_000 + k


def rows(api, table: str, dates: list[dt.date]) -> list[dict]:
    if table == "STK_HK_HOLD_INFO":
        return _hk_hold(api, dates)
    out = []
    for quarter in sorted({quarter_of(d) for d in dates}):
        if table == "STK_CAPITAL_CHANGE":
            df = api.cached("capital_changes", quarter, api.today, None)
            for k, r in enumerate(df.sort_values(["change_date", "code"]).to_dict("records")):
                out.append({"id": _quarter_id(quarter, k), **_company(r["code"]), "change_date": _d(r["change_date"]),
                            "pub_date": _d(r["pub_date"]), "change_reason_id": 306010 if r["change_reason"] == "首发上市"
                            else 306004, "change_reason": r["change_reason"], "share_total": r["total_shares"] / WAN,
                            "share_non_trade": 0.0, "share_limited": r["restricted_shares"] / WAN,
                            "share_trade_total": r["float_shares"] / WAN})
        elif table == "STK_HOLDER_NUM":
            df = api.cached("holder_counts", quarter, api.today, None)
            for k, r in enumerate(df.sort_values("code").to_dict("records")):
                out.append({"id": _quarter_id(quarter, k), "code": C.to_jq(r["code"]), "end_date": _d(r["report_date"]),
                            "pub_date": _d(r["pub_date"]), "share_holders": int(r["holders"]),
                            "a_share_holders": None if pd.isna(r["a_holders"]) else int(r["a_holders"]),
                            "b_share_holders": None, "h_share_holders": None})
        else:
            df = api.cached("top10_holders", quarter, api.today, None)
            df = df[df["kind"] == KIND[table]].sort_values(["code", "pub_date", "rank"])
            for k, r in enumerate(df.to_dict("records")):
                out.append({"id": _quarter_id(quarter, k), **_company(r["code"]), "end_date": _d(r["report_date"]),
                            "pub_date": _d(r["pub_date"]), "change_reason_id": None, "change_reason": r["change_reason"],
                            "shareholder_rank": int(r["rank"]), "shareholder_name": r["holder_name"],
                            "shareholder_name_en": None, "shareholder_class_id": None,
                            "shareholder_class": r["holder_type"], "share_number": r["shares"],
                            "share_ratio": r["ratio"], "sharesnature_id": None, "sharesnature": r["share_nature"],
                            "shareholder_id": None, "share_pledge_freeze": None, "share_pledge": None,
                            "share_freeze": None})
    return out


def _hk_hold(api, dates: list[dt.date]) -> list[dict]:
    if not dates:
        return []
    out = []
    for day in api.calendar_days(dates[0], min(dates[-1], dates[0] + dt.timedelta(days=31), api.today)):
        df = api.cached("northbound_holdings", day)
        inst = api.cached("instruments", day).set_index("code")["name"]
        for k, r in enumerate(df.sort_values("code").to_dict("records")):
            link_id, link_name = LINKS[r["channel"]]
            out.append({"id": int(day.strftime("%Y%m%d")) * 10_000 + k, "day": day, "link_id": link_id,
                        "link_name": link_name, "code": C.to_jq(r["code"]), "name": inst.get(r["code"]),
                        "share_number": r["shares"], "share_ratio": r["ratio"]})
    return out
