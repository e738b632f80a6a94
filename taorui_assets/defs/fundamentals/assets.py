"""Fundamental datasets (specs: lib/datasets.py)."""
from taorui_assets import asof
from taorui_assets.dataset_asset import dataset_asset
from taorui_assets.reconciliation_asset import reconciliation_asset

financial_statements = dataset_asset(
    "financial_statements",
    description="Balance sheet, income statement and cash-flow statement for the report quarter, "
    "every published version keyed by (code, statement, report_date, pub_date), so restatements "
    "never overwrite history. Re-materialized when new announcements appear.",
    fetch=lambda src, key, progress: src.financial_statements(key, as_of=asof.today()),
    allow_empty=True,  # a quarter whose reports are not out yet
)

financial_statements_reconciliation = reconciliation_asset(
    "financial_statements",
    fetch=lambda src, key, codes: src.financial_statements(key, as_of=asof.today(), codes=codes),
)

# ----- valuation (issue 13 part 2): computed from stored data, reconciled with a vendor's table
from taorui_assets.valuation_assets import valuation_asset, valuation_reconciliation_asset  # noqa: E402

valuation = valuation_asset()
valuation_reconciliation = valuation_reconciliation_asset()
