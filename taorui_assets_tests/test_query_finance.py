"""finance.run_query over the capital and holder tables (issue 13 part 5): our API reading
MongoDB (materialized through the JQData path) against the unmodified jqdatasdk talking to the
JQData stand-in, both over the same SimMarket."""
from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("jqdatasdk")
pytest.importorskip("thriftpy2")

from taorui_assets_tests.test_query_window import DAYS, DIVIDEND, SUSPENDED, login, window  # noqa: E402

LAST = DAYS[-1]


@pytest.fixture(scope="module")
def apis(mongo_server_uri):
    return login(window(mongo_server_uri))


def _queries(jq):
    f = jq.finance
    top, flt, num, hk, cap = (f.STK_SHAREHOLDER_TOP10, f.STK_SHAREHOLDER_FLOATING_TOP10, f.STK_HOLDER_NUM,
                              f.STK_HK_HOLD_INFO, f.STK_CAPITAL_CHANGE)
    codes = [*DIVIDEND, *SUSPENDED]
    return {
        "top10": jq.query(top.code, top.end_date, top.pub_date, top.shareholder_rank, top.shareholder_name,
                          top.shareholder_class, top.share_number, top.share_ratio, top.sharesnature)
        .filter(top.code.in_(codes), top.end_date == "2026-09-30").order_by(top.code, top.shareholder_rank),
        "float_top10": jq.query(flt.code, flt.shareholder_name, flt.share_number)
        .filter(flt.end_date == "2026-09-30", flt.share_ratio > 1).order_by(flt.share_number.desc()).limit(25),
        "holder_num": jq.query(num.code, num.end_date, num.pub_date, num.share_holders, num.a_share_holders)
        .filter(num.end_date == "2026-09-30").order_by(num.code),
        "hk_hold": jq.query(hk.day, hk.link_id, hk.link_name, hk.code, hk.share_number, hk.share_ratio)
        .filter(hk.day == LAST).order_by(hk.share_ratio.desc()).limit(30),
        "capital": jq.query(cap.code, cap.change_date, cap.pub_date, cap.change_reason, cap.share_total,
                            cap.share_trade_total, cap.share_limited)
        .filter(cap.change_date >= "2026-01-01", cap.change_date <= "2026-03-31").order_by(cap.code),
    }


@pytest.mark.parametrize("name", ["top10", "float_top10", "holder_num", "hk_hold", "capital"])
def test_run_query_matches_jqdatasdk(apis, name):
    theirs, ours = apis
    b = theirs.finance.run_query(_queries(theirs)[name])
    a = ours.finance.run_query(_queries(ours)[name])
    assert len(b) > 0
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_run_query_refuses_what_it_does_not_serve(apis):
    ours = apis[1]
    t = ours.finance.STK_HOLDER_NUM
    with pytest.raises(ours.ParamsError):
        ours.finance.run_query("select 1")
    with pytest.raises(ours.ParamsError, match="only a table"):
        ours.finance.run_query(ours.query(t.code, ours.finance.STK_HK_HOLD_INFO.code))
