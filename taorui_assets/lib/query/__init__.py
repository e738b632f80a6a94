"""JQData-compatible reads of the platform's MongoDB: switching is changing an import.

    from taorui_assets import query as jq      # instead of: import jqdatasdk as jq
    jq.get_price("000001.XSHE", start_date="2026-11-02", end_date="2026-11-24", fq="pre")

The connection comes from TAORUI_MONGO_URI / TAORUI_MONGO_DB (default ``taorui``) on the
first call, or from ``connect(uri, database)``.
"""
from taorui_assets.lib.query.bars_api import get_bars
from taorui_assets.lib.query.connection import (
    NotConnectedError, OutOfRangeError, ParamsError, QueryError, UnknownSecurityError, connect,
    disconnect)
from taorui_assets.lib.query.finance import finance
from taorui_assets.lib.query.flows import get_billboard_list, get_money_flow
from taorui_assets.lib.query.fundamentals import balance, cash_flow, get_fundamentals, income, indicator, query
from taorui_assets.lib.query.prices import get_price
from taorui_assets.lib.query.valuation import get_valuation, valuation
from taorui_assets.lib.query.ticks import get_current_tick, get_ticks
from taorui_assets.lib.query.reference import (
    Security, get_all_securities, get_all_trade_days, get_concept_stocks, get_extras, get_index_stocks,
    get_index_weights, get_industry, get_industry_stocks, get_security_info, get_trade_days)

__all__ = [
    "connect", "disconnect", "get_price", "get_bars", "get_trade_days", "get_all_trade_days",
    "get_all_securities", "get_security_info", "get_extras", "get_industry_stocks",
    "get_concept_stocks", "get_industry", "get_index_stocks", "get_index_weights",
    "get_ticks", "get_current_tick", "get_billboard_list", "get_money_flow", "get_fundamentals", "query", "balance", "income",
    "cash_flow", "indicator", "Security", "QueryError", "NotConnectedError", "ParamsError",
    "UnknownSecurityError", "OutOfRangeError",
    "finance",  # finance.run_query over the capital and holder tables (issue 13 part 5)
    "valuation", "get_valuation",
]
