"""The claims loader on good and bad files: every problem at its row and column."""

from __future__ import annotations

import datetime as dt
import gc
import io
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from geo.model.claims import COLUMNS, load_claims, validate_claims
from geo.model.places import PlaceRegistry, load_place_registry
from geo.model.sources import load_sources

# The header of data/claims.csv: every column but the optional location_precision.
HEADER = ",".join(c for c in COLUMNS if c != "location_precision")
GOOD = (
    "C1,NRF,NRF,presence,Panjshir,,2021-12-01,2022-02-28,season,claimed,src,intro,,"
    "NRF says it is in Panjshir"
)


@pytest.fixture(scope="module")
def places() -> PlaceRegistry:
    return load_place_registry()


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "claims.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def load(tmp_path: Path, places: PlaceRegistry, *rows: str, header: str = HEADER):
    return load_claims(write(tmp_path, *rows, header=header), places=places, source_ids={"src"})


def only_problem(result) -> tuple[int | None, str | None, str]:
    assert len(result.errors) == 1, [str(p) for p in result.errors]
    p = result.errors[0]
    return p.row, p.column, p.message


def test_good_row_loads_with_types(tmp_path: Path, places: PlaceRegistry) -> None:
    result = load(tmp_path, places, GOOD)
    assert result.problems == []
    claim = result.claims.iloc[0]
    assert claim["province"] == "AF-PAN"
    assert claim["province_input"] == "Panjshir"
    assert claim["date_start"] == pd.Timestamp("2021-12-01")
    assert claim["row"] == 2
    # No location_precision column: the claim names its province itself.
    assert claim["location_precision"] == "place"


PRECISE_HEADER = HEADER.replace(",place,", ",place,location_precision,")


def precise(place: str, precision: str) -> str:
    return GOOD.replace("Panjshir,,", f"Panjshir,{place},{precision},")


@pytest.mark.parametrize(
    ("place", "precision", "loaded"),
    [
        ("", "", "place"),
        ("Bazarak", "", "place"),
        ("Bazarak", "Place", "place"),
        ("Bazarak", " near ", "near"),
        ("", "REGION", "region"),
    ],
)
def test_location_precision_loads_with_its_default(tmp_path, places, place, precision, loaded):
    result = load(tmp_path, places, precise(place, precision), header=PRECISE_HEADER)
    assert result.problems == []
    assert result.claims.iloc[0]["location_precision"] == loaded
    assert isinstance(result.claims["location_precision"].dtype, pd.CategoricalDtype)


@pytest.mark.parametrize(
    ("place", "precision", "column", "part"),
    [
        ("Bazarak", "exact", "location_precision", "use one of: place, near, region"),
        ("", "near", "location_precision", "needs the place the claim is near"),
        ("Bazarak", "region", "place", "'place' must be empty"),
    ],
)
def test_location_precision_that_does_not_fit_is_reported(
    tmp_path, places, place, precision, column, part
) -> None:
    result = load(tmp_path, places, precise(place, precision), header=PRECISE_HEADER)
    row, col, message = only_problem(result)
    assert (row, col) == (2, column)
    assert part in message
    assert result.claims.empty


def test_unknown_province_is_reported_with_suggestion(tmp_path, places) -> None:
    result = load(
        tmp_path, places, GOOD, GOOD.replace("C1,", "C2,").replace("Panjshir", "Panjshirr")
    )
    row, column, message = only_problem(result)
    assert (row, column) == (3, "province")
    assert "Panjshir (AF-PAN)" in message
    assert list(result.claims["claim_id"]) == ["C1"]


def test_bad_date(tmp_path, places) -> None:
    result = load(tmp_path, places, GOOD.replace("2021-12-01", "2021-13-01"))
    assert only_problem(result)[:2] == (2, "date_start")
    assert result.claims.empty


def test_ambiguous_date_says_how_to_fix(tmp_path, places) -> None:
    result = load(tmp_path, places, GOOD.replace("2021-12-01", "01/12/2021"))
    assert "YYYY-MM-DD" in only_problem(result)[2]


def test_end_before_start(tmp_path, places) -> None:
    result = load(tmp_path, places, GOOD.replace("2022-02-28", "2021-11-30"))
    assert only_problem(result)[:2] == (2, "date_end")


def test_blank_end_means_same_day(tmp_path, places) -> None:
    result = load(tmp_path, places, GOOD.replace("2022-02-28", ""))
    assert result.problems == []
    assert result.claims.iloc[0]["date_end"] == pd.Timestamp("2021-12-01")


