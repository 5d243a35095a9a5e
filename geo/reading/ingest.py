"""Uploaded tables (CSV or .xlsx) read from bytes in memory into a table of text.

The user's file is never written to or changed. Every cell is read as the text it shows:
"0012" stays "0012", "NA" and "null" stay words, an empty cell is "". Whatever cannot be
read is either refused as a whole with :class:`UnreadableFile` (a message saying what is
wrong and how to fix it) or reported row by row in :attr:`TableRead.problems`.

Decisions, shown to users through the messages:

- Encodings: UTF-8 (with or without a byte-order mark); UTF-16 with a byte-order mark, as
  Excel's "Unicode Text" export writes it, or without one when its zero bytes show it (one
  beside each ASCII character, on the same side throughout; otherwise the file is refused
  as binary). Anything else is detected among Windows-1252, Windows-1256, ISO-8859-6 and
  Latin-1 (see :mod:`geo.reading.charsets`), with a note saying which and why; the caller may name
  the encoding instead. Text that looks garbled (words mixing two scripts, Dari read as
  Windows-1252, UTF-8 read as Windows-1252) gets a warning in :attr:`TableRead.warnings`.
- Separators: comma, semicolon, tab or vertical bar, detected from the first lines.
- A row with more fields than the header is not loaded (a stray separator would shift its
  values into the wrong columns); it is reported and kept in :attr:`TableRead.bad_rows`.
  Trailing empty fields beyond the header are harmless and are dropped with a note.
- A row with fewer fields than the header is padded with empty cells, as spreadsheets do,
  with a per-row note; the claims checks then report any required cell left empty. The last
  row of a file that does not end with a line break is different: a short last row there
  means the file was cut off, and it is reported as an error.
- A field may hold up to :data:`MAX_FIELD_CHARS` characters (Python's csv limit, about
  128 KB); a longer one almost always means a quote that was never closed.
- Fully blank rows are skipped and counted in a note; row numbers still count them, so they
  match what a spreadsheet shows.
- The header is the first non-blank row. Column names are stripped of surrounding spaces
  (noted); duplicate names, merged header cells and an unnamed column holding data are
  refused rather than renamed or guessed; an unnamed, empty column is dropped with a note.
- In .xlsx files (the first sheet unless another is chosen) formulas give their last
  computed value; a formula without one, an Excel error value (#N/A, #REF!, ...) and a cell
  hidden under merged cells are reported per row, and that row is kept aside. Dates read as
  YYYY-MM-DD (with the time only when it is not midnight), numbers as Excel shows them.
- An .xlsx file is a ZIP archive: before any of it is unpacked, any ZIP archive uploaded
  is refused if it would unpack to more than :data:`MAX_XLSX_EXPANSION` times the upload
  limit, holds more than :data:`MAX_XLSX_MEMBERS` parts, or packs a part more than
  :data:`MAX_XLSX_RATIO` to 1 (see geo/reading/archives.py).
- The file's contents, not its name, decide how it is read; PDFs, images, ZIP archives,
  other office formats and web pages are named as such and refused.

>>> read = read_table_bytes("t.csv", b"id;n\\n0012;NA\\n")
>>> read.frame.to_dict("records"), read.delimiter, read.row_numbers
([{'id': '0012', 'n': 'NA'}], ';', [2])
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO, Literal
from xml.etree import ElementTree

import openpyxl
import pandas as pd
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
    range_boundaries,
)

from geo.model.claims import REQUIRED_COLUMNS, ProgressCallback
from geo.model.problems import Problem
from geo.reading import charsets
from geo.reading.acled import is_acled
from geo.reading.archives import ArchiveError, ArchiveLimits, open_archive, verify_members
from geo.reading.limits import DEFAULT_MAX_BYTES

DEFAULT_MAX_ROWS = 1_000_000
# Rows read between calls of a progress callback: often enough for a smooth bar, rarely
# enough to cost nothing.
PROGRESS_ROWS = 5_000
# Python's csv module refuses longer fields by default; the same limit applies to .xlsx.
MAX_FIELD_CHARS = 131_072
# What an .xlsx workbook (a ZIP archive) may unpack to, as a multiple of the upload limit;
# real workbooks unpack to 5 to 15 times their size.
MAX_XLSX_EXPANSION = 20
# Sheets pack 10 to 15 to 1 (measured, openpyxl and pandas); runs of zeros pack 1,030 to 1.
MAX_XLSX_RATIO = 200
# Parts of a workbook: sheets, their relationships, styles, strings, drawings, images.
MAX_XLSX_MEMBERS = 1_000
# Cells read from a sheet (empty ones between filled ones count). Each costs about 140 bytes
# and 50 microseconds while read, and a 2 MB workbook can hold a million: 5 million is
# about 700 MB and minutes, as much as the largest CSV takes (SECURITY.md, known gaps).
MAX_XLSX_CELLS = 5_000_000
# Columns of a table: claims have 14 and ACLED exports 31. A header of millions of names
# (a 50 MB line of commas) would cost gigabytes before any row is read.
MAX_COLUMNS = 1_000
SNIFF_CHARS = 64 * 1024
# csv.Sniffer's regular expressions get slow on long samples; it needs only a few lines.
SNIFFER_CHARS = 8 * 1024

DELIMITER_NAMES = {",": "commas (,)", ";": "semicolons (;)", "\t": "tabs", "|": "vertical bars (|)"}
_DELIMITER_NAME = {",": "comma (,)", ";": "semicolon (;)", "\t": "tab", "|": "vertical bar (|)"}
# Separators people use that this reader does not: a one-column table whose header splits
# evenly on one of these was almost certainly written with it.
_FOREIGN_DELIMITERS = (":", "^", "~", "#", "!", "*", " ")
_EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!"}
)
_UTF8_BOM = b"\xef\xbb\xbf"
_SAVE_AGAIN = "Open it in Excel or LibreOffice and save it again as .xlsx, or as CSV."
_HOW_TO_SAVE = "Save the table as CSV UTF-8 (.csv) or as an Excel workbook (.xlsx) and upload that."

TableKind = Literal["claims", "acled", "other"]


class UnreadableFile(ValueError):
    """The upload cannot be read as a table; the message says why and how to fix it."""


@dataclass
class TableRead:
    """An uploaded table as text, with where each row came from and what could not be read.

    ``row_numbers[i]`` is the row number of ``frame``'s i-th row in the user's file: for CSV
    the record number counting the header as 1 (blank rows count, a quoted field with line
    breaks is one record), for .xlsx the sheet's row number.
    """

    frame: pd.DataFrame
    kind: Literal["csv", "xlsx"]
    encoding: str | None
    delimiter: str | None
    notes: list[str] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Rows not in ``frame`` because they could not be read, with their fields as read.
    bad_rows: list[tuple[int, list[str]]] = field(default_factory=list)
    sheet: str | None = None
    header_row: int = 1
    # For text: the encoding detection chose, which the user may have overridden.
    detected_encoding: str | None = None
    # Signs that the text was decoded wrongly (or was garbled before it was saved).
    warnings: list[str] = field(default_factory=list)

    @property
    def data_rows(self) -> int:
        """How many data rows the file has: those in the frame and those reported."""
        return len(self.frame) + len(self.bad_rows)


def detect_kind(columns: Sequence[str]) -> TableKind:
    """Which format a header is in: this project's claims, an ACLED export, or other.

    >>> from geo.model.claims import COLUMNS
    >>> detect_kind(COLUMNS), detect_kind(["event_id_cnty", "event_date", "event_type",
    ...     "actor1", "country", "admin1"]), detect_kind(["Date", "Province"])
    ('claims', 'acled', 'other')
    """
    names = {str(c) for c in columns}
    if all(c in names for c in REQUIRED_COLUMNS):
        return "claims"
    if is_acled(names):
        return "acled"
    return "other"


def read_table_bytes(
    name: str,
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    sheet: str | None = None,
    encoding: str | None = None,
    progress: ProgressCallback | None = None,
) -> TableRead:
    """Read an uploaded CSV or .xlsx file's bytes as a table of text.

    Raises :class:`UnreadableFile` when the file as a whole cannot be used. A text file's
    encoding is detected unless ``encoding`` names one (a Python codec name, e.g. "cp1256");
    workbooks have none. ``progress`` is told the share of the file read every few
    thousand rows, and 1.0 at the end.
    """
    if not data.strip():
        size = "0 bytes" if not data else "only blank space"
        raise UnreadableFile(
            f"{name} is empty ({size}). Check that you picked the right file and that it was "
            "saved before uploading."
        )
    if len(data) > max_bytes:
        raise UnreadableFile(
            f"{name} is {_megabytes(len(data))}; the limit is {_megabytes(max_bytes)}. "
            "Split the table into several files, or remove columns you do not need."
        )
    if file_format(name, data, max_bytes) == "xlsx":
        notes = []
        if not name.lower().endswith((".xlsx", ".xlsm")):
            notes.append(f"{name} is an Excel workbook despite its name; it was read as .xlsx")
        read = _read_xlsx(name, data, sheet, max_rows, notes, progress)
    else:
        decoded = decode_text(name, data, encoding)
        notes = decoded.notes
        if name.lower().endswith((".xlsx", ".xls", ".xlsm")):
            notes.append(f"{name} holds plain text despite its name; it was read as CSV")
        read = _read_csv(name, decoded.text, decoded.encoding, notes, max_rows, progress)
        read.detected_encoding = decoded.detected
        read.warnings = decoded.warnings
    if progress is not None:
        progress(1.0)
    return read


# --- what kind of file is it --------------------------------------------------------------

_MAGIC = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Excel .xls (or password-protected) file"),
)


def describe_non_table(data: bytes) -> str | None:
    """What a file that is clearly not a table looks like, from its first bytes.

    >>> describe_non_table(b"%PDF-1.7 ...")
    'a PDF document'
    >>> describe_non_table(b"claim_id,claimant") is None
    True
    """
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "a web page (HTML)"
    return None


def xlsx_limits(max_bytes: int = DEFAULT_MAX_BYTES) -> ArchiveLimits:
    """What a workbook (or any ZIP archive) uploaded as a table of ``max_bytes`` may hold."""
    return ArchiveLimits(
        max_unpacked=MAX_XLSX_EXPANSION * max_bytes,
        max_members=MAX_XLSX_MEMBERS,
        max_ratio=MAX_XLSX_RATIO,
        label="an Excel workbook",
        fix="Save the sheet you need as CSV (or split the workbook) and upload that.",
    )


def file_format(
    name: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES
) -> Literal["xlsx", "text"]:
    """Whether the bytes are an .xlsx workbook or text, refusing anything else.

    A ZIP archive is checked against :func:`xlsx_limits` before any of it is unpacked, and
    a workbook's parts are checked to unpack to the sizes it declares before openpyxl reads it.
    """
    what = describe_non_table(data)
    if what is not None:
        advice = (
            "Open it in Excel or LibreOffice and save it as .xlsx or CSV."
            if "Excel" in what
            else "Upload the claims table itself. " + _HOW_TO_SAVE
        )
        raise UnreadableFile(f"{name} looks like {what}, not a table. {advice}")
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "text"
    try:
        with open_archive(name, data, xlsx_limits(max_bytes)) as archive:
            members = archive.namelist()
            mimetype = b""
            if "xl/workbook.xml" in members:
                try:
                    verify_members(name, data, archive.infolist())
                except ArchiveError as error:
                    raise UnreadableFile(f"{error} {_SAVE_AGAIN}") from error
            elif "mimetype" in members:
                with archive.open("mimetype") as member:
                    mimetype = member.read(80)  # a bounded read, unlike archive.read()
    except ArchiveError as error:
        raise UnreadableFile(str(error)) from error
    except (zipfile.BadZipFile, OSError) as error:
        raise UnreadableFile(
            f"{name} is a damaged ZIP archive or Excel workbook ({error}); it may have been "
            "cut off while downloading. Save or download it again."
        ) from error
    if "xl/workbook.xml" in members:
        return "xlsx"
    if "xl/workbook.bin" in members:
        what = "an Excel binary workbook (.xlsb)"
    elif b"opendocument.spreadsheet" in mimetype:
        what = "an OpenDocument spreadsheet (.ods)"
    elif "word/document.xml" in members:
        what = "a Word document"
    elif "ppt/presentation.xml" in members:
        what = "a PowerPoint presentation"
    else:
        shown = ", ".join(members[:5]) + (", ..." if len(members) > 5 else "")
        raise UnreadableFile(
            f"{name} is a ZIP archive ({len(members)} file(s): {shown}), not a table. "
            "Unzip it and upload the table inside."
        )
    raise UnreadableFile(f"{name} is {what}, not a table. {_HOW_TO_SAVE}")


@dataclass
class DecodedText:
    """An upload's bytes as text, with the encoding used and what to tell the user."""

    text: str
    encoding: str
    # What detection chose (equal to ``encoding`` unless the user chose another one), or
    # None when detection itself fails on the file.
    detected: str | None
    notes: list[str] = field(default_factory=list)
    # Signs that the text is garbled: shown prominently, never only as a note.
    warnings: list[str] = field(default_factory=list)


