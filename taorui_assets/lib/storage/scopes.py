"""Partition keys → the MongoDB filter of the documents that partition owns.

Derived from the dataset's partitions kind (lib/datasets.py): a trading day owns the
documents of its ``date`` (and period), a year those dated in it, a report quarter those
whose ``report_date`` is the quarter's end.
"""
from __future__ import annotations

import datetime as dt

from taorui_assets.lib import datasets
from taorui_assets.lib.quarters import quarter_end


def day(key: str) -> dt.datetime:
    return dt.datetime.strptime(key, "%Y-%m-%d")


def scope(dataset: str, partition_key: str, period: str | None = None) -> dict:
    spec = datasets.get(dataset)
    if spec.partitions == datasets.YEAR:
        year = int(partition_key[:4])
        return {"date": {"$gte": dt.datetime(year, 1, 1), "$lt": dt.datetime(year + 1, 1, 1)}}
    if spec.partitions == datasets.REPORT_QUARTER:
        q = quarter_end(partition_key)
        return {"report_date": dt.datetime(q.year, q.month, q.day)}
    if spec.periods:
        if period not in spec.periods:
            raise ValueError(f"{dataset} needs a period of {' or '.join(spec.periods)}, got {period!r}")
        return {"date": day(partition_key), "period": period}
    return {"date": day(partition_key)}
