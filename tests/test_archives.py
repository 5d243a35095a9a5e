"""Zip bombs and forged archives, as boundary files and as claims tables, are refused.

Each archive here is a real one, built in the test: a member of 200 MB of zeros packs into
about 200 KB. Each is refused with a message saying which limit and how to fix the file,
within :func:`frugal`'s bounds: the operating system refuses any file written past 1 MB,
and the Python memory peak is bounded. Without the checks, the first
bomb wrote 200 MB to the temporary folder and unpacked it into memory.
"""

from __future__ import annotations

import io
import resource
import signal
import tempfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.model.boundaries import BoundaryError
from geo.reading.boundary_upload import (
    SHAPEFILE_MAX_MEMBERS,
    identifier_fields,
    read_boundary_upload,
)
from geo.reading.ingest import MAX_XLSX_MEMBERS, UnreadableFile, read_table_bytes
from tests.test_boundary_upload import layer, zipped_shapefile
from tests.test_ingest import workbook_bytes

MB = 1024 * 1024
PAGE_LIMIT = 50 * MB  # the Your data page's default upload limit
DISK = MB  # no file may be written past this while an archive is refused
MEMORY = 16 * MB  # peak of Python's allocations while an archive is refused
# 5.5 MB that packs 59 to 1, like text: within the ratio limits, beyond the size limits.
LINE = b"line %07d of a long read-me about the test districts; " + b"it says it again, " * 6
TEXT = b"".join(LINE % number + b"\n" for number in range(34_750))

Build = Callable[[zipfile.ZipFile], None]


