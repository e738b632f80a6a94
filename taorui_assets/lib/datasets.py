"""The dataset registry: every dataset is declared here once, as a ``DatasetSpec``.

Everything else about a dataset is derived from its spec: the MongoDB indexes
(``lib/storage/store.py``), the Pandera model looked up by name (``lib/schemas.py``), the
asset's partitions, group, tags, owners and column schema (``dataset_asset.py``), the jobs
and schedules (``defs/jobs.py``, ``defs/schedules.py``), the freshness policies
(``automation.py``), healing (``defs/healing.py``), the reconciliation asset
(``reconciliation_asset.py``), the CLI (``scripts/run datasets``) and the test harness.

This module is plain data (no Dagster), so storage can use it too. Adding a dataset: see
"Adding a dataset" in the README.
"""
from __future__ import annotations

from dataclasses import dataclass

from taorui_assets.lib import schemas

# Partitions kinds; the Dagster definitions are in taorui_assets/partitions.py.
TRADING_DAY = "trading_day"
YEAR = "year"
REPORT_QUARTER = "report_quarter"
PARTITIONS = (TRADING_DAY, YEAR, REPORT_QUARTER)


@dataclass(frozen=True)
class Schedule:
    """What launches a dataset's runs: a job of every asset with this schedule, and the
    schedule or sensor (``by``) that launches it."""

    job: str
    by: str | None  # None: by hand or scripts/run
    when: str


CLOSE = "close"
PRE_OPEN = "pre_open"
WEEKLY = "weekly"
REPORTS = "reports"
MANUAL = "manual"
SEAL = "seal"

# The names are those of the jobs, schedules and sensors in Dagster (and its run history).
SCHEDULES: dict[str, Schedule] = {
    CLOSE: Schedule("market_close_datasets", "market_close_schedule",
                    "trading days after the close (TAORUI_CLOSE_RUN_TIMES)"),
    PRE_OPEN: Schedule("reference_daily", "reference_daily_schedule",
                       "trading days before the open (TAORUI_REFERENCE_RUN_TIME)"),
    WEEKLY: Schedule("index_weights_weekly", "index_weights_weekly_schedule",
                     "Saturday 08:00, for the week's last trading day"),
    REPORTS: Schedule("financial_statements_job", "financial_reports_sensor",
                      "when a source lists new financial-report announcements"),
    MANUAL: Schedule("trading_calendar_job", None, "by hand or scripts/run; known a year ahead"),
    SEAL: Schedule("ticks_seal", "ticks_seal_schedule",
                   "trading days 16:30 and 19:30, after the close runs' minute bars"),
}

OWNERS = ("team:taorui-data",)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    model: type  # the Pandera model of the canonical frame (lib/schemas.py)
    key: tuple[str, ...]  # natural key of one document: MongoDB's unique index
    partitions: str  # one of PARTITIONS
    group: str  # Dagster asset group, and the defs/<group>/ folder of the asset
    schedule: str  # one of SCHEDULES
    collection: str = ""  # default: the name. Storage addresses collections by dataset name.
    indexes: tuple[tuple[str, ...], ...] = ()  # extra ascending indexes, for the read API
    codes_checked: bool = False  # every code must be listed in that day's instruments
    fresh: bool = True  # held to its schedule's freshness deadline (automation.py)
    periods: tuple[str, ...] = ()  # one asset per period, named <name>_<period>
    healable: bool = False  # partitions from a backup are re-fetched from the primary
    reconcile: tuple[str, ...] = ()  # fields a <name>_reconciliation asset compares across sources
    row_key: tuple[str, ...] = ()  # key of one canonical row, when a document holds many (buckets)
    owners: tuple[str, ...] = OWNERS
    # Written during the session by the capture service (lib/realtime), not fetched from a
    # source: its asset only seals a captured day, so it stays out of daily_datasets (scripts/run)
    # and the test harness's daily window, which have no capture behind them.
    captured: bool = False
    # A day too large to hold whole (a full-market 1m day: 1.2 M rows): fetched, judged and
    # written in code chunks, one chunk stored while the next is fetched (dataset_asset.py).
    streamed: bool = False

    def __post_init__(self):
        if not self.collection:
            object.__setattr__(self, "collection", self.name)
        if not self.row_key:
            object.__setattr__(self, "row_key", self.key)
        problems = []
        if self.partitions not in PARTITIONS:
            problems.append(f"partitions {self.partitions!r} is not one of {PARTITIONS}")
        if self.schedule not in SCHEDULES:
            problems.append(f"schedule {self.schedule!r} is not one of {tuple(SCHEDULES)}")
        if (self.healable or self.codes_checked) and self.partitions != TRADING_DAY:
            problems.append("healing and the instruments check work on trading-day partitions only")
        if self.streamed and not self.codes_checked:
            problems.append("a streamed dataset is chunked by the day's listed codes: set codes_checked")
        if self.reconcile and self.periods:
            problems.append("reconciling a dataset with periods is not supported yet")
        if not set(self.key) <= set(self.row_key):
            problems.append("row_key must extend key")
        if problems:
            raise ValueError(f"dataset {self.name}: " + "; ".join(problems))

    @property
    def assets(self) -> list[str]:
        """The names of its assets, one per period."""
        return [f"{self.name}_{p}" for p in self.periods] if self.periods else [self.name]

    @property
    def reconciliation_asset(self) -> str | None:
        return f"{self.name}_reconciliation" if self.reconcile else None

    def period_of(self, asset: str) -> str | None:
        if asset not in self.assets:
            raise ValueError(f"{asset} is not an asset of dataset {self.name}")
        return asset[len(self.name) + 1:] if self.periods else None


