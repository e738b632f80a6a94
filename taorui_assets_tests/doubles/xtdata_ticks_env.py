"""``load_api("taorui_assets_tests.doubles.xtdata_ticks_env")``: a ``TickXtquant`` configured by
the environment, for a capture run as a real subprocess (``scripts/run capture --feed qmt
--qmt-api taorui_assets_tests.doubles.xtdata_ticks_env``).

``TAORUI_TEST_TICKS`` = JSON {seed, n_stocks, day, speed, t0, codes (optional), push_log (optional)}.
"""
import datetime as _dt
import json as _json
import os as _os

from taorui_assets.lib.sources.sim import SimSource as _SimSource
from taorui_assets_tests.doubles.xtdata_ticks import TickXtquant as _TickXtquant

_cfg = _json.loads(_os.environ["TAORUI_TEST_TICKS"])
_source = _SimSource(seed=_cfg.get("seed", 7), n_stocks=_cfg.get("n_stocks", 300))
_fake = _TickXtquant(_source, market=_source.market, day=_cfg["day"], speed=_cfg["speed"], t0=_cfg["t0"],
                     universe=_cfg.get("codes"), push_log=_cfg.get("push_log"),
                     today=_dt.date.fromisoformat(_cfg["day"]))
xtdata = _fake.xtdata
xtdatacenter = _fake.xtdatacenter
