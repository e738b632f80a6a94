"""Security codes.

Inside the platform a code is written the QMT way (``000001.SZ``). The JQData form
(``000001.XSHE``) exists only at the JQData boundary and in the read API.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
import datetime as dt
from decimal import Decimal

QMT_TO_JQ = {"SH": "XSHG", "SZ": "XSHE", "BJ": "BJSE"}
JQ_TO_QMT = {v: k for k, v in QMT_TO_JQ.items()}

# re.ASCII: \d must not match full-width or other Unicode digits ("６０００００.SH").
_CODE_RE = re.compile(r"^(\d{6})\.([A-Z]{2,4})$", re.ASCII)

MAIN = "main"
CHINEXT = "chinext"
STAR = "star"
BSE = "bse"
INDEX = "index"
# Exchange-traded funds and convertible bonds (issue 13): their "board" is their type.
ETF = "etf"
LOF = "lof"
CONBOND = "conbond"
FUNDS = (ETF, LOF)

# The indexes the platform follows (instruments, index weights), in both sources.
TRACKED_INDEXES = ("000001.SH", "000300.SH", "000905.SH", "399001.SZ", "399006.SZ", "899050.BJ",
                   "000852.SH", "000016.SH", "000688.SH")  # the last three: benchmarks (issue 13)


class CodeError(ValueError):
    """A string that is not a security code we know how to read."""


@dataclass(frozen=True)
class Code:
    symbol: str
    exchange: str  # SH | SZ | BJ

    @property
    def qmt(self) -> str:
        return f"{self.symbol}.{self.exchange}"

    @property
    def jq(self) -> str:
        return f"{self.symbol}.{QMT_TO_JQ[self.exchange]}"


def parse(code: str) -> Code:
    """Read a code in either form; raises CodeError on anything else."""
    if not isinstance(code, str):
        raise CodeError(f"security code must be a str, got {type(code).__name__}")
    return _parse(code)


# The read API converts every code of a whole-market answer several times (request, JQData
# form, price decimals): a pure function of a short string, so it is remembered.
@functools.lru_cache(maxsize=1 << 16)
def _parse(code: str) -> Code:
    m = _CODE_RE.match(code.strip().upper())
    if not m:
        raise CodeError(f"not a security code: {code!r} (expected e.g. 000001.SZ or 000001.XSHE)")
    symbol, suffix = m.groups()
    if suffix in QMT_TO_JQ:
        return Code(symbol, suffix)
    if suffix in JQ_TO_QMT:
        return Code(symbol, JQ_TO_QMT[suffix])
    raise CodeError(f"unknown exchange suffix {suffix!r} in {code!r}")


def to_qmt(code: str) -> str:
    return parse(code).qmt


@functools.lru_cache(maxsize=1 << 16)
def to_jq(code: str) -> str:
    return parse(code).jq


def board(code: str) -> str:
    """The board of an A-share stock, index, ETF, LOF or convertible-bond code (for the
    non-stocks the board is the type); raises CodeError for anything else.

    Code ranges: SSE ETFs 51x/56x/588, LOFs 501/502/506, convertible bonds 110/111/113/118;
    SZSE ETFs 159, LOFs 16x, convertible bonds 123/127/128 (the exchanges' code allocation
    rules, 证券代码编码方案)."""
    c = parse(code)
    s = c.symbol
    if c.exchange == "SH":
        if s.startswith(("600", "601", "603", "605")):
            return MAIN
        if s.startswith(("688", "689")):
            return STAR
        if s.startswith("000"):
            return INDEX
        if s.startswith(("510", "511", "512", "513", "515", "516", "517", "518", "560", "561", "562",
                         "563", "588")):
            return ETF
        if s.startswith(("501", "502", "506")):
            return LOF
        if s.startswith(("110", "111", "113", "118")):
            return CONBOND
    elif c.exchange == "SZ":
        if s.startswith(("000", "001", "002", "003")):
            return MAIN
        if s.startswith(("300", "301")):
            return CHINEXT
        if s.startswith("399"):
            return INDEX
        if s.startswith("159"):
            return ETF
        if s.startswith("16"):
            return LOF
        if s.startswith(("123", "127", "128")):
            return CONBOND
    elif c.exchange == "BJ":
        if s.startswith(("43", "83", "87", "88", "92")):
            return BSE
        if s.startswith("899"):
            return INDEX
    raise CodeError(f"{code!r} is not an A-share stock, index, ETF, LOF or convertible-bond code")


# Price-limit rules of funds and convertible bonds (issue 13).
# * ETFs and LOFs: ±10% of pre_close, prices in 0.001 yuan — 上海证券交易所交易规则 3.3.x/3.4.13
#   and 深圳证券交易所交易规则 3.3.x (基金 申报价格最小变动单位 0.001 元, 涨跌幅限制比例 10%).
#   Not modelled: ETFs on STAR/ChiNext indexes, whose limit follows that board (±20%).
# * Convertible bonds: 《上海证券交易所可转换公司债券交易实施细则》 and 《深圳证券交易所可转换公司债券
#   交易实施细则》, in force since 2022-08-01: ±20% of pre_close; on the listing day +57.3% /
#   −43.3% of the issue price (the listing day's pre_close), with intraday halts at ±20% and
#   ±30% that leave no mark on the daily bar. Before 2022-08-01 they had no daily limit.
#   Prices in 0.001 yuan.
# * Indexes: no limit (NaN).
CONBOND_LIMIT_SINCE = dt.date(2022, 8, 1)
CONBOND_FIRST_DAY = (Decimal("0.573"), Decimal("0.433"))
TICK = {ETF: Decimal("0.001"), LOF: Decimal("0.001"), CONBOND: Decimal("0.001")}
NO_LIMIT = (float("nan"), float("nan"))


def limit_pct(board_name: str, is_st: bool) -> Decimal:
    """Daily price-limit fraction. ST stocks on the main board move ±5%; on ChiNext and
    STAR the ST limit equals the board's (±20%) since the 2020 registration reform."""
    if board_name == MAIN:
        return Decimal("0.05") if is_st else Decimal("0.10")
    if board_name in (CHINEXT, STAR):
        return Decimal("0.20")
    if board_name == BSE:
        return Decimal("0.30")
    if board_name in FUNDS:
        return Decimal("0.10")
    if board_name == CONBOND:
        return Decimal("0.20")
    raise ValueError(f"no price limit for board {board_name!r}")


