"""Write the corpus of bad and awkward uploads, and what loading each must report.

Run it only to change the corpus: `.venv/bin/python tests/corpus/make_corpus.py`. The files
are committed data; tests read them and never run this script. Every file is written the
same way each time (fixed seeds, fixed timestamps inside .xlsx), so a change shows in git.

All content is invented for testing: "Test Group A", "Synthetic test claim 1" and ACLED-like
rows with ids such as AFGTEST01 are not real claims or real ACLED events.

Each expectation in expected.json is either {"unreadable": "<part of the message>"} or
{"kind": ..., "loaded": N, "errors": [[row, column, "<part of the message>"], ...],
"notes": ["<part of a note>", ...]}; "errors" lists every error exactly once, and
"values" optionally gives loaded claims' values by column. "warnings" lists a part of each
warning (a file without the key must get none), "encoding" the encoding it is read in, and
"cells" every cell of the file as it must be read, header first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

HERE = Path(__file__).parent
# The formats are written out here, not imported from geo, so the corpus stays what it is
# when the code changes; the tests then show what a change does to these files.
SOURCE = "cnn-2022-08-30-bergen-nazary"  # a source id of data/sources.csv
COLUMNS = (
    "claim_id",
    "claimant",
    "actor",
    "claim_type",
    "province",
    "place",
    "date_start",
    "date_end",
    "date_precision",
    "status",
    "source_id",
    "locator",
    "quote",
    "summary",
)
ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
FIXED_TIME = (2024, 1, 1, 0, 0, 0)

Expected = dict[str, object]
CASES: dict[str, tuple[Callable[[], bytes], Expected]] = {}


def case(name: str, expected: Expected) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    def register(make: Callable[[], bytes]) -> Callable[[], bytes]:
        CASES[name] = (make, expected)
        return make

    return register


def claim(i: int, **changes: str) -> list[str]:
    row = {
        "claim_id": f"T{i:03d}",
        "claimant": "Test Group A spokesperson",
        "actor": "Test Group A",
        "claim_type": "presence",
        "province": "Panjshir",
        "place": "Test Valley",
        "date_start": "2022-05-16",
        "date_end": "",
        "date_precision": "day",
        "status": "claimed",
        "source_id": SOURCE,
        "locator": f"test paragraph {i}",
        "quote": "",
        "summary": f"Synthetic test claim {i}.",
    }
    row.update(changes)
    return [row[c] for c in COLUMNS]


def acled(i: int, **changes: str) -> list[str]:
    row = dict.fromkeys(ACLED_COLUMNS, "")
    row.update(
        event_id_cnty=f"AFGTEST{i:02d}",
        event_date="2022-05-16",
        year="2022",
        time_precision="1",
        disorder_type="Political violence",
        event_type="Battles",
        sub_event_type="Armed clash",
        actor1="Test Group A",
        actor2="Test Group B",
        inter1="Rebel group",
        inter2="Rebel group",
        interaction="Rebel group-Rebel group",
        iso="4",
        region="Test Region",
        country="Afghanistan",
        admin1="Kabul",
        admin2="Test District",
        location="Test Village",
        latitude="34.5000",
        longitude="69.1000",
        geo_precision="1",
        source="Test News Agency",
        source_scale="National",
        notes=f"Synthetic test event {i}.",
        fatalities="0",
        timestamp="1652745600",
    )
    row.update(changes)
    return [row[c] for c in ACLED_COLUMNS]


def table(
    rows: Sequence[Sequence[str]],
    header: Sequence[str] = COLUMNS,
    delimiter: str = ",",
    newline: str = "\n",
) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


def loads(kind: str, loaded: int, errors: Sequence[Sequence[object]] = (), **more: object):
    return {"kind": kind, "loaded": loaded, "errors": [list(e) for e in errors], **more}


def unreadable(part: str) -> Expected:
    return {"unreadable": part}


def xlsx(build: Callable[[openpyxl.Workbook], None], cached: dict[str, str] | None = None):
    """An .xlsx with fixed timestamps; ``cached`` gives formulas a saved result (cell -> xml).

    openpyxl writes formulas without results, as a file never opened in Excel has them.
    """
    workbook = openpyxl.Workbook()
    workbook.properties.created = dt.datetime(*FIXED_TIME)
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "xl/theme/theme1.xml":
                continue  # 7 KB of colours a table does not need, to keep the corpus small
            data = re.sub(
                rb'<(Override|Relationship)[^>]*theme1\.xml"[^>]*/>',
                b"",
                source.read(info.filename),
            )
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", data
                )
            if info.filename == "xl/worksheets/sheet1.xml" and cached:
                for ref, cell in cached.items():
                    pattern = rf'<c r="{ref}"[^>]*><f>.*?</f><v\s*/>'.encode()
                    data, count = re.subn(pattern, lambda _, c=cell: c.encode(), data)
                    assert count == 1, f"formula cell {ref} not found"
            entry = zipfile.ZipInfo(info.filename, FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def sheet_rows(sheet: Any, rows: Sequence[Sequence[object]]) -> None:
    for row in rows:
        sheet.append(list(row))


# --- claims in this project's format ---------------------------------------------------------


@case("claims_full.csv", loads("claims", 3))
def _() -> bytes:
    rows = [
        claim(1, quote="we are in the test valley"),
        claim(
            2,
            claim_type="attack",
            province="AF-KAB",
            place="Test Town",
            date_end="2022-05-20",
            date_precision="week",
            status="reported",
            claimant="Test Reporter",
        ),
        claim(3, province="", place="northern test area", claim_type="control"),
    ]
    return utf8(table(rows))


@case("claims_utf8_bom.csv", loads("claims", 2, values={"claim_id": ["T001", "T002"]}))
def _() -> bytes:
    return b"\xef\xbb\xbf" + utf8(table([claim(1), claim(2)]))


@case(
    "claims_cp1252.csv",
    loads(
        "claims",
        2,
        notes=["Windows-1252"],
        encoding="cp1252",
        values={
            "summary": ["Synthetic claim about the café.", "Synthetic claim: group\u2019s base."]
        },
    ),
)
def _() -> bytes:
    rows = [
        claim(1, summary="Synthetic claim about the café."),
        claim(2, summary="Synthetic claim: group\u2019s base."),
    ]
    return table(rows).encode("cp1252")


@case("claims_utf16.csv", loads("claims", 2, notes=["UTF-16", "tabs"]))
def _() -> bytes:
    # Excel's "Unicode Text" export: UTF-16 little-endian with a BOM, tab-separated, CRLF.
    return table([claim(1), claim(2, place="Dasht-e Tést")], delimiter="\t", newline="\r\n").encode(
        "utf-16"
    )


@case(
    "claims_utf16_no_bom.csv",
    loads("claims", 1, notes=["without a byte-order mark"], encoding="utf-16-le"),
)
def _() -> bytes:
    return table([claim(1)]).encode("utf-16-le")


# --- claims in Dari and Pashto, in each encoding they may come in ----------------------------
# Invented sentences for testing, in the five text fields; the group names are only words
# here, and no row is a real claim. Each file must read back exactly as written: "cells"
# holds every cell, header included.

TEXT_FIELDS = ("claimant", "actor", "place", "quote", "summary")
# With the Farsi yeh (ی), keheh (ک), Persian digits and the hamza above of "درهٔ".
DARI = {
    "claimant": "سخنگوی جبهه مقاومت ملی",
    "actor": "طالبان",
    "place": "درهٔ پنجشیر",
    "quote": "ما در پنجشیر هستیم، نه در کابل.",
    "summary": "ادعای آزمایشی ۱: گروه در ولسوالی حضور دارد.",
}
# With the letters only Pashto has: ټ ډ ړ ښ ږ ځ څ ې ۍ ګ, and ئ.
PASHTO = {
    "claimant": "د طالبانو ویاند",
    "actor": "ملي مقاومت جبهه",
    "place": "د پنجشیر دره",
    "quote": "موږ په دره کې یو",
    "summary": "ازمایښتي ادعا ۲: ټول ځواکونه څو ورځې وروسته ړنګ شول، نوۍ اډه جوړه شوه؛ وګورئ.",
}
# Windows-1256 holds the Arabic letters and the Persian پ چ ژ گ ک, but not the Farsi yeh ی:
# this text has the Arabic yeh ي in its place. Of the letters only Pashto has it holds just
# ئ, and it has no Persian digits; so this text leaves those out.
DARI_1256 = {
    "claimant": "سخنگوي جبهه مقاومت ملي",
    "actor": "طالبان",
    "place": "دره پنجشير",
    "quote": "ما در پنجشير هستيم، نه در کابل.",
    "summary": "ادعاي آزمايشي 1: گروه در ولسوالي حضور دارد.",
}
PASHTO_1256 = {
    "claimant": "د طالبانو وياند",
    "actor": "ملي مقاومت جبهه",
    "place": "د پنجشير دره",
    "quote": "په دره کي يو",
    "summary": "ازمايشتي ادعا 2: راشئ.",
}
# ISO-8859-6 holds only the letters of Arabic itself (no پ چ ژ گ ک ی, no Pashto letters) and
# the Arabic comma, semicolon and question mark.
DARI_8859_6 = {
    "claimant": "جبهه مقاومت ملي",
    "actor": "طالبان",
    "place": "دره",
    "quote": "ما در دره هستيم، نه در كابل.",
    "summary": "ادعاي آزمايشي 1؛ حضور در ولسوالي.",
}
PASHTO_8859_6 = {
    "claimant": "د طالبانو وياند",
    "actor": "ملي مقاومت جبهه",
    "place": "د دره",
    "quote": "دلته يو؟",
    "summary": "ازمايشتي ادعا 2: راشئ.",
}
# French and German names, in letters Latin-1 holds.
WESTERN_LATIN1 = [
    {
        "claimant": "Porte-parole du Groupe d'Essai Échelon",
        "actor": "Groupe Réseau",
        "place": "Vallée du Panjshir",
        "quote": "« Nous sommes là »",
        "summary": "Résumé synthétique ; déjà vu à Kaboul.",
    },
    {
        "claimant": "Sprecher der Testgruppe Müller",
        "actor": "Grüne Einheit",
        "place": "Straße nach Bazarak",
        "quote": "Wir sind hier.",
        "summary": "Synthetische Übung: Größe unbekannt, Ähnlichkeit groß.",
    },
]
# And in Windows-1252, with the letters and quotes it has beyond Latin-1.
WESTERN_1252 = [
    {**WESTERN_LATIN1[0], "quote": "“Nous sommes là” – Œuvre d’essai"},
    {**WESTERN_LATIN1[1], "quote": "„Wir sind hier“ – Šimon"},
]


def two_claims(first: dict[str, str], second: dict[str, str]) -> list[list[str]]:
    return [claim(1, **first), claim(2, province="Kabul", **second)]


def reads_back(rows: list[list[str]], encoding: str, *notes: str, **more: object) -> Expected:
    """Every cell read exactly as written, in this encoding, every row loaded."""
    values = {f: [row[COLUMNS.index(f)] for row in rows] for f in TEXT_FIELDS}
    return loads(
        "claims",
        len(rows),
        notes=list(notes),
        encoding=encoding,
        cells=[list(COLUMNS), *rows],
        values=values,
        **more,
    )


DARI_ROWS = two_claims(DARI, PASHTO)
DARI_1256_ROWS = two_claims(DARI_1256, PASHTO_1256)
DARI_8859_6_ROWS = two_claims(DARI_8859_6, PASHTO_8859_6)
LATIN1_ROWS = two_claims(*WESTERN_LATIN1)
WESTERN_1252_ROWS = two_claims(*WESTERN_1252)


@case("claims_dari_utf8.csv", reads_back(DARI_ROWS, "utf-8", "read as UTF-8"))
def _() -> bytes:
    return utf8(table(DARI_ROWS))


@case(
    "claims_dari_utf8_bom.csv",
    reads_back(DARI_ROWS, "utf-8-sig", "read as UTF-8 (with a byte-order mark)"),
)
def _() -> bytes:
    return b"\xef\xbb\xbf" + utf8(table(DARI_ROWS))


@case("claims_dari_utf16.csv", reads_back(DARI_ROWS, "utf-16", "UTF-16", "tabs"))
def _() -> bytes:
    # As Excel's "Unicode Text" export writes it: a BOM, little-endian, tabs, CRLF.
    return table(DARI_ROWS, delimiter="\t", newline="\r\n").encode("utf-16")


@case(
    "claims_dari_utf16_no_bom.csv",
    reads_back(DARI_ROWS, "utf-16-le", "UTF-16 little-endian text without a byte-order mark"),
)
def _() -> bytes:
    return table(DARI_ROWS).encode("utf-16-le")


@case(
    "claims_dari_cp1256.csv",
    reads_back(DARI_1256_ROWS, "cp1256", "read as Windows-1256", "detected"),
)
def _() -> bytes:
    # Strict: a letter the encoding lacks stops this script instead of becoming "?".
    return table(DARI_1256_ROWS).encode("cp1256")


@case(
    "claims_dari_iso8859_6.csv",
    reads_back(DARI_8859_6_ROWS, "iso8859-6", "read as ISO-8859-6", "detected"),
)
def _() -> bytes:
    return table(DARI_8859_6_ROWS).encode("iso8859-6")


@case(
    "claims_western_cp1252.csv",
    reads_back(WESTERN_1252_ROWS, "cp1252", "read as Windows-1252", "detected"),
)
def _() -> bytes:
    return table(WESTERN_1252_ROWS).encode("cp1252")


@case(
    "claims_western_latin1.csv",
    # Latin-1 and Windows-1252 differ only in bytes 0x80-0x9F, which Latin-1 text never has
    # (they are control characters there): for such a file the two give the same text, and
    # the reader names the one Windows writes.
    reads_back(LATIN1_ROWS, "cp1252", "ISO-8859-1 would give the same text"),
)
def _() -> bytes:
    return table(LATIN1_ROWS).encode("latin-1")


def _as_read_in_1252(data: bytes) -> str:
    """Bytes as a program assuming Windows-1252 shows them (its 5 unused bytes as Latin-1)."""
    return "".join(
        bytes([b]).decode("cp1252") if b not in b"\x81\x8d\x8f\x90\x9d" else chr(b) for b in data
    )


@case(
    "claims_garbled_utf8.csv",
    loads(
        "claims",
        2,
        warnings=["look like UTF-8 read as Windows-1252", "will not repair it"],
    ),
)
def _() -> bytes:
    # A UTF-8 file opened as Windows-1252 and saved again as UTF-8: "جبهه" is now "Ø¬Ø¨Ù‡Ù‡"
    # in the file itself.
    return utf8(_as_read_in_1252(utf8(table(DARI_ROWS))))


@case(
    "claims_mixed_scripts.csv",
    loads("claims", 2, warnings=["mixing letters of two scripts", "in the file itself"]),
)
def _() -> bytes:
    # An ISO-8859-6 file once read as Windows-1256 and saved as UTF-8: "جبهه" is now "جبçç".
    garbled = table(DARI_8859_6_ROWS).encode("iso8859-6").decode("cp1256")
    return utf8(garbled)


@case(
    "claims_cyrillic_cp1251.csv",
    loads(
        "claims",
        2,
        notes=["detected because the file is not UTF-8"],
        warnings=["mixing letters of two scripts", "choose the file's text encoding"],
    ),
)
def _() -> bytes:
    # Windows-1251 is not among the encodings tried: the guess is wrong, and says so.
    rows = [
        claim(1, actor="Тестовая группа А", summary="Синтетическое утверждение."),
        claim(2, actor="Тестовая группа Б", summary="Ещё одно синтетическое утверждение."),
    ]
    return table(rows).encode("cp1251")


@case(
    "claims_semicolon.csv",
    loads(
        "claims",
        2,
        notes=["semicolons"],
        values={"summary": ["Synthetic claim, with commas, inside.", "Synthetic test claim 2."]},
    ),
)
def _() -> bytes:
    rows = [claim(1, summary="Synthetic claim, with commas, inside."), claim(2)]
    return utf8(table(rows, delimiter=";"))


@case("claims_tab.tsv", loads("claims", 2, notes=["tabs"]))
def _() -> bytes:
    return utf8(table([claim(1), claim(2, summary="Synthetic, with a comma.")], delimiter="\t"))


@case("claims_pipe.csv", loads("claims", 1, notes=["vertical bars"]))
def _() -> bytes:
    return utf8(
        table([claim(1, summary="Synthetic; with a semicolon, and a comma.")], delimiter="|")
    )


@case(
    "stray_delimiter.csv",
    loads("claims", 2, [[3, None, "15 fields but the header has 14"]]),
)
def _() -> bytes:
    good = table([claim(1)])
    stray = ",".join(claim(2)[:-1]) + ",Synthetic claim, with an unquoted comma.\n"
    return utf8(good + stray + table([claim(3)]).split("\n", 1)[1])


@case(
    "embedded_newline.csv",
    loads("claims", 2, [[3, "province", "names no single known place"]]),
)
def _() -> bytes:
    # CRLF between records, a bare LF inside the quoted field: row 3 is still row 3.
    rows = [
        claim(1, summary="Synthetic claim\non two lines."),
        claim(2, province="Atlantis"),
        claim(3),
    ]
    return utf8(table(rows, newline="\r\n"))


@case(
    "formulas.csv",
    loads(
        "claims",
        3,
        values={"summary": ["=1+2", '=HYPERLINK("http://example.invalid","click")', "@SUM(A1)"]},
    ),
)
def _() -> bytes:
    rows = [
        claim(1, summary="=1+2", place="+cmd"),
        claim(2, summary='=HYPERLINK("http://example.invalid","click")', quote="-2+3"),
        claim(3, summary="@SUM(A1)"),
    ]
    return utf8(table(rows))


@case(
    "mixed_dates.csv",
    loads(
        "claims",
        3,
        [
            [5, "date_start", "ambiguous"],
            [6, "date_start", "is not a date"],
            [7, "date_end", "before it starts"],
        ],
        values={"date_start": ["2022-05-16", "2022-05-16", "2022-05-16"]},
    ),
)
def _() -> bytes:
    rows = [
        claim(1, date_start="2022-05-16"),
        claim(2, date_start="16 May 2022"),
        claim(3, date_start="May 16, 2022"),
        claim(4, date_start="05/06/2022"),
        claim(5, date_start="2022-13-01"),
        claim(6, date_start="2022-05-16", date_end="2022-05-01"),
    ]
    return utf8(table(rows))


@case(
    "unknown_provinces.csv",
    loads(
        "claims",
        3,
        [
            [2, "province", "did you mean Panjshir (AF-PAN)"],
            [3, "province", "'Kapisa/Parwan' names no single known place"],
            [5, "province", "'Atlantis' names no single known place"],
        ],
    ),
)
def _() -> bytes:
    rows = [
        claim(1, province="Panjshirr"),
        claim(2, province="Kapisa/Parwan"),
        claim(3, province="Hilmand"),
        claim(4, province="Atlantis"),
        claim(5, province="AF-KAB"),
        claim(6, province=""),
    ]
    return utf8(table(rows))


@case("duplicate_ids.csv", loads("claims", 2, [[4, "claim_id", "row 2 already uses it"]]))
def _() -> bytes:
    return utf8(table([claim(1), claim(2), claim(1, summary="Synthetic repeat.")]))


@case("huge_field.csv", loads("claims", 2))
def _() -> bytes:
    filler = ("Synthetic filler sentence for a very long summary. " * 2000)[:100_000]
    return utf8(table([claim(1, summary=filler), claim(2)]))


@case(
    "html_in_text.csv",
    loads("claims", 2, values={"place": ["<b>Test</b> Valley", "Test Valley"]}),
)
def _() -> bytes:
    rows = [
        claim(1, place="<b>Test</b> Valley", summary="<script>alert('x')</script> Synthetic."),
        claim(2, quote="<img src=x onerror=alert(1)>", summary="Synthetic &amp; test."),
    ]
    return utf8(table(rows))


@case("truncated.csv", loads("claims", 2, [[4, None, "the file seems cut off"]]))
def _() -> bytes:
    text = table([claim(1), claim(2), claim(3)])
    return utf8(text[: text.rindex("2022-05-16")])


@case("truncated_in_quote.csv", loads("claims", 2, [[4, None, "never closed"]]))
def _() -> bytes:
    text = table([claim(1), claim(2), claim(3, summary="Synthetic claim, cut off here")])
    return utf8(text[: text.rindex(" here")])


@case("header_only.csv", unreadable("no data rows"))
def _() -> bytes:
    return utf8(table([]))


@case("empty.csv", unreadable("is empty (0 bytes)"))
def _() -> bytes:
    return b""


@case("whitespace_only.csv", unreadable("is empty (only blank space)"))
def _() -> bytes:
    return b"  \r\n\t\n   \n"


@case("binary_junk.csv", unreadable("NUL bytes"))
def _() -> bytes:
    rng = random.Random(20240101)
    return bytes(rng.randrange(256) for _ in range(2048))


@case("image.csv", unreadable("looks like a PNG image"))
def _() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64))


@case("document.csv", unreadable("looks like a PDF document"))
def _() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@case("web_page.csv", unreadable("a web page (HTML)"))
def _() -> bytes:
    return b"<!DOCTYPE html>\n<html><body><table><tr><td>claim_id</td></tr></table></body></html>"


@case("archive.csv", unreadable("is a ZIP archive (1 file(s): notes.txt)"))
def _() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("notes.txt", FIXED_TIME), "synthetic test notes")
    return out.getvalue()


@case("old_excel.xls", unreadable("old-style Excel .xls"))
def _() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@case("colon_separated.csv", unreadable("separate its columns with ':'"))
def _() -> bytes:
    return utf8(
        ":".join(COLUMNS) + "\n" + ":".join(claim(1)).replace("2022-05-16", "16 May") + "\n"
    )


@case("duplicate_columns.csv", unreadable("duplicate column names: 'summary'"))
def _() -> bytes:
    return utf8(table([[*claim(1), "Synthetic second summary."]], header=[*COLUMNS, "summary"]))


@case("blank_header_with_data.csv", unreadable("column 15 (O) has no name"))
def _() -> bytes:
    return utf8(table([[*claim(1), "unnamed data"]], header=[*COLUMNS, ""]))


@case(
    "extra_columns.csv",
    loads("claims", 2, notes=["'analyst_comment': not a claims column", "'internal_ref'"]),
)
def _() -> bytes:
    header = [*COLUMNS, "analyst_comment", "internal_ref"]
    return utf8(table([[*claim(1), "check later", "X1"], [*claim(2), "", "X2"]], header=header))


@case("header_spaces.csv", loads("claims", 2, notes=["spaces around column names were removed"]))
def _() -> bytes:
    header = [
        f" {c} " if i % 3 == 0 else (f"{c}  " if i % 3 == 1 else c) for i, c in enumerate(COLUMNS)
    ]
    return utf8(table([claim(1), claim(2)], header=header))


@case(
    "blank_lines.csv",
    loads("claims", 3, [[8, "claim_type", "unknown claim type"]], notes=["3 blank row(s)"]),
)
def _() -> bytes:
    lines = table([claim(1), claim(2), claim(3), claim(4, claim_type="rumour")]).splitlines()
    # Row 5 is all separators; the two blank lines at the end are not "between" rows.
    out = [lines[0], lines[1], "", lines[2], "," * 13, lines[3], "", lines[4], "", ""]
    return utf8("\n".join(out) + "\n")


@case(
    "short_row.csv",
    loads(
        "claims", 1, [[3, "summary", "summary is empty"]], notes=["fewer fields than the header"]
    ),
)
def _() -> bytes:
    short = ",".join(claim(2)[:12]) + "\n"
    text = table([claim(1)])
    return utf8(text + short)


@case(
    "long_header.csv",
    loads("claims", 1, notes=["'extra_column_150': not a claims column", "x" * 50]),
)
def _() -> bytes:
    extra = [f"extra_column_{i:03d}" for i in range(1, 201)] + ["x" * 2000]
    return utf8(table([[*claim(1), *["" for _ in extra]]], header=[*COLUMNS, *extra]))


@case(
    "text_numbers.csv",
    loads(
        "claims",
        3,
        values={
            "claim_id": ["0012", "007", "1e5"],
            "place": ["NA", "null", "N/A"],
            "quote": ["None", "nan", "-"],
        },
    ),
)
def _() -> bytes:
    rows = [
        claim(1, claim_id="0012", place="NA", quote="None"),
        claim(2, claim_id="007", place="null", quote="nan"),
        claim(3, claim_id="1e5", place="N/A", quote="-"),
    ]
    return utf8(table(rows))


@case(
    "actually_csv.xlsx",
    loads("claims", 1, notes=["holds plain text despite its name"]),
)
def _() -> bytes:
    return utf8(table([claim(1)]))


# --- .xlsx ---------------------------------------------------------------------------------


@case("merged_header.xlsx", unreadable("header cells B1:C1 are merged"))
def _() -> bytes:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet_rows(sheet, [COLUMNS, claim(1)])
        sheet.merge_cells("B1:C1")

    return xlsx(build)


@case(
    "formulas.xlsx",
    loads(
        "claims",
        2,
        [
            [4, "summary", "cell N4 has a formula with no saved result"],
            [5, "place", "cell F5 shows the Excel error #N/A"],
        ],
        values={"claim_id": ["T001", "T002"], "summary": ["Synthetic test claim 1.", "3"]},
    ),
)
def _() -> bytes:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet.title = "Claims"
        sheet_rows(sheet, [COLUMNS, claim(1), claim(2), claim(3), claim(4)])
        sheet["A2"] = '="T00"&"1"'
        sheet["N3"] = "=1+2"
        sheet["N4"] = "=LEN(A4)"
        sheet["F5"] = "=NA()"

    # Excel saves each formula's last result: text (t="str"), a number, an error (t="e").
    cached = {
        "A2": '<c r="A2" t="str"><f>"T00"&amp;"1"</f><v>T001</v>',
        "N3": '<c r="N3"><f>1+2</f><v>3</v>',
        "F5": '<c r="F5" t="e"><f>NA()</f><v>#N/A</v>',
    }
    return xlsx(build, cached)


@case(
    "two_sheets.xlsx",
    loads("claims", 2, notes=["sheet 'Claims' of 2 sheets used", "'Notes'"]),
)
def _() -> bytes:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet.title = "Claims"
        sheet_rows(sheet, [COLUMNS, claim(1), claim(2)])
        notes = workbook.create_sheet("Notes")
        sheet_rows(notes, [["Synthetic notes sheet"], ["not claims"]])

    return xlsx(build)


@case(
    "blank_first_row.xlsx",
    loads(
        "claims",
        1,
        [[4, "province", "'Atlantis' names no single known place"]],
        notes=["the header is on row 2"],
    ),
)
def _() -> bytes:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet_rows(sheet, [[], COLUMNS, claim(1), claim(2, province="Atlantis")])

    return xlsx(build)


@case(
    "merged_data.xlsx",
    loads(
        "claims",
        2,
        [
            [3, "province", "part of the merged cells E2:E3"],
        ],
    ),
)
def _() -> bytes:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        sheet_rows(sheet, [COLUMNS, claim(1), claim(2, province=""), claim(3)])
        sheet.merge_cells("E2:E3")

    return xlsx(build)


@case(
    "typed_cells.xlsx",
    loads(
        "claims",
        2,
        [[4, "date_start", "'2022-05-16T14:30:00' is not a date"]],
        values={
            "claim_id": ["0012", "12"],
            "date_start": ["2022-05-16", "2022-05-17"],
            "place": ["3", "0.5"],
        },
    ),
)
def _() -> bytes:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet = workbook.active
        rows: list[list[object]] = [claim(1, claim_id="0012"), claim(2), claim(3)]
        rows[0][6] = dt.datetime(2022, 5, 16)
        rows[0][5] = 3.0
        rows[1][0] = 12
        rows[1][6] = dt.date(2022, 5, 17)
        rows[1][5] = 0.5
        rows[2][6] = dt.datetime(2022, 5, 16, 14, 30)
        sheet_rows(sheet, [COLUMNS, *rows])

    return xlsx(build)


@case("damaged.xlsx", unreadable("damaged ZIP archive or Excel workbook"))
def _() -> bytes:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet_rows(workbook.active, [COLUMNS, claim(1)])

    return xlsx(build)[:700]


def with_members(data: bytes, members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytes:
    """The ZIP archive ``data`` with ``members`` added, at fixed timestamps."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        for name, content in members.items():
            entry = zipfile.ZipInfo(name, FIXED_TIME)
            entry.compress_type = method
            archive.writestr(entry, content, compresslevel=9)
    return out.getvalue()


