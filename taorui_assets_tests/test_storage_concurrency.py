"""Fault 3 (issue 10): two processes writing the same partition at once both succeed.

Without retries one of them failed with ``WriteConflict`` / ``TransientTransactionError``.
"""
import multiprocessing as mp

import pandas as pd
from pymongo import MongoClient

from taorui_assets.lib.storage.scopes import scope
from taorui_assets.lib.storage.store import Store

DAY = "2024-01-02"
CODES = [f"{i:06d}.SZ" for i in range(1500)]
ROUNDS = 4


def _writer(uri: str, db: str, value: float, barrier, errors) -> None:
    frame = pd.DataFrame({"code": CODES, "date": pd.Timestamp(DAY), "factor": value})
    with MongoClient(uri) as client:
        store = Store(client[db])
        store.ensure_indexes("adj_factors")
        barrier.wait()
        for _ in range(ROUNDS):
            try:
                result = store.replace_partition("adj_factors", scope("adj_factors", DAY), frame, "sim")
                assert result.mode == "transaction" and result.written == len(CODES)
            except Exception as err:  # reported to the parent, which fails the test with it
                errors.put(f"writer {value}: {err!r}"[:400])
                return


def test_two_processes_writing_one_partition_both_succeed(mongo_uri, mongo_db_name):
    ctx = mp.get_context("spawn")  # separate interpreters, separate clients, like two runs
    barrier, errors = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(mongo_uri, mongo_db_name, v, barrier, errors)) for v in (1.0, 2.0)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=240)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    with MongoClient(mongo_uri) as client:
        docs = list(client[mongo_db_name].adj_factors.find({}, {"code": 1, "factor": 1}))
    # Exactly one complete partition, written wholly by one of the two runs.
    assert sorted(d["code"] for d in docs) == CODES
    assert len({d["factor"] for d in docs}) == 1 and docs[0]["factor"] in (1.0, 2.0)
