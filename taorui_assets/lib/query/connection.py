"""The read API's MongoDB connection, errors and the argument parsing all functions share.

The client is created on the first call (from ``TAORUI_MONGO_URI`` / ``TAORUI_MONGO_DB``,
read through ``taorui_assets.settings`` then) or by :func:`connect`, so importing the API
never touches the network.
"""
from __future__ import annotations

import bisect
import datetime as dt
import threading
import time
from typing import Iterable, Optional

import pandas as pd
from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.database import Database

from taorui_assets import settings
from taorui_assets.lib import codes as C

DEFAULT_DB = settings.default("TAORUI_MONGO_DB")
# The calendar's natural key is (exchange, date) and SSE its one exchange: naming it lets a
# date range use that index (SecantusDB scans the collection for a bare date range).
CALENDAR = {"exchange": "SSE"}


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
# Codes the instruments collection has listed, per connection. Only found codes are kept: a
# listed code stays listed (instruments are never deleted), so a hit never needs the server,
# while an unknown code is looked up again on every call.
_known: set = set()
# Stored facts kept per connection, each with its invalidation rule (SecantusDB answers a read in
# time proportional to the documents it touches, and a sorted find_one walks the whole index):
# - the calendar, year → (its stored trading days, when read): a past year never changes and is
#   kept for the connection's life; this year and later ones are re-read after CALENDAR_TTL, so a
#   re-materialized calendar shows within that;
# - a dataset's stored span, (dataset, query) → (first, last, when read): trusted for SPAN_TTL to
#   PROVE a range held; a refusal (a range outside it) always re-reads it first.
_calendar: dict = {}
_spans: dict = {}
CALENDAR_TTL = 60.0  # seconds
SPAN_TTL = 60.0  # seconds
EDGE_REACH_DAYS = 20_000  # how far from today (or the calendar's start) _edge looks in windows


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
    _known.clear()
    _calendar.clear()
    _spans.clear()


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
    wanted = sorted(set(codes) - _known)
    if not wanted:
        return
    seen: set = set()
    if len(wanted) > 50:  # most codes are in the latest snapshot: one indexed read, no long $in
        _first, last = stored_span("instruments", fresh=False)  # an older snapshot: the $in below
        seen = {d["code"] for d in db()["instruments"].find({"date": last.to_pydatetime()}, {"code": 1})}
    rest = [c for c in wanted if c not in seen]
    if rest:
        seen |= set(db()["instruments"].distinct("code", {"code": {"$in": rest}}))
    _known.update(c for c in wanted if c in seen)
    missing = [c for c in wanted if c not in seen]
    if missing:
        shown = ", ".join(jq(c) for c in missing[:5])
        raise UnknownSecurityError(f"找不到标的 {shown}: not in the stored instruments "
                                   f"({len(missing)} unknown code{'s' if len(missing) > 1 else ''})")


