"""SimSource: the ``MarketDataSource`` backed by SimMarket (no network, deterministic)."""
from __future__ import annotations

import datetime as dt
import threading
from typing import Optional, Sequence

import pandas as pd

from taorui_assets.lib import datasets, schemas
from taorui_assets.lib.sim import SimMarket
from taorui_assets.lib.sources.base import MarketDataSource, Progress

_MARKETS: dict[tuple[int, int], SimMarket] = {}
_MARKETS_LOCK = threading.Lock()


def get_market(seed: int = 7, n_stocks: int = 300, cache_dir: Optional[str] = None) -> SimMarket:
    """The shared SimMarket of (seed, n_stocks); built once per process (its histories mapped
    from ``cache_dir`` when given: lib/sim/cache.py)."""
    key = (int(seed), int(n_stocks))
    with _MARKETS_LOCK:
        m = _MARKETS.get(key)
        if m is None:
            m = _MARKETS[key] = SimMarket(seed=key[0], n_stocks=key[1], cache_dir=cache_dir)
    return m


def canonical(dataset: str, df: pd.DataFrame) -> pd.DataFrame:
    """Exactly the schema's columns in order, dtypes coerced, sorted by the natural key."""
    if df is None or df.empty:
        return schemas.empty(dataset)
    out = df[schemas.columns(dataset)]
    out = schemas.model(dataset).to_schema().coerce_dtype(out)
    keys = list(datasets.get(dataset).row_key)
    if schemas.in_key_order(out, keys):  # SimMarket answers in key order; sorting a 1.2 M-row day costs seconds
        return out.reset_index(drop=True)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


class SimSource(MarketDataSource):
    name = "sim"

    def __init__(self, seed: int = 7, n_stocks: int = 300, cache_dir: Optional[str] = None):
        self.seed = int(seed)
        self.n_stocks = int(n_stocks)
        self.market = get_market(self.seed, self.n_stocks, cache_dir)

    def instruments(self, date: dt.date) -> pd.DataFrame:
        return canonical("instruments", self.market.instruments(date))

    def trading_calendar(self, year: int) -> pd.DataFrame:
        return canonical("trading_calendar", self.market.trading_calendar(year))

    def daily_bars(self, date: dt.date, codes: Optional[Sequence[str]] = None,
                   progress: Optional[Progress] = None) -> pd.DataFrame:
        df = canonical("daily_bars", self.market.daily_bars(date, codes))
        if progress is not None:
            progress(len(df), len(df), f"sim daily bars {date}")
        return df

    def minute_bars(self, date: dt.date, period: str, codes: Optional[Sequence[str]] = None,
                    progress: Optional[Progress] = None) -> pd.DataFrame:
        return canonical("minute_bars", self.market.minute_bars(date, period, codes, progress))

    def adj_factors(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        return canonical("adj_factors", self.market.adj_factors(date, codes))

    def financial_statements(self, quarter: str, as_of: dt.date,
                             codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        return canonical("financial_statements", self.market.financial_statements(quarter, as_of, codes))

    def announcements(self, start: dt.date, end: dt.date) -> pd.DataFrame:
        # Publication dates are seeded draws per (code, quarter), so listing them is cheap and
        # needs none of the statements. Same quarters as the generic default.
        from taorui_assets.lib.sources.base import quarter_end

        first = start - dt.timedelta(days=366)
        rows = []
        for year in range(first.year, end.year + 1):
            for q in range(1, 5):
                quarter = f"{year}Q{q}"
                report_date = quarter_end(quarter)
                if not first <= report_date < end:
                    continue
                for code in self.market.codes:
                    for pub in self.market.report_versions(code, quarter):
                        if start <= pub <= end:
                            rows.append((code, pd.Timestamp(report_date), pd.Timestamp(pub)))
        out = pd.DataFrame(rows, columns=["code", "report_date", "pub_date"])
        out = out.astype({"code": str, "report_date": "datetime64[ns]", "pub_date": "datetime64[ns]"})
        return out.sort_values(["pub_date", "code", "report_date"]).reset_index(drop=True)

    def sector_membership(self, date: dt.date) -> pd.DataFrame:
        return canonical("sector_membership", self.market.sector_membership(date))

    def index_weights(self, date: dt.date) -> pd.DataFrame:
        return canonical("index_weights", self.market.index_weights(date))

    def billboard(self, date: dt.date) -> pd.DataFrame:
        return canonical("billboard", self.market.billboard(date))

    def northbound_flow(self, date: dt.date) -> pd.DataFrame:
        return canonical("northbound_flow", self.market.northbound_flow(date))

    def money_flow(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        return canonical("money_flow", self.market.money_flow(date, codes))

    # ---- capital structure and holders (issue 13 part 4) ----
    def capital_changes(self, quarter: str, as_of: dt.date,
                        codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        return canonical("capital_changes", self.market.capital_changes(quarter, as_of, codes))

    def top10_holders(self, quarter: str, as_of: dt.date,
                      codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        return canonical("top10_holders", self.market.top10_holders(quarter, as_of, codes))

    def holder_counts(self, quarter: str, as_of: dt.date,
                      codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        return canonical("holder_counts", self.market.holder_counts(quarter, as_of, codes))

    def northbound_holdings(self, date: dt.date) -> pd.DataFrame:
        return canonical("northbound_holdings", self.market.northbound_holdings(date))

    # ----- valuation (issue 13 part 2): SimMarket's own reference table ----------------------
    def valuation(self, date: dt.date, codes: Optional[Sequence[str]] = None) -> pd.DataFrame:
        from taorui_assets.lib.sim.valuation import valuation

        return canonical("valuation", valuation(self.market, date, codes))