def limit_prices(pre_close: float, board_name: str, is_st: bool, *, day: dt.date | None = None,
                 first_day: bool = False) -> tuple[float, float]:
    """Exchange rounding: limit = round_half_up(pre_close × (1 ± pct), tick); tick 0.01 for
    stocks, 0.001 for funds and bonds. ``day`` (None: today's rules) and ``first_day`` (the
    security's listing day) matter for convertible bonds; NaN, NaN where there is no limit."""
    if board_name == INDEX:
        return NO_LIMIT
    if board_name == CONBOND and day is not None and day < CONBOND_LIMIT_SINCE:
        return NO_LIMIT
    if board_name == CONBOND and first_day:
        up_pct, down_pct = CONBOND_FIRST_DAY
    else:
        up_pct = down_pct = limit_pct(board_name, is_st)
    pc = Decimal(str(pre_close))
    q = TICK.get(board_name, Decimal("0.01"))
    up = (pc * (1 + up_pct)).quantize(q, rounding="ROUND_HALF_UP")
    down = (pc * (1 - down_pct)).quantize(q, rounding="ROUND_HALF_UP")
    return float(up), float(down)


def security_type(board_name: str) -> str:
    """The instrument ``type`` (JQData's get_all_securities type) of a board."""
    return board_name if board_name in (INDEX, ETF, LOF, CONBOND) else "stock"


@functools.lru_cache(maxsize=1 << 16)
def price_decimals(code: str) -> int:
    """Decimals of a price: 3 for funds and bonds (0.001 yuan tick), else 2. JQData's
    ``get_price(round=True)`` rounds adjusted prices to these (GUESS for funds: JoinQuant's
    get_price documentation rounds stocks to 2 decimals; funds trade in 0.001 yuan)."""
    try:
        return 3 if board(code) in TICK else 2
    except CodeError:
        return 2
