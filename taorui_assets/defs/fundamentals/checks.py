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
