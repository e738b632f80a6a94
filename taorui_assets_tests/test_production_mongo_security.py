"""MongoDB with SCRAM authentication and TLS: SecantusDB started with ``--auth`` and a certificate
made here, reached through a replica-set URI, by real Dagster runs.

- the platform's writer user, over TLS, materializes a partition;
- a wrong password, or a certificate from a CA the client does not trust: a clear error, and
  nothing is written;
- the credentials appear nowhere in the run's event log, its stored run, or the output;
- least privilege: the read API's read-only user reads but cannot write.
"""
from __future__ import annotations

import secrets
from urllib.parse import quote_plus

import dagster as dg
import pytest
from dagster._serdes import serialize_value
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from taorui_assets.lib.storage.embedded import EmbeddedMongo
from taorui_assets_tests.tls import make_ca, make_server_cert

REPLICA_SET = "secantus"  # SecantusDB advertises itself as this single-node replica set
DATABASES = ("sec_ok", "sec_bad_password", "sec_untrusted")
WRITER, READER = "taorui_platform", "taorui_reader"


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    d = tmp_path_factory.mktemp("secure_mongo")
    ca, ca_key, ca_cert = make_ca(d)
    other_ca, _, _ = make_ca(d, "untrusted CA")
    cert, key = make_server_cert(d, ca_key, ca_cert)
    pw = {WRITER: "w-" + secrets.token_urlsafe(12), READER: "r-" + secrets.token_urlsafe(12)}
    # Users are provisioned once without auth (SecantusDB's documented way, like mongod's
    # localhost exception), then the server restarts with auth and TLS on the same data.
    plain = EmbeddedMongo(d / "data").start()
    try:
        with MongoClient(plain.uri) as c:
            c.admin.command("createUser", WRITER, pwd=pw[WRITER],
                            roles=[{"role": "readWrite", "db": db} for db in DATABASES])
            c.admin.command("createUser", READER, pwd=pw[READER], roles=[{"role": "read", "db": "sec_ok"}])
    finally:
        plain.stop()
    server = EmbeddedMongo(d / "data", port=plain.port,
                           extra_args=("--auth", "--tls-cert-file", str(cert), "--tls-key-file", str(key)),
                           client_options={"tls": True, "tlsCAFile": str(ca)}).start()

    def uri(user=WRITER, password=None, ca_file=ca):
        password = pw[user] if password is None else password
        return (f"mongodb://{quote_plus(user)}:{quote_plus(password)}@127.0.0.1:{server.port}/"
                f"?replicaSet={REPLICA_SET}&tls=true&tlsCAFile={ca_file}&authSource=admin")

    try:
        yield {"uri": uri, "passwords": pw, "other_ca": other_ca}
    finally:
        server.stop()


def _run_calendar(monkeypatch, uri: str, database: str, year: str = "2024"):
    monkeypatch.setenv("TAORUI_MONGO_URI", uri)
    monkeypatch.setenv("TAORUI_MONGO_DB", database)
    monkeypatch.setenv("TAORUI_SOURCE", "sim")
    from taorui_assets.definitions import defs

    job = defs().resolve_job_def("trading_calendar_job")
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(partition_key=year, instance=instance, raise_on_error=False)
    return instance, result


def _failure_message(result) -> str:
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert failures, "the run did not fail at a step"
    return failures[0].step_failure_data.error.message


def _everything_recorded(instance, result) -> str:
    run = instance.get_run_by_id(result.run_id)
    return serialize_value(run) + "".join(serialize_value(e) for e in instance.all_logs(result.run_id))


def test_replica_set_uri_with_scram_and_tls_writes_and_hides_credentials(secure, monkeypatch, capfd):
    uri = secure["uri"]()
    instance, result = _run_calendar(monkeypatch, uri, "sec_ok")
    assert result.success
    with MongoClient(uri) as c:
        assert c.admin.command("hello")["setName"] == REPLICA_SET
        assert c["sec_ok"]["trading_calendar"].count_documents({}) > 200
    recorded = _everything_recorded(instance, result)
    out, err = capfd.readouterr()
    for secret in (secure["passwords"][WRITER], quote_plus(secure["passwords"][WRITER])):
        assert secret not in recorded
        assert secret not in out + err
    assert uri not in recorded


def test_wrong_password_is_a_clear_error_and_writes_nothing(secure, monkeypatch, capfd):
    wrong = "not-" + secure["passwords"][WRITER]
    instance, result = _run_calendar(monkeypatch, secure["uri"](password=wrong), "sec_bad_password")
    assert not result.success
    message = _failure_message(result)
    assert "authentication failed" in message and "TAORUI_MONGO_URI" in message
    assert wrong not in _everything_recorded(instance, result) + "".join(capfd.readouterr())
    with MongoClient(secure["uri"]()) as c:
        assert c["sec_bad_password"].list_collection_names() == []


def test_untrusted_certificate_is_a_clear_error_and_writes_nothing(secure, monkeypatch, capfd):
    instance, result = _run_calendar(monkeypatch, secure["uri"](ca_file=secure["other_ca"]), "sec_untrusted")
    assert not result.success
    message = _failure_message(result)
    assert "TLS certificate that is not trusted" in message and "tlsCAFile" in message
    assert secure["passwords"][WRITER] not in _everything_recorded(instance, result) + "".join(capfd.readouterr())
    with MongoClient(secure["uri"]()) as c:
        assert c["sec_untrusted"].list_collection_names() == []


def test_read_only_user_reads_through_the_read_api_and_cannot_write(secure, monkeypatch):
    monkeypatch.setenv("TAORUI_SOURCE", "sim")
    _run_calendar(monkeypatch, secure["uri"](), "sec_ok", year="2025")
    from taorui_assets.lib.query import connection

    database = connection.connect(secure["uri"](READER), "sec_ok")
    try:
        assert database["trading_calendar"].count_documents({}) > 0
        with pytest.raises(OperationFailure) as denied:
            database["trading_calendar"].insert_one({"written_by": "reader"})
        assert denied.value.code == 13  # Unauthorized
    finally:
        connection.disconnect()