def decode_text(name: str, data: bytes, encoding: str | None = None) -> DecodedText:
    """Decode a text table: detected (see :mod:`geo.reading.charsets`) unless ``encoding`` is given.

    UTF-8 and UTF-16 with a byte-order mark are read as such; UTF-16 without one is
    recognised by its zero bytes; anything else is one of :data:`geo.reading.charsets.CANDIDATES`,
    chosen by :func:`geo.reading.charsets.detect_single_byte`, with a note saying which and why.

    >>> decoded = decode_text("t.csv", "a,é".encode("cp1252"))
    >>> decoded.text, decoded.encoding, decoded.notes[0][:41]
    ('a,é', 'cp1252', 'read as Windows-1252 (Western European), ')
    """
    if encoding is None:
        text, used, notes = _detect_and_decode(name, data)
        detected: str | None = used
    else:
        try:
            detected = _detect_and_decode(name, data)[1]
        except UnreadableFile:
            detected = None
        used = _known_codec(encoding)
        text = _decode_as(name, data, used)
        notes = [
            f"read as {charsets.label(used)}, as chosen"
            + (f" (detected: {charsets.short_label(detected)})" if detected else "")
        ]
    if "\x00" in text or _control_share(text) > 0.01:
        raise UnreadableFile(
            f"{name} holds binary data (control characters), not a text table. {_HOW_TO_SAVE}"
            + ("" if encoding is None else " Or choose another text encoding.")
        )
    warnings = _garbled_warnings(text, used, chosen=encoding is not None)
    return DecodedText(text, used, detected, notes, warnings)


