"""Canonical frames, one Pandera model per dataset.

Every source returns these frames; storage writes them with ``source`` and
``ingested_at`` added. Dates are naive ``datetime64[ns]`` holding the Asia/Shanghai
wall-clock date (midnight) or time; money is CNY; volume is shares.
"""
from __future__ import annotations

from typing import Optional

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from taorui_assets.lib import bar_rules
from taorui_assets.lib.fields import describe

EXCHANGES = ["SH", "SZ", "BJ"]
BOARDS = ["main", "chinext", "star", "bse", "index"]
STATEMENTS = ["balance", "income", "cash_flow"]
STATEMENT_ITEMS = {
    "balance": ["cash", "total_current_assets", "total_assets", "total_current_liabilities",
                "total_liabilities", "equity_parent", "total_equity"],
    "income": ["total_revenue", "operating_revenue", "operating_profit", "total_profit",
               "net_profit", "net_profit_parent", "eps_basic"],
    "cash_flow": ["net_operating_cash_flow", "net_investing_cash_flow",
                  "net_financing_cash_flow", "net_cash_increase"],
}
# Relative tolerance of the accounting identity; published statements are rounded to the yuan.
IDENTITY_RTOL = 1e-6
CODE_PATTERN = r"^\d{6}\.(SH|SZ|BJ)$"


def F(dataset: str, field: str, **kw) -> pa.Field:  # noqa: N802 - reads like pa.Field
    return pa.Field(description=describe(dataset, field), **kw)


class Instruments(pa.DataFrameModel):
    date: Series[pd.Timestamp] = F("instruments", "date")
    code: Series[str] = F("instruments", "code", str_matches=CODE_PATTERN)
    name: Series[str] = F("instruments", "name")
    exchange: Series[str] = F("instruments", "exchange", isin=EXCHANGES)
    board: Series[str] = F("instruments", "board", isin=BOARDS)
    type: Series[str] = F("instruments", "type", isin=["stock", "index"])
    list_date: Series[pd.Timestamp] = F("instruments", "list_date")
    delist_date: Series[pd.Timestamp] = F("instruments", "delist_date", nullable=True)
    is_st: Series[bool] = F("instruments", "is_st")
    total_shares: Series[float] = F("instruments", "total_shares", ge=0)
    float_shares: Series[float] = F("instruments", "float_shares", ge=0)

    class Config:
        strict = True
        coerce = True
        unique = ["date", "code"]


class TradingCalendar(pa.DataFrameModel):
    exchange: Series[str] = F("trading_calendar", "exchange", isin=["SSE"])
    date: Series[pd.Timestamp] = F("trading_calendar", "date", unique=True)

    class Config:
        strict = True
        coerce = True


class _Bar(pa.DataFrameModel):
    open: Series[float] = pa.Field(gt=0, description="CNY, unadjusted")
    high: Series[float] = pa.Field(gt=0, description="CNY, unadjusted")
    low: Series[float] = pa.Field(gt=0, description="CNY, unadjusted")
    close: Series[float] = pa.Field(gt=0, description="CNY, unadjusted")
    volume: Series[float] = pa.Field(ge=0, description="shares")
    amount: Series[float] = pa.Field(ge=0, description="CNY")

    @pa.dataframe_check(error="high must be >= open, close and low")
    def high_is_highest(cls, df: pd.DataFrame) -> Series[bool]:
        return bar_rules.high_is_highest(df)

    @pa.dataframe_check(error="low must be <= open and close")
    def low_is_lowest(cls, df: pd.DataFrame) -> Series[bool]:
        return bar_rules.low_is_lowest(df)


class DailyBars(_Bar):
    code: Series[str] = F("daily_bars", "code", str_matches=CODE_PATTERN)
    date: Series[pd.Timestamp] = F("daily_bars", "date")
    pre_close: Series[float] = F("daily_bars", "pre_close", gt=0)
    high_limit: Series[float] = F("daily_bars", "high_limit", gt=0)
    low_limit: Series[float] = F("daily_bars", "low_limit", gt=0)
    paused: Series[bool] = F("daily_bars", "paused")

    class Config:
        strict = True
        coerce = True
        unique = ["code", "date"]

    @pa.dataframe_check(error="prices must lie within [low_limit, high_limit]")
    def within_price_limits(cls, df: pd.DataFrame) -> Series[bool]:
        return bar_rules.high_within_limit(df) & bar_rules.low_within_limit(df)


class MinuteBars(_Bar):
    code: Series[str] = F("minute_bars", "code", str_matches=CODE_PATTERN)
    date: Series[pd.Timestamp] = F("minute_bars", "date")
    period: Series[str] = F("minute_bars", "period", isin=["1m", "5m"])
    time: Series[pd.Timestamp] = F("minute_bars", "time")

    class Config:
        strict = True
        coerce = True
        unique = ["code", "period", "time"]


