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
    ("financial_statements", "statement", "table", "table", "balance | income | cash_flow | pershare (QMT PershareIndex)"),
    # the statement items: STATEMENT_FIELDS below, one row per column of QMT's tables
    ("financial_statements", "report_date", "m_timetag", "report_date", "report period end"),
    ("financial_statements", "pub_date", "m_anntime", "pub_date", "announcement date"),
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
    # ---- capital structure and holders (issue 13 part 4) ----
    # QMT: get_financial_data tables Capital (CapitalStructure), Top10Holder / Top10FlowHolder
    # (TOP10HOLDER / TOP10FLOWHOLDER), HolderNum (SHAREHOLDER), fields per the xtdata.md appendix;
    # CapitalStructure's m_timetag is the change date (xtquant/config/captial_structure_1.ini:
    # 变动日期|m_timetag|changeDate), not a report period. JQData: finance.STK_CAPITAL_CHANGE,
    # STK_SHAREHOLDER_TOP10, STK_SHAREHOLDER_FLOATING_TOP10, STK_HOLDER_NUM, STK_HK_HOLD_INFO
    # (column names per JoinQuant's data dictionary as users query them; GUESS where marked).
    ("capital_changes", "code", "index", "code", "security code"),
    ("capital_changes", "report_date", None, None, "end of the quarter the change date falls in (the partition)"),
    ("capital_changes", "change_date", "m_timetag", "change_date", "date the share capital changed"),
    ("capital_changes", "pub_date", "m_anntime", "pub_date", "announcement date"),
    ("capital_changes", "total_shares", "total_capital", "share_total", "total shares after the change (JQData: 万股)"),
    ("capital_changes", "float_shares", "circulating_capital", "share_trade_total",
     "listed tradable A shares (JQData: 已流通股份, 万股; GUESS same base)"),
    ("capital_changes", "restricted_shares", "restrict_circulating_capital", "share_limited",
     "restricted (locked-up) shares = total - float here (JQData: 流通受限股份, 万股)"),
    ("capital_changes", "change_reason", None, "change_reason", "reason text (QMT: none)"),
    ("top10_holders", "code", "index", "code", "security code"),
    ("top10_holders", "kind", "table", "table", "top10 (TOP10HOLDER / STK_SHAREHOLDER_TOP10) | "
     "top10_float (TOP10FLOWHOLDER / STK_SHAREHOLDER_FLOATING_TOP10)"),
    ("top10_holders", "report_date", "endDate", "end_date", "report period end"),
    ("top10_holders", "pub_date", "declareDate", "pub_date", "announcement date"),
    ("top10_holders", "rank", "rank", "shareholder_rank", "1..10"),
    ("top10_holders", "holder_name", "name", "shareholder_name", "holder's name"),
    ("top10_holders", "holder_type", "type", "shareholder_class", "holder class (e.g. 其它机构, 个人, 社保基金)"),
    ("top10_holders", "shares", "quantity", "share_number", "shares held"),
    ("top10_holders", "ratio", "ratio", "share_ratio", "percent of total shares"),
    ("top10_holders", "share_nature", "nature", "sharesnature", "股份性质, e.g. 流通A股 / 限售流通A股"),
    ("top10_holders", "change_reason", "reason", "change_reason", "变动原因 (null when none)"),
    ("holder_counts", "code", "index", "code", "security code"),
    ("holder_counts", "report_date", "endDate", "end_date", "date of the count (a report period end here)"),
    ("holder_counts", "pub_date", "declareDate", "pub_date", "announcement date"),
    ("holder_counts", "holders", "shareholder", "share_holders", "number of shareholders"),
    ("holder_counts", "a_holders", "shareholderA", "a_share_holders", "A-share holders"),
    ("holder_counts", "b_holders", "shareholderB", "b_share_holders", "B-share holders (null: none)"),
    ("holder_counts", "h_holders", "shareholderH", "h_share_holders", "H-share holders (null: none)"),
    ("holder_counts", "float_holders", "shareholderFloat", None, "holders of tradable shares (JQData: none)"),
    ("holder_counts", "other_holders", "shareholderOther", None, "holders of non-tradable shares (JQData: none)"),
    ("northbound_holdings", "date", "time", "day", "trading day"),
    ("northbound_holdings", "code", None, "code", "A-share held through Stock Connect"),
    ("northbound_holdings", "channel", None, "link_id", "sh_connect (310001) | sz_connect (310002)"),
    ("northbound_holdings", "shares", None, "share_number", "shares held by northbound investors"),
    ("northbound_holdings", "ratio", None, "share_ratio", "percent of the A shares (GUESS: JoinQuant's 持股比例 base)"),
]


