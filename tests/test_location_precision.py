"""Location precision from an ACLED export to every place a claim is shown or exported:
the map's tooltip, the claims table, the timeline's bars, the CSV and GeoJSON exports."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from geo.dataset import Dataset, combine, load_dataset
from geo.export.files import CSV_COLUMNS, claims_csv, provinces_geojson
from geo.model.claims import validate_claims
from geo.reading.acled import ACLED_COLUMNS, acled_to_claims
from geo.time.timeline import claim_bars
from geo.views.filtering import ClaimFilter, filter_claims, summarise
from geo.views.mapview import build_map_view
from geo.views.tables import claims_table


def _event(i: int, geo_precision: str, admin1: str) -> dict[str, str]:
    row = dict.fromkeys(ACLED_COLUMNS, "")
    row.update(
        event_id_cnty=f"AFGLOC{i}",
        event_date="2022-05-16",
        time_precision="1",
        event_type="Battles",
        sub_event_type="Non-state actor overtakes territory",
        actor1="Test Group A",
        actor2="Test Group B",
        country="Afghanistan",
        admin1=admin1,
        admin2="Test District",
        location="Test Town",
        geo_precision=geo_precision,
        source="Test News Agency",
        notes=f"Synthetic test event {i}.",
    )
    return row


@pytest.fixture(scope="module")
def data() -> Dataset:
    """The built-in data replaced by three converted ACLED events, one per geo_precision."""
    base = load_dataset()
    events = [_event(1, "1", "Panjshir"), _event(2, "2", "Panjshir"), _event(3, "3", "Kabul")]
    converted = acled_to_claims(pd.DataFrame(events, dtype=object), [2, 3, 4])
    load = validate_claims(
        converted.claims,
        places=base.places,
        source_ids={"ACLED"},
        row_numbers=converted.claim_row_numbers,
    )
    assert load.errors == []
    return combine(base, claims=load, sources=converted.sources, mode="replace", label="ACLED test")


def test_the_converted_claims_carry_their_precision_and_a_region_names_no_place(data) -> None:
    claims = data.claims.set_index("claim_id")
    assert claims["location_precision"].astype(str).to_dict() == {
        "ACLED-AFGLOC1": "place",
        "ACLED-AFGLOC2": "near",
        "ACLED-AFGLOC3": "region",
    }
    assert claims.loc["ACLED-AFGLOC3", "place"] == ""
    assert claims.loc["ACLED-AFGLOC3", "province"] == "AF-KAB"
    assert claims["claim_type"].astype(str).unique().tolist() == ["control"]


def test_the_tooltip_says_how_exactly_each_province_s_claims_are_placed(data) -> None:
    view = build_map_view(
        data.names, summarise(filter_claims(data.claims, ClaimFilter())), "claims"
    )
    tips = {s.code: s.tooltip_html for s in view.styles}
    assert "Location precision: near, place" in tips["AF-PAN"]
    assert "Location precision: region" in tips["AF-KAB"]
    assert "Location precision" not in tips["AF-HEL"]  # no claims there


def test_the_claims_table_shows_the_precision_beside_the_place(data) -> None:
    table = claims_table(data.claims, data).set_index("id")
    columns = list(table.columns)
    assert columns[columns.index("place") + 1] == "location precision"
    assert table.loc["ACLED-AFGLOC2", "location precision"] == "near"
    assert table.loc["ACLED-AFGLOC3", ["place", "location precision"]].tolist() == ["", "region"]


def test_timeline_bars_say_where_with_the_precision(data) -> None:
    bars = claim_bars(data.claims, "actor").set_index("claim_id")
    assert bars["place"].to_dict() == {
        "ACLED-AFGLOC1": "Test Town, Test District",
        "ACLED-AFGLOC2": "near Test Town, Test District",
        "ACLED-AFGLOC3": "only a wider region is known (location precision: region)",
    }


def test_the_csv_export_has_the_column_and_loads_back_with_the_same_precisions(data) -> None:
    exported = claims_csv(data.claims, data.names, data.citation, {}, preamble=False)
    raw = pd.read_csv(io.BytesIO(exported), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(raw.columns) == list(CSV_COLUMNS)
    assert raw["location_precision"].tolist() == ["place", "near", "region"]
    again = validate_claims(raw, places=data.places, source_ids={"ACLED"})
    assert again.errors == []
    pd.testing.assert_series_equal(
        again.claims["location_precision"].astype(str),
        data.claims["location_precision"].astype(str),
    )


def test_the_geojson_export_lists_each_province_s_precisions(data) -> None:
    summary = summarise(filter_claims(data.claims, ClaimFilter()))
    collection = json.loads(provinces_geojson(data.boundaries, summary, {}))
    by_code = {f["properties"]["code"]: f["properties"] for f in collection["features"]}
    assert by_code["AF-PAN"]["location_precisions"] == ["near", "place"]
    assert by_code["AF-KAB"]["location_precisions"] == ["region"]
    assert by_code["AF-HEL"]["location_precisions"] == []
