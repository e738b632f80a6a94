"""dg.materialize from QmtSource (the fake xtquant installed as ``xtquant``) and from JQDataSource (through the
unmodified jqdatasdk and the local JQData-protocol server) stores exactly what SimSource,
the ground truth, stores."""
import datetime as dt

import dagster as dg
import pytest
from pymongo import MongoClient

from taorui_assets.resources.jqdata import JQDataResource
from taorui_assets.resources.qmt import QmtResource
from taorui_assets.lib.sources.sim import SimSource
from taorui_assets.resources.sources import SimResource
from taorui_assets_tests import harness
from taorui_assets_tests.conftest import TEST_AS_OF
from taorui_assets_tests.doubles.qmt_fake import FakeXtquant, sim_concept_codes

N = 60
DAYS = ["2026-11-23", TEST_AS_OF]
QUARTERS = ["2026Q1", "2026Q3"]  # 2026Q1 holds restatements
ALL_DAILY = [a.key.path[-1] for a in harness.DAILY]
USER, PASSWORD = "quant", "pw-4c1d-secret"


@pytest.fixture(scope="module")
def truth_db(mongo_server_uri):
    """The ground truth, materialized once for the module."""
    db = "truth_sim"
    with MongoClient(mongo_server_uri) as c:
        c.drop_database(db)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TAORUI_AS_OF", TEST_AS_OF)
        res = harness.resources(mongo_server_uri, db, SimResource(n_stocks=N))
        results = harness.materialize_window(DAYS, res, year="2026", quarters=QUARTERS)
    assert harness.failed_checks(results) == []
    yield db
    with MongoClient(mongo_server_uri) as c:
        c.drop_database(db)


def materialize_source(uri, db, source, names, days=DAYS, quarters=QUARTERS, year="2026"):
    res = harness.resources(uri, db, source)
    assets, checks = harness.by_name(names)
    # statements first, as harness.materialize_window: the valuation of a day reads them
    results = [harness.materialize(harness.QUARTERLY, harness.QUARTERLY_CHECKS, q, res) for q in quarters]
    results += [harness.materialize(assets, checks, d, res) for d in days]
    if year:
        results.append(harness.materialize(harness.YEARLY, harness.YEARLY_CHECKS, year, res))
    assert all(r.success for r in results)
    assert harness.failed_checks(results) == []
    return results


def assert_same_as_truth(uri, db, truth, collections, source_name, query=None):
    with MongoClient(uri) as c:
        for name in collections:
            assert set(c[db][name].distinct("source", query or {})) == {source_name}, name
    for name in collections:
        ours, theirs = harness.contents(uri, db, name, query), harness.contents(uri, truth, name, query)
        theirs = covered(source_name, name, theirs)
        assert len(ours) > 0 or name in ("billboard", "capital_changes"), name
        harness.assert_same_documents(ours, theirs, name)


# What each source carries of SimMarket's documents (lib/fields.py): JQData has no PershareIndex
# table, no column for QMT-only statement items and no float/other holder counts; QMT's
# CapitalStructure has no change reason.
def covered(source_name: str, name: str, docs: list[dict]) -> list[dict]:
    from taorui_assets.lib.fields import jq_names, xt_names

    if source_name == "jqdata" and name == "financial_statements":
        names = jq_names(name)
        docs = [{k: v for k, v in d.items() if k in names or k == "_id"}
                for d in docs if d["statement"] != "pershare"]
    elif source_name == "jqdata" and name == "holder_counts":
        docs = [{k: v for k, v in d.items() if k not in ("float_holders", "other_holders")} for d in docs]
    elif source_name == "qmt" and name == "capital_changes":
        names = xt_names(name)
        docs = [{k: v for k, v in d.items() if k in names or k in ("_id", "report_date")} for d in docs]
    return docs


# ------------------------------------------------------------------------------ QMT
QMT_DAILY = [n for n in ALL_DAILY if n not in ("billboard", "index_weights", "northbound_holdings")]


@pytest.fixture(scope="module")
def module_fake():
    return FakeXtquant(SimSource(n_stocks=N), today=dt.date.fromisoformat(TEST_AS_OF))


@pytest.fixture
def fake(module_fake, install_xtquant):
    return install_xtquant(module_fake)


def qmt():
    return QmtResource(token="tok-SECRET-123", concept_codes=sim_concept_codes())