def stored_span(dataset: str, query: Optional[dict] = None,
                fresh: bool = True) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last ``date`` stored in ``dataset``. ``fresh=False`` accepts the span read in
    the last SPAN_TTL seconds: only for proving a range held, never for refusing one."""
    if dataset == "trading_calendar" and not query:
        query = CALENDAR  # its (exchange, date) index then serves the date reads
    key = (dataset, repr(sorted((query or {}).items())))
    hit = _spans.get(key)
    if not fresh and hit is not None and time.monotonic() - hit[2] < SPAN_TTL:
        return hit[0], hit[1]
    last = _edge(dataset, query or {}, DESCENDING, pd.Timestamp(today()))
    if last is None:
        _spans.pop(key, None)
        raise OutOfRangeError(f"the database holds no {dataset} yet; materialize it first")
    anchor = None
    if dataset != "trading_calendar":
        try:
            anchor = stored_span("trading_calendar", fresh=False)[0]
        except OutOfRangeError:
            pass  # no calendar: the first date is read without windows
    span = _edge(dataset, query or {}, ASCENDING, anchor), last
    _spans[key] = (*span, time.monotonic())
    return span


def _edge(dataset: str, query: dict, direction: int, anchor: Optional[pd.Timestamp],
          bounded: bool = False) -> Optional[pd.Timestamp]:
    """The first (ASCENDING) or last stored ``date`` (``bounded``: on or before ``anchor``).
    A sorted find_one over the whole dataset reads every document on SecantusDB (it neither
    stops at the first nor answers from the index), so the date index is read in windows growing
    from ``anchor`` (today for the last, the calendar's first day for the first): the first
    window holding a document holds the edge, and an empty window costs an index seek."""
    coll, sign = db()[dataset], 1 if direction == ASCENDING else -1
    near, far = ("$lte", "$gte") if direction == ASCENDING else ("$gte", "$lte")
    fixed = {far: anchor.to_pydatetime()} if bounded else {}
    days = 0
    while anchor is not None and days < EDGE_REACH_DAYS:
        edge = (anchor + pd.Timedelta(days=sign * days)).to_pydatetime()
        doc = coll.find_one({**query, "date": {near: edge, **fixed}}, {"date": 1}, sort=[("date", direction)])
        if doc is not None:
            return pd.Timestamp(doc["date"])
        days = 2 * days + 1
    doc = coll.find_one({**query, **({"date": fixed} if fixed else {})}, {"date": 1},
                        sort=[("date", direction)])  # beyond the reach, or no anchor
    return None if doc is None else pd.Timestamp(doc["date"])


def check_span(dataset: str, lo: pd.Timestamp, hi: pd.Timestamp, query: Optional[dict] = None,
               what: str = "", seen: Iterable = ()) -> None:
    """Raise unless ``dataset`` holds lo..hi. ``seen``: dates a read just found in it — when
    they include lo and hi the range is held and no query is needed; otherwise a span read in
    the last SPAN_TTL seconds may prove it, and only a fresh span refuses it."""
    seen = {pd.Timestamp(d).normalize() for d in seen}
    lo, hi = lo.normalize(), hi.normalize()
    if lo in seen and hi in seen:
        return
    for fresh in (False, True):
        first, last = stored_span(dataset, query, fresh=fresh)
        if first <= lo and hi <= last:
            return
    raise OutOfRangeError(
        f"{what or dataset}: {lo.date()}..{hi.date()} is outside the stored range "
        f"{first.date()}..{last.date()} of {dataset}; materialize those partitions first")


def _calendar_years(years: Iterable[int]) -> dict[int, list[pd.Timestamp]]:
    """Each year's stored SSE trading days (empty: the year is not stored), from the
    connection's cache (rule above) or one query for the years it lacks."""
    years = sorted(set(years))
    now, this_year = time.monotonic(), today().year
    ask = [y for y in years if y not in _calendar or (y >= this_year and now - _calendar[y][1] >= CALENDAR_TTL)]
    if ask:
        lo, hi = pd.Timestamp(min(ask), 1, 1), pd.Timestamp(max(ask), 12, 31)
        docs = db()["trading_calendar"].find({**CALENDAR, "date": {"$gte": lo.to_pydatetime(),
                                                                   "$lte": hi.to_pydatetime()}},
                                             {"_id": 0, "date": 1})
        found: dict[int, list] = {}
        for d in docs:
            day = pd.Timestamp(d["date"])
            found.setdefault(day.year, []).append(day)
        for y in range(min(ask), max(ask) + 1):
            if found.get(y):
                _calendar[y] = (sorted(found[y]), now)
            else:
                _calendar.pop(y, None)  # not stored (yet): asked again next time
    return {y: _calendar[y][0] if y in _calendar else [] for y in years}


def _between(held: dict[int, list[pd.Timestamp]], start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    """The held days in [start, end] (years in order; each year's days sorted)."""
    out: list[pd.Timestamp] = []
    for y in sorted(held):
        days = held[y]
        out += days[bisect.bisect_left(days, start):bisect.bisect_right(days, end)]
    return out


def trading_days(start=None, end=None, count: Optional[int] = None) -> list[pd.Timestamp]:
    """Stored SSE trading days in [start, end], or the ``count`` days ending at ``end``."""
    end = day_of(end)
    if count is not None:
        if int(count) <= 0:
            raise ParamsError("count must be > 0")
        count, days = int(count), []
        try:
            first, last = stored_span("trading_calendar", fresh=False)
        except OutOfRangeError:
            first = last = pd.Timestamp(end.year + 1, 1, 1)  # nothing stored: no year to read
        year = min(end.year, last.year)
        while len(days) < count and year >= first.year:  # whole stored years back from end's
            chunk = range(max(first.year, year - count // 240), year + 1)
            held = _calendar_years(chunk)
            days = [d for y in chunk for d in held[y] if d <= end] + days
            year = chunk.start - 1
        if len(days) < count:
            raise OutOfRangeError(f"fewer than {count} stored trading days end on {end.date()}")
        return days[-count:]
    start = stored_span("trading_calendar", fresh=False)[0] if start is None else day_of(start)
    if start > end:
        raise ParamsError(f"start_date {start.date()} is after end_date {end.date()}")
    held = _calendar_years(range(start.year, end.year + 1))
    return _between(held, start, end)


def calendar_days(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    """``check_calendar`` then ``trading_days(start, end)``, from the connection's calendar (at
    most one query): the stored calendar holds whole years, so a stored day in start's year and
    one in end's year prove both."""
    held = _calendar_years(range(start.year, end.year + 1))
    if not held[start.year] or not held[end.year]:
        check_calendar(start, end)  # raises with the stored span
    if start > end:
        raise ParamsError(f"start_date {start.date()} is after end_date {end.date()}")
    return _between(held, start, end)


def check_calendar(start: pd.Timestamp, end: pd.Timestamp) -> None:
    """The stored calendar holds whole years; a day outside them cannot be answered."""
    for fresh in (False, True):  # a cached span may prove it; only a fresh one refuses
        first, last = stored_span("trading_calendar", fresh=fresh)
        lo, hi = pd.Timestamp(first.year, 1, 1), pd.Timestamp(last.year, 12, 31)
        if lo <= start and end <= hi:
            return
    if start < lo or end > hi:
        raise OutOfRangeError(f"{start.date()}..{end.date()} is outside the stored trading calendar "
                              f"{lo.date()}..{hi.date()}")


def snapshot_day(dataset: str, value, query: Optional[dict] = None) -> pd.Timestamp:
    """The stored snapshot in force on ``value``: the last stored ``date`` on or before it."""
    day = day_of(value)
    first, last = stored_span(dataset, query, fresh=False)
    if day < first or day > last:  # a refusal, or a day past the cached last: ask afresh
        first, last = stored_span(dataset, query)
        if day < first or (day > last and trading_days(last + pd.Timedelta(days=1), day)):
            raise OutOfRangeError(f"{dataset} on {day.date()}: outside the stored range "
                                  f"{first.date()}..{last.date()}")
    if day >= last:
        return last
    return _edge(dataset, query or {}, DESCENDING, day, bounded=True)
