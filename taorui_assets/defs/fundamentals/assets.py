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

def _both_sources_carry(frame):
    """The balance, income and cash-flow rows: JQData has no PershareIndex (pershare) table."""
    return frame[frame["statement"] != "pershare"].reset_index(drop=True)


financial_statements_reconciliation = reconciliation_asset(
    "financial_statements",
    fetch=lambda src, key, codes: _both_sources_carry(src.financial_statements(key, as_of=asof.today(), codes=codes)),
)

# ---- capital structure and holders (issue 13 part 4) ----
capital_changes = dataset_asset(
    "capital_changes",
    description="Share capital changes whose change date falls in the quarter: total, float and "
    "restricted shares after the change, with the change and announcement dates (every announced "
    "version kept). Point in time by pub_date.",
    fetch=lambda src, key, progress: src.capital_changes(key, as_of=asof.today()),
    allow_empty=True,  # most quarters change nobody's share capital
)

top10_holders = dataset_asset(
    "top10_holders",
    description="Top-10 holders and top-10 float holders (kind) of the report period, as announced "
    "with the periodic report; every announced version kept. Point in time by pub_date.",
    fetch=lambda src, key, progress: src.top10_holders(key, as_of=asof.today()),
    allow_empty=True,  # a quarter whose reports are not out yet
)

holder_counts = dataset_asset(
    "holder_counts",
    description="Number of shareholders at the report period end, as announced; point in time by pub_date.",
    fetch=lambda src, key, progress: src.holder_counts(key, as_of=asof.today()),
    allow_empty=True,  # a quarter whose reports are not out yet
)

# ----- valuation (issue 13 part 2): computed from stored data, reconciled with a vendor's table
from taorui_assets.valuation_assets import valuation_asset, valuation_reconciliation_asset  # noqa: E402

valuation = valuation_asset()
valuation_reconciliation = valuation_reconciliation_asset()
