"""The claims table: reading it, checking every cell, and keeping what is sound.

A row with any error is rejected whole and reported (row, column, value, how to fix);
every other row loads. Nothing is dropped without a report, nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.dates import parse_date
from geo.paths import DATA_DIR
from geo.places import PlaceRegistry
from geo.problems import FIRST_DATA_ROW, Problem, rejected_rows
from geo.vocab import CLAIM_TYPES, DATE_PRECISIONS, STATUSES

DEFAULT_CLAIMS_CSV = DATA_DIR / "claims.csv"

REQUIRED_COLUMNS = (
    "claim_id",
    "claimant",
    "actor",
    "claim_type",
    "date_start",
    "date_precision",
    "status",
    "source_id",
    "locator",
    "summary",
)
# province blank means country-wide; date_end blank means the same day as date_start.
OPTIONAL_COLUMNS = ("province", "place", "date_end", "quote")
# The order of data/claims.csv and of the header users are told to write.
COLUMNS = (
    "claim_id",
    "claimant",
    "actor",
    "claim_type",
    "province",
    "place",
    "date_start",
    "date_end",
    "date_precision",
    "status",
    "source_id",
    "locator",
    "quote",
    "summary",
)

# The loaded table: the file's columns, plus the province as the user wrote it (beside the
# matched code) and the row it came from.
_AFTER_PROVINCE = COLUMNS.index("province") + 1
CLAIM_FIELDS = (*COLUMNS[:_AFTER_PROVINCE], "province_input", *COLUMNS[_AFTER_PROVINCE:], "row")


@dataclass
class ClaimsLoad:
    """What loading a claims table produced: the sound claims and every problem found."""

    claims: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    raw: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    row_numbers: Sequence[int] | None = None

    @property
    def rejected(self) -> pd.DataFrame:
        """The rejected input rows as they were, with their row numbers and reasons."""
        return rejected_rows(self.raw, self.problems, self.row_numbers)


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV as text, exactly as written: no type guessing, no 'NA' turned into NaN."""
    if not path.exists():
        raise FileNotFoundError(f"claims file {path} not found; check the path")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def load_claims(
    path: Path = DEFAULT_CLAIMS_CSV,
    *,
    places: PlaceRegistry,
    source_ids: Collection[str],
) -> ClaimsLoad:
    """Load and validate a claims CSV against a place registry and the known source ids."""
    return validate_claims(read_table(path), places=places, source_ids=source_ids)


def _vocab_checker(name: str, vocab: dict[str, str]) -> Callable[[str], str]:
    allowed = ", ".join(vocab)

    def check(text: str) -> str:
        term = text.strip().lower()
        if term not in vocab:
            raise ValueError(f"unknown {name}; use one of: {allowed}")
        return term

    return check


_CHECK_TYPE = _vocab_checker("claim type", CLAIM_TYPES)
_CHECK_STATUS = _vocab_checker("status", STATUSES)
_CHECK_PRECISION = _vocab_checker("date precision", DATE_PRECISIONS)


