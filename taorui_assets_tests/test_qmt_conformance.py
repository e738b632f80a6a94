"""Conformance: every xtquant call the adapter makes exists in the REAL xtquant and
binds to its signature.

The real ``xtquant.xtdata`` / ``xtquant.xtdatacenter`` are imported on Linux by stubbing
only their Windows-native parts (``xtquant.datacenter``, ``xtquant.xtpythonclient``) and
the package ``__init__`` (which would query PyPI); site-packages is untouched. The calls
are recorded against the fake during a full run of every dataset, then each is bound
with ``inspect.signature(real_fn).bind(*args, **kwargs)``.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import inspect
import sys
import types
from pathlib import Path

import pytest

from taorui_assets.lib.sources.base import SourceError
from taorui_assets.lib.sources.qmt import QmtSource
from taorui_assets_tests.doubles.qmt_fake import FakeXtdata, FakeXtdatacenter, FakeXtquant
from taorui_assets.lib.sources.sim import SimSource

DAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def real_xt():
    spec = importlib.util.find_spec("xtquant")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("xtquant is not installed")
    saved = {k: v for k, v in sys.modules.items() if k == "xtquant" or k.startswith("xtquant.")}
    for k in saved:
        del sys.modules[k]
    pkg = types.ModuleType("xtquant")
    pkg.__path__ = list(spec.submodule_search_locations)  # the real package dir, no __init__ run
    native = types.ModuleType("xtquant.datacenter")
    native.rpc_init = lambda config_dir: 0
    native.__getattr__ = lambda name: (lambda *a, **k: 0)  # any other native entry point
    sys.modules.update({"xtquant": pkg, "xtquant.datacenter": native,
                        "xtquant.xtpythonclient": types.ModuleType("xtquant.xtpythonclient")})
    try:
        import xtquant.xtdata as xtdata
        import xtquant.xtdatacenter as xtdatacenter
        assert Path(xtdata.__file__).parent == Path(pkg.__path__[0])
        yield {"xtdata": xtdata, "xtdatacenter": xtdatacenter}
    finally:
        for k in [k for k in sys.modules if k == "xtquant" or k.startswith("xtquant.")]:
            del sys.modules[k]
        sys.modules.update(saved)


def check_calls(calls, modules) -> list[str]:
    """Problems binding recorded (module, name, args, kwargs) calls to the real modules."""
    problems = []
    for module, name, args, kwargs in calls:
        fn = getattr(modules[module], name, None)
        if not callable(fn):
            problems.append(f"{module}.{name} does not exist in the real xtquant")
            continue
        try:
            inspect.signature(fn).bind(*args, **kwargs)
        except TypeError as e:
            problems.append(f"{module}.{name}{_show(args, kwargs)}: {e}")
    return problems


def _show(args, kwargs) -> str:
    return "(" + ", ".join([type(a).__name__ for a in args] + [f"{k}=" for k in kwargs]) + ")"


@pytest.fixture(scope="module")
def recorded_calls():
    """Every call of a full run: both connection modes, every dataset, reconnect, QMT's today."""
    sim = SimSource(seed=7, n_stocks=40)
    fake = FakeXtquant(sim, today=DAY)
    src = QmtSource(fake, token="t0k3n", batch_size=15, clock=lambda: fake.today)
    src.trading_calendar(2026)
    src.instruments(DAY)
    src.daily_bars(DAY, progress=lambda *a: None)
    src.minute_bars(DAY, "1m")
    src.minute_bars(DAY, "5m")
    src.adj_factors(DAY)
    src.financial_statements("2026Q3", DAY)
    src.sector_membership(DAY)
    src.index_weights(DAY)
    src.northbound_flow(DAY)
    src.money_flow(DAY)
    with pytest.raises(SourceError):
        src.billboard(DAY)
    fake.drop_connection()
    src.trading_calendar(2025)  # reconnect path
    local_fake = FakeXtquant(sim, today=DAY)
    local = QmtSource(local_fake, mode="local", local_port=58611)  # no clock: asks QMT for today
    local.trading_calendar(2026)
    local.index_weights(DAY)
    return fake.calls + local_fake.calls


def test_every_adapter_call_binds_to_the_real_xtquant(real_xt, recorded_calls):
    used = {(m, n) for m, n, _a, _k in recorded_calls}
    for must in [("xtdatacenter", "listen"), ("xtdatacenter", "init"), ("xtdata", "connect"),
                 ("xtdata", "reconnect"), ("xtdata", "download_history_data2"),
                 ("xtdata", "get_market_data_ex"), ("xtdata", "get_divid_factors"),
                 ("xtdata", "download_financial_data2"), ("xtdata", "get_financial_data"),
                 ("xtdata", "get_index_weight"), ("xtdata", "get_stock_list_in_sector"),
                 ("xtdata", "get_trading_dates")]:
        assert must in used, must
    assert check_calls(recorded_calls, real_xt) == []


def test_liveness_probe_exists(real_xt):
    assert callable(real_xt["xtdata"].get_client)  # used unrecorded by QmtConnection.alive


def test_a_misspelt_function_fails(real_xt):
    bad = [("xtdatacenter", "set_allow_optimize_address", (["1.2.3.4:55300"],), {})]
    assert "does not exist" in check_calls(bad, real_xt)[0]


def test_a_misspelt_keyword_fails(real_xt):
    bad = [("xtdata", "download_history_data2", (["600000.SH"], "1d"),
            {"start_time": "20261124", "incrementaly": False})]
    assert "incrementaly" in check_calls(bad, real_xt)[0]


def test_too_many_positionals_fail(real_xt):
    bad = [("xtdata", "get_index_weight", ("000300.SH", "20261124"), {})]
    assert check_calls(bad, real_xt)


@pytest.mark.parametrize("cls,module", [(FakeXtdata, "xtdata"), (FakeXtdatacenter, "xtdatacenter")])
def test_fake_signatures_match_the_real_ones(real_xt, cls, module):
    fake = FakeXtquant(SimSource(seed=7, n_stocks=5), today=DAY)
    obj = getattr(fake, module)
    for name, member in vars(cls).items():
        if name.startswith("_") or not callable(member):
            continue
        real = getattr(real_xt[module], name, None)
        assert real is not None, f"the fake has {module}.{name}, the real xtquant does not"
        assert inspect.signature(getattr(obj, name)) == inspect.signature(real), name
