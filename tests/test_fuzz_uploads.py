"""Property-based tests of every claims upload path: CSV in many encodings and delimiters,
.xlsx, ACLED exports and mapped tables, structured and as raw or damaged bytes.

The invariants are in tests/fuzzcheck.py. The profile (tests/conftest.py) sets how many
examples: few and the same on every CI run; HYPOTHESIS_PROFILE=long for a longer search.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl
from hypothesis import example, given
from hypothesis import strategies as st

from geo.model.claims import COLUMNS
from geo.model.vocab import CLAIM_TYPES, DATE_PRECISIONS, STATUSES
from geo.reading.acled import ACLED_COLUMNS
from geo.reading.ingest import MAX_FIELD_CHARS
from geo.reading.mapping import ColumnMapping
from tests.fuzzcheck import assert_every_row_accounted_for, check_claims_upload, source_ids

# Cells a user's file may hold: valid-looking ones, and the ones that break readers.
AWKWARD = (
    "",
    " ",
    "=1+1",
    '=HYPERLINK("http://example.invalid","x")',
    "+SUM(A1:A2)",
    "-2+3",
    "@cmd",
    "کابل",
    "\u202egnp.exe",  # right-to-left override
    "\u200f\u0647\u0644\u0645\u0646\u062f\u200e",  # Helmand, between direction marks
    "line one\nline two",
    "a\r\nb",
    "a\rb",
    "\ufeff",
    '"',
    '""quoted""',
    "NA",
    "null",
    "0012",
    "1e5",
    "TRUE",
    "#N/A",
    "_x0000_",
    "_x0007_",
    "<b>bold</b><script>alert(1)</script>",
    "\x00",
    "\x07bell",
    "\t",
    "9999-12-31",
    "0001-01-01",
    "2022-02-30",
    "05/06/2022",
)
huge = st.integers(MAX_FIELD_CHARS - 2, MAX_FIELD_CHARS + 2).map(lambda n: "x" * n)
any_text = st.text(max_size=30)
PROVINCES = ("Kabul", "Panjshir", "AF-HEL", "Hilmnd", "Badakhshan", "Mars", "")
DATES = ("2022-05-16", "16 May 2022", "May 16, 2022", "2021-12-01", "2023-01-31")


def awkward_cell() -> st.SearchStrategy[str]:
    # One in ten is huge: enough to test the field limit, few enough to keep CI quick.
    return st.integers(0, 9).flatmap(
        lambda i: huge if i == 0 else st.sampled_from(AWKWARD) if i % 2 else any_text
    )


def good_cell(column: str, index: int) -> st.SearchStrategy[str]:
    """A value a careful user would write in this claims column."""
    choices: dict[str, st.SearchStrategy[str]] = {
        "claim_id": st.just(f"C{index}"),
        "claimant": st.sampled_from(["NRF", "Taliban spokesman", "UNAMA"]),
        "actor": st.sampled_from(["NRF", "Taliban", "ISKP", "جبهه مقاومت ملی"]),
        "claim_type": st.sampled_from(sorted(CLAIM_TYPES)),
        "province": st.sampled_from(PROVINCES),
        "place": st.sampled_from(["", "Tagab", "Dara"]),
        "date_start": st.sampled_from(DATES),
        "date_end": st.sampled_from(["", *DATES]),
        "date_precision": st.sampled_from(sorted(DATE_PRECISIONS)),
        "status": st.sampled_from(sorted(STATUSES)),
        "source_id": st.sampled_from(sorted(source_ids())),
        "locator": st.sampled_from(["para 3", "p. 2"]),
        "quote": st.sampled_from(["", "we are here"]),
        "summary": st.sampled_from(["A claim.", "Another claim, with a comma."]),
    }
    return choices.get(column, st.sampled_from(["x", "", "1"]))


@dataclass
class Table:
    """A table as its writer meant it: the header, the rows, and which rows are blank."""

    header: list[str]
    rows: list[list[str]]

    def data_rows(self, first: int = 2) -> list[int]:
        """The row numbers of non-blank rows, as a spreadsheet numbers them."""
        return [first + i for i, row in enumerate(self.rows) if "".join(row).strip()]


@st.composite
def tables(draw: st.DrawFn, header: tuple[str, ...] = COLUMNS) -> Table:
    """A valid-looking table with some cells, rows and header names mutated."""
    names = list(header)
    if draw(st.booleans()):
        names = draw(st.permutations(names))
    if draw(st.integers(0, 9)) == 0:  # a duplicate, a blank, a padded or an extra column
        at = draw(st.integers(0, len(names) - 1))
        names.insert(at, draw(st.sampled_from([names[at], "", f" {names[at]} ", "extra"])))
    count = draw(st.integers(0, 8))
    rows: list[list[str]] = []
    for index in range(count):
        row = [draw(good_cell(column, index)) for column in names]
        for _ in range(draw(st.integers(0, 3))):
            row[draw(st.integers(0, len(row) - 1))] = draw(awkward_cell())
        shape = draw(st.integers(0, 15))
        if shape == 0:
            row = [""] * len(row)  # blank
        elif shape == 1:
            row = row[: draw(st.integers(0, len(row)))]  # short
        elif shape == 2:
            row = row + draw(st.lists(awkward_cell(), min_size=1, max_size=3))  # long
        rows.append(row)
    return Table(names, rows)


def _quoted(value: str, delimiter: str) -> str:
    # csv.writer leaves a lone "\r" unquoted when the line ends in "\n": quote by hand.
    if any(c in value for c in (delimiter, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


@dataclass
class CsvFile:
    content: bytes
    delimiter: str
    encoding: str
    table: Table  # as its cells read back in that encoding

    def data_rows(self, read_delimiter: str | None, read_encoding: str | None) -> list[int] | None:
        """The rows a reader must find, when it reads the file as it was written.

        A cell full of another separator can win the vote for the separator, and a short
        file can pass for another encoding: then the rows are split elsewhere, and only
        the accounting (every row read is loaded or reported) can be checked.
        """
        family = {"utf-8-sig": "utf-8", "utf-16-le": "utf-16", "utf-16-be": "utf-16"}
        if read_delimiter != self.delimiter:
            return None
        if family.get(read_encoding or "", read_encoding) != family.get(
            self.encoding, self.encoding
        ):
            return None
        return self.table.data_rows()


@st.composite
def csv_files(draw: st.DrawFn, table: Table) -> CsvFile:
    """The table as CSV bytes in one of the encodings and separators users send."""
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    endings = draw(st.sampled_from([["\n"], ["\r\n"], ["\r"], ["\n", "\r\n", "\r"]]))
    encoding = draw(
        st.sampled_from(
            ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "cp1256", "latin-1"]
        )
    )

    def as_read(value: str) -> str:
        return value.encode(encoding, errors="replace").decode(encoding).removeprefix("\ufeff")

    table = Table([as_read(v) for v in table.header], [[as_read(v) for v in r] for r in table.rows])
    records = [table.header, *table.rows]
    text = ""
    for index, record in enumerate(records):
        line = delimiter.join(_quoted(v, delimiter) for v in record)
        ending = draw(st.sampled_from(endings))
        # A record that ends in "\r" before an empty one ending in "\n" would make one
        # line break of two: the file would have a row fewer than the writer meant.
        if ending == "\r":
            ending = "\r\n"
        last = index == len(records) - 1
        text += line + ("" if last and draw(st.booleans()) else ending)
    return CsvFile(text.encode(encoding, errors="replace"), delimiter, encoding, table)


def xlsx_file(table: Table) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for record in [table.header, *table.rows]:
        # openpyxl refuses control characters, which no workbook can hold.
        sheet.append([openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", v) for v in record])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_rows(table: Table) -> list[int]:
    """Non-blank rows as a workbook holds them (control characters dropped)."""
    clean = [
        [openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE.sub("", v) for v in row] for row in table.rows
    ]
    return Table(table.header, clean).data_rows()


@given(table=tables(), data=st.data())
def test_a_claims_csv_loads_or_reports_every_row(table: Table, data: st.DataObject) -> None:
    written = data.draw(csv_files(table))
    result = check_claims_upload("claims.csv", written.content)
    if result is not None:
        expected = written.data_rows(result.read.delimiter, result.read.encoding)
        if expected is not None:
            assert_every_row_accounted_for(result, expected)


@given(table=tables())
@example(table=Table(list(COLUMNS), [["=1+1", *["x"] * 13]]))
def test_a_claims_workbook_loads_or_reports_every_row(table: Table) -> None:
    check_claims_upload("claims.xlsx", xlsx_file(table), data_rows=xlsx_rows(table))


@given(table=tables(ACLED_COLUMNS), data=st.data())
def test_an_acled_export_loads_or_reports_every_row(table: Table, data: st.DataObject) -> None:
    acled = {
        "event_id_cnty": st.integers(1, 50).map(lambda i: f"AFG{i}"),
        "event_date": st.sampled_from(["2022-05-16", "0001-01-02", "9999-12-30", "16 May 2022"]),
        "time_precision": st.sampled_from(["1", "2", "3", "4", ""]),
        "event_type": st.sampled_from(["Battles", "Protests", "Strategic developments", "?"]),
        "sub_event_type": st.sampled_from(["Armed clash", "Headquarters or base established", ""]),
        "country": st.sampled_from(["Afghanistan", "Pakistan", ""]),
        "admin1": st.sampled_from(PROVINCES),
        "timestamp": st.sampled_from(["1652745600", "99999999999", "x", ""]),
    }
    for row in table.rows:
        for i, column in enumerate(table.header[: len(row)]):
            if column in acled and data.draw(st.integers(0, 3)) > 0:
                row[i] = data.draw(acled[column])
    check_claims_upload("acled.csv", data.draw(csv_files(table)).content)
    check_claims_upload("acled.xlsx", xlsx_file(table))


MAPPED_HEADER = ("Ref", "Date", "Wilayat", "Group", "Notes", "Said by", "Status", "Other")


@given(table=tables(MAPPED_HEADER), data=st.data())
def test_a_mapped_table_loads_or_reports_every_row(table: Table, data: st.DataObject) -> None:
    fields = data.draw(st.lists(st.sampled_from(COLUMNS), unique=True, max_size=6))
    columns = {f: data.draw(st.sampled_from([*MAPPED_HEADER, "Missing"])) for f in fields}
    free = [f for f in COLUMNS if f not in columns]
    constants = (
        {
            f: data.draw(st.sampled_from(["claimed", "day", "presence", "", " ", "ACLED", "x"]))
            for f in data.draw(st.lists(st.sampled_from(free), unique=True, max_size=4))
        }
        if free
        else {}
    )
    mapping = ColumnMapping(columns, constants)
    content = data.draw(csv_files(table)).content
    # None: the mapping guessed from the column names, as the page first offers it.
    check_claims_upload("mine.csv", content, mapping=data.draw(st.sampled_from([mapping, None])))


@given(content=st.binary(max_size=2_000))
@example(content=b"PK\x05\x06" + bytes(18))
@example(content=b"\xff\xfe")
@example(content=b"\xef\xbb\xbf")
def test_raw_bytes_are_read_or_refused_with_a_reason(content: bytes) -> None:
    check_claims_upload("upload.csv", content)
    check_claims_upload("upload.xlsx", content)


@given(content=st.text(alphabet=st.sampled_from(',;|\t"\r\n x=\ufeff'), max_size=300))
def test_separators_quotes_and_line_breaks_alone_are_read_or_refused(content: str) -> None:
    check_claims_upload("odd.csv", content.encode("utf-8"))


@given(table=tables(), data=st.data())
def test_damaged_files_are_read_or_refused_with_a_reason(table: Table, data: st.DataObject) -> None:
    # A real file cut off, with bytes overwritten, dropped or inserted: as a download or a
    # disk can damage it.
    workbook = data.draw(st.booleans())
    content = bytearray(xlsx_file(table) if workbook else data.draw(csv_files(table)).content)
    for _ in range(data.draw(st.integers(1, 4))):
        if not content:
            break
        at = data.draw(st.integers(0, len(content) - 1))
        action = data.draw(st.sampled_from(["cut", "set", "drop", "insert"]))
        if action == "cut":
            del content[at:]
        elif action == "set":
            content[at] = data.draw(st.integers(0, 255))
        elif action == "drop":
            del content[at : at + data.draw(st.integers(1, 64))]
        else:
            content[at:at] = data.draw(st.binary(min_size=1, max_size=16))
    check_claims_upload("damaged.xlsx" if workbook else "damaged.csv", bytes(content))
