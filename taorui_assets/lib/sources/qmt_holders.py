"""QmtSource's capital structure and holders (issue 13 part 4; a mixin of ``QmtSource``).

``get_financial_data`` tables (xtquant/doc/xtdata.md: table_list and the appendix
"CapitalStructure", "TOP10HOLDER/TOP10FLOWHOLDER", "SHAREHOLDER"); xtdata converts m_anntime,
m_timetag, declareDate and endDate to 'YYYYMMDD' text (xtdata.get_financial_data). Field
names: lib/fields.py.
* Capital: m_timetag is the change date (config/captial_structure_1.ini), so the quarter's
  changes are asked for with report_type='report_time' over the quarter's days.
* HolderNum: only counts dated at the report period end are kept (the partition); a count a
  company publishes at another date is skipped.
* Northbound holdings: QMT's ``hktdetails`` period (港股持仓明细) is listed in the doc without
  its fields, so it is not read; the JQData backup serves the dataset.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from taorui_assets.lib import calendar, schemas
from taorui_assets.lib import codes as C
from taorui_assets.lib.fields import xt_names
from taorui_assets.lib.quarters import quarter_end
from taorui_assets.lib.sources import qmt_normalize as N
from taorui_assets.lib.sources.base import SourceError

A_SHARES = "沪深京A股"
HOLDER_TABLES = {"top10": "Top10Holder", "top10_float": "Top10FlowHolder"}


def _frame(answer: dict, table: str, dataset: str, extra: dict) -> pd.DataFrame:
    """One canonical frame from every stock's ``table`` in a get_financial_data answer."""
    names = {c: x for c, x in xt_names(dataset).items() if x not in ("index", "table") and c not in extra}
    parts = [f.assign(_code=code) for code, tables in (answer or {}).items()
             for f in [(tables or {}).get(table)] if f is not None and len(f)]
    if not parts:
        return schemas.empty(dataset)
    raw = pd.concat(parts, ignore_index=True)
    out = pd.DataFrame({"code": raw["_code"].to_numpy(), **extra}, index=raw.index)
    for canon, x in names.items():
        if x not in raw.columns:
            out[canon] = np.nan
        elif x in ("m_timetag", "m_anntime", "declareDate", "endDate"):  # 'YYYYMMDD' text
            out[canon] = pd.to_datetime(raw[x].astype(str), format="%Y%m%d", errors="coerce")
        else:
            out[canon] = raw[x].to_numpy()
    return out


class QmtHoldersMixin:
    def _report_answer(self, quarter: str, as_of: dt.date, codes, table: str, start: dt.date, end: dt.date) -> dict:
        report = quarter_end(quarter)
        universe = set()
        # every stock listed at the period end or at as_of (as financial_statements does)
        for day in {calendar.last_trading_days(report, 1)[0], calendar.last_trading_days(as_of, 1)[0]}:
            universe |= set(self.xt("get_stock_list_in_sector", A_SHARES, real_timetag=N.ymd(day)) or [])
        if codes is not None:
            universe &= {C.to_qmt(c) for c in codes}
        ans: dict = {}
        for batch in self._batches(sorted(universe)):
            self.xt("download_financial_data2", batch, table_list=[table], start_time=N.ymd(start),
                    end_time=N.ymd(as_of), callback=None)
            ans.update(self.xt("get_financial_data", batch, table_list=[table], start_time=N.ymd(start),
                               end_time=N.ymd(end), report_type="report_time") or {})
        return ans

    def capital_changes(self, quarter: str, as_of: dt.date,
                        codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        end = quarter_end(quarter)
        start = dt.date(end.year, end.month - 2, 1)
        if as_of < start:
            return schemas.empty("capital_changes")
        df = _frame(self._report_answer(quarter, as_of, codes, "Capital", start, end), "Capital",
                    "capital_changes", {"report_date": pd.Timestamp(end), "change_reason": None})
        df = df[(df["change_date"] >= pd.Timestamp(start)) & (df["change_date"] <= pd.Timestamp(end))
                & (df["pub_date"] <= pd.Timestamp(as_of))]
        return df[schemas.columns("capital_changes")].reset_index(drop=True)

    def top10_holders(self, quarter: str, as_of: dt.date,
                      codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        end = quarter_end(quarter)
        if as_of < end:
            return schemas.empty("top10_holders")
        parts = []
        for kind, table in HOLDER_TABLES.items():
            ans = self._report_answer(quarter, as_of, codes, table, end, end)
            parts.append(_frame(ans, table, "top10_holders", {"kind": kind}))
        df = pd.concat(parts, ignore_index=True)
        df = df[(df["report_date"] == pd.Timestamp(end)) & (df["pub_date"] <= pd.Timestamp(as_of))]
        df = df.assign(rank=pd.to_numeric(df["rank"]).astype(int), shares=pd.to_numeric(df["shares"]).astype(float))
        for c in ("holder_type", "share_nature", "change_reason"):  # QMT sends '' for none
            df[c] = df[c].where(df[c].astype(str).str.len() > 0, None)
        return df[schemas.columns("top10_holders")].reset_index(drop=True)

    def holder_counts(self, quarter: str, as_of: dt.date,
                      codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        end = quarter_end(quarter)
        if as_of < end:
            return schemas.empty("holder_counts")
        df = _frame(self._report_answer(quarter, as_of, codes, "HolderNum", end, end), "HolderNum",
                    "holder_counts", {})
        df = df[(df["report_date"] == pd.Timestamp(end)) & (df["pub_date"] <= pd.Timestamp(as_of))]
        for c in ("holders", "a_holders", "b_holders", "h_holders", "float_holders", "other_holders"):
            df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
        return df[schemas.columns("holder_counts")].reset_index(drop=True)

    def northbound_holdings(self, date: dt.date) -> pd.DataFrame:
        raise SourceError("QMT documents its Stock Connect holdings period (hktdetails) without fields, "
                          "so northbound_holdings is not read from QMT; use the backup source (JQData)")
