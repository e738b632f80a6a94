"""The one circuit breaker, with its state in memory or in MongoDB: the same rule either way."""
import datetime as dt

import pytest
from pymongo import MongoClient

from taorui_assets.lib.sources.breaker import CircuitBreaker, MemoryHealth
from taorui_assets.lib.storage.health import MongoHealth


class Clock:
    def __init__(self):
        self.t = dt.datetime(2026, 11, 24, 9, 0)

    def __call__(self):
        return self.t

    def advance(self, seconds: float):
        self.t += dt.timedelta(seconds=seconds)


@pytest.fixture(params=["memory", "mongo"])
def store(request):
    if request.param == "memory":
        yield MemoryHealth()
        return
    uri, db = request.getfixturevalue("mongo_uri"), request.getfixturevalue("mongo_db_name")
    with MongoClient(uri, tz_aware=False) as c:
        yield MongoHealth(c[db])


def test_opens_after_threshold_probes_after_cooldown_and_closes_on_success(store):
    clock = Clock()
    b = CircuitBreaker(store, threshold=2, cooldown_s=60, now=clock)
    b.failure("qmt", "boom")
    assert b.allow("qmt")  # one failure: still closed
    b.failure("qmt", "boom again")
    assert not b.allow("qmt")  # open
    clock.advance(59)
    assert not b.allow("qmt")
    clock.advance(1)
    assert b.allow("qmt")  # half-open: the next request probes it
    b.failure("qmt", "probe failed")
    assert not b.allow("qmt")  # a failed probe re-arms a full cooldown
    clock.advance(60)
    b.success("qmt")
    assert b.allow("qmt") and store.get("qmt")["failures"] == 0
    assert b.recovered_at("qmt") == clock.t  # a new health epoch for healing
    assert store.get("qmt")["last_error"] == "probe failed"


def test_success_of_a_healthy_source_keeps_its_epoch(store):
    clock = Clock()
    b = CircuitBreaker(store, threshold=3, cooldown_s=60, now=clock)
    b.success("jqdata")
    first = b.recovered_at("jqdata")
    clock.advance(5)
    b.success("jqdata")
    assert b.recovered_at("jqdata") == first
    b.failure("jqdata", "x")
    clock.advance(5)
    b.success("jqdata")
    assert b.recovered_at("jqdata") == clock.t