class AdjFactors(pa.DataFrameModel):
    code: Series[str] = F("adj_factors", "code", str_matches=CODE_PATTERN)
    date: Series[pd.Timestamp] = F("adj_factors", "date")
    factor: Series[float] = F("adj_factors", "factor", gt=0)

    class Config:
        strict = True
        coerce = True
        unique = ["code", "date"]


def _item(field: str):
    return F("financial_statements", field, nullable=True)


class FinancialStatements(pa.DataFrameModel):
    code: Series[str] = F("financial_statements", "code", str_matches=CODE_PATTERN)
    statement: Series[str] = F("financial_statements", "statement", isin=STATEMENTS)
    report_date: Series[pd.Timestamp] = F("financial_statements", "report_date")
    pub_date: Series[pd.Timestamp] = F("financial_statements", "pub_date")
    cash: Series[float] = _item("cash")
    total_current_assets: Series[float] = _item("total_current_assets")
    total_assets: Series[float] = _item("total_assets")
    total_current_liabilities: Series[float] = _item("total_current_liabilities")
    total_liabilities: Series[float] = _item("total_liabilities")
    equity_parent: Series[float] = _item("equity_parent")
    total_equity: Series[float] = _item("total_equity")
    total_revenue: Series[float] = _item("total_revenue")
    operating_revenue: Series[float] = _item("operating_revenue")
    operating_profit: Series[float] = _item("operating_profit")
    total_profit: Series[float] = _item("total_profit")
    net_profit: Series[float] = _item("net_profit")
    net_profit_parent: Series[float] = _item("net_profit_parent")
    eps_basic: Series[float] = _item("eps_basic")
    net_operating_cash_flow: Series[float] = _item("net_operating_cash_flow")
    net_investing_cash_flow: Series[float] = _item("net_investing_cash_flow")
    net_financing_cash_flow: Series[float] = _item("net_financing_cash_flow")
    net_cash_increase: Series[float] = _item("net_cash_increase")

    class Config:
        strict = True
        coerce = True
        unique = ["code", "statement", "report_date", "pub_date"]

    @pa.dataframe_check(error="a statement is published on or after its report period ends")
    def published_after_period(cls, df: pd.DataFrame) -> Series[bool]:
        return df["pub_date"] >= df["report_date"]

    @pa.dataframe_check(error="each statement's own items must be present")
    def items_present(cls, df: pd.DataFrame) -> Series[bool]:
        ok = pd.Series(True, index=df.index)
        for statement, items in STATEMENT_ITEMS.items():
            rows = df["statement"] == statement
            ok &= ~rows | df[items].notna().all(axis=1)
        return ok


class SectorMembership(pa.DataFrameModel):
    date: Series[pd.Timestamp] = F("sector_membership", "date")
    sector_type: Series[str] = F("sector_membership", "sector_type", isin=["industry", "concept"])
    sector_code: Series[str] = F("sector_membership", "sector_code")
    sector_name: Series[str] = F("sector_membership", "sector_name")
    code: Series[str] = F("sector_membership", "code", str_matches=CODE_PATTERN)

    class Config:
        strict = True
        coerce = True
        unique = ["date", "sector_code", "code"]


class IndexWeights(pa.DataFrameModel):
    date: Series[pd.Timestamp] = F("index_weights", "date")
    index_code: Series[str] = F("index_weights", "index_code", str_matches=CODE_PATTERN)
    code: Series[str] = F("index_weights", "code", str_matches=CODE_PATTERN)
    weight: Series[float] = F("index_weights", "weight", gt=0, le=100)

    class Config:
        strict = True
        coerce = True
        unique = ["date", "index_code", "code"]


class Billboard(pa.DataFrameModel):
    date: Series[pd.Timestamp] = F("billboard", "date")
    code: Series[str] = F("billboard", "code", str_matches=CODE_PATTERN)
    reason_code: Series[str] = F("billboard", "reason_code")
    reason: Series[str] = F("billboard", "reason")
    direction: Series[str] = F("billboard", "direction", isin=["buy", "sell"])
    rank: Series[int] = F("billboard", "rank", ge=1, le=5)
    seat: Series[str] = F("billboard", "seat")
    buy_amount: Series[float] = F("billboard", "buy_amount", ge=0)
    sell_amount: Series[float] = F("billboard", "sell_amount", ge=0)
    net_amount: Series[float] = F("billboard", "net_amount")

    class Config:
        strict = True
        coerce = True
        unique = ["date", "code", "reason_code", "direction", "rank"]


