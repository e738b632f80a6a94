"""The few statement items the valuation reads, kept per report quarter in a handful of documents.

The daily valuation needs, for every stock, each stored version of four items over the last
~1,000 days (lib/valuation.py: net profit, revenue and cash increase for the TTM, equity for the
MRQ). Read from ``financial_statements`` that is ~135,000 documents of ~54 fields for a
full-market day: ~7.5 s on the embedded server, which decodes every document whole (a
projection does not help; nor does an index holding the fields, as it cannot cover the query).
So every write of a statements partition (one report quarter) also writes that quarter's digest:
one document per (quarter, statement) with a column array per field, ~36 documents for the
whole lookback.

A digest is written from the frame just stored, after it; the quarter's digests are deleted
before the statements are written. So a digest that exists matches the stored quarter, and a
quarter without one (a failed or crashed write, a quarter stored before digests existed, or
one never materialized) is read from ``financial_statements`` itself (``read``). Two runs
writing the same quarter at once can leave, for a moment, the digest of the first over the
statements of the second; the second's digest then replaces it.
"""
from __future__ import annotations

import datetime as dt
from itertools import chain
from typing import Callable, Optional

import numpy as np
import pandas as pd
from pymongo.database import Database

from taorui_assets.lib.valuation import STATEMENT_ITEMS, STATEMENTS

COLLECTION = "statement_digests"
DATASET = "financial_statements"
KEY = ["code", "statement", "report_date", "pub_date"]
FIELDS = [*KEY, *STATEMENT_ITEMS]  # one row per stored statement version


def forget(db: Database, dataset: str, scope: dict) -> None:
    """Before the write of one ``dataset`` partition: a statements quarter's digests are deleted
    (``write`` writes them anew once the statements are stored)."""
    if dataset == DATASET:
        db[COLLECTION].create_index("report_date")  # read by quarter; the collection grows with the years
        db[COLLECTION].delete_many({"report_date": scope["report_date"]})


def write(db: Database, dataset: str, scope: dict, frame: pd.DataFrame) -> None:
    """The digests of a statements quarter just stored as ``frame`` (every version of it),
    one document per statement type the valuation reads; an empty quarter gets one empty
    document, so it is known."""
    if dataset != DATASET:
        return
    quarter = scope["report_date"]
    rows = frame.loc[frame["statement"].isin(STATEMENTS), FIELDS] if len(frame) else pd.DataFrame(columns=FIELDS)
    docs = []
    for statement, part in rows.groupby("statement", sort=True) if len(rows) else [("", rows)]:
        doc = {"_id": f"{quarter:%Y-%m-%d}|{statement}", "report_date": quarter, "statement": statement,
               "rows": len(part), "code": part["code"].astype(str).tolist(),
               "pub_date": pd.to_datetime(part["pub_date"]).to_numpy().astype("datetime64[us]").tolist()}
        for item in STATEMENT_ITEMS:
            doc[item] = part[item].astype(float).tolist()  # validated numeric; missing is NaN
        docs.append(doc)
    db[COLLECTION].insert_many(docs)


def read(db: Database, first: dt.datetime, last: dt.datetime, pub_until: dt.datetime,
         log: Optional[Callable[[str], None]] = None) -> pd.DataFrame:
    """Every stored version of the valuation's statements (``STATEMENTS``) and items with
    ``first ≤ report_date ≤ last`` and
    ``pub_date ≤ pub_until`` (columns ``FIELDS``): from the digests, and from
    ``financial_statements`` for the quarters that have none (said to ``log``)."""
    quarters = [q.to_pydatetime() for q in pd.date_range(first, last, freq="QE")]
    docs = list(db[COLLECTION].find({"report_date": {"$in": quarters}}))
    have = {d["report_date"] for d in docs}
    missing = [q for q in quarters if q not in have]
    # A partition's scope is its quarter end (lib/storage/scopes.py): no statement lies between.
    found = list(db[DATASET].find({"report_date": {"$in": missing}, "statement": {"$in": STATEMENTS}},
                                  {"_id": 0, **{f: 1 for f in FIELDS}})) if missing else []
    parts = [p for p in (_rows(d for d in docs if d["rows"]), pd.DataFrame(found, columns=FIELDS)) if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FIELDS)
    out["report_date"] = pd.to_datetime(out["report_date"])
    out["pub_date"] = pd.to_datetime(out["pub_date"])
    if found and log is not None:
        slow = sorted({f"{d['report_date']:%Y-%m-%d}" for d in found})
        log(f"statements of report quarters {', '.join(slow)} have no digest (stored before digests existed, "
            f"or their last write failed), so they were read from {DATASET} itself, which is slower; "
            f"materializing those {DATASET} partitions again writes their digests")
    return out[out["pub_date"] <= pub_until].reset_index(drop=True)


def _rows(docs) -> pd.DataFrame:
    """Digest documents → one row per statement version (columns ``FIELDS``)."""
    docs = list(docs)
    sizes = [d["rows"] for d in docs]
    total = sum(sizes)
    out = {"code": np.array(list(chain.from_iterable(d["code"] for d in docs)), dtype=object),
           "statement": np.repeat(np.array([d["statement"] for d in docs], dtype=object), sizes),
           "report_date": np.repeat(np.array([d["report_date"] for d in docs], dtype="datetime64[ns]"), sizes),
           "pub_date": pd.Series(list(chain.from_iterable(d["pub_date"] for d in docs)), dtype="datetime64[ns]").to_numpy()}
    for item in STATEMENT_ITEMS:
        out[item] = np.fromiter(chain.from_iterable(d[item] for d in docs), dtype=float, count=total)
    return pd.DataFrame(out, columns=FIELDS)