def _detect_and_decode(name: str, data: bytes) -> tuple[str, str, list[str]]:
    notes: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise UnreadableFile(
                f"{name} starts like UTF-16 text but is not valid UTF-16 ({error}). {_HOW_TO_SAVE}"
            ) from error
        notes.append("read as UTF-16 text (as Excel's 'Unicode Text' export writes it)")
        return text, "utf-16", notes
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise UnreadableFile(_nul_message(name, data))
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError as error:
            raise UnreadableFile(_nul_message(name, data)) from error
        notes.append(
            f"read as {charsets.label(utf16)} text without a byte-order mark, recognised by "
            "the zero byte beside each of its plain ASCII characters"
        )
        return text, utf16, notes
    if data.startswith(_UTF8_BOM):
        try:
            # Not "utf-8-sig": its errors count bytes from after the mark.
            text = data[len(_UTF8_BOM) :].decode("utf-8")
        except UnicodeDecodeError as error:
            at = error.start + len(_UTF8_BOM)
            raise UnreadableFile(
                f"{name} starts with the mark of UTF-8 text, but byte {at + 1} "
                f"({_where(data, at)}) is not valid UTF-8: the file may mix two "
                "encodings. Choose the text encoding to read it with, or save it again as "
                "CSV UTF-8."
            ) from error
        notes.append(f"read as {charsets.label('utf-8-sig')}")
        return text, "utf-8-sig", notes
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        notes.append(f"read as {charsets.label('utf-8')}")
        return text, "utf-8", notes
    detection = charsets.detect_single_byte(data)
    for candidate in (detection.encoding, *detection.others):
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError as error:
            # Detection saw a sample; a byte further on can still rule an encoding out.
            notes.append(
                f"{charsets.short_label(candidate)} was tried first but cannot decode byte "
                f"{error.start + 1} ({_where(data, error.start)})"
            )
            continue
        why = detection.why if candidate == detection.encoding else "the next most plausible"
        notes.append(
            f"read as {charsets.label(candidate)}, detected because the file is not UTF-8: "
            f"{why}. If letters look wrong, choose another text encoding."
        )
        return text, candidate, notes
    raise UnreadableFile(  # not reached while the candidates include Latin-1
        f"{name} is not UTF-8 and none of "
        + ", ".join(charsets.short_label(c) for c in charsets.CANDIDATES)
        + f" can decode it. {_HOW_TO_SAVE}"
    )


