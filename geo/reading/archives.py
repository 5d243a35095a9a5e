"""Limits an uploaded ZIP archive must meet before any of it is unpacked.

A few megabytes of ZIP can unpack to gigabytes (a "zip bomb"): one such upload held the
server's memory, disk and processor for half a minute. So every archive a user sends (a
zipped Shapefile, an .xlsx workbook) is first checked by :func:`open_archive` against the
caller's :class:`ArchiveLimits`, from its central directory alone (the list of members at
the end of the file): how many members, how much they unpack to in all, how tightly each
is packed and with which method. A forged directory can understate a member's size, so
members are unpacked only by :func:`copy_member`, which stops at the size declared.

>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as made:
...     made.writestr("zeros.bin", bytes(3 * MB))
>>> limits = ArchiveLimits(2 * MB, 10, 100, "a test archive", "Send a smaller one.")
>>> open_archive("t.zip", buffer.getvalue(), limits)  # doctest: +ELLIPSIS
Traceback (most recent call last):
geo.reading.archives.ArchiveError: t.zip: zeros.bin would unpack to 3.0 MB from 3.0 KB, ...
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

MB = 1024 * 1024
# Whatever its ratio, a member this small cannot hurt, and small members often pack well.
RATIO_FLOOR = MB
# Deflate packs at most about 1,032 to 1, so the ratio limit bounds it; bzip2 and LZMA,
# which Python's zipfile also reads, pack a run of one byte millions to 1. Excel, GDAL,
# Windows and macOS write only these two.
_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_NESTED = (".zip", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".kmz", ".shz")
# A central directory entry is 46 bytes plus a name, extra fields and comment; this bounds
# the directory zipfile would parse for an archive of allowed size, names up to ~900 bytes.
_ENTRY_BYTES = 1024
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_EOCD = b"PK\x06\x06"
_ZIP64_EOCD_SIZE = 56
_MAX_COMMENT = 65535
_LOCAL_HEADER = b"PK\x03\x04"
_LOCAL_HEADER_SIZE = 30
_CHUNK = MB
_PACKED_CHUNK = 64 * 1024


class ArchiveError(ValueError):
    """An archive that will not be unpacked; the message says which limit and how to fix it."""


@dataclass(frozen=True)
class ArchiveLimits:
    """What one kind of upload may hold; ``label`` and ``fix`` go into the messages."""

    max_unpacked: int  # bytes, all members together
    max_members: int  # files and folders
    max_ratio: int  # unpacked to packed size, per member above RATIO_FLOOR
    label: str  # e.g. "a zipped Shapefile"
    fix: str  # how to make an acceptable file, a sentence
    allow_nested: bool = True  # whether members may be archives (never unpacked here)


def open_archive(name: str, data: bytes, limits: ArchiveLimits) -> zipfile.ZipFile:
    """The archive in ``data``, once its directory is within ``limits``; nothing is unpacked.

    Raises :class:`ArchiveError` for an archive beyond the limits, and
    :class:`zipfile.BadZipFile` for bytes that are not a ZIP archive.
    """
    entries, directory_bytes = _directory_size(data)
    # zipfile builds an object per entry as it opens the file: millions, in 50 MB.
    if entries > limits.max_members:
        raise _too_many(name, entries, limits)
    if directory_bytes > limits.max_members * _ENTRY_BYTES:
        raise ArchiveError(
            f"{name}'s list of files takes {_size(directory_bytes)}, more than"
            f" {limits.label} needs for at most {limits.max_members:,} files. {limits.fix}"
        )
    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        check_members(name, archive.infolist(), limits)
    except ArchiveError:
        archive.close()
        raise
    return archive


def check_members(name: str, members: Sequence[zipfile.ZipInfo], limits: ArchiveLimits) -> None:
    """Refuse members beyond ``limits``, from what the central directory declares."""
    if len(members) > limits.max_members:
        raise _too_many(name, len(members), limits)
    for member in members:
        if member.flag_bits & 0x1:
            raise ArchiveError(
                f"{name}: {member.filename} is password-protected, so it cannot be read."
                " Zip the files again without a password."
            )
        if member.compress_type not in _METHODS:
            raise ArchiveError(
                f"{name}: {member.filename} is compressed with a method (number"
                f" {member.compress_type}) that is not read here. Zip the files again with"
                " the usual method (Deflate), as Windows, macOS and Excel do."
            )
        if not limits.allow_nested and member.filename.lower().endswith(_NESTED):
            raise ArchiveError(
                f"{name} holds another archive ({member.filename}); archives inside an"
                f" archive are not unpacked. {limits.fix}"
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > limits.max_ratio:
            raise ArchiveError(
                f"{name}: {member.filename} would unpack to {_size(member.file_size)} from"
                f" {_size(member.compress_size)}, {ratio:,.0f} times its packed size;"
                f" {limits.label} may pack a file at most {limits.max_ratio:,} to 1, so this"
                f" archive looks built to exhaust the server. {limits.fix}"
            )
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked:
        raise ArchiveError(
            f"{name} unpacks to {_size(unpacked)}; {limits.label} may unpack to at most"
            f" {_size(limits.max_unpacked)}. {limits.fix}"
        )


def copy_member(
    name: str, data: bytes, member: zipfile.ZipInfo, target: BinaryIO | None = None
) -> None:
    """Unpack one member of the archive in ``data`` into ``target``, a chunk at a time.

    Without a target the member is only checked. Its data must unpack to exactly the size
    the central directory declares, with the checksum it declares; the copy stops as soon
    as it runs past that size, so nothing past it is written, and at most a chunk of a
    megabyte is held in memory.
    """
    size = crc = 0
    for chunk in _unpacked(name, data, member):
        size += len(chunk)
        if size > member.file_size:
            raise _forged(name, member, f"it unpacks to more than {member.file_size:,} bytes")
        crc = zlib.crc32(chunk, crc)
        if target is not None:
            target.write(chunk)
    if size != member.file_size or crc != member.CRC:
        raise _forged(name, member, f"it unpacks to {size:,} bytes or another checksum")


def verify_members(name: str, data: bytes, members: Sequence[zipfile.ZipInfo]) -> None:
    """Check that every member unpacks to what the directory declares, keeping nothing.

    Run this before handing the archive to a reader that uses zipfile (openpyxl):
    zipfile cuts a member to its declared size, but reading one whole it first unpacks up
    to a gigabyte at once, so a member declared small could still exhaust the memory.
    """
    for member in members:
        copy_member(name, data, member)


def _unpacked(name: str, data: bytes, member: zipfile.ZipInfo) -> Iterator[bytes | memoryview]:
    """The member's data, unpacked in chunks of at most :data:`_CHUNK` bytes."""
    start = member.header_offset
    if len(data) < start + _LOCAL_HEADER_SIZE or not data.startswith(_LOCAL_HEADER, start):
        raise _forged(name, member, "its data is not where the directory says")
    name_bytes, extra_bytes = struct.unpack_from("<HH", data, start + 26)
    begin = start + _LOCAL_HEADER_SIZE + name_bytes + extra_bytes
    packed = memoryview(data)[begin : begin + member.compress_size]
    if len(packed) != member.compress_size:
        raise _forged(name, member, "the archive ends before its data does")
    if member.compress_type == zipfile.ZIP_STORED:
        for offset in range(0, len(packed), _CHUNK):
            yield packed[offset : offset + _CHUNK]
        return
    inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        # A little packed data at a time: each can unpack to a thousand times its size.
        for offset in range(0, len(packed), _PACKED_CHUNK):
            pending: bytes | memoryview = packed[offset : offset + _PACKED_CHUNK]
            while pending and not inflate.eof:
                chunk = inflate.decompress(pending, _CHUNK)
                if not chunk and len(inflate.unconsumed_tail) == len(pending):
                    raise _forged(name, member, "its data cannot be unpacked")
                pending = inflate.unconsumed_tail
                yield chunk
        while not inflate.eof and (chunk := inflate.decompress(b"", _CHUNK)):
            yield chunk  # what zlib still held when the packed data ran out
    except zlib.error as error:
        raise _forged(name, member, f"its data cannot be unpacked: {error}") from error
    if not inflate.eof:
        raise _forged(name, member, "its packed data is cut short")


