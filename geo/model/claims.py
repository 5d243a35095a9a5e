"""The claims table: reading it, checking every cell, and keeping what is sound.

A row with any error is rejected whole and reported (row, column, value, how to fix);
every other row loads. Nothing is dropped without a report, nothing is guessed.

The checks run a column at a time over chunks of rows, and each distinct date, place name
or vocabulary term is looked at once, so a million rows take seconds, not minutes. Files
are read a chunk at a time, and of the input only the rejected rows are kept (for the
"as they were" download), so memory stays close to the size of the loaded claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from geo.model.dates import date_or_reason
from geo.model.places import PlaceRegistry
from geo.model.problems import FIRST_DATA_ROW, Problem, rejected_rows
from geo.model.vocab import (
    CLAIM_TYPES,
    DATE_PRECISIONS,
    DEFAULT_LOCATION_PRECISION,
    LOCATION_PRECISIONS,
    STATUSES,
)
from geo.paths import DATA_DIR

DEFAULT_CLAIMS_CSV = DATA_DIR / "claims.csv"

# Told the share of the work done, from 0 to 1, a few times while a table loads.
ProgressCallback = Callable[[float], None]

# Rows checked (and read) at a time: enough that each chunk's pandas calls cost little per
# row, few enough that a chunk's text and its temporary arrays stay a few tens of MB.
CHUNK_ROWS = 50_000
# Distinct dates and place names remembered across chunks. A hostile file may hold a
# million different ones; past this they are still checked, once per chunk.
_CACHE_LIMIT = 100_000
# Problems listed in full. A hostile or badly mapped file of a million tiny rows can have
# ten problems a row (over a gigabyte of them); past this, each further rejected row keeps
# only its first problem, so every rejected row is still reported with its row number.
MAX_DETAILED_PROBLEMS = 100_000

# What str.strip() removes, handed to pandas' strip() by name: cells have always been
# stripped by str.strip(), and Arrow's own idea of whitespace is not promised to match.
# Written out rather than found by scanning 65,536 characters at every start-up; a test
# checks it against the whole Unicode range.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

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
# province blank means country-wide; date_end blank means the same day as date_start;
# location_precision blank (or absent, as in data/claims.csv) means
# DEFAULT_LOCATION_PRECISION.
OPTIONAL_COLUMNS = ("province", "place", "location_precision", "date_end", "quote")
# The order of the header users are told to write, and of data/claims.csv less
# location_precision, which its claims leave at the default.
COLUMNS = (
    "claim_id",
    "claimant",
    "actor",
    "claim_type",
    "province",
    "place",
    "location_precision",
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

# How a CSV is read: every cell as the text written, "NA" and "null" as words.
_READ_CSV = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}


@dataclass
class ClaimsLoad:
    """What loading a claims table produced: the sound claims and every problem found.

    ``raw`` holds only the input rows that were rejected, as they were, and
    ``row_numbers`` their row numbers: what :attr:`rejected` needs, without keeping a
    second, text copy of a large table alive beside the claims.
    """

    claims: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    raw: pd.DataFrame = field(default_factory=pd.DataFrame)
    row_numbers: Sequence[int] | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def rejected(self) -> pd.DataFrame:
        """The rejected input rows as they were, with their row numbers and reasons."""
        return rejected_rows(self.raw, self.problems, self.row_numbers)


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV as text, exactly as written: no type guessing, no 'NA' turned into NaN."""
    if not path.exists():
        raise FileNotFoundError(f"claims file {path} not found; check the path")
    return pd.read_csv(path, **_READ_CSV)


def load_claims(
    path: Path = DEFAULT_CLAIMS_CSV,
    *,
    places: PlaceRegistry,
    source_ids: Collection[str],
    progress: ProgressCallback | None = None,
) -> ClaimsLoad:
    """Load and validate a claims CSV against a place registry and the known source ids.

    The file is read and checked :data:`CHUNK_ROWS` rows at a time; ``progress`` is told
    the share of the file read after each chunk, and 1.0 at the end.
    """
    if not path.exists():
        raise FileNotFoundError(f"claims file {path} not found; check the path")
    size = max(path.stat().st_size, 1)
    checker: _Checker | None = None
    with (
        path.open("rb") as handle,
        pd.read_csv(handle, chunksize=CHUNK_ROWS, **_READ_CSV) as reader,
    ):
        for chunk in reader:
            if checker is None:
                checker = _Checker(chunk.columns, places, source_ids)
            # A file missing a required column is still read to its end, so that a
            # malformed line further down fails the load exactly as a whole read would.
            checker.check(chunk.reset_index(drop=True))
            if progress is not None:
                # The parser reads ahead of the rows it returns; 1.0 waits for the end.
                progress(min(handle.tell() / size, 0.99))
    if checker is None:
        checker = _Checker(pd.Index([]), places, source_ids)
    load = checker.finish()
    if progress is not None:
        progress(1.0)
    return load