# Zip bombs: a few kilobytes that would unpack to tens of megabytes, or a thousand parts.
@case("zip_bomb.xlsx", unreadable("xl/media/image1.png would unpack to 50.0 MB"))
def _() -> bytes:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet_rows(workbook.active, [COLUMNS, claim(1)])

    return with_members(xlsx(build), {"xl/media/image1.png": bytes(50 << 20)}, zipfile.ZIP_DEFLATED)


@case("zip_bomb_mimetype.csv", unreadable("mimetype would unpack to 50.0 MB"))
def _() -> bytes:
    # OpenDocument files name their type in "mimetype", which was read whole to tell.
    return with_members(b"", {"mimetype": bytes(50 << 20)}, zipfile.ZIP_DEFLATED)


@case("too_many_parts.xlsx", unreadable("an Excel workbook needs at most 1,000"))
def _() -> bytes:
    def build(workbook: openpyxl.Workbook) -> None:
        sheet_rows(workbook.active, [COLUMNS, claim(1)])

    return with_members(xlsx(build), {f"{number:x}": b"" for number in range(1_000)})


# --- ACLED exports ---------------------------------------------------------------------------


def _acled_afghanistan_rows() -> list[list[str]]:
    return [
        acled(1, admin1="Hilmand"),
        acled(
            2,
            event_date="16 May 2022",
            time_precision="2",
            admin1="Sari Pul",
            event_type="Explosions/Remote violence",
            sub_event_type="Remote explosive/landmine/IED",
        ),
        acled(
            3, time_precision="3", event_type="Violence against civilians", sub_event_type="Attack"
        ),
        acled(
            4, event_type="Protests", sub_event_type="Peaceful protest", actor1="Protesters (Test)"
        ),
        acled(
            5,
            event_type="Strategic developments",
            sub_event_type="Headquarters or base established",
            notes="",
        ),
        acled(6, admin1="Atlantis"),
        acled(7, time_precision="4"),
        acled(8, event_date="05/06/2022"),
        acled(9, event_type="Strategic developments", sub_event_type="Arrests"),
        acled(
            10,
            event_type="Strategic developments",
            sub_event_type="Non-violent transfer of territory",
            source="",
        ),
        acled(11, admin1="Hilmnd"),
        acled(1, notes="Synthetic repeat of event 1."),
    ]