def _known_codec(encoding: str) -> str:
    try:
        return charsets.codec_name(encoding)
    except LookupError:
        raise UnreadableFile(
            f"{encoding!r} is not a text encoding this page knows; choose one of: "
            + ", ".join(charsets.ENCODINGS.values())
        ) from None


def _decode_as(name: str, data: bytes, encoding: str) -> str:
    """The bytes in a chosen encoding, refused with where they do not fit it."""
    skip = len(_UTF8_BOM) if encoding == "utf-8" and data.startswith(_UTF8_BOM) else 0
    try:
        text = data[skip:].decode(encoding)
    except UnicodeDecodeError as error:
        at = error.start + skip
        raise UnreadableFile(
            f"{name} cannot be read as {charsets.label(encoding)}: byte {at + 1} "
            f"({_where(data, at, encoding)}) is not valid in it. Choose another "
            "text encoding, or let it be detected."
        ) from error
    return text.removeprefix("\ufeff")  # a UTF-16 file's byte-order mark


def _where(data: bytes, position: int, encoding: str = "") -> str:
    """Where a byte is, as a person would look for it.

    >>> _where(b"a\\nb\\nc\\xff", 5)
    'line 3, 0xFF'
    """
    shown = f"0x{data[position]:02X}"
    if encoding.startswith("utf-16"):
        return shown  # its lines are not counted in bytes
    line = data.count(b"\n", 0, position) + 1
    return f"line {line}, {shown}"


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" if the zero bytes say so, else None.

    Each plain ASCII character (letters, digits, separators, line breaks: much of any
    table) is a zero byte and its own byte in UTF-16; the zero comes second in
    little-endian, first in big-endian. Binary data has zeros on both sides.

    >>> _utf16_without_bom("a,b\\n".encode("utf-16-le")), _utf16_without_bom(b"a\\x00\\x00b")
    ('utf-16-le', None)
    """
    if len(data) % 2:
        return None
    head = data[:65536]
    zeros_even, zeros_odd = head[0::2].count(0), head[1::2].count(0)
    pairs = len(head) // 2
    # A few characters of the form U+xx00 put a zero on the other side; allow one in a hundred.
    if zeros_odd >= 0.2 * pairs and zeros_even * 100 <= zeros_odd:
        return "utf-16-le"
    if zeros_even >= 0.2 * pairs and zeros_odd * 100 <= zeros_even:
        return "utf-16-be"
    return None


def _garbled_warnings(text: str, encoding: str, chosen: bool) -> list[str]:
    """A warning when the decoded text looks garbled, checked on a bounded sample of it."""
    found = charsets.oddities(charsets.sample(text))
    if not found.total:
        return []
    if encoding.startswith("utf-") and not chosen:
        # Bytes that are valid UTF-8 or UTF-16 by chance are vanishingly rare: the encoding
        # is right, and the text was garbled before the file was saved.
        advice = (
            f"The file is valid {charsets.short_label(encoding)}, so the garbled text is in "
            "the file itself and choosing another encoding will not repair it: export it "
            "again from the original data, as CSV UTF-8."
        )
    else:
        advice = (
            f"It was read as {charsets.short_label(encoding)}; if that is wrong, choose the "
            "file's text encoding (Excel's plain CSV on a Windows set up for Dari or Pashto is "
            "Windows-1256; its CSV UTF-8 avoids the question)."
        )
    return [f"Some text looks garbled: {found.describe()}. {advice}"]


def _nul_message(name: str, data: bytes) -> str:
    head = data[:4096]
    odd, even = head[1::2], head[0::2]
    # ASCII text in UTF-16 has a NUL in every other byte.
    if max(odd.count(0) / max(len(odd), 1), even.count(0) / max(len(even), 1)) > 0.4:
        return (
            f"{name} looks like UTF-16 text without a byte-order mark, which cannot be read "
            f"reliably. {_HOW_TO_SAVE}"
        )
    return (
        f"{name} contains NUL bytes, so it is binary data, not a text table. Check that you "
        f"picked the right file. {_HOW_TO_SAVE}"
    )


def _control_share(text: str) -> float:
    sample = text[:65536]
    controls = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r") or ch == "\x7f")
    return controls / max(len(sample), 1)


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


# --- CSV -------------------------------------------------------------------------------------


def sniff_delimiter(sample: str) -> tuple[str, bool]:
    """The separator among , ; tab | and whether csv.Sniffer found it (else by counting).

    Counting picks the separator that splits the most rows into the header's width.

    >>> sniff_delimiter("a;b;c\\n1;2,5;3\\n")
    (';', True)
    >>> sniff_delimiter("just one column\\nvalue\\n")[0]
    ','
    """
    scores = {d: _split_score(sample, d) for d in DELIMITER_NAMES}
    best = max(DELIMITER_NAMES, key=lambda d: scores[d])
    try:
        head = sample[:SNIFFER_CHARS]
        sniffed = csv.Sniffer().sniff(head, delimiters="".join(DELIMITER_NAMES)).delimiter
    except csv.Error:
        return best, False
    if sniffed in scores and scores[sniffed][:2] == scores[best][:2]:
        return sniffed, True
    return best, False


def _split_score(sample: str, delimiter: str) -> tuple[bool, float, int]:
    records = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)]
    # The sample may end in the middle of a record.
    rows = [r for r in records[:-1] if any(f.strip() for f in r)] or records[:1]
    if not rows:
        return False, 0.0, 0
    width = len(rows[0])
    same = sum(1 for r in rows[1:] if len(r) == width) / max(len(rows) - 1, 1)
    return width > 1, same, width


def _foreign_delimiter(sample: str) -> str | None:
    """A separator other than , ; tab | that splits the first lines evenly, if any.

    >>> _foreign_delimiter("id:date:place\\n1:2022:Kabul\\n")
    ':'
    >>> _foreign_delimiter("place\\nKabul city\\n") is None
    True
    """
    lines = [line for line in sample.splitlines()[:6] if line.strip()]
    if len(lines) < 2:
        return None
    for candidate in _FOREIGN_DELIMITERS:
        count = lines[0].count(candidate)
        if count >= (2 if candidate == " " else 1) and all(
            line.count(candidate) == count for line in lines[1:]
        ):
            return candidate
    return None


def _ends_inside_quotes(raw: str, delimiter: str) -> bool:
    """Whether CSV text ends inside a quoted field, as a file cut off mid-field does.

    >>> _ends_inside_quotes('a,"b\\nc', ","), _ends_inside_quotes('a,"b ""x"" c"', ",")
    (True, False)
    >>> _ends_inside_quotes('a,5\\'10",c', ",")
    False
    """
    if '"' not in raw:
        return False
    in_quotes, at_field_start, i = False, True, 0
    while i < len(raw):
        ch = raw[i]
        if in_quotes:
            if ch == '"':
                if raw[i + 1 : i + 2] == '"':
                    i += 1
                else:
                    in_quotes = False
        elif ch == '"' and at_field_start:
            in_quotes = True
        at_field_start = not in_quotes and ch in (delimiter, "\n", "\r")
        i += 1
    return in_quotes


class _Lines:
    """Lines of the text for csv.reader, remembering how many characters were handed out.

    csv.reader asks for lines only as it needs them, so the count before each record is
    where that record starts in the text.
    """

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self.offset = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.offset += len(line)
        return line


def _csv_records(name: str, text: str, delimiter: str) -> Iterator[tuple[int, list[str], int]]:
    """Each record with its number (the first is 1) and the offset where it starts."""
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True)
    number = 0
    while True:
        start = lines.offset
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise UnreadableFile(
                f"{name}: row {number + 1} cannot be read ({error}). A field longer than "
                f'{MAX_FIELD_CHARS:,} characters usually means a quote (") was opened and '
                "never closed: check that row and the ones before it."
            ) from error
        number += 1
        yield number, fields, start


def _is_blank(fields: Sequence[str]) -> bool:
    """
    >>> _is_blank(["", " ", "\\t"]), _is_blank([]), _is_blank(["", "x"])
    (True, True, False)
    """
    return not "".join(fields).strip()


def _read_csv(
    name: str,
    text: str,
    encoding: str,
    notes: list[str],
    max_rows: int,
    progress: ProgressCallback | None = None,
) -> TableRead:
    delimiter, _ = sniff_delimiter(text[:SNIFF_CHARS])
    notes.append(f"columns are separated by {DELIMITER_NAMES[delimiter]}")
    records = _csv_records(name, text, delimiter)
    header: list[str] | None = None
    header_row = 1
    for number, fields, _ in records:
        if not _is_blank(fields):
            header, header_row = fields, number
            break
    if header is not None and len(header) > MAX_COLUMNS:
        raise _too_many_columns(name, len(header))
    if header is None:
        raise UnreadableFile(
            f"{name} holds no table: every line is blank or holds only separators. Check "
            f"that you picked the right file. {_HOW_TO_SAVE}"
        )
    if header_row > 1:
        notes.append(f"the header is on row {header_row}; the rows above it are blank")
    try:
        if len(header) == 1 and (foreign := _foreign_delimiter(text[:SNIFF_CHARS])):
            shown = "spaces" if foreign == " " else repr(foreign)
            raise UnreadableFile(
                f"{name} seems to separate its columns with {shown}, which is not supported. "
                "Use commas, semicolons, tabs or | between columns, e.g. save from a "
                "spreadsheet as CSV."
            )
        return _read_csv_rows(
            name, text, records, header, header_row, delimiter, encoding, notes, max_rows, progress
        )
    finally:
        records.close()


def _read_csv_rows(
    name: str,
    text: str,
    records: Iterator[tuple[int, list[str], int]],
    header: list[str],
    header_row: int,
    delimiter: str,
    encoding: str,
    notes: list[str],
    max_rows: int,
    progress: ProgressCallback | None = None,
) -> TableRead:
    width = len(header)
    names = [h.strip().strip("\ufeff").strip() for h in header]
    # A header ending in separators has unnamed columns that rows need not fill.
    named_width = width
    while named_width > 1 and not names[named_width - 1]:
        named_width -= 1
    rows: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    bad_rows: list[tuple[int, list[str]]] = []
    blank, pending_blank, trimmed, too_long, seen = 0, 0, 0, 0, 0
    # One note for all short rows, not one per row: a file can have a million of them.
    short: list[int] = []
    ends_with_newline = text.endswith(("\n", "\r"))
    current = next(records, None)
    while current is not None:
        number, fields, start = current
        following = next(records, None)
        current, last = following, following is None
        if _is_blank(fields):
            pending_blank += 1
            continue
        blank, pending_blank = blank + pending_blank, 0
        seen += 1
        if seen > max_rows:
            raise _too_many_rows(name, max_rows)
        if progress is not None and seen % PROGRESS_ROWS == 0:
            progress(start / len(text))
        if last and _ends_inside_quotes(text[start:], delimiter):
            problems.append(_cut_off(number, 'a quote (") opened in this row is never closed'))
            bad_rows.append((number, fields))
            continue
        if len(fields) > width:
            if _is_blank(fields[width:]):
                fields, trimmed = fields[:width], trimmed + 1
            else:
                too_long += 1
                problems.append(_too_many_fields(number, fields, width, delimiter))
                bad_rows.append((number, fields))
                continue
        if len(fields) < named_width:
            if last and not ends_with_newline:
                message = f"this last row has {len(fields)} of the header's {width} fields"
                problems.append(_cut_off(number, message))
                bad_rows.append((number, fields))
                continue
            short.append(number)
        fields = fields + [""] * (width - len(fields))
        if fields and max(map(len, fields)) > MAX_FIELD_CHARS:
            too_big = [i for i, f in enumerate(fields) if len(f) > MAX_FIELD_CHARS]
            problems.extend(_field_too_long(number, names[i], fields[i]) for i in too_big)
            bad_rows.append((number, fields))
            continue
        rows.append((number, fields))
    if too_long >= 2 and too_long > seen / 2:
        raise UnreadableFile(
            f"{name}: {too_long} of {seen} rows have more fields than the header's {width}. "
            f"Either the header lacks a column name, or the columns are not separated by "
            f"{DELIMITER_NAMES[delimiter]}: check the header row and the separator."
        )
    if trimmed:
        notes.append(f"{trimmed} row(s) had empty fields after the last column; those were ignored")
    if short:
        notes.append(_short_rows(short, width))
    if blank:
        notes.append(f"{blank} blank row(s) between the rows were skipped")
    return _assemble(
        name,
        header,
        header_row,
        rows,
        notes,
        problems,
        bad_rows,
        kind="csv",
        encoding=encoding,
        delimiter=delimiter,
    )


def _too_many_rows(name: str, max_rows: int) -> UnreadableFile:
    return UnreadableFile(
        f"{name} has more than {max_rows:,} data rows, the limit. Split it into several "
        "files, or filter it to the rows you need."
    )


def _too_many_columns(name: str, count: int) -> UnreadableFile:
    return UnreadableFile(
        f"{name} has {count:,} columns; a table may have at most {MAX_COLUMNS:,}. Delete the "
        "columns you do not need, or check that the header row is the table's header."
    )


def _cut_off(row: int, why: str) -> Problem:
    return Problem(
        row,
        None,
        "",
        f"the file seems cut off: {why}, and the file ends there. Export or download the "
        "file again; if it is complete, fix this row.",
    )


def _too_many_fields(row: int, fields: list[str], width: int, delimiter: str) -> Problem:
    extra = delimiter.join(fields[width:])
    return Problem(
        row,
        None,
        extra[:200],
        f"row has {len(fields)} fields but the header has {width}, so its values cannot be "
        f"matched to columns; check for an unquoted {_DELIMITER_NAME[delimiter]} in a text "
        'field and put that field in double quotes ("...").',
    )


def _short_rows(rows: Sequence[int], width: int) -> str:
    """One note for every row with fewer fields than the header, naming the first few.

    >>> _short_rows([3, 7], 14)[:60]
    '2 row(s) have fewer fields than the header (14): rows 3, 7; '
    """
    shown = ", ".join(str(r) for r in rows[:10]) + (", ..." if len(rows) > 10 else "")
    return (
        f"{len(rows)} row(s) have fewer fields than the header ({width}): rows {shown}; "
        "their missing cells at the end read as empty. If a value is missing in the middle "
        "of a row instead, the values after it are in the wrong columns: fix the row."
    )


def _field_too_long(row: int, column: str, value: str) -> Problem:
    return Problem(
        row,
        column,
        value[:200],
        f"this value is {len(value):,} characters long; the limit is {MAX_FIELD_CHARS:,}. "
        'If it should not be this long, a quote (") was probably never closed.',
    )


# --- xlsx ------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A spreadsheet cell's value as the text a user would type for it.

    >>> [cell_text(v) for v in (None, 12, 12.0, 0.1 + 0.2, 1e20, True, "0012")]
    ['', '12', '12', '0.3', '100000000000000000000', 'TRUE', '0012']
    >>> cell_text(dt.datetime(2022, 5, 16)), cell_text(dt.datetime(2022, 5, 16, 14, 30))
    ('2022-05-16', '2022-05-16T14:30:00')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Excel shows at most 15 significant digits: 0.1 + 0.2 is 0.3 on screen.
        return str(int(value)) if value.is_integer() else f"{value:.15g}"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


@dataclass
class _SheetXml:
    """What openpyxl's read-only mode does not tell: uncached formulas and merged cells."""

    uncached: set[tuple[int, int]] = field(default_factory=set)
    merges: list[str] = field(default_factory=list)
    rows: int = 0


def _scan_sheet_xml(source: IO[bytes]) -> _SheetXml:
    found = _SheetXml()
    for _, elem in ElementTree.iterparse(source, events=("end",)):
        tag = elem.tag.rsplit("}", 1)[-1]
        if tag == "c":
            formula = _child(elem, "f")
            cached = _child(elem, "v")
            ref = elem.get("r")
            # A formula that yields "" has an empty cached value of type str; no <v> at all,
            # or an empty one of another type, means it was never calculated.
            if (
                formula is not None
                and ref
                and (
                    cached is None
                    or (not cached.text and elem.get("t") not in ("str", "inlineStr"))
                )
            ):
                column, row = coordinate_from_string(ref)
                found.uncached.add((row, column_index_from_string(column)))
        elif tag == "row":
            found.rows += 1
            elem.clear()
        elif tag == "mergeCell" and elem.get("ref"):
            found.merges.append(str(elem.get("ref")))
    return found


def _child(elem: ElementTree.Element, local: str) -> ElementTree.Element | None:
    for child in elem:
        if child.tag.rsplit("}", 1)[-1] == local:
            return child
    return None


def _read_xlsx(
    name: str,
    data: bytes,
    sheet: str | None,
    max_rows: int,
    notes: list[str],
    progress: ProgressCallback | None = None,
) -> TableRead:
    # file_format has checked the archive against xlsx_limits, and that each part unpacks
    # to the size it declares: zipfile, which openpyxl reads with, trusts those sizes.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many unrelated types for damaged files
        raise _damaged(name, error) from error
    try:
        # Chart sheets hold no cells; by default the first sheet that can hold a table.
        tables = [s for s in workbook.sheetnames if hasattr(workbook[s], "_worksheet_path")]
        chosen = _choose_sheet(name, workbook.sheetnames, tables, sheet, notes)
        worksheet = workbook[chosen]
        path = getattr(worksheet, "_worksheet_path", None)
        if path is None:
            raise UnreadableFile(
                f"sheet {chosen!r} of {name} is a chart, not a table; pick another sheet"
            )
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path) as source:
                xml = _scan_sheet_xml(source)
            worksheet.reset_dimensions()  # wrong sizes in the file would hide rows otherwise
            rows = _sheet_rows(name, worksheet, xml.uncached, max_rows, progress, xml.rows)
        except UnreadableFile:
            raise
        except Exception as error:  # as above: a damaged sheet fails in many ways
            raise _damaged(name, error) from error
    finally:
        workbook.close()
    return _xlsx_table(name, chosen, rows, xml.merges, notes)


