"""A table's country recognised from its own place names (#17): not only ACLED's columns."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.model.countries import recognise_country, region
from geo.reading.upload import load_upload

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SOURCE = "cnn-2022-08-30-bergen-nazary"  # a built-in source, so that only places can fail


def _table(provinces: list[str], columns: dict[str, str] | None = None) -> bytes:
    rows = pd.DataFrame(
        {
            "claim_id": [f"T{i}" for i in range(len(provinces))],
            "claimant": "An analyst",
            "actor": "RSF",
            "claim_type": "presence",
            "province": provinces,
            "date_start": "2023-05-01",
            "date_precision": "day",
            "status": "claimed",
            "source_id": SOURCE,
            "locator": "para 1",
            "summary": "A test claim.",
        }
    ).rename(columns=columns or {})
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def _upload(data: bytes, *, built_in_countries: bool = True):
    return load_upload(
        "table.csv",
        data,
        places=region(["AF"]).registry,
        source_ids={SOURCE},
        built_in_countries=built_in_countries,
    )


@pytest.mark.parametrize(
    ("names", "country"),
    [
        (["Khartoum", "North Darfur", "South Darfur", "Kassala"], "SD"),
        (["Shan", "Rakhine", "Kachin", "Yangon"], "MM"),
        (["Kharkiv", "Odesa", "Kherson", "Kyiv"], "UA"),  # Kyiv: city or oblast, so no match
        (["Balochistan", "Khyber Pakhtunkhwa", "Sindh"], "PK"),
        (["Panjshir", "Kapisa", "Baghlan", "Badakhshan", "Takhar", "Parwan"], "AF"),
        (["SD-KH", "SD-DN"], "SD"),  # codes are spellings too
    ],
)
def test_a_country_is_recognised_from_most_of_its_units_names(
    names: list[str], country: str
) -> None:
    found = recognise_country(names)
    assert found is not None and found.country.code == country
    assert found.names == len(names) and found.matched >= len(names) / 2


@pytest.mark.parametrize(
    "names",
    [
        ["Punjab"],  # India's and Pakistan's alike
        # Afghanistan's regions: names many countries' units share say nothing (this was
        # taken for Zambia's provinces, 5 of 6).
        ["Central", "Eastern", "Northern", "Western", "Southern", "Kabul"],
        ["North", "South", "East", "West", "Centre"],
        ["Khartoum", "Atlantis", "Narnia", "Gondor"],  # one name in four
        ["Kassala", "Kharkiv"],  # one each: a tie
        [],
    ],
)
def test_no_country_when_the_names_do_not_say_which(names: list[str]) -> None:
    assert recognise_country(names) is None


def test_a_sudan_table_goes_onto_sudan_s_units_with_a_note() -> None:
    result = _upload(_table(["Khartoum", "North Darfur", "Kassala", "Khartoom North"]))
    assert result.region is not None and result.region.codes == ("SD",)
    assert any("are Sudan's units (3 of 4 distinct names" in note for note in result.notes)
    assert result.load.claims["province"].astype(str).tolist() == ["SD-KH", "SD-DN", "SD-KA"]
    # The name that matched no unit is reported, with Sudan's units as suggestions.
    unmatched = result.unmatched_places()
    assert list(unmatched) == ["Khartoom North"]
    assert all(s.code.startswith("SD-") for s in unmatched["Khartoom North"])


def test_a_mapped_table_of_myanmar_is_recognised_too() -> None:
    data = _table(
        ["Shan", "Rakhine", "Kachin"], columns={"province": "State/Region", "claim_id": "ID"}
    )
    result = _upload(data)
    assert result.kind == "other"  # mapped by guessing its columns
    assert result.region is not None and result.region.codes == ("MM",)
    assert len(result.load.claims) == 3


def test_an_afghan_table_stays_on_the_map_it_was_given() -> None:
    result = _upload(_table(["Panjshir", "Kapisa", "Qandahar", "Atlantis"]))
    assert result.region is None
    assert len(result.load.claims) == 3


def test_with_a_boundary_file_of_the_user_s_the_table_is_not_moved() -> None:
    # The page passes built_in_countries=False when the user brought boundaries.
    result = _upload(_table(["Khartoum", "North Darfur"]), built_in_countries=False)
    assert result.region is None
    assert len(result.load.claims) == 0 and len(result.unmatched_places()) == 2


def test_the_your_data_page_shows_a_sudan_table_on_sudan() -> None:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/your_data.py").run()
    data = _table(["Khartoum", "North Darfur", "Kassala"])
    at.file_uploader(key="claims_upload").upload("sudan.csv", data, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(i.value for i in at.info).replace("\\", "")
    assert "about Sudan: its claims are shown on the built-in units of Sudan" in shown
