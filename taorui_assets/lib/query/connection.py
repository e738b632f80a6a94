"""The read API's MongoDB connection, errors and the argument parsing all functions share.

The client is created on the first call (from ``TAORUI_MONGO_URI`` / ``TAORUI_MONGO_DB``,
read through ``taorui_assets.settings`` then) or by :func:`connect`, so importing the API
never touches the network.
"""
from __future__ import annotations

import datetime as dt
import threading
from typing import Iterable, Optional

import pandas as pd
from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.database import Database

from taorui_assets import settings
from taorui_assets.lib import codes as C

DEFAULT_DB = settings.default("TAORUI_MONGO_DB")


class QueryError(Exception):
    """Base class of the read API's errors."""


class NotConnectedError(QueryError, RuntimeError):
    """No MongoDB to read: TAORUI_MONGO_URI is unset and connect() was not called."""


class ParamsError(QueryError, ValueError):
    """Arguments JQData would also refuse (same meaning as jqdatasdk's ParamsError)."""


class UnknownSecurityError(QueryError, ValueError):
    """A code that is not in the stored instruments."""


class OutOfRangeError(QueryError, ValueError):
    """A date outside what the database holds; returning less would be a silent gap."""


_lock = threading.Lock()
_state: dict = {"client": None, "db": None, "owned": False}


def connect(uri: Optional[str] = None, database: Optional[str] = None,
            client: Optional[MongoClient] = None) -> Database:
    """Point the API at a MongoDB (replaces any earlier connection); returns the database."""
    with _lock:
        _close_locked()
        # The settings only when something is not given (a bad unrelated setting then stays out of the way).
        configured = settings.load() if (client is None and not uri) or not database else None
        if client is None:
            uri = uri or configured.mongo_uri
            if not uri:
                raise NotConnectedError(
                    "the query API has no database: set TAORUI_MONGO_URI (and TAORUI_MONGO_DB, "
                    f"default {DEFAULT_DB!r}) or call taorui_assets.query.connect(uri, database)")
            client = MongoClient(uri, tz_aware=False, serverSelectionTimeoutMS=10_000)
            _state["owned"] = True
        name = database or configured.mongo_db
        _state["client"], _state["db"] = client, client[name]
        return _state["db"]


def disconnect() -> None:
    with _lock:
        _close_locked()


def _close_locked() -> None:
    if _state["client"] is not None and _state["owned"]:
        _state["client"].close()
    _state.update(client=None, db=None, owned=False)


def db() -> Database:
    current = _state["db"]
    return current if current is not None else connect()


def today() -> dt.date:
    from taorui_assets import asof

    return asof.today()


# ------------------------------------------------------------------ arguments
def as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def qmt(code) -> str:
    try:
        return C.to_qmt(str(code))
    except C.CodeError as e:
        raise UnknownSecurityError(f"找不到标的 {code!r}: {e}") from None


def jq(code: str) -> str:
    return C.to_jq(code)


def when(value) -> Optional[pd.Timestamp]:
    """A JQData date argument as a naive Timestamp (a bare date means its midnight)."""
    if value is None or value == "":
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ParamsError(f"not a date: {value!r}") from None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("Asia/Shanghai").tz_localize(None)
    return ts


def day_of(value, default=None) -> pd.Timestamp:
    ts = when(value)
    if ts is None:
        ts = pd.Timestamp(default if default is not None else today())
    return ts.normalize()


def known_codes(codes: Iterable[str]) -> None:
    """Raise for codes the instruments collection has never listed."""
    wanted = sorted(set(codes))
    if not wanted:
        return
    seen: set = set()
    if len(wanted) > 50:  # most codes are in the latest snapshot: one indexed read, no long $in
        _first, last = stored_span("instruments")
        seen = {d["code"] for d in db()["instruments"].find({"date": last.to_pydatetime()}, {"code": 1})}
    rest = [c for c in wanted if c not in seen]
    if rest:
        seen |= set(db()["instruments"].distinct("code", {"code": {"$in": rest}}))
    missing = [c for c in wanted if c not in seen]
    if missing:
        shown = ", ".join(jq(c) for c in missing[:5])
        raise UnknownSecurityError(f"找不到标的 {shown}: not in the stored instruments "
                                   f"({len(missing)} unknown code{'s' if len(missing) > 1 else ''})")


def stored_span(dataset: str, query: Optional[dict] = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last ``date`` stored in ``dataset`` (index scans, two documents read)."""
    coll, query = db()[dataset], query or {}
    first = coll.find_one(query, {"date": 1}, sort=[("date", ASCENDING)])
    last = coll.find_one(query, {"date": 1}, sort=[("date", DESCENDING)])
    if first is None:
        raise OutOfRangeError(f"the database holds no {dataset} yet; materialize it first")
    return pd.Timestamp(first["date"]), pd.Timestamp(last["date"])


def check_span(dataset: str, lo: pd.Timestamp, hi: pd.Timestamp, query: Optional[dict] = None,
               what: str = "") -> None:
    first, last = stored_span(dataset, query)
    if lo.normalize() < first or hi.normalize() > last:
        raise OutOfRangeError(
            f"{what or dataset}: {lo.date()}..{hi.date()} is outside the stored range "
            f"{first.date()}..{last.date()} of {dataset}; materialize those partitions first")


def trading_days(start=None, end=None, count: Optional[int] = None) -> list[pd.Timestamp]:
    """Stored SSE trading days in [start, end], or the ``count`` days ending at ``end``."""
    coll = db()["trading_calendar"]
    end = day_of(end)
    if count is not None:
        if int(count) <= 0:
            raise ParamsError("count must be > 0")
        docs = coll.find({"date": {"$lte": end.to_pydatetime()}}, {"date": 1},
                         sort=[("date", DESCENDING)], limit=int(count))
        days = sorted(pd.Timestamp(d["date"]) for d in docs)
        if len(days) < int(count):
            raise OutOfRangeError(f"fewer than {count} stored trading days end on {end.date()}")
        return days
    first, _last = stored_span("trading_calendar")
    start = first if start is None else day_of(start)
    if start > end:
        raise ParamsError(f"start_date {start.date()} is after end_date {end.date()}")
    docs = coll.find({"date": {"$gte": start.to_pydatetime(), "$lte": end.to_pydatetime()}},
                     {"date": 1}, sort=[("date", ASCENDING)])
    return [pd.Timestamp(d["date"]) for d in docs]


def check_calendar(start: pd.Timestamp, end: pd.Timestamp) -> None:
    """The stored calendar holds whole years; a day outside them cannot be answered."""
    first, last = stored_span("trading_calendar")
    lo, hi = pd.Timestamp(first.year, 1, 1), pd.Timestamp(last.year, 12, 31)
    if start < lo or end > hi:
        raise OutOfRangeError(f"{start.date()}..{end.date()} is outside the stored trading calendar "
                              f"{lo.date()}..{hi.date()}")


def snapshot_day(dataset: str, value, query: Optional[dict] = None) -> pd.Timestamp:
    """The stored snapshot in force on ``value``: the last stored ``date`` on or before it."""
    day = day_of(value)
    first, last = stored_span(dataset, query)
    if day < first or (day > last and trading_days(last + pd.Timedelta(days=1), day)):
        raise OutOfRangeError(f"{dataset} on {day.date()}: outside the stored range "
                              f"{first.date()}..{last.date()}")
    doc = db()[dataset].find_one({**(query or {}), "date": {"$lte": day.to_pydatetime()}},
                                 {"date": 1}, sort=[("date", DESCENDING)])
    return pd.Timestamp(doc["date"])
