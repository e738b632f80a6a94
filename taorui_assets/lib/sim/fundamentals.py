"""Quarterly financial statements of one stock (balance, income YTD, cash flow YTD).

Values are whole yuan stored as float, so total_assets == total_liabilities + total_equity
exactly. Per (code, year) a generator draws the year's four quarterly flows; income and
cash-flow statements are year-to-date sums of them. About 4% of (code, quarter) are
restated: a second version, published 2–6 months after the first, with perturbed but
still balanced numbers.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Optional

from taorui_assets.lib import quarters
from taorui_assets.lib.sim.util import TAG_FIN_CODE, TAG_FIN_QUARTER, TAG_FIN_YEAR, code_key, rng

RESTATEMENT_RATE = 0.04


def _weekday(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d


def _code_params(seed: int, code: str) -> dict:
    g = rng(seed, TAG_FIN_CODE, *code_key(code))
    return {"rev0": math.exp(g.normal(math.log(2.5e9), 1.1)), "growth": g.normal(0.08, 0.06),
            "margin": g.normal(0.09, 0.06), "asset_turn": g.uniform(0.4, 1.5),
            "lev": g.uniform(0.2, 0.75), "minority": g.uniform(0.0, 0.12),
            "op_ratio": g.uniform(0.93, 1.0), "tax": g.uniform(0.12, 0.25),
            "cur_a": g.uniform(0.3, 0.75), "cur_l": g.uniform(0.5, 0.9), "cash_r": g.uniform(0.15, 0.5)}


def _year_flows(seed: int, code: str, year: int, p: dict) -> dict:
    g = rng(seed, TAG_FIN_YEAR, *code_key(code), year)
    rev_y = p["rev0"] * (1.0 + p["growth"]) ** (year - 2010) * math.exp(g.normal(0, 0.12))
    season = g.dirichlet([22.0, 24.0, 25.0, 29.0])
    margin = p["margin"] + g.normal(0, 0.03)
    return {"rev": [rev_y * s for s in season],
            "margin": [margin + g.normal(0, 0.02) for _ in range(4)],
            "ocf": [g.normal(1.0, 0.5) for _ in range(4)],
            "icf": [g.uniform(0.02, 0.12) for _ in range(4)],
            "fcf": [g.normal(0.0, 0.05) for _ in range(4)],
            "nonop": [g.normal(0.0, 0.004) for _ in range(4)],
            "assets_noise": [math.exp(g.normal(0, 0.03)) for _ in range(4)]}


def _items(p: dict, f: dict, q: int, shares: float, tweak: Optional[list[float]] = None) -> dict:
    tw = tweak or [1.0] * 6
    rev = [r * tw[0] for r in f["rev"][:q]]
    op = [r * m * tw[1] for r, m in zip(rev, f["margin"][:q])]
    total_rev = round(sum(rev))
    op_profit = round(sum(op))
    total_profit = op_profit + round(sum(r * x for r, x in zip(rev, f["nonop"][:q])))
    net = round(total_profit * (1.0 - p["tax"])) if total_profit > 0 else total_profit
    net_parent = round(net * (1.0 - p["minority"]))
    ocf = round(sum(r * m * o for r, m, o in zip(rev, f["margin"][:q], f["ocf"][:q])) + 0.05 * sum(rev))
    icf = -round(sum(r * x for r, x in zip(rev, f["icf"][:q])))
    fcf = round(sum(r * x for r, x in zip(rev, f["fcf"][:q])))
    assets = round(sum(f["rev"]) / p["asset_turn"] * f["assets_noise"][q - 1] * tw[2] * (1 + 0.01 * q))
    liabilities = min(assets - 1, round(assets * p["lev"] * tw[3]))
    equity = assets - liabilities
    equity_parent = equity - round(equity * p["minority"])
    cur_a = round(assets * p["cur_a"] * tw[4])
    return {
        "balance": {"cash": float(round(cur_a * p["cash_r"])), "total_current_assets": float(cur_a),
                    "total_assets": float(assets),
                    "total_current_liabilities": float(round(liabilities * p["cur_l"] * tw[5])),
                    "total_liabilities": float(liabilities), "equity_parent": float(equity_parent),
                    "total_equity": float(equity)},
        "income": {"total_revenue": float(total_rev),
                   "operating_revenue": float(round(total_rev * p["op_ratio"])),
                   "operating_profit": float(op_profit), "total_profit": float(total_profit),
                   "net_profit": float(net), "net_profit_parent": float(net_parent),
                   "eps_basic": round(net_parent / max(shares, 1.0), 4)},
        "cash_flow": {"net_operating_cash_flow": float(ocf), "net_investing_cash_flow": float(icf),
                      "net_financing_cash_flow": float(fcf), "net_cash_increase": float(ocf + icf + fcf)},
    }


def pub_dates(seed: int, code: str, year: int, q: int) -> tuple[dt.date, Optional[dt.date]]:
    """(first publication, restatement publication or None) of one report."""
    g = rng(seed, TAG_FIN_QUARTER, *code_key(code), year, q)
    u = g.random(3)
    if q == 1:
        first = dt.date(year, 4, 10) + dt.timedelta(days=int(u[0] * 20))
    elif q == 2:
        first = dt.date(year, 7, 15) + dt.timedelta(days=int(u[0] * 47))
    elif q == 3:
        first = dt.date(year, 10, 10) + dt.timedelta(days=int(u[0] * 21))
    else:
        first = dt.date(year + 1, 1, 15) + dt.timedelta(days=int(u[0] * 105))
    first = _weekday(first)
    second = None
    if u[1] < RESTATEMENT_RATE:
        second = _weekday(first + dt.timedelta(days=60 + int(u[2] * 120)))
    return first, second


def report(seed: int, code: str, year: int, q: int, shares: float, version: int) -> dict:
    """Items of version 0 (original) or 1 (restatement) keyed by statement."""
    p = _code_params(seed, code)
    f = _year_flows(seed, code, year, p)
    tweak = None
    if version:
        g = rng(seed, TAG_FIN_QUARTER, *code_key(code), year, q, 1)
        tweak = list(g.uniform(0.93, 1.07, size=6))
    return _items(p, f, q, shares, tweak)


def quarter_end(year: int, q: int) -> dt.date:
    return quarters.quarter_end(f"{year}Q{q}")
