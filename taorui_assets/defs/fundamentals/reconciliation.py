from taorui_assets import asof
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.partitions import report_quarters
from taorui_assets.reconciliation import reconciliation_asset

financial_statements_reconciliation = reconciliation_asset(
    name="financial_statements_reconciliation", dataset="financial_statements", partitions_def=report_quarters,
    group="fundamentals", deps=["financial_statements"],
    universe=lambda store, key: store.db["financial_statements"].distinct(
        "code", scope("financial_statements", key)),
    fetch=lambda src, key, codes: src.financial_statements(key, as_of=asof.today(), codes=codes),
)
