"""SimMarket's histories on disk (lib/sim/cache.py): built once, then mapped by every process,
exactly what building them gives; another universe or changed code is a different cache."""
import numpy as np

from taorui_assets.lib.sim import cache
from taorui_assets.lib.sim.market import SimMarket


def test_mapped_histories_equal_built_ones(tmp_path):
    built = SimMarket(seed=7, n_stocks=40)
    first = SimMarket(seed=7, n_stocks=40, cache_dir=str(tmp_path))  # builds and saves
    mapped = SimMarket(seed=7, n_stocks=40, cache_dir=str(tmp_path))  # maps
    for m in (first, mapped):
        m.warm_up()
    built.warm_up()
    (path,) = [p for p in tmp_path.iterdir() if p.name.startswith("histories-7-40-")]
    assert path == cache.directory(tmp_path, 7, 40)
    for code in built.codes:
        a, b = built.history(code), mapped.history(code)
        assert isinstance(b.close, np.memmap) and not b.close.flags.writeable
        for name in cache.ARRAYS:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=f"{code} {name}")
        assert (a.total0, a.float0) == (b.total0, b.float0)
    day = "2026-11-24"
    assert built.daily_bars(day).equals(mapped.daily_bars(day))
    assert built.minute_bars(day, "5m").equals(mapped.minute_bars(day, "5m"))


def test_another_universe_is_another_cache(tmp_path):
    SimMarket(seed=7, n_stocks=20, cache_dir=str(tmp_path)).warm_up()
    other = SimMarket(seed=7, n_stocks=25, cache_dir=str(tmp_path))
    other.warm_up()
    assert len(list(tmp_path.iterdir())) == 2
    assert cache.load(cache.directory(tmp_path, 7, 20), other.stocks) is None  # codes differ: not mapped
