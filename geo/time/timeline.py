"""Claims over time: counts per week or month, and one bar per claim for a range chart.

A claim is a date *range* (``date_start`` to ``date_end``, both inclusive), often a coarse
one: "this past winter" is three months. A timeline that put each claim at its start date
would pile a season onto its first day, so here a claim counts in every period its range
overlaps, once in each, and ``n_ranged`` says how many of a period's claims are such
ranges rather than dates inside that one period.

>>> import pandas as pd
>>> claims = pd.DataFrame({
...     "claim_id": ["C1", "C2"],
...     "actor": ["Test Group A", "Test Group A"],
...     "date_start": pd.to_datetime(["2021-12-01", "2022-01-10"]),
...     "date_end": pd.to_datetime(["2022-02-28", "2022-01-10"]),
... })
>>> table = claims_by_period(claims, "month", "actor")
>>> for row in table.itertuples():
...     print(row.period_label, row.group, row.n_claims, row.n_ranged, row.claim_ids)
2021-12 Test Group A 1 1 ('C1',)
2022-01 Test Group A 2 1 ('C1', 'C2')
2022-02 Test Group A 1 1 ('C1',)
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd

from geo.views.tables import location_text

Period = Literal["week", "month"]
GroupBy = Literal["actor", "claim_type", "province", "status"]

PERIODS: tuple[Period, ...] = ("week", "month")
GROUP_COLUMNS: tuple[GroupBy, ...] = ("actor", "claim_type", "province", "status")

# The group of claims with no value in the grouping column: only ``province`` may be blank,
# for a claim about a region or the whole country (it is off the map but still a claim).
COUNTRY_WIDE = "(country-wide)"
# Any other blank grouping value (the loader allows none, a hand-made table might).
BLANK = "(blank)"

# A claim spanning more than this is almost certainly a typo in a year; expanding it into
# thousands of weeks would also cost memory for nothing.
MAX_RANGE_DAYS = 20 * 366

PERIOD_COLUMNS = ("period_start", "period_label", "group", "n_claims", "n_ranged", "claim_ids")
BAR_COLUMNS = (
    "claim_id",
    "group",
    "start",
    "end_exclusive",
    "precision",
    "place",
    "status",
    "summary",
    "actor",
    "claimant",
    "source_id",
    "is_range",
)

_EPOCH = dt.date(1970, 1, 1)
# 1970-01-01 was a Thursday: shifting by three days makes day 0 of each 7-day block a Monday,
# so integer division gives ISO weeks (Monday to Sunday).
_MONDAY_SHIFT = 3


def claims_by_period(claims: pd.DataFrame, period: Period, by: GroupBy) -> pd.DataFrame:
    """How many claims touch each week or month, per actor, claim type, province or status.

    One row per (period, group) with at least one claim: ``period_start`` (the Monday of an
    ISO week, or the 1st of a month), ``period_label`` (``2022-W19`` with the ISO week-year,
    or ``2022-05``), ``group``, ``n_claims``, ``n_ranged`` (those of the claims whose range
    reaches beyond this one period) and ``claim_ids`` (a tuple, in the order of ``claims``).
    A claim counts once in every period its range overlaps. Sorted by period, then group.
    Country-wide claims are grouped as :data:`COUNTRY_WIDE` when grouping by province.
    """
    _check_choice("period", period, PERIODS)
    _check_choice("by", by, GROUP_COLUMNS)
    _check_columns(claims, ("claim_id", "date_start", "date_end", by))
    if claims.empty:
        return _empty_periods()

    first, last = _day_ranges(claims)
    if period == "month":
        first_p = _month_index(first)
        last_p = _month_index(last)
    else:
        first_p = (first + _MONDAY_SHIFT) // 7
        last_p = (last + _MONDAY_SHIFT) // 7
    n_periods = last_p - first_p + 1

    # Expand each claim to one row per period it overlaps, without a Python loop: repeat
    # the claim's row number, then count up from its first period within each run.
    rows = np.repeat(np.arange(len(claims)), n_periods)
    run_starts = np.repeat(np.cumsum(n_periods) - n_periods, n_periods)
    periods = first_p[rows] + (np.arange(len(rows)) - run_starts)

    group_codes, group_labels = _group_codes(claims[by])
    n_groups = len(group_labels)
    base = int(periods.min())
    keys = (periods - base) * n_groups + group_codes[rows]
    # A stable sort keeps the claims of each (period, group) in the input order.
    order = np.argsort(keys, kind="stable")
    keys, rows = keys[order], rows[order]
    unique_keys, first_index, counts = np.unique(keys, return_index=True, return_counts=True)
    ranged = np.add.reduceat((n_periods[rows] > 1).astype(np.int64), first_index)

    ids = np.asarray(claims["claim_id"].astype(str).to_numpy(dtype=object))[rows]
    id_tuples = [tuple(chunk) for chunk in np.split(ids, first_index[1:])]
    period_numbers = unique_keys // n_groups + base
    starts, labels = _period_starts_and_labels(period_numbers, period)
    return pd.DataFrame(
        {
            "period_start": starts,
            "period_label": labels,
            "group": np.asarray(group_labels, dtype=object)[unique_keys % n_groups],
            "n_claims": counts.astype(np.int64),
            "n_ranged": ranged.astype(np.int64),
            "claim_ids": id_tuples,
        }
    ).sort_values(["period_start", "group"], kind="stable", ignore_index=True)


def claim_bars(claims: pd.DataFrame, by: GroupBy) -> pd.DataFrame:
    """One row per claim for a range (Gantt-style) chart, sorted by group, start and id.

    ``end_exclusive`` is the day after ``date_end``, so a one-day claim is a bar one day
    wide rather than a zero-width line; ``is_range`` says whether the claim covers more
    than one day. Text columns come out as plain strings.

    >>> import pandas as pd
    >>> claims = pd.DataFrame({
    ...     "claim_id": ["C1"], "actor": ["Test Group A"], "claimant": ["Test Claimant"],
    ...     "date_start": pd.to_datetime(["2022-05-01"]),
    ...     "date_end": pd.to_datetime(["2022-05-01"]),
    ...     "date_precision": ["day"], "status": ["claimed"], "summary": ["A test claim."],
    ...     "source_id": ["test-source"],
    ... })
    >>> bar = claim_bars(claims, "actor").iloc[0]
    >>> str(bar["start"].date()), str(bar["end_exclusive"].date()), bool(bar["is_range"])
    ('2022-05-01', '2022-05-02', False)
    """
    _check_choice("by", by, GROUP_COLUMNS)
    needed = (
        "claim_id",
        "actor",
        "claimant",
        "date_start",
        "date_end",
        "date_precision",
        "status",
        "summary",
        "source_id",
        by,
    )
    _check_columns(claims, needed)
    if claims.empty:
        return pd.DataFrame(
            {column: pd.Series(dtype=_BAR_DTYPES.get(column, str)) for column in BAR_COLUMNS}
        )
    first, last = _day_ranges(claims)
    group_codes, group_labels = _group_codes(claims[by])
    bars = pd.DataFrame(
        {
            "claim_id": _text(claims["claim_id"]),
            "group": np.asarray(group_labels, dtype=object)[group_codes],
            "start": _to_timestamps(first),
            "end_exclusive": _to_timestamps(last + 1),
            "precision": _text(claims["date_precision"]),
            "place": _places(claims),
            "status": _text(claims["status"]),
            "summary": _text(claims["summary"]),
            "actor": _text(claims["actor"]),
            "claimant": _text(claims["claimant"]),
            "source_id": _text(claims["source_id"]),
            "is_range": last > first,
        }
    )
    return bars.sort_values(["group", "start", "claim_id"], kind="stable", ignore_index=True)


def _places(claims: pd.DataFrame) -> list[str]:
    """Each claim's place with its location precision ("near Bazarak"), "" if none."""
    n = len(claims)
    place = claims["place"].tolist() if "place" in claims.columns else [""] * n
    if "location_precision" in claims.columns:
        precision = claims["location_precision"].astype(object).tolist()
    else:
        precision = [None] * n
    return [location_text(p, q) for p, q in zip(place, precision, strict=True)]


