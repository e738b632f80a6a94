"""Calendar, securities, ST flags, sectors and index constituents, as jqdatasdk returns them."""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from taorui_assets.lib.query import bars
from taorui_assets.lib.query.connection import (
    ParamsError, UnknownSecurityError, as_list, check_calendar, check_span, day_of, db, jq,
    known_codes, qmt, snapshot_day, stored_span, today, trading_days)

FAR_END = pd.Timestamp("2200-01-01")  # JQData's end_date of a security still listed
INDUSTRY_SCHEME = "sw_l1"  # the JQData adapter's default get_industries scheme
# get_all_securities types that are stored (jqdatasdk's docstring: 'stock', 'fund', 'index',
# 'futures', 'etf', 'lof', 'fja', 'fjb'; 'conbond' is a GUESS, see lib/sources/jqdata.py), and
# 'fund', which stands for the exchange-traded funds of every kind; each row keeps its own type.
STORED_TYPES = ("stock", "index", "etf", "lof", "conbond")
GROUP_TYPES = {"fund": ("etf", "lof")}


class Security:
    """What ``jqdatasdk.get_security_info`` returns (same attributes; str() is the code)."""

    __slots__ = ("code", "display_name", "name", "start_date", "end_date", "type", "parent")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, kw.get(k))

    def __repr__(self):
        return self.code

    __str__ = __repr__

    def __eq__(self, other):
        return all(getattr(self, k) == getattr(other, k, None) for k in self.__slots__)


# ------------------------------------------------------------------ calendar
def get_trade_days(start_date=None, end_date=None, count=None) -> np.ndarray:
    end = day_of(end_date)
    if start_date is not None and count:
        raise ParamsError("(start_date, count) only one param is required")
    if start_date is not None:
        check_calendar(day_of(start_date), end)
    else:
        check_calendar(stored_span("trading_calendar")[0], end)
    days = trading_days(start_date, end, int(count) if count else None) \
        if start_date is None or day_of(start_date) <= end else []
    return np.array([d.date() for d in days], dtype=object)


def get_all_trade_days() -> np.ndarray:
    """Every stored trading day (the platform's history starts in 2015, JQData's in 2005)."""
    docs = db()["trading_calendar"].find({}, {"date": 1}, sort=[("date", 1)])
    return np.array([pd.Timestamp(d["date"]).date() for d in docs], dtype=object)


# ---------------------------------------------------------------- securities
def _listing(date) -> tuple[pd.Timestamp, pd.DataFrame]:
    """Stored instruments snapshot in force on ``date`` (None: the latest stored one)."""
    day = stored_span("instruments")[1] if date is None else snapshot_day("instruments", date)
    docs = db()["instruments"].find({"date": day.to_pydatetime()}, {"_id": 0})
    return day, pd.DataFrame(list(docs))


def get_all_securities(types=(), date=None) -> pd.DataFrame:
    _day, inst = _listing(date)
    want = set(as_list(types) or ["stock"])
    unknown = want - set(STORED_TYPES) - set(GROUP_TYPES)
    if unknown:
        raise ParamsError(f"types {sorted(unknown)} are not stored (stored: {', '.join(STORED_TYPES)}, "
                          f"and {', '.join(GROUP_TYPES)})")
    for group in want & set(GROUP_TYPES):
        want |= set(GROUP_TYPES[group])
    inst = inst[inst["type"].isin(want)].sort_values("code")
    end = pd.to_datetime(inst["delist_date"]) if "delist_date" in inst else pd.Series(pd.NaT, index=inst.index)
    return pd.DataFrame({
        "display_name": inst["name"].to_numpy(),
        "name": ["S" + c[:6] for c in inst["code"]],  # pinyin initials are not stored
        "start_date": pd.to_datetime(inst["list_date"]).astype("datetime64[ns]").to_numpy(),
        "end_date": end.fillna(FAR_END).astype("datetime64[ns]").to_numpy(),
        "type": inst["type"].to_numpy(),
    }, index=pd.Index([jq(c) for c in inst["code"]]))


def get_security_info(code, date=None) -> Optional[Security]:
    """None for a code the listing does not hold, as jqdatasdk: ``result = ...get_security_info(...);
    if result: return Security(**result)`` (the client returns None when the service finds nothing)."""
    if not code:
        raise ParamsError("code is required")
    try:
        c = qmt(code)
    except UnknownSecurityError:
        return None
    _day, inst = _listing(date)
    row = inst[inst["code"] == c]
    if row.empty:
        return None
    r = row.iloc[0]
    end = r.get("delist_date")
    return Security(code=jq(c), display_name=r["name"], name="S" + c[:6],
                    start_date=pd.Timestamp(r["list_date"]).date(),
                    end_date=(FAR_END if end is None or pd.isna(end) else pd.Timestamp(end)).date(),
                    type=r["type"], parent=None)


