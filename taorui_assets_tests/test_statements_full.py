"""Full financial statements (issue 13 part 3): every column of QMT's four report tables,
SimMarket's accounting identities, the generated mapping document, sparse storage."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from taorui_assets.lib import fields, schemas
from taorui_assets.lib.sources.sim import SimSource
from taorui_assets.lib.storage.documents import to_documents

DOC = Path(__file__).resolve().parents[1] / "docs" / "statement_fields.md"
XTDATA_MD = "xtquant/doc/xtdata.md"


@pytest.fixture(scope="module")
def fs() -> pd.DataFrame:
    return SimSource().financial_statements("2025Q4", dt.date(2026, 11, 24))


def _rows(fs, statement):
    return fs[fs["statement"] == statement].reset_index(drop=True)


def test_every_qmt_column_is_in_the_field_table():
    """Each column the xtdata.md appendix lists for Balance, Income, CashFlow, PershareIndex."""
    import importlib.util
    import re

    spec = importlib.util.find_spec("xtquant")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("xtquant is not installed")
    doc = (Path(list(spec.submodule_search_locations)[0]) / "doc" / "xtdata.md").read_text(encoding="utf-8")
    mapped = {(st, x) for st, _c, x, _j, _m in fields.STATEMENT_FIELDS if x}
    for st, header in (("balance", "#### Balance"), ("income", "#### Income"), ("cash_flow", "#### CashFlow"),
                       ("pershare", "#### PershareIndex")):
        start = doc.index("```python", doc.index(header)) + 9
        names = set(re.findall(r"'(\w+)'", doc[start:doc.index("```", start)])) - {"m_anntime", "m_timetag"}
        assert names == {x for s, x in mapped if s == st}, st


def test_mapping_document_is_current():
    assert DOC.read_text(encoding="utf-8") == fields.counterparts(), \
        "regenerate docs/statement_fields.md from taorui_assets.lib.fields.counterparts()"


def test_balance_sheets_balance_and_subtotals_add_up(fs):
    b = _rows(fs, "balance")
    assert len(b) > 100
    from taorui_assets.lib.sim import statements as S

    assert (b["total_assets"] == b["total_liabilities"] + b["total_equity"]).all()
    assert (b["tot_liab_shrhldr_eqy"] == b["total_assets"]).all()
    assert (b[["cash", *S.BALANCE_CURRENT]].sum(axis=1) == b["total_current_assets"]).all()
    assert (b[S.BALANCE_NON_CURRENT].sum(axis=1) == b["total_non_current_assets"]).all()
    assert (b["total_current_assets"] + b["total_non_current_assets"] == b["total_assets"]).all()
    assert (b[S.LIAB_CURRENT].sum(axis=1) == b["total_current_liabilities"]).all()
    assert (b[S.LIAB_NON_CURRENT].sum(axis=1) == b["non_current_liabilities"]).all()
    equity = b["cap_stk"] + b["cap_rsrv"] + b["surplus_rsrv"] + b["undistributed_profit"] - b["less_tsy_stk"]
    assert (equity == b["equity_parent"]).all()
    assert (b["equity_parent"] + b["minority_int"] == b["total_equity"]).all()


def test_income_and_cash_flow_add_up(fs):
    from taorui_assets.lib.sim import statements as S

    i = _rows(fs, "income")
    assert (i[S.OPERATING_COSTS].sum(axis=1) == i["total_operating_cost"]).all()
    gains = i[["plus_net_invest_inc", "change_income_fair_value", "other_income",
               "il_net_loss_disp_noncur_asset"]].sum(axis=1)
    assert (i["total_revenue"] - i["total_operating_cost"] + gains == i["operating_profit"]).all()
    assert (i["operating_profit"] + i["plus_non_oper_rev"] - i["less_non_oper_exp"] == i["total_profit"]).all()
    assert (i["total_profit"] - i["inc_tax"] == i["net_profit"]).all()
    assert (i["net_profit_parent"] + i["minority_int_inc"] == i["net_profit"]).all()
    c = _rows(fs, "cash_flow")
    for net, inflow, outflow in (("net_operating_cash_flow", "stot_cash_inflows_oper_act", "stot_cash_outflows_oper_act"),
                                 ("net_investing_cash_flow", "stot_cash_inflows_inv_act", "stot_cash_outflows_inv_act"),
                                 ("net_financing_cash_flow", "stot_cash_inflows_fnc_act", "stot_cash_outflows_fnc_act")):
        assert (c[inflow] - c[outflow] == c[net]).all(), net
        assert (c[outflow] >= 0).all()
    assert (c["cash_cash_equ_beg_period"] + c["net_cash_increase"] == c["cash_cash_equ_end_period"]).all()
    indirect = ["cf_net_profit", "depr_fa_coga_dpba", "amort_intang_assets", "cf_financial_expense",
                "invest_loss", "decr_inventories", "others"]
    assert (c[indirect].sum(axis=1) == c["net_operating_cash_flow"]).all()


def test_pershare_follows_the_statements(fs):
    b, i, p = _rows(fs, "balance"), _rows(fs, "income"), _rows(fs, "pershare")
    key = ["code", "pub_date"]
    p = p[key + ["s_fa_bps", "gear_ratio", "ps_eps_basic"]]
    m = p.merge(b[key + ["equity_parent", "cap_stk", "total_liabilities", "total_assets"]], on=key) \
         .merge(i[key + ["eps_basic"]], on=key)
    assert len(m) == len(p) > 100
    assert np.allclose(m["s_fa_bps"], (m["equity_parent"] / m["cap_stk"]).round(4))
    assert np.allclose(m["gear_ratio"], (m["total_liabilities"] / m["total_assets"] * 100).round(4))
    assert (m["ps_eps_basic"] == m["eps_basic"]).all()


def test_documents_are_sparse(fs):
    """A version stores its own statement's modelled items only: no nulls for the rest."""
    docs = to_documents("financial_statements", fs.head(40), "sim", dt.datetime(2026, 11, 24))
    width = max(len(d) for d in docs)
    assert width < 70 < len(schemas.columns("financial_statements"))
    assert all(v is not None for d in docs for v in d.values())