ACLED_AFGHANISTAN_ERRORS = [
    [5, "event_type", "has no claim type in this dashboard's vocabulary"],
    [7, "province", "'Atlantis' names no single known place"],
    [8, "time_precision", "must be 1 (the day is known), 2 (the week) or 3 (the month)"],
    [9, "event_date", "ambiguous"],
    [10, "event_type", "'Strategic developments' (Arrests) has no claim type"],
    [12, "province", "did you mean Helmand (AF-HEL)"],
    [13, "claim_id", "duplicate id: row 2 already uses it"],
]


@case(
    "acled_afghanistan.csv",
    loads(
        "acled",
        5,
        ACLED_AFGHANISTAN_ERRORS,
        notes=["8 of 12 ACLED events converted"],
        values={
            "claim_id": [f"ACLED-AFGTEST{i:02d}" for i in (1, 2, 3, 5, 10)],
            "province": ["AF-HEL", "AF-SAR", "AF-KAB", "AF-KAB", "AF-KAB"],
            "claim_type": ["attack", "attack", "attack", "presence", "control"],
            "date_precision": ["day", "week", "month", "day", "day"],
            "date_start": ["2022-05-16", "2022-05-13", "2022-05-01", "2022-05-16", "2022-05-16"],
            "date_end": ["2022-05-16", "2022-05-19", "2022-05-31", "2022-05-16", "2022-05-16"],
            "claimant": ["Test News Agency"] * 4 + ["ACLED"],
            "summary": [
                "Synthetic test event 1.",
                "Synthetic test event 2.",
                "Synthetic test event 3.",
                "Headquarters or base established: Test Group A vs Test Group B in Test Village",
                "Synthetic test event 10.",
            ],
        },
    ),
)
def _() -> bytes:
    return utf8(table(_acled_afghanistan_rows(), header=ACLED_COLUMNS))