_BAR_DTYPES = {"start": "datetime64[s]", "end_exclusive": "datetime64[s]", "is_range": bool}


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; use one of: {', '.join(allowed)}")


def _check_columns(claims: pd.DataFrame, needed: tuple[str, ...]) -> None:
    missing = [c for c in dict.fromkeys(needed) if c not in claims.columns]
    if missing:
        raise ValueError(
            f"the claims table lacks column(s) {', '.join(missing)}; pass the table from "
            "geo.model.claims (or a filter result's .shown), which has them all"
        )


def _day_ranges(claims: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each claim as days since 1970, checked for sense."""
    start = pd.to_datetime(claims["date_start"]).to_numpy().astype("datetime64[D]")
    end = pd.to_datetime(claims["date_end"]).to_numpy().astype("datetime64[D]")
    ids = claims["claim_id"].astype(str).to_numpy(dtype=object)
    no_start = np.isnat(start)
    if no_start.any():
        raise ValueError(
            f"claim {ids[np.argmax(no_start)]} has no date_start; every claim needs one "
            "(YYYY-MM-DD)"
        )
    # A blank end means the same day as the start, as in claims.csv.
    end = np.where(np.isnat(end), start, end)
    first = start.astype(np.int64)
    last = end.astype(np.int64)
    backwards = last < first
    if backwards.any():
        i = int(np.argmax(backwards))
        raise ValueError(
            f"claim {ids[i]} ends ({end[i]}) before it starts ({start[i]}); swap or correct "
            "its dates"
        )
    too_long = (last - first) > MAX_RANGE_DAYS
    if too_long.any():
        i = int(np.argmax(too_long))
        raise ValueError(
            f"claim {ids[i]} spans {start[i]} to {end[i]}, more than 20 years; check the "
            "years in its dates (a typo such as 2202 for 2022?)"
        )
    return first, last


def _month_index(days: np.ndarray) -> np.ndarray:
    """Months since January 1970 for days since 1970."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def _group_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes into a list of group labels; blanks get a label that says so."""
    blank = COUNTRY_WIDE if column.name == "province" else BLANK
    codes, uniques = pd.factorize(_text(column), sort=True)
    return codes.astype(np.int64), [str(u) or blank for u in uniques]


def _period_starts_and_labels(numbers: np.ndarray, period: Period) -> tuple[pd.Series, list[str]]:
    if period == "month":
        starts = numbers.astype("datetime64[M]").astype("datetime64[D]")
    else:
        starts = (numbers * 7 - _MONDAY_SHIFT).astype("datetime64[D]")
    # Labels are made once per distinct period: few, however many claims there are.
    distinct, inverse = np.unique(starts, return_inverse=True)
    names = [_label(d.astype(dt.date), period) for d in distinct]
    return _to_timestamps(starts.astype(np.int64)), [names[i] for i in inverse]


def _label(day: dt.date, period: Period) -> str:
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    # The ISO week-year differs from the calendar year around New Year (2021-01-03 is in
    # 2020-W53), and that is the year people reading "W53" expect.
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _to_timestamps(days: np.ndarray) -> pd.Series:
    return pd.Series(days.astype("datetime64[D]").astype("datetime64[s]"))


def _text(column: pd.Series) -> np.ndarray:
    """Plain Python strings, blanks as ""; categories are converted once, not per row."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        labels = np.append(np.asarray(column.cat.categories.astype(str), dtype=object), "")
        return labels[column.cat.codes.to_numpy()]  # code -1 (missing) picks the ""
    values = column.to_numpy(dtype=object, na_value="")
    return np.asarray([str(v) for v in values], dtype=object)


def _empty_periods() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period_start": pd.Series(dtype="datetime64[s]"),
            "period_label": pd.Series(dtype=str),
            "group": pd.Series(dtype=str),
            "n_claims": pd.Series(dtype=np.int64),
            "n_ranged": pd.Series(dtype=np.int64),
            "claim_ids": pd.Series(dtype=object),
        }
    )
