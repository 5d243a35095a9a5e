"""Keep data/claims.csv and data/sources.csv honest against the source documents.

The files are read with the standard library, not the project's loader; the one rule
shared with the app is what "verbatim" means for a quote (geo.model.quotes), which the
app applies to claims added with a source's text.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

from geo.model.quotes import quote_in_text

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SOURCES_DIR = Path(__file__).resolve().parents[2] / "shared" / "sources"

CLAIM_COLUMNS = [
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
]
SOURCE_COLUMNS = [
    "source_id",
    "title",
    "publisher",
    "author",
    "published",
    "kind",
    "url",
    "speaker",
    "reliability_note",
    "file",
]
CLAIM_TYPES = {"presence", "attack", "withdrawal", "control", "defection", "support", "death"}
STATUSES = {"claimed", "reported", "corroborated", "disputed", "denied"}
PRECISIONS = {"day", "week", "month", "season", "year"}
NRF = "National Resistance Front"
WINTER_PROVINCES = {"AF-PAN", "AF-KAP", "AF-BGL", "AF-BDS", "AF-TAK", "AF-PAR"}
MAX_QUOTE_WORDS = 15
MIN_QUOTE_WORDS = 3
COPY_RUN = 8


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def claims() -> list[dict[str, str]]:
    return read_csv(DATA / "claims.csv")[1]


@pytest.fixture(scope="module")
def sources() -> dict[str, dict[str, str]]:
    return {row["source_id"]: row for row in read_csv(DATA / "sources.csv")[1]}


def source_text(source: dict[str, str]) -> str:
    if not SOURCES_DIR.is_dir():
        pytest.skip(f"source documents folder {SOURCES_DIR} is absent")
    path = SOURCES_DIR / source["file"]
    assert path.is_file(), f"sources.csv names {source['file']!r}, not found in {SOURCES_DIR}"
    return path.read_text(encoding="utf-8")


def words(text: str) -> list[str]:
    """Lower-cased word tokens; typographic apostrophes (U+2019) count as plain ones."""
    return re.findall(r"[\w'-]+", text.lower().replace("\u2019", "'"))


def test_files_are_utf8_without_bom_and_unix_newlines() -> None:
    for name in ("claims.csv", "sources.csv"):
        raw = (DATA / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{name} starts with a BOM"
        assert b"\r\n" not in raw, f"{name} has CRLF line endings"
        raw.decode("utf-8")


def test_headers_are_exact() -> None:
    assert read_csv(DATA / "claims.csv")[0] == CLAIM_COLUMNS
    assert read_csv(DATA / "sources.csv")[0] == SOURCE_COLUMNS


def test_claim_ids_unique_and_sequential(claims) -> None:
    ids = [c["claim_id"] for c in claims]
    assert len(ids) == len(set(ids)), "duplicate claim_id"
    assert ids == [f"C{i:03d}" for i in range(1, len(ids) + 1)]


def test_source_ids_unique(sources) -> None:
    rows = read_csv(DATA / "sources.csv")[1]
    assert len(rows) == len(sources), "duplicate source_id in sources.csv"


def test_every_claim_cites_a_known_source(claims, sources) -> None:
    unknown = {c["claim_id"]: c["source_id"] for c in claims if c["source_id"] not in sources}
    assert not unknown, f"source_id not in sources.csv: {unknown}"


def test_vocabularies(claims) -> None:
    for c in claims:
        cid = c["claim_id"]
        assert c["claim_type"] in CLAIM_TYPES, (cid, c["claim_type"])
        assert c["status"] in STATUSES, (cid, c["status"])
        assert c["date_precision"] in PRECISIONS, (cid, c["date_precision"])
        assert c["province"] == "" or re.fullmatch(r"AF-[A-Z]{3}", c["province"]), (
            cid,
            c["province"],
        )
        for column in ("claimant", "actor", "locator", "quote", "summary"):
            assert c[column].strip(), f"{cid}: {column} is empty"


def test_nrf_statements_are_claimed(claims) -> None:
    for c in claims:
        if c["claimant"] == NRF:
            assert c["status"] == "claimed", c["claim_id"]


def test_dates_are_iso_and_ordered(claims) -> None:
    for c in claims:
        start = dt.date.fromisoformat(c["date_start"])
        end = dt.date.fromisoformat(c["date_end"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", c["date_start"]), c["claim_id"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", c["date_end"]), c["claim_id"]
        assert end >= start, f"{c['claim_id']}: date_end before date_start"


def test_no_claim_dated_after_publication(claims, sources) -> None:
    for c in claims:
        published = dt.date.fromisoformat(sources[c["source_id"]]["published"])
        assert dt.date.fromisoformat(c["date_end"]) <= published, c["claim_id"]


def test_quotes_appear_verbatim_in_source(claims, sources) -> None:
    missing = []
    for c in claims:
        text = source_text(sources[c["source_id"]])
        if not quote_in_text(c["quote"], text):
            missing.append((c["claim_id"], c["quote"]))
    assert not missing, f"quotes not found verbatim in their source: {missing}"


def test_quotes_are_short(claims) -> None:
    for c in claims:
        n = len(c["quote"].split())
        assert MIN_QUOTE_WORDS <= n <= MAX_QUOTE_WORDS, f"{c['claim_id']}: quote has {n} words"


def test_winter_presence_in_six_provinces(claims) -> None:
    found = {
        c["province"]
        for c in claims
        if c["claimant"] == NRF
        and c["actor"] == NRF
        and c["claim_type"] == "presence"
        and c["date_start"] == "2021-12-01"
        and c["date_end"] == "2022-02-28"
        and c["date_precision"] == "season"
    }
    assert found >= WINTER_PROVINCES, f"missing: {sorted(WINTER_PROVINCES - found)}"


def test_summaries_are_not_copied_from_source(claims, sources) -> None:
    copied = []
    for c in claims:
        source_words = words(source_text(sources[c["source_id"]]))
        runs = {
            tuple(source_words[i : i + COPY_RUN]) for i in range(len(source_words) - COPY_RUN + 1)
        }
        summary = words(c["summary"])
        for i in range(len(summary) - COPY_RUN + 1):
            if tuple(summary[i : i + COPY_RUN]) in runs:
                copied.append((c["claim_id"], " ".join(summary[i : i + COPY_RUN])))
                break
    assert not copied, f"summaries copy {COPY_RUN}+ words from the source: {copied}"