@case(
    "acled_afghanistan.xlsx",
    loads("acled", 2, values={"date_start": ["2022-05-16", "2022-04-30"]}),
)
def _() -> bytes:
    def build(workbook: openpyxl.Workbook) -> None:
        rows: list[list[object]] = [acled(1), acled(2, time_precision="2")]
        rows[0][0:4] = ["AFGTEST01", dt.datetime(2022, 5, 16), 2022, 1]
        rows[1][0:4] = ["AFGTEST02", dt.datetime(2022, 5, 3), 2022, 2]
        rows[0][30] = 1652745600
        sheet_rows(workbook.active, [ACLED_COLUMNS, *rows])

    return xlsx(build)


@case(
    "acled_pakistan.csv",
    loads(
        "acled",
        0,
        [[r, "country", "row is about Pakistan, not Afghanistan"] for r in (2, 3, 4)],
        notes=["the export seems to be for Pakistan"],
    ),
)
def _() -> bytes:
    rows = [acled(i, country="Pakistan", iso="586", admin1="Test Province") for i in (1, 2, 3)]
    return utf8(table(rows, header=ACLED_COLUMNS))


@case(
    "acled_mixed_countries.csv",
    loads(
        "acled",
        2,
        [[3, "country", "row is about Pakistan"], [5, "country", "row is about Iran"]],
        notes=["2 of 4 ACLED events converted"],
    ),
)
def _() -> bytes:
    rows = [acled(1), acled(2, country="Pakistan"), acled(3), acled(4, country="Iran")]
    return utf8(table(rows, header=ACLED_COLUMNS))


