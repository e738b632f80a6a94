"""Storage against a real SecantusDB server: idempotent partition replace in both the
transaction (replica-set) mode and the standalone upsert mode."""
import datetime as dt

import pandas as pd
import pytest
from pymongo import MongoClient

from taorui_assets.lib.storage.embedded import EmbeddedMongo
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.lib.storage.store import Store
from taorui_assets.resources.mongo import redact

DAY = "2024-01-02"


def factors(codes, values, day=DAY):
    return pd.DataFrame({"code": codes, "date": pd.Timestamp(day), "factor": values})


def minutes(code="000001.SZ", n=3):
    times = pd.date_range(f"{DAY} 09:31", periods=n, freq="min")
    px = [10.0 + i / 100 for i in range(n)]
    return pd.DataFrame({"code": code, "date": pd.Timestamp(DAY), "period": "1m", "time": times,
                         "open": px, "high": px, "low": px, "close": px,
                         "volume": [100.0] * n, "amount": [p * 100 for p in px]})


@pytest.fixture(scope="module")
def standalone_uri(tmp_path_factory):
    with EmbeddedMongo(tmp_path_factory.mktemp("standalone") / "d", extra_args=("--standalone",)) as s:
        yield s.uri


@pytest.fixture(params=["replica_set", "standalone"])
def store(request, mongo_server_uri, mongo_db_name):
    uri = mongo_server_uri if request.param == "replica_set" else request.getfixturevalue("standalone_uri")
    client = MongoClient(uri)
    st = Store(client[mongo_db_name])
    st.expected_mode = "transaction" if request.param == "replica_set" else "upsert"
    yield st
    client.drop_database(mongo_db_name)
    client.close()


def test_mode_follows_the_server(store):
    result = store.replace_partition("adj_factors", scope("adj_factors", DAY), factors(["000001.SZ"], [1.0]), "sim")
    assert result.mode == store.expected_mode


def test_replace_is_idempotent_and_removes_stale(store):
    sc = scope("adj_factors", DAY)
    first = store.replace_partition("adj_factors", sc, factors(["000001.SZ", "600000.SH"], [1.0, 2.0]), "sim")
    again = store.replace_partition("adj_factors", sc, factors(["000001.SZ", "600000.SH"], [1.0, 2.0]), "sim")
    assert first.written == again.written == 2 and store.count("adj_factors") == 2
    shrunk = store.replace_partition("adj_factors", sc, factors(["000001.SZ"], [1.5]), "qmt")
    assert shrunk.deleted_stale == 1
    docs = list(store.db.adj_factors.find())
    assert [(d["code"], d["factor"], d["source"]) for d in docs] == [("000001.SZ", 1.5, "qmt")]
    assert isinstance(docs[0]["ingested_at"], dt.datetime)


def test_other_partitions_untouched(store):
    store.replace_partition("adj_factors", scope("adj_factors", "2024-01-03"), factors(["000001.SZ"], [1.0], "2024-01-03"), "sim")
    store.replace_partition("adj_factors", scope("adj_factors", DAY), factors(["000001.SZ"], [1.0]), "sim")
    store.replace_partition("adj_factors", scope("adj_factors", DAY), factors(["600000.SH"], [1.0]), "sim")
    assert store.count("adj_factors") == 2
    assert store.count("adj_factors", {"date": dt.datetime(2024, 1, 3)}) == 1


def test_duplicate_keys_write_nothing(store):
    with pytest.raises(ValueError, match="duplicate natural keys"):
        store.replace_partition("adj_factors", scope("adj_factors", DAY), factors(["000001.SZ"] * 2, [1.0, 1.1]), "sim")
    assert store.count("adj_factors") == 0


def test_rows_outside_the_partition_write_nothing(store):
    with pytest.raises(ValueError, match="outside the partition"):
        store.replace_partition("adj_factors", scope("adj_factors", DAY), factors(["000001.SZ"], [1.0], "2024-01-03"), "sim")
    assert store.count("adj_factors") == 0


def test_unique_index_on_the_natural_key(store):
    store.replace_partition("adj_factors", scope("adj_factors", DAY), factors(["000001.SZ"], [1.0]), "sim")
    idx = store.db.adj_factors.index_information()["natural_key"]
    assert idx["unique"] and [k for k, _ in idx["key"]] == ["code", "date"]


def test_minute_bars_are_bucketed_and_round_trip(store):
    df = pd.concat([minutes("000001.SZ"), minutes("600000.SH")], ignore_index=True)
    store.replace_partition("minute_bars", scope("minute_bars", DAY, "1m"), df, "sim")
    assert store.count("minute_bars") == 2
    doc = store.db.minute_bars.find_one({"code": "000001.SZ"})
    assert doc["bars"] == 3 and len(doc["close"]) == 3 and doc["period"] == "1m"
    back = store.read("minute_bars", {}).drop(columns="source")
    pd.testing.assert_frame_equal(back, df[back.columns].sort_values(["code", "period", "time"]).reset_index(drop=True),
                                  check_dtype=False)


def test_nan_items_are_absent_not_null(store):
    from taorui_assets.lib import schemas

    row = {c: float("nan") for c in schemas.columns("financial_statements")}
    row.update(code="000001.SZ", statement="income", report_date=pd.Timestamp("2024-03-31"),
               pub_date=pd.Timestamp("2024-04-20"), net_profit=1.0)
    store.replace_partition("financial_statements", scope("financial_statements", "2024Q1"), pd.DataFrame([row]), "sim")
    doc = store.db.financial_statements.find_one()
    assert "total_assets" not in doc and doc["net_profit"] == 1.0


def test_redact_hides_credentials():
    assert redact("mongodb://alice:s3cret@db1:27017,db2/?replicaSet=rs") == "mongodb://***@db1:27017,db2/?replicaSet=rs"
    assert "s3cret" not in redact("mongodb+srv://alice:s3cret@cluster.example")


def test_a_partition_too_large_for_one_transaction_is_swapped_in_code_ranges(store, monkeypatch):
    from taorui_assets.lib.storage import store as store_module

    monkeypatch.setattr(store_module, "MAX_TRANSACTION_BYTES", 300)  # about two documents
    sc = scope("adj_factors", DAY)
    codes = ["000001.SZ", "000002.SZ", "300750.SZ", "600000.SH", "688981.SH"]
    store.replace_partition("adj_factors", sc, factors(codes, [1.0] * 5), "sim")
    store.replace_partition("adj_factors", scope("adj_factors", "2024-01-03"), factors(codes, [1.0] * 5, "2024-01-03"), "sim")
    keep = ["000002.SZ", "430047.BJ", "600000.SH"]  # two codes go stale, one is new
    result = store.replace_partition("adj_factors", sc, factors(keep, [2.0] * 3), "qmt")
    assert result.deleted_stale == 3
    if store.expected_mode == "transaction":
        assert result.mode.startswith("transaction x")
    day = [(d["code"], d["factor"], d["source"]) for d in store.db.adj_factors.find({"date": dt.datetime(2024, 1, 2)})]
    assert sorted(day) == [(c, 2.0, "qmt") for c in sorted(keep)]
    assert store.count("adj_factors", {"date": dt.datetime(2024, 1, 3)}) == 5
