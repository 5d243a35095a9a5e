"""data/provinces.csv: the 34 provinces, their ISO codes and the spellings people use."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict

import pycountry
import pytest

from geo.model.places import normalise
from geo.paths import DATA_DIR

PROVINCES_CSV = DATA_DIR / "provinces.csv"

CANONICAL_NAMES = {
    "Badakhshan", "Badghis", "Baghlan", "Balkh", "Bamyan", "Daykundi", "Farah", "Faryab",
    "Ghazni", "Ghor", "Helmand", "Herat", "Jowzjan", "Kabul", "Kandahar", "Kapisa", "Khost",
    "Kunar", "Kunduz", "Laghman", "Logar", "Nangarhar", "Nimroz", "Nuristan", "Paktika",
    "Paktia", "Panjshir", "Parwan", "Samangan", "Sar-e Pol", "Takhar", "Uruzgan",
    "Maidan Wardak", "Zabul",
}  # fmt: skip


def key(text: str) -> str:
    """Case-, diacritic- and punctuation-blind, so "Sar-e-Pol" and "sar e pol" collide;
    in Arabic script, blind to keyboard variants as the matcher is (ي and ی, ك and ک)."""
    decomposed = unicodedata.normalize("NFKD", normalise(text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"[\W_]", "", bare)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with PROVINCES_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["code", "name", "iso_name", "aliases"]
        return list(reader)


def aliases(row: dict[str, str]) -> list[str]:
    return row["aliases"].split(";") if row["aliases"] else []


def test_34_rows_sorted_by_code(rows: list[dict[str, str]]) -> None:
    assert len(rows) == 34
    codes = [r["code"] for r in rows]
    assert codes == sorted(codes)


def test_codes_and_iso_names_are_pycountrys(rows: list[dict[str, str]]) -> None:
    iso = {s.code: s.name for s in pycountry.subdivisions.get(country_code="AF")}
    assert {r["code"] for r in rows} == set(iso)
    assert {r["code"]: r["iso_name"] for r in rows} == iso


def test_names_are_the_canonical_modern_names_and_unique(rows: list[dict[str, str]]) -> None:
    names = [r["name"] for r in rows]
    assert len(set(names)) == len(names)
    assert set(names) == CANONICAL_NAMES
    assert len({key(n) for n in names}) == len(names)


def test_alias_lists_are_clean(rows: list[dict[str, str]]) -> None:
    for row in rows:
        spellings = aliases(row)
        assert all(a and a == a.strip() for a in spellings), row
        assert len(set(spellings)) == len(spellings), row
        # name and iso_name are matched anyway; repeating them exactly adds nothing.
        assert row["name"] not in spellings and row["iso_name"] not in spellings, row


def test_no_spelling_names_two_provinces(rows: list[dict[str, str]]) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        for spelling in [row["name"], row["iso_name"], *aliases(row)]:
            owners[key(spelling)].add(row["code"])
    shared = {k: sorted(v) for k, v in owners.items() if len(v) > 1}
    assert shared == {}


def test_no_alias_is_another_provinces_name(rows: list[dict[str, str]]) -> None:
    names = {key(r["name"]): r["code"] for r in rows}
    names |= {key(r["iso_name"]): r["code"] for r in rows}
    for row in rows:
        for alias in aliases(row):
            assert names.get(key(alias), row["code"]) == row["code"], (row["code"], alias)


def test_known_spellings(rows: list[dict[str, str]]) -> None:
    by_code = {r["code"]: r for r in rows}

    def spellings(code: str) -> set[str]:
        row = by_code[code]
        return {key(s) for s in [row["name"], row["iso_name"], *aliases(row)]}

    assert {key(s) for s in ("Panjsher", "Panjshayr", "Panjsheer")} <= spellings("AF-PAN")
    assert {key(s) for s in ("Daikundi", "Dai Kundi", "Daikondi")} <= spellings("AF-DAY")
    assert {key(s) for s in ("Wardak", "Maydan Wardak", "Wardag")} <= spellings("AF-WAR")
    assert {key(s) for s in ("Sari Pul", "Sar-e Pul", "Saripul")} <= spellings("AF-SAR")
    assert {key(s) for s in ("Paktya", "Paktiya")} <= spellings("AF-PIA")
    assert key("Hilmand") in spellings("AF-HEL")
    assert key("Hirat") in spellings("AF-HER")
    assert key("Jawzjan") in spellings("AF-JOW")
    # Natural Earth's wrong labels must not leak in as aliases.
    assert key("Parwan") not in spellings("AF-PAN")
    assert key("Uruzgan") not in spellings("AF-DAY")
