"""Every file of tests/corpus through the whole upload pipeline, against expected.json.

The files are committed data written by tests/corpus/make_corpus.py; this test only reads
them. Whatever a file holds, every data row must end up either loaded or reported.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from geo.model.places import PlaceRegistry, load_place_registry
from geo.model.sources import load_sources
from geo.reading.ingest import UnreadableFile
from geo.reading.upload import UploadResult, load_upload

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict[str, object]] = json.loads(
    (CORPUS / "expected.json").read_text(encoding="utf-8")
)


@cache
def places() -> PlaceRegistry:
    return load_place_registry()


@cache
def builtin_source_ids() -> frozenset[str]:
    return frozenset(load_sources().ids)


def upload(name: str, data: bytes) -> UploadResult:
    return load_upload(name, data, places=places(), source_ids=builtin_source_ids())


def test_corpus_has_at_least_30_files_all_expected() -> None:
    files = {
        p.name
        for p in CORPUS.iterdir()
        if p.is_file()  # fuzz/ holds the fuzz tests' own (tests/test_fuzz_regressions.py)
        and p.name not in ("expected.json", "make_corpus.py")
        and not p.name.startswith(".")
    }
    assert len(files) >= 30
    assert files == set(EXPECTED), "every corpus file needs an expectation, and vice versa"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str) -> None:
    expected = EXPECTED[name]
    data = (CORPUS / name).read_bytes()
    original = bytes(data)
    if "unreadable" in expected:
        with pytest.raises(UnreadableFile) as caught:
            upload(name, data)
        assert str(expected["unreadable"]) in str(caught.value)
        assert name in str(caught.value), "the message names the file"
        return
    result = upload(name, data)
    assert data == original, "the user's bytes are never changed"
    assert result.kind == expected["kind"]

    errors = [p for p in result.problems if p.severity == "error"]
    unmatched = list(errors)
    for row, column, part in expected["errors"]:  # type: ignore[misc]
        hit = next(
            (
                p
                for p in unmatched
                if p.row == row and names(p.column, column) and part in p.message
            ),
            None,
        )
        assert hit is not None, (
            f"no error at row {row}, column {column}: {part!r}; got "
            + "\n".join(map(str, unmatched))
        )
        unmatched.remove(hit)
    assert not unmatched, "unexpected errors:\n" + "\n".join(map(str, unmatched))

    for part in expected.get("notes", []):  # type: ignore[attr-defined]
        assert any(part in note for note in result.notes), f"no note with {part!r}: {result.notes}"

    # Garbled text is always told, and only then: a warning nobody expected is a failure too.
    warnings = expected.get("warnings", [])
    assert len(result.warnings) == (1 if warnings else 0), result.warnings
    for part in warnings:  # type: ignore[attr-defined]
        assert any(part in w for w in result.warnings), f"no warning with {part!r}"
    if "encoding" in expected:
        assert result.read.encoding == expected["encoding"]
    if "cells" in expected:
        frame = result.read.frame
        assert [list(frame.columns), *frame.to_numpy().tolist()] == expected["cells"]

    assert len(result.load.claims) == expected["loaded"]
    for column, values in expected.get("values", {}).items():  # type: ignore[attr-defined]
        assert [_text(v) for v in result.load.claims[column]] == values

    # Every data row is loaded or reported, never both, never neither.
    loaded = set(result.load.claims["row"])
    reported = {p.row for p in errors if p.row is not None}
    read_rows = set(result.read.row_numbers) | {n for n, _ in result.read.bad_rows}
    assert len(read_rows) == result.read.data_rows
    assert not loaded & reported
    assert loaded | reported == read_rows
    assert len(loaded) + len(reported) == result.read.data_rows
    for row in reported:
        assert row > result.read.header_row


def names(reported: str | None, field: str | None) -> bool:
    """A problem names a claim field directly, or as "<user's column> (<field>)"."""
    return reported == field or (reported or "").endswith(f"({field})")


def _text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)
