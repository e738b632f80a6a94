"""Capital structure and holders (issue 13 part 4): SimMarket's ground truth, served the same
through the fake xtquant (QMT path) and the JQData stand-in (unmodified jqdatasdk)."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from taorui_assets.lib import datasets, schemas
from taorui_assets.lib.sources.base import SourceError
from taorui_assets.lib.sources.sim import SimSource
from taorui_assets_tests.test_qmt_source import make

pytest.importorskip("jqdatasdk")

from taorui_assets.lib.sources.jqdata import JQDataSource  # noqa: E402
from taorui_assets_tests.doubles.jqdata_server import start_server  # noqa: E402

END = dt.date(2026, 11, 24)
DAY = dt.date(2026, 11, 20)
USER, PASSWORD = "holders", "pw"
QUARTERLY = {"capital_changes": "2026Q2", "top10_holders": "2026Q3", "holder_counts": "2026Q2"}


@pytest.fixture(scope="module")
def sim():
    return SimSource(seed=7, n_stocks=120)


@pytest.fixture(scope="module")
def jq(sim):
    srv = start_server(sim, users={USER: PASSWORD}, quota=50_000_000, today=END)
    yield JQDataSource(USER, PASSWORD, host="127.0.0.1", port=srv.port)
    srv.stop()


def same(dataset: str, got: pd.DataFrame, want: pd.DataFrame) -> None:
    keys = list(datasets.get(dataset).row_key)
    got = schemas.validate(dataset, got).sort_values(keys).reset_index(drop=True)
    want = schemas.validate(dataset, want).sort_values(keys).reset_index(drop=True)
    assert len(want) > 0, dataset
    pd.testing.assert_frame_equal(got, want)


# ------------------------------------------------------------------ ground truth
def test_capital_changes_agree_with_the_instruments(sim):
    """After each change the listing shows the changed share counts; announced before the change."""
    changes = pd.concat([sim.capital_changes(q, END) for q in ("2026Q1", "2026Q2", "2026Q3")], ignore_index=True)
    bonus = changes[changes["change_reason"] == "送、转股"]
    assert len(bonus) > 5
    assert (changes["pub_date"] <= changes["change_date"]).all()
    assert (changes["restricted_shares"] == changes["total_shares"] - changes["float_shares"]).all()
    for r in bonus.head(5).itertuples():
        inst = sim.instruments(r.change_date.date()).set_index("code").loc[r.code]
        assert (inst["total_shares"], inst["float_shares"]) == (r.total_shares, r.float_shares)
        before = sim.instruments((r.change_date - pd.Timedelta(days=1)).date())
        if r.code in set(before["code"]):
            assert before.set_index("code").loc[r.code, "total_shares"] < r.total_shares


def test_holders_are_published_with_the_first_report(sim):
    top = sim.top10_holders("2026Q3", END)
    fs = sim.financial_statements("2026Q3", END)
    first = fs.groupby("code")["pub_date"].min()
    assert (top.groupby("code")["pub_date"].first() == first.loc[top["code"].unique()]).all()
    per = top.groupby(["code", "kind"]).size()
    assert set(per) == {10}
    assert sim.top10_holders("2026Q3", dt.date(2026, 10, 1)).shape[0] < len(top)  # point in time


# ------------------------------------------------------------------ the two source paths
@pytest.mark.parametrize("dataset", list(QUARTERLY))
def test_qmt_path_matches_sim(sim, dataset):
    _fake, src = make(sim, today=END)
    want = getattr(sim, dataset)(QUARTERLY[dataset], END)
    if dataset == "capital_changes":
        want["change_reason"] = None  # QMT's CapitalStructure has no reason column
    same(dataset, getattr(src, dataset)(QUARTERLY[dataset], END), want)


def test_qmt_does_not_guess_northbound_holdings(sim):
    _fake, src = make(sim, today=END)
    with pytest.raises(SourceError, match="hktdetails"):
        src.northbound_holdings(DAY)


@pytest.mark.parametrize("dataset", list(QUARTERLY))
def test_jqdata_path_matches_sim(sim, jq, dataset):
    want = getattr(sim, dataset)(QUARTERLY[dataset], END)
    if dataset == "holder_counts":
        want[["float_holders", "other_holders"]] = float("nan")  # STK_HOLDER_NUM has no such columns
    same(dataset, getattr(jq, dataset)(QUARTERLY[dataset], END), want)


def test_jqdata_northbound_holdings_match_sim(sim, jq):
    same("northbound_holdings", jq.northbound_holdings(DAY), sim.northbound_holdings(DAY))
