"""The one table that maps canonical field names to xtquant and JQData names.

Rows: (dataset, canonical, xtquant, jqdata, unit and meaning). ``None`` means that
source has no such field and the adapter derives it (the adapter says how).
xtquant names follow ``xtquant/doc/xtdata.md`` (appendix); JQData names follow the
jqdatasdk API documentation.
"""
from __future__ import annotations

FIELDS: list[tuple[str, str, str | None, str | None, str]] = [
    # instruments — xtdata.get_instrument_detail / jqdatasdk.get_all_securities
    ("instruments", "date", None, None, "snapshot trading day"),
    ("instruments", "code", "InstrumentID+ExchangeID", "index", "security code, QMT form"),
    ("instruments", "name", "InstrumentName", "display_name", "Chinese short name"),
    ("instruments", "exchange", "ExchangeID", None, "SH | SZ | BJ"),
    ("instruments", "board", None, None, "main | chinext | star | bse | index, derived from the code"),
    ("instruments", "type", None, "type", "stock | index"),
    ("instruments", "list_date", "OpenDate", "start_date", "listing date"),
    ("instruments", "delist_date", "ExpireDate", "end_date", "delisting date, null while listed"),
    ("instruments", "is_st", None, "is_st", "ST or *ST on this day (QMT: name starts with ST/*ST)"),
    ("instruments", "total_shares", "TotalVolume", None, "total share capital, shares"),
    ("instruments", "float_shares", "FloatVolume", None, "tradable share capital, shares"),
    # trading calendar — xtdata.get_trading_dates / jqdatasdk.get_trade_days
    ("trading_calendar", "exchange", None, None, "calendar's exchange, SSE"),
    ("trading_calendar", "date", "time", "index", "an open trading day"),
    # daily and minute bars — xtdata.get_market_data_ex / jqdatasdk.get_price, unadjusted
    ("daily_bars", "code", "index", "code", "security code"),
    ("daily_bars", "date", "time", "time", "trading day"),
    ("daily_bars", "open", "open", "open", "CNY, unadjusted"),
    ("daily_bars", "high", "high", "high", "CNY, unadjusted"),
    ("daily_bars", "low", "low", "low", "CNY, unadjusted"),
    ("daily_bars", "close", "close", "close", "CNY, unadjusted"),
    ("daily_bars", "pre_close", "preClose", "pre_close", "previous close, CNY, ex-dividend adjusted by the exchange"),
    ("daily_bars", "volume", "volume", "volume", "shares (xtquant reports lots of 100 for stocks)"),
    ("daily_bars", "amount", "amount", "money", "turnover, CNY"),
    ("daily_bars", "high_limit", None, "high_limit", "limit-up price, CNY (QMT: derived from preClose and board)"),
    ("daily_bars", "low_limit", None, "low_limit", "limit-down price, CNY (QMT: derived)"),
    ("daily_bars", "paused", "suspendFlag", "paused", "suspended all day"),
    ("minute_bars", "code", "index", "code", "security code"),
    ("minute_bars", "date", None, None, "trading day the bar belongs to"),
    ("minute_bars", "period", "period", "frequency", "1m | 5m"),
    ("minute_bars", "time", "time", "time", "bar END time, Asia/Shanghai wall clock; 09:31 is the first 1m bar"),
    ("minute_bars", "open", "open", "open", "CNY, unadjusted"),
    ("minute_bars", "high", "high", "high", "CNY, unadjusted"),
    ("minute_bars", "low", "low", "low", "CNY, unadjusted"),
    ("minute_bars", "close", "close", "close", "CNY, unadjusted"),
    ("minute_bars", "volume", "volume", "volume", "shares"),
    ("minute_bars", "amount", "amount", "money", "CNY"),
    # adjustment factors — xtdata.get_divid_factors / get_price(fields=['factor'])
    ("adj_factors", "code", "index", "code", "security code"),
    ("adj_factors", "date", "time", "time", "trading day"),
    ("adj_factors", "factor", "dr (cumulated)", "factor", "backward cumulative factor: post-adjusted = price × factor"),
    # financial statements — xtdata.get_financial_data / jqdatasdk finance tables
    ("financial_statements", "code", "index", "code", "security code"),
    ("financial_statements", "statement", "table", "table", "balance | income | cash_flow"),
    ("financial_statements", "report_date", "m_timetag", "report_date", "report period end"),
    ("financial_statements", "pub_date", "m_anntime", "pub_date", "announcement date"),
    ("financial_statements", "cash", "cash_equivalents", "cash_equivalents", "CNY, balance"),
    ("financial_statements", "total_current_assets", "total_current_assets", "total_current_assets", "CNY, balance"),
    ("financial_statements", "total_assets", "tot_assets", "total_assets", "CNY, balance"),
    ("financial_statements", "total_current_liabilities", "total_current_liability", "total_current_liability", "CNY, balance"),
    ("financial_statements", "total_liabilities", "tot_liab", "total_liability", "CNY, balance"),
    ("financial_statements", "equity_parent", "tot_shrhldr_eqy_excl_min_int", "equities_parent_company_owners", "CNY, balance"),
    ("financial_statements", "total_equity", "total_equity", "total_owner_equities", "CNY, balance"),
    ("financial_statements", "total_revenue", "revenue", "total_operating_revenue", "CNY, income, year to date"),
    ("financial_statements", "operating_revenue", "revenue_inc", "operating_revenue", "CNY, income, year to date"),
    ("financial_statements", "operating_profit", "oper_profit", "operating_profit", "CNY, income, year to date"),
    ("financial_statements", "total_profit", "tot_profit", "total_profit", "CNY, income, year to date"),
    ("financial_statements", "net_profit", "net_profit_incl_min_int_inc", "net_profit", "CNY, income, year to date"),
    ("financial_statements", "net_profit_parent", "net_profit_excl_min_int_inc", "np_parent_company_owners", "CNY, income, year to date"),
    ("financial_statements", "eps_basic", "s_fa_eps_basic", "basic_eps", "CNY per share, income, year to date"),
    ("financial_statements", "net_operating_cash_flow", "net_cash_flows_oper_act", "net_operate_cash_flow", "CNY, cash flow, year to date"),
    ("financial_statements", "net_investing_cash_flow", "net_cash_flows_inv_act", "net_invest_cash_flow", "CNY, cash flow, year to date"),
    ("financial_statements", "net_financing_cash_flow", "net_cash_flows_fnc_act", "net_finance_cash_flow", "CNY, cash flow, year to date"),
    ("financial_statements", "net_cash_increase", "net_incr_cash_cash_equ", "cash_equivalent_increase", "CNY, cash flow, year to date"),
    # sector membership — xtdata.get_stock_list_in_sector / get_industry_stocks, get_concept_stocks
    ("sector_membership", "date", None, "date", "trading day of the membership snapshot"),
    ("sector_membership", "sector_type", None, None, "industry | concept"),
    ("sector_membership", "sector_code", "sector_name", "industry_code/concept_code", "sector identifier"),
    ("sector_membership", "sector_name", "sector_name", "name", "sector display name"),
    ("sector_membership", "code", "stock", "code", "member security"),
    # index weights — xtdata.get_index_weight / jqdatasdk.get_index_weights
    ("index_weights", "date", None, "date", "trading day"),
    ("index_weights", "index_code", "index_code", "index_symbol", "index code"),
    ("index_weights", "code", "key", "index", "constituent"),
    ("index_weights", "weight", "value", "weight", "percent, sums to 100 per index and day"),
    # 龙虎榜 — jqdatasdk.get_billboard_list
    ("billboard", "date", None, "day", "trading day"),
    ("billboard", "code", None, "code", "security on the list"),
    ("billboard", "reason_code", None, "abnormal_code", "listing rule that was met"),
    ("billboard", "reason", None, "abnormal_name", "listing rule text"),
    ("billboard", "direction", None, "direction", "buy | sell: which top-5 table the seat is in"),
    ("billboard", "rank", None, "rank", "1..5 within the direction"),
    ("billboard", "seat", None, "sales_depart_name", "brokerage branch (营业部) or institution"),
    ("billboard", "buy_amount", None, "buy_value", "CNY"),
    ("billboard", "sell_amount", None, "sell_value", "CNY"),
    ("billboard", "net_amount", None, "net_value", "CNY"),
    # northbound flow — xtdata period northfinancechange1d / finance.STK_ML_QUOTA
    ("northbound_flow", "date", "time", "day", "trading day"),
    ("northbound_flow", "channel", None, "link_id", "sh_connect (310001) | sz_connect (310002)"),
    ("northbound_flow", "buy_amount", None, "buy_amount", "CNY (JQData reports 亿元)"),
    ("northbound_flow", "sell_amount", None, "sell_amount", "CNY (JQData reports 亿元)"),
    ("northbound_flow", "net_amount", None, None, "buy_amount - sell_amount, CNY"),
    # money flow — xtdata period transactioncount1d / jqdatasdk.get_money_flow
    ("money_flow", "code", "index", "sec_code", "security code"),
    ("money_flow", "date", "time", "date", "trading day"),
    ("money_flow", "net_amount_xl", None, "net_amount_xl", "extra-large orders net inflow, CNY (JQData: 万元)"),
    ("money_flow", "net_amount_l", None, "net_amount_l", "large orders net inflow, CNY"),
    ("money_flow", "net_amount_m", None, "net_amount_m", "medium orders net inflow, CNY"),
    ("money_flow", "net_amount_s", None, "net_amount_s", "small orders net inflow, CNY"),
    ("money_flow", "net_amount_main", None, "net_amount_main", "xl + l, CNY"),
    # ticks (snapshots) — xtdata.subscribe_whole_quote / get_full_tick push, jqdatasdk.get_ticks /
    # get_current_tick. xtquant's askPrice/bidPrice/askVol/bidVol are 5-element lists: level k is [k-1].
    ("ticks", "code", "(dict key)", "code", "security code"),
    ("ticks", "date", None, None, "trading day of the tick"),
    ("ticks", "minute", None, None, "END of the 1m bar the tick belongs to (lib/realtime/rollup.py): its bucket"),
    ("ticks", "time", "time", "time", "exchange time of the snapshot, Asia/Shanghai wall clock (xtquant: epoch ms)"),
    ("ticks", "last_price", "lastPrice", "current", "last traded price, CNY"),
    ("ticks", "open", "open", None, "day's open, CNY"),
    ("ticks", "high", "high", "high", "day's high so far, CNY"),
    ("ticks", "low", "low", "low", "day's low so far, CNY"),
    ("ticks", "pre_close", "lastClose", None, "previous close, CNY"),
    ("ticks", "volume", "volume", "volume", "cumulative day volume, shares (xtquant: lots of 100 for stocks)"),
    ("ticks", "amount", "amount", "money", "cumulative day turnover, CNY"),
    ("ticks", "status", "stockStatus", None, "xtdata 证券状态: 13 continuous trading, 14 break, 15 closed, …"),
    ("ticks", "trade_count", "transactionNum", None, "cumulative number of trades"),
    ("ticks", "ask_price1", "askPrice[0]", "a1_p", "ask level 1 price, CNY"),
    ("ticks", "ask_price2", "askPrice[1]", "a2_p", "ask level 2 price, CNY"),
    ("ticks", "ask_price3", "askPrice[2]", "a3_p", "ask level 3 price, CNY"),
    ("ticks", "ask_price4", "askPrice[3]", "a4_p", "ask level 4 price, CNY"),
    ("ticks", "ask_price5", "askPrice[4]", "a5_p", "ask level 5 price, CNY"),
    ("ticks", "bid_price1", "bidPrice[0]", "b1_p", "bid level 1 price, CNY"),
    ("ticks", "bid_price2", "bidPrice[1]", "b2_p", "bid level 2 price, CNY"),
    ("ticks", "bid_price3", "bidPrice[2]", "b3_p", "bid level 3 price, CNY"),
    ("ticks", "bid_price4", "bidPrice[3]", "b4_p", "bid level 4 price, CNY"),
    ("ticks", "bid_price5", "bidPrice[4]", "b5_p", "bid level 5 price, CNY"),
    ("ticks", "ask_volume1", "askVol[0]", "a1_v", "ask level 1 volume, shares (xtquant: lots)"),
    ("ticks", "ask_volume2", "askVol[1]", "a2_v", "ask level 2 volume, shares (xtquant: lots)"),
    ("ticks", "ask_volume3", "askVol[2]", "a3_v", "ask level 3 volume, shares (xtquant: lots)"),
    ("ticks", "ask_volume4", "askVol[3]", "a4_v", "ask level 4 volume, shares (xtquant: lots)"),
    ("ticks", "ask_volume5", "askVol[4]", "a5_v", "ask level 5 volume, shares (xtquant: lots)"),
    ("ticks", "bid_volume1", "bidVol[0]", "b1_v", "bid level 1 volume, shares (xtquant: lots)"),
    ("ticks", "bid_volume2", "bidVol[1]", "b2_v", "bid level 2 volume, shares (xtquant: lots)"),
    ("ticks", "bid_volume3", "bidVol[2]", "b3_v", "bid level 3 volume, shares (xtquant: lots)"),
    ("ticks", "bid_volume4", "bidVol[3]", "b4_v", "bid level 4 volume, shares (xtquant: lots)"),
    ("ticks", "bid_volume5", "bidVol[4]", "b5_v", "bid level 5 volume, shares (xtquant: lots)"),
]


def describe(dataset: str, field: str) -> str:
    for ds, canon, _xt, _jq, meaning in FIELDS:
        if ds == dataset and canon == field:
            return meaning
    raise KeyError(f"{dataset}.{field} is not in the field table")


def xt_names(dataset: str) -> dict[str, str]:
    """canonical → xtquant name for one dataset (fields xtquant has)."""
    return {c: x for ds, c, x, _j, _m in FIELDS if ds == dataset and x}


def jq_names(dataset: str) -> dict[str, str]:
    """canonical → JQData name for one dataset (fields JQData has)."""
    return {c: j for ds, c, _x, j, _m in FIELDS if ds == dataset and j}


def canonical_fields(dataset: str) -> list[str]:
    return [c for ds, c, *_ in FIELDS if ds == dataset]
