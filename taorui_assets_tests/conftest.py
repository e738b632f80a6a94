"""Shared fixtures: one real SecantusDB server for the session (or TAORUI_MONGO_URI)."""
import os
import uuid

import pytest
from pymongo import MongoClient

from taorui_assets.lib.storage.embedded import EmbeddedMongo
from taorui_assets_tests.harness import TEST_AS_OF  # noqa: F401 - re-exported for tests


@pytest.fixture(scope="session")
def mongo_server_uri(tmp_path_factory):
    if os.environ.get("TAORUI_MONGO_URI"):
        yield os.environ["TAORUI_MONGO_URI"]
        return
    server = EmbeddedMongo(tmp_path_factory.mktemp("secantus") / "data").start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture
def mongo_db_name():
    return f"t_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def mongo_uri(mongo_server_uri, mongo_db_name):
    """The server URI; each test writes to its own database (``mongo_db_name``)."""
    yield mongo_server_uri
    with MongoClient(mongo_server_uri) as c:
        c.drop_database(mongo_db_name)


@pytest.fixture(autouse=True)
def _as_of(monkeypatch):
    monkeypatch.setenv("TAORUI_AS_OF", TEST_AS_OF)
    if os.environ.get("TAORUI_MONGO_URI") and not os.environ.get("TAORUI_SOURCE"):
        # The suite on an external server (TAORUI_MONGO_URI) is still SimMarket's: name it, as a
        # real deployment must (settings refuses a real database without a source).
        monkeypatch.setenv("TAORUI_SOURCE", "sim")


@pytest.fixture
def install_xtquant():
    """``install_xtquant(fake)`` makes ``fake`` (a ``FakeXtquant``) the ``xtquant`` package for
    the rest of the test, so ``QmtResource`` — which knows only the real client — uses it."""
    from contextlib import ExitStack

    from taorui_assets_tests.doubles.qmt_fake import installed

    with ExitStack() as stack:
        yield lambda fake: stack.enter_context(installed(fake))
