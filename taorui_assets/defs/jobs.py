import dagster as dg

DAILY_ASSETS = [
    "instruments", "daily_bars", "minute_bars_1m", "minute_bars_5m", "adj_factors",
    "sector_membership", "index_weights", "billboard", "northbound_flow", "money_flow",
    "daily_bars_reconciliation",
]

daily_datasets_job = dg.define_asset_job(
    "daily_datasets", selection=dg.AssetSelection.assets(*DAILY_ASSETS),
    description="Every trading-day dataset for one trading day, with its checks.",
)

calendar_job = dg.define_asset_job(
    "trading_calendar_job", selection=dg.AssetSelection.assets("trading_calendar"),
    description="The SSE trading calendar for one year.",
)

fundamentals_job = dg.define_asset_job(
    "financial_statements_job", selection=dg.AssetSelection.assets("financial_statements", "financial_statements_reconciliation"),
    description="Every published version of the quarter's financial statements.",
)
