"""ACLED exports spanning countries: each row onto its own country's built-in units (#17)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from shapely.geometry import Point

from geo.model.countries import (
    UnknownCountryError,
    acled_country,
    neighbours,
    region,
    vintage_caption,
)
from geo.model.places import Place, PlaceRegistry, RegistryError
from geo.reading.acled import ACLED_COLUMNS, CountryScope, acled_to_claims
from geo.reading.upload import load_upload
from tests.test_acled import event


def _csv(*events: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    pd.DataFrame(list(events), columns=list(ACLED_COLUMNS)).to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def _pak(i: int, admin1: str, **changes: str) -> dict[str, str]:
    return event(i, country="Pakistan", iso="586", admin1=admin1, **changes)


def _upload(*events: dict[str, str], **options: object):
    places = region(["AF"]).registry
    return load_upload(
        "test-export.csv",
        _csv(*events),
        places=places,
        source_ids=set(),
        built_in_countries=True,
        **options,
    )


def _province_of_each_claim(result) -> dict[str, str]:
    return result.load.claims.set_index("claim_id")["province"].to_dict()


def test_region_tags_each_unit_with_its_country() -> None:
    both = region(["AF", "Pakistan"])
    assert both.codes == ("AF", "PK")
    assert both.name == "Afghanistan and Pakistan"
    counts = both.boundaries["country"].value_counts().to_dict()
    assert counts == {"AF": 34, "PK": both.countries[1].units}
    assert list(both.boundaries.columns) == ["code", "name", "country", "geometry"]
    assert both.boundaries["code"].is_unique
    assert set(both.registry.codes) == set(both.boundaries["code"])


def test_a_name_two_countries_share_names_neither_in_the_region() -> None:
    subcontinent = region(["PK", "IN"])
    assert subcontinent.registry.match("Punjab").code is None
    assert subcontinent.registries["PK"].match("Punjab").code == "PK-PB"
    assert subcontinent.registries["IN"].match("Punjab").code == "IN-PB"
    with pytest.raises(RegistryError, match="would name both"):
        PlaceRegistry([Place("X-1", "Same"), Place("Y-1", "Same")])


def test_acled_country_reads_iso_then_name() -> None:
    assert acled_country("Pakistan", "586").code == "PK"
    assert acled_country("", "4").code == "AF"
    assert acled_country("Sudan", "").code == "SD"
    with pytest.raises(UnknownCountryError, match="Kosovo"):
        acled_country("Kosovo", "0")
    with pytest.raises(UnknownCountryError, match="names no country"):
        acled_country("", "")


def test_vintage_caption_only_for_units_that_are_not_todays() -> None:
    assert vintage_caption(region(["AF"]).boundary_meta) == ""
    caption = vintage_caption(region(["AF", "PK"]).boundary_meta)
    assert caption.startswith("Boundaries of Pakistan as of 2012-2013")


def test_afghan_and_pakistani_rows_map_onto_their_own_provinces() -> None:
    """The issue's test: an export with rows from both countries maps both."""
    result = _upload(
        event(1, admin1="Kandahar", iso="4"),
        _pak(2, "Balochistan"),
        _pak(3, "Punjab"),
        event(4, admin1="Nangarhar", iso="4"),
    )
    assert result.errors == []
    assert result.region is not None
    assert result.region.codes == ("AF", "PK")
    assert _province_of_each_claim(result) == {
        "ACLED-AFGTEST01": "AF-KAN",
        "ACLED-AFGTEST02": "PK-BA",
        "ACLED-AFGTEST03": "PK-PB",
        "ACLED-AFGTEST04": "AF-NAN",
    }
    assert any(
        "Afghanistan (2 rows), Pakistan (2 rows)" in note and "recognised" in note
        for note in result.notes
    )


def test_rows_of_a_country_without_units_are_reported_with_the_reason() -> None:
    result = _upload(
        event(1, admin1="Kabul", iso="4"),
        event(2, country="Kosovo", iso="0", admin1="Pristina"),
    )
    assert len(result.load.claims) == 1
    (problem,) = result.errors
    assert (problem.row, problem.column, problem.value) == (3, "country", "Kosovo")
    assert "no built-in units for 'Kosovo'" in problem.message
    assert "upload a boundary file" in problem.message
    assert result.rejected_table()["row"].tolist() == [3]
    assert any("without built-in units: 'Kosovo'" in note for note in result.notes)


