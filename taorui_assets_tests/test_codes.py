"""Security-code codec: QMT form inside, JQData form at the boundary; boards; price limits."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from taorui_assets.lib import codes
from taorui_assets.lib.codes import BSE, CHINEXT, INDEX, MAIN, STAR, CodeError

# (qmt, jq, board)
CASES = [
    # SH main
    ("600000.SH", "600000.XSHG", MAIN),
    ("601398.SH", "601398.XSHG", MAIN),
    ("603288.SH", "603288.XSHG", MAIN),
    ("605499.SH", "605499.XSHG", MAIN),
    # STAR
    ("688981.SH", "688981.XSHG", STAR),
    ("689009.SH", "689009.XSHG", STAR),
    # SZ main
    ("000001.SZ", "000001.XSHE", MAIN),
    ("001979.SZ", "001979.XSHE", MAIN),
    ("002594.SZ", "002594.XSHE", MAIN),
    ("003816.SZ", "003816.XSHE", MAIN),
    # ChiNext
    ("300750.SZ", "300750.XSHE", CHINEXT),
    ("301269.SZ", "301269.XSHE", CHINEXT),
    # BSE
    ("430047.BJ", "430047.BJSE", BSE),
    ("830799.BJ", "830799.BJSE", BSE),
    ("871981.BJ", "871981.BJSE", BSE),
    ("920118.BJ", "920118.BJSE", BSE),
    # indexes
    ("000300.SH", "000300.XSHG", INDEX),
    ("399006.SZ", "399006.XSHE", INDEX),
    ("899050.BJ", "899050.BJSE", INDEX),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("qmt,jq,board", CASES, ids=IDS)
def test_round_trip_qmt_to_jq_and_back(qmt, jq, board):
    assert codes.to_jq(qmt) == jq
    assert codes.to_qmt(codes.to_jq(qmt)) == qmt


@pytest.mark.parametrize("qmt,jq,board", CASES, ids=IDS)
def test_round_trip_jq_to_qmt_and_back(qmt, jq, board):
    assert codes.to_qmt(jq) == qmt
    assert codes.to_jq(codes.to_qmt(jq)) == jq


@pytest.mark.parametrize("qmt,jq,board", CASES, ids=IDS)
def test_idempotent_on_own_form(qmt, jq, board):
    assert codes.to_qmt(qmt) == qmt
    assert codes.to_jq(jq) == jq


@pytest.mark.parametrize("qmt,jq,board", CASES, ids=IDS)
def test_parse_gives_same_code_for_both_forms(qmt, jq, board):
    c = codes.parse(qmt)
    assert c == codes.parse(jq)
    assert c.symbol == qmt[:6]
    assert c.exchange == qmt[-2:]
    assert c.qmt == qmt
    assert c.jq == jq


@pytest.mark.parametrize("qmt,jq,board", CASES, ids=IDS)
def test_board_either_form(qmt, jq, board):
    assert codes.board(qmt) == board
    assert codes.board(jq) == board


@pytest.mark.parametrize(
    "raw,qmt",
    [
        ("000001.sz", "000001.SZ"),
        ("000001.xshe", "000001.SZ"),
        ("600000.xshg", "600000.SH"),
        ("430047.bjse", "430047.BJ"),
        ("430047.Bj", "430047.BJ"),
        ("688981.XsHg", "688981.SH"),
        ("  000001.SZ  ", "000001.SZ"),
        ("\t600000.XSHG\n", "600000.SH"),
        (" 300750.xshe ", "300750.SZ"),
    ],
)
def test_lowercase_and_whitespace(raw, qmt):
    assert codes.to_qmt(raw) == qmt
    assert codes.board(raw) == codes.board(qmt)


@pytest.mark.parametrize(
    "bad",
    [
        "00700.HK",  # 5 digits and HK
        "000700.HK",  # wrong suffix
        "AAPL.US",
        "000001.SS",  # Yahoo's Shanghai suffix
        "000001.XSHX",
        "00001.SZ",  # 5 digits
        "0000001.SZ",  # 7 digits
        "000001",  # no suffix
        "000001.",
        ".SZ",
        "SZ000001",  # prefix form
        "sz.000001",
        "000001-SZ",
        "000001 .SZ",  # inner whitespace
        "000001. SZ",
        "",
        "   ",
        "６０００００.SH",  # full-width digits
        "٦٠٠٠٠٠.SH",  # Arabic-Indic digits
    ],
)
def test_bad_strings_raise_code_error(bad):
    with pytest.raises(CodeError):
        codes.parse(bad)
    with pytest.raises(CodeError):
        codes.to_qmt(bad)
    with pytest.raises(CodeError):
        codes.to_jq(bad)
    with pytest.raises(CodeError):
        codes.board(bad)


def test_code_error_message_names_the_input():
    with pytest.raises(CodeError, match="000700.HK"):
        codes.parse("000700.HK")
    with pytest.raises(CodeError, match="00001.SZ"):
        codes.parse("00001.SZ")


@pytest.mark.parametrize("bad", [None, 1, 600000, 600000.0, b"600000.SH", ["600000.SH"]])
def test_non_str_raises_code_error(bad):
    with pytest.raises(CodeError, match="str"):
        codes.parse(bad)
    with pytest.raises(CodeError):
        codes.board(bad)


def test_code_error_is_value_error():
    assert issubclass(CodeError, ValueError)


@pytest.mark.parametrize(
    "code",
    [
        "900901.SH",  # SH B-share
        "900901.XSHG",
        "200002.SZ",  # SZ B-share
        "200002.XSHE",
        "600000.SZ",  # SH prefix with SZ suffix
        "300750.SH",  # ChiNext prefix on SH
        "430047.SH",  # BSE prefix on SH
        "399006.SH",  # SZ index prefix on SH
        "000300.BJ",
        "204001.SH",  # repo (ETFs, LOFs and convertible bonds: test_sim_securities.py)
        "131810.SZ",  # repo
    ],
)
def test_board_rejects_non_a_share(code):
    with pytest.raises(CodeError, match="not an A-share"):
        codes.board(code)


def test_b_share_still_converts_form():
    # Form conversion is just syntax; only board() judges whether it is an A-share.
    assert codes.to_jq("900901.SH") == "900901.XSHG"
    assert codes.to_qmt("200002.XSHE") == "200002.SZ"


# --- price limits -------------------------------------------------------------------


@pytest.mark.parametrize(
    "board,is_st,pct",
    [
        (MAIN, False, "0.10"),
        (MAIN, True, "0.05"),
        (CHINEXT, False, "0.20"),
        (CHINEXT, True, "0.20"),
        (STAR, False, "0.20"),
        (STAR, True, "0.20"),
        (BSE, False, "0.30"),
        (BSE, True, "0.30"),
    ],
)
def test_limit_pct(board, is_st, pct):
    got = codes.limit_pct(board, is_st)
    assert isinstance(got, Decimal)
    assert got == Decimal(pct)


@pytest.mark.parametrize("board", [INDEX, "nope", ""])
def test_limit_pct_unknown_board(board):
    with pytest.raises(ValueError):
        codes.limit_pct(board, False)


def _by_hand(pre_close: str, pct: str) -> tuple[float, float]:
    pc, p, q = Decimal(pre_close), Decimal(pct), Decimal("0.01")
    return (
        float((pc * (1 + p)).quantize(q, rounding=ROUND_HALF_UP)),
        float((pc * (1 - p)).quantize(q, rounding=ROUND_HALF_UP)),
    )


@pytest.mark.parametrize(
    "pre_close,board,is_st,up,down",
    [
        # main ±10%: 10.05 × 1.1 = 11.055 → 11.06; × 0.9 = 9.045 → 9.05 (half-up, not half-even / binary float)
        (10.05, MAIN, False, 11.06, 9.05),
        (3.35, MAIN, False, 3.69, 3.02),  # 3.685, 3.015
        (10.00, MAIN, False, 11.00, 9.00),
        (1.01, MAIN, False, 1.11, 0.91),  # 1.111, 0.909
        (0.05, MAIN, False, 0.06, 0.05),  # 0.055, 0.045
        # main ST ±5%
        (10.05, MAIN, True, 10.55, 9.55),  # 10.5525, 9.5475
        (10.10, MAIN, True, 10.61, 9.60),  # 10.605, 9.595 (exact halves)
        (2.33, MAIN, True, 2.45, 2.21),  # 2.4465, 2.2135
        # ChiNext / STAR ±20% (ST too)
        (10.03, CHINEXT, False, 12.04, 8.02),  # 12.036, 8.024
        (10.03, CHINEXT, True, 12.04, 8.02),
        (25.01, STAR, False, 30.01, 20.01),  # 30.012, 20.008
        (25.01, STAR, True, 30.01, 20.01),
        (99.99, STAR, False, 119.99, 79.99),  # 119.988, 79.992
        # BSE ±30%: 10.05 × 1.3 = 13.065 → 13.07 (half-even would give 13.06); × 0.7 = 7.035 → 7.04
        (10.05, BSE, False, 13.07, 7.04),
        (10.05, BSE, True, 13.07, 7.04),
        (1.15, BSE, False, 1.50, 0.81),  # 1.495, 0.805
    ],
)
def test_limit_prices(pre_close, board, is_st, up, down):
    got = codes.limit_prices(pre_close, board, is_st)
    assert got == (up, down)
    assert got == _by_hand(repr(pre_close), str(codes.limit_pct(board, is_st)))


@pytest.mark.parametrize("board,is_st", [(MAIN, False), (MAIN, True), (CHINEXT, False), (STAR, False), (BSE, False)])
@pytest.mark.parametrize("cents", [1, 5, 99, 105, 333, 1005, 1010, 1015, 2345, 9999, 12345, 100005, 171717])
def test_limit_prices_match_decimal_reference(cents, board, is_st):
    pre_close = cents / 100
    pct = str(codes.limit_pct(board, is_st))
    expected = _by_hand(f"{cents // 100}.{cents % 100:02d}", pct)
    assert codes.limit_prices(pre_close, board, is_st) == expected
    up, down = expected
    assert down <= pre_close <= up


def test_limit_prices_returns_floats():
    up, down = codes.limit_prices(10.05, MAIN, False)
    assert type(up) is float and type(down) is float


def test_limit_prices_unknown_board():
    with pytest.raises(ValueError):
        codes.limit_prices(10.0, "nope", False)
    # an index has no limit (issue 13): NaN, not an error
    assert all(x != x for x in codes.limit_prices(10.0, INDEX, False))
