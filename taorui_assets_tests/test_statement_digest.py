"""The statement digests the valuation reads (lib/storage/statement_digest.py), on the real server:
written with every statements quarter, equal to the statements themselves, and never trusted
when a write did not finish — the quarter is then read from financial_statements."""
import datetime as dt

import pandas as pd
import pytest
from pymongo import MongoClient

from taorui_assets.lib import valuation as V
from taorui_assets.lib.sources.sim import SimSource
from taorui_assets.lib.storage import statement_digest as SD
from taorui_assets.lib.storage.scopes import scope
from taorui_assets.lib.storage.store import Store

QUARTERS = ["2024Q2", "2024Q3", "2024Q4"]
FIRST, LAST = dt.datetime(2024, 4, 1), dt.datetime(2024, 12, 31)
AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def store(mongo_server_uri, mongo_db_name):
    client = MongoClient(mongo_server_uri)
    yield Store(client[mongo_db_name])
    client.drop_database(mongo_db_name)
    client.close()


@pytest.fixture(scope="module")
def quarters():
    src = SimSource(n_stocks=40)
    return {q: src.financial_statements(q, AS_OF).assign(source="sim") for q in QUARTERS}


def _write(store, quarter, frame):
    return store.replace_partition("financial_statements", scope("financial_statements", quarter),
                                   frame.drop(columns="source"), "sim")


def _direct(store, pub_until=LAST):
    """The same rows read from financial_statements itself (what the valuation read before)."""
    rows = pd.DataFrame(list(store.db.financial_statements.find(
        {"report_date": {"$gte": FIRST, "$lte": LAST}, "pub_date": {"$lte": pub_until},
         "statement": {"$in": V.STATEMENTS}},
        {"_id": 0, **{f: 1 for f in SD.FIELDS}})), columns=SD.FIELDS)
    return _sorted(rows)


def _sorted(rows):
    rows = rows[SD.FIELDS].sort_values(SD.KEY).reset_index(drop=True)
    return rows.astype({**{c: float for c in V.STATEMENT_ITEMS}, "report_date": "datetime64[ns]",
                        "pub_date": "datetime64[ns]", "code": object, "statement": object})


def test_each_written_quarter_has_digests_equal_to_its_statements(store, quarters):
    for q, frame in quarters.items():
        _write(store, q, frame)
    assert V.STATEMENTS == ["balance", "cash_flow", "income"]
    assert store.db[SD.COLLECTION].count_documents({}) == 3 * len(QUARTERS)  # one per statement read
    assert set(quarters["2024Q4"]["statement"]) > set(V.STATEMENTS)  # the others are not digested
    plan = store.db[SD.COLLECTION].find({"report_date": {"$in": [LAST]}}).explain()["queryPlanner"]["winningPlan"]
    assert "IXSCAN" in str(plan)  # read by quarter through an index, not a scan of every year's digests
    for until in (dt.datetime(2024, 11, 15), dt.datetime(2025, 6, 30)):  # before and after Q4's reports
        got = _sorted(SD.read(store.db, FIRST, LAST, pub_until=until))
        want = _direct(store, until)
        assert len(want) > 0
        pd.testing.assert_frame_equal(got, want)


def test_a_rewritten_quarter_replaces_its_digest(store, quarters):
    for q, frame in quarters.items():
        _write(store, q, frame)
    smaller = quarters["2024Q3"].iloc[: len(quarters["2024Q3"]) // 2]
    _write(store, "2024Q3", smaller)
    got = _sorted(SD.read(store.db, FIRST, LAST, pub_until=dt.datetime(2025, 6, 30)))
    pd.testing.assert_frame_equal(got, _direct(store, dt.datetime(2025, 6, 30)))
    assert (got["report_date"] == dt.datetime(2024, 9, 30)).sum() == smaller["statement"].isin(V.STATEMENTS).sum()


def test_a_failed_write_leaves_no_digest_and_the_quarter_is_read_from_the_statements(store, quarters):
    for q, frame in quarters.items():
        _write(store, q, frame)
    bad = quarters["2024Q3"].copy()
    bad.loc[bad.index[0], "report_date"] = pd.Timestamp("2024-06-30")  # outside the partition: refused
    with pytest.raises(ValueError, match="outside the partition"):
        _write(store, "2024Q3", bad)
    assert store.db[SD.COLLECTION].count_documents({"report_date": dt.datetime(2024, 9, 30)}) == 0
    got = _sorted(SD.read(store.db, FIRST, LAST, pub_until=dt.datetime(2025, 6, 30)))
    pd.testing.assert_frame_equal(got, _direct(store, dt.datetime(2025, 6, 30)))
    assert (got["report_date"] == dt.datetime(2024, 9, 30)).sum() == quarters["2024Q3"]["statement"].isin(V.STATEMENTS).sum()


def test_quarters_stored_before_digests_existed_are_read_from_the_statements(store, quarters):
    for q, frame in quarters.items():
        _write(store, q, frame)
    store.db[SD.COLLECTION].delete_many({"report_date": {"$in": [dt.datetime(2024, 6, 30), dt.datetime(2024, 12, 31)]}})
    said = []
    got = _sorted(SD.read(store.db, FIRST, LAST, pub_until=dt.datetime(2025, 6, 30), log=said.append))
    pd.testing.assert_frame_equal(got, _direct(store, dt.datetime(2025, 6, 30)))
    assert len(said) == 1 and "2024-06-30, 2024-12-31 have no digest" in said[0]
    said.clear()
    _write(store, "2024Q2", quarters["2024Q2"])  # a new write digests the quarter again
    SD.read(store.db, FIRST, LAST, pub_until=dt.datetime(2025, 6, 30), log=said.append)
    assert len(said) == 1 and "quarters 2024-12-31 have" in said[0]


def test_an_empty_quarter_is_known_to_be_empty(store, quarters):
    _write(store, "2024Q2", quarters["2024Q2"].iloc[:0])
    assert store.db[SD.COLLECTION].count_documents({"report_date": dt.datetime(2024, 6, 30), "rows": 0}) == 1
    assert SD.read(store.db, FIRST, LAST, pub_until=dt.datetime(2025, 6, 30)).empty
