"""Row-level judgement of a source's answer.

Rule (documented in the README): a partition is written whole or not at all. If any row
of a source's answer is bad — fails the Pandera model (NaN, high < low, outside the price
limit, a duplicate key …) or names a code that is not listed that day — those rows go to
the ``quarantine`` collection with the reason, and the *whole* answer is rejected. A
partition missing some rows would be indistinguishable downstream from a complete one (a
missing stock looks like a suspension), so partial partitions are never written; the
router asks the next source for the whole partition instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pandas as pd
import pandera.errors

from taorui_assets.lib import schemas


@dataclass
class Judgement:
    valid: Optional[pd.DataFrame]  # the validated frame, or None when rejected
    bad_rows: pd.DataFrame = field(default_factory=pd.DataFrame)  # offending rows + "reason"
    problems: list[str] = field(default_factory=list)  # frame-level failures, human readable

    @property
    def ok(self) -> bool:
        return self.valid is not None

    def summary(self, limit: int = 10) -> str:
        lines = list(self.problems[:limit])
        if len(self.bad_rows):
            cols = [c for c in ("code", "date", "time", "reason") if c in self.bad_rows]
            lines.append(self.bad_rows[cols].head(limit).astype(str).to_string(index=False))
        return "\n".join(lines)


def judge(dataset: str, df: pd.DataFrame, known_codes: Optional[set[str]] = None) -> Judgement:
    df = df.reset_index(drop=True)
    reasons: dict[int, list[str]] = {}
    problems: list[str] = []
    try:
        valid = schemas.validate(dataset, df)
    except pandera.errors.SchemaErrors as err:
        valid = None
        for case in err.failure_cases.itertuples(index=False):
            where = _reason(case)
            if pd.isna(case.index):
                problems.append(f"{where} (failure case {case.failure_case})")
            else:
                reasons.setdefault(int(case.index), []).append(where)
    if known_codes is not None and "code" in df:
        unknown = ~df["code"].isin(known_codes)
        for i in df.index[unknown]:
            reasons.setdefault(int(i), []).append("code not listed that day")
        if unknown.any():
            valid = None
    bad = df.loc[sorted(reasons)].copy() if reasons else df.iloc[0:0].copy()
    bad["reason"] = ["; ".join(dict.fromkeys(reasons[i])) for i in sorted(reasons)]
    if valid is None and not problems and bad.empty:
        problems.append("rejected by the schema")
    return Judgement(valid=valid, bad_rows=bad, problems=problems)


def _reason(case) -> str:
    check = str(case.check)
    if check == "multiple_fields_uniqueness":
        return "duplicate natural key"
    if case.schema_context == "DataFrameSchema":
        return check  # a frame-wide rule, reported once per row rather than per column
    return f"{case.column}: {check}"
