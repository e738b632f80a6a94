"""Canonical frames, one Pandera model per dataset.

Every source returns these frames; storage writes them with ``source`` and
``ingested_at`` added. Dates are naive ``datetime64[ns]`` holding the Asia/Shanghai
wall-clock date (midnight) or time; money is CNY; volume is shares.
"""
from __future__ import annotations

import functools
from typing import Optional

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from taorui_assets.lib import bar_rules, fields
from taorui_assets.lib.fields import describe

EXCHANGES = ["SH", "SZ", "BJ"]
BOARDS = ["main", "chinext", "star", "bse", "index", "etf", "lof", "conbond"]
# Instrument types (JQData's get_all_securities types); a non-stock's board is its type.
TYPES = ["stock", "index", "etf", "lof", "conbond"]
STATEMENTS = fields.STATEMENTS
# Every stored item of each statement (lib/fields.py STATEMENT_FIELDS: every column of QMT's tables).
STATEMENT_ITEMS = {st: fields.statement_items(st) for st in STATEMENTS}
# The items every version of a statement must carry, whatever the source (the rest may be
# absent: insurers' and banks' lines, or items a source does not publish). PershareIndex
# comes from QMT only, so it has none that are required of the other sources.
CORE_ITEMS = {
    "balance": ["cash", "total_current_assets", "total_assets", "total_current_liabilities",
                "total_liabilities", "equity_parent", "total_equity"],
    "income": ["total_revenue", "operating_revenue", "operating_profit", "total_profit",
               "net_profit", "net_profit_parent", "eps_basic"],
    "cash_flow": ["net_operating_cash_flow", "net_investing_cash_flow",
                  "net_financing_cash_flow", "net_cash_increase"],
    "pershare": [],
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
    type: Series[str] = F("instruments", "type", isin=TYPES)
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
    # NaN where the type has no limit (indexes; convertible bonds before 2022-08-01)
    high_limit: Series[float] = F("daily_bars", "high_limit", gt=0, nullable=True)
    low_limit: Series[float] = F("daily_bars", "low_limit", gt=0, nullable=True)
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


class _FinancialStatementKeys(pa.DataFrameModel):
    code: Series[str] = F("financial_statements", "code", str_matches=CODE_PATTERN)
    statement: Series[str] = F("financial_statements", "statement", isin=STATEMENTS)
    report_date: Series[pd.Timestamp] = F("financial_statements", "report_date")
    pub_date: Series[pd.Timestamp] = F("financial_statements", "pub_date")

    class Config:
        strict = True
        coerce = True
        unique = ["code", "statement", "report_date", "pub_date"]

    @pa.dataframe_check(error="a statement is published on or after its report period ends")
    def published_after_period(cls, df: pd.DataFrame) -> Series[bool]:
        return df["pub_date"] >= df["report_date"]

    @pa.dataframe_check(error="each statement's core items must be present")
    def items_present(cls, df: pd.DataFrame) -> Series[bool]:
        ok = pd.Series(True, index=df.index)
        for statement, items in CORE_ITEMS.items():
            if items:
                rows = df["statement"] == statement
                ok &= ~rows | df[items].notna().all(axis=1)
        return ok


# One nullable float column per statement item (~270, generated from the field table): a
# row is one version of one statement, so the other statements' items are NaN there and
# storage leaves them out of the document (lib/storage/documents.py).
FinancialStatements = type("FinancialStatements", (_FinancialStatementKeys,), {
    "__annotations__": {item: Series[float] for st in STATEMENTS for item in STATEMENT_ITEMS[st]},
    **{item: _item(item) for st in STATEMENTS for item in STATEMENT_ITEMS[st]},
    "__module__": __name__,
})


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


# ----- valuation (issue 13 part 2; formulas in lib/valuation.py) ---------------------------
def _ratio(field: str):
    return F("valuation", field, nullable=True)  # null: no usable denominator (see lib/valuation.py)


class Valuation(pa.DataFrameModel):
    code: Series[str] = F("valuation", "code", str_matches=CODE_PATTERN)
    date: Series[pd.Timestamp] = F("valuation", "date")
    close: Series[float] = F("valuation", "close", gt=0)
    total_shares: Series[float] = F("valuation", "total_shares", gt=0)
    float_shares: Series[float] = F("valuation", "float_shares", ge=0)
    market_cap: Series[float] = F("valuation", "market_cap", gt=0)
    float_market_cap: Series[float] = F("valuation", "float_market_cap", ge=0)
    turnover_ratio: Series[float] = F("valuation", "turnover_ratio", ge=0, nullable=True)
    pe_ttm: Series[float] = _ratio("pe_ttm")
    pe_lyr: Series[float] = _ratio("pe_lyr")
    pb: Series[float] = _ratio("pb")
    ps_ttm: Series[float] = _ratio("ps_ttm")
    pcf_ttm: Series[float] = _ratio("pcf_ttm")

    class Config:
        strict = True
        coerce = True
        unique = ["code", "date"]

    @pa.dataframe_check(error="float shares cannot exceed total shares")
    def float_within_total(cls, df: pd.DataFrame) -> Series[bool]:
        return df["float_shares"] <= df["total_shares"]

    @pa.dataframe_check(error="market_cap must equal close × total_shares")
    def market_cap_is_price_times_shares(cls, df: pd.DataFrame) -> Series[bool]:
        return ((df["market_cap"] - df["close"] * df["total_shares"]).abs()
                <= 1e-9 * df["market_cap"].abs() + 1e-6)


# ---- capital structure and holders (issue 13 part 4) ----
HOLDER_KINDS = ["top10", "top10_float"]


class CapitalChanges(pa.DataFrameModel):
    code: Series[str] = F("capital_changes", "code", str_matches=CODE_PATTERN)
    report_date: Series[pd.Timestamp] = F("capital_changes", "report_date")
    change_date: Series[pd.Timestamp] = F("capital_changes", "change_date")
    pub_date: Series[pd.Timestamp] = F("capital_changes", "pub_date")
    total_shares: Series[float] = F("capital_changes", "total_shares", gt=0)
    float_shares: Series[float] = F("capital_changes", "float_shares", ge=0)
    restricted_shares: Series[float] = F("capital_changes", "restricted_shares", ge=0, nullable=True)
    change_reason: Series[str] = F("capital_changes", "change_reason", nullable=True)

    class Config:
        strict = True
        coerce = True
        unique = ["code", "change_date", "pub_date"]

    @pa.dataframe_check(error="float shares cannot exceed total shares")
    def float_within_total(cls, df: pd.DataFrame) -> Series[bool]:
        return df["float_shares"] <= df["total_shares"] + 0.5

    @pa.dataframe_check(error="the change date lies in the partition's quarter")
    def change_in_quarter(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["change_date"] + pd.offsets.QuarterEnd(0)).dt.normalize() == df["report_date"]


class Top10Holders(pa.DataFrameModel):
    code: Series[str] = F("top10_holders", "code", str_matches=CODE_PATTERN)
    kind: Series[str] = F("top10_holders", "kind", isin=HOLDER_KINDS)
    report_date: Series[pd.Timestamp] = F("top10_holders", "report_date")
    pub_date: Series[pd.Timestamp] = F("top10_holders", "pub_date")
    rank: Series[int] = F("top10_holders", "rank", ge=1, le=10)
    holder_name: Series[str] = F("top10_holders", "holder_name")
    holder_type: Series[str] = F("top10_holders", "holder_type", nullable=True)
    shares: Series[float] = F("top10_holders", "shares", ge=0)
    ratio: Series[float] = F("top10_holders", "ratio", ge=0, le=100, nullable=True)
    share_nature: Series[str] = F("top10_holders", "share_nature", nullable=True)
    change_reason: Series[str] = F("top10_holders", "change_reason", nullable=True)

    class Config:
        strict = True
        coerce = True
        unique = ["code", "kind", "report_date", "pub_date", "rank"]

    @pa.dataframe_check(error="a list's holders together hold at most 100% of the shares")
    def ratios_add_up(cls, df: pd.DataFrame) -> Series[bool]:
        total = df.groupby(["code", "kind", "report_date", "pub_date"])["ratio"].transform("sum")
        return total <= 100.0 + 1e-6


class HolderCounts(pa.DataFrameModel):
    code: Series[str] = F("holder_counts", "code", str_matches=CODE_PATTERN)
    report_date: Series[pd.Timestamp] = F("holder_counts", "report_date")
    pub_date: Series[pd.Timestamp] = F("holder_counts", "pub_date")
    holders: Series[float] = F("holder_counts", "holders", gt=0)
    a_holders: Series[float] = F("holder_counts", "a_holders", ge=0, nullable=True)
    b_holders: Series[float] = F("holder_counts", "b_holders", ge=0, nullable=True)
    h_holders: Series[float] = F("holder_counts", "h_holders", ge=0, nullable=True)
    float_holders: Series[float] = F("holder_counts", "float_holders", ge=0, nullable=True)
    other_holders: Series[float] = F("holder_counts", "other_holders", ge=0, nullable=True)

    class Config:
        strict = True
        coerce = True
        unique = ["code", "report_date", "pub_date"]


class NorthboundHoldings(pa.DataFrameModel):
    date: Series[pd.Timestamp] = F("northbound_holdings", "date")
    code: Series[str] = F("northbound_holdings", "code", str_matches=CODE_PATTERN)
    channel: Series[str] = F("northbound_holdings", "channel", isin=["sh_connect", "sz_connect"])
    shares: Series[float] = F("northbound_holdings", "shares", ge=0)
    ratio: Series[float] = F("northbound_holdings", "ratio", ge=0, le=100)

    class Config:
        strict = True
        coerce = True
        unique = ["date", "code"]


def model(dataset: str) -> type[pa.DataFrameModel]:
    """The model of a registered dataset; the registry (lib/datasets.py) names it."""
    from taorui_assets.lib.datasets import get  # imported here: the registry imports this module

    return get(dataset).model


def columns(dataset: str) -> list[str]:
    return list(model(dataset).to_schema().columns)


def empty(dataset: str) -> pd.DataFrame:
    return _empty(dataset).copy()


@functools.lru_cache(maxsize=None)
def _empty(dataset: str) -> pd.DataFrame:
    # cached: coercing the ~280 columns of financial_statements takes a second
    return model(dataset).to_schema().coerce_dtype(pd.DataFrame(columns=columns(dataset)))


def validate(dataset: str, df: pd.DataFrame) -> pd.DataFrame:
    """Validate lazily so every failure is reported at once; raises pandera SchemaErrors."""
    return model(dataset).validate(df, lazy=True)


def in_key_order(df: pd.DataFrame, keys: list[str]) -> bool:
    """Sorted by ``keys`` with the middle keys constant (a day's minutes: code, date, period, time)?"""
    if len(df) < 2 or not df[keys[0]].is_monotonic_increasing:
        return len(df) < 2
    if any(df[k].nunique() > 1 for k in keys[1:-1]):
        return False
    first, last = df[keys[0]].to_numpy(), df[keys[-1]].to_numpy()
    if len(keys) == 1:
        return True
    return bool(np.all((last[1:] > last[:-1]) | (first[1:] != first[:-1])))


def failure_cases(dataset: str, df: pd.DataFrame) -> tuple[Optional[pd.DataFrame], pd.DataFrame]:
    """(the validated frame, or None; Pandera's failure cases, empty when valid).

    A bucketed dataset (its row key extends its key: minute bars) repeats each key's text
    columns on every row of the bucket, and Pandera checks text row by row, a Python call per
    cell: 1.3 s of a full-market 1m day's 1.6 s. So those columns are checked once per distinct
    value (a failing value is reported on every row that holds it), the uniqueness of the row
    key with one vectorised ``duplicated``, and everything else by the model as usual."""
    import pandera.errors

    from taorui_assets.lib.datasets import get  # the registry imports this module

    spec = get(dataset)
    schema = model(dataset).to_schema()
    bucketed = spec.row_key != spec.key
    text = [c for c in spec.key if c in df and df[c].dtype == object] if bucketed else []
    cases = []
    if text:
        rows = schema.remove_columns(text)
        rows.unique = None
        frame = df.drop(columns=text)
    else:
        rows, frame = schema, df
    try:
        valid = rows.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as err:
        valid, cases = None, [err.failure_cases]
    for c in text:
        values = pd.Series(pd.unique(df[c].to_numpy()), dtype=object)
        try:
            pa.DataFrameSchema({c: schema.columns[c]}).validate(values.to_frame(c), lazy=True)
        except pandera.errors.SchemaErrors as err:
            valid = None
            for case in err.failure_cases.itertuples(index=False):
                value = values.iloc[int(case.index)] if not pd.isna(case.index) else None
                where = df.index[df[c] == value] if value is not None else [None]
                cases.append(pd.DataFrame([{**case._asdict(), "index": i} for i in where]))
    if text:
        dup = df.duplicated(list(spec.row_key), keep="first")
        if dup.any():
            valid = None
            cases.append(pd.DataFrame({"schema_context": "DataFrameSchema", "column": None,
                                       "check": "multiple_fields_uniqueness", "check_number": None,
                                       "failure_case": None, "index": df.index[dup]}))
        if valid is not None:  # the model's columns, in the frame's order
            valid = pd.concat([valid, df[text]], axis=1)[list(df.columns)]
    failures = pd.concat(cases, ignore_index=True) if cases else pd.DataFrame()
    return valid, failures
