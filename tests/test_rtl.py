"""Dari and Pashto shown right: shaped and right to left on the slide PNG, set apart with
dir="auto" in the map's HTML, and byte-exact in the CSV and GeoJSON exports."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from PIL import Image

from geo.dataset import Dataset, combine, load_dataset
from geo.escape import FSI, PDI, isolate
from geo.export.files import claims_csv, provinces_geojson
from geo.export.png import _REGULAR, ARABIC_SCRIPT_FONTS, for_text, render_map_png
from geo.model.claims import validate_claims
from geo.views.filtering import ClaimFilter, filter_claims, summarise
from geo.views.foliummap import layer_payload
from geo.views.mapview import build_map_view, presence_palette

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
FONTS = ROOT / "geo" / "export" / "fonts"

PANJSHIR = "پنجشیر"
# The same word as a shaper draws it: each letter's initial, medial or final form.
PANJSHIR_FORMS = "\ufb58\ufee8\ufea0\ufeb8\ufbff\ufeae"
DARI_LETTERS = "ءآأؤإئابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیۀ"
PASHTO_LETTERS = "ټډړږښګڼۍېځڅ"
# The corpus's Dari claims (tests/corpus/claims_dari_utf8.csv): what the browser test loads.
DARI_TABLE = ROOT / "tests" / "corpus" / "claims_dari_utf8.csv"


# --- the bundled font -------------------------------------------------------------------


def test_the_bundled_font_is_the_recorded_release_with_its_licence() -> None:
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in ARABIC_SCRIPT_FONTS}
    assert digests == {
        "Vazirmatn-NL-Regular.ttf": (
            "c7f1168c90983caeb8a532bcace1031ec8ec2859ad1c16c033dbbf54c43e2998"
        ),
        "Vazirmatn-NL-Bold.ttf": "c14881a22c7ea8a4c0ad8477642c1155f141db5e386beed7e0adee46cf0f3e8c",
    }
    licence = (FONTS / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "The Vazirmatn Project Authors" in licence
    for digest in digests.values():
        assert digest in (FONTS / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ARABIC_SCRIPT_FONTS, ids=lambda p: p.name)
def test_every_dari_and_pashto_letter_has_a_glyph(path: Path) -> None:
    font = get_font(str(path))
    missing = [ch for ch in DARI_LETTERS + PASHTO_LETTERS if font.get_char_index(ord(ch)) == 0]
    assert missing == []


def test_dejavu_behind_it_is_matplotlibs_own_copy() -> None:
    # The same file on every machine, so the same view gives the same bytes.
    latin = for_text(PANJSHIR, FontProperties(fname=_REGULAR, size=12))
    assert Path(findfont(FontProperties(family="DejaVu Sans"))) == _REGULAR
    assert Path(findfont(latin)) in ARABIC_SCRIPT_FONTS


# --- shaping ----------------------------------------------------------------------------


def render(text: str, font: FontProperties) -> np.ndarray:
    """``text`` drawn black on white, as a grey-level array (0 is ink)."""
    figure = Figure(figsize=(6, 1.2), dpi=100, facecolor="white")
    canvas = FigureCanvasAgg(figure)
    figure.text(0.05, 0.3, text, fontproperties=font, color="black")
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[:, :, 0].astype(int)


def ink(image: np.ndarray) -> int:
    return int((image < 128).sum())


def differ(a: np.ndarray, b: np.ndarray) -> float:
    """The share of inked pixels where two drawings disagree."""
    return float(((a < 128) != (b < 128)).sum() / max(ink(a), ink(b), 1))


def test_a_dari_word_is_drawn_joined_and_right_to_left() -> None:
    font = for_text(PANJSHIR, FontProperties(fname=_REGULAR, size=28))
    word = render(PANJSHIR, font)
    # The word drawn from the letters' joined forms, which need no shaping: the same ink.
    assert differ(word, render(PANJSHIR_FORMS, font)) < 0.02
    # Letters kept apart (a zero-width non-joiner after each) take their isolated forms:
    # if the word were drawn unshaped it would look like this.
    apart = render("\u200c".join(PANJSHIR), font)
    assert differ(word, apart) > 0.3
    # Right to left: the word ends, at its right, with peh's initial form (its first
    # letter) and begins, at its left, with reh's final form (its last).
    assert differ(right_end(word, render("\ufb58", font)), inked(render("\ufb58", font))) < 0.1
    assert differ(left_end(word, render("\ufeae", font)), inked(render("\ufeae", font))) < 0.1


def inked(image: np.ndarray) -> np.ndarray:
    columns = np.flatnonzero((image < 128).any(axis=0))
    return image[:, columns.min() : columns.max() + 1]


def right_end(image: np.ndarray, like: np.ndarray) -> np.ndarray:
    """As many of ``image``'s last inked columns as ``like`` has inked ones."""
    columns = np.flatnonzero((image < 128).any(axis=0))
    return image[:, columns.max() + 1 - inked(like).shape[1] : columns.max() + 1]


def left_end(image: np.ndarray, like: np.ndarray) -> np.ndarray:
    columns = np.flatnonzero((image < 128).any(axis=0))
    return image[:, columns.min() : columns.min() + inked(like).shape[1]]


