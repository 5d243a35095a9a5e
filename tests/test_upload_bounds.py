"""No single upload can hold the server: the shapes that cost most per byte, bounded.

Each test builds the worst input of one shape and holds the reading to a bound on traced
memory (deterministic, unlike time), or checks that the shape is refused before it is read.
"""

from __future__ import annotations

import io
import json
import math
import tracemalloc

import openpyxl
import pytest

from geo.model import claims
from geo.model.claims import COLUMNS
from geo.reading import ingest
from geo.reading.ingest import MAX_COLUMNS, UnreadableFile, read_table_bytes
from geo.reading.upload import load_upload
from tests.fuzzcheck import (
    assert_every_row_accounted_for,
    check_boundary_upload,
    places,
    source_ids,
)

ROWS = 20_000
# Measured at 20,000 rows, every problem past the first 1,000 cut to one a row, with the
# libraries' own memory: about 600 bytes a row for a one-column table and 950 for short
# rows; before problems were bounded (and short rows noted once), 1,600 and 2,300.
BYTES_PER_ROW = 1_200


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"x\n" + b"1\n" * ROWS, id="one-character rows of another table"),
        pytest.param(
            (",".join(COLUMNS) + "\n").encode() + b"a\n" * ROWS, id="short rows, all rejected"
        ),
    ],
)
def test_a_file_of_tiny_bad_rows_costs_a_bounded_amount_a_row(
    data: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lowered from 100,000 so that a small file shows what a million rows would do.
    monkeypatch.setattr(claims, "MAX_DETAILED_PROBLEMS", 1_000)
    tracemalloc.start()
    try:
        result = load_upload("t.csv", data, places=places(), source_ids=source_ids())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_every_row_accounted_for(result)
    assert result.read.data_rows == ROWS
    assert peak <= BYTES_PER_ROW * ROWS, f"{peak / ROWS:,.0f} bytes a row"


def test_a_header_of_too_many_columns_is_refused_before_rows_are_read() -> None:
    read_table_bytes("t.csv", (",".join(f"c{i}" for i in range(MAX_COLUMNS)) + "\n1\n").encode())
    wide = ",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n" + "1\n" * 10
    with pytest.raises(UnreadableFile, match=r"1,001 columns; a table may have at most 1,000"):
        read_table_bytes("t.csv", wide.encode())


def _workbook(rows: int, columns: int) -> bytes:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([f"c{i}" for i in range(columns)])
    for _ in range(rows):
        sheet.append([1] * columns)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_workbook_of_too_many_cells_is_refused_as_it_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 2 MB workbook can hold a million cells, each ~140 bytes while read: the limit is
    # what bounds a 50 MB one. Lowered here so that the test reads a small workbook.
    monkeypatch.setattr(ingest, "MAX_XLSX_CELLS", 200)
    read_table_bytes("ok.xlsx", _workbook(9, 20))  # 200 cells with the header
    with pytest.raises(UnreadableFile, match=r"more than 200 cells.*Save the sheet as CSV"):
        read_table_bytes("big.xlsx", _workbook(10, 20))


def test_a_workbook_wider_than_the_column_limit_is_refused() -> None:
    with pytest.raises(UnreadableFile, match=r"1,001 columns"):
        read_table_bytes("wide.xlsx", _workbook(1, MAX_COLUMNS + 1))


def test_a_polygon_of_many_vertices_costs_memory_in_proportion() -> None:
    count = 100_000
    ring = [
        [65 + math.cos(2 * math.pi * i / count), 34 + math.sin(2 * math.pi * i / count)]
        for i in range(count)
    ]
    ring.append(ring[0])
    layer = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "X", "name": "X"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    data = json.dumps(layer).encode()
    prepared = check_boundary_upload("big.geojson", data)  # within the fuzz tests' bound
    assert prepared and len(prepared[0].boundaries) == 1


def test_deeply_nested_json_is_refused_not_recursed_into() -> None:
    data = b'{"type":"FeatureCollection","features":' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    assert check_boundary_upload("deep.geojson", data) is None