def _damaged(name: str, error: Exception) -> UnreadableFile:
    return UnreadableFile(
        f"{name} looks like an Excel workbook but cannot be read ({type(error).__name__}: "
        f"{error}). {_SAVE_AGAIN}"
    )


def _choose_sheet(
    name: str, sheets: list[str], tables: list[str], wanted: str | None, notes: list[str]
) -> str:
    if wanted is not None:
        if wanted not in sheets:
            raise UnreadableFile(
                f"{name} has no sheet named {wanted!r}; its sheets are: "
                + ", ".join(repr(s) for s in sheets)
            )
        return wanted
    if not tables:
        raise UnreadableFile(f"{name} has no sheet with cells. {_HOW_TO_SAVE}")
    if len(sheets) > 1:
        others = ", ".join(repr(s) for s in sheets if s != tables[0])
        notes.append(
            f"sheet {tables[0]!r} of {len(sheets)} sheets used (the others: {others}); "
            "choose another sheet to read it instead"
        )
    return tables[0]


# A cell read from a sheet: its text and, when it cannot be trusted, why.
_Cell = tuple[str, str | None]


def _sheet_rows(
    name: str,
    worksheet: object,
    uncached: set[tuple[int, int]],
    max_rows: int,
    progress: ProgressCallback | None = None,
    expected_rows: int = 0,
) -> list[tuple[int, list[_Cell]]]:
    """The sheet's rows; ``expected_rows`` (the rows its XML holds) only scales progress."""
    rows: list[tuple[int, list[_Cell]]] = []
    read = 0
    for number, cells in enumerate(worksheet.iter_rows(min_row=1), start=1):  # type: ignore[attr-defined]
        read += len(cells)
        if read > MAX_XLSX_CELLS:
            raise UnreadableFile(
                f"{name}: the sheet holds more than {MAX_XLSX_CELLS:,} cells, the most a "
                "workbook may have here. Save the sheet as CSV (or split it) and upload that."
            )
        if progress is not None and number % PROGRESS_ROWS == 0:
            progress(min(number / max(expected_rows, 1), 1.0))
        row: list[_Cell] = []
        for column, cell in enumerate(cells, start=1):
            value = cell.value
            issue = None
            if value is None and (number, column) in uncached:
                issue = "formula"
            elif getattr(cell, "data_type", None) == "e" or (
                isinstance(value, str) and value in _EXCEL_ERRORS
            ):
                issue = "error"
            row.append((cell_text(value), issue))
        while row and row[-1] == ("", None):
            row.pop()
        if row:
            # The first row kept is the header (or a title above it): allow for it.
            if len(rows) > max_rows:
                raise _too_many_rows(name, max_rows)
            rows.append((number, row))
    return rows


