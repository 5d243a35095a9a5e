"""Progress while a large table loads: the callbacks of the loader, the upload and the page."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import geo.model.claims
import geo.reading.acled
import geo.reading.ingest
from geo.model.claims import COLUMNS, load_claims, validate_claims
from geo.model.places import PlaceRegistry, load_place_registry
from geo.model.sources import load_sources
from geo.reading.upload import expected_seconds, load_upload

ROOT = Path(__file__).resolve().parent.parent
ACLED = ROOT / "tests" / "corpus" / "acled_afghanistan.csv"


@pytest.fixture(scope="module")
def places() -> PlaceRegistry:
    return load_place_registry()


def claims_csv(rows: int, source: str = "src") -> bytes:
    """A claims table in this project's format, every tenth row with an unknown province."""
    lines = [",".join(c for c in COLUMNS if c != "location_precision")]
    for i in range(rows):
        province = "Atlantis" if i % 10 == 3 else "Panjshir"
        lines.append(
            f"C{i},NRF,NRF,presence,{province},,2021-12-01,2022-02-28,season,claimed,{source},"
            f"p. {i % 7},,NRF says it is in Panjshir ({i})"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def assert_sound(calls: list[float]) -> None:
    assert len(calls) > 1, calls
    assert all(0.0 <= c <= 1.0 for c in calls), calls
    assert calls == sorted(calls), "progress went backwards"
    assert calls[-1] == 1.0


def test_validate_reports_each_chunk_and_the_end(places) -> None:
    raw = pd.read_csv(io.BytesIO(claims_csv(1_000)), dtype=str, keep_default_na=False)
    calls: list[float] = []
    load = validate_claims(
        raw, places=places, source_ids={"src"}, progress=calls.append, chunk_rows=90
    )
    assert_sound(calls)
    assert len(calls) >= 1_000 // 90
    assert len(load.claims) == 900 and len(load.rejected) == 100


def test_an_empty_table_still_ends_at_one(places) -> None:
    raw = pd.DataFrame(columns=list(COLUMNS))
    calls: list[float] = []
    validate_claims(raw, places=places, source_ids={"src"}, progress=calls.append)
    assert calls == [1.0]


def test_load_claims_reports_the_share_of_the_file_read(places, tmp_path, monkeypatch) -> None:
    path = tmp_path / "claims.csv"
    path.write_bytes(claims_csv(3_000))
    monkeypatch.setattr(geo.model.claims, "CHUNK_ROWS", 250)
    calls: list[float] = []
    load = load_claims(path, places=places, source_ids={"src"}, progress=calls.append)
    assert_sound(calls)
    assert len(calls) >= 3_000 // 250
    assert len(load.claims) == 2_700


def test_load_claims_keeps_only_the_rejected_rows_as_text(places, tmp_path, monkeypatch) -> None:
    path = tmp_path / "claims.csv"
    path.write_bytes(claims_csv(3_000))
    monkeypatch.setattr(geo.model.claims, "CHUNK_ROWS", 250)
    load = load_claims(path, places=places, source_ids={"src"})
    assert len(load.raw) == 300 and list(load.row_numbers or []) == list(range(5, 3_002, 10))
    rejected = load.rejected
    assert list(rejected["row"]) == list(range(5, 3_002, 10))
    assert set(rejected["province"]) == {"Atlantis"}


def test_upload_of_a_claims_table(places, monkeypatch) -> None:
    monkeypatch.setattr(geo.reading.ingest, "PROGRESS_ROWS", 100)
    calls: list[float] = []
    result = load_upload(
        "claims.csv", claims_csv(2_000), places=places, source_ids={"src"}, progress=calls.append
    )
    assert_sound(calls)
    assert len([c for c in calls if c < 0.5]) >= 10, "reading the file is reported as it goes"
    assert len(result.load.claims) == 1_800


def test_upload_of_an_acled_export(places, monkeypatch) -> None:
    monkeypatch.setattr(geo.reading.acled, "_PROGRESS_ROWS", 2)
    calls: list[float] = []
    load_upload(
        ACLED.name,
        ACLED.read_bytes(),
        places=places,
        source_ids=load_sources().ids,
        progress=calls.append,
    )
    assert_sound(calls)
    assert len([c for c in calls if 0.5 < c < 0.95]) >= 3, "the conversion is reported"


def test_upload_of_a_workbook(places, monkeypatch) -> None:
    monkeypatch.setattr(geo.reading.ingest, "PROGRESS_ROWS", 20)
    raw = pd.read_csv(io.BytesIO(claims_csv(200)), dtype=str, keep_default_na=False)
    book = io.BytesIO()
    raw.to_excel(book, index=False)
    calls: list[float] = []
    result = load_upload(
        "claims.xlsx", book.getvalue(), places=places, source_ids={"src"}, progress=calls.append
    )
    assert_sound(calls)
    assert len([c for c in calls if c < 0.9]) >= 5, "reading the sheet is reported as it goes"
    assert len(result.load.claims) == 180


@pytest.mark.parametrize(("rows", "bar"), [(40_000, True), (200, False)])
def test_the_page_shows_a_bar_for_big_uploads_only(monkeypatch, rows: int, bar: bool) -> None:
    data = claims_csv(rows, source=min(load_sources().ids))
    assert (expected_seconds(data) > 1) is bar
    bars: list[object] = []
    real = st.progress

    def spy(*args: object, **kwargs: object) -> object:
        bars.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(st, "progress", spy)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/your_data.py").run()
    at.file_uploader(key="claims_upload").upload("big.csv", data, "text/csv")
    at.run()
    assert not at.exception
    assert bool(bars) is bar
    text = "\n".join(m.value for m in at.markdown)
    loaded = rows - rows // 10
    assert f"**{loaded} of {rows} rows loaded**, {rows - loaded} rejected" in text
