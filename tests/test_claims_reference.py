"""The column-wise claims checks against the row-by-row loader they replaced.

``reference_validate`` is the previous ``geo.model.claims.validate_claims``, kept here verbatim
in logic: one row at a time, one dict per row. Every table below, random or hostile, must
give the same problems in the same order, the same claims with the same types, and the
same rejected rows, whatever the chunk size.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geo.model.claims
import geo.reading.upload
from geo.model.claims import (
    _WHITESPACE,
    COLUMNS,
    REQUIRED_COLUMNS,
    ClaimsLoad,
    _typed,
    load_claims,
    validate_claims,
)
from geo.model.dates import parse_date
from geo.model.places import PlaceRegistry, load_place_registry
from geo.model.problems import FIRST_DATA_ROW, Problem, rejected_rows
from geo.model.sources import load_sources
from geo.model.vocab import (
    CLAIM_TYPES,
    DATE_PRECISIONS,
    DEFAULT_LOCATION_PRECISION,
    LOCATION_PRECISIONS,
    STATUSES,
)
from geo.reading.ingest import UnreadableFile
from geo.reading.upload import load_upload

CORPUS = Path(__file__).parent / "corpus"
SOURCES = {"src", "other-src", "NA"}

# --- the reference: the row-by-row loader -------------------------------------------------


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
_CHECK_LOCATION = _vocab_checker("location precision", LOCATION_PRECISIONS)


def reference_validate(
    raw: pd.DataFrame,
    *,
    places: PlaceRegistry,
    source_ids: Collection[str],
    row_numbers: Sequence[int] | None = None,
) -> tuple[pd.DataFrame, list[Problem], pd.DataFrame]:
    """The claims, problems and rejected rows, as the row-by-row loader made them."""
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
        empty = _typed(pd.DataFrame(columns=list(geo.model.claims.CLAIM_FIELDS)))
        return empty, problems, rejected_rows(raw, problems)
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

    claims = pd.DataFrame.from_records(records, columns=list(geo.model.claims.CLAIM_FIELDS))
    return _typed(claims), problems, rejected_rows(raw, problems, numbers)


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
        ("location_precision", _CHECK_LOCATION),
    ):
        if cell[column]:
            try:
                check(cell[column])
            except ValueError as exc:
                bad(column, str(exc))

    where = cell["location_precision"].lower()
    if where == "near" and not cell["place"]:
        bad("location_precision", geo.model.claims.NEAR_WITHOUT_PLACE)
    if where == "region" and cell["place"]:
        bad("place", geo.model.claims.REGION_WITH_PLACE)

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
        "location_precision": (
            _CHECK_LOCATION(cell["location_precision"])
            if cell["location_precision"]
            else DEFAULT_LOCATION_PRECISION
        ),
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


# --- comparing ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def places() -> PlaceRegistry:
    return load_place_registry()


def assert_same(load: ClaimsLoad, expected: tuple[pd.DataFrame, list[Problem], pd.DataFrame]):
    claims, problems, rejected = expected
    assert load.problems == problems
    pd.testing.assert_frame_equal(load.claims, claims, check_exact=True)
    pd.testing.assert_frame_equal(load.rejected, rejected, check_exact=True)


def check_both_ways(
    raw: pd.DataFrame,
    places: PlaceRegistry,
    row_numbers: Sequence[int] | None = None,
    chunk_sizes: Sequence[int] = (),
) -> None:
    # Every chunk costs a few pandas calls: chunks of one row only for small tables.
    chunk_sizes = chunk_sizes or ((1, 7, 1000) if len(raw) <= 40 else (37, 1000))
    expected = reference_validate(raw, places=places, source_ids=SOURCES, row_numbers=row_numbers)
    for chunk_rows in chunk_sizes:
        load = validate_claims(
            raw,
            places=places,
            source_ids=SOURCES,
            row_numbers=row_numbers,
            chunk_rows=chunk_rows,
        )
        assert_same(load, expected)


# --- random tables --------------------------------------------------------------------------

WS = [" ", "\t", "\u00a0", "\u3000", "\x1c", "\u2028", "\u200b"]  # the last is not whitespace


def pad(rng: random.Random, text: str) -> str:
    if rng.random() < 0.15:
        return rng.choice(WS) + text + rng.choice(WS)
    return text


CELLS: dict[str, list[str]] = {
    "claim_id": ["C1", "C2", "C3", "c1", "", " ", "NA", "C1 ", "0012", "ID-ß"],
    "claimant": ["NRF", "Taliban", "", "NA", "null", "نیروی مقاومت", "=cmd|' /C calc'!A0"],
    "actor": ["NRF", "Taliban", "ISKP", "", "None", "<b>x</b>"],
    "claim_type": [*CLAIM_TYPES, "Presence", " ATTACK ", "invasion", "", "İ", "control."],
    "province": [
        "Panjshir",
        "AF-PAN",
        "panjsher province",
        "Wilayat-e Kāpīsā",
        "Panjshirr",
        "Kapisa/Parwan",
        "Atlantis",
        "",
        "Kabul",
        "sar-e-pol",
        "K",
    ],
    "place": ["", "Dara", "the north", "NA"],
    "location_precision": [*LOCATION_PRECISIONS, "", "", " NEAR ", "Region", "exact"],
    "date_start": [
        "2021-12-01",
        "2022-05-16",
        "16 May 2022",
        "May 16, 2022",
        "2022-05-16 00:00:00",
        "2022-05-16T00:00",
        "05/06/2022",
        "2021-13-01",
        "2022-02-30",
        "soon",
        "",
        "0001-01-01",
        "9999-12-31",
        "2022-05-16T14:30:00",
    ],
    "date_end": [
        "",
        "",
        "2022-02-28",
        "2021-11-30",
        "2022-05-16",
        "31/12/2022",
        "later",
        "1 Jan 2023",
    ],
    "date_precision": [*DATE_PRECISIONS, "Season", "fortnight", ""],
    "status": [*STATUSES, "CLAIMED", "true", ""],
    "source_id": ["src", "other-src", "nope", "", "SRC", "NA"],
    "locator": ["intro", "", "p. 3"],
    "quote": ["", '"quoted" text', "a\nb"],
    "summary": ["it says so", "", "x" * 300],
}


def random_table(rng: random.Random, rows: int, bad: float) -> pd.DataFrame:
    """Rows mostly good (``bad`` is the chance of any cell being drawn from all values)."""
    good = {
        "claimant": "NRF",
        "actor": "Taliban",
        "claim_type": "presence",
        "province": "Panjshir",
        "place": "",
        "location_precision": "",
        "date_start": "2021-12-01",
        "date_end": "2022-02-28",
        "date_precision": "season",
        "status": "claimed",
        "source_id": "src",
        "locator": "intro",
        "quote": "",
        "summary": "it says so",
    }
    records = []
    for i in range(rows):
        record = {}
        for column in COLUMNS:
            if rng.random() < bad:
                record[column] = pad(rng, rng.choice(CELLS[column]))
            elif column == "claim_id":
                record[column] = f"C{rng.randrange(rows * 3)}" if rng.random() < 0.5 else f"U{i}"
            else:
                record[column] = good[column]
        records.append(record)
    return pd.DataFrame(records, columns=list(COLUMNS))


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_match_the_row_by_row_loader(places, seed: int) -> None:
    rng = random.Random(seed)
    raw = random_table(rng, rng.choice([1, 5, 40, 300]), bad=rng.choice([0.0, 0.05, 0.3, 1.0]))
    if seed % 3 == 1:  # shuffled columns, an extra one, an optional one missing
        columns = [c for c in COLUMNS if c != "quote"] + ["notes"]
        rng.shuffle(columns)
        raw = raw.assign(notes="x").reindex(columns=columns)
    as_text = raw.astype(str)  # pandas' own str dtype, as read_csv gives it
    check_both_ways(as_text, places)
    check_both_ways(raw.astype(object), places, chunk_sizes=(3,))
    numbers = sorted(rng.sample(range(2, len(raw) * 5 + 10), len(raw)))
    check_both_ways(as_text, places, row_numbers=numbers)


@pytest.mark.parametrize("seed", range(4))
def test_random_files_match_the_row_by_row_loader(places, tmp_path, monkeypatch, seed) -> None:
    rng = random.Random(100 + seed)
    raw = random_table(rng, 200, bad=0.1)
    path = tmp_path / "claims.csv"
    raw.to_csv(path, index=False)
    expected = reference_validate(
        pd.read_csv(path, dtype=str, keep_default_na=False), places=places, source_ids=SOURCES
    )
    for chunk_rows in (13, 10_000):
        monkeypatch.setattr(geo.model.claims, "CHUNK_ROWS", chunk_rows)
        assert_same(load_claims(path, places=places, source_ids=SOURCES), expected)


@pytest.mark.filterwarnings("ignore:DataFrame columns are not unique")
def test_hostile_cell_types_match(places) -> None:
    """Spreadsheet-like tables: NaN, None, pd.NA, numbers, timestamps, repeated columns."""
    base = random_table(random.Random(7), 12, bad=0.2)
    mixed = base.astype(object)
    mixed.loc[0, "claimant"] = float("nan")
    mixed.loc[1, "place"] = None
    mixed.loc[2, "locator"] = 12
    mixed.loc[3, "locator"] = 1.5
    mixed.loc[4, "date_start"] = pd.Timestamp("2022-05-16")
    mixed.loc[5, "date_start"] = dt.date(2022, 5, 16)
    mixed.loc[6, "quote"] = True
    mixed.loc[7, "summary"] = pd.NA
    check_both_ways(mixed, places)

    nullable = base.astype("string")
    nullable.loc[[1, 4], ["summary", "place"]] = pd.NA
    check_both_ways(nullable, places)

    numbers = base.assign(locator=np.arange(12), quote=np.linspace(0, 1, 12))
    check_both_ways(numbers, places)

    dates = base.assign(date_start=pd.date_range("2022-01-01", periods=12, freq="D"))
    check_both_ways(dates, places)

    twice = pd.concat([base, base[["summary"]].assign(summary="second")], axis=1)
    check_both_ways(twice, places)


def test_missing_columns_and_empty_tables_match(places) -> None:
    base = random_table(random.Random(3), 5, bad=0.3)
    check_both_ways(base.drop(columns=["status", "summary"]), places)
    check_both_ways(base.iloc[0:0], places)
    check_both_ways(pd.DataFrame(), places)
    check_both_ways(base.drop(columns=["province", "place", "date_end", "quote"]), places)


def test_every_row_rejected_matches(places) -> None:
    raw = random_table(random.Random(11), 50, bad=1.0).assign(claim_id="same")
    check_both_ways(raw, places)


def test_duplicates_across_chunks_name_the_first_row(places) -> None:
    raw = random_table(random.Random(5), 30, bad=0.0).assign(
        claim_id=[f"C{i % 4}" for i in range(30)]
    )
    load = validate_claims(raw, places=places, source_ids=SOURCES, chunk_rows=4)
    assert [p.row for p in load.errors] == list(range(6, 32))
    assert load.errors[0].message.startswith("duplicate id: row 2 already uses it")
    assert load.errors[-1].message.startswith("duplicate id: row 3 already uses it")
    check_both_ways(raw, places, chunk_sizes=(1, 4, 5, 30))


def test_strip_removes_what_python_strip_removes() -> None:
    import sys

    everything = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace())
    assert everything == _WHITESPACE


def test_corpus_tables_match_the_row_by_row_loader(places, monkeypatch) -> None:
    """What every corpus file becomes (claims, ACLED or mapped) checks the same both ways."""
    calls: list[tuple[pd.DataFrame, dict[str, object], ClaimsLoad]] = []
    real = geo.reading.upload.validate_claims

    def spy(raw: pd.DataFrame, **kwargs: object) -> ClaimsLoad:
        load = real(raw, **kwargs, chunk_rows=3)  # type: ignore[arg-type]
        calls.append((raw, kwargs, load))
        return load

    monkeypatch.setattr(geo.reading.upload, "validate_claims", spy)
    source_ids = frozenset(load_sources().ids)
    files = [
        p for p in sorted(CORPUS.iterdir()) if p.is_file() and p.suffix not in (".json", ".py")
    ]
    for path in files:
        try:
            load_upload(path.name, path.read_bytes(), places=places, source_ids=source_ids)
        except UnreadableFile:
            continue
    assert len(calls) >= 25
    for raw, kwargs, load in calls:
        expected = reference_validate(
            raw,
            places=kwargs["places"],  # type: ignore[arg-type]
            source_ids=kwargs["source_ids"],  # type: ignore[arg-type]
            row_numbers=kwargs["row_numbers"],  # type: ignore[arg-type]
        )
        assert_same(load, expected)


def test_built_in_claims_match(places) -> None:
    raw = pd.read_csv(geo.model.claims.DEFAULT_CLAIMS_CSV, dtype=str, keep_default_na=False)
    sources = load_sources().ids
    expected = reference_validate(raw, places=places, source_ids=sources)
    assert_same(load_claims(places=places, source_ids=sources), expected)


def test_csv_text_round_trip(places) -> None:
    text = "\n".join([",".join(COLUMNS), "C1,NRF,NRF,presence,,,,2022-01-01,,day,claimed,src,a,,s"])
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    check_both_ways(raw, places)


def test_many_categories_match(places) -> None:
    """Over 127 distinct values need wider category codes; chunks must agree on them."""
    rng = random.Random(21)
    raw = random_table(rng, 600, bad=0.02)
    raw["actor"] = [f"Actor {rng.randrange(400)}" for _ in range(len(raw))]
    raw["claimant"] = [f"Claimant {i % 150}" for i in range(len(raw))]
    check_both_ways(raw, places, chunk_sizes=(50, 1000))


@pytest.mark.parametrize(
    "weak_hash",
    [
        lambda ids: np.zeros(len(ids), dtype=np.uint64),
        lambda ids: np.array([len(i) % 3 for i in ids.tolist()], dtype=np.uint64),
    ],
)
def test_ids_that_share_a_hash_are_told_apart(places, monkeypatch, weak_hash) -> None:
    """Ids are remembered by hash across chunks; equal hashes must not mean equal ids."""
    monkeypatch.setattr(geo.model.claims, "_hash_ids", weak_hash)
    rng = random.Random(8)
    raw = random_table(rng, 120, bad=0.05)
    raw["claim_id"] = [rng.choice(["A", "B", "CC", "DDD", "E", "FF", f"U{i}"]) for i in range(120)]
    check_both_ways(raw, places, chunk_sizes=(1, 7, 1000))
