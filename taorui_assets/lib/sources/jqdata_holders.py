"""JQDataSource's capital structure and holders (issue 13 part 4; a mixin of ``JQDataSource``).

finance.STK_CAPITAL_CHANGE (share counts in 万股), STK_SHAREHOLDER_TOP10,
STK_SHAREHOLDER_FLOATING_TOP10, STK_HOLDER_NUM and STK_HK_HOLD_INFO via ``finance.run_query``,
paged by ``id`` (5,000 rows a call); column names: lib/fields.py.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional, Sequence

import pandas as pd

from taorui_assets.lib import calendar, schemas
from taorui_assets.lib import codes as C
from taorui_assets.lib.fields import jq_names
from taorui_assets.lib.quarters import quarter_end
from taorui_assets.lib.sources import jqdata_normalize as N
from taorui_assets.lib.sources.jqdata_datasets import run_query_pages

HOLDER_TABLES = {"top10": "STK_SHAREHOLDER_TOP10", "top10_float": "STK_SHAREHOLDER_FLOATING_TOP10"}
LINKS = {310001: "sh_connect", 310002: "sz_connect"}


def _text(series: pd.Series) -> list:
    return [None if v is None or (isinstance(v, float) and pd.isna(v)) or v == "" else str(v) for v in series]


class HoldersMixin:
    def _finance(self, table_name: str, columns: list[str], filters, codes=None) -> pd.DataFrame:
        """Every row of ``finance.<table_name>`` matching ``filters(t)``, paged by id."""
        jq = self.connect()
        t = self.call(f"finance.{table_name}", getattr, jq.finance, table_name)
        chunks = [None] if codes is None else [
            [C.to_jq(c) for c in list(codes)[i:i + 1000]] for i in range(0, len(codes), 1000)]
        pages = []
        for chunk in chunks:
            pages += run_query_pages(self, jq, t, [getattr(t, c) for c in columns], filters(t), chunk)
        return pd.concat(pages, ignore_index=True) if pages else pd.DataFrame(columns=["id", *columns])

    def capital_changes(self, quarter: str, as_of: dt.date,
                        codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        end = quarter_end(quarter)
        start = dt.date(end.year, end.month - 2, 1)
        self.reserve(self.universe_hint // 4 + 1, f"capital changes {quarter}")
        names = jq_names("capital_changes")
        cols = ["code", "change_date", "pub_date", "change_reason", "share_total", "share_trade_total", "share_limited"]
        df = self._finance("STK_CAPITAL_CHANGE", cols, lambda t: (
            t.change_date >= start, t.change_date <= end, t.pub_date <= as_of), codes)
        out = pd.DataFrame({"code": N.qmt_codes(df["code"]), "report_date": pd.Timestamp(end),
                            "change_date": pd.to_datetime(df[names["change_date"]]),
                            "pub_date": pd.to_datetime(df[names["pub_date"]])})
        for canon in ("total_shares", "float_shares", "restricted_shares"):  # 万股 → shares
            out[canon] = (df[names[canon]].astype(float) * N.WAN).round().to_numpy()
        out["change_reason"] = _text(df["change_reason"])
        return N.canonical("capital_changes", out)

    def top10_holders(self, quarter: str, as_of: dt.date,
                      codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        end = quarter_end(quarter)
        if as_of < end:
            return schemas.empty("top10_holders")
        self.reserve(20 * (len(codes) if codes is not None else self.universe_hint), f"top-10 holders {quarter}")
        names = jq_names("top10_holders")
        cols = ["code", "end_date", "pub_date", "shareholder_rank", "shareholder_name", "shareholder_class",
                "share_number", "share_ratio", "sharesnature", "change_reason"]
        parts = []
        for kind, table in HOLDER_TABLES.items():
            df = self._finance(table, cols, lambda t: (t.end_date == end, t.pub_date <= as_of), codes)
            part = pd.DataFrame({"code": N.qmt_codes(df["code"]), "kind": kind,
                                 "report_date": pd.to_datetime(df[names["report_date"]]),
                                 "pub_date": pd.to_datetime(df[names["pub_date"]]),
                                 "rank": df[names["rank"]].astype(int).to_numpy(),
                                 "holder_name": _text(df[names["holder_name"]]),
                                 "holder_type": _text(df[names["holder_type"]]),
                                 "shares": df[names["shares"]].astype(float).to_numpy(),
                                 "ratio": df[names["ratio"]].astype(float).to_numpy(),
                                 "share_nature": _text(df[names["share_nature"]]),
                                 "change_reason": _text(df[names["change_reason"]])})
            parts.append(part)
        return N.canonical("top10_holders", pd.concat(parts, ignore_index=True))

    def holder_counts(self, quarter: str, as_of: dt.date,
                      codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        end = quarter_end(quarter)
        if as_of < end:
            return schemas.empty("holder_counts")
        self.reserve(len(codes) if codes is not None else self.universe_hint, f"shareholder counts {quarter}")
        names = jq_names("holder_counts")
        cols = ["code", "end_date", "pub_date", "share_holders", "a_share_holders", "b_share_holders", "h_share_holders"]
        df = self._finance("STK_HOLDER_NUM", cols, lambda t: (t.end_date == end, t.pub_date <= as_of), codes)
        out = pd.DataFrame({"code": N.qmt_codes(df["code"]), "report_date": pd.to_datetime(df[names["report_date"]]),
                            "pub_date": pd.to_datetime(df[names["pub_date"]])})
        for canon in ("holders", "a_holders", "b_holders", "h_holders"):
            out[canon] = pd.to_numeric(df[names[canon]], errors="coerce").astype(float).to_numpy()
        return N.canonical("holder_counts", out)  # float and other holders: JQData has none

    def northbound_holdings(self, date: dt.date) -> pd.DataFrame:
        if not calendar.is_trading_day(date):
            return schemas.empty("northbound_holdings")
        self.reserve(self.universe_hint, f"northbound holdings of {date}")
        cols = ["day", "link_id", "code", "share_number", "share_ratio"]
        df = self._finance("STK_HK_HOLD_INFO", cols, lambda t: (t.day == date, t.link_id.in_(list(LINKS))))
        out = pd.DataFrame({"date": pd.to_datetime(df["day"]), "code": N.qmt_codes(df["code"]),
                            "channel": [LINKS[int(x)] for x in df["link_id"]],
                            "shares": df["share_number"].astype(float).to_numpy(),
                            "ratio": df["share_ratio"].astype(float).to_numpy()})
        return N.canonical("northbound_holdings", out)
