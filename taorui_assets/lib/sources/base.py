"""The source interface: one method per dataset, each returning a canonical frame.

Implementations: ``SimSource`` (SimMarket, the ground truth), ``QmtSource`` (xtquant),
``JQDataSource`` (jqdatasdk). Frames follow ``taorui_assets.lib.schemas``; callers
validate them, sources need not.
"""
from __future__ import annotations

import abc
import datetime as dt
from typing import Callable, Optional, Sequence

import pandas as pd

from taorui_assets.lib.quarters import quarter_end  # noqa: F401 - the sources import it from here

# Progress callback: (done, total, message). Sources call it during long downloads.
Progress = Callable[[int, int, str], None]


class SourceError(RuntimeError):
    """A source failed to deliver a dataset; the message says which and why, never a secret."""


class EmptyAnswerError(SourceError):
    """A source answered 0 rows where the calendar says data must exist."""


class NoValuationTable(SourceError):
    """The source has no valuation table at all (QMT): there is nothing to reconcile against."""


class MarketDataSource(abc.ABC):
    """Canonical market data for one trading day (or one year / quarter)."""

    name: str = "abstract"  # provenance value written to MongoDB: sim | qmt | jqdata

    def use_stored(self, db) -> None:
        """The platform's MongoDB, given by the asset: a source may take what upstream assets
        stored for the day (listing, traded codes) instead of asking its server again."""

    @abc.abstractmethod
    def instruments(self, date: dt.date) -> pd.DataFrame:
        """Every A-share stock listed on ``date`` plus the tracked indexes."""

    @abc.abstractmethod
    def trading_calendar(self, year: int) -> pd.DataFrame:
        """SSE trading days of ``year``."""

    @abc.abstractmethod
    def daily_bars(self, date: dt.date, codes: Optional[Sequence[str]] = None,
                   progress: Optional[Progress] = None) -> pd.DataFrame:
        """Unadjusted daily bars; suspended securities appear with ``paused=True``."""

    @abc.abstractmethod
    def minute_bars(self, date: dt.date, period: str, codes: Optional[Sequence[str]] = None,
                    progress: Optional[Progress] = None) -> pd.DataFrame:
        """Unadjusted 1m or 5m bars of traded securities, labelled by bar end time."""

    @abc.abstractmethod
    def adj_factors(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Backward cumulative adjustment factors in force on ``date``."""

    @abc.abstractmethod
    def financial_statements(self, quarter: str, as_of: dt.date,
                             codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Every published version (announced on or before ``as_of``) of the balance sheet,
        income statement and cash-flow statement for report quarter ``quarter`` (``2024Q3``)."""

    @abc.abstractmethod
    def sector_membership(self, date: dt.date) -> pd.DataFrame:
        """Industry and concept membership in force on ``date``."""

    @abc.abstractmethod
    def index_weights(self, date: dt.date) -> pd.DataFrame:
        """Constituent weights of the tracked indexes on ``date``."""

    @abc.abstractmethod
    def billboard(self, date: dt.date) -> pd.DataFrame:
        """龙虎榜 seats for every security that met a listing rule on ``date``."""

    @abc.abstractmethod
    def northbound_flow(self, date: dt.date) -> pd.DataFrame:
        """Northbound (Stock Connect) turnover by channel on ``date``."""

    @abc.abstractmethod
    def money_flow(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Net inflow by order size for each traded security on ``date``."""

    # ---- capital structure and holders (issue 13 part 4) ----
    @abc.abstractmethod
    def capital_changes(self, quarter: str, as_of: dt.date,
                        codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Share capital changes whose change date falls in ``quarter``, announced by ``as_of``."""

    @abc.abstractmethod
    def top10_holders(self, quarter: str, as_of: dt.date,
                      codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Top-10 holders and top-10 float holders of report period ``quarter``, every
        version announced by ``as_of``."""

    @abc.abstractmethod
    def holder_counts(self, quarter: str, as_of: dt.date,
                      codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """Shareholder counts as of report period ``quarter``'s end, announced by ``as_of``."""

    @abc.abstractmethod
    def northbound_holdings(self, date: dt.date) -> pd.DataFrame:
        """Shares each A-share stock's northbound (Stock Connect) investors hold after ``date``."""

    # ----- valuation (issue 13 part 2) ---------------------------------------------------------
    def valuation(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        """The vendor's own valuation table (市值表) of ``date`` in canonical units: the REFERENCE
        our computed ``valuation`` dataset is reconciled against, never what it is built from.
        One row per stock traded on ``date``. Sources without such a table raise NoValuationTable."""
        raise NoValuationTable(f"{self.name} has no valuation table; the valuation dataset is computed from "
                          "stored data and reconciled against a source that has one (JQData)")

    # ---- ranges of days (backfills; taorui_assets/ranges.py) ----
    def prepare_range(self, dataset: str, period: Optional[str], dates: Sequence[dt.date]) -> None:
        """Called once before a backfill run asks for ``dataset`` day by day over ``dates``: a
        source that can fetch the range in one call (QMT: one ``download_history_data2``) does
        it here, and its per-day calls then read what was fetched. The default does nothing."""

    def announcements(self, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Financial reports announced in [start, end]: one row per (code, report_date, pub_date),
        sorted by pub_date. A restatement is a second row for the same report with a later pub_date.

        This default asks ``financial_statements(quarter, as_of=end)`` for every quarter that
        ended in the year before ``start`` up to ``end``. That covers the statutory deadlines
        (annual reports by 30 April) and restatements within a year, at the cost of a
        statement download per quarter; sources with an announcement feed should override it.
        """
        cols = ["code", "report_date", "pub_date"]
        first = start - dt.timedelta(days=366)
        frames = []
        for year in range(first.year, end.year + 1):
            for q in range(1, 5):
                quarter = f"{year}Q{q}"
                if not first <= quarter_end(quarter) < end:
                    continue
                df = self.financial_statements(quarter, as_of=end)
                if not df.empty:
                    frames.append(df[cols])
        if not frames:
            return pd.DataFrame({"code": pd.Series(dtype=object), "report_date": pd.Series(dtype="datetime64[ns]"),
                                 "pub_date": pd.Series(dtype="datetime64[ns]")})
        out = pd.concat(frames, ignore_index=True)
        out["report_date"] = pd.to_datetime(out["report_date"])
        out["pub_date"] = pd.to_datetime(out["pub_date"])
        out = out[(out["pub_date"] >= pd.Timestamp(start)) & (out["pub_date"] <= pd.Timestamp(end))]
        return out.drop_duplicates().sort_values(["pub_date", "code", "report_date"]).reset_index(drop=True)
