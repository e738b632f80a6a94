"""QmtSource's sector, index-weight, flow and billboard datasets (a mixin of ``QmtSource``)."""
from __future__ import annotations

import datetime as dt
from typing import Optional, Sequence

import pandas as pd

from taorui_assets.lib import calendar, schemas
from taorui_assets.lib.sources import qmt_normalize as N
from taorui_assets.lib.sources.base import EmptyAnswerError, SourceError

# QMT sector-list names (assumption, the doc lists none): Shenwan level-1 industries are
# 'SW1<name>' (e.g. 'SW1银行'), concepts 'GN<name>'. The canonical industry code is the
# Shenwan code (table below); a concept has no code in QMT, so its canonical code comes
# from the ``concept_codes`` mapping (name → code) given to QmtSource, else the name.
SECTOR_PREFIXES = {"industry": "SW1", "concept": "GN"}
SW1_CODES = {
    "农林牧渔": "801010", "基础化工": "801030", "钢铁": "801040", "有色金属": "801050",
    "电子": "801080", "家用电器": "801110", "食品饮料": "801120", "纺织服饰": "801130",
    "轻工制造": "801140", "医药生物": "801150", "公用事业": "801160", "交通运输": "801170",
    "房地产": "801180", "商贸零售": "801200", "社会服务": "801210", "综合": "801230",
    "建筑材料": "801710", "建筑装饰": "801720", "电力设备": "801730", "国防军工": "801740",
    "计算机": "801750", "传媒": "801760", "通信": "801770", "银行": "801780",
    "非银金融": "801790", "汽车": "801880", "机械设备": "801890", "煤炭": "801950",
    "石油石化": "801960", "环保": "801970", "美容护理": "801980",
}
MONEY_FLOW_FIELDS = {"net_amount_xl": "netInflowMostAmount", "net_amount_l": "netInflowBigAmount",
                     "net_amount_m": "netInflowMediumAmount", "net_amount_s": "netInflowSmallAmount"}
NORTH_CODE = "FFFFFF.SGT"
NORTH_PERIOD = "northfinancechange1d"
NORTH_FIELDS = {"sh_connect": ("HGT北向买入资金", "HGT北向卖出资金"),
                "sz_connect": ("SGT北向买入资金", "SGT北向卖出资金")}


def parse_sector(name: str, concept_codes: Optional[dict] = None) -> Optional[tuple[str, str, str]]:
    """QMT sector name → (sector_type, sector_code, sector_name); None for other sectors."""
    if name.startswith(SECTOR_PREFIXES["industry"]):
        rest = name[len(SECTOR_PREFIXES["industry"]):]
        return ("industry", SW1_CODES[rest], rest) if rest in SW1_CODES else None
    if name.startswith(SECTOR_PREFIXES["concept"]) and len(name) > 2:
        rest = name[len(SECTOR_PREFIXES["concept"]):]
        return "concept", (concept_codes or {}).get(rest, rest), rest
    return None


def sector_name(kind: str, code: str, name: str) -> str:
    """The QMT sector name of a canonical sector (the inverse of ``parse_sector``)."""
    return SECTOR_PREFIXES[kind] + name


class QmtDatasetsMixin:
    # ------------------------------------------------------------ sectors
    def sector_membership(self, date: dt.date) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("sector_membership")
        self.xt("download_sector_data")
        sectors = [(s, parse_sector(s, self.concept_codes)) for s in (self.xt("get_sector_list") or [])]
        sectors = [(s, p) for s, p in sectors if p]
        if not sectors:
            raise EmptyAnswerError(f"QMT lists no industry or concept sectors on {date}")
        rows = []
        for qmt_name, (kind, code, name) in sectors:
            members = self.xt("get_stock_list_in_sector", qmt_name, real_timetag=N.ymd(date)) or []
            rows += [{"date": pd.Timestamp(date), "sector_type": kind, "sector_code": code,
                      "sector_name": name, "code": m} for m in members]
        if not rows:
            raise EmptyAnswerError(f"QMT sectors have no members on {date}")
        return pd.DataFrame(rows)[schemas.columns("sector_membership")]

    # ------------------------------------------------------------ index weights
    def index_weights(self, date: dt.date) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("index_weights")
        latest = self._last_trading_day()
        if date != latest:
            raise SourceError(f"QMT serves only the latest index weights ({latest}); "
                              f"it cannot answer for {date} — use the backup source")
        self.xt("download_index_weight")
        parts, empty = [], []
        for idx in self.index_codes:
            w = self.xt("get_index_weight", idx)
            if not w:
                empty.append(idx)
                continue
            parts.append(N.index_weights(idx, w, date))
        if not parts:
            raise EmptyAnswerError(f"QMT returned no constituents for any tracked index on {date}")
        if empty:
            self.conn.log("warning", f"QMT returned no constituents of {empty} on {date}")
        return pd.concat(parts, ignore_index=True)[schemas.columns("index_weights")]

    # ------------------------------------------------------------ 龙虎榜
    def billboard(self, date: dt.date) -> pd.DataFrame:
        raise SourceError("QMT offers no 龙虎榜 (billboard) in its documented xtdata API; "
                          "use the backup source (JQData) for the billboard dataset")

    # ------------------------------------------------------------ northbound
    def northbound_flow(self, date: dt.date) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("northbound_flow")
        day = N.ymd(date)
        self._download([NORTH_CODE], NORTH_PERIOD, day, day, what=f"northbound {date}")
        ans = self.xt("get_market_data_ex", [], [NORTH_CODE], period=NORTH_PERIOD,
                      start_time=day, end_time=day, count=-1, dividend_type="none", fill_data=True)
        df = N.stacked_table(ans or {}, date)
        if df.empty:
            return schemas.empty("northbound_flow")
        rows = []
        for channel, (buy, sell) in NORTH_FIELDS.items():
            for _, r in df.iterrows():
                b, s = float(r[buy]), float(r[sell])
                rows.append({"date": pd.Timestamp(date), "channel": channel,
                             "buy_amount": b, "sell_amount": s, "net_amount": b - s})
        return pd.DataFrame(rows)[schemas.columns("northbound_flow")]

    # ------------------------------------------------------------ money flow
    def money_flow(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("money_flow")
        stocks = set(self._universe(date, codes, stocks_only=True))
        daily = self.daily_bars(date, sorted(stocks))  # money flow is a stock dataset
        traded = [c for c, p in zip(daily["code"], daily["paused"]) if not p and c in stocks]
        day = N.ymd(date)
        self._download(traded, "transactioncount1d", day, day, what=f"money flow {date}")
        ans = self._get(["time"] + list(MONEY_FLOW_FIELDS.values()), traded,
                        "transactioncount1d", day, day)
        df = N.stacked_table(ans, date)
        missing = N.codes_missing(traded, df["code"] if not df.empty else [])
        if missing:
            raise EmptyAnswerError(f"QMT download of transactioncount1d {date} 'succeeded' but returned "
                                   f"0 rows for {len(missing)} traded stocks, e.g. {missing[:5]}")
        out = pd.DataFrame({"code": df["code"], "date": pd.Timestamp(date)})
        for canon, xt in MONEY_FLOW_FIELDS.items():
            out[canon] = df[xt].astype(float).to_numpy()
        out["net_amount_main"] = out["net_amount_xl"] + out["net_amount_l"]
        return out[schemas.columns("money_flow")].reset_index(drop=True)
