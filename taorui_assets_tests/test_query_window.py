"""The compatibility window shared by the test_query_* modules (no tests here).

Five trading days ending 2026-11-24 are materialized through the JQData path (JQDataResource
→ the local JQData stand-in → SimSource) into a fresh database, once per test process. The
universe (70 stocks) holds ex-dividend days inside the window (000555.SZ on 11-19, 300433.SZ)
and suspensions (300151.SZ on 11-18..20, 603103.SH on 11-23..24)."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from taorui_assets.lib import calendar

END = dt.date(2026, 11, 24)
DAYS = [str(d) for d in calendar.last_trading_days(END, 5)]
QUARTERS = ["2024Q4", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]  # 2024Q4: the opening balance of 2025
# The instruments snapshots of the quarter ends: indicator.eps divides by the share capital at
# the period end (JoinQuant: "分母取季度末报告期股本值").
QUARTER_ENDS = [str(calendar.last_trading_days(d, 1)[-1]) for d in
                (dt.date(2025, 12, 31), dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30))]
N_STOCKS = 70
USER, PASSWORD = "quser", "qpass-1c9"
DIVIDEND = ["000555.XSHE", "300433.XSHE"]
SUSPENDED = ["300151.XSHE", "603103.XSHG"]
ST = "600693.XSHG"
_CACHE: dict = {}


class Window:
    def __init__(self, uri: str, db: str, server, sim):
        self.uri, self.db, self.server, self.sim = uri, db, server, sim


def window(uri: str) -> Window:
    """Materialize once per process (the server thread lives until the process ends)."""
    if "w" not in _CACHE:
        from taorui_assets_tests.doubles.jqdata_server import start_server
        from taorui_assets.lib.sources.sim import SimSource
        from taorui_assets.resources.jqdata import JQDataResource
        from taorui_assets.defs.reference import assets as reference
        from taorui_assets_tests import harness

        sim = SimSource(n_stocks=N_STOCKS)
        server = start_server(sim, users={USER: PASSWORD}, quota=500_000_000, today=END)
        db = f"q_{uuid.uuid4().hex[:10]}"
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("TAORUI_AS_OF", str(END))
            res = harness.resources(uri, db, JQDataResource(username=USER, password=PASSWORD,
                                                            host="127.0.0.1", port=server.port))
            results = harness.materialize_window(DAYS, res, year="2026", quarters=QUARTERS)
            results += [harness.materialize(harness.YEARLY, [], str(y), res) for y in range(2015, 2026)]
            results += [harness.materialize([reference.instruments], [], d, res) for d in QUARTER_ENDS]
        assert all(r.success for r in results)
        _CACHE["w"] = Window(uri, db, server, sim)
    return _CACHE["w"]


def login(w: Window):
    """Point the unmodified jqdatasdk and our API at the window; returns (jqdatasdk, ours)."""
    import jqdatasdk

    from taorui_assets import query as ours
    from taorui_assets.lib.sources.jqdata import _clear_client_caches

    jqdatasdk.auth(USER, PASSWORD, host="127.0.0.1", port=w.server.port)
    _clear_client_caches(jqdatasdk)
    ours.connect(w.uri, w.db)
    return jqdatasdk, ours