@contextmanager
def frugal(tmp_path: Path, memory: int = MEMORY) -> Iterator[None]:
    """Temporary files go to a fresh folder, no file may grow past DISK, memory is traced."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    # Past the limit a write fails with "File too large" rather than the signal killing us.
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (DISK, hard))
    tempdir, tempfile.tempdir = tempfile.tempdir, str(folder)
    tracemalloc.start()
    try:
        yield
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        tempfile.tempdir = tempdir
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert peak < memory, f"{peak / MB:.1f} MB of memory"
    assert not any(folder.iterdir()), "the temporary folder is left behind"


def stream(archive: zipfile.ZipFile, name: str, megabytes: int, fill: bytes = b"\0") -> None:
    """A member of ``megabytes`` MB of one byte, written a megabyte at a time."""
    block = fill * MB
    with archive.open(name, "w") as member:
        for _ in range(megabytes):
            member.write(block)


def archive_bytes(*builds: Build) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for build in builds:
            build(archive)
    return buffer.getvalue()


def shapefile(tmp_path: Path, skip: str = "") -> Build:
    """The files of a real two-district layer, as districts.shp, .shx, .dbf, .prj, .cpg."""
    folder = tmp_path / "layer"
    folder.mkdir()
    layer().to_file(folder / "districts.shp")

    def build(archive: zipfile.ZipFile) -> None:
        for file in sorted(folder.iterdir()):
            if file.suffix != skip:
                archive.write(file, file.name)

    return build


def refused_boundaries(
    tmp_path: Path, data: bytes, max_bytes: int = PAGE_LIMIT, memory: int = MEMORY
) -> str:
    with frugal(tmp_path, memory), pytest.raises(BoundaryError) as caught:
        read_boundary_upload("bomb.zip", data, max_bytes=max_bytes)
    return str(caught.value)


def refused_table(tmp_path: Path, name: str, data: bytes, max_bytes: int = PAGE_LIMIT) -> str:
    with frugal(tmp_path), pytest.raises(UnreadableFile) as caught:
        read_table_bytes(name, data, max_bytes=max_bytes)
    return str(caught.value)


@pytest.fixture(scope="module")
def zeros() -> bytes:
    """A zip holding 200 MB of zeros as zeros.bin: about 200 KB."""
    return archive_bytes(lambda archive: stream(archive, "zeros.bin", 200))


# --- zipped Shapefiles -----------------------------------------------------------------------


def test_shapefile_bomb_is_refused_before_anything_is_unpacked(tmp_path: Path) -> None:
    data = archive_bytes(
        shapefile(tmp_path, skip=".shp"), lambda archive: stream(archive, "districts.shp", 200)
    )
    assert len(data) < 250_000
    message = refused_boundaries(tmp_path, data)
    assert "districts.shp would unpack to 200.0 MB from 0.2 MB, 1,029 times" in message
    assert "a zipped Shapefile may pack a file at most 500 to 1" in message
    assert "Zip only the layer's .shp, .shx, .dbf and .prj files" in message


def test_shapefile_over_the_unpacked_limit_is_refused(tmp_path: Path) -> None:
    data = archive_bytes(shapefile(tmp_path), lambda archive: archive.writestr("readme.txt", TEXT))
    assert len(data) < MB
    message = refused_boundaries(tmp_path, data, max_bytes=MB)
    assert "bomb.zip unpacks to 5.5 MB; a zipped Shapefile may unpack to at most 4.0 MB" in message
    assert "Zip only the layer's" in message


def test_shapefile_with_too_many_files_is_refused(tmp_path: Path) -> None:
    def notes(archive: zipfile.ZipFile) -> None:
        for number in range(SHAPEFILE_MAX_MEMBERS):
            archive.writestr(f"notes/{number}.txt", "x")

    message = refused_boundaries(tmp_path, archive_bytes(shapefile(tmp_path), notes))
    assert "bomb.zip holds 37 files and folders; a zipped Shapefile needs at most 32" in message


def test_a_long_member_list_is_refused_before_it_is_read(tmp_path: Path) -> None:
    # zipfile builds an object for each entry as it opens an archive: about 11 MB for these
    # 20,000, 300 MB for the 600,000 that fit in 50 MB. The end record gives the count first.
    def entries(archive: zipfile.ZipFile) -> None:
        for number in range(20_000):
            archive.writestr(str(number), b"")

    data = archive_bytes(shapefile(tmp_path), entries)
    message = refused_boundaries(tmp_path, data, memory=MB)
    assert "holds 20,005 files and folders; a zipped Shapefile needs at most 32" in message


@pytest.mark.parametrize("crc", ["of all the data", "of the declared part"])
def test_a_member_larger_than_declared_is_cut_off_and_refused(tmp_path: Path, crc: str) -> None:
    # The directory says the .dbf holds 1 KB; its data unpacks to 200 MB. With the checksum
    # of the first kilobyte, zipfile would return that kilobyte without complaint.
    def forged(archive: zipfile.ZipFile) -> None:
        stream(archive, "districts.dbf", 200)
        entry = archive.getinfo("districts.dbf")
        entry.file_size = 1024
        if crc == "of the declared part":
            entry.CRC = zlib.crc32(bytes(1024))

    message = refused_boundaries(tmp_path, archive_bytes(shapefile(tmp_path, skip=".dbf"), forged))
    assert "bomb.zip: districts.dbf does not match what the archive declares for it" in message
    assert "damaged or forged. Zip the layer's files again." in message


def test_an_archive_inside_the_archive_is_refused(tmp_path: Path, zeros: bytes) -> None:
    data = archive_bytes(shapefile(tmp_path), lambda archive: archive.writestr("more.zip", zeros))
    message = refused_boundaries(tmp_path, data)
    assert "bomb.zip holds another archive (more.zip); archives inside an archive" in message


def test_password_protected_member_is_refused(tmp_path: Path) -> None:
    def locked(archive: zipfile.ZipFile) -> None:
        archive.writestr("districts.dbf", b"x" * 100)
        archive.getinfo("districts.dbf").flag_bits |= 0x1  # as the directory will say

    data = archive_bytes(shapefile(tmp_path, skip=".dbf"), locked)
    message = refused_boundaries(tmp_path, data)
    assert "districts.dbf is password-protected, so it cannot be read. Zip the files" in message


def test_bzip2_member_is_refused(tmp_path: Path) -> None:
    # bzip2 packs a run of one byte millions to one; Windows, macOS and GDAL write Deflate.
    def bzip2(archive: zipfile.ZipFile) -> None:
        archive.writestr("districts.prj", 'GEOGCS["WGS 84"]', zipfile.ZIP_BZIP2)

    data = archive_bytes(shapefile(tmp_path, skip=".prj"), bzip2)
    message = refused_boundaries(tmp_path, data)
    assert "districts.prj is compressed with a method (number 12) that is not read" in message


def test_a_real_shapefile_with_a_wide_table_still_loads(tmp_path: Path) -> None:
    # Text columns 254 characters wide holding short names: the .dbf packs 155 to 1 here,
    # 257 to 1 with 50,000 rows.
    names = ["x" * 254] + ["A"] * 19_999
    wide = gpd.GeoDataFrame(
        {"NAME": names, "N2": names, "N3": names, "N4": names, "GID": range(20_000)},
        geometry=[box(0, 0, 1, 1)] * 20_000,
        crs="EPSG:4326",
    )
    folder = tmp_path / "wide"
    folder.mkdir()
    wide.to_file(folder / "wide.shp")

    def files(archive: zipfile.ZipFile) -> None:
        for file in sorted(folder.iterdir()):
            archive.write(file, file.name)

    data = archive_bytes(files)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        dbf = archive.getinfo("wide.dbf")
        assert dbf.file_size / dbf.compress_size > 150
    raw = read_boundary_upload("wide.zip", data, max_bytes=PAGE_LIMIT)
    assert len(raw) == 20_000 and "GID" in identifier_fields(raw)


def test_a_zipped_shapefile_loads_within_the_same_bounds(tmp_path: Path) -> None:
    data = zipped_shapefile(layer("EPSG:32642"), tmp_path)  # in a folder, not compressed
    with frugal(tmp_path):
        raw = read_boundary_upload("d.zip", data, max_bytes=PAGE_LIMIT)
    assert list(raw["GID"]) == ["D1", "D2"]


# --- claims tables: .xlsx workbooks and other ZIP archives ----------------------------------


def workbook(*builds: Build, without: str = "") -> bytes:
    """A real workbook with one claims-like sheet, and whatever ``builds`` add to it."""
    real = zipfile.ZipFile(io.BytesIO(workbook_bytes(("Claims", [["claim_id"], ["C1"]]))))

    def copy(archive: zipfile.ZipFile) -> None:
        for entry in real.infolist():
            if entry.filename != without:
                archive.writestr(entry.filename, real.read(entry))

    return archive_bytes(copy, *builds)


def test_workbook_bomb_is_refused_before_anything_is_unpacked(tmp_path: Path) -> None:
    data = workbook(lambda archive: stream(archive, "xl/media/image1.png", 200))
    message = refused_table(tmp_path, "claims.xlsx", data)
    assert "claims.xlsx: xl/media/image1.png would unpack to 200.0 MB" in message
    assert "an Excel workbook may pack a file at most 200 to 1" in message
    assert "Save the sheet you need as CSV (or split the workbook)" in message


def test_zip_bomb_named_csv_is_refused_unread(tmp_path: Path) -> None:
    # Before, the "mimetype" member (OpenDocument names itself there) was unpacked whole.
    data = archive_bytes(lambda archive: stream(archive, "mimetype", 200))
    assert "claims.csv: mimetype would unpack to 200.0 MB" in refused_table(
        tmp_path, "claims.csv", data
    )


def test_workbook_over_the_unpacked_limit_is_refused(tmp_path: Path) -> None:
    data = workbook(lambda archive: archive.writestr("docProps/notes.txt", TEXT))
    message = refused_table(tmp_path, "claims.xlsx", data, max_bytes=256 * 1024)
    assert (
        "claims.xlsx unpacks to 5.5 MB; an Excel workbook may unpack to at most 5.0 MB" in message
    )


def test_workbook_with_too_many_parts_is_refused(tmp_path: Path) -> None:
    def parts(archive: zipfile.ZipFile) -> None:
        for number in range(MAX_XLSX_MEMBERS):
            archive.writestr(f"xl/media/{number}.png", b"")

    message = refused_table(tmp_path, "claims.xlsx", workbook(parts))
    assert "holds 1,009 files and folders; an Excel workbook needs at most 1,000" in message


def test_workbook_part_larger_than_declared_is_refused(tmp_path: Path) -> None:
    # openpyxl reads styles.xml whole; zipfile would unpack all 200 MB of it before
    # cutting it to the declared size, even with a checksum that matches that part.
    def forged(archive: zipfile.ZipFile) -> None:
        styles = zipfile.ZipFile(io.BytesIO(workbook_bytes(("S", [])))).read("xl/styles.xml")
        with archive.open("xl/styles.xml", "w") as member:
            member.write(styles)
            for _ in range(200):
                member.write(b" " * MB)  # blank space after the root element is valid XML
        entry = archive.getinfo("xl/styles.xml")
        entry.file_size, entry.CRC = len(styles), zlib.crc32(styles)

    message = refused_table(tmp_path, "claims.xlsx", workbook(forged, without="xl/styles.xml"))
    assert "claims.xlsx: xl/styles.xml does not match what the archive declares" in message
    assert "save it again as .xlsx, or as CSV" in message


def test_real_workbooks_still_load() -> None:
    read = read_table_bytes("t.xlsx", workbook(), max_bytes=PAGE_LIMIT)
    assert read.frame.to_dict("records") == [{"claim_id": "C1"}]
