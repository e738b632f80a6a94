"""Security codes.

Inside the platform a code is written the QMT way (``000001.SZ``). The JQData form
(``000001.XSHE``) exists only at the JQData boundary and in the read API.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
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

# The indexes the platform follows (instruments, index weights), in both sources.
TRACKED_INDEXES = ("000001.SH", "000300.SH", "000905.SH", "399001.SZ", "399006.SZ", "899050.BJ")


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


def to_jq(code: str) -> str:
    return parse(code).jq


def board(code: str) -> str:
    """The board of an A-share or index code; raises CodeError for codes outside A-shares."""
    c = parse(code)
    s = c.symbol
    if c.exchange == "SH":
        if s.startswith(("600", "601", "603", "605")):
            return MAIN
        if s.startswith(("688", "689")):
            return STAR
        if s.startswith("000"):
            return INDEX
    elif c.exchange == "SZ":
        if s.startswith(("000", "001", "002", "003")):
            return MAIN
        if s.startswith(("300", "301")):
            return CHINEXT
        if s.startswith("399"):
            return INDEX
    elif c.exchange == "BJ":
        if s.startswith(("43", "83", "87", "88", "92")):
            return BSE
        if s.startswith("899"):
            return INDEX
    raise CodeError(f"{code!r} is not an A-share stock or index code")


def limit_pct(board_name: str, is_st: bool) -> Decimal:
    """Daily price-limit fraction. ST stocks on the main board move ±5%; on ChiNext and
    STAR the ST limit equals the board's (±20%) since the 2020 registration reform."""
    if board_name == MAIN:
        return Decimal("0.05") if is_st else Decimal("0.10")
    if board_name in (CHINEXT, STAR):
        return Decimal("0.20")
    if board_name == BSE:
        return Decimal("0.30")
    raise ValueError(f"no price limit for board {board_name!r}")


def limit_prices(pre_close: float, board_name: str, is_st: bool) -> tuple[float, float]:
    """Exchange rounding: limit = round_half_up(pre_close × (1 ± pct), 2)."""
    pct = limit_pct(board_name, is_st)
    pc = Decimal(str(pre_close))
    q = Decimal("0.01")
    up = (pc * (1 + pct)).quantize(q, rounding="ROUND_HALF_UP")
    down = (pc * (1 - pct)).quantize(q, rounding="ROUND_HALF_UP")
    return float(up), float(down)
