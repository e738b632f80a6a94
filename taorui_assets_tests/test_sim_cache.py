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


def test_a_day_of_every_stock_is_one_row_of_the_file(tmp_path):
    """Day-major: a cross-section (nearly every question) reads one contiguous row per field,
    not a page of every stock's history, so a full-market day maps ~40 KB per field."""
    SimMarket(seed=7, n_stocks=30, cache_dir=str(tmp_path)).warm_up()
    mapped = SimMarket(seed=7, n_stocks=30, cache_dir=str(tmp_path))
    path = cache.directory(tmp_path, 7, 30)
    close = np.load(path / "close.npy", mmap_mode="r")
    assert close.shape[1] == len(mapped.stocks) and close.flags["C_CONTIGUOUS"]
    day = close.shape[0] - 1
    for k, stock in enumerate(mapped.stocks):
        h = mapped.history(stock.code)
        assert h.close.strides == (close.strides[0],)  # a column of the day-major matrix
        if stock.start <= day < stock.start + len(h.close):
            assert h.close[h.local(day)] == close[day, k]
