"""Encoding detection and the signs of garbled text (geo.reading.charsets)."""

from __future__ import annotations

import codecs

import pytest

from geo.reading import charsets
from geo.reading.charsets import CANDIDATES, ENCODINGS, detect_single_byte, oddities, sample

DARI_1256 = "claim_id,actor,place\nT001,طالبان,پنجشير\nT002,جبهه مقاومت ملي,کابل\n"
# Letters both Windows-1256 and ISO-8859-6 hold (no ق ف ك غ, whose Windows-1256 bytes are
# not ISO-8859-6 characters): only what the bytes decode to tells the two apart.
ARABIC_ONLY = "claim_id,actor,place\nT001,طالبان,دره\nT002,جبهه ملي,وادي\n"
FRENCH = "claim_id,actor,place\nT001,Société Générale,Vallée\nT002,Élysée,Château\n"
GERMAN = "claim_id,actor,place\nT001,Müller Gruppe,Straße\nT002,Grüße,Übersicht\n"


def test_every_encoding_offered_is_a_python_codec_under_its_own_name() -> None:
    for name in ENCODINGS:
        assert codecs.lookup(name).name == name
    assert set(CANDIDATES) <= set(ENCODINGS)


@pytest.mark.parametrize(
    ("text", "encoding", "detected"),
    [
        (DARI_1256, "cp1256", "cp1256"),
        (ARABIC_ONLY, "cp1256", "cp1256"),
        (ARABIC_ONLY, "iso8859-6", "iso8859-6"),
        (FRENCH, "cp1252", "cp1252"),
        (GERMAN, "cp1252", "cp1252"),
        (FRENCH + "T003,“cité” – Œuvre,x\n", "cp1252", "cp1252"),
        # Latin-1 text is Windows-1252 text: the two differ only where Latin-1 has controls.
        (FRENCH, "iso8859-1", "cp1252"),
        (GERMAN, "iso8859-1", "cp1252"),
    ],
)
def test_detection(text: str, encoding: str, detected: str) -> None:
    found = detect_single_byte(text.encode(encoding))
    assert found.encoding == detected
    assert found.why.startswith("of Windows-1252, Windows-1256, ISO-8859-6, ISO-8859-1, ")


def test_detection_is_deterministic_and_says_why() -> None:
    data = ARABIC_ONLY.encode("cp1256")
    first = detect_single_byte(data)
    assert all(detect_single_byte(data) == first for _ in range(3))
    # Windows-1252 gives "ØÇáÈÇä" for "طالبان": garbled; ISO-8859-6 ties on plausibility.
    assert "garbled words: Windows-1256 0, ISO-8859-6 0, Windows-1252 " in first.why
    assert "tie" in first.why


def test_detection_reads_a_bounded_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = charsets.charset_normalizer.from_bytes

    def spy(data: bytes, **options: object):
        seen.append(len(data))
        return real(data, **options)

    monkeypatch.setattr(charsets.charset_normalizer, "from_bytes", spy)
    big = DARI_1256.encode("cp1256") * 200_000  # about 17 MB
    assert detect_single_byte(big).encoding == "cp1256"
    limit = charsets.SAMPLE_HEAD + charsets.SAMPLE_SLICES * (charsets.SAMPLE_SLICE + 1)
    assert seen and max(seen) <= limit <= 1_100_000


def test_sample_has_the_start_and_slices_of_the_rest_apart() -> None:
    data = bytes(range(65, 91)) * 100_000
    part = sample(data)
    assert part.startswith(data[: charsets.SAMPLE_HEAD])
    assert part.count(b"\n") == charsets.SAMPLE_SLICES
    assert sample(b"small") == b"small"


@pytest.mark.parametrize(
    "text",
    [
        "جبهه مقاومت ملی، طالبان، پنجشیر",
        "د طالبانو ویاند: ټ ډ ړ ښ ږ ځ څ ې ۍ ګ ئ",
        "ادعای آزمایشی ۱؛ درهٔ پنجشیر",
        "Société Générale, Grüße, Straße, naïve, Ålesund, Œuvre d’essai",
        "„Wir sind hier“ – «Nous sommes là»",
        "Kabul (کابل) and 3×4 km",
        "Тестовая группа, Ελλάδα",
        "CAFÉ” SØR”",  # accented capitals before quote marks, not UTF-8 read wrongly
    ],
)
def test_real_text_has_no_oddities(text: str) -> None:
    assert oddities(text).total == 0, oddities(text)


def test_each_kind_of_oddity() -> None:
    # "طالبان" and "ما" in Windows-1256 read as Windows-1252.
    assert oddities("ØÇáÈÇä ãÇ").accented == ["ØÇáÈÇä", "ãÇ"]
    # "جبهه" and "طالبان" in ISO-8859-6 read as Windows-1256.
    assert oddities("جبçç, ×البان").mixed == ["جبçç", "×البان"]
    # "جبهه" in UTF-8 read as Windows-1252.
    assert oddities("Ø¬Ø¨Ù‡Ù‡ x").utf8 == [("Ø¬Ø¨Ù‡Ù‡", "جبهه")]
    assert oddities("a\x81b\x9d").controls == 2
    assert oddities("caf\ufffd").replaced == 1


def test_a_description_names_counts_and_examples() -> None:
    described = oddities("ØÇáÈÇä, جبçç, Ø¬Ø¨Ù‡Ù‡, \x81").describe()
    assert "1 word(s) made only of accented Latin letters" in described
    assert "'ØÇáÈÇä'" in described
    assert "1 word(s) mixing letters of two scripts" in described
    assert "'Ø¬Ø¨Ù‡Ù‡' for 'جبهه'" in described
    assert "1 control character(s)" in described


@pytest.mark.parametrize(
    ("name", "shown"),
    [("cp1256", "Windows-1256"), ("windows-1256", "Windows-1256"), ("latin_1", "ISO-8859-1")],
)
def test_labels(name: str, shown: str) -> None:
    assert charsets.short_label(name) == shown
