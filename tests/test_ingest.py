"""Reading uploaded bytes: encodings, separators, ragged rows, workbooks and refusals."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from geo.model.claims import COLUMNS
from geo.reading.ingest import (
    DEFAULT_MAX_BYTES,
    MAX_FIELD_CHARS,
    TableRead,
    UnreadableFile,
    cell_text,
    detect_kind,
    read_table_bytes,
    sniff_delimiter,
)


def read(text: str | bytes, name: str = "t.csv", **options: object) -> TableRead:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_table_bytes(name, data, **options)  # type: ignore[arg-type]


def refused(text: str | bytes, name: str = "t.csv", **options: object) -> str:
    with pytest.raises(UnreadableFile) as caught:
        read(text, name, **options)
    return str(caught.value)


def workbook_bytes(*sheets: tuple[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- text as text ---------------------------------------------------------------------------


def test_every_cell_is_text_exactly_as_written() -> None:
    result = read("id,n,empty,word\n0012,1.50,,NA\n007,1e5,,null\n")
    assert result.frame.to_dict("records") == [
        {"id": "0012", "n": "1.50", "empty": "", "word": "NA"},
        {"id": "007", "n": "1e5", "empty": "", "word": "null"},
    ]
    assert all(isinstance(v, str) for v in result.frame.to_numpy().ravel())
    assert result.kind == "csv" and result.encoding == "utf-8" and result.delimiter == ","
    assert result.row_numbers == [2, 3]


def test_bom_is_not_part_of_the_first_column_name() -> None:
    result = read(b"\xef\xbb\xbfclaim_id,x\nC1,1\n")
    assert list(result.frame.columns) == ["claim_id", "x"]
    assert result.encoding == "utf-8-sig"


def test_windows_1252_is_read_with_a_note() -> None:
    result = read("place,who\nCaf\u00e9,group\u2019s\n".encode("cp1252"))
    assert result.frame.iloc[0].tolist() == ["Caf\u00e9", "group\u2019s"]
    assert result.encoding == "cp1252"
    assert any("Windows-1252" in n for n in result.notes)


def test_utf16_with_bom_is_read() -> None:
    result = read("a\tb\r\n1\t\u00e9\r\n".encode("utf-16"))
    assert result.frame.iloc[0].tolist() == ["1", "\u00e9"]
    assert result.encoding == "utf-16" and result.delimiter == "\t"


# Dari and Pashto in the letters Windows-1256 holds (the Arabic yeh ي, not the Farsi ی).
DARI_TABLE = "place,actor,quote\nپنجشير,طالبان,ما در دره هستيم\nکابل,د طالبانو,ملي مقاومت جبهه\n"
DARI_CELLS = [["پنجشير", "طالبان", "ما در دره هستيم"], ["کابل", "د طالبانو", "ملي مقاومت جبهه"]]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_by_its_zero_bytes(codec: str) -> None:
    result = read(DARI_TABLE.encode(codec))
    assert result.frame.to_numpy().tolist() == DARI_CELLS
    assert result.encoding == codec
    assert any("without a byte-order mark" in n for n in result.notes)


def test_windows_1256_is_detected_and_named_with_the_reason() -> None:
    result = read(DARI_TABLE.encode("cp1256"))
    assert result.frame.to_numpy().tolist() == DARI_CELLS
    assert result.encoding == result.detected_encoding == "cp1256"
    (note,) = [n for n in result.notes if "read as" in n]
    assert note.startswith("read as Windows-1256 (Arabic script: Dari, Pashto, Arabic), detected")
    assert "Windows-1252, ISO-8859-6 cannot decode it" in note  # its پ and ک are not theirs
    assert "choose another text encoding" in note
    assert result.warnings == []


def test_bytes_windows_1252_lacks_are_not_refused_but_read_as_windows_1256() -> None:
    # Before, "neither UTF-8 nor Windows-1252": these are پ چ ڈ and گ in Windows-1256.
    assert read(b"a,b\n\x81\x8d\x8f,\x90\n").frame.iloc[0].tolist() == ["پچڈ", "گ"]


def test_arabic_script_that_windows_1252_could_decode_is_not_read_as_it() -> None:
    # Only letters Windows-1252 also has bytes for: read as it, "طالبان" is "ØÇáÈÇä".
    result = read("actor,place\nطالبان,ملي\n".encode("cp1256"))
    assert result.frame.iloc[0].tolist() == ["طالبان", "ملي"]
    assert result.encoding == "cp1256"
    assert any(
        "garbled words: Windows-1256 0, ISO-8859-6 0, Windows-1252 2" in n for n in result.notes
    )


def test_text_far_down_a_large_file_decides_its_encoding() -> None:
    # The first 600 KB are ASCII; detection samples slices of the rest too.
    filler = "x,plain ascii row\n" * (600_000 // 18)
    result = read(("place,actor\n" + filler + "پنجشير,طالبان\n").encode("cp1256"))
    assert result.encoding == "cp1256"
    assert result.frame.iloc[-1].tolist() == ["پنجشير", "طالبان"]


def test_chosen_encoding_is_used_and_detection_still_reported() -> None:
    data = "place\nÉcole\n".encode("cp1252")
    assert read(data).encoding == "cp1252"
    chosen = read(data, encoding="cp1256")
    assert chosen.encoding == "cp1256" and chosen.detected_encoding == "cp1252"
    assert chosen.frame.iloc[0, 0] == "\u0629cole"  # É is ة in Windows-1256: a wrong choice
    assert any(n.startswith("read as Windows-1256") and "as chosen" in n for n in chosen.notes)
    (warning,) = chosen.warnings
    assert "mixing letters of two scripts" in warning and "'\u0629cole'" in warning
    assert "choose the file's text encoding" in warning


def test_chosen_encoding_that_cannot_decode_the_file_is_refused_clearly() -> None:
    message = refused(DARI_TABLE.encode("cp1256"), name="up.csv", encoding="iso8859-6")
    # Its 0x81 (پ) is a control character there, allowed; 0xDE (ق) is not a character.
    assert message.startswith(
        "up.csv cannot be read as ISO-8859-6 (Arabic): byte 69 (line 3, 0xDE)"
    )
    assert "Choose another text encoding, or let it be detected." in message
    message = refused(DARI_TABLE.encode("cp1256"), name="up.csv", encoding="utf-8")
    assert "cannot be read as UTF-8" in message


def test_unknown_encoding_name_is_refused_with_the_choices() -> None:
    message = refused(b"a\n1\n", encoding="klingon")
    assert "'klingon' is not a text encoding this page knows" in message
    assert "Windows-1256" in message


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbfa,b\n1,2\n", "utf-8"),
        ("a,b\n1,2\n".encode("utf-16"), "utf-16-le"),
    ],
)
def test_chosen_encoding_drops_a_byte_order_mark(data: bytes, encoding: str) -> None:
    assert list(read(data, encoding=encoding).frame.columns) == ["a", "b"]


def test_chosen_encoding_is_ignored_for_a_workbook() -> None:
    data = workbook_bytes(("Sheet", [["a"], ["x"]]))
    result = read(data, name="t.xlsx", encoding="cp1256")
    assert result.encoding is None and result.frame.iloc[0, 0] == "x"


def test_utf8_bom_with_invalid_bytes_says_where() -> None:
    message = refused(b"\xef\xbb\xbfa,b\n1,\xff\n")
    assert "starts with the mark of UTF-8 text, but byte 10 (line 2, 0xFF) is not valid" in message
    assert "Choose the text encoding" in message


def test_garbled_utf8_gets_a_warning_that_choosing_will_not_fix() -> None:
    garbled = "actor\nطالبان\n".encode().decode("cp1252").encode()  # "Ø·Ø§Ù„Ø¨Ø§Ù†"
    result = read(garbled)
    assert result.encoding == "utf-8"
    (warning,) = result.warnings
    assert "1 word(s) that look like UTF-8 read as Windows-1252" in warning
    assert "'Ø·Ø§Ù„Ø¨Ø§Ù†' for 'طالبان'" in warning
    assert "choosing another encoding will not repair it" in warning


@pytest.mark.parametrize(
    "text",
    [
        "actor\nطالبان\n",
        "actor\nSociété Générale, Grüße, naïve, Straße\u201c\n",
        "actor\nCAFÉ\u201d\n",  # an accented capital before a quote mark is not UTF-8 garbled
        "actor\nد طالبانو ویاند: ټ ډ ړ ښ ږ ځ څ ې ۍ ئ\n",
    ],
)
def test_clean_text_gets_no_warning(text: str) -> None:
    assert read(text).warnings == []


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a;b;c\n1;2,5;3\n4;5;6\n", ";"),
        ("a\tb\tc\n1\t2, 5\t3\n", "\t"),
        ("a|b|c\n1|2;3|4\n", "|"),
        ('a,b,c\n1,"2;3",4\n', ","),
    ],
)
def test_separator_is_detected(text: str, delimiter: str) -> None:
    result = read(text)
    assert result.delimiter == delimiter
    assert list(result.frame.columns) == ["a", "b", "c"]
    assert sniff_delimiter(text)[0] == delimiter


def test_header_whitespace_is_stripped_with_a_note() -> None:
    result = read(" a ,b  ,c\n1,2,3\n")
    assert list(result.frame.columns) == ["a", "b", "c"]
    assert any("spaces around column names" in n for n in result.notes)


def test_cells_keep_their_own_whitespace() -> None:
    # The claims checks strip cells; other tables may care, so reading leaves them alone.
    assert read("a,b\n x ,y\n").frame.iloc[0].tolist() == [" x ", "y"]


# --- row numbers ----------------------------------------------------------------------------


def test_quoted_newlines_keep_row_numbers_right() -> None:
    result = read('a,b\n1,"two\nlines"\n2,x\r\n3,"three\r\nlines\r\nhere"\n4,y\n')
    assert result.row_numbers == [2, 3, 4, 5]
    assert result.frame["b"].tolist() == ["two\nlines", "x", "three\r\nlines\r\nhere", "y"]


def test_blank_rows_are_skipped_counted_and_still_numbered() -> None:
    result = read("a,b\n1,2\n\n , \n3,4\n\n\n")
    assert result.row_numbers == [2, 5]
    assert any("2 blank row(s)" in n for n in result.notes)


def test_blank_lines_before_the_header() -> None:
    result = read("\n\na,b\n1,2\n")
    assert result.header_row == 3 and result.row_numbers == [4]
    assert any("header is on row 3" in n for n in result.notes)


def test_old_mac_line_endings() -> None:
    assert read("a,b\r1,2\r3,4\r").row_numbers == [2, 3]


# --- ragged rows ----------------------------------------------------------------------------


def test_row_with_too_many_fields_is_reported_and_kept_aside() -> None:
    result = read("a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n")
    assert result.row_numbers == [2, 4]
    assert result.bad_rows == [(3, ["4", "5", "6", "7"])]
    (problem,) = result.problems
    assert (problem.row, problem.column, problem.value, problem.severity) == (3, None, "7", "error")
    assert "4 fields but the header has 3" in problem.message
    assert "unquoted comma" in problem.message
    assert result.data_rows == 3


def test_empty_fields_after_the_last_column_are_dropped_with_a_note() -> None:
    result = read("a,b\n1,2,,\n3,4\n")
    assert result.frame.iloc[0].tolist() == ["1", "2"]
    assert result.problems == []
    assert any("empty fields after the last column" in n for n in result.notes)


def test_short_rows_are_padded_with_one_note_naming_them() -> None:
    result = read("a,b,c\n1,2\n3,4,5\n6\n")
    assert result.frame.iloc[0].tolist() == ["1", "2", ""]
    assert result.frame.iloc[2].tolist() == ["6", "", ""]
    assert result.problems == []
    (note,) = [n for n in result.notes if "fewer fields" in n]
    assert "2 row(s)" in note and "rows 2, 4;" in note


def test_a_million_short_rows_make_one_note_not_a_million() -> None:
    result = read("a,b\n" + "1\n" * 20_000)
    assert len(result.frame) == 20_000
    assert sum("fewer fields" in n for n in result.notes) == 1
    assert "20000 row(s)" in " ".join(result.notes) and "..." in " ".join(result.notes)


def test_short_last_row_without_final_newline_means_cut_off() -> None:
    result = read("a,b,c\n1,2,3\n4,5")
    assert result.row_numbers == [2]
    assert result.bad_rows == [(3, ["4", "5"])]
    assert "cut off" in result.problems[0].message


def test_complete_last_row_without_final_newline_is_fine() -> None:
    result = read("a,b,c\n1,2,3\n4,5,6")
    assert result.row_numbers == [2, 3] and result.problems == []


def test_unclosed_quote_at_the_end_is_reported() -> None:
    result = read('a,b\n1,2\n3,"never closed\n4,5\n')
    assert result.row_numbers == [2]
    assert result.bad_rows[0][0] == 3
    assert "never closed" in result.problems[0].message


def test_most_rows_too_long_means_the_header_or_separator_is_wrong() -> None:
    message = refused("a,b\n1,2,3\n4,5,6\n7,8\n")
    assert "3 rows have more fields than the header's 2" in message
    assert "header lacks a column name" in message


def test_huge_field_loads_up_to_the_limit() -> None:
    text = "a,b\n1," + "x" * (MAX_FIELD_CHARS - 10) + "\n"
    assert len(read(text).frame.iloc[0]["b"]) == MAX_FIELD_CHARS - 10


def test_field_beyond_the_limit_is_refused_with_a_hint() -> None:
    message = refused('a,b\n1,"' + "x" * (MAX_FIELD_CHARS + 10) + '"\n')
    assert "row 2" in message and "never closed" in message


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "part"),
    [
        (b"", "is empty (0 bytes)"),
        (b" \n\t\r\n", "only blank space"),
        (b"a,b,c\n", "no data rows"),
        (b"a,b,c\n\n,,\n", "no data rows"),
        (b"%PDF-1.7\n...", "looks like a PDF document"),
        (b"\x89PNG\r\n\x1a\n....", "looks like a PNG image"),
        (b"\xff\xd8\xff\xe0....", "looks like a JPEG image"),
        (b"GIF89a....", "looks like a GIF image"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old-style Excel .xls"),
        (b"<html><body>x</body></html>", "a web page (HTML)"),
        (b"a,b\n1,\x002\n", "NUL bytes"),
        # Cut off after an odd number of bytes: UTF-16 by its zero bytes, but not whole.
        ("a,b\n1,2\n".encode("utf-16-le")[:-1], "UTF-16 text without a byte-order mark"),
        (bytes(range(1, 9)) * 64, "binary data (control characters)"),
        (b"a:b:c\n1:2:3\n", "separate its columns with ':'"),
        (b"a b c\n1 2 3\n", "separate its columns with spaces"),
        (b"a,b,a\n1,2,3\n", "duplicate column names: 'a' in column 1 (A), column 3 (C)"),
        (b"a,,c\n1,2,3\n", "column 2 (B) has no name in the header (row 1) but has data"),
    ],
)
def test_unreadable_files_say_what_is_wrong(data: bytes, part: str) -> None:
    message = refused(data, name="upload.csv")
    assert part in message
    assert message.startswith("upload.csv")


def test_unnamed_empty_column_is_dropped_with_a_note() -> None:
    result = read("a,,c,\n1,,3,\n")
    assert list(result.frame.columns) == ["a", "c"]
    assert any("neither a name nor any data" in n for n in result.notes)


def test_size_limit_is_configurable_and_stated() -> None:
    message = refused("a,b\n1,2\n" * 200_000, max_bytes=1024 * 1024)
    assert "1.5 MB; the limit is 1.0 MB" in message
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_row_limit() -> None:
    assert "more than 3 data rows" in refused("a\n1\n2\n3\n4\n", max_rows=3)
    assert len(read("a\n1\n2\n3\n", max_rows=3).frame) == 3


@pytest.mark.parametrize(
    ("members", "part"),
    [
        ({"notes.txt": "x"}, "is a ZIP archive (1 file(s): notes.txt)"),
        ({"xl/workbook.bin": "x"}, "Excel binary workbook (.xlsb)"),
        ({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"}, "OpenDocument"),
        ({"word/document.xml": "x"}, "a Word document"),
    ],
)
def test_zip_files_that_are_not_workbooks(members: dict[str, str], part: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, text in members.items():
            archive.writestr(member, text)
    assert part in refused(buffer.getvalue(), name="x.xlsx")


def test_bytes_are_not_changed() -> None:
    data = bytearray(b"a;b\n1;2\n")
    read_table_bytes("t.csv", bytes(data))
    assert data == bytearray(b"a;b\n1;2\n")


# --- xlsx ------------------------------------------------------------------------------------


def test_xlsx_cells_as_text() -> None:
    data = workbook_bytes(
        (
            "Claims",
            [
                ["id", "n", "f", "d", "t", "b", "empty"],
                ["0012", 12, 1.0, dt.datetime(2022, 5, 16), dt.datetime(2022, 5, 16, 9, 5), True],
                ["x", 0.25, -3.5, dt.date(2021, 1, 2), None, False, None],
            ],
        )
    )
    result = read(data, name="t.xlsx")
    assert result.kind == "xlsx" and result.sheet == "Claims" and result.encoding is None
    assert result.frame.to_dict("records") == [
        {
            "id": "0012",
            "n": "12",
            "f": "1",
            "d": "2022-05-16",
            "t": "2022-05-16T09:05:00",
            "b": "TRUE",
            "empty": "",
        },
        {
            "id": "x",
            "n": "0.25",
            "f": "-3.5",
            "d": "2021-01-02",
            "t": "",
            "b": "FALSE",
            "empty": "",
        },
    ]
    assert result.row_numbers == [2, 3]


def test_xlsx_first_sheet_by_default_and_another_on_request() -> None:
    data = workbook_bytes(("One", [["a"], ["1"]]), ("Two", [["b"], ["2"], ["3"]]))
    first = read(data, name="t.xlsx")
    assert list(first.frame.columns) == ["a"]
    assert any("sheet 'One' of 2 sheets used" in n for n in first.notes)
    second = read(data, name="t.xlsx", sheet="Two")
    assert second.frame["b"].tolist() == ["2", "3"] and second.sheet == "Two"
    assert "its sheets are: 'One', 'Two'" in refused(data, name="t.xlsx", sheet="Three")


def test_xlsx_blank_rows_and_header_lower_down() -> None:
    data = workbook_bytes(("S", [[], [], ["a", "b"], ["1", "2"], [], [None, "  "], ["3", "4"]]))
    result = read(data, name="t.xlsx")
    assert result.header_row == 3 and result.row_numbers == [4, 7]
    assert any("2 blank row(s)" in n for n in result.notes)


def test_xlsx_value_outside_the_named_columns_is_refused() -> None:
    data = workbook_bytes(("S", [["a", "b"], ["1", "2", "stray"]]))
    assert "column 3 (C) has no name" in refused(data, name="t.xlsx")


def test_xlsx_title_above_the_table_is_explained() -> None:
    data = workbook_bytes(("S", [["My claims list"], [], ["a", "b"], ["1", "2"]]))
    assert "a title above it" in refused(data, name="t.xlsx")


def test_xlsx_header_only_and_empty_sheet() -> None:
    assert "no data rows" in refused(workbook_bytes(("S", [["a", "b"]])), name="t.xlsx")
    assert "is empty" in refused(workbook_bytes(("S", [])), name="t.xlsx")


def test_xlsx_duplicate_headers_are_refused_not_renamed() -> None:
    data = workbook_bytes(("S", [["date", "x", "date"], ["1", "2", "3"]]))
    assert "duplicate column names: 'date'" in refused(data, name="t.xlsx")


def test_xlsx_row_limit() -> None:
    data = workbook_bytes(("S", [["a"], *[[str(i)] for i in range(5)]]))
    assert "more than 4 data rows" in refused(data, name="t.xlsx", max_rows=4)
    assert len(read(data, name="t.xlsx", max_rows=5).frame) == 5


def test_workbook_named_csv_is_read_as_xlsx() -> None:
    result = read(workbook_bytes(("S", [["a"], ["1"]])), name="t.csv")
    assert result.kind == "xlsx"
    assert any("Excel workbook despite its name" in n for n in result.notes)


def test_cell_text_never_shows_float_noise() -> None:
    assert cell_text(0.1 + 0.2) == "0.3"  # what Excel shows, not the binary noise
    assert cell_text(1.5e-7) == "1.5e-07"
    assert cell_text(-0.0) == "0"
    assert cell_text(dt.time(14, 30)) == "14:30:00"


# --- kinds -----------------------------------------------------------------------------------


def test_detect_kind() -> None:
    assert detect_kind([*COLUMNS, "extra"]) == "claims"
    assert detect_kind([c for c in COLUMNS if c not in ("quote", "place")]) == "claims"
    assert detect_kind([c for c in COLUMNS if c != "summary"]) == "other"
    acled_core = ["event_id_cnty", "event_date", "event_type", "actor1", "country", "admin1"]
    assert detect_kind(acled_core) == "acled"
    assert detect_kind([c.upper() for c in acled_core]) == "acled"
    assert detect_kind(acled_core[:-1]) == "other"


def test_header_ending_in_a_separator_does_not_make_rows_short() -> None:
    result = read("a,b,\n1,2\n3,4,\n")
    assert result.problems == []
    assert result.frame.to_dict("records") == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_chart_sheets_are_skipped_by_default_and_refused_on_request() -> None:
    from openpyxl.chart import BarChart, Reference

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(["a", "b"])
    sheet.append([1, 2])
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=2))
    workbook.create_chartsheet("Chart", 0).add_chart(chart)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read(buffer.getvalue(), name="t.xlsx")
    assert result.sheet == "Data" and result.frame.iloc[0].tolist() == ["1", "2"]
    assert "is a chart, not a table" in refused(buffer.getvalue(), name="t.xlsx", sheet="Chart")
