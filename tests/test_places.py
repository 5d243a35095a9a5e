"""The name matcher, on a table of spellings people actually write."""

from __future__ import annotations

import pytest

from geo.model.places import Place, PlaceRegistry, RegistryError, load_place_registry


@pytest.fixture(scope="module")
def provinces() -> PlaceRegistry:
    return load_place_registry()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Panjshir", "AF-PAN"),
        ("Panjsher", "AF-PAN"),
        ("Panjshayr", "AF-PAN"),
        ("PANJSHIR PROVINCE", "AF-PAN"),
        ("  panjshir  ", "AF-PAN"),
        ("AF-PAN", "AF-PAN"),
        ("af-pan", "AF-PAN"),
        ("Hilmand", "AF-HEL"),
        ("Helmand", "AF-HEL"),
        ("Sar-e Pol", "AF-SAR"),
        ("Sari Pul", "AF-SAR"),
        ("Sar-i-Pul", "AF-SAR"),
        ("Sar-e-Pol", "AF-SAR"),
        ("Daykundi", "AF-DAY"),
        ("Daikundi", "AF-DAY"),
        ("Dāykundī", "AF-DAY"),
        ("Wilayat-e Daykundi", "AF-DAY"),
        ("Maidan Wardak", "AF-WAR"),
        ("Wardak", "AF-WAR"),
        ("Paktya", "AF-PIA"),
        ("Paktia", "AF-PIA"),
        ("Paktika", "AF-PKA"),
        ("Nimroz", "AF-NIM"),
        ("Nimruz", "AF-NIM"),
        ("Jowzjan", "AF-JOW"),
        ("Jawzjan", "AF-JOW"),
        ("Herat", "AF-HER"),
        ("Hirat", "AF-HER"),
        ("Kābul", "AF-KAB"),
        ("Kabul Province", "AF-KAB"),
        ("Velayat-e Khowst", "AF-KHO"),
        ("Badakhshan", "AF-BDS"),
        ("Kapisa", "AF-KAP"),
        ("Takhar", "AF-TAK"),
        ("Baghlan", "AF-BGL"),
        ("Parwan", "AF-PAR"),
    ],
)
def test_known_spellings_match(provinces: PlaceRegistry, text: str, code: str) -> None:
    assert provinces.match(text).code == code


@pytest.mark.parametrize(
    "text",
    [
        "Kapisa/Parwan",
        "Kapisa and Parwan",
        "northern Afghanistan",
        "Tajikistan",
        "Afghanistan",
        "Panjshir Valley",
        "Panjshirr",
        "",
        "   ",
    ],
)
def test_no_single_province_is_unmatched(provinces: PlaceRegistry, text: str) -> None:
    match = provinces.match(text)
    assert match.code is None
    assert not match.matched


def test_near_miss_is_a_suggestion_not_a_match(provinces: PlaceRegistry) -> None:
    match = provinces.match("Panjshirr")
    assert match.code is None
    assert match.suggestions[0].code == "AF-PAN"
    assert "Panjshir (AF-PAN)" in match.explain()


def test_two_names_suggest_both(provinces: PlaceRegistry) -> None:
    codes = {s.code for s in provinces.match("Kapisa/Parwan").suggestions}
    assert {"AF-KAP", "AF-PAR"} <= codes


def test_at_most_three_suggestions(provinces: PlaceRegistry) -> None:
    for text in ("Pak", "Kun", "Ba", "northern Afghanistan", "Tajikistan"):
        assert len(provinces.match(text).suggestions) <= 3


def test_every_registered_spelling_round_trips(provinces: PlaceRegistry) -> None:
    for code in provinces.codes:
        for spelling in provinces.place(code).spellings():
            assert provinces.match(spelling).code == code, spelling


def test_a_spelling_shared_by_two_places_is_refused() -> None:
    with pytest.raises(RegistryError, match="would name both"):
        PlaceRegistry([Place("X-1", "Alpha", aliases=("Same",)), Place("X-2", "Same")])


def test_registry_is_data_not_afghanistan() -> None:
    districts = PlaceRegistry([Place("D1", "Balkhab", aliases=("Balkh Ab",))])
    assert districts.match("balkh-ab").code == "D1"
    assert districts.match("Balkh").code is None