# ---------------------------------------------------------------- full financial statements
# One row per column of QMT's Balance, Income, CashFlow and PershareIndex tables
# (xtquant/doc/xtdata.md, appendix "财务数据字段列表"): (statement, canonical, xtquant, JQData,
# meaning). The JQData column is the same-meaning column of the ``balance``, ``income`` and
# ``cash_flow`` fundamentals tables (jqdatasdk/finance_tables.py: BalanceSheetDay,
# IncomeStatementDay, CashFlowStatementDay, whose ``doc=`` strings give the Chinese labels we
# matched); the finance.STK_BALANCE_SHEET / STK_INCOME_STATEMENT / STK_CASHFLOW_STATEMENT
# tables of the JQData backup use the same column names (GUESS, as the adapter always has).
# "JQData name GUESS" marks a match by meaning where the labels differ. ``None``: no
# counterpart (docs/statement_fields.md lists both directions; it is generated by
# ``counterparts()`` below, and a test keeps it current).
# PershareIndex rows have no JQData column: JQData's ``indicator`` is a different, derived
# single-quarter table (INDICATOR_FIELDS below). Canonical names are the xtquant names except
# the 18 items stored before (cash, total_assets, ...), xtquant's typos and clashes
# (advance_peceipts, ncrease_deferred_income, Net, net_profit in CashFlow and PershareIndex),
# and the two names the doc lists twice in CashFlow (net_incr_fund_borr_ofi,
# other_cash_pay_ral_oper_act), whose second meaning has no column of its own in QMT's frame.
STATEMENT_FIELDS: list[tuple[str, str, str | None, str | None, str]] = [
    ('balance', 'internal_receivable', 'internal_shoule_recv', None, '内部应收款; CNY at period end'),
    ('balance', 'fixed_capital_clearance', 'fixed_capital_clearance', 'fixed_assets_liquidation', '固定资产清理; CNY at period end'),
    ('balance', 'should_pay_money', 'should_pay_money', 'reinsurance_payables', '应付分保账款; CNY at period end'),
    ('balance', 'settlement_payment', 'settlement_payment', 'settlement_provi', '结算备付金; CNY at period end'),
    ('balance', 'receivable_premium', 'receivable_premium', 'insurance_receivables', '应收保费; CNY at period end'),
    ('balance', 'accounts_receivable_reinsurance', 'accounts_receivable_reinsurance', 'reinsurance_receivables', '应收分保账款; CNY at period end'),
    ('balance', 'reinsurance_contract_reserve', 'reinsurance_contract_reserve', 'reinsurance_contract_reserves_receivable', '应收分保合同准备金; CNY at period end'),
    ('balance', 'dividend_receivable', 'dividends_payable', 'dividend_receivable', '应收股利; CNY at period end'),
    ('balance', 'tax_rebate_for_export', 'tax_rebate_for_export', None, '应收出口退税; CNY at period end'),
    ('balance', 'subsidies_receivable', 'subsidies_receivable', None, '应收补贴款; CNY at period end'),
    ('balance', 'deposit_receivable', 'deposit_receivable', None, '应收保证金; CNY at period end'),
    ('balance', 'apportioned_cost', 'apportioned_cost', None, '待摊费用; CNY at period end'),
    ('balance', 'profit_and_current_assets_with_deal', 'profit_and_current_assets_with_deal', None, '待处理流动资产损益; CNY at period end'),
    ('balance', 'current_assets_one_year', 'current_assets_one_year', 'non_current_asset_in_one_year', '一年内到期的非流动资产; CNY at period end'),
    ('balance', 'long_term_receivables', 'long_term_receivables', 'longterm_receivable_account', '长期应收款; CNY at period end'),
    ('balance', 'other_long_term_investments', 'other_long_term_investments', None, '其他长期投资; CNY at period end'),
    ('balance', 'original_value_of_fixed_assets', 'original_value_of_fixed_assets', None, '固定资产原值; CNY at period end'),
    ('balance', 'net_value_of_fixed_assets', 'net_value_of_fixed_assets', None, '固定资产净值; CNY at period end'),
    ('balance', 'depreciation_reserves_of_fixed_assets', 'depreciation_reserves_of_fixed_assets', None, '固定资产减值准备; CNY at period end'),
    ('balance', 'productive_biological_assets', 'productive_biological_assets', 'biological_assets', '生产性生物资产; CNY at period end'),
    ('balance', 'public_welfare_biological_assets', 'public_welfare_biological_assets', None, '公益性生物资产; CNY at period end'),
    ('balance', 'oil_and_gas_assets', 'oil_and_gas_assets', 'oil_gas_assets', '油气资产; CNY at period end'),
    ('balance', 'development_expenditure', 'development_expenditure', 'development_expenditure', '开发支出; CNY at period end'),
    ('balance', 'right_of_split_share_distribution', 'right_of_split_share_distribution', None, '股权分置流通权; CNY at period end'),
    ('balance', 'other_non_mobile_assets', 'other_non_mobile_assets', 'other_non_current_assets', '其他非流动资产; CNY at period end'),
    ('balance', 'handling_fee_and_commission', 'handling_fee_and_commission', 'commission_payable', '应付手续费及佣金; CNY at period end'),
    ('balance', 'other_fees_payable', 'other_payables', None, '其他应交款; CNY at period end'),
    ('balance', 'margin_payable', 'margin_payable', None, '应付保证金; CNY at period end'),
    ('balance', 'internal_accounts_payable', 'internal_accounts_payable', None, '内部应付款; CNY at period end'),
    ('balance', 'advance_cost', 'advance_cost', None, '预提费用; CNY at period end'),
    ('balance', 'insurance_contract_reserve', 'insurance_contract_reserve', 'insurance_contract_reserves', '保险合同准备金; CNY at period end'),
    ('balance', 'broker_buying_and_selling_securities', 'broker_buying_and_selling_securities', 'proxy_secu_proceeds', '代理买卖证券款; CNY at period end'),
    ('balance', 'acting_underwriting_securities', 'acting_underwriting_securities', 'receivings_from_vicariously_sold_securities', '代理承销证券款; CNY at period end'),
    ('balance', 'international_ticket_settlement', 'international_ticket_settlement', None, '国际票证结算; CNY at period end'),
    ('balance', 'domestic_ticket_settlement', 'domestic_ticket_settlement', None, '国内票证结算; CNY at period end'),
    ('balance', 'deferred_income', 'deferred_income', 'deferred_earning_current', '递延收益; CNY at period end; JQData name GUESS'),
    ('balance', 'short_term_bonds_payable', 'short_term_bonds_payable', None, '应付短期债券; CNY at period end'),
    ('balance', 'long_term_deferred_income', 'long_term_deferred_income', 'deferred_earning', '长期递延收益; CNY at period end; JQData name GUESS'),
    ('balance', 'undetermined_investment_losses', 'undetermined_investment_losses', None, '未确定的投资损失; CNY at period end'),
    ('balance', 'quasi_distribution_of_cash_dividends', 'quasi_distribution_of_cash_dividends', None, '拟分配现金股利; CNY at period end'),
    ('balance', 'estimated_liabilities', 'provisions_not', 'estimate_liability', '预计负债; CNY at period end'),
    ('balance', 'cust_bank_dep', 'cust_bank_dep', 'deposit_in_interbank', '吸收存款及同业存放; CNY at period end'),
    ('balance', 'current_provisions', 'provisions', 'estimate_liability_current', '预计流动负债; CNY at period end; JQData name GUESS'),
    ('balance', 'less_tsy_stk', 'less_tsy_stk', 'treasury_stock', '减:库存股; CNY at period end'),
    ('balance', 'cash', 'cash_equivalents', 'cash_equivalents', '货币资金; CNY at period end'),
    ('balance', 'loans_to_oth_banks', 'loans_to_oth_banks', 'lend_capital', '拆出资金; CNY at period end'),
    ('balance', 'tradable_fin_assets', 'tradable_fin_assets', 'trading_assets', '交易性金融资产; CNY at period end'),
    ('balance', 'derivative_fin_assets', 'derivative_fin_assets', 'derivative_financial_asset', '衍生金融资产; CNY at period end'),
    ('balance', 'bill_receivable', 'bill_receivable', 'bill_receivable', '应收票据; CNY at period end'),
    ('balance', 'account_receivable', 'account_receivable', 'account_receivable', '应收账款; CNY at period end'),
    ('balance', 'advance_payment', 'advance_payment', 'advance_payment', '预付款项; CNY at period end'),
    ('balance', 'int_rcv', 'int_rcv', 'interest_receivable', '应收利息; CNY at period end'),
    ('balance', 'other_receivable', 'other_receivable', 'other_receivable', '其他应收款; CNY at period end'),
    ('balance', 'red_monetary_cap_for_sale', 'red_monetary_cap_for_sale', 'bought_sellback_assets', '买入返售金融资产; CNY at period end'),
    ('balance', 'agency_bus_assets', 'agency_bus_assets', None, '以公允价值计量且其变动计入当期损益的金融资产; CNY at period end'),
    ('balance', 'inventories', 'inventories', 'inventories', '存货; CNY at period end'),
    ('balance', 'other_current_assets', 'other_current_assets', 'other_current_assets', '其他流动资产; CNY at period end'),
    ('balance', 'total_current_assets', 'total_current_assets', 'total_current_assets', '流动资产合计; CNY at period end'),
    ('balance', 'loans_and_adv_granted', 'loans_and_adv_granted', 'loan_and_advance', '发放贷款及垫款; CNY at period end'),
    ('balance', 'fin_assets_avail_for_sale', 'fin_assets_avail_for_sale', 'hold_for_sale_assets', '可供出售金融资产; CNY at period end'),
    ('balance', 'held_to_mty_invest', 'held_to_mty_invest', 'hold_to_maturity_investments', '持有至到期投资; CNY at period end'),
    ('balance', 'long_term_eqy_invest', 'long_term_eqy_invest', 'longterm_equity_invest', '长期股权投资; CNY at period end'),
    ('balance', 'invest_real_estate', 'invest_real_estate', 'investment_property', '投资性房地产; CNY at period end'),
    ('balance', 'accumulated_depreciation', 'accumulated_depreciation', None, '累计折旧; CNY at period end'),
    ('balance', 'fix_assets', 'fix_assets', 'fixed_assets', '固定资产; CNY at period end'),
    ('balance', 'constru_in_process', 'constru_in_process', 'constru_in_process', '在建工程; CNY at period end'),
    ('balance', 'construction_materials', 'construction_materials', 'construction_materials', '工程物资; CNY at period end'),
    ('balance', 'long_term_liabilities', 'long_term_liabilities', None, '长期负债; CNY at period end'),
    ('balance', 'intang_assets', 'intang_assets', 'intangible_assets', '无形资产; CNY at period end'),
    ('balance', 'goodwill', 'goodwill', 'good_will', '商誉; CNY at period end'),
    ('balance', 'long_deferred_expense', 'long_deferred_expense', 'long_deferred_expense', '长期待摊费用; CNY at period end'),
    ('balance', 'deferred_tax_assets', 'deferred_tax_assets', 'deferred_tax_assets', '递延所得税资产; CNY at period end'),
    ('balance', 'total_non_current_assets', 'total_non_current_assets', 'total_non_current_assets', '非流动资产合计; CNY at period end'),
    ('balance', 'total_assets', 'tot_assets', 'total_assets', '资产总计; CNY at period end'),
    ('balance', 'shortterm_loan', 'shortterm_loan', 'shortterm_loan', '短期借款; CNY at period end'),
    ('balance', 'borrow_central_bank', 'borrow_central_bank', 'borrowing_from_centralbank', '向中央银行借款; CNY at period end'),
    ('balance', 'loans_oth_banks', 'loans_oth_banks', 'borrowing_capital', '拆入资金; CNY at period end'),
    ('balance', 'tradable_fin_liab', 'tradable_fin_liab', 'trading_liability', '交易性金融负债; CNY at period end'),
    ('balance', 'derivative_fin_liab', 'derivative_fin_liab', 'derivative_financial_liability', '衍生金融负债; CNY at period end'),
    ('balance', 'notes_payable', 'notes_payable', 'notes_payable', '应付票据; CNY at period end'),
    ('balance', 'accounts_payable', 'accounts_payable', 'accounts_payable', '应付账款; CNY at period end'),
    ('balance', 'advance_receipts', 'advance_peceipts', 'advance_peceipts', '预收账款; CNY at period end'),
    ('balance', 'fund_sales_fin_assets_rp', 'fund_sales_fin_assets_rp', 'sold_buyback_secu_proceeds', '卖出回购金融资产款; CNY at period end'),
    ('balance', 'empl_ben_payable', 'empl_ben_payable', 'salaries_payable', '应付职工薪酬; CNY at period end'),
    ('balance', 'taxes_surcharges_payable', 'taxes_surcharges_payable', 'taxs_payable', '应交税费; CNY at period end'),
    ('balance', 'int_payable', 'int_payable', 'interest_payable', '应付利息; CNY at period end'),
    ('balance', 'dividend_payable', 'dividend_payable', 'dividend_payable', '应付股利; CNY at period end'),
    ('balance', 'other_payable', 'other_payable', 'other_payable', '其他应付款; CNY at period end'),
    ('balance', 'non_current_liability_in_one_year', 'non_current_liability_in_one_year', 'non_current_liability_in_one_year', '一年内到期的非流动负债; CNY at period end'),
    ('balance', 'other_current_liability', 'other_current_liability', 'other_current_liability', '其他流动负债; CNY at period end'),
    ('balance', 'total_current_liabilities', 'total_current_liability', 'total_current_liability', '流动负债合计; CNY at period end'),
    ('balance', 'long_term_loans', 'long_term_loans', 'longterm_loan', '长期借款; CNY at period end'),
    ('balance', 'bonds_payable', 'bonds_payable', 'bonds_payable', '应付债券; CNY at period end'),
    ('balance', 'longterm_account_payable', 'longterm_account_payable', 'longterm_account_payable', '长期应付款; CNY at period end'),
    ('balance', 'grants_received', 'grants_received', 'specific_account_payable', '专项应付款; CNY at period end'),
    ('balance', 'deferred_tax_liab', 'deferred_tax_liab', 'deferred_tax_liability', '递延所得税负债; CNY at period end'),
    ('balance', 'other_non_current_liabilities', 'other_non_current_liabilities', 'other_non_current_liability', '其他非流动负债; CNY at period end'),
    ('balance', 'non_current_liabilities', 'non_current_liabilities', 'total_non_current_liability', '非流动负债合计; CNY at period end'),
    ('balance', 'total_liabilities', 'tot_liab', 'total_liability', '负债合计; CNY at period end'),
    ('balance', 'cap_stk', 'cap_stk', 'paidin_capital', '实收资本(或股本); CNY at period end'),
    ('balance', 'cap_rsrv', 'cap_rsrv', 'capital_reserve_fund', '资本公积; CNY at period end'),
    ('balance', 'specific_reserves', 'specific_reserves', 'specific_reserves', '专项储备; CNY at period end'),
    ('balance', 'surplus_rsrv', 'surplus_rsrv', 'surplus_reserve_fund', '盈余公积; CNY at period end'),
    ('balance', 'prov_nom_risks', 'prov_nom_risks', 'ordinary_risk_reserve_fund', '一般风险准备; CNY at period end'),
    ('balance', 'undistributed_profit', 'undistributed_profit', 'retained_profit', '未分配利润; CNY at period end'),
    ('balance', 'cnvd_diff_foreign_curr_stat', 'cnvd_diff_foreign_curr_stat', 'foreign_currency_report_conv_diff', '外币报表折算差额; CNY at period end'),
    ('balance', 'equity_parent', 'tot_shrhldr_eqy_excl_min_int', 'equities_parent_company_owners', '归属于母公司股东权益合计; CNY at period end'),
    ('balance', 'minority_int', 'minority_int', 'minority_interests', '少数股东权益; CNY at period end'),
    ('balance', 'total_equity', 'total_equity', 'total_owner_equities', '所有者权益合计; CNY at period end'),
    ('balance', 'tot_liab_shrhldr_eqy', 'tot_liab_shrhldr_eqy', 'total_sheet_owner_equities', '负债和股东权益总计; CNY at period end'),
    ('income', 'operating_revenue', 'revenue_inc', 'operating_revenue', '营业收入; CNY, year to date'),
    ('income', 'earned_premium', 'earned_premium', 'premiums_earned', '已赚保费; CNY, year to date'),
    ('income', 'real_estate_sales_income', 'real_estate_sales_income', None, '房地产销售收入; CNY, year to date'),
    ('income', 'total_operating_cost', 'total_operating_cost', 'total_operating_cost', '营业总成本; CNY, year to date'),
    ('income', 'real_estate_sales_cost', 'real_estate_sales_cost', None, '房地产销售成本; CNY, year to date'),
    ('income', 'research_expenses', 'research_expenses', 'rd_expenses', '研发费用; CNY, year to date'),
    ('income', 'surrender_value', 'surrender_value', 'refunded_premiums', '退保金; CNY, year to date'),
    ('income', 'net_payments', 'net_payments', 'net_pay_insurance_claims', '赔付支出净额; CNY, year to date'),
    ('income', 'net_withdrawal_ins_con_res', 'net_withdrawal_ins_con_res', 'withdraw_insurance_contract_reserve', '提取保险合同准备金净额; CNY, year to date'),
    ('income', 'policy_dividend_expenses', 'policy_dividend_expenses', 'policy_dividend_payout', '保单红利支出; CNY, year to date'),
    ('income', 'reinsurance_cost', 'reinsurance_cost', 'reinsurance_cost', '分保费用; CNY, year to date'),
    ('income', 'change_income_fair_value', 'change_income_fair_value', 'fair_value_variable_income', '公允价值变动收益; CNY, year to date'),
    ('income', 'futures_loss', 'futures_loss', None, '期货损益; CNY, year to date'),
    ('income', 'trust_income', 'trust_income', None, '托管收益; CNY, year to date'),
    ('income', 'subsidize_revenue', 'subsidize_revenue', None, '补贴收入; CNY, year to date'),
    ('income', 'other_business_profits', 'other_business_profits', None, '其他业务利润; CNY, year to date'),
    ('income', 'net_profit_excl_merged_int_inc', 'net_profit_excl_merged_int_inc', None, '被合并方在合并前实现净利润; CNY, year to date'),
    ('income', 'int_inc', 'int_inc', 'interest_income', '利息收入; CNY, year to date'),
    ('income', 'handling_chrg_comm_inc', 'handling_chrg_comm_inc', 'commission_income', '手续费及佣金收入; CNY, year to date'),
    ('income', 'less_handling_chrg_comm_exp', 'less_handling_chrg_comm_exp', 'commission_expense', '手续费及佣金支出; CNY, year to date'),
    ('income', 'other_bus_cost', 'other_bus_cost', None, '其他业务成本; CNY, year to date'),
    ('income', 'plus_net_gain_fx_trans', 'plus_net_gain_fx_trans', 'exchange_income', '汇兑收益; CNY, year to date'),
    ('income', 'il_net_loss_disp_noncur_asset', 'il_net_loss_disp_noncur_asset', 'asset_deal_income', '非流动资产处置收益; CNY, year to date; JQData name GUESS'),
    ('income', 'inc_tax', 'inc_tax', 'income_tax_expense', '所得税费用; CNY, year to date'),
    ('income', 'unconfirmed_invest_loss', 'unconfirmed_invest_loss', None, '未确认投资损失; CNY, year to date'),
    ('income', 'net_profit_parent', 'net_profit_excl_min_int_inc', 'np_parent_company_owners', '归属于母公司所有者的净利润; CNY, year to date'),
    ('income', 'less_int_exp', 'less_int_exp', 'interest_expense', '利息支出; CNY, year to date'),
    ('income', 'other_bus_inc', 'other_bus_inc', None, '其他业务收入; CNY, year to date'),
    ('income', 'total_revenue', 'revenue', 'total_operating_revenue', '营业总收入; CNY, year to date'),
    ('income', 'operating_cost', 'total_expense', 'operating_cost', '营业成本; CNY, year to date'),
    ('income', 'less_taxes_surcharges_ops', 'less_taxes_surcharges_ops', 'operating_tax_surcharges', '营业税金及附加; CNY, year to date'),
    ('income', 'sale_expense', 'sale_expense', 'sale_expense', '销售费用; CNY, year to date'),
    ('income', 'less_gerl_admin_exp', 'less_gerl_admin_exp', 'administration_expense', '管理费用; CNY, year to date'),
    ('income', 'financial_expense', 'financial_expense', 'financial_expense', '财务费用; CNY, year to date'),
    ('income', 'less_impair_loss_assets', 'less_impair_loss_assets', 'asset_impairment_loss', '资产减值损失; CNY, year to date'),
    ('income', 'plus_net_invest_inc', 'plus_net_invest_inc', 'investment_income', '投资收益; CNY, year to date'),
    ('income', 'incl_inc_invest_assoc_jv_entp', 'incl_inc_invest_assoc_jv_entp', 'invest_income_associates', '联营企业和合营企业的投资收益; CNY, year to date'),
    ('income', 'operating_profit', 'oper_profit', 'operating_profit', '营业利润; CNY, year to date'),
    ('income', 'plus_non_oper_rev', 'plus_non_oper_rev', 'non_operating_revenue', '营业外收入; CNY, year to date'),
    ('income', 'less_non_oper_exp', 'less_non_oper_exp', 'non_operating_expense', '营业外支出; CNY, year to date'),
    ('income', 'total_profit', 'tot_profit', 'total_profit', '利润总额; CNY, year to date'),
    ('income', 'net_profit', 'net_profit_incl_min_int_inc', 'net_profit', '净利润; CNY, year to date'),
    ('income', 'net_profit_incl_min_int_inc_after', 'net_profit_incl_min_int_inc_after', None, '净利润(扣除非经常性损益后); CNY, year to date'),
    ('income', 'minority_int_inc', 'minority_int_inc', 'minority_profit', '少数股东损益; CNY, year to date'),
    ('income', 'eps_basic', 's_fa_eps_basic', 'basic_eps', '基本每股收益; CNY, year to date'),
    ('income', 's_fa_eps_diluted', 's_fa_eps_diluted', 'diluted_eps', '稀释每股收益; CNY, year to date'),
    ('income', 'total_income', 'total_income', 'total_composite_income', '综合收益总额; CNY, year to date'),
    ('income', 'total_income_minority', 'total_income_minority', 'ci_minority_owners', '归属于少数股东的综合收益总额; CNY, year to date'),
    ('income', 'other_income', 'other_compreh_inc', 'other_earnings', '其他收益; CNY, year to date'),
    ('cash_flow', 'cash_received_ori_ins_contract_pre', 'cash_received_ori_ins_contract_pre', 'net_original_insurance_cash', '收到原保险合同保费取得的现金; CNY, year to date'),
    ('cash_flow', 'net_cash_received_rei_ope', 'net_cash_received_rei_ope', 'net_cash_received_from_reinsurance_business', '收到再保险业务现金净额; CNY, year to date'),
    ('cash_flow', 'net_increase_insured_funds', 'net_increase_insured_funds', 'net_insurer_deposit_investment', '保户储金及投资款净增加额; CNY, year to date'),
    ('cash_flow', 'net_incr_disp_tradable_fin_assets', 'Net', 'net_deal_trading_assets', '处置交易性金融资产净增加额 increase_in_disposal; CNY, year to date; JQData name GUESS'),
    ('cash_flow', 'cash_for_interest', 'cash_for_interest', 'interest_and_commission_cashin', '收取利息、手续费及佣金的现金; CNY, year to date'),
    ('cash_flow', 'net_increase_in_repurchase_funds', 'net_increase_in_repurchase_funds', 'net_buyback', '回购业务资金净增加额; CNY, year to date'),
    ('cash_flow', 'cash_for_payment_original_insurance', 'cash_for_payment_original_insurance', 'original_compensation_paid', '支付原保险合同赔付款项的现金; CNY, year to date'),
    ('cash_flow', 'cash_payment_policy_dividends', 'cash_payment_policy_dividends', 'policy_dividend_cash_paid', '支付保单红利的现金; CNY, year to date'),
    ('cash_flow', 'disposal_other_business_units', 'disposal_other_business_units', 'net_cash_deal_subcompany', '处置子公司及其他收到的现金; CNY, year to date'),
    ('cash_flow', 'cash_received_from_pledges', 'cash_received_from_pledges', None, '减少质押和定期存款所收到的现金; CNY, year to date'),
    ('cash_flow', 'cash_paid_for_investments', 'cash_paid_for_investments', None, '投资所支付的现金; CNY, year to date'),
    ('cash_flow', 'net_increase_in_pledged_loans', 'net_increase_in_pledged_loans', 'impawned_loan_net_increase', '质押贷款净增加额; CNY, year to date'),
    ('cash_flow', 'cash_paid_by_subsidiaries', 'cash_paid_by_subsidiaries', 'net_cash_from_sub_company', '取得子公司及其他营业单位支付的现金净额; CNY, year to date'),
    ('cash_flow', 'increase_in_cash_paid', 'increase_in_cash_paid', None, '增加质押和定期存款所支付的现金; CNY, year to date'),
    ('cash_flow', 'cass_received_sub_abs', 'cass_received_sub_abs', 'cash_from_mino_s_invest_sub', '其中子公司吸收现金; CNY, year to date; JQData name GUESS'),
    ('cash_flow', 'cass_received_sub_investments', 'cass_received_sub_investments', 'proceeds_from_sub_to_mino_s', '其中:子公司支付给少数股东的股利、利润; CNY, year to date'),
    ('cash_flow', 'minority_shareholder_profit_loss', 'minority_shareholder_profit_loss', None, '少数股东损益; CNY, year to date'),
    ('cash_flow', 'unrecognized_investment_losses', 'unrecognized_investment_losses', None, '未确认的投资损失; CNY, year to date'),
    ('cash_flow', 'incr_deferred_income', 'ncrease_deferred_income', None, '递延收益增加(减:减少); CNY, year to date'),
    ('cash_flow', 'projected_liability', 'projected_liability', None, '预计负债; CNY, year to date'),
    ('cash_flow', 'increase_operational_payables', 'increase_operational_payables', None, '经营性应付项目的增加; CNY, year to date'),
    ('cash_flow', 'reduction_outstanding_amounts_less', 'reduction_outstanding_amounts_less', None, '已完工尚未结算款的减少(减:增加); CNY, year to date'),
    ('cash_flow', 'reduction_outstanding_amounts_more', 'reduction_outstanding_amounts_more', None, '已结算尚未完工款的增加(减:减少); CNY, year to date'),
    ('cash_flow', 'goods_sale_and_service_render_cash', 'goods_sale_and_service_render_cash', 'goods_sale_and_service_render_cash', '销售商品、提供劳务收到的现金; CNY, year to date'),
    ('cash_flow', 'net_incr_dep_cob', 'net_incr_dep_cob', 'net_deposit_increase', '客户存款和同业存放款项净增加额; CNY, year to date'),
    ('cash_flow', 'net_incr_loans_central_bank', 'net_incr_loans_central_bank', 'net_borrowing_from_central_bank', '向中央银行借款净增加额(万元; CNY, year to date'),
    ('cash_flow', 'net_incr_fund_borr_ofi', 'net_incr_fund_borr_ofi', 'net_borrowing_from_finance_co', '向其他金融机构拆入资金净增加额; CNY, year to date'),
    ('cash_flow', 'net_incr_loans_oth_banks', None, 'net_increase_in_placements', '拆入资金净增加额; CNY, year to date; the doc lists this xtquant name twice'),
    ('cash_flow', 'tax_levy_refund', 'tax_levy_refund', 'tax_levy_refund', '收到的税费与返还; CNY, year to date'),
    ('cash_flow', 'cash_paid_invest', 'cash_paid_invest', 'invest_cash_paid', '投资支付的现金; CNY, year to date'),
    ('cash_flow', 'other_cash_recp_ral_oper_act', 'other_cash_recp_ral_oper_act', 'other_cashin_related_operate', '收到的其他与经营活动有关的现金; CNY, year to date'),
    ('cash_flow', 'stot_cash_inflows_oper_act', 'stot_cash_inflows_oper_act', 'subtotal_operate_cash_inflow', '经营活动现金流入小计; CNY, year to date'),
    ('cash_flow', 'goods_and_services_cash_paid', 'goods_and_services_cash_paid', 'goods_and_services_cash_paid', '购买商品、接受劳务支付的现金; CNY, year to date'),
    ('cash_flow', 'net_incr_clients_loan_adv', 'net_incr_clients_loan_adv', 'net_loan_and_advance_increase', '客户贷款及垫款净增加额; CNY, year to date'),
    ('cash_flow', 'net_incr_dep_cbob', 'net_incr_dep_cbob', 'net_deposit_in_cb_and_ib', '存放中央银行和同业款项净增加额; CNY, year to date'),
    ('cash_flow', 'handling_chrg_paid', 'handling_chrg_paid', 'handling_charges_and_commission', '支付利息、手续费及佣金的现金; CNY, year to date'),
    ('cash_flow', 'cash_pay_beh_empl', 'cash_pay_beh_empl', 'staff_behalf_paid', '支付给职工以及为职工支付的现金; CNY, year to date'),
    ('cash_flow', 'pay_all_typ_tax', 'pay_all_typ_tax', 'tax_payments', '支付的各项税费; CNY, year to date'),
    ('cash_flow', 'other_cash_pay_ral_oper_act', 'other_cash_pay_ral_oper_act', 'other_operate_cash_paid', '支付其他与经营活动有关的现金; CNY, year to date'),
    ('cash_flow', 'stot_cash_outflows_oper_act', 'stot_cash_outflows_oper_act', 'subtotal_operate_cash_outflow', '经营活动现金流出小计; CNY, year to date'),
    ('cash_flow', 'net_operating_cash_flow', 'net_cash_flows_oper_act', 'net_operate_cash_flow', '经营活动产生的现金流量净额; CNY, year to date'),
    ('cash_flow', 'cash_recp_disp_withdrwl_invest', 'cash_recp_disp_withdrwl_invest', 'invest_withdrawal_cash', '收回投资所收到的现金; CNY, year to date'),
    ('cash_flow', 'cash_recp_return_invest', 'cash_recp_return_invest', 'invest_proceeds', '取得投资收益所收到的现金; CNY, year to date'),
    ('cash_flow', 'net_cash_recp_disp_fiolta', 'net_cash_recp_disp_fiolta', 'fix_intan_other_asset_dispo_cash', '处置固定资产、无形资产和其他长期投资收到的现金; CNY, year to date'),
    ('cash_flow', 'other_cash_recp_ral_inv_act', 'other_cash_recp_ral_inv_act', 'other_cash_from_invest_act', '收到的其他与投资活动有关的现金; CNY, year to date'),
    ('cash_flow', 'stot_cash_inflows_inv_act', 'stot_cash_inflows_inv_act', 'subtotal_invest_cash_inflow', '投资活动现金流入小计; CNY, year to date'),
    ('cash_flow', 'cash_pay_acq_const_fiolta', 'cash_pay_acq_const_fiolta', 'fix_intan_other_asset_acqui_cash', '购建固定资产、无形资产和其他长期投资支付的现金; CNY, year to date'),
    ('cash_flow', 'other_cash_pay_ral_inv_act', None, 'other_cash_to_invest_act', '支付其他与投资的现金; CNY, year to date; the doc lists this xtquant name twice'),
    ('cash_flow', 'stot_cash_outflows_inv_act', 'stot_cash_outflows_inv_act', 'subtotal_invest_cash_outflow', '投资活动现金流出小计; CNY, year to date'),
    ('cash_flow', 'net_investing_cash_flow', 'net_cash_flows_inv_act', 'net_invest_cash_flow', '投资活动产生的现金流量净额; CNY, year to date'),
    ('cash_flow', 'cash_recp_cap_contrib', 'cash_recp_cap_contrib', 'cash_from_invest', '吸收投资收到的现金; CNY, year to date'),
    ('cash_flow', 'cash_recp_borrow', 'cash_recp_borrow', 'cash_from_borrowing', '取得借款收到的现金; CNY, year to date'),
    ('cash_flow', 'proc_issue_bonds', 'proc_issue_bonds', 'cash_from_bonds_issue', '发行债券收到的现金; CNY, year to date'),
    ('cash_flow', 'other_cash_recp_ral_fnc_act', 'other_cash_recp_ral_fnc_act', 'other_finance_act_cash', '收到其他与筹资活动有关的现金; CNY, year to date'),
    ('cash_flow', 'stot_cash_inflows_fnc_act', 'stot_cash_inflows_fnc_act', 'subtotal_finance_cash_inflow', '筹资活动现金流入小计; CNY, year to date'),
    ('cash_flow', 'cash_prepay_amt_borr', 'cash_prepay_amt_borr', 'borrowing_repayment', '偿还债务支付现金; CNY, year to date'),
    ('cash_flow', 'cash_pay_dist_dpcp_int_exp', 'cash_pay_dist_dpcp_int_exp', 'dividend_interest_payment', '分配股利、利润或偿付利息支付的现金; CNY, year to date'),
    ('cash_flow', 'other_cash_pay_ral_fnc_act', 'other_cash_pay_ral_fnc_act', 'other_finance_act_payment', '支付其他与筹资的现金; CNY, year to date'),
    ('cash_flow', 'stot_cash_outflows_fnc_act', 'stot_cash_outflows_fnc_act', 'subtotal_finance_cash_outflow', '筹资活动现金流出小计; CNY, year to date'),
    ('cash_flow', 'net_financing_cash_flow', 'net_cash_flows_fnc_act', 'net_finance_cash_flow', '筹资活动产生的现金流量净额; CNY, year to date'),
    ('cash_flow', 'eff_fx_flu_cash', 'eff_fx_flu_cash', 'exchange_rate_change_effect', '汇率变动对现金的影响; CNY, year to date'),
    ('cash_flow', 'net_cash_increase', 'net_incr_cash_cash_equ', 'cash_equivalent_increase', '现金及现金等价物净增加额; CNY, year to date'),
    ('cash_flow', 'cash_cash_equ_beg_period', 'cash_cash_equ_beg_period', 'cash_equivalents_at_beginning', '期初现金及现金等价物余额; CNY, year to date'),
    ('cash_flow', 'cash_cash_equ_end_period', 'cash_cash_equ_end_period', 'cash_and_equivalents_at_end', '期末现金及现金等价物余额; CNY, year to date'),
    ('cash_flow', 'cf_net_profit', 'net_profit', None, '净利润; CNY, year to date'),
    ('cash_flow', 'plus_prov_depr_assets', 'plus_prov_depr_assets', None, '资产减值准备; CNY, year to date'),
    ('cash_flow', 'depr_fa_coga_dpba', 'depr_fa_coga_dpba', None, '固定资产折旧、油气资产折耗、生产性物资折旧; CNY, year to date'),
    ('cash_flow', 'amort_intang_assets', 'amort_intang_assets', None, '无形资产摊销; CNY, year to date'),
    ('cash_flow', 'amort_lt_deferred_exp', 'amort_lt_deferred_exp', None, '长期待摊费用摊销; CNY, year to date'),
    ('cash_flow', 'decr_deferred_exp', 'decr_deferred_exp', None, '待摊费用的减少; CNY, year to date'),
    ('cash_flow', 'incr_acc_exp', 'incr_acc_exp', None, '预提费用的增加; CNY, year to date'),
    ('cash_flow', 'loss_disp_fiolta', 'loss_disp_fiolta', None, '处置固定资产、无形资产和其他长期资产的损失; CNY, year to date'),
    ('cash_flow', 'loss_scr_fa', 'loss_scr_fa', None, '固定资产报废损失; CNY, year to date'),
    ('cash_flow', 'loss_fv_chg', 'loss_fv_chg', None, '公允价值变动损失; CNY, year to date'),
    ('cash_flow', 'cf_financial_expense', 'fin_exp', None, '财务费用; CNY, year to date'),
    ('cash_flow', 'invest_loss', 'invest_loss', None, '投资损失; CNY, year to date'),
    ('cash_flow', 'decr_deferred_inc_tax_assets', 'decr_deferred_inc_tax_assets', None, '递延所得税资产减少; CNY, year to date'),
    ('cash_flow', 'incr_deferred_inc_tax_liab', 'incr_deferred_inc_tax_liab', None, '递延所得税负债增加; CNY, year to date'),
    ('cash_flow', 'decr_inventories', 'decr_inventories', None, '存货的减少; CNY, year to date'),
    ('cash_flow', 'decr_oper_payable', 'decr_oper_payable', None, '经营性应收项目的减少; CNY, year to date'),
    ('cash_flow', 'others', 'others', None, '其他; CNY, year to date'),
    ('cash_flow', 'im_net_cash_flows_oper_act', 'im_net_cash_flows_oper_act', None, '经营活动产生现金流量净额; CNY, year to date'),
    ('cash_flow', 'conv_debt_into_cap', 'conv_debt_into_cap', None, '债务转为资本; CNY, year to date'),
    ('cash_flow', 'conv_corp_bonds_due_within_1y', 'conv_corp_bonds_due_within_1y', None, '一年内到期的可转换公司债券; CNY, year to date'),
    ('cash_flow', 'fa_fnc_leases', 'fa_fnc_leases', None, '融资租入固定资产; CNY, year to date'),
    ('cash_flow', 'end_bal_cash', 'end_bal_cash', None, '现金的期末余额; CNY, year to date'),
    ('cash_flow', 'less_beg_bal_cash', 'less_beg_bal_cash', None, '现金的期初余额; CNY, year to date'),
    ('cash_flow', 'plus_end_bal_cash_equ', 'plus_end_bal_cash_equ', None, '现金等价物的期末余额; CNY, year to date'),
    ('cash_flow', 'less_beg_bal_cash_equ', 'less_beg_bal_cash_equ', None, '现金等价物的期初余额; CNY, year to date'),
    ('cash_flow', 'im_net_incr_cash_cash_equ', 'im_net_incr_cash_cash_equ', None, '现金及现金等价物的净增加额; CNY, year to date'),
    ('pershare', 's_fa_ocfps', 's_fa_ocfps', None, '每股经营活动现金流量; CNY per share'),
    ('pershare', 's_fa_bps', 's_fa_bps', None, '每股净资产; CNY per share'),
    ('pershare', 'ps_eps_basic', 's_fa_eps_basic', None, '基本每股收益; CNY per share'),
    ('pershare', 'ps_eps_diluted', 's_fa_eps_diluted', None, '稀释每股收益; CNY per share'),
    ('pershare', 's_fa_undistributedps', 's_fa_undistributedps', None, '每股未分配利润; CNY per share'),
    ('pershare', 's_fa_surpluscapitalps', 's_fa_surpluscapitalps', None, '每股资本公积金; CNY per share'),
    ('pershare', 'adjusted_earnings_per_share', 'adjusted_earnings_per_share', None, '扣非每股收益; CNY per share'),
    ('pershare', 'du_return_on_equity', 'du_return_on_equity', None, '净资产收益率; percent'),
    ('pershare', 'sales_gross_profit', 'sales_gross_profit', None, '销售毛利率; percent'),
    ('pershare', 'inc_revenue_rate', 'inc_revenue_rate', None, '主营收入同比增长; percent'),
    ('pershare', 'du_profit_rate', 'du_profit_rate', None, '净利润同比增长; percent'),
    ('pershare', 'inc_net_profit_rate', 'inc_net_profit_rate', None, '归属于母公司所有者的净利润同比增长; percent'),
    ('pershare', 'adjusted_net_profit_rate', 'adjusted_net_profit_rate', None, '扣非净利润同比增长; percent'),
    ('pershare', 'inc_total_revenue_annual', 'inc_total_revenue_annual', None, '营业总收入滚动环比增长; percent'),
    ('pershare', 'inc_net_profit_to_shareholders_annual', 'inc_net_profit_to_shareholders_annual', None, '归属净利润滚动环比增长; percent'),
    ('pershare', 'adjusted_profit_to_profit_annual', 'adjusted_profit_to_profit_annual', None, '扣非净利润滚动环比增长; percent'),
    ('pershare', 'equity_roe', 'equity_roe', None, '加权净资产收益率; percent'),
    ('pershare', 'net_roe', 'net_roe', None, '摊薄净资产收益率; percent'),
    ('pershare', 'total_roe', 'total_roe', None, '摊薄总资产收益率; percent'),
    ('pershare', 'gross_margin', 'gross_profit', None, '毛利率; percent'),
    ('pershare', 'net_margin', 'net_profit', None, '净利率; percent'),
    ('pershare', 'actual_tax_rate', 'actual_tax_rate', None, '实际税率; percent'),
    ('pershare', 'pre_pay_operate_income', 'pre_pay_operate_income', None, '预收款 / 营业收入; percent'),
    ('pershare', 'sales_cash_flow', 'sales_cash_flow', None, '销售现金流 / 营业收入; percent'),
    ('pershare', 'gear_ratio', 'gear_ratio', None, '资产负债比率; percent'),
    ('pershare', 'inventory_turnover', 'inventory_turnover', None, '存货周转率; times'),
]
STATEMENTS = ["balance", "income", "cash_flow", "pershare"]
FIELDS += [("financial_statements", c, x, j, f"{m} ({st})") for st, c, x, j, m in STATEMENT_FIELDS]

