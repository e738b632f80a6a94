import dagster as dg

from taorui_assets.checks import result
from taorui_assets.lib import quality
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.partitions import report_quarters
from taorui_assets.resources.mongo import MongoResource


@dg.asset_check(asset="financial_statements", partitions_def=report_quarters,
                description="Every stored balance sheet (every version) balances: total assets equal "
                "total liabilities plus total equity.")
def balance_sheets_balance(context: dg.AssetCheckExecutionContext, mongo: MongoResource) -> dg.AssetCheckResult:
    key = context.partition_key
    stmts = mongo.store().read("financial_statements", scope("financial_statements", key))
    return result(quality.identity_violations(stmts), int((stmts["statement"] == "balance").sum()),
                  "balance sheets do not balance")


# ----- valuation (issue 13 part 2) ---------------------------------------------------------------
from taorui_assets.partitions import trading_days  # noqa: E402


@dg.asset_check(asset="valuation", partitions_def=trading_days,
                description="The stored valuation still matches the stored prices and share counts of the day: "
                "one row per traded stock, with the same close, total and float shares, and market values equal "
                "to close × shares. Fails when daily_bars or instruments were re-materialized (healed) after "
                "the valuation was computed: re-materialize valuation.")
def valuation_matches_prices(context: dg.AssetCheckExecutionContext, mongo: MongoResource) -> dg.AssetCheckResult:
    from taorui_assets.lib.valuation import consistency_violations

    key, store = context.partition_key, mongo.store()
    val = store.read("valuation", scope("valuation", key))
    bars = store.read("daily_bars", scope("daily_bars", key))
    inst = store.read("instruments", scope("instruments", key))
    return result(consistency_violations(val, bars, inst), len(val), "valuation rows disagree with the stored "
                  "prices or share counts")
