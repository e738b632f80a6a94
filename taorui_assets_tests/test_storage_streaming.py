"""A partition larger than one transaction is streamed in code ranges (lib/storage/store.py):
the same documents as a one-shot write, stale codes removed, and nothing written when the
frame is refused — in both the transaction and the standalone upsert mode."""
import pandas as pd
import pytest

from taorui_assets.lib.storage import store as store_module
from taorui_assets.lib.storage.scopes import scope
from taorui_assets_tests.test_storage import DAY, factors, minutes, standalone_uri, store  # noqa: F401 - fixtures

CODES = ["000001.SZ", "000002.SZ", "300750.SZ", "600000.SH", "688981.SH", "830799.BJ"]


@pytest.fixture
def small_ranges(monkeypatch):
    # A minute bucket of 3 bars is ~500 bytes of BSON: about two codes per range.
    monkeypatch.setattr(store_module, "MAX_TRANSACTION_BYTES", 1200)
    monkeypatch.setattr(store_module, "STREAM_CHUNK_BYTES", 1000)


def day_of(codes, n=3):
    return pd.concat([minutes(c, n) for c in codes], ignore_index=True)


def test_streamed_minutes_equal_a_one_shot_write_and_drop_stale_codes(store, small_ranges):
    sc = scope("minute_bars", DAY, "1m")
    first = store.replace_partition("minute_bars", sc, day_of(CODES), "sim")
    assert first.mode.split()[0] == store.expected_mode and first.mode.endswith(("x3", "x4")), first.mode
    assert store.count("minute_bars", sc) == len(CODES)
    keep = ["000002.SZ", "430047.BJ", "600000.SH", "688981.SH"]  # three codes go stale, one is new
    again = store.replace_partition("minute_bars", sc, day_of(keep, 4), "qmt")
    assert again.written == 4 and again.deleted_stale == 3
    back = store.read("minute_bars", sc).drop(columns="source")
    want = day_of(keep, 4).sort_values(["code", "period", "time"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, want[back.columns], check_dtype=False)
    assert set(store.db.minute_bars.distinct("source")) == {"qmt"}


def test_unsorted_frames_are_streamed_by_code(store, small_ranges):
    sc = scope("minute_bars", DAY, "1m")
    shuffled = day_of(CODES).sample(frac=1.0, random_state=3)
    store.replace_partition("minute_bars", sc, shuffled, "sim")
    assert sorted(store.db.minute_bars.distinct("code")) == CODES
    assert all(d["bars"] == 3 for d in store.db.minute_bars.find(sc))


def test_a_refused_streamed_partition_writes_nothing(store, monkeypatch):
    monkeypatch.setattr(store_module, "MAX_TRANSACTION_BYTES", 300)
    monkeypatch.setattr(store_module, "STREAM_CHUNK_BYTES", 200)
    sc = scope("adj_factors", DAY)
    with pytest.raises(ValueError, match="duplicate natural keys"):
        store.replace_partition("adj_factors", sc, factors(CODES + ["000001.SZ"], [1.0] * 7), "sim")
    with pytest.raises(ValueError, match="outside the partition"):
        outside = pd.concat([factors(CODES, [1.0] * 6), factors(["000001.SZ"], [1.0], "2024-01-03")])
        store.replace_partition("adj_factors", sc, outside, "sim")
    assert store.count("adj_factors") == 0


def test_an_insert_only_range_that_meets_stored_keys_is_swapped_instead(store):
    if store.expected_mode != "transaction":
        pytest.skip("ranges are swapped in transactions on a replica set only")
    from taorui_assets.lib.storage.documents import to_documents

    sc = scope("minute_bars", DAY, "1m")
    store.replace_partition("minute_bars", sc, day_of(["000001.SZ", "000002.SZ"]), "sim")
    # Another writer stored 000001/000002 after this write found the range empty.
    docs = to_documents("minute_bars", day_of(["000002.SZ", "300750.SZ"], 4), "qmt", pd.Timestamp("2024-01-02").to_pydatetime())
    store._swap(store.db.minute_bars, sc, docs, insert_only=True)
    got = sorted((d["code"], d["bars"], d["source"]) for d in store.db.minute_bars.find(sc))
    assert got == [("000002.SZ", 4, "qmt"), ("300750.SZ", 4, "qmt")]


def test_ranges_written_again_by_a_backup_count_once(store):
    """A streamed day whose source fails after two ranges is rewritten from the first range by
    the backup: the partition then holds the backup's documents, counted once."""
    sc = scope("minute_bars", DAY, "1m")
    low, high = CODES[:3], CODES[3:]
    with store.range_writer("minute_bars", sc, source="primary") as ranges:
        ranges.write("", high[0], day_of(low))
        ranges.source = "backup"  # the primary failed on the next range: start again
        ranges.write("", high[0], day_of(low[:2]))
        ranges.write(high[0], None, day_of(high))
    assert ranges.result.written == 5 and ranges.result.mode.endswith("x2"), ranges.result
    assert sorted(store.db.minute_bars.distinct("code", sc)) == low[:2] + high
    assert set(store.db.minute_bars.distinct("source", sc)) == {"backup"}