def validate_claims(
    raw: pd.DataFrame,
    *,
    places: PlaceRegistry,
    source_ids: Collection[str],
    row_numbers: Sequence[int] | None = None,
) -> ClaimsLoad:
    """Check every row of a claims table (all cells as text) and keep the sound ones.

    ``row_numbers`` gives each row's number in the user's own file when ``raw`` was derived
    from it (say, converted from an ACLED export that also had rows of other countries);
    by default rows are numbered as a spreadsheet numbers them, from 2.
    """
    raw = raw.reset_index(drop=True)
    if row_numbers is not None and len(row_numbers) != len(raw):
        raise ValueError(f"{len(row_numbers)} row numbers given for {len(raw)} rows")
    numbers = (
        list(row_numbers)
        if row_numbers is not None
        else [p + FIRST_DATA_ROW for p in range(len(raw))]
    )
    problems: list[Problem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        problems.append(
            Problem(
                None,
                ", ".join(missing),
                "",
                f"required column(s) missing: {', '.join(missing)}. The header row must "
                f"name these columns: {', '.join(COLUMNS)}",
            )
        )
        return ClaimsLoad(_empty_claims(), problems, raw)
    for extra in [c for c in raw.columns if c not in COLUMNS]:
        problems.append(
            Problem(None, str(extra), "", "not a claims column; it was ignored", "note")
        )

    known_sources = set(source_ids)
    first_seen: dict[str, int] = {}
    records: list[dict[str, object]] = []
    for row, values in zip(numbers, raw.to_dict("records"), strict=True):
        cell = {c: _text(values.get(c)) for c in COLUMNS}
        row_problems = _check_row(row, cell, places, known_sources, first_seen)
        problems.extend(row_problems)
        if not row_problems:
            records.append(_record(row, cell, places))

    claims = pd.DataFrame.from_records(records, columns=list(CLAIM_FIELDS))
    return ClaimsLoad(_typed(claims), problems, raw, numbers)


def _check_row(
    row: int,
    cell: dict[str, str],
    places: PlaceRegistry,
    known_sources: set[str],
    first_seen: dict[str, int],
) -> list[Problem]:
    found: list[Problem] = []

    def bad(column: str, message: str) -> None:
        found.append(Problem(row, column, cell.get(column, ""), message))

    for column in REQUIRED_COLUMNS:
        if not cell[column]:
            bad(column, f"{column} is empty; every claim needs one")

    claim_id = cell["claim_id"]
    if claim_id:
        if claim_id in first_seen:
            bad(
                "claim_id",
                f"duplicate id: row {first_seen[claim_id]} already uses it; "
                "give each claim its own id",
            )
        else:
            first_seen[claim_id] = row

    for column, check in (
        ("claim_type", _CHECK_TYPE),
        ("status", _CHECK_STATUS),
        ("date_precision", _CHECK_PRECISION),
    ):
        if cell[column]:
            try:
                check(cell[column])
            except ValueError as exc:
                bad(column, str(exc))

    start = _date_or_problem(cell, "date_start", bad)
    end = _date_or_problem(cell, "date_end", bad) if cell["date_end"] else start
    if start is not None and end is not None and end < start:
        bad("date_end", f"ends ({end}) before it starts ({start}); swap or correct the dates")

    if cell["source_id"] and cell["source_id"] not in known_sources:
        bad("source_id", "unknown source id; add the source to sources.csv or fix the id")

    if cell["province"]:
        match = places.match(cell["province"])
        if not match.matched:
            explanation = match.explain()
            if not explanation.endswith(("?", ".")):
                explanation += "."
            bad(
                "province",
                explanation + " Use a province name or code, or leave it blank for a "
                "country-wide claim and put the area in 'place'.",
            )
    return found


def _text(value: object) -> str:
    # Tables read from spreadsheets hold NaN for empty cells; everything else is shown as text.
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def _date_or_problem(
    cell: dict[str, str], column: str, bad: Callable[[str, str], None]
) -> dt.date | None:
    if not cell[column]:
        return None
    try:
        return parse_date(cell[column])
    except ValueError as exc:
        bad(column, str(exc))
        return None


def _record(row: int, cell: dict[str, str], places: PlaceRegistry) -> dict[str, object]:
    start = parse_date(cell["date_start"])
    end = parse_date(cell["date_end"]) if cell["date_end"] else start
    province = places.match(cell["province"]).code if cell["province"] else None
    return {
        "claim_id": cell["claim_id"],
        "claimant": cell["claimant"],
        "actor": cell["actor"],
        "claim_type": _CHECK_TYPE(cell["claim_type"]),
        "province": province,
        "province_input": cell["province"],
        "place": cell["place"],
        "date_start": start,
        "date_end": end,
        "date_precision": _CHECK_PRECISION(cell["date_precision"]),
        "status": _CHECK_STATUS(cell["status"]),
        "source_id": cell["source_id"],
        "locator": cell["locator"],
        "quote": cell["quote"],
        "summary": cell["summary"],
        "row": row,
    }


def _empty_claims() -> pd.DataFrame:
    return _typed(pd.DataFrame(columns=list(CLAIM_FIELDS)))


# Few distinct values, many rows: categories make filtering and grouping a matter of
# integer codes, and keep a million claims small in memory.
CATEGORY_COLUMNS = (
    "claimant",
    "actor",
    "claim_type",
    "province",
    "date_precision",
    "status",
    "source_id",
)


def _typed(claims: pd.DataFrame) -> pd.DataFrame:
    out = claims.copy()
    for column in ("date_start", "date_end"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[s]")
    out["row"] = out["row"].astype("int64")
    return with_claim_dtypes(out)


def with_claim_dtypes(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims table's column types, restored after a concat or a hand-built frame."""
    out = claims.copy()
    for column in CLAIM_FIELDS:
        if column in CATEGORY_COLUMNS:
            out[column] = out[column].astype("string").astype("category")
        elif column not in ("date_start", "date_end", "row"):
            out[column] = out[column].astype("string")
    return out
