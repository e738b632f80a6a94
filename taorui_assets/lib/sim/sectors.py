"""Industry (Shenwan L1 style) and concept membership over time.

Each stock has one industry on any date (≈8% are reclassified once); each concept has
an inception date and members that join (and sometimes leave) on trading days.
"""
from __future__ import annotations

from taorui_assets.lib.sim.universe import Stock
from taorui_assets.lib.sim.util import N_DAYS, TAG_CONCEPT, TAG_SECTOR, code_key, index_on_or_after, rng

INDUSTRIES = [
    ("801010", "农林牧渔"), ("801030", "基础化工"), ("801040", "钢铁"), ("801050", "有色金属"),
    ("801080", "电子"), ("801110", "家用电器"), ("801120", "食品饮料"), ("801150", "医药生物"),
    ("801160", "公用事业"), ("801170", "交通运输"), ("801180", "房地产"), ("801200", "商贸零售"),
    ("801730", "电力设备"), ("801740", "国防军工"), ("801750", "计算机"), ("801760", "传媒"),
    ("801770", "通信"), ("801780", "银行"), ("801790", "非银金融"), ("801880", "汽车"),
    ("801890", "机械设备"),
]
CONCEPTS = [
    ("GN001", "人工智能", "2016-03-01"), ("GN002", "新能源汽车", "2010-01-04"),
    ("GN003", "半导体", "2010-01-04"), ("GN004", "光伏", "2010-01-04"),
    ("GN005", "锂电池", "2012-06-01"), ("GN006", "数字经济", "2020-05-06"),
    ("GN007", "一带一路", "2014-11-03"), ("GN008", "国企改革", "2013-11-18"),
    ("GN009", "华为概念", "2018-04-02"), ("GN010", "机器人", "2013-06-03"),
    ("GN011", "创新药", "2015-09-01"), ("GN012", "储能", "2017-10-09"),
]
_CONCEPT_START = [index_on_or_after(d) for _c, _n, d in CONCEPTS]


def memberships(seed: int, st: Stock) -> list[tuple[str, str, str, int, int]]:
    """(sector_type, sector_code, sector_name, from_index, to_index_exclusive) of one stock."""
    g = rng(seed, TAG_SECTOR, *code_key(st.code))
    out = []
    first = int(g.integers(len(INDUSTRIES)))
    reclass = g.random() < 0.08
    when = int(g.integers(st.start + 60, max(st.start + 61, st.end)))
    other = (first + 1 + int(g.integers(len(INDUSTRIES) - 1))) % len(INDUSTRIES)
    if reclass and st.start + 60 < st.end:
        out.append(("industry", *INDUSTRIES[first], st.start, when))
        out.append(("industry", *INDUSTRIES[other], when, st.end))
    else:
        out.append(("industry", *INDUSTRIES[first], st.start, st.end))
    for k, (ccode, cname, _d) in enumerate(CONCEPTS):
        h = rng(seed, TAG_CONCEPT, *code_key(st.code), k)
        take, u_join, leaves, u_leave = h.random() < 0.1, h.random(), h.random() < 0.3, h.random()
        if not take:
            continue
        lo = max(st.start, _CONCEPT_START[k])
        if lo >= st.end:
            continue
        join = lo + int(u_join * (st.end - lo) * 0.8)
        leave = join + 1 + int(u_leave * (st.end - join - 1)) if leaves else st.end
        out.append(("concept", ccode, cname, join, min(leave, st.end, N_DAYS)))
    return out
