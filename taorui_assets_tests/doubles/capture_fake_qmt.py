"""``python -m taorui_assets_tests.doubles.capture_fake_qmt [capture options]``: exactly
``scripts/run capture --feed qmt …``, with the tick-pushing fake xtquant (xtdata_ticks.py) in
place of the real client — for tests that run the capture as a real subprocess (kill -9).

``TAORUI_TEST_TICKS`` = JSON {seed, n_stocks, day, speed, t0, codes (optional), push_log (optional)}.
"""
import datetime as dt
import json
import os
import sys

from taorui_assets import cli
from taorui_assets.lib.sources import qmt_connect
from taorui_assets.lib.sources.sim import SimSource
from taorui_assets_tests.doubles.xtdata_ticks import TickXtquant


def main() -> int:
    cfg = json.loads(os.environ["TAORUI_TEST_TICKS"])
    source = SimSource(seed=cfg.get("seed", 7), n_stocks=cfg.get("n_stocks", 300))
    fake = TickXtquant(source, market=source.market, day=cfg["day"], speed=cfg["speed"], t0=cfg["t0"],
                       universe=cfg.get("codes"), push_log=cfg.get("push_log"),
                       today=dt.date.fromisoformat(cfg["day"]))
    qmt_connect.load_xtquant = lambda: fake  # the one seam: the real client's loader
    return cli.main(["capture", "--feed", "qmt", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