def test_a_name_that_is_only_the_other_countrys_is_not_lent_a_unit() -> None:
    # Kandahar is Afghan: a Pakistani row naming it must not land there.
    result = _upload(event(1, admin1="Kabul", iso="4"), _pak(2, "Kandahar"))
    assert result.load.claims["province"].tolist() == ["AF-KAB"]
    (problem,) = result.errors
    assert (problem.row, problem.column) == (3, "admin1")
    assert "names no unit of Pakistan" in problem.message
    assert "as of 2012-2013" in problem.message


def test_each_countrys_unmatched_names_are_fixed_for_its_own_rows_only() -> None:
    # "Kandahar" names no Pakistani unit, and "Sindhh" is misspelt; the same unknown name
    # "Central" in both countries is two questions, one per country.
    rows = (
        event(1, admin1="Kabul", iso="4"),
        event(2, admin1="Central", iso="4"),
        _pak(3, "Sindhh"),
        _pak(4, "Central"),
        _pak(5, "Kandahar"),
    )
    result = _upload(*rows, _pak(6, "CENTRAL"))
    unmatched = result.unmatched_by_country()
    assert {c: sorted(names) for c, names in unmatched.items()} == {
        "AF": ["Central"],
        "PK": ["Central", "Kandahar", "Sindhh"],  # "CENTRAL" is the same name, asked once
    }
    assert unmatched["PK"]["Sindhh"][0].code == "PK-SD"  # suggested among Pakistan's units
    assert all(s.code.startswith("PK-") for s in unmatched["PK"]["Kandahar"])
    assert result.unmatched_places() == {}  # none left for the one-country fixes

    fixed = _upload(
        *rows,
        country_aliases={
            "AF": {"Central": "AF-KAB"},
            "PK": {"Sindhh": "PK-SD", "Central": "PK-IS", "Kandahar": "AF-KAN"},
        },
    )
    assert _province_of_each_claim(fixed) == {
        "ACLED-AFGTEST01": "AF-KAB",
        "ACLED-AFGTEST02": "AF-KAB",
        "ACLED-AFGTEST03": "PK-SD",
        "ACLED-AFGTEST04": "PK-IS",
    }
    # A fix naming another country's unit is not applied: the row stays reported.
    assert [(p.row, p.value) for p in fixed.errors] == [(6, "Kandahar")]
    assert fixed.unmatched_by_country() == {"PK": {"Kandahar": unmatched["PK"]["Kandahar"]}}


def test_one_country_export_switches_to_that_country() -> None:
    result = _upload(
        event(1, country="Sudan", iso="729", admin1="Khartoum"),
        event(2, country="Sudan", iso="729", admin1="North Darfur"),
        event(3, country="Sudan", iso="729", admin1="Nowhere State"),
    )
    assert result.region is not None and result.region.codes == ("SD",)
    assert sorted(result.load.claims["province"]) == ["SD-DN", "SD-KH"]
    # One country: the unmatched name goes through the usual check, fixable by an alias.
    assert list(result.unmatched_places()) == ["Nowhere State"]
    assert any("not today's" in note for note in result.notes)
    fixed = _upload(
        event(3, country="Sudan", iso="729", admin1="Nowhere State"),
        aliases={"Nowhere State": "SD-KH"},
    )
    assert fixed.load.claims["province"].tolist() == ["SD-KH"]


def test_without_built_in_countries_the_given_places_are_used() -> None:
    result = load_upload(
        "test-export.csv",
        _csv(_pak(1, "Punjab")),
        places=region(["AF"]).registry,
        source_ids=set(),
    )
    assert result.region is None
    assert result.errors[0].column == "country"


def test_scope_outside_its_countries_names_them() -> None:
    frame = pd.DataFrame([_pak(1, "Punjab")], dtype=object)
    scope = CountryScope(
        resolve=lambda country, iso: acled_country(country, iso).code,
        registries={"AF": region(["AF"]).registry},
        names={"AF": "Afghanistan"},
    )
    result = acled_to_claims(frame, [2], scope=scope)
    (problem,) = result.problems
    assert problem.column == "country"
    assert "not Afghanistan" in problem.message


def test_neighbours_are_the_countries_around_not_the_ones_shown() -> None:
    around = neighbours(("AF",))
    names = set(around["name"])
    assert {"Tajikistan", "Pakistan", "Iran", "Turkmenistan", "Uzbekistan"} <= names
    assert "Afghanistan" not in names
    assert "Sudan" not in names  # far away: not drawn
    for _, row in around.iterrows():
        assert row.geometry.is_valid and not row.geometry.is_empty
        assert row.geometry.buffer(1e-6).contains(Point(row["label_lon"], row["label_lat"]))
    both = set(neighbours(("AF", "PK"))["name"])
    assert "Pakistan" not in both and "India" in both