def _xlsx_table(
    name: str,
    sheet: str,
    rows: list[tuple[int, list[_Cell]]],
    merges: list[str],
    notes: list[str],
) -> TableRead:
    non_blank = [(n, cells) for n, cells in rows if any(t.strip() or i for t, i in cells)]
    if not non_blank:
        raise UnreadableFile(f"sheet {sheet!r} of {name} is empty.")
    header_row, header_cells = non_blank[0]
    if len(header_cells) > MAX_COLUMNS:
        raise _too_many_columns(name, len(header_cells))
    if header_row > 1:
        notes.append(f"the header is on row {header_row}; the rows above it are blank")
    header = [text for text, _ in header_cells]
    data = non_blank[1:]
    width = max(len(header), *(len(cells) for _, cells in data)) if data else len(header)
    header += [""] * (width - len(header))
    names = [h.strip().strip("\ufeff").strip() for h in header]
    _refuse_merged_header(name, merges, header_row)
    hidden = _merge_hidden(merges, header_row, {n: cells for n, cells in rows})
    problems: list[Problem] = []
    good: list[tuple[int, list[str]]] = []
    bad_rows: list[tuple[int, list[str]]] = []
    for number, cells in data:
        texts = [t for t, _ in cells] + [""] * (width - len(cells))
        found = []
        for column, (text, issue) in enumerate(cells, start=1):
            if issue is not None:
                label = names[column - 1] or get_column_letter(column)
                found.append(_cell_problem(number, column, label, text, issue))
        for column, message in hidden.get(number, []):
            label = names[column - 1] or get_column_letter(column)
            found.append(Problem(number, label, "", message))
        if found:
            problems.extend(found)
            bad_rows.append((number, texts))
        else:
            good.append((number, texts))
    # Rows between the header and the last data row that hold no data.
    blank = data[-1][0] - header_row - len(data) if data else 0
    if blank:
        notes.append(f"{blank} blank row(s) between the rows were skipped")
    return _assemble(
        name,
        header,
        header_row,
        good,
        notes,
        problems,
        bad_rows,
        kind="xlsx",
        encoding=None,
        delimiter=None,
        sheet=sheet,
    )