def test_qmt_materializes_the_same_data_as_sim(fake, mongo_uri, mongo_db_name, truth_db):
    materialize_source(mongo_uri, mongo_db_name, qmt(), QMT_DAILY)
    # get_index_weight has no date: QMT serves only the latest day's weights
    materialize_source(mongo_uri, mongo_db_name, qmt(), ["index_weights"], days=[TEST_AS_OF], quarters=(), year=None)
    collections = [c for c in harness.COLLECTIONS if c not in ("billboard", "index_weights", "northbound_holdings")]
    assert_same_as_truth(mongo_uri, mongo_db_name, truth_db, collections, "qmt")
    assert_same_as_truth(mongo_uri, mongo_db_name, truth_db, ["index_weights"], "qmt",
                         {"date": harness.scope_day(TEST_AS_OF)})


def test_qmt_refuses_clearly_what_it_cannot_serve(fake, mongo_uri, mongo_db_name, caplog):
    res = harness.resources(mongo_uri, mongo_db_name, qmt())
    for day in DAYS:
        harness.materialize(harness.by_name(["instruments"])[0], [], day, res)
    for name, day, text in [("billboard", TEST_AS_OF, "QMT offers no 龙虎榜"),
                            ("index_weights", DAYS[0], "index weights"),
                            ("northbound_holdings", TEST_AS_OF, "hktdetails")]:
        assets, _ = harness.by_name([name])
        result = harness.materialize(assets, [], day, res, raise_on_error=False)
        assert not result.success
        failure = [e for e in result.all_events if e.is_step_failure][0].step_failure_data
        message = failure.error.message + str(failure.user_failure_data)
        assert text in message and "nothing of this partition was written" in message, message
        with MongoClient(mongo_uri) as c:
            assert c[mongo_db_name][name].count_documents({}) == 0
    assert "tok-SECRET-123" not in caplog.text


# --------------------------------------------------------------------------- JQData
@pytest.fixture(scope="module")
def jq_server():
    with harness.jqdata_server(N, {USER: PASSWORD}) as srv:
        yield srv


def test_jqdata_materializes_the_same_data_as_sim(mongo_uri, mongo_db_name, truth_db, jq_server, caplog):
    source = JQDataResource(username=USER, password=PASSWORD, host="127.0.0.1", port=jq_server.port)
    materialize_source(mongo_uri, mongo_db_name, source, ALL_DAILY)
    assert_same_as_truth(mongo_uri, mongo_db_name, truth_db, harness.COLLECTIONS, "jqdata")
    assert PASSWORD not in caplog.text


def test_jqdata_run_refuses_cleanly_when_the_quota_is_nearly_spent(mongo_uri, mongo_db_name, jq_server):
    res = harness.resources(mongo_uri, mongo_db_name, JQDataResource(
        username=USER, password=PASSWORD, host="127.0.0.1", port=jq_server.port))
    harness.materialize(harness.by_name(["instruments"])[0], [], TEST_AS_OF, res)
    served_before = jq_server.query_count("get_price")
    jq_server.set_quota(spare=25)  # less than one day of bars for the universe
    try:
        result = harness.materialize(harness.by_name(["daily_bars"])[0], [], TEST_AS_OF, res, raise_on_error=False)
    finally:
        jq_server.set_quota(spare=50_000_000)
    assert not result.success
    failure = [e for e in result.all_events if e.is_step_failure][0].step_failure_data
    message = failure.error.message + str(failure.user_failure_data)
    assert "QuotaExceededError" in message and "quota" in message.lower()
    assert "nothing of this partition was written" in message
    assert jq_server.query_count("get_price") == served_before  # refused before asking for data
    with MongoClient(mongo_uri) as c:
        assert c[mongo_db_name].daily_bars.count_documents({}) == 0


def test_jqdata_wrong_password_is_a_clear_error_without_the_password(mongo_uri, mongo_db_name, jq_server):
    wrong = "Wr0ng-Pa55-in-a-run"
    res = harness.resources(mongo_uri, mongo_db_name, JQDataResource(
        username=USER, password=wrong, host="127.0.0.1", port=jq_server.port))
    instance = dg.DagsterInstance.ephemeral()
    result = harness.materialize(harness.by_name(["instruments"])[0], [], TEST_AS_OF, res,
                                 raise_on_error=False, instance=instance)
    assert not result.success
    logs = harness.run_logs(instance, [result])
    assert "JQDataAuthError" in logs and wrong not in logs
