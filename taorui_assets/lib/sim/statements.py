"""The full statements of one report version: every QMT line SimMarket models, derived from
the 18 core items of ``fundamentals.report`` so that those stay exactly as they were.

Consistency (whole yuan, exact):
* balance: the current items add up to total_current_assets, the non-current ones to
  total_non_current_assets, assets = liabilities + equity (tot_liab_shrhldr_eqy), liabilities
  likewise, parent equity = share capital + capital reserve + surplus reserve + retained
  profit, minority interest = total equity - parent equity; share capital (cap_stk) is the
  share count at the period end (par value 1 yuan);
* income: total revenue = operating revenue + interest income; operating profit = total
  revenue - total operating cost (= its seven lines) + investment, fair-value, other and
  disposal income; total profit = operating profit + non-operating income - expense;
  tax = total profit - net profit; minority = net profit - net profit to the parent;
* cash flow: each activity's net = inflow subtotal - outflow subtotal = the sum of its lines;
  the opening cash is last year's closing balance-sheet cash and the closing one adds the
  net increase; the indirect method adds up to the operating cash flow;
* pershare: computed from the three statements (QMT's PershareIndex definitions), year to
  date; growth rates against the same period of last year's first version.
Lines of banks, insurers and brokers, and the three "rolling" growth rates, are not modelled:
NaN, so they are absent from the stored documents.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

import numpy as np

from taorui_assets.lib.sim import fundamentals
from taorui_assets.lib.sim.util import TAG_FIN_DETAIL, code_key, rng

BALANCE_CURRENT = ["tradable_fin_assets", "bill_receivable", "account_receivable", "advance_payment",
                   "other_receivable", "inventories", "current_assets_one_year", "other_current_assets"]
BALANCE_NON_CURRENT = ["long_term_eqy_invest", "invest_real_estate", "fix_assets", "constru_in_process",
                       "intang_assets", "goodwill", "long_deferred_expense", "deferred_tax_assets",
                       "other_non_mobile_assets"]
LIAB_CURRENT = ["shortterm_loan", "notes_payable", "accounts_payable", "advance_receipts", "empl_ben_payable",
                "taxes_surcharges_payable", "other_payable", "non_current_liability_in_one_year",
                "other_current_liability"]
LIAB_NON_CURRENT = ["long_term_loans", "bonds_payable", "longterm_account_payable", "estimated_liabilities",
                    "deferred_tax_liab", "other_non_current_liabilities"]
OPERATING_COSTS = ["operating_cost", "less_taxes_surcharges_ops", "sale_expense", "less_gerl_admin_exp",
                   "research_expenses", "financial_expense", "less_impair_loss_assets"]
OPERATING_COST_WEIGHTS = [70.0, 3.0, 8.0, 7.0, 4.0, 1.5, 0.8]


def split(total: float, weights, g: np.random.Generator) -> list[float]:
    """``total`` (whole yuan) in len(weights) whole-yuan parts that add up exactly."""
    share = g.dirichlet(np.asarray(weights, dtype=float) * 4.0)
    parts = [float(round(total * s)) for s in share[:-1]]
    return parts + [float(total - sum(parts))]


def _balance(core: dict, shares: float, g) -> dict:
    b = dict(core)
    ta, tca, cash = core["total_assets"], core["total_current_assets"], core["cash"]
    b.update(zip(BALANCE_CURRENT, split(tca - cash, [4, 3, 14, 4, 3, 14, 1, 2], g)))
    b["total_non_current_assets"] = ta - tca
    b.update(zip(BALANCE_NON_CURRENT, split(ta - tca, [6, 2, 30, 6, 6, 3, 1, 1, 2], g)))
    tl, tcl = core["total_liabilities"], core["total_current_liabilities"]
    b.update(zip(LIAB_CURRENT, split(tcl, [8, 6, 14, 4, 2, 2, 5, 2, 1], g)))
    b["non_current_liabilities"] = tl - tcl
    b.update(zip(LIAB_NON_CURRENT, split(tl - tcl, [10, 3, 2, 1, 1, 1], g)))
    ep, te = core["equity_parent"], core["total_equity"]
    b["cap_stk"] = float(round(shares))
    rest = ep - b["cap_stk"]
    b["cap_rsrv"] = float(round(max(rest, 0.0) * g.uniform(0.2, 0.5)))
    b["surplus_rsrv"] = float(round(max(rest, 0.0) * g.uniform(0.05, 0.15)))
    b["less_tsy_stk"] = 0.0
    b["undistributed_profit"] = ep - b["cap_stk"] - b["cap_rsrv"] - b["surplus_rsrv"]
    b["minority_int"] = te - ep
    b["tot_liab_shrhldr_eqy"] = tl + te
    return b


def _income(core: dict, g) -> dict:
    i = dict(core)
    rev, op, tp = core["total_revenue"], core["operating_profit"], core["total_profit"]
    net, parent = core["net_profit"], core["net_profit_parent"]
    i["int_inc"] = rev - core["operating_revenue"]
    i["plus_net_invest_inc"] = float(round(rev * g.normal(0.01, 0.01)))
    i["incl_inc_invest_assoc_jv_entp"] = float(round(i["plus_net_invest_inc"] * g.uniform(0.0, 0.6)))
    i["change_income_fair_value"] = float(round(rev * g.normal(0.0, 0.003)))
    i["other_income"] = float(round(rev * g.uniform(0.0, 0.01)))
    i["il_net_loss_disp_noncur_asset"] = float(round(rev * g.normal(0.0, 0.001)))
    gains = (i["plus_net_invest_inc"] + i["change_income_fair_value"] + i["other_income"]
             + i["il_net_loss_disp_noncur_asset"])
    i["total_operating_cost"] = rev + gains - op
    i.update(zip(OPERATING_COSTS, split(i["total_operating_cost"], OPERATING_COST_WEIGHTS, g)))
    non_op, small = tp - op, float(round(rev * g.uniform(0.0, 0.002)))
    i["plus_non_oper_rev"] = non_op + small if non_op >= 0 else small
    i["less_non_oper_exp"] = small if non_op >= 0 else small - non_op
    i["inc_tax"] = tp - net
    i["minority_int_inc"] = net - parent
    i["s_fa_eps_diluted"] = core["eps_basic"]
    one_off = i["change_income_fair_value"] + i["il_net_loss_disp_noncur_asset"] + non_op
    i["net_profit_incl_min_int_inc_after"] = net - float(round(one_off * 0.8))
    i["total_income"] = net + float(round(rev * g.normal(0.0, 0.001)))
    i["total_income_minority"] = float(round(i["total_income"] * (net - parent) / net)) if net else 0.0
    return i


def _cash_flow(core: dict, inc: dict, opening_cash: float, g) -> dict:
    c = dict(core)
    rev = inc["total_revenue"]
    ocf, icf, fcf = core["net_operating_cash_flow"], core["net_investing_cash_flow"], core["net_financing_cash_flow"]

    def activity(net, inflows, in_total, outflows, out_weights, names):
        in_total = max(in_total, net + 1.0)  # outflows are never negative
        ins = split(in_total, [w for _n, w in inflows], g)
        out_total = in_total - net
        outs = split(out_total, out_weights, g)
        c.update(zip([n for n, _w in inflows], ins))
        c.update(zip(outflows, outs))
        c[names[0]], c[names[1]] = in_total, out_total

    activity(ocf, [("goods_sale_and_service_render_cash", 90), ("tax_levy_refund", 2),
                   ("other_cash_recp_ral_oper_act", 3)], float(round(rev * g.uniform(1.0, 1.15))),
             ["goods_and_services_cash_paid", "cash_pay_beh_empl", "pay_all_typ_tax", "other_cash_pay_ral_oper_act"],
             [70, 15, 8, 7], ("stot_cash_inflows_oper_act", "stot_cash_outflows_oper_act"))
    activity(icf, [("cash_recp_disp_withdrwl_invest", 5), ("cash_recp_return_invest", 2),
                   ("net_cash_recp_disp_fiolta", 1)], float(round(abs(icf) * g.uniform(0.1, 0.6))),
             ["cash_pay_acq_const_fiolta", "cash_paid_invest"], [6, 4],
             ("stot_cash_inflows_inv_act", "stot_cash_outflows_inv_act"))
    activity(fcf, [("cash_recp_borrow", 8), ("cash_recp_cap_contrib", 1)], float(round(rev * g.uniform(0.05, 0.3))),
             ["cash_prepay_amt_borr", "cash_pay_dist_dpcp_int_exp"], [7, 3],
             ("stot_cash_inflows_fnc_act", "stot_cash_outflows_fnc_act"))
    c["eff_fx_flu_cash"] = 0.0
    c["cash_cash_equ_beg_period"] = opening_cash
    c["cash_cash_equ_end_period"] = opening_cash + core["net_cash_increase"]
    # indirect method: net profit plus non-cash items and working capital = operating cash flow
    c["cf_net_profit"] = inc["net_profit"]
    c["depr_fa_coga_dpba"] = float(round(rev * g.uniform(0.02, 0.06)))
    c["amort_intang_assets"] = float(round(rev * g.uniform(0.0, 0.01)))
    c["cf_financial_expense"] = inc["financial_expense"]
    c["invest_loss"] = -inc["plus_net_invest_inc"]
    c["decr_inventories"] = float(round(rev * g.normal(0.0, 0.02)))
    known = ["cf_net_profit", "depr_fa_coga_dpba", "amort_intang_assets", "cf_financial_expense",
             "invest_loss", "decr_inventories"]
    c["others"] = ocf - sum(c[k] for k in known)
    c["im_net_cash_flows_oper_act"] = ocf
    c["end_bal_cash"] = c["cash_cash_equ_end_period"]
    c["less_beg_bal_cash"] = opening_cash
    c["plus_end_bal_cash_equ"] = 0.0
    c["less_beg_bal_cash_equ"] = 0.0
    c["im_net_incr_cash_cash_equ"] = core["net_cash_increase"]
    return c


def _pct(a: float, b: float) -> float:
    return round(a / b * 100.0, 4) if b else float("nan")


def _growth(now: float, before: Optional[float]) -> float:
    return round((now / before - 1.0) * 100.0, 4) if before else float("nan")


def _pershare(b: dict, i: dict, c: dict, shares: float, last: Optional[dict], opening_equity: Optional[float]) -> dict:
    n = max(shares, 1.0)
    recurring_parent = i["net_profit_parent"] - (i["net_profit"] - i["net_profit_incl_min_int_inc_after"])
    p = {"s_fa_ocfps": round(c["net_operating_cash_flow"] / n, 4), "s_fa_bps": round(b["equity_parent"] / n, 4),
         "ps_eps_basic": i["eps_basic"], "ps_eps_diluted": i["s_fa_eps_diluted"],
         "s_fa_undistributedps": round(b["undistributed_profit"] / n, 4),
         "s_fa_surpluscapitalps": round(b["cap_rsrv"] / n, 4),
         "adjusted_earnings_per_share": round(recurring_parent / n, 4),
         "du_return_on_equity": _pct(i["net_profit_parent"], b["equity_parent"]),
         "sales_gross_profit": _pct(i["operating_revenue"] - i["operating_cost"], i["operating_revenue"]),
         "equity_roe": (_pct(i["net_profit_parent"], (opening_equity + b["equity_parent"]) / 2)
                        if opening_equity is not None else float("nan")),
         "net_roe": _pct(i["net_profit_parent"], b["equity_parent"]),
         "total_roe": _pct(i["net_profit"], b["total_assets"]),
         "gross_margin": _pct(i["total_revenue"] - i["total_operating_cost"], i["total_revenue"]),
         "net_margin": _pct(i["net_profit"], i["total_revenue"]),
         "actual_tax_rate": _pct(i["inc_tax"], i["total_profit"]),
         "pre_pay_operate_income": _pct(b["advance_receipts"], i["operating_revenue"]),
         "sales_cash_flow": _pct(c["goods_sale_and_service_render_cash"], i["operating_revenue"]),
         "gear_ratio": _pct(b["total_liabilities"], b["total_assets"]),
         "inventory_turnover": round(i["operating_cost"] / b["inventories"], 4) if b["inventories"] else float("nan")}
    last = last or {}
    p["inc_revenue_rate"] = _growth(i["operating_revenue"], last.get("operating_revenue"))
    p["du_profit_rate"] = _growth(i["net_profit"], last.get("net_profit"))
    p["inc_net_profit_rate"] = _growth(i["net_profit_parent"], last.get("net_profit_parent"))
    p["adjusted_net_profit_rate"] = _growth(i["net_profit_incl_min_int_inc_after"],
                                            last.get("net_profit_incl_min_int_inc_after"))
    return p


@lru_cache(maxsize=50_000)  # pure; last year's reports are read by every quarter of this year
def _details(seed: int, code: str, year: int, q: int, shares: float, version: int) -> tuple[dict, dict, dict]:
    core = fundamentals.report(seed, code, year, q, shares, version)
    g = rng(seed, TAG_FIN_DETAIL, *code_key(code), year, q, version)
    return _balance(core["balance"], shares, g), _income(core["income"], g), core["cash_flow"]


def report(seed: int, code: str, year: int, q: int, shares: float, version: int) -> dict:
    """Every modelled line of version ``version`` of one report, keyed by statement
    (balance, income, cash_flow, pershare); the core items equal ``fundamentals.report``'s."""
    b, i, c_core = _details(seed, code, year, q, shares, version)
    g = rng(seed, TAG_FIN_DETAIL, *code_key(code), year, q, version, 1)
    # last year's first versions: the opening cash and equity, and the growth base
    last_b, _li, _lc = _details(seed, code, year - 1, 4, shares, 0)
    _sb, same_last, _sc = _details(seed, code, year - 1, q, shares, 0)
    c = _cash_flow(c_core, i, last_b["cash"], g)
    p = _pershare(b, i, c, shares, same_last, last_b["equity_parent"])
    return {"balance": b, "income": i, "cash_flow": c, "pershare": p}
