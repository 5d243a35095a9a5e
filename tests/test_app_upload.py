"""The Your data page through AppTest, and an ACLED export explored on the map."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo.dataset import combine, load_dataset
from geo.reading.upload import load_upload

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
ACLED = ROOT / "tests" / "corpus" / "acled_afghanistan.csv"


def your_data_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    return at.switch_page("pages/your_data.py").run()


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_upload_reports_rows_and_fixes_a_place_name() -> None:
    at = your_data_page()
    at.file_uploader(key="claims_upload").upload(ACLED.name, ACLED.read_bytes(), "text/csv")
    at.run()
    assert not at.exception
    assert "an ACLED export; 12 data rows" in markdown(at)
    assert "**5 of 12 rows loaded**, 7 rejected" in markdown(at)
    fix = next(s for s in at.selectbox if s.label == "'Hilmnd' is")
    assert fix.options[1] == "Helmand (AF-HEL)"  # the suggestion comes first
    fix.select_index(1).run()
    next(b for b in at.button if b.label.startswith("Apply")).click().run()
    assert "**6 of 12 rows loaded**, 6 rejected" in markdown(at)


def test_unreadable_upload_is_explained() -> None:
    at = your_data_page()
    at.file_uploader(key="claims_upload").upload("x.csv", b"\x89PNG\r\n\x1a\nxxxx", "text/csv")
    at.run()
    assert not at.exception
    assert any("PNG" in e.value for e in at.error)


def test_acled_export_on_the_map_with_its_notes() -> None:
    builtin = load_dataset()
    result = load_upload(
        ACLED.name,
        ACLED.read_bytes(),
        places=builtin.places,
        source_ids=set(builtin.sources["source_id"]),
    )
    mine = combine(
        builtin,
        claims=result.load,
        sources=result.sources,
        mode="replace",
        label="test upload",
        problems=result.problems,
    )
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["_user_data"] = mine
    at.query_params.update({"type": "attack", "from": "2022-05-17", "place": "AF-KAB"})
    at.run()
    assert not at.exception
    text = markdown(at) + "\n".join(c.value for c in at.caption)
    assert "**2 of 5 claims shown**" in text
    assert "2 hidden by the claim type filter" in text
    assert "3 hidden by the date window filter" in text
    assert "7 rows rejected on loading" in text
    # In Kabul only the month-long event overlaps the window; its ACLED notes are the summary.
    assert "**Kabul**: 1 claim in view" in text
    assert "Synthetic test event 3" in text
    assert "ACLED event AFGTEST03" in text  # the locator
    assert "ACLED event data export" in text  # the source citation


def test_an_upload_is_read_once_until_the_file_or_a_fix_changes(monkeypatch) -> None:
    # Each widget on the page reruns it; a 50 MB file takes seconds to read and check.
    import geo.reading.upload

    calls: list[str] = []
    real = geo.reading.upload.load_upload

    def counting(name, *args, **kwargs):
        calls.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(geo.reading.upload, "load_upload", counting)
    at = your_data_page()
    at.file_uploader(key="claims_upload").upload(ACLED.name, ACLED.read_bytes(), "text/csv")
    at.run()
    assert len(calls) == 1
    fix = next(s for s in at.selectbox if s.label == "'Hilmnd' is")
    fix.select_index(1).run()  # a pick not yet applied: a rerun that changes nothing read
    at.run()
    assert len(calls) == 1
    assert "**5 of 12 rows loaded**, 7 rejected" in markdown(at)
    next(b for b in at.button if b.label.startswith("Apply")).click().run()
    assert len(calls) == 2, "a fix is an input: the file is checked again with it"
    assert "**6 of 12 rows loaded**, 6 rejected" in markdown(at)
    at.file_uploader(key="claims_upload").upload("other.csv", ACLED.read_bytes(), "text/csv")
    at.run()
    assert len(calls) == 3


def test_text_encoding_is_shown_and_can_be_chosen(monkeypatch) -> None:
    import geo.reading.upload

    calls: list[str | None] = []
    real = geo.reading.upload.load_upload

    def counting(name, *args, **kwargs):
        calls.append(kwargs.get("encoding"))
        return real(name, *args, **kwargs)

    monkeypatch.setattr(geo.reading.upload, "load_upload", counting)
    dari = ROOT / "tests" / "corpus" / "claims_dari_cp1256.csv"
    at = your_data_page()
    at.file_uploader(key="claims_upload").upload(dari.name, dari.read_bytes(), "text/csv")
    at.run()
    assert not at.exception
    # Markdown escapes the hyphen (geo.escape.md).
    assert r"2 data rows (encoding Windows\-1256)" in markdown(at)
    assert "**2 of 2 rows loaded**" in markdown(at)
    picker = at.selectbox(key="claims_encoding")
    assert picker.label == "Text encoding"
    assert picker.value == "" and picker.options[0] == "detected (Windows-1256)"
    assert not at.warning

    # A choice that cannot decode the file: a clear error, and the choice can be undone.
    at.selectbox(key="claims_encoding").select("iso8859-6").run()
    assert not at.exception
    (error,) = at.error  # in Markdown, escaped
    assert r"cannot be read as ISO\-8859\-6 \(Arabic\)\: byte 143" in error.value
    assert "Choose another text encoding" in error.value
    assert at.selectbox(key="claims_encoding").options[0] == "detected (Windows-1256)"

    # One that decodes it into garbled text: read, with a warning saying so.
    at.selectbox(key="claims_encoding").select("iso8859-1").run()
    assert r"(encoding ISO\-8859\-1)" in markdown(at)
    assert any("Some text looks garbled" in w.value for w in at.warning)

    at.selectbox(key="claims_encoding").select("").run()
    assert r"(encoding Windows\-1256)" in markdown(at) and not at.warning
    assert calls == [None, "iso8859-6", "iso8859-1", None], "each choice reads the file again"
    at.run()
    assert len(calls) == 4, "and an unchanged choice does not"
