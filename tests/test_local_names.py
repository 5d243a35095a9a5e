"""Dari and Pashto province names: from Unicode CLDR, recorded, and matched however typed."""

from __future__ import annotations

import csv
import importlib.util
from collections import defaultdict
from pathlib import Path

import pytest

from geo.model.places import PlaceRegistry, load_place_registry, normalise
from geo.paths import DATA_DIR

RECORD = DATA_DIR / "province_names_cldr.csv"
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "cldr_province_names.py"


@pytest.fixture(scope="module")
def places() -> PlaceRegistry:
    return load_place_registry()


@pytest.fixture(scope="module")
def record() -> list[dict[str, str]]:
    with RECORD.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("cldr_province_names", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_province_has_a_dari_and_a_pashto_name_from_cldr(places, record) -> None:
    by_language: dict[str, set[str]] = defaultdict(set)
    for row in record:
        by_language[row["language"]].add(row["code"])
        assert row["source"].startswith("Unicode CLDR 48, common/subdivisions/")
        assert row["source"].find(f"/{row['language']}.xml") > 0
    assert by_language == {"fa": set(places.codes), "ps": set(places.codes)}


def test_each_alias_is_cldr_s_name_less_the_word_for_province(record, script) -> None:
    for row in record:
        assert row["alias"] == script.bare_name(row["cldr_name"])
        assert "ولایت" not in row["alias"] and "ولايت" not in row["alias"]
        # The matcher strips the same words, so CLDR's full name matches as it is.
        assert normalise(row["cldr_name"]) == normalise(row["alias"])


def test_every_recorded_name_matches_its_province_and_only_it(places, record) -> None:
    for row in record:
        assert places.match(row["cldr_name"]).code == row["code"], row
        assert places.match(row["alias"]).code == row["code"], row
    # PlaceRegistry refuses a spelling that names two places; and no two provinces share one
    # of these names once normalised.
    owners: dict[str, set[str]] = defaultdict(set)
    for row in record:
        owners[normalise(row["alias"])].add(row["code"])
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_the_script_run_again_changes_nothing(tmp_path, record, script) -> None:
    folder = tmp_path / "subdivisions"
    folder.mkdir()
    for language in ("fa", "ps"):
        rows = "".join(
            f'<subdivision type="{r["code"].replace("-", "").lower()}" '
            f'draft="{r["cldr_draft"]}">{r["cldr_name"]}</subdivision>'
            for r in record
            if r["language"] == language
        )
        (folder / f"{language}.xml").write_text(
            f"<ldml><localeDisplayNames><subdivisions>{rows}</subdivisions>"
            "</localeDisplayNames></ldml>",
            encoding="utf-8",
        )
    provinces = tmp_path / "provinces.csv"
    provinces.write_bytes((DATA_DIR / "provinces.csv").read_bytes())
    out = tmp_path / "record.csv"
    assert script.main([str(folder), "--provinces", str(provinces), "--record", str(out)]) == 0
    assert provinces.read_bytes() == (DATA_DIR / "provinces.csv").read_bytes()
    assert out.read_bytes() == RECORD.read_bytes()


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("پنجشیر", "AF-PAN"),  # Dari, Persian yeh
        ("پنجشير", "AF-PAN"),  # Arabic yeh, as an Arabic keyboard types it
        ("پنجشىر", "AF-PAN"),  # alef maksura for yeh
        ("پنج\u200cشیر", "AF-PAN"),  # a zero-width non-joiner inside
        ("پنجـــشیر", "AF-PAN"),  # tatweel stretching the word
        ("پَنْجشِیر", "AF-PAN"),  # harakat (vowel marks)
        ("\u200fپنجشیر\u200f", "AF-PAN"),  # right-to-left marks around it
        ("\u2068پنجشیر\u2069", "AF-PAN"),  # Unicode isolates, as a copy from the map gives
        ("ولایت پنجشیر", "AF-PAN"),  # Dari: "province" first
        ("پنجشېر ولايت", "AF-PAN"),  # Pashto: "province" last
        ("د ننګرهار ولايت", "AF-NAN"),  # Pashto "of ... province"
        ("ننگرهار", "AF-NAN"),  # Dari spelling with گ
        ("كابل", "AF-KAB"),  # Arabic kaf
        ("استان کابل", "AF-KAB"),  # Iranian Persian's word for province
        ("سر پل", "AF-SAR"),  # written as two words
        ("سرپل", "AF-SAR"),
        ("ميدان وردګ", "AF-WAR"),
        ("قندهار", "AF-KAN"),
        ("کندهار", "AF-KAN"),
    ],
)
def test_names_typed_on_different_keyboards_match(places, typed: str, code: str) -> None:
    assert places.match(typed).code == code


def test_a_dari_name_in_a_claims_table_matches(places) -> None:
    import pandas as pd

    from geo.model.claims import validate_claims

    raw = pd.DataFrame(
        [
            {
                "claim_id": "D1",
                "claimant": "جبهه مقاومت ملی",
                "actor": "طالبان",
                "claim_type": "presence",
                "province": "پنجشیر",
                "date_start": "2022-05-16",
                "date_precision": "day",
                "status": "claimed",
                "source_id": "src",
                "locator": "بند ۲",
                "summary": "حضور در دره",
            }
        ]
    )
    load = validate_claims(raw, places=places, source_ids={"src"})
    assert load.errors == []
    assert load.claims.loc[0, "province"] == "AF-PAN"
    assert load.claims.loc[0, "province_input"] == "پنجشیر"