def test_no_letter_falls_back_to_the_missing_glyph_box() -> None:
    font = for_text(PASHTO_LETTERS, FontProperties(fname=_REGULAR, size=28))
    drawn = render(PASHTO_LETTERS, font)
    # DejaVu Sans alone has no ۍ: it draws the missing-glyph box in its place.
    with pytest.warns(UserWarning, match="missing from font"):
        boxed = render("ۍ", FontProperties(fname=_REGULAR, size=28))
    ours = render("ۍ", font)
    assert ink(drawn) > 0 and differ(ours, boxed) > 0.3


def test_isolates_keep_a_dari_name_from_reordering_the_english_line() -> None:
    font = for_text("x" + PANJSHIR, FontProperties(fname=_REGULAR, size=20))
    isolated = render(f"presence claimed for {isolate(PANJSHIR)}: 3", font)
    plain = render(f"presence claimed for {PANJSHIR}: 3", font)
    # Without isolates the bidirectional algorithm pulls ": 3" into the Dari run.
    assert differ(isolated, plain) > 0.05
    # The isolates themselves draw nothing.
    assert differ(isolated, render(f"presence claimed for {PANJSHIR}", font)) > 0
    assert isolate(PANJSHIR) == FSI + PANJSHIR + PDI


# --- a Dari dataset through the map, the PNG and the exports -------------------------------


@pytest.fixture(scope="module")
def dari() -> Dataset:
    base = load_dataset()
    raw = pd.read_csv(DARI_TABLE, dtype=str, keep_default_na=False)
    load = validate_claims(raw, places=base.places, source_ids=set(base.sources["source_id"]))
    assert load.errors == [], load.errors
    return combine(
        base, claims=load, sources=base.sources.iloc[0:0], mode="replace", label="داده‌های من"
    )


def test_the_dari_corpus_table_names_provinces_and_actors_in_dari(dari) -> None:
    assert any(any("\u0600" <= ch <= "\u06ff" for ch in a) for a in dari.claims["actor"])
    assert dari.claims["province"].notna().any()


def test_map_html_sets_dari_text_apart_and_escapes_it(dari) -> None:
    summary = summarise(filter_claims(dari.claims, ClaimFilter()))
    view = build_map_view(dari.names, summary, "presence", palette=presence_palette(dari.claims))
    payload = json.loads(layer_payload(view))
    actors = {str(a) for a in dari.claims["actor"]}
    legend = [e["l"] for e in payload["legend"]]
    dari_rows = [row for row in legend if any(a in row for a in actors)]
    assert dari_rows and all('<span dir="auto">' in row for row in dari_rows)
    labels = [label for listed in payload["listed"] for label in listed["l"]]
    dari_labels = [label for label in labels if any("\u0600" <= c <= "\u06ff" for c in label)]
    assert dari_labels and all(label.startswith('<span dir="auto">') for label in dari_labels)
    # Left-to-right labels go as plain escaped text: fewer bytes with every filter change.
    assert all("dir=" not in label for label in labels if label not in dari_labels)
    assert all("<script" not in line for line in payload["lines"] + labels + legend)


def test_hostile_dari_text_is_escaped_inside_its_dir_auto_element() -> None:
    from geo.escape import html_text

    assert html_text("طالبان<img src=x onerror=alert(1)>") == (
        '<span dir="auto">طالبان&lt;img src=x onerror=alert(1)&gt;</span>'
    )


def test_exports_keep_dari_text_byte_exact(dari) -> None:
    exported = claims_csv(dari.claims, dari.names, dari.citation, {"dataset": dari.label})
    # A byte-order mark, so that Excel reads the file as UTF-8 and shows the Dari.
    assert exported.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(
        io.BytesIO(exported), comment="#", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    for column in ("actor", "claimant", "summary", "place"):
        assert table[column].tolist() == dari.claims[column].astype(str).tolist(), column
    assert "داده‌های من".encode() in exported  # the zero-width non-joiner kept

    summary = summarise(filter_claims(dari.claims, ClaimFilter()))
    geojson = provinces_geojson(dari.boundaries, summary, {"dataset": dari.label})
    text = geojson.decode("utf-8")
    assert "\\u06" not in text  # written as the letters, not escapes
    collection = json.loads(text)
    actors = {a for f in collection["features"] for a in f["properties"]["actors"]}
    assert actors == set(dari.claims["actor"].astype(str))
    assert collection["metadata"]["dataset"] == "داده‌های من"


def test_the_slide_png_of_a_dari_view_is_drawn_and_kept(dari) -> None:
    summary = summarise(filter_claims(dari.claims, ClaimFilter()))
    view = build_map_view(dari.names, summary, "presence", palette=presence_palette(dari.claims))
    args = {
        "title": "ادعاها در ولایت‌ها (Claims by province)",
        "as_of": "2022-08-30",
        "filters_text": "none (all claims)",
        "caveat": "These are claims, not established facts.",
        "credits": "Boundaries: Natural Earth.",
    }
    png = render_map_png(dari.boundaries, view, size=(1920, 1080), **args)
    assert png == render_map_png(dari.boundaries, view, size=(1920, 1080), **args)
    image = Image.open(io.BytesIO(png))
    assert image.size == (1920, 1080)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "export-map-dari-1920x1080.png").write_bytes(png)
