"""Problems found while loading a table: where, what, and how to fix it.

Row numbers are spreadsheet rows: the header is row 1, the first record row 2, so a user
can go straight to the cell. ``row`` is None for a problem with the whole file or a column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Literal

import pandas as pd

Severity = Literal["error", "note"]

FIRST_DATA_ROW = 2


# Slots: a rejected file of a million rows holds a million of these.
@dataclass(frozen=True, slots=True)
class Problem:
    row: int | None
    column: str | None
    value: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        shown = f" (value {self.value!r})" if self.value else ""
        return f"{where}{shown}: {self.message}"


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """The problems as a table, one row each, for display and download.

    Built column by column: a rejected file can have a problem for each of a million rows,
    and ``dataclasses.asdict`` per problem (a deep copy each) took seconds.

    >>> frame = problems_frame([Problem(3, "province", "Hilmnd", "no such place")])
    >>> frame.to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'row': [3], 'column': ['province'], 'value': ['Hilmnd'], 'message': ['no such place'],
     'severity': ['error']}
    """
    columns = [f.name for f in fields(Problem)]
    listed = list(problems)
    if not listed:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(
        {name: [getattr(p, name) for p in listed] for name in columns}, columns=columns
    )


def rejected_rows(
    raw: pd.DataFrame, problems: Iterable[Problem], row_numbers: Sequence[int] | None = None
) -> pd.DataFrame:
    """The original rows that had an error, untouched, with their row number and reasons.

    ``row_numbers[i]`` is the file row of ``raw``'s i-th row (default: i + 2).
    """
    reasons: dict[int, list[str]] = {}
    for p in problems:
        if p.severity == "error" and p.row is not None:
            reasons.setdefault(p.row, []).append(str(p))
    if not reasons:
        return raw.iloc[0:0].assign(row=pd.Series(dtype="int64"), problems="")
    numbers = (
        list(row_numbers)
        if row_numbers is not None
        else [i + FIRST_DATA_ROW for i in range(len(raw))]
    )
    position_of = {n: i for i, n in enumerate(numbers)}
    positions = [position_of[r] for r in sorted(reasons)]
    out = raw.iloc[positions].copy()
    out.insert(0, "row", sorted(reasons))
    out["problems"] = ["; ".join(reasons[r]) for r in sorted(reasons)]
    return out.reset_index(drop=True)