def validate_claims(
    raw: pd.DataFrame,
    *,
    places: PlaceRegistry,
    source_ids: Collection[str],
    row_numbers: Sequence[int] | None = None,
    progress: ProgressCallback | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ClaimsLoad:
    """Check every row of a claims table (all cells as text) and keep the sound ones.

    ``row_numbers`` gives each row's number in the user's own file when ``raw`` was derived
    from it (say, converted from an ACLED export that also had rows of other countries);
    by default rows are numbered as a spreadsheet numbers them, from 2. ``progress`` is
    told the share of rows checked after every ``chunk_rows`` rows, and 1.0 at the end.
    """
    if row_numbers is not None and len(row_numbers) != len(raw):
        raise ValueError(f"{len(row_numbers)} row numbers given for {len(raw)} rows")
    raw = raw.reset_index(drop=True)
    checker = _Checker(raw.columns, places, source_ids, row_numbers)
    checker.check(raw.iloc[0:0])
    if not checker.missing:
        for start in range(0, len(raw), max(chunk_rows, 1)):
            checker.check(raw.iloc[start : start + chunk_rows])
            if progress is not None:
                progress(min(start + chunk_rows, len(raw)) / len(raw))
    load = checker.finish()
    if progress is not None:
        progress(1.0)
    return load


_VOCABULARIES = (
    ("claim_type", "claim type", CLAIM_TYPES),
    ("status", "status", STATUSES),
    ("date_precision", "date precision", DATE_PRECISIONS),
    ("location_precision", "location precision", LOCATION_PRECISIONS),
)

# Why a location precision does not fit the place written beside it.
NEAR_WITHOUT_PLACE = (
    "location precision 'near' needs the place the claim is near: fill in 'place', or use "
    "'region' when only a wider area such as the province is known"
)
REGION_WITH_PLACE = (
    "location precision 'region' means no place within the province is known, so 'place' "
    "must be empty: clear it, or use 'place' or 'near' if the place is known"
)


class _Checker:
    """The checks, fed a table chunk by chunk; what must span chunks (ids seen) lives here."""

    def __init__(
        self,
        columns: pd.Index,
        places: PlaceRegistry,
        source_ids: Collection[str],
        row_numbers: Sequence[int] | None = None,
    ) -> None:
        self.places = places
        self.known_sources = set(source_ids)
        self.row_numbers = row_numbers
        self.rows_seen = 0
        self.problems: list[Problem] = []
        self.missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if self.missing:
            self.problems.append(
                Problem(
                    None,
                    ", ".join(self.missing),
                    "",
                    f"required column(s) missing: {', '.join(self.missing)}. The header row "
                    f"must name these columns: {', '.join(COLUMNS)}",
                )
            )
        else:
            self.problems += [
                Problem(None, str(extra), "", "not a claims column; it was ignored", "note")
                for extra in columns
                if extra not in COLUMNS
            ]
        self.first_use = _FirstUse()
        self.matches: dict[str, tuple[str | None, str | None]] = {}
        self.accepted: list[pd.DataFrame] = []
        self.rejected: list[pd.DataFrame] = []
        self.rejected_numbers: list[int] = []
        self.detailed = 0  # row problems listed in full so far
        self.shortened = 0  # row problems left out past MAX_DETAILED_PROBLEMS
        self.empty_raw: pd.DataFrame | None = None

    def check(self, raw: pd.DataFrame) -> None:
        """Check the next rows of the table (a frame with a fresh 0..n-1 index)."""
        n = len(raw)
        first = self.rows_seen
        self.rows_seen += n
        if self.empty_raw is None:
            self.empty_raw = _no_rows(raw)
        if self.missing or n == 0:
            return
        numbers = (
            list(self.row_numbers[first : first + n])
            if self.row_numbers is not None
            else list(range(first + FIRST_DATA_ROW, first + FIRST_DATA_ROW + n))
        )
        cells = {c: _cells(raw, c) for c in COLUMNS}
        empty = {c: (cells[c] == "").to_numpy(dtype=bool) for c in COLUMNS}
        # The checks are made in the order the row-by-row loader made them, so that within
        # a row the problems are listed as they always were.
        found = _Found(numbers, cells)
        for column in REQUIRED_COLUMNS:
            found.add(column, empty[column], f"{column} is empty; every claim needs one")

        found.add("claim_id", *self._duplicates(cells["claim_id"], numbers))

        terms: dict[str, tuple[np.ndarray, list[str]]] = {}
        for column, name, vocab in _VOCABULARIES:
            codes, uniques = pd.factorize(cells[column])
            allowed = ", ".join(vocab)
            lowered = [u.strip().lower() for u in uniques.tolist()]
            known = np.array(
                [t in vocab or not u for t, u in zip(lowered, uniques, strict=True)], dtype=bool
            )
            found.add(column, ~known[codes], f"unknown {name}; use one of: {allowed}")
            terms[column] = codes, lowered

        codes, lowered = terms["location_precision"]
        named = ~empty["place"]
        found.add(
            "location_precision",
            np.array([t == "near" for t in lowered], dtype=bool)[codes] & ~named,
            NEAR_WITHOUT_PLACE,
        )
        found.add(
            "place",
            np.array([t == "region" for t in lowered], dtype=bool)[codes] & named,
            REGION_WITH_PLACE,
        )
        terms["location_precision"] = codes, [t or DEFAULT_LOCATION_PRECISION for t in lowered]

        start, start_codes, start_dates = self._dates_of(cells["date_start"], found)
        end, end_codes, end_dates = self._dates_of(cells["date_end"], found)
        # A blank end is the start day, so only a written end can come before the start.
        backwards = end < start  # NaT (empty or unreadable) compares False
        found.add(
            "date_end",
            backwards,
            [
                _ends_before(end_dates[end_codes[p]], start_dates[start_codes[p]])
                for p in np.flatnonzero(backwards)
            ],
        )
        end = np.where(empty["date_end"], start, end)

        codes, uniques = pd.factorize(cells["source_id"])
        known = np.array([not u or u in self.known_sources for u in uniques.tolist()], dtype=bool)
        found.add(
            "source_id",
            ~known[codes],
            "unknown source id; add the source to sources.csv or fix the id",
        )

        codes, uniques = pd.factorize(cells["province"])
        matched = [self._match(u) for u in uniques.tolist()]
        unmatched = np.array([why is not None for _, why in matched], dtype=bool)[codes]
        found.add("province", unmatched, [matched[c][1] for c in codes[unmatched]])
        province = codes, [code for code, _ in matched]

        listed, left_out = found.in_row_order(MAX_DETAILED_PROBLEMS - self.detailed)
        self.detailed += len(listed)
        self.shortened += left_out
        self.problems += listed
        bad = found.rows
        if bad.any():
            positions = np.flatnonzero(bad)
            self.rejected.append(raw.iloc[positions])
            self.rejected_numbers += [numbers[p] for p in positions]
        keep = ~bad
        if keep.any():
            text = {c: cells[c].array if keep.all() else cells[c].array[keep] for c in COLUMNS}
            piece = pd.DataFrame(
                {
                    **text,
                    "claim_type": _category(*terms["claim_type"], keep),
                    "province": _category(*province, keep),
                    "province_input": text["province"],
                    "date_start": start[keep],
                    "date_end": end[keep],
                    "location_precision": _category(*terms["location_precision"], keep),
                    "date_precision": _category(*terms["date_precision"], keep),
                    "status": _category(*terms["status"], keep),
                    "row": np.asarray(numbers, dtype="int64")[keep],
                },
                columns=list(CLAIM_FIELDS),
            )
            # As categories now, the repeated text of these columns is held once per chunk,
            # not once per row, until all chunks are joined.
            for column in CATEGORY_COLUMNS:
                piece[column] = piece[column].astype("category")
            self.accepted.append(piece)

    def finish(self) -> ClaimsLoad:
        if self.shortened:
            self.problems.append(
                Problem(
                    None,
                    None,
                    "",
                    f"more than {MAX_DETAILED_PROBLEMS:,} problems were found, so past that only "
                    f"the first problem of each rejected row is listed ({self.shortened:,} "
                    "more were not); fix the rows listed and load the file again to see the rest",
                    "note",
                )
            )
        empty_raw = self.empty_raw if self.empty_raw is not None else pd.DataFrame()
        raw = pd.concat(self.rejected, ignore_index=True) if self.rejected else empty_raw.copy()
        claims = concat_claims(self.accepted) if self.accepted else empty_claims()
        self.accepted, self.rejected = [], []
        return ClaimsLoad(claims, self.problems, raw, self.rejected_numbers)

    def _duplicates(self, ids: pd.Series, numbers: list[int]) -> tuple[np.ndarray, list[str]]:
        duplicate, earlier = self.first_use.check(ids, np.asarray(numbers, dtype=np.int64))
        messages = [
            f"duplicate id: row {earlier[p]} already uses it; give each claim its own id"
            for p in np.flatnonzero(duplicate)
        ]
        return duplicate, messages

    def _dates_of(
        self, cells: pd.Series, found: _Found
    ) -> tuple[np.ndarray, np.ndarray, list[dt.date | None]]:
        """Each row's date (NaT when empty or unreadable), and each distinct one's ``date``
        with the rows' codes into that list (for messages)."""
        codes, uniques = pd.factorize(cells)
        parsed = [self._parse(u) for u in uniques.tolist()]
        dates = [d if isinstance(d, dt.date) else None for d in parsed]
        unreadable = np.array([isinstance(d, str) for d in parsed], dtype=bool)[codes]
        found.add(str(cells.name), unreadable, [parsed[c] for c in codes[unreadable]])
        as_numbers = np.array(
            [np.datetime64("NaT", "s") if d is None else np.datetime64(d, "s") for d in dates],
            dtype="datetime64[s]",
        )
        return as_numbers[codes], codes, dates

    def _parse(self, text: str) -> dt.date | str | None:
        """A date, the reason it is not one, or None for an empty cell."""
        if not text:
            return None
        return date_or_reason(text)

    def _match(self, text: str) -> tuple[str | None, str | None]:
        """A place name's code, or why it matched none (None, None for an empty cell)."""
        if not text:
            return None, None
        outcome = self.matches.get(text)
        if outcome is None:
            match = self.places.match(text)
            if match.matched:
                outcome = match.code, None
            else:
                explanation = match.explain()
                if not explanation.endswith(("?", ".")):
                    explanation += "."
                outcome = (
                    None,
                    explanation + " Use a province name or code, or leave it blank for a "
                    "country-wide claim and put the area in 'place'.",
                )
            if len(self.matches) < _CACHE_LIMIT:
                self.matches[text] = outcome
        return outcome


def _hash_ids(ids: pd.Index) -> np.ndarray:
    # The ids are distinct already: no need for hash_array to factorize them again.
    return pd.util.hash_array(ids.to_numpy(dtype=object), categorize=False)


class _FirstUse:
    """The row that first used each claim id, remembered across chunks in ~40 bytes per id.

    Ids must be unique across the whole table. A dict of a million ids would hold a million
    Python strings and ints (over 100 MB); instead each id's 64-bit hash sits in a sorted
    array beside the row that first used it. A hash found there is confirmed against the
    id itself (kept as Arrow text), so two ids that share a hash are still told apart: the
    later one is remembered in a dict, which in practice stays empty.
    """

    def __init__(self) -> None:
        self.hashes = np.empty(0, dtype=np.uint64)
        self.rows = np.empty(0, dtype=np.int64)
        self.where = np.empty(0, dtype=np.int64)  # the id's place in ``ids``
        self.ids: list[pd.Series] = []
        self.stored = 0
        self.collided: dict[str, int] = {}

    def check(self, ids: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which rows reuse an id (empty ids aside), and for each row the row that first
        used its id (its own row when it is the first)."""
        duplicate = np.zeros(len(ids), dtype=bool)
        earlier = rows.copy()
        given = np.flatnonzero((ids != "").to_numpy(dtype=bool))
        if not len(given):
            return duplicate, earlier
        codes, uniques = pd.factorize(ids.iloc[given])
        # factorize numbers distinct ids 0, 1, ... in order of first appearance.
        _, first = np.unique(codes, return_index=True)
        hashes = _hash_ids(uniques)
        # In hash order, binary searches into the sorted hashes walk forward.
        order = np.argsort(hashes, kind="stable")
        uniques, hashes, first = uniques[order], hashes[order], first[order]
        codes = np.argsort(order)[codes]
        seen, owner = self._find(uniques, hashes)
        owner = np.where(seen, owner, rows[given[first]])
        repeated = np.ones(len(given), dtype=bool)
        repeated[first] = False
        duplicate[given] = repeated | seen[codes]
        earlier[given] = owner[codes]
        new = ~seen
        self._add(uniques[new], hashes[new], owner[new])
        return duplicate, earlier

    def _slots(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each hash is or would go among the sorted ones, and whether it is there."""
        slots = np.searchsorted(self.hashes, hashes)
        if not len(self.hashes):
            return slots, np.zeros(len(hashes), dtype=bool)
        return slots, self.hashes[np.minimum(slots, len(self.hashes) - 1)] == hashes

    def _find(self, uniques: pd.Index, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether an earlier chunk used each of these distinct ids, and in which row."""
        seen = np.zeros(len(uniques), dtype=bool)
        rows = np.zeros(len(uniques), dtype=np.int64)
        slots, taken = self._slots(hashes)
        candidates = np.flatnonzero(taken)
        if not len(candidates):
            return seen, rows
        slots = slots[candidates]
        stored = pd.concat(self.ids, ignore_index=True).iloc[self.where[slots]].tolist()
        mine = uniques[candidates].tolist()
        for i, slot, theirs, text in zip(candidates, slots, stored, mine, strict=True):
            if text == theirs:
                seen[i], rows[i] = True, self.rows[slot]
            elif text in self.collided:
                seen[i], rows[i] = True, self.collided[text]
        return seen, rows

    def _add(self, uniques: pd.Index, hashes: np.ndarray, rows: np.ndarray) -> None:
        """Remember ids (sorted by hash) that no earlier chunk used, with their first row."""
        if not len(uniques):
            return
        # A hash already taken, by an earlier id or one before it here, goes to the dict.
        slots, taken = self._slots(hashes)
        fresh = ~taken
        fresh[1:] &= hashes[1:] != hashes[:-1]
        for i in np.flatnonzero(~fresh):
            self.collided[uniques[i]] = int(rows[i])
        keep = np.flatnonzero(fresh)
        self.ids.append(pd.Series(uniques[keep]))
        where = self.stored + np.arange(len(keep), dtype=np.int64)
        self.stored += len(keep)
        self.hashes = np.insert(self.hashes, slots[keep], hashes[keep])
        self.rows = np.insert(self.rows, slots[keep], rows[keep])
        self.where = np.insert(self.where, slots[keep], where)


class _Found:
    """The problems of one chunk, gathered check by check and listed row by row.

    Each check's rows are kept as arrays; a :class:`Problem` is made only for those listed.
    """

    def __init__(self, numbers: list[int], cells: dict[str, pd.Series]) -> None:
        self.numbers = numbers
        self.cells = cells
        self.rows = np.zeros(len(numbers), dtype=bool)
        self._checks: list[tuple[str, np.ndarray, str | list[str]]] = []

    def add(self, column: str, where: np.ndarray, message: str | list[str]) -> None:
        """A problem in ``column`` of every row where ``where`` holds.

        ``message`` is one for all, or one per flagged row. A stable sort by row keeps the
        order the checks were added in within a row.
        """
        positions = np.flatnonzero(where)
        if not len(positions):
            return
        self.rows |= where
        self._checks.append((column, positions, message))

    def in_row_order(self, room: int) -> tuple[list[Problem], int]:
        """The problems by row: all of the first ``room``, then each row's first only.

        Also how many were left out.
        """
        if not self._checks:
            return [], 0
        positions = np.concatenate([p for _, p, _ in self._checks])
        check = np.repeat(np.arange(len(self._checks)), [len(p) for _, p, _ in self._checks])
        within = np.concatenate([np.arange(len(p)) for _, p, _ in self._checks])
        order = np.argsort(positions, kind="stable")
        listed = np.zeros(len(order), dtype=bool)
        listed[: max(room, 0)] = True
        first_of_row = np.ones(len(order), dtype=bool)
        first_of_row[1:] = positions[order][1:] != positions[order][:-1]
        listed |= first_of_row
        out = []
        for i in order[listed].tolist():
            column, rows, message = self._checks[check[i]]
            at = int(within[i])
            position = int(rows[at])
            text = message if isinstance(message, str) else message[at]
            out.append(
                Problem(self.numbers[position], column, self.cells[column].iat[position], text)
            )
        return out, int(len(order) - listed.sum())


def _category(codes: np.ndarray, labels: list[str | None], keep: np.ndarray) -> pd.Categorical:
    """The kept rows' labels as categories, given each row's code into ``labels``."""
    # Labels may repeat ("Presence" and "presence" are both "presence"); None is missing.
    # Only the kept rows' labels are categories, as astype("category") would make them.
    label_codes, categories = pd.factorize(pd.array(labels, dtype="string"))
    kept = pd.Categorical.from_codes(
        label_codes[codes[keep]], dtype=pd.CategoricalDtype(categories)
    )
    return kept.remove_unused_categories()


def _no_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw``'s columns and types with no rows, sharing no memory with ``raw``.

    ``raw.iloc[0:0]`` would be a view, keeping the whole of ``raw``'s text alive.
    """
    empty = pd.DataFrame(
        {i: pd.Series(pd.array([], dtype=dtype)) for i, dtype in enumerate(raw.dtypes)}
    )
    empty.columns = raw.columns
    return empty


def concat_claims(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunks of claims as one table, typed as :func:`with_claim_dtypes` types it.

    Each chunk's category columns must already be categories: joining them is then a
    matter of their codes, with no second copy of the text.
    """
    columns: dict[str, object] = {}
    for column in CLAIM_FIELDS:
        if column in CATEGORY_COLUMNS:
            # Sorted categories, as astype("category") gives for the whole column.
            columns[column] = union_categoricals([p[column] for p in pieces], sort_categories=True)
        else:
            columns[column] = pd.concat([p[column] for p in pieces], ignore_index=True)
    return pd.DataFrame(columns, columns=list(CLAIM_FIELDS))


def _ends_before(end: dt.date | None, start: dt.date | None) -> str:
    return f"ends ({end}) before it starts ({start}); swap or correct the dates"


def _cells(raw: pd.DataFrame, column: Hashable) -> pd.Series:
    """A column's cells as text with surrounding whitespace removed ("" if no such column).

    The same text :func:`_text` gives cell by cell, but done by pandas for text columns.
    """
    # With repeated column names the last one wins, as it did in a row's dict.
    positions = [i for i, c in enumerate(raw.columns) if c == column]
    if not positions:
        return pd.Series(pd.array([""] * len(raw), dtype="string"), name=column)
    values = raw.iloc[:, positions[-1]]
    is_text = (
        isinstance(values.dtype, pd.StringDtype)
        or pd.api.types.infer_dtype(values, skipna=False) == "string"
    )
    if is_text and not values.hasnans:
        stripped = values.str.strip(_WHITESPACE)
    else:
        stripped = pd.Series([_text(_native(v)) for v in values], dtype=object)
    return stripped.astype("string").rename(column).reset_index(drop=True)


def _native(value: object) -> object:
    # What DataFrame.to_dict("records") gave the row-by-row loader for the same cell.
    if value is pd.NA:
        return None
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    return value


def _text(value: object) -> str:
    # Tables read from spreadsheets hold NaN for empty cells; everything else is shown as text.
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def empty_claims() -> pd.DataFrame:
    """A claims table with no rows, typed as a loaded one."""
    return _typed(pd.DataFrame(columns=list(CLAIM_FIELDS)))


# Few distinct values, many rows: categories make filtering and grouping a matter of
# integer codes, and keep a million claims small in memory.
CATEGORY_COLUMNS = (
    "claimant",
    "actor",
    "claim_type",
    "province",
    "location_precision",
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
