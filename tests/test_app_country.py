"""The country picker and the ``?country=`` link parameter through AppTest (#17)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.dataset import load_dataset, on_region
from geo.model.countries import available_countries, region
from geo.paths import DATA_DIR, DATA_DIR_ENV
from geo.reading.upload import load_upload
from store.config import DATABASE_URL_ENV
from tests.test_acled import event
from tests.test_acled_countries import _csv

TIMEOUT = 60
APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def text_of(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(parts).replace("\\", "")  # as shown, without Markdown's escapes


def test_afghanistan_is_the_default_with_its_claims() -> None:
    at = run()
    assert not at.exception
    assert at.selectbox(key="country").value == "AF"
    assert "45 of 45 claims shown" in text_of(at)
    assert "Boundaries as of" not in text_of(at)  # Afghanistan's units are today's
    assert "country" not in at.query_params


def test_a_link_names_the_country_whose_units_are_shown() -> None:
    at = run(country="sd")
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="country").value == "SD"
    provinces = at.selectbox(key="place")
    assert provinces.options[0] == "Blue Nile"  # sorted by name
    assert len(provinces.options) == 17
    text = text_of(at)
    assert "No claims on Sudan's units" in text
    assert "Boundaries of Sudan as of 2012-2013" in text
    assert "Boundaries: Natural Earth" in text
    assert at.query_params["country"] == "SD"  # written back as a code


def test_a_data_folder_of_claims_only_still_offers_every_country(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An analyst's own folder (README: "files named as in data/") need not copy countries/;
    # before, the app stopped at its first page on such a folder.
    for name in (
        "claims.csv",
        "sources.csv",
        "provinces.csv",
        "provinces.geojson",
        "provinces.geojson.meta.json",
    ):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    with (tmp_path / "claims.csv").open(encoding="utf-8") as f:
        kept = f.readlines()[:11]  # the header and ten claims: this folder's, not data/'s
    (tmp_path / "claims.csv").write_text("".join(kept), encoding="utf-8")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'claims.db'}")
    at = run()
    assert not at.exception, [e.value for e in at.exception]
    assert "10 of 10 claims shown" in text_of(at)
    assert len(at.selectbox(key="country").options) == len(available_countries())
    at.selectbox(key="country").select("SD").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.selectbox(key="place").options) == 17


def test_a_bad_country_in_a_link_is_ignored_with_a_note() -> None:
    at = run(country="Narnia")
    assert not at.exception
    notes = "\n".join(w.value for w in at.warning)
    assert "ignored country 'Narnia'" in notes
    assert at.selectbox(key="country").value == "AF"
    assert "45 of 45 claims shown" in text_of(at)


def test_picking_a_country_shows_its_units_and_writes_the_link() -> None:
    at = run()
    at.selectbox(key="country").select("PK").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["country"] == "PK"
    assert "No claims on Pakistan's units" in text_of(at)
    assert "Punjab" in at.selectbox(key="place").options


def test_an_export_of_sudan_is_shown_on_sudans_units() -> None:
    builtin = load_dataset()
    result = load_upload(
        "test-sudan.csv",
        _csv(
            event(1, country="Sudan", iso="729", admin1="Khartoum"),
            event(2, country="Sudan", iso="729", admin1="North Darfur"),
        ),
        places=builtin.places,
        source_ids=set(),
        built_in_countries=True,
    )
    assert result.region is not None
    mine = on_region(
        builtin, result.region, claims=result.load, sources=result.sources, label="test upload"
    )
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["_user_data"] = mine
    at.run()
    assert not at.exception
    text = text_of(at)
    assert "2 of 2 claims shown" in text
    assert "Boundaries of Sudan as of 2012-2013" in text
    assert len(at.selectbox(key="place").options) == len(region(["SD"]).boundaries)


def uploaded(*events: dict[str, str]) -> AppTest:
    """The Your data page after uploading an ACLED export of ``events``."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page("pages/your_data.py").run()
    at.file_uploader(key="claims_upload").upload("test-export.csv", _csv(*events), "text/csv")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_uploading_an_export_of_two_countries_switches_the_map() -> None:
    at = uploaded(
        event(1, admin1="Kandahar", iso="4"),
        event(2, country="Pakistan", iso="586", admin1="Balochistan"),
        event(3, country="Kosovo", iso="0", admin1="Pristina"),
    )
    text = text_of(at)
    assert "Afghanistan (1 row), Pakistan (1 row)" in text
    assert "without built-in units: 'Kosovo'" in text
    assert "This export is about Afghanistan and Pakistan" in text
    assert "**2 of 3 rows loaded**, 1 rejected" in text
    assert not [b for b in at.button if b.label == "Add them to the built-in claims"]
    next(b for b in at.button if b.label == "Show only these claims").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = text_of(at)
    assert "2 of 2 claims shown" in shown
    assert "Boundaries of Pakistan as of 2012-2013" in shown


def test_an_unmatched_name_of_a_two_country_export_is_fixed_for_its_country() -> None:
    at = uploaded(
        event(1, admin1="Kandahar", iso="4"),
        event(2, admin1="Central", iso="4"),
        event(3, country="Pakistan", iso="586", admin1="Central"),
        event(4, country="Pakistan", iso="586", admin1="Sindhh"),
    )
    assert "**1 of 4 rows loaded**, 3 rejected" in text_of(at)
    asked = {b.label: b for b in at.selectbox if b.label.endswith(" is")}
    assert set(asked) == {
        "'Central' in Afghanistan is",
        "'Central' in Pakistan is",
        "'Sindhh' in Pakistan is",
    }
    # Each question offers its own country's units only, suggestions first.
    afghan = asked["'Central' in Afghanistan is"].options[1:]
    assert afghan and all("(AF-" in shown for shown in afghan)
    assert asked["'Sindhh' in Pakistan is"].options[1].endswith("(PK-SD)")
    asked["'Central' in Afghanistan is"].set_value("AF-KAB")
    asked["'Central' in Pakistan is"].set_value("PK-IS")
    asked["'Sindhh' in Pakistan is"].set_value("PK-SD")
    at.run()
    at.button(key="apply_country_fixes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "**4 of 4 rows loaded**" in text_of(at)
    assert not [b for b in at.selectbox if b.label.endswith(" is")]