def _cell_problem(row: int, column: int, label: str, text: str, issue: str) -> Problem:
    where = f"cell {get_column_letter(column)}{row}"
    if issue == "formula":
        return Problem(
            row,
            label,
            "",
            f"{where} has a formula with no saved result; open the file in Excel or "
            "LibreOffice, let it calculate, and save it again (or paste values over formulas)",
        )
    return Problem(
        row, label, text, f"{where} shows the Excel error {text}; fix the formula or type the value"
    )


def _refuse_merged_header(name: str, merges: list[str], header_row: int) -> None:
    for ref in merges:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if min_row is None or max_row is None or min_col is None or max_col is None:
            continue
        if min_row <= header_row <= max_row and max_col > min_col:
            first = f"{get_column_letter(min_col)}{header_row}"
            last = f"{get_column_letter(max_col)}{header_row}"
            raise UnreadableFile(
                f"{name}: header cells {first}:{last} are merged; unmerge them and give each "
                "column its own name in a single header row."
            )


def _merge_hidden(
    merges: list[str], header_row: int, rows: dict[int, list[_Cell]]
) -> dict[int, list[tuple[int, str]]]:
    """Data cells under merged cells: they look filled but read as empty."""
    hidden: dict[int, list[tuple[int, str]]] = {}
    for ref in merges:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        if min_row is None or max_row is None or min_col is None or max_col is None:
            continue
        anchor_cells = rows.get(min_row, [])
        anchor = anchor_cells[min_col - 1][0] if len(anchor_cells) >= min_col else ""
        if not anchor.strip():
            continue
        anchor_ref = f"{get_column_letter(min_col)}{min_row}"
        for row in range(max(min_row, header_row + 1), max_row + 1):
            for column in range(min_col, max_col + 1):
                if (row, column) == (min_row, min_col):
                    continue
                where = f"{get_column_letter(column)}{row}"
                message = (
                    f"cell {where} is part of the merged cells {ref}, so it reads as empty: "
                    f"the value {anchor!r} is only in {anchor_ref}. Unmerge the cells and fill "
                    "the value into every row."
                )
                hidden.setdefault(row, []).append((column, message))
    return hidden


