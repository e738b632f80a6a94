"""Re-materialize a report quarter whenever the source lists new announcements for it.

Each tick asks ``market_source`` for announcements from the cursor's latest announcement
date (minus an overlap, for announcements a source enters a few days late) to
``asof.today()``. A quarter with news gets one run, whose run key names the quarter and
the latest announcement date: ``2026Q3:2026-10-30``. A restatement is a later date for
the same quarter, so a new key and a new run.

Cursor (JSON)::

    {"latest": "2026-10-30", "requested": {"2026Q3:2026-10-30": 41, "2026Q2:2026-10-28": 1}}

``latest`` is the latest announcement date seen; ``requested`` maps the announcement keys
still inside the polling window to the number of codes already covered. Replaying a tick
from the same cursor therefore yields the same run keys, and announcements that trickle in
later on an already-requested day add a ``#<codes>`` suffix (``2026Q3:2026-10-30#57``).

``TAORUI_REPORT_LOOKBACK_DAYS`` (default 30) is the first tick's window;
``TAORUI_REPORT_OVERLAP_DAYS`` (default 7) the re-polled days before ``latest``.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Optional

import dagster as dg
import pandas as pd

from taorui_assets import asof, settings
from taorui_assets.defs.jobs import job_for
from taorui_assets.lib import datasets
from taorui_assets.lib.quarters import quarter_of
from taorui_assets.partitions import report_quarters
from taorui_assets.resources.sources import MarketSourceResource


@dataclass
class Cursor:
    latest: dt.date
    requested: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def parse(text: Optional[str]) -> Optional["Cursor"]:
        if not text:
            return None
        try:
            data = json.loads(text)
            return Cursor(dt.date.fromisoformat(data["latest"]), {str(k): int(v) for k, v in data["requested"].items()})
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(f"unreadable cursor {text[:200]!r}; reset it in the UI to start over") from None

    def dump(self) -> str:
        return json.dumps({"latest": self.latest.isoformat(), "requested": dict(sorted(self.requested.items()))})


@dataclass
class Plan:
    run_keys: dict[str, str]  # quarter → run key
    cursor: Cursor
    unknown: list[str]  # quarters with news that are not partitions (calendar not extended)


def window(cursor: Optional[Cursor], today: dt.date, lookback: int, overlap: int) -> tuple[dt.date, dt.date]:
    if cursor is None:
        # At least the overlap, or the second tick would treat older days as late news.
        return today - dt.timedelta(days=max(lookback, overlap)), today
    return cursor.latest - dt.timedelta(days=overlap), today


def plan(announcements: pd.DataFrame, cursor: Optional[Cursor], start: dt.date, overlap: int,
         quarters: set[str]) -> Plan:
    """Run keys for the quarters with news, and the next cursor. Pure, so replayable."""
    old = cursor.requested if cursor else {}
    requested = dict(old)
    run_keys: dict[str, str] = {}
    unknown: set[str] = set()
    report_dates = pd.to_datetime(announcements["report_date"])
    counts = (announcements.assign(quarter=report_dates.map(quarter_of),
                                   day=pd.to_datetime(announcements["pub_date"]).dt.date)
              .groupby(["day", "quarter"])["code"].nunique())
    for (day, quarter), n in counts.items():  # ascending by day: the latest news names the run
        key = f"{quarter}:{day.isoformat()}"
        seen = old.get(key, 0)
        if n <= seen:
            continue
        if quarter not in quarters:
            unknown.add(quarter)
            continue
        requested[key] = int(n)
        run_keys[quarter] = key if seen == 0 else f"{key}#{n}"
    seen_days = [d for d, _ in counts.index] + ([cursor.latest] if cursor else [])
    latest = max(seen_days, default=start)
    floor = latest - dt.timedelta(days=overlap)
    kept = {k: v for k, v in requested.items() if dt.date.fromisoformat(k.split(":")[1]) >= floor}
    return Plan(run_keys, Cursor(latest, kept), sorted(unknown))


@dg.sensor(
    name=datasets.SCHEDULES[datasets.REPORTS].by,
    job=job_for(datasets.REPORTS),
    minimum_interval_seconds=30 * 60,
    description="Polls the market source for financial-report announcements and re-materializes "
    "each report quarter with news (new reports or restatements); run key quarter:announcement date.",
)
def financial_reports_sensor(context: dg.SensorEvaluationContext,
                             market_source: MarketSourceResource) -> dg.SensorResult:
    s = settings.load()
    overlap = s.report_overlap_days
    cursor = Cursor.parse(context.cursor)
    start, end = window(cursor, asof.today(), s.report_lookback_days, overlap)
    if start > end:
        return dg.SensorResult(skip_reason=f"cursor {cursor.latest} is after today {end}")
    source = market_source.get_source(log=context.log)
    found = source.announcements(start, end)
    result = plan(found, cursor, start, overlap, set(report_quarters.get_partition_keys()))
    if result.unknown:
        context.log.warning(f"announcements for quarters outside report_quarters (extend the calendar): "
                            f"{', '.join(result.unknown)}")
    context.log.info(f"{source.name}: {len(found)} announcements {start}..{end}; "
                     f"requesting {', '.join(result.run_keys.values()) or 'nothing'}")
    requests = [dg.RunRequest(partition_key=q, run_key=k) for q, k in sorted(result.run_keys.items())]
    return dg.SensorResult(
        run_requests=requests, cursor=result.cursor.dump(),
        skip_reason=None if requests else f"no new announcements {start}..{end}",
    )