def test_unknown_source(tmp_path, places) -> None:
    result = load(tmp_path, places, GOOD.replace(",src,", ",nope,"))
    row, column, message = only_problem(result)
    assert (row, column) == (2, "source_id")
    assert "sources.csv" in message


@pytest.mark.parametrize(
    ("column", "old", "new"),
    [
        ("claim_type", "presence", "invasion"),
        ("status", "claimed", "true"),
        ("date_precision", "season", "fortnight"),
    ],
)
def test_unknown_vocabulary(tmp_path, places, column, old, new) -> None:
    result = load(tmp_path, places, GOOD.replace(f",{old},", f",{new},"))
    row, col, message = only_problem(result)
    assert (row, col) == (2, column)
    assert "use one of" in message


def test_duplicate_id_names_the_first_row(tmp_path, places) -> None:
    result = load(tmp_path, places, GOOD, GOOD.replace("Panjshir", "Kapisa"))
    row, column, message = only_problem(result)
    assert (row, column) == (3, "claim_id")
    assert "row 2" in message
    assert len(result.claims) == 1


def test_empty_required_cell(tmp_path, places) -> None:
    result = load(tmp_path, places, GOOD.replace(",intro,", ",,"))
    assert only_problem(result)[:2] == (2, "locator")


def test_several_problems_in_one_row_are_all_reported(tmp_path, places) -> None:
    result = load(tmp_path, places, GOOD.replace("presence", "x").replace(",src,", ",y,"))
    assert {p.column for p in result.errors} == {"claim_type", "source_id"}
    assert {p.row for p in result.errors} == {2}


def test_missing_column_reports_file_and_loads_nothing(tmp_path, places) -> None:
    header = HEADER.replace("status,", "")
    result = load(tmp_path, places, "x", header=header)
    row, column, message = only_problem(result)
    assert row is None and column == "status"
    assert "status" in message
    assert result.claims.empty


def test_blank_province_is_country_wide(tmp_path, places) -> None:
    result = load(tmp_path, places, GOOD.replace("Panjshir", ""))
    assert result.problems == []
    assert pd.isna(result.claims.iloc[0]["province"])


def test_text_stays_text(tmp_path, places) -> None:
    # "NA" is an actor's name here, not a missing value, and must not be turned into NaN.
    result = load(tmp_path, places, GOOD.replace("NRF,NRF", "NA,NA"))
    assert result.claims.iloc[0]["actor"] == "NA"


def test_rejected_rows_keep_original_values(tmp_path, places) -> None:
    bad = GOOD.replace("C1,", "C2,").replace("Panjshir", "Atlantis")
    result = load(tmp_path, places, GOOD, bad)
    rejected = result.rejected
    assert list(rejected["row"]) == [3]
    assert rejected.iloc[0]["province"] == "Atlantis"
    assert "Atlantis" in rejected.iloc[0]["problems"]


def test_every_row_is_loaded_or_reported(tmp_path, places) -> None:
    rows = [GOOD.replace("C1,", f"C{i},") for i in range(10)]
    rows[3] = rows[3].replace("2021-12-01", "soon")
    rows[7] = rows[7].replace("Panjshir", "Mars")
    result = load(tmp_path, places, *rows)
    rejected_rows = {p.row for p in result.errors}
    assert set(result.claims["row"]) | rejected_rows == set(range(2, 12))
    assert set(result.claims["row"]) & rejected_rows == set()