def get_extras(info, security_list, start_date=None, end_date=None, df=True, count=None):
    if info != "is_st":
        raise ParamsError(f"get_extras({info!r}): only 'is_st' is stored")
    if not security_list:
        raise ParamsError("security_list is required")
    # a repeated code is one column: the client rebuilds frames column by column through an
    # OrderedDict (``pd.DataFrame(OrderedDict(data), index=index)`` in client.convert_message)
    codes = list(dict.fromkeys(qmt(s) for s in as_list(security_list)))
    known_codes(codes)
    if start_date is not None and count:
        raise ParamsError("(start_date, count) only one param is required")
    days = trading_days(start_date, end_date, int(count) if count else None)
    if days:
        check_span("instruments", days[0], days[-1], what="get_extras")
    span = {"date": {"$gte": days[0].to_pydatetime(), "$lte": days[-1].to_pydatetime()}} if days else {}
    if len(set(codes)) <= bars.WIDE:  # a long $in is slower than reading the days' snapshots
        span["code"] = {"$in": sorted(set(codes))}
    docs = db()["instruments"].find(span, {"_id": 0, "code": 1, "date": 1, "is_st": 1}) if days else []
    st = {(pd.Timestamp(d["date"]), d["code"]): bool(d["is_st"]) for d in docs}
    rows = [[st.get((d, c), False) for c in codes] for d in days]
    frame = pd.DataFrame(rows, columns=[jq(c) for c in codes], index=pd.DatetimeIndex(days), dtype=bool)
    if df:
        return frame
    return {jq(c): frame[jq(c)].to_numpy() for c in codes}


# ------------------------------------------------------------------- sectors
def _members(kind: str, sector_code: str, date) -> list[str]:
    day = snapshot_day("sector_membership", date if date is not None else today())
    docs = db()["sector_membership"].find({"date": day.to_pydatetime(), "sector_code": str(sector_code),
                                           "sector_type": kind}, {"code": 1})
    codes = sorted(jq(d["code"]) for d in docs)
    if not codes and db()["sector_membership"].find_one(
            {"sector_code": str(sector_code), "sector_type": kind}, {"_id": 1}) is None:
        raise ParamsError(f"unknown {kind} code {sector_code!r}: it is in no stored sector membership")
    return codes


def get_industry_stocks(industry_code, date=None) -> list[str]:
    return _members("industry", industry_code, date)


def get_concept_stocks(concept_code, date=None) -> list[str]:
    return _members("concept", concept_code, date)


def get_industry(security, date=None, df=False):
    """{code: {scheme: {'industry_code', 'industry_name'}}}; one stored scheme (sw_l1)."""
    codes = [qmt(s) for s in as_list(security)]
    known_codes(codes)
    day = snapshot_day("sector_membership", date if date is not None else today())
    docs = db()["sector_membership"].find({"date": day.to_pydatetime(), "sector_type": "industry"},
                                          {"code": 1, "sector_code": 1, "sector_name": 1})
    wanted = set(codes)
    found = {d["code"]: d for d in docs if d["code"] in wanted}
    out = {jq(c): ({INDUSTRY_SCHEME: {"industry_code": found[c]["sector_code"],
                                       "industry_name": found[c]["sector_name"]}} if c in found else {})
           for c in codes}
    if not df:
        return out
    rows = [(code, scheme, v["industry_code"], v["industry_name"])
            for code, schemes in out.items() for scheme, v in schemes.items()]
    return pd.DataFrame(rows, columns=["code", "type", "industry_code", "industry_name"])


# ------------------------------------------------------------------- indexes
def get_index_weights(index_id, date=None) -> pd.DataFrame:
    index_code = qmt(index_id)
    query = {"index_code": index_code}
    if db()["index_weights"].find_one(query, {"_id": 1}) is None:
        raise UnknownSecurityError(f"找不到指数 {index_id!r}: no stored index weights")
    asked = day_of(date)
    day = snapshot_day("index_weights", asked, query)
    docs = list(db()["index_weights"].find({"date": day.to_pydatetime(), **query},
                                           {"_id": 0, "code": 1, "weight": 1}))
    w = pd.DataFrame(docs, columns=["code", "weight"]).sort_values("code")
    names = {d["code"]: d["name"] for d in db()["instruments"].find(
        {"date": snapshot_day("instruments", asked).to_pydatetime()}, {"code": 1, "name": 1})}
    return pd.DataFrame({"date": [asked] * len(w), "weight": w["weight"].to_numpy(float),
                         "display_name": [names.get(c, "") for c in w["code"]]},
                        index=pd.Index([jq(c) for c in w["code"]]))


def get_index_stocks(index_symbol, date=None) -> list[str]:
    return list(get_index_weights(index_symbol, date).index)