# JQData columns of the fundamentals tables with no QMT counterpart (jqdatasdk/finance_tables.py;
# mostly lines of the 2018-2019 accounting standards that QMT's documented tables lack):
# get_fundamentals serves them as NULL.
JQ_ONLY_COLUMNS: dict[str, list[str]] = {
    "balance": ["other_comprehensive_income", "loan_and_advance_current_assets", "hold_sale_asset",
                "loan_and_advance_noncurrent_assets", "hold_sale_liability", "preferred_shares_noncurrent",
                "pepertual_liability_noncurrent", "longterm_salaries_payable", "other_equity_tools",
                "preferred_shares_equity", "pepertual_liability_equity", "receivable_fin", "usufruct_assets",
                "contract_assets", "bond_invest", "other_bond_invest", "other_equity_tools_invest",
                "other_non_current_financial_assets", "contract_liability", "lease_liability"],
    "income": ["disposal_loss_non_current_liability", "other_composite_income", "ci_parent_company_owners",
               "sust_operate_net_profit", "discon_operate_net_profit", "credit_impairment_loss",
               "net_open_hedge_income", "interest_cost_fin", "interest_income_fin",
               "other_composite_income_mino_at"],
    "cash_flow": [],
}

# JQData's ``indicator`` table (jqdatasdk/finance_tables.py FinancialIndicatorDay), derived by
# the read API from the stored statements over the row's period (single quarter; the year for
# annual statDate rows), percent unless stated: (JQData column, formula over canonical items,
# nearest QMT PershareIndex item — year to date there, so never equal). Formulas per
# JoinQuant's data dictionary where it gives one, else GUESS from the column's label.
INDICATOR_FIELDS: list[tuple[str, str | None, str | None]] = [
    ("eps", "net_profit_parent / total shares at the period end (CNY)", "ps_eps_basic"),
    ("adjusted_profit", "net_profit_incl_min_int_inc_after (CNY)", None),
    ("operating_profit", "total_revenue - total_operating_cost (CNY; GUESS 经营活动净收益)", None),
    ("value_change_profit", "change_income_fair_value + plus_net_invest_inc (CNY; GUESS 价值变动净收益)", None),
    ("roe", "net_profit_parent * 2 / (opening + closing equity_parent)", "du_return_on_equity"),
    ("inc_return", "adjusted_profit * 2 / (opening + closing equity_parent)", None),
    ("roa", "net_profit * 2 / (opening + closing total_assets)", "total_roe"),
    ("net_profit_margin", "net_profit / operating_revenue", "net_margin"),
    ("gross_profit_margin", "(operating_revenue - operating_cost) / operating_revenue", "sales_gross_profit"),
    ("expense_to_total_revenue", "total_operating_cost / total_revenue", None),
    ("operation_profit_to_total_revenue", "operating_profit / total_revenue", None),
    ("net_profit_to_total_revenue", "net_profit / total_revenue", None),
    ("operating_expense_to_total_revenue", "sale_expense / total_revenue", None),
    ("ga_expense_to_total_revenue", "less_gerl_admin_exp / total_revenue", None),
    ("financing_expense_to_total_revenue", "financial_expense / total_revenue", None),
    ("operating_profit_to_profit", "indicator operating_profit / total_profit", None),
    ("invesment_profit_to_profit", "value_change_profit / total_profit", None),
    ("adjusted_profit_to_profit", "adjusted_profit / net_profit", None),
    ("goods_sale_and_service_to_revenue", "goods_sale_and_service_render_cash / operating_revenue", "sales_cash_flow"),
    ("ocf_to_revenue", "net_operating_cash_flow / operating_revenue", None),
    ("ocf_to_operating_profit", "net_operating_cash_flow / indicator operating_profit", None),
    # growth rates: not derived yet (need last year's and last quarter's single-quarter rows); NULL
    ("inc_total_revenue_year_on_year", None, None),
    ("inc_total_revenue_annual", None, "inc_total_revenue_annual"),
    ("inc_revenue_year_on_year", None, "inc_revenue_rate"),
    ("inc_revenue_annual", None, None),
    ("inc_operation_profit_year_on_year", None, None),
    ("inc_operation_profit_annual", None, None),
    ("inc_net_profit_year_on_year", None, "du_profit_rate"),
    ("inc_net_profit_annual", None, None),
    ("inc_net_profit_to_shareholders_year_on_year", None, "inc_net_profit_rate"),
    ("inc_net_profit_to_shareholders_annual", None, "inc_net_profit_to_shareholders_annual"),
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


def statement_items(statement: str) -> list[str]:
    """Canonical items of one statement, in QMT's order."""
    return [c for st, c, *_ in STATEMENT_FIELDS if st == statement]


def statement_of(item: str) -> str:
    for st, c, *_ in STATEMENT_FIELDS:
        if c == item:
            return st
    raise KeyError(f"{item} is not a statement item")


def counterparts() -> str:
    """docs/statement_fields.md: every statement item with its xtquant and JQData names, the
    items without a counterpart, and JQData's columns without one (Markdown)."""
    lines = ["# Financial statement fields: QMT ⇄ canonical ⇄ JQData", "",
             "Generated by `taorui_assets.lib.fields.counterparts()` from the field table (lib/fields.py);",
             "do not edit by hand. `—`: no counterpart. Sources: xtquant/doc/xtdata.md appendix",
             "(财务数据字段列表) and jqdatasdk/finance_tables.py.", ""]
    for st in STATEMENTS:
        rows = [r for r in STATEMENT_FIELDS if r[0] == st]
        none = sum(1 for r in rows if not r[3])
        lines += [f"## {st} ({len(rows)} items; {none} without a JQData column)", "",
                  "| canonical | xtquant | JQData | meaning |", "|---|---|---|---|"]
        lines += [f"| {c} | {x or '—'} | {j or '—'} | {m} |" for _st, c, x, j, m in rows]
        extra = JQ_ONLY_COLUMNS.get(st)
        if extra:
            lines += ["", f"JQData `{st}` columns without a QMT counterpart (served as NULL): "
                      + ", ".join(f"`{c}`" for c in extra) + "."]
        lines.append("")
    lines += ["## indicator (JQData's table, derived by the read API)", "",
              "| JQData column | formula over canonical items | nearest QMT PershareIndex item |", "|---|---|---|"]
    lines += [f"| {j} | {f or 'not derived yet: NULL'} | {q or '—'} |" for j, f, q in INDICATOR_FIELDS]
    return "\n".join(lines) + "\n"