# In dependency order: codes are checked against the stored instruments, so they come first.
SPECS: tuple[DatasetSpec, ...] = (
    DatasetSpec("instruments", schemas.Instruments, ("date", "code"), TRADING_DAY, "reference", PRE_OPEN,
                indexes=(("code", "date"),), healable=True),
    DatasetSpec("trading_calendar", schemas.TradingCalendar, ("exchange", "date"), YEAR, "reference", MANUAL,
                fresh=False),
    DatasetSpec("daily_bars", schemas.DailyBars, ("code", "date"), TRADING_DAY, "market", CLOSE,
                indexes=(("date", "code"),), codes_checked=True, healable=True,
                reconcile=("close", "volume", "amount")),
    DatasetSpec("minute_bars", schemas.MinuteBars, ("code", "date", "period"), TRADING_DAY, "market", CLOSE,
                indexes=(("date", "period"),), codes_checked=True, healable=True, periods=("1m", "5m"),
                row_key=("code", "date", "period", "time"), streamed=True),  # one bucket document per (code, date, period)
    DatasetSpec("adj_factors", schemas.AdjFactors, ("code", "date"), TRADING_DAY, "market", CLOSE,
                indexes=(("date",),), codes_checked=True, healable=True),
    DatasetSpec("financial_statements", schemas.FinancialStatements, ("code", "statement", "report_date", "pub_date"),
                REPORT_QUARTER, "fundamentals", REPORTS, indexes=(("report_date",), ("pub_date",)),
                reconcile=("total_assets", "total_liabilities", "total_equity", "total_revenue",
                           "net_profit", "net_profit_parent", "net_operating_cash_flow")),
    DatasetSpec("sector_membership", schemas.SectorMembership, ("date", "sector_code", "code"), TRADING_DAY,
                "reference", PRE_OPEN, indexes=(("code", "date"),), codes_checked=True, healable=True),
    DatasetSpec("index_weights", schemas.IndexWeights, ("date", "index_code", "code"), TRADING_DAY,
                "reference", WEEKLY, indexes=(("index_code", "date"),), codes_checked=True, healable=True),
    DatasetSpec("billboard", schemas.Billboard, ("date", "code", "reason_code", "direction", "rank"), TRADING_DAY,
                "flows", CLOSE, indexes=(("code", "date"),), codes_checked=True, healable=True),
    DatasetSpec("northbound_flow", schemas.NorthboundFlow, ("date", "channel"), TRADING_DAY, "flows", CLOSE,
                healable=True),
    DatasetSpec("money_flow", schemas.MoneyFlow, ("code", "date"), TRADING_DAY, "flows", CLOSE,
                indexes=(("date",),), codes_checked=True, healable=True),
    # capital structure and holders (issue 13 part 4): quarterly ones are re-run with the reports
    DatasetSpec("capital_changes", schemas.CapitalChanges, ("code", "change_date", "pub_date"), REPORT_QUARTER,
                "fundamentals", REPORTS, indexes=(("report_date",), ("code", "change_date"), ("pub_date",))),
    DatasetSpec("top10_holders", schemas.Top10Holders, ("code", "kind", "report_date", "pub_date", "rank"),
                REPORT_QUARTER, "fundamentals", REPORTS, indexes=(("report_date",), ("pub_date",))),
    DatasetSpec("holder_counts", schemas.HolderCounts, ("code", "report_date", "pub_date"), REPORT_QUARTER,
                "fundamentals", REPORTS, indexes=(("report_date",), ("pub_date",))),
    DatasetSpec("northbound_holdings", schemas.NorthboundHoldings, ("date", "code"), TRADING_DAY, "flows", CLOSE,
                indexes=(("code", "date"),), codes_checked=True, healable=True),
    # Computed from the stored daily_bars, instruments and financial_statements (not fetched);
    # reconciled against the JQData valuation table (lib/valuation.py).
    DatasetSpec("valuation", schemas.Valuation, ("code", "date"), TRADING_DAY, "fundamentals", CLOSE,
                indexes=(("date",),), codes_checked=True,
                reconcile=("total_shares", "float_shares", "market_cap", "float_market_cap", "turnover_ratio",
                           "pe_ttm", "pe_lyr", "pb", "ps_ttm", "pcf_ttm")),
    # One bucket document per (code, 1m bar), its ticks as column chunks (lib/realtime/storage.py).
    DatasetSpec("ticks", schemas.Ticks, ("code", "minute"), TRADING_DAY, "realtime", SEAL,
                indexes=(("date", "code", "minute"),), fresh=False, captured=True,
                row_key=("code", "minute", "time")),
)

DATASETS: dict[str, DatasetSpec] = {s.name: s for s in SPECS}


def get(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; the registry (lib/datasets.py) has "
                       f"{', '.join(DATASETS)}") from None


def of_asset(asset: str) -> DatasetSpec:
    """The dataset an asset materializes (``minute_bars_1m`` → minute_bars)."""
    for spec in SPECS:
        if asset in spec.assets:
            return spec
    raise KeyError(f"{asset!r} is not the asset of a registered dataset")


def collections() -> list[str]:
    return [s.collection for s in SPECS]


def fetched(partitions: str) -> list[DatasetSpec]:
    """The datasets of a partitions kind that are fetched from a source (not captured)."""
    return [s for s in SPECS if s.partitions == partitions and not s.captured]


def run_by(schedule: str) -> list[DatasetSpec]:
    return [s for s in SPECS if s.schedule == schedule]