# --- both ------------------------------------------------------------------------------------


def _column_label(index: int) -> str:
    return f"column {index + 1} ({get_column_letter(index + 1)})"


def _assemble(
    name: str,
    header: list[str],
    header_row: int,
    rows: list[tuple[int, list[str]]],
    notes: list[str],
    problems: list[Problem],
    bad_rows: list[tuple[int, list[str]]],
    *,
    kind: Literal["csv", "xlsx"],
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None = None,
) -> TableRead:
    """Check the header against the rows and build the frame of text."""
    if not rows and not bad_rows:
        raise UnreadableFile(
            f"{name} has a header row but no data rows. Add at least one row below the header."
        )
    names = [h.strip().strip("\ufeff").strip() for h in header]
    padded = [n for n, h in zip(names, header, strict=True) if n != h]
    if padded:
        notes.append(
            "spaces around column names were removed: "
            + ", ".join(repr(h) for h in padded if h.strip())
        )
    keep: list[int] = []
    dropped = 0
    for index, column in enumerate(names):
        if column:
            keep.append(index)
            continue
        with_data = [n for n, fields in rows if fields[index].strip()]
        with_data += [n for n, fields in bad_rows if index < len(fields) and fields[index].strip()]
        if with_data:
            shown = ", ".join(str(n) for n in sorted(with_data)[:5])
            raise UnreadableFile(
                f"{name}: {_column_label(index)} has no name in the header (row {header_row}) "
                f"but has data, e.g. in row(s) {shown}. Give the column a name, or delete it. "
                "If the table starts lower down (a title above it), delete the rows above the "
                "header."
            )
        dropped += 1
    if dropped:
        notes.append(f"{dropped} column(s) with neither a name nor any data were ignored")
    counts = Counter(names[i] for i in keep)
    duplicates = [c for c, k in counts.items() if k > 1]
    if duplicates:
        where = "; ".join(
            f"{d!r} in " + ", ".join(_column_label(i) for i in keep if names[i] == d)
            for d in duplicates
        )
        raise UnreadableFile(
            f"{name} has duplicate column names: {where}. Give each column its own name."
        )
    everything = len(keep) == len(names)
    frame = pd.DataFrame(
        [fields if everything else [fields[i] for i in keep] for _, fields in rows],
        columns=[names[i] for i in keep],
        dtype=object,
    )
    return TableRead(
        frame=frame,
        kind=kind,
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
        row_numbers=[n for n, _ in rows],
        problems=problems,
        bad_rows=bad_rows,
        sheet=sheet,
        header_row=header_row,
    )
