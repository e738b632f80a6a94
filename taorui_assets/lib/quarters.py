"""Report quarters, written ``2024Q3``: the partition keys of financial statements.

The one place that turns quarters into dates and back; sources, storage scopes, the
partitions, the report sensor, the CLI and the read API all use these.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

_LAST_DAY = {1: 31, 2: 30, 3: 30, 4: 31}  # of the quarter's last month: Mar, Jun, Sep, Dec


def _parse(quarter: str) -> tuple[int, int]:
    try:
        year, q = str(quarter).strip().upper().split("Q")
        year_i, q_i = int(year), int(q)
        if not 1 <= q_i <= 4:
            raise ValueError
    except ValueError:
        raise ValueError(f"not a report quarter: {quarter!r} (expected e.g. 2024Q3)") from None
    return year_i, q_i


def quarter_end(quarter: str) -> dt.date:
    """``2024Q3`` → 2024-09-30 (the report date of that quarter's statements)."""
    year, q = _parse(quarter)
    return dt.date(year, 3 * q, _LAST_DAY[q])


def quarter_of(day: dt.date) -> str:
    """The quarter a date falls in: 2024-09-30 → ``2024Q3``. Takes dates and Timestamps."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarters_of_years(first_year: int, last_year: int) -> list[str]:
    """Every quarter of the years ``first_year``..``last_year``, in order."""
    return [f"{year}Q{q}" for year in range(first_year, last_year + 1) for q in range(1, 5)]


def ended_before(day: dt.date, n: int = 4) -> list[str]:
    """The last ``n`` quarters that ended before ``day``, oldest first."""
    year, q = day.year, (day.month - 1) // 3  # quarters of ``day``'s year already ended
    out = []
    for _ in range(n):
        if q == 0:
            year, q = year - 1, 4
        out.append(f"{year}Q{q}")
        q -= 1
    return out[::-1]


def needed_by_valuation(first: dt.date, last: dt.date) -> list[str]:
    """The report quarters whose statements the valuation of ``first``..``last`` reads: the TTM of
    the first day needs the same quarter a year before (8 quarters back), the last day its latest."""
    return sorted(set(ended_before(first, 8)) | set(ended_before(last)))


def stat_period(stat_date) -> tuple[pd.Timestamp, bool]:
    """JoinQuant's ``statDate``: '2026q3' → (2026-09-30, False); '2025' or 2025 → (2025-12-31,
    True, the annual report)."""
    text = str(stat_date).strip().upper()
    try:
        if "Q" in text:
            return pd.Timestamp(quarter_end(text)), False
        return pd.Timestamp(int(text), 12, 31), True
    except ValueError:
        raise ValueError(f"statDate must look like '2026q3' or '2025', got {stat_date!r}") from None