def _directory_size(data: bytes) -> tuple[int, int]:
    """The entry count and byte size the end record gives the directory, as zipfile reads it."""
    end = data.rfind(_EOCD, max(0, len(data) - _EOCD_SIZE - _MAX_COMMENT))
    if end < 0 or len(data) - end < _EOCD_SIZE:
        raise zipfile.BadZipFile("File is not a zip file")
    entries, directory_bytes = struct.unpack_from("<HI", data, end + 10)
    locator = end - _ZIP64_LOCATOR_SIZE
    record = locator - _ZIP64_EOCD_SIZE
    if (
        record >= 0
        and data.startswith(_ZIP64_LOCATOR, locator)
        and data.startswith(_ZIP64_EOCD, record)
    ):
        entries, directory_bytes = struct.unpack_from("<QQ", data, record + 32)
    return entries, directory_bytes


def _too_many(name: str, count: int, limits: ArchiveLimits) -> ArchiveError:
    return ArchiveError(
        f"{name} holds {count:,} files and folders; {limits.label} needs at most"
        f" {limits.max_members:,}. {limits.fix}"
    )


def _forged(name: str, member: zipfile.ZipInfo, why: str) -> ArchiveError:
    # The caller adds how to make the file again: that depends on what made it.
    return ArchiveError(
        f"{name}: {member.filename} does not match what the archive declares for it ({why}),"
        " so the archive is damaged or forged."
    )


def _size(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB // 10 else f"{size / 1024:,.1f} KB"