class NorthboundFlow(pa.DataFrameModel):
    date: Series[pd.Timestamp] = F("northbound_flow", "date")
    channel: Series[str] = F("northbound_flow", "channel", isin=["sh_connect", "sz_connect"])
    buy_amount: Series[float] = F("northbound_flow", "buy_amount", ge=0)
    sell_amount: Series[float] = F("northbound_flow", "sell_amount", ge=0)
    net_amount: Series[float] = F("northbound_flow", "net_amount")

    class Config:
        strict = True
        coerce = True
        unique = ["date", "channel"]


class MoneyFlow(pa.DataFrameModel):
    code: Series[str] = F("money_flow", "code", str_matches=CODE_PATTERN)
    date: Series[pd.Timestamp] = F("money_flow", "date")
    net_amount_xl: Series[float] = F("money_flow", "net_amount_xl")
    net_amount_l: Series[float] = F("money_flow", "net_amount_l")
    net_amount_m: Series[float] = F("money_flow", "net_amount_m")
    net_amount_s: Series[float] = F("money_flow", "net_amount_s")
    net_amount_main: Series[float] = F("money_flow", "net_amount_main")

    class Config:
        strict = True
        coerce = True
        unique = ["code", "date"]


class Ticks(pa.DataFrameModel):
    """Snapshot ticks as the capture stores them (lib/realtime); cumulative volume and amount."""
    code: Series[str] = F("ticks", "code", str_matches=CODE_PATTERN)
    date: Series[pd.Timestamp] = F("ticks", "date")
    minute: Series[pd.Timestamp] = F("ticks", "minute")
    time: Series[pd.Timestamp] = F("ticks", "time")
    last_price: Series[float] = F("ticks", "last_price", ge=0)
    open: Series[float] = F("ticks", "open", ge=0)
    high: Series[float] = F("ticks", "high", ge=0)
    low: Series[float] = F("ticks", "low", ge=0)
    pre_close: Series[float] = F("ticks", "pre_close", ge=0)
    volume: Series[float] = F("ticks", "volume", ge=0)
    amount: Series[float] = F("ticks", "amount", ge=0)
    status: Series[int] = F("ticks", "status")
    trade_count: Series[int] = F("ticks", "trade_count", ge=0)
    ask_price1: Series[float] = F("ticks", "ask_price1", ge=0)
    ask_price2: Series[float] = F("ticks", "ask_price2", ge=0)
    ask_price3: Series[float] = F("ticks", "ask_price3", ge=0)
    ask_price4: Series[float] = F("ticks", "ask_price4", ge=0)
    ask_price5: Series[float] = F("ticks", "ask_price5", ge=0)
    bid_price1: Series[float] = F("ticks", "bid_price1", ge=0)
    bid_price2: Series[float] = F("ticks", "bid_price2", ge=0)
    bid_price3: Series[float] = F("ticks", "bid_price3", ge=0)
    bid_price4: Series[float] = F("ticks", "bid_price4", ge=0)
    bid_price5: Series[float] = F("ticks", "bid_price5", ge=0)
    ask_volume1: Series[float] = F("ticks", "ask_volume1", ge=0)
    ask_volume2: Series[float] = F("ticks", "ask_volume2", ge=0)
    ask_volume3: Series[float] = F("ticks", "ask_volume3", ge=0)
    ask_volume4: Series[float] = F("ticks", "ask_volume4", ge=0)
    ask_volume5: Series[float] = F("ticks", "ask_volume5", ge=0)
    bid_volume1: Series[float] = F("ticks", "bid_volume1", ge=0)
    bid_volume2: Series[float] = F("ticks", "bid_volume2", ge=0)
    bid_volume3: Series[float] = F("ticks", "bid_volume3", ge=0)
    bid_volume4: Series[float] = F("ticks", "bid_volume4", ge=0)
    bid_volume5: Series[float] = F("ticks", "bid_volume5", ge=0)

    class Config:
        strict = True
        coerce = True


def model(dataset: str) -> type[pa.DataFrameModel]:
    """The model of a registered dataset; the registry (lib/datasets.py) names it."""
    from taorui_assets.lib.datasets import get  # imported here: the registry imports this module

    return get(dataset).model


def columns(dataset: str) -> list[str]:
    return list(model(dataset).to_schema().columns)


def empty(dataset: str) -> pd.DataFrame:
    return model(dataset).to_schema().coerce_dtype(pd.DataFrame(columns=columns(dataset)))


def validate(dataset: str, df: pd.DataFrame) -> pd.DataFrame:
    """Validate lazily so every failure is reported at once; raises pandera SchemaErrors."""
    return model(dataset).validate(df, lazy=True)
