"""What every upload must do whatever the file holds: the fuzz tests' invariants.

Used by tests/test_fuzz_*.py on generated files and by tests/test_fuzz_regressions.py on
the files the fuzzing once broke (tests/corpus/fuzz/). Each check runs the same entry
point the Your data page runs and fails on anything but:

- a result in which every data row of the file is either loaded or reported, by its own
  row number, never both; or
- one of the documented refusals (``UnreadableFile``, ``BoundaryError``), whose message
  names the file and says what to do about it;

and on a peak of traced memory beyond :data:`MEMORY_BASE` plus :data:`MEMORY_PER_BYTE`
times the input's size: a bound, generous, that only an input blowing up breaks.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Collection
from functools import cache
from typing import TypeVar

import geopandas as gpd
import shapely

from geo.model.boundaries import BoundaryError
from geo.model.places import PlaceRegistry, load_place_registry
from geo.model.sources import load_sources
from geo.reading.boundary_upload import (
    UploadedBoundaries,
    identifier_fields,
    prepare_boundaries,
    read_boundary_upload,
)
from geo.reading.ingest import UnreadableFile
from geo.reading.mapping import ColumnMapping
from geo.reading.upload import UploadResult, load_upload

# Libraries' own working memory on the smallest file (openpyxl, GDAL, pandas), measured
# at 5 to 20 MB, with room to spare.
MEMORY_BASE = 64 * 1024 * 1024
# A claims table of a million one-character rows, the worst shape, peaks near 250 bytes
# a byte (the claims table has 14 columns of which the file gave one): tests/test_upload_bounds.py.
MEMORY_PER_BYTE = 400
# Words of a message that says how to fix the file; every refusal has one of them.
FIX_WORDS = (
    "add",
    "check",
    "choose",
    "delete",
    "download",
    "export",
    "filter",
    "fix",
    "give",
    "leave",
    "open",
    "pick",
    "put",
    "remove",
    "save",
    "simplify",
    "split",
    "unmerge",
    "unzip",
    "upload",
    "use",
    "write",
    "zip",
)

T = TypeVar("T")


@cache
def places() -> PlaceRegistry:
    return load_place_registry()


@cache
def source_ids() -> frozenset[str]:
    return frozenset(load_sources().ids)


def within_memory(run: Callable[[], T], size: int) -> T:
    """``run()``, failing if its traced memory peaks past the bound for ``size`` bytes."""
    tracemalloc.start()
    try:
        out = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    bound = MEMORY_BASE + MEMORY_PER_BYTE * size
    assert peak <= bound, f"memory peaked at {peak:,} bytes for {size:,} bytes of input"
    return out


def assert_says_how_to_fix(message: str, name: str) -> None:
    assert message.strip(), "an empty message"
    assert name in message, f"the message does not name the file: {message!r}"
    assert len(message) < 4_000, f"a message of {len(message):,} characters"
    lowered = message.lower()
    assert any(word in lowered for word in FIX_WORDS), f"no way to fix it in {message!r}"


def check_claims_upload(
    name: str,
    data: bytes,
    *,
    mapping: ColumnMapping | None = None,
    encoding: str | None = None,
    data_rows: Collection[int] | None = None,
    extra_source_ids: Collection[str] = (),
) -> UploadResult | None:
    """Run the upload path on ``data``; None when it is refused as a whole.

    ``data_rows``, when given, are the row numbers of the file's non-blank data rows as
    whoever wrote the file knows them: what was read must be exactly those.
    """
    original = bytes(data)

    def run() -> UploadResult | None:
        try:
            return load_upload(
                name,
                data,
                places=places(),
                source_ids=source_ids() | set(extra_source_ids),
                mapping=mapping,
                encoding=encoding,
            )
        except UnreadableFile as error:
            assert_says_how_to_fix(str(error), name)
            return None

    result = within_memory(run, len(data))
    assert data == original, "the user's bytes are never changed"
    if result is not None:
        assert_every_row_accounted_for(result, data_rows)
    return result


def assert_every_row_accounted_for(
    result: UploadResult, data_rows: Collection[int] | None = None
) -> None:
    """Every data row read is loaded or reported with its own number, never both."""
    read = result.read
    read_rows = [*read.row_numbers, *(n for n, _ in read.bad_rows)]
    assert len(read_rows) == len(set(read_rows)) == read.data_rows
    loaded = [int(r) for r in result.load.claims["row"]]
    assert len(loaded) == len(set(loaded)), "a row loaded twice"
    reported = {p.row for p in result.errors if p.row is not None}
    assert not set(loaded) & reported, "a row both loaded and reported"
    assert set(loaded) | reported == set(read_rows), "a row neither loaded nor reported"
    assert all(row > read.header_row for row in read_rows)
    for problem in result.problems:
        assert problem.message.strip()
    if data_rows is not None:
        assert sorted(read_rows) == sorted(data_rows)
    # What the page offers for download holds every rejected row, once.
    table = result.rejected_table()
    assert sorted(table["row"]) == sorted(reported)


def check_boundary_upload(name: str, data: bytes) -> list[UploadedBoundaries] | None:
    """Run the boundary upload path as the page does, with every usable code property."""
    original = bytes(data)

    def run() -> list[UploadedBoundaries] | None:
        try:
            layer = read_boundary_upload(name, data, max_bytes=50 * 1024 * 1024)
        except BoundaryError as error:
            assert_says_how_to_fix(str(error), name)
            return None
        out = []
        for field in identifier_fields(layer)[:3]:
            try:
                out.append(prepare_boundaries(layer, name, field, field))
            except BoundaryError as error:
                assert_says_how_to_fix(str(error), name)
        return out

    prepared = within_memory(run, len(data))
    assert data == original
    for uploaded in prepared or []:
        assert_usable_layer(uploaded.boundaries)
        assert uploaded.places.codes == list(uploaded.boundaries["code"])
    return prepared


def assert_usable_layer(layer: gpd.GeoDataFrame) -> None:
    """What the map needs: one valid, non-empty polygon per unique code, in EPSG:4326."""
    assert layer.crs is not None and layer.crs.equals("EPSG:4326")
    assert layer["code"].is_unique
    assert (layer["code"].str.strip() != "").all()
    geometries = layer.geometry.to_numpy()
    assert not (shapely.is_missing(geometries) | shapely.is_empty(geometries)).any()
    assert layer.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert shapely.is_valid(geometries).all()
    layer[["code", "name", "geometry"]].to_json(drop_id=True)  # as the map is sent