@case(
    "acled_old_headers.csv",
    loads(
        "acled", 1, notes=["lacks these usual ACLED columns: civilian_targeting, tags, timestamp"]
    ),
)
def _() -> bytes:
    # Older exports: upper-case names and fewer columns.
    keep = [c for c in ACLED_COLUMNS if c not in ("civilian_targeting", "tags", "timestamp")]
    row = dict(zip(ACLED_COLUMNS, acled(1), strict=True))
    return utf8(table([[row[c] for c in keep]], header=[c.upper() for c in keep]))


# --- any other table ---------------------------------------------------------------------


OTHER_MISSING = ("date_precision", "status", "source_id", "locator")


@case(
    "other_table.csv",
    loads(
        "other",
        0,
        [[None, f, "map a column to " + f] for f in OTHER_MISSING]
        + [[r, f, f"{f} is empty"] for r in (2, 3) for f in OTHER_MISSING]
        + [[3, "claimant", "claimant is empty"]],
        notes=["'Fatalities': not mapped"],
    ),
)
def _() -> bytes:
    header = ["ID", "Date", "Province", "Group", "Type", "Description", "Source", "Fatalities"]
    rows = [
        [
            "R1",
            "2022-05-16",
            "Kabul",
            "Test Group A",
            "attack",
            "Synthetic row 1.",
            "Test Agency",
            "0",
        ],
        ["R2", "2022-05-17", "Hilmand", "Test Group B", "presence", "Synthetic row 2.", "", "0"],
    ]
    return utf8(table(rows, header=header))


def main() -> None:
    expected = {}
    for name, (make, expectation) in sorted(CASES.items()):
        (HERE / name).write_bytes(make())
        expected[name] = expectation
    (HERE / "expected.json").write_text(
        json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(CASES)} files and expected.json to {HERE}")


if __name__ == "__main__":
    main()
