"""SimMarket's capital structure and holders (issue 13 part 4), mixed into ``SimMarket``.

* capital changes: the listing, then every ex-dividend day with bonus or transferred shares
  (the only days the simulated share count moves), announced 3-10 days before; total and float
  shares after each change equal the ``instruments`` snapshot from the change date on.
* top-10 holders and top-10 float holders, and the shareholder count, per report period,
  published with the period's first report (``report_versions``); each stock has a stable
  cast of holders whose stakes drift from quarter to quarter.
* northbound holdings: stocks of the SH/SZ main boards, ChiNext and STAR (not BSE), a stake of
  0.3-8% of the float that drifts smoothly from day to day.
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Iterable, Iterator, Optional

import numpy as np
import pandas as pd

from taorui_assets.lib import quarters
from taorui_assets.lib.sim.util import DAYS, TAG_HOLDERS, code_key, index_on_or_before, rng, to_date, ts

HOLDER_POOL = [("香港中央结算有限公司", "其它机构"), ("中国证券金融股份有限公司", "其它机构"),
               ("中央汇金资产管理有限责任公司", "其它机构"), ("全国社保基金一一八组合", "社保基金"),
               ("中国人寿保险股份有限公司-传统-普通保险产品", "保险公司"), ("易方达沪深300交易型开放式指数证券投资基金", "证券投资基金"),
               ("华夏上证50交易型开放式指数证券投资基金", "证券投资基金"), ("招商银行股份有限公司-兴全合润混合型证券投资基金", "证券投资基金"),
               ("UBS AG", "QFII"), ("中信证券股份有限公司", "券商")]
PEOPLE = ["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨勇", "赵敏", "黄磊"]
CHANNELS = {"SH": "sh_connect", "SZ": "sz_connect"}


def _weekday_before(d: dt.date, days: int) -> dt.date:
    d -= dt.timedelta(days=days)
    while d.weekday() >= 5:
        d -= dt.timedelta(days=1)
    return d


class HoldersMixin:
    # ----- capital changes --------------------------------------------------------------
    def capital_events(self, code: str) -> list[dict]:
        """Every change of one stock's share capital (the listing first)."""
        s, h = self.by_code[code], self.history(code)
        g = rng(self.seed, TAG_HOLDERS, *code_key(code), 0)
        total0, float0 = float(np.round(h.total0)), float(np.round(h.float0))
        out = [{"change_date": s.list_date, "total_shares": total0, "float_shares": float0,
                "change_reason": "首发上市"}]
        for k, pos in enumerate(h.ex_pos):
            if h.ex_mult[k] == (1.0 if k == 0 else h.ex_mult[k - 1]):  # a cash-only dividend
                continue
            out.append({"change_date": DAYS[s.start + int(pos)],
                        "total_shares": float(np.round(h.total0 * h.ex_mult[k])),
                        "float_shares": float(np.round(h.float0 * h.ex_mult[k])), "change_reason": "送、转股"})
        for e in out:
            e["pub_date"] = _weekday_before(e["change_date"], int(g.integers(3, 11)))
            e["restricted_shares"] = e["total_shares"] - e["float_shares"]
        return out

    def capital_changes(self, quarter: str, as_of, codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
        hi, as_of = quarters.quarter_end(quarter), to_date(as_of)
        rows = [{"code": s.code, "report_date": ts(hi), **e}
                for s in self._select(codes) for e in self.capital_events(s.code)
                if quarters.quarter_of(e["change_date"]) == quarter.upper() and e["pub_date"] <= as_of]
        out = pd.DataFrame(rows, columns=["code", "report_date", "change_date", "pub_date", "total_shares",
                                          "float_shares", "restricted_shares", "change_reason"])
        for c in ("change_date", "pub_date"):
            out[c] = pd.to_datetime(out[c])
        return out

    # ----- top-10 holders and shareholder counts ---------------------------------------
    def _cast(self, code: str) -> list[tuple[str, str, float]]:
        """The stock's stable holders: (name, class, base stake as a fraction of total shares)."""
        s = self.by_code[code]
        g = rng(self.seed, TAG_HOLDERS, *code_key(code), 1)
        parent = (f"{s.name}控股集团有限公司", "其它机构")
        picks = [HOLDER_POOL[i] for i in g.choice(len(HOLDER_POOL), size=7, replace=False)]
        people = [(PEOPLE[i], "个人") for i in g.choice(len(PEOPLE), size=4, replace=False)]
        cast = [parent] + picks + people
        stakes = np.sort(g.dirichlet(np.linspace(3.0, 0.3, len(cast))) * g.uniform(0.35, 0.8))[::-1]
        return [(n, c, float(x)) for (n, c), x in zip(cast, stakes)]

    def _period(self, code: str, quarter: str, as_of) -> Optional[tuple[dt.date, dt.date, int]]:
        """(report_date, pub_date, index of the period end) if the period's first report is out."""
        versions = self.report_versions(code, quarter)
        if not versions or versions[0] > to_date(as_of):
            return None
        rd = quarters.quarter_end(quarter)
        s = self.by_code[code]
        j = min(max(index_on_or_before(rd) - s.start, 0), len(self.history(code).close) - 1)
        return rd, versions[0], j

    def _reported(self, quarter: str, as_of, codes: Optional[Iterable[str]]) -> Iterator[tuple]:
        """(stock, report date, publication date, history position) of each selected stock
        whose report of ``quarter`` is published by ``as_of``."""
        for s in self._select(codes):
            p = self._period(s.code, quarter, as_of)
            if p is not None:
                yield (s, *p)

    def top10_holders(self, quarter: str, as_of, codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
        year, q = (int(x) for x in quarter.upper().split("Q"))
        rows = []
        for s, rd, pub, j in self._reported(quarter, as_of, codes):
            h = self.history(s.code)
            total, floating = h.get("total_shares", j), h.get("float_shares", j)
            g = rng(self.seed, TAG_HOLDERS, *code_key(s.code), 2, year, q)
            cast = self._cast(s.code)
            drift = np.exp(g.normal(0.0, 0.08, size=len(cast)))
            held = [(n, c, x * d) for (n, c, _x), x, d in zip(cast, [x for *_, x in cast], drift)]
            restricted_share = 1.0 - floating / total if total else 0.0
            for kind in ("top10", "top10_float"):
                base = total if kind == "top10" else floating
                ranked = sorted(held, key=lambda t: -t[2])[:10]
                for rank, (name, cls, stake) in enumerate(ranked, start=1):
                    # the parent's restricted shares stay out of the float list
                    frac = stake * (1.0 - restricted_share) if kind == "top10_float" and rank == 1 else stake
                    shares = float(np.floor(frac * base / 100.0) * 100.0)
                    nature = "限售流通A股" if kind == "top10" and rank == 1 and restricted_share > 0 else "流通A股"
                    rows.append({"code": s.code, "kind": kind, "report_date": ts(rd), "pub_date": ts(pub),
                                 "rank": rank, "holder_name": name, "holder_type": cls, "shares": shares,
                                 "ratio": round(shares / total * 100.0, 4) if total else None,
                                 "share_nature": nature, "change_reason": None})
        out = pd.DataFrame(rows, columns=["code", "kind", "report_date", "pub_date", "rank", "holder_name",
                                          "holder_type", "shares", "ratio", "share_nature", "change_reason"])
        # ranks follow the shares actually listed (the float list can reorder)
        if len(out):
            out = out.sort_values(["code", "kind", "shares"], ascending=[True, True, False], kind="stable")
            out["rank"] = out.groupby(["code", "kind"]).cumcount() + 1
        return out.reset_index(drop=True)

    def holder_counts(self, quarter: str, as_of, codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
        year, q = (int(x) for x in quarter.upper().split("Q"))
        rows = []
        for s, rd, pub, j in self._reported(quarter, as_of, codes):
            h = self.history(s.code)
            g = rng(self.seed, TAG_HOLDERS, *code_key(s.code), 3, year, q)
            holders = float(max(1000, round(h.get("total_shares", j) / math.exp(g.normal(10.0, 0.6)))))
            other = float(round(holders * g.uniform(0.0, 0.01))) if h.float0 < h.total0 else 0.0
            rows.append({"code": s.code, "report_date": ts(rd), "pub_date": ts(pub), "holders": holders,
                         "a_holders": holders, "b_holders": None, "h_holders": None,
                         "float_holders": holders - other, "other_holders": other})
        return pd.DataFrame(rows, columns=["code", "report_date", "pub_date", "holders", "a_holders", "b_holders",
                                           "h_holders", "float_holders", "other_holders"])

    # ----- northbound holdings ------------------------------------------------------------
    def northbound_holdings(self, date, codes: Optional[Iterable[str]] = None) -> pd.DataFrame:
        d = to_date(date)
        i = index_on_or_before(d)
        rows = []
        if i < 0 or DAYS[i] != d:
            return pd.DataFrame(columns=["date", "code", "channel", "shares", "ratio"])
        for s in self.listed(d, codes):
            if s.exchange not in CHANNELS:
                continue
            g = rng(self.seed, TAG_HOLDERS, *code_key(s.code), 4)
            base, phase, eligible = g.uniform(0.003, 0.08), g.uniform(0, 2 * math.pi), g.random() < 0.7
            if not eligible:
                continue
            h, j = self.history(s.code), i - s.start
            total, floating = h.get("total_shares", j), h.get("float_shares", j)
            stake = base * math.exp(0.25 * math.sin(2 * math.pi * i / 240.0 + phase))
            shares = float(np.floor(floating * stake / 100.0) * 100.0)
            rows.append({"date": ts(d), "code": s.code, "channel": CHANNELS[s.exchange], "shares": shares,
                         "ratio": round(shares / total * 100.0, 4) if total else 0.0})
        return pd.DataFrame(rows, columns=["date", "code", "channel", "shares", "ratio"])
