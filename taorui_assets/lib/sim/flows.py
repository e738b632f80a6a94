"""Cross-sectional datasets derived from per-code daily values: 龙虎榜, northbound, money flow.

Billboard rules (simplified to one rule set for every board; the real ChiNext/STAR
thresholds differ): close-to-close deviation from the equal-weighted average change of
the exchange's traded stocks ≥ +7% ('106001') or ≤ −7% ('106002'), amplitude
(high − low) / pre_close ≥ 15% ('106003'); per exchange and reason the top 5 are listed.
Northbound channels exist from their real launch dates (SH 2014-11-17, SZ 2016-12-05).
"""
from __future__ import annotations

import datetime as dt

import numpy as np

from taorui_assets.lib.sim.util import TAG_BILLBOARD, TAG_MONEY_FLOW, TAG_NORTH, code_key, rng

REASONS = [("106001", "日涨幅偏离值达7%"), ("106002", "日跌幅偏离值达7%"), ("106003", "日振幅值达15%")]
TOP_PER_REASON = 5
CONNECT_START = {"sh_connect": dt.date(2014, 11, 17), "sz_connect": dt.date(2016, 12, 5)}
CONNECT_EXCHANGE = {"sh_connect": "SH", "sz_connect": "SZ"}

_BROKERS = ["中信证券", "华泰证券", "国泰君安证券", "东方财富证券", "招商证券", "广发证券",
            "中国银河证券", "海通证券", "申万宏源证券", "国信证券", "光大证券", "平安证券",
            "中金财富证券", "方正证券", "财通证券", "兴业证券", "长江证券", "东吴证券"]
_PLACES = ["上海溧阳路", "深圳益田路", "杭州延安路", "北京建国门外大街", "拉萨团结路第一",
           "拉萨东环路第二", "宁波桑田路", "成都南一环路", "上海分公司", "南京太平南路",
           "厦门厦禾路", "绍兴解放北路", "佛山绿景路", "西安科技路"]


def _seat_pool() -> list[str]:
    g = np.random.default_rng(20240601)  # fixed: the pool is part of the model, not the seed
    pool = ["机构专用", "深股通专用", "沪股通专用"]
    while len(pool) < 40:
        b, p = _BROKERS[g.integers(len(_BROKERS))], _PLACES[g.integers(len(_PLACES))]
        name = f"{b}股份有限公司{p}证券营业部"
        if name not in pool:
            pool.append(name)
    return pool


SEATS = _seat_pool()


def qualifying(pct: np.ndarray, amplitude: np.ndarray, exchange: np.ndarray) -> list[tuple[int, int, float]]:
    """(row, reason index, deviation or amplitude) of rows listed, top 5 per exchange and reason."""
    dev = np.zeros_like(pct)
    for ex in np.unique(exchange):
        m = exchange == ex
        dev[m] = pct[m] - pct[m].mean()
    picked = []
    for ex in np.unique(exchange):
        m = exchange == ex
        for r, (vals, hit, sign) in enumerate([(dev, dev >= 0.07, -1), (dev, dev <= -0.07, 1),
                                               (amplitude, amplitude >= 0.15, -1)]):
            rows = np.flatnonzero(m & hit)
            rows = rows[np.argsort(sign * vals[rows], kind="stable")][:TOP_PER_REASON]
            picked += [(int(i), r, float(vals[i])) for i in rows]
    return picked


def _pool(exchange: str) -> list[str]:
    own = {"SH": "沪股通专用", "SZ": "深股通专用"}.get(exchange)
    return [s for s in SEATS if not s.endswith("股通专用") or s == own]


def seats(seed: int, code: str, day_index: int, reason: int, amount: float) -> list[tuple]:
    """10 rows (direction, rank, seat, buy, sell); the seats' buys and sells each ≤ 30% of amount."""
    g = rng(seed, TAG_BILLBOARD, *code_key(code), day_index, reason)
    pool = _pool(code[-2:])
    buy_budget, sell_budget = amount * g.uniform(0.08, 0.3), amount * g.uniform(0.08, 0.3)
    rows = []
    for direction, main_budget, side_budget in (("buy", buy_budget * 0.85, sell_budget * 0.15),
                                                ("sell", sell_budget * 0.85, buy_budget * 0.15)):
        names = g.choice(len(pool), size=5, replace=False)
        main = np.sort(g.dirichlet(np.ones(5)) * main_budget)[::-1]
        side = g.dirichlet(np.ones(5)) * side_budget * (g.random(5) < 0.6)
        for k in range(5):
            a, b = np.floor(main[k] * 100) / 100, np.floor(side[k] * 100) / 100
            buy, sell = (a, b) if direction == "buy" else (b, a)
            rows.append((direction, k + 1, pool[names[k]], float(buy), float(sell)))
    return rows


def northbound(seed: int, day_index: int, channel: str, exchange_amount: float) -> tuple[float, float]:
    g = rng(seed, TAG_NORTH, day_index, 0 if channel == "sh_connect" else 1)
    base = g.uniform(0.04, 0.08)
    tilt = g.normal(0.0, 0.006)
    buy = round(exchange_amount * float(np.clip(base + tilt, 0.03, 0.10)), 2)
    sell = round(exchange_amount * float(np.clip(base - tilt, 0.03, 0.10)), 2)
    return buy, sell


def order_splits(seed: int, code: str, day_index: int) -> tuple[np.ndarray, np.ndarray]:
    """Shares of the day's buys and sells by order size (xl, l, m, s) of one (code, day)."""
    g = rng(seed, TAG_MONEY_FLOW, *code_key(code), day_index)
    return g.dirichlet([1.0, 2.0, 3.0, 4.0]), g.dirichlet([1.0, 2.0, 3.0, 4.0])


def money_flow_nets(amount: np.ndarray, buy: np.ndarray, sell: np.ndarray, ret: np.ndarray) -> np.ndarray:
    """(n, 4) nets xl, l, m, s of amounts whose buy and sell splits both sum to ``amount``.

    The big-order buy share is tilted with the day's return so main-force flow leans with
    the price move; both splits are renormalised, so the four nets sum to 0.
    """
    tilt = np.clip(1.0 + 4.0 * ret, 0.3, 2.0)[:, None] * np.array([1.0, 1.0, 0.0, 0.0]) \
        + np.array([0.0, 0.0, 1.0, 1.0])
    b = buy * tilt
    b = b / b.sum(axis=1, keepdims=True)
    s = sell / sell.sum(axis=1, keepdims=True)
    nets = (b - s) * amount[:, None]
    nets[:, 3] = -nets[:, :3].sum(axis=1)
    return nets