def test_past_the_detail_limit_each_rejected_row_keeps_its_first_problem(
    places, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bounds the memory of a file with many problems a row; every row is still reported.
    from geo.model import claims

    monkeypatch.setattr(claims, "MAX_DETAILED_PROBLEMS", 5)
    bad = dict.fromkeys(COLUMNS, "")
    raw = pd.DataFrame([{**bad, "claim_id": f"C{i}"} for i in range(6)], dtype=object)
    result = validate_claims(raw, places=places, source_ids={"src"}, chunk_rows=4)
    per_row = pd.Series([p.row for p in result.errors]).value_counts().to_dict()
    # Each row has 9 empty required cells: the first 5 problems (all of row 2) are listed
    # in full, then each later row's first one.
    assert set(per_row) == set(range(2, 8))
    assert sum(per_row.values()) == 5 + 5
    (note,) = [p for p in result.problems if p.severity == "note"]
    assert note.row is None and "only the first problem of each rejected row" in note.message
    assert f"{9 * 6 - 10:,} more" in note.message


def test_input_file_is_not_modified(tmp_path, places) -> None:
    path = write(tmp_path, GOOD, "garbage")
    before = path.read_bytes()
    load_claims(path, places=places, source_ids={"src"})
    assert path.read_bytes() == before


def test_built_in_data_loads_cleanly(places) -> None:
    sources = load_sources()
    assert sources.problems == []
    result = load_claims(places=places, source_ids=sources.ids)
    assert result.problems == [], [str(p) for p in result.problems]
    assert len(result.claims) >= 6
    assert result.claims["date_start"].min() >= pd.Timestamp(dt.date(2021, 1, 1))


def test_derived_tables_report_the_users_own_row_numbers(places) -> None:
    raw = pd.read_csv(
        io.StringIO(
            "\n".join([HEADER, GOOD, GOOD.replace("C1,", "C2,").replace("Panjshir", "Atlantis")])
        ),
        dtype=str,
        keep_default_na=False,
    )
    result = validate_claims(raw, places=places, source_ids={"src"}, row_numbers=[7, 12])
    assert [p.row for p in result.errors] == [12]
    assert list(result.claims["row"]) == [7]
    assert list(result.rejected["row"]) == [12]


def test_loaded_data_keeps_only_the_rejected_rows_as_text(tmp_path, places) -> None:
    """The raw text of the sound rows is not kept beside the claims (#5: memory)."""
    from geo.dataset import combine, load_dataset
    from geo.paths import DATA_DIR
    from geo.reading.upload import load_upload

    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    text = (folder / "claims.csv").read_text(encoding="utf-8")
    bad = GOOD.replace("C1,", "BAD1,").replace("Panjshir", "Atlantis")
    (folder / "claims.csv").write_text(text.rstrip("\n") + "\n" + bad + "\n", encoding="utf-8")
    calls: list[float] = []
    data = load_dataset(folder, progress=calls.append)
    assert calls and calls[-1] == 1.0
    assert len(data.claims) >= 6 and data.rejected_rows == 1
    assert list(data.claims_load.raw["claim_id"]) == ["BAD1"]
    assert list(data.claims_load.rejected["claim_id"]) == ["BAD1"]

    upload = "\n".join([HEADER, *[GOOD.replace("C1,", f"U{i},") for i in range(50)], bad])
    source = min(data.sources["source_id"])
    result = load_upload(
        "mine.csv",
        upload.replace(",src,", f",{source},").encode("utf-8"),
        places=places,
        source_ids=set(data.sources["source_id"]),
    )
    mine = combine(data, claims=result.load, sources=result.sources, mode="replace", label="x")
    assert len(mine.claims) == 50
    assert list(mine.claims_load.raw["claim_id"]) == ["BAD1"]
    assert list(mine.claims_load.row_numbers or []) == [52]


@pytest.mark.parametrize("bad_rows", [0, 3])
def test_checking_keeps_no_view_of_the_input(places, bad_rows: int) -> None:
    """Not even an empty slice of the input survives in the result: an Arrow slice shares
    the input's buffers and would keep all of its text alive (#5)."""
    rows = [GOOD.replace("C1,", f"C{i},") + "x" * 500 for i in range(2_000)]
    for i in range(bad_rows):
        rows[i * 7] = rows[i * 7].replace("Panjshir", "Atlantis")
    before = pa.total_allocated_bytes()
    raw = pd.read_csv(io.StringIO("\n".join([HEADER, *rows])), dtype=str, keep_default_na=False)
    input_bytes = pa.total_allocated_bytes() - before
    load = validate_claims(raw, places=places, source_ids={"src"})
    del raw
    gc.collect()
    kept = pa.total_allocated_bytes() - before
    claims = int(load.claims.memory_usage(deep=True).sum())
    assert kept < claims + input_bytes / 10, (kept, claims, input_bytes)
    assert len(load.raw) == bad_rows == len(load.rejected)
    assert set(load.rejected.columns) == {"row", *HEADER.split(","), "problems"}


@pytest.mark.parametrize("rows", [[], [3], [None], [None, 4, 5]])
def test_problems_frame_is_the_table_of_each_problems_fields(rows: list[int | None]) -> None:
    from dataclasses import asdict

    from geo.model.problems import Problem, problems_frame

    problems = [
        Problem(r, None if r is None else "province", f"v{i}", f"message {i}", "error")
        for i, r in enumerate(rows)
    ] + [Problem(7, "date_start", "", "a note", "note")] * bool(rows)
    expected = pd.DataFrame(
        [asdict(p) for p in problems], columns=["row", "column", "value", "message", "severity"]
    )
    pd.testing.assert_frame_equal(problems_frame(problems), expected)
    pd.testing.assert_frame_equal(problems_frame(iter(problems)), expected)
