"""Exports: the slide PNG (size, determinism, layout, literal text), CSV, metadata, GeoJSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
import shapely
from matplotlib import cbook
from matplotlib.text import Text
from PIL import Image

from geo.dataset import Dataset, load_dataset
from geo.export.files import (
    CSV_COLUMNS,
    claims_csv,
    export_metadata,
    metadata_json,
    provinces_geojson,
)
from geo.export.png import literal, map_figure, render_map_png
from geo.model.claims import validate_claims
from geo.views.filtering import ClaimFilter, filter_claims, sources_in_view, summarise
from geo.views.mapview import UNVERIFIED_NOTE, VERIFIED_NOTE, MapView, build_map_view
from tests.test_timeline import make_claims

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CAVEAT = (
    "These are claims, not established facts: each entry is what someone says, "
    "with who says it, its status, how precise its date is, and its source."
)
HOSTILE = r"Test Group $x$ $\frac$ <b>bold</b>"


@pytest.fixture(scope="module")
def data() -> Dataset:
    return load_dataset()


@pytest.fixture(scope="module")
def view(data: Dataset) -> MapView:
    return build_map_view(
        data.names, summarise(filter_claims(data.claims, ClaimFilter())), "presence"
    )


def png_args(data: Dataset) -> dict[str, str]:
    result = filter_claims(data.claims, ClaimFilter())
    sources = "; ".join(data.citation(s) for s in sources_in_view(result))
    return {
        "title": "Claimed activity by province",
        "as_of": "2022-08-30",
        "filters_text": "none (all claims)",
        "caveat": CAVEAT,
        "credits": f"Boundaries: {data.boundary_credit}. Sources: {sources}",
    }


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1080)])
def test_png_has_the_exact_size_and_is_saved_for_people_to_look_at(data, view, size) -> None:
    png = render_map_png(data.boundaries, view, size=size, **png_args(data))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == size
    # No software version or time stamp in the file: nothing that changes between runs.
    assert not {"Software", "Creation Time"} & set(image.info)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"export-map-presence-{size[0]}x{size[1]}.png").write_bytes(png)


def test_png_is_the_same_bytes_for_the_same_view_and_differs_otherwise(data, view) -> None:
    args = png_args(data)
    first = render_map_png(data.boundaries, view, **args)
    assert render_map_png(data.boundaries, view, **args) == first
    summary = summarise(filter_claims(data.claims, ClaimFilter()))
    by_claims = build_map_view(data.names, summary, "claims")
    assert render_map_png(data.boundaries, by_claims, **args) != first
    selected = build_map_view(data.names, summary, "presence", selected="AF-PAN")
    assert render_map_png(data.boundaries, selected, **args) != first
    assert render_map_png(data.boundaries, view, **{**args, "as_of": "2022-08-31"}) != first


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1080), (1080, 1350)])
def test_text_stays_clear_of_the_map_and_of_other_text(data, view, size) -> None:
    figure = map_figure(data.boundaries, view, size=size, **png_args(data))
    renderer = figure.canvas.get_renderer()
    figure.canvas.draw()
    map_axes, overlay = sorted(figure.axes, key=lambda ax: ax.get_zorder())
    map_box = map_axes.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in overlay.texts if t.get_text()]
    assert len(boxes) >= 8  # title, subtitle, legend heading and rows, caveat, credits
    width, height = size
    for i, box in enumerate(boxes):
        assert box.x0 >= 0 and box.y0 >= 0
        assert box.x1 <= width and box.y1 <= height
        assert not box.overlaps(map_box)
        for other in boxes[i + 1 :]:
            assert not box.overlaps(other)
    written = [t.get_text() for t in overlay.texts]
    assert any("As of 2022-08-30" in t for t in written)
    assert any(t.startswith("These are claims") for t in written)
    assert any("Natural Earth" in t for t in written)
    # The notes on hatching and outlines are the map page's own words (wrapped).
    legend = " ".join(written)
    assert all(word in legend for word in UNVERIFIED_NOTE.split())
    assert all(word in legend for word in VERIFIED_NOTE.split())


def test_text_that_looks_like_maths_or_markup_is_drawn_literally(data) -> None:
    assert literal("$x$") == r"\$x\$"
    claims = make_claims({"actor": HOSTILE, "date_start": "2022-05-01"})
    summary = summarise(filter_claims(claims, ClaimFilter()))
    view = build_map_view(data.names, summary, "presence", selected="AF-PAN")
    args = {**png_args(data), "title": f"Claims about {HOSTILE}", "filters_text": HOSTILE}
    figure = map_figure(data.boundaries, view, size=(1920, 1080), **args)
    texts = [t.get_text() for t in figure.findobj(Text) if t.get_text()]
    assert not any(cbook.is_math_text(t) for t in texts)
    shown = " ".join(t.replace(r"\$", "$") for t in texts)
    assert r"$x$ $\frac$ <b>bold</b>" in shown
    # Unescaped, "$\frac$" is a mathtext syntax error: drawing must not raise.
    png = render_map_png(data.boundaries, view, size=(1920, 1080), **args)
    assert Image.open(io.BytesIO(png)).size == (1920, 1080)


def test_sizes_out_of_range_are_refused(data, view) -> None:
    with pytest.raises(ValueError, match=r"use e.g. \(1920, 1080\)"):
        render_map_png(data.boundaries, view, size=(200, 100), **png_args(data))


def test_claims_csv_neutralises_formulas_and_carries_its_caveat() -> None:
    claims = make_claims(
        {"date_start": "2022-05-01", "summary": '=HYPERLINK("http://example.invalid")'},
        {"date_start": "2022-05-02", "summary": "@SUM(A1:A9)", "province": None},
        {"date_start": "2022-05-03", "summary": "Plain text with a # and a, comma"},
    )
    meta = export_metadata(
        dataset="NRF statements, <b>Sept.</b>",
        filters={"actor": "Test Group A"},
        as_of="2022-05-03",
        generated="2026-01-01T00:00:00Z",
        sources=["Test source, 2022"],
        boundary_credit="Natural Earth",
        caveat="=These are claims, not facts.",
        row_count=len(claims),
        app_version="0.1.0",
    )
    data = claims_csv(claims, {"AF-PAN": "Panjshir"}, lambda s: f"Citation of {s}", meta)
    text = data.decode("utf-8-sig")
    preamble = text.split("\r\n\r\n")[0].splitlines()
    assert preamble[0].startswith("# caveat,")
    assert all(line.startswith("# ") for line in preamble)
    assert len(preamble) == len(meta)
    assert next(csv.reader([preamble[0]])) == ["# caveat", "'=These are claims, not facts."]

    table = pd.read_csv(io.BytesIO(data), comment="#", dtype=str, keep_default_na=False)
    assert list(table.columns) == list(CSV_COLUMNS)
    assert list(table["summary"]) == [
        '\'=HYPERLINK("http://example.invalid")',
        "'@SUM(A1:A9)",
        "Plain text with a # and a, comma",
    ]
    assert list(table["province"]) == ["Panjshir", "", "Panjshir"]
    assert list(table["province_code"]) == ["AF-PAN", "", "AF-PAN"]
    assert set(table["citation"]) == {"Citation of test-source"}
    assert list(table["date_start"]) == ["2022-05-01", "2022-05-02", "2022-05-03"]


def test_a_bare_csv_of_the_built_in_claims_loads_back_as_claims(data) -> None:
    exported = claims_csv(data.claims, data.names, data.citation, {}, preamble=False)
    raw = pd.read_csv(io.BytesIO(exported), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    load = validate_claims(raw, places=data.places, source_ids=set(data.sources["source_id"]))
    assert load.errors == []
    assert list(load.claims["claim_id"]) == list(data.claims["claim_id"])
    assert list(load.claims["province"].astype(str)) == list(data.claims["province"].astype(str))
    assert raw.loc[0, "citation"] == data.citation(raw.loc[0, "source_id"])


def test_metadata_json_has_every_key() -> None:
    meta = export_metadata(
        dataset="NRF statements, <b>Sept.</b>",
        filters={"actor": "Test Group A"},
        as_of="2022-08-30",
        generated="2026-01-01T00:00:00Z",
        sources=["Test source"],
        boundary_credit="Natural Earth",
        caveat=CAVEAT,
        row_count=3,
        app_version="0.1.0",
    )
    record = json.loads(metadata_json(meta).decode("utf-8"))
    assert set(record) == {
        "caveat",
        "dataset",
        "as_of",
        "filters",
        "row_count",
        "sources",
        "boundary_credit",
        "date_precision",
        "location_precision",
        "generated",
        "app_version",
    }
    assert record["location_precision"]["region"].startswith("only a wider region")
    assert record == meta
    with pytest.raises(TypeError, match="cannot write"):
        metadata_json({"bad": object()})


def test_geojson_has_every_province_and_the_claims_on_the_map(data) -> None:
    result = filter_claims(data.claims, ClaimFilter())
    meta = {"caveat": CAVEAT, "as_of": "2022-08-30"}
    collection = json.loads(provinces_geojson(data.boundaries, summarise(result), meta))
    assert collection["type"] == "FeatureCollection"
    assert collection["metadata"] == meta
    features = collection["features"]
    assert len(features) == 34
    assert sum(f["properties"]["n_claims"] for f in features) == len(result.on_map)
    by_code = {f["properties"]["code"]: f["properties"] for f in features}
    panjshir = by_code["AF-PAN"]
    assert panjshir["name"] == "Panjshir"
    assert panjshir["presence_actors"] == ["National Resistance Front"]
    assert panjshir["latest"] == "2022-02-28"
    helmand = by_code["AF-HEL"]
    assert (helmand["n_claims"], helmand["actors"], helmand["latest"]) == (0, [], None)
    assert helmand["verified"] is False
    # RFC 7946: exterior rings anticlockwise.
    shape = shapely.geometry.shape(features[0]["geometry"])
    assert shape.exterior.is_ccw


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1080)])
def test_the_slide_shows_the_countries_around_named_and_clear_of_the_provinces_names(
    data, view, size
) -> None:
    from geo.export.png import CONTEXT_INK
    from geo.model.countries import neighbours

    around = neighbours(("AF",))
    figure = map_figure(data.boundaries, view, size=size, context=around, **png_args(data))
    renderer = figure.canvas.get_renderer()
    figure.canvas.draw()
    map_axes = min(figure.axes, key=lambda ax: ax.get_zorder())
    texts = [t for t in map_axes.texts if t.get_text()]
    named = {t.get_text() for t in texts if t.get_color() == CONTEXT_INK}
    # The neighbours with a good share of the map's rectangle are named, in grey.
    assert {"Pakistan", "Iran", "Turkmenistan"} <= named, named
    assert not named & set(data.boundaries["name"])
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i, box in enumerate(boxes):
        for other in boxes[i + 1 :]:
            assert not box.overlaps(other)
    # Without them, the same map names no country.
    bare = map_figure(data.boundaries, view, size=size, **png_args(data))
    bare_axes = min(bare.axes, key=lambda ax: ax.get_zorder())
    assert not [t for t in bare_axes.texts if t.get_color() == CONTEXT_INK]
    out = ARTIFACTS / f"slide-with-neighbours-{size[0]}x{size[1]}.png"
    out.parent.mkdir(exist_ok=True)
    figure.savefig(out, format="png")
