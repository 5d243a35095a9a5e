"""Which encoding an uploaded text table is in, and whether its decoded text looks right.

Text that is not UTF-8 carries no mark of its encoding: the same bytes are valid Windows-1252,
Windows-1256 and Latin-1, and only what they decode to tells them apart. A table written in
Dari and saved by Excel in its Windows "ANSI" encoding is Windows-1256; read as Windows-1252,
every Dari word becomes a run of accented Latin letters ("طالبان" becomes "ØÇáÈÇä").

:func:`detect_single_byte` chooses among :data:`CANDIDATES` on a bounded sample of the file
(:func:`sample`), by three keys in turn, so the choice is deterministic and can be explained:

1. fewest signs of garbled text (:func:`oddities`): a word mixing letters of two scripts, a
   word of accented Latin letters only, UTF-8 read as Windows-1252, a C1 control character
   (each is what reading a text in the wrong one of these encodings gives);
2. then the order charset-normalizer ranks them in (how "messy" and how much like a
   language the decoded sample is);
3. then the order of :data:`CANDIDATES`. Candidates that decode the sample to the same text
   are one candidate, the first of them in that order.

Short files are the hard case: a few words give charset-normalizer little to go on, which is
why the plausibility of the words comes first. A text that none of the candidates decodes
plausibly is still read, with a warning (:func:`oddities` then names what looks wrong), and
the user can choose the encoding.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import AnyStr

import charset_normalizer

# The encodings a user can choose from, by the codec name Python gives each.
ENCODINGS: dict[str, str] = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16 little-endian",
    "utf-16-be": "UTF-16 big-endian",
    "cp1256": "Windows-1256 (Arabic script: Dari, Pashto, Arabic)",
    "iso8859-6": "ISO-8859-6 (Arabic)",
    "cp1252": "Windows-1252 (Western European)",
    "iso8859-1": "ISO-8859-1 (Latin-1)",
    "iso8859-15": "ISO-8859-15 (Latin-9)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
}
_LABELS = {
    **ENCODINGS,
    "utf-8-sig": "UTF-8 (with a byte-order mark)",
    "utf-16": "UTF-16 (with a byte-order mark)",
}
# Tried for text that is neither UTF-8 nor UTF-16, in this order of preference. The tables
# this dashboard reads are in Dari, Pashto, English or another Western European language;
# other encodings are for the user to choose, and a wrong guess shows as garbled words.
CANDIDATES = ("cp1252", "cp1256", "iso8859-6", "iso8859-1")

# Detection reads the first SAMPLE_HEAD bytes and SAMPLE_SLICES slices of SAMPLE_SLICE bytes
# spread over the rest: about 1 MB whatever the file's size, and text that only starts far
# down the file is still seen.
SAMPLE_HEAD = 512 * 1024
SAMPLE_SLICES = 32
SAMPLE_SLICE = 16 * 1024

_LATIN = "A-Za-z\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
# Letters (and Arabic vowel signs) of the other scripts single-byte code pages hold.
_OTHER = (
    "\u0370-\u03ff"  # Greek
    "\u0400-\u04ff"  # Cyrillic
    "\u05d0-\u05ea"  # Hebrew
    "\u0620-\u065f\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"  # Arabic
    "\u0750-\u077f"  # Arabic supplement
)
# Inside a word, a letter of one script next to one of another, or next to the multiplication
# or division sign: no language writes words so, but reading one code page as another does
# ("جبçç" is "جبهه" written in ISO-8859-6 and read as Windows-1256; its "ط" becomes the
# multiplication sign).
_MIXED = re.compile(
    f"[{_LATIN}][{_OTHER}]|[{_OTHER}][{_LATIN}]"
    f"|[\u00d7\u00f7][{_LATIN}{_OTHER}]|[{_LATIN}{_OTHER}][\u00d7\u00f7]"
)
# Two or more accented Latin letters with no plain one: Arabic script read as Windows-1252
# or Latin-1 ("ØÇáÈÇä" for "طالبان", "ãÇ" for "ما"); words of Western European languages
# have a plain letter beside their accented ones.
_ACCENTED = re.compile(
    f"(?<![{_LATIN}{_OTHER}])[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]{{2,}}(?![{_LATIN}{_OTHER}])"
)
# What the bytes 0x80-0xBF that continue a UTF-8 character look like read as Windows-1252
# (or as Latin-1, for the five bytes Windows-1252 leaves undefined).
_CONTINUATION = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_UTF8_AS_1252 = re.compile(
    f"[\u00c2-\u00df][{_CONTINUATION}]"
    f"|[\u00e0-\u00ef][{_CONTINUATION}]{{2}}"
    f"|[\u00f0-\u00f4][{_CONTINUATION}]{{3}}"
)
# What text garbled that way was meant to be: letters and punctuation of the scripts above.
# Anything else (IPA, N'Ko, ...) is more likely a real accented letter before a quote mark.
_REPAIRED = re.compile("[\u00a0-\u017f\u0370-\u05ff\u0600-\u06ff\u2000-\u206f\u20ac\u2122]+")
_CONTROL = re.compile("[\u0080-\u009f]")
_BOUNDARY = re.compile(r"[\s,;|\"]")
_EXAMPLES = 3


def label(encoding: str) -> str:
    """How an encoding is named to users.

    >>> label("cp1256"), label("latin-1"), label("koi8-r")
    ('Windows-1256 (Arabic script: Dari, Pashto, Arabic)', 'ISO-8859-1 (Latin-1)', 'koi8-r')
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding
    return _LABELS.get(name, encoding)


def short_label(encoding: str) -> str:
    """An encoding's name without the languages it is for.

    >>> short_label("cp1256")
    'Windows-1256'
    """
    return label(encoding).split(" (")[0]


def codec_name(encoding: str) -> str:
    """Python's own name for an encoding; LookupError if Python has no such codec.

    >>> codec_name("latin_1"), codec_name("Windows-1256"), codec_name("ISO-8859-6")
    ('iso8859-1', 'cp1256', 'iso8859-6')
    """
    return codecs.lookup(encoding).name


def sample(
    data: AnyStr, head: int = SAMPLE_HEAD, slices: int = SAMPLE_SLICES, size: int = SAMPLE_SLICE
) -> AnyStr:
    """The start of ``data`` and slices spread over the rest: about 1 MB of any file.

    >>> sample(b"abcdefghij", head=2, slices=2, size=2), sample("abc", head=2, slices=2, size=2)
    (b'ab\\ncd\\ngh', 'abc')
    """
    if len(data) <= head + slices * size:
        return data
    step = (len(data) - head) // slices
    parts = [data[:head]] + [data[head + i * step : head + i * step + size] for i in range(slices)]
    # A line break between the parts, so that no word is the end of one and the start of the
    # next; in the text of a table that is a row break, which the checks read as such.
    newline = b"\n" if isinstance(data, bytes) else "\n"
    return newline.join(parts)  # type: ignore[arg-type, return-value]


@dataclass
class Oddities:
    """Signs that decoded text is garbled, each counted, with a few examples."""

    mixed: list[str] = field(default_factory=list)  # words mixing scripts, or with signs
    accented: list[str] = field(default_factory=list)  # words of accented Latin letters only
    utf8: list[tuple[str, str]] = field(default_factory=list)  # (as read, what it meant)
    controls: int = 0  # C1 control characters (U+0080-U+009F), never in real text
    replaced: int = 0  # U+FFFD, the mark of a character that could not be read

    @property
    def total(self) -> int:
        return len(self.mixed) + len(self.accented) + len(self.utf8) + self.controls + self.replaced

    def describe(self) -> str:
        """What looks wrong, in words, with examples.

        >>> oddities("Ø¬Ø¨Ù‡Ù‡ and Ù…Ù„ÛŒ").describe()
        "2 word(s) that look like UTF-8 read as Windows-1252 ('Ø¬Ø¨Ù‡Ù‡' for 'جبهه', 'Ù…Ù„ÛŒ' for 'ملی')"
        """  # noqa: E501
        parts = []
        if self.mixed:
            parts.append(
                f"{len(self.mixed)} word(s) mixing letters of two scripts, or letters and "
                f"\u00d7 or \u00f7 ({_shown(self.mixed)})"
            )
        if self.accented:
            parts.append(
                f"{len(self.accented)} word(s) made only of accented Latin letters, as Dari or "
                f"Pashto read in a Western encoding give ({_shown(self.accented)})"
            )
        if self.utf8:
            examples = ", ".join(f"{a!r} for {b!r}" for a, b in _unique(self.utf8)[:_EXAMPLES])
            parts.append(
                f"{len(self.utf8)} word(s) that look like UTF-8 read as Windows-1252 ({examples})"
            )
        if self.controls:
            parts.append(f"{self.controls} control character(s) (U+0080-U+009F)")
        if self.replaced:
            parts.append(f"{self.replaced} unreadable character(s) shown as \ufffd")
        return "; ".join(parts)


def oddities(text: str) -> Oddities:
    """Signs in ``text`` that it was decoded with the wrong encoding, or garbled before.

    >>> oddities("جبهه مقاومت ملی, Société Générale").total
    0
    >>> found = oddities("ØÇáÈÇä, جبçç, Ã©tÃ© \\x81")
    >>> found.accented, found.mixed, found.utf8, found.controls
    (['ØÇáÈÇä'], ['جبçç'], [('Ã©tÃ©', 'été')], 1)
    """
    found = Oddities()
    if text.isascii():
        return found
    found.controls = len(_CONTROL.findall(text))
    found.replaced = text.count("\ufffd")
    found.accented = _ACCENTED.findall(text)
    seen_end = -1
    for match in _MIXED.finditer(text):
        if match.start() < seen_end:
            continue  # the same word as the match before
        start, seen_end = _span_at(text, match.start(), match.end())
        found.mixed.append(text[start:seen_end])
    seen_end = -1
    for match in _UTF8_AS_1252.finditer(text):
        if match.start() < seen_end or _as_utf8(match.group()) is None:
            continue
        start, end = _span_at(text, match.start(), match.end())
        seen_end = end
        word = text[start:end]
        found.utf8.append((word, _UTF8_AS_1252.sub(_repair, word)))
    return found


def _as_utf8(garbled: str) -> str | None:
    """What a run read as Windows-1252 says if it was UTF-8, if that is plausible text."""
    raw = bytearray()
    for ch in garbled:
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            raw += ch.encode("latin-1")  # the C1 controls of the five undefined bytes
    try:
        meant = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return meant if _REPAIRED.fullmatch(meant) else None


def _repair(match: re.Match[str]) -> str:
    return _as_utf8(match.group()) or match.group()


def _span_at(text: str, start: int, end: int) -> tuple[int, int]:
    """The garbled word around text[start:end]: up to blank space or a CSV separator."""
    while start > 0 and not _BOUNDARY.match(text[start - 1]):
        start -= 1
    while end < len(text) and not _BOUNDARY.match(text[end]):
        end += 1
    return start, end


def _unique(items: Sequence) -> list:
    return list(dict.fromkeys(items))


def _shown(words: Sequence[str]) -> str:
    return ", ".join(repr(w) for w in _unique(words)[:_EXAMPLES])


@dataclass(frozen=True)
class Detection:
    """The encoding chosen for a single-byte text, and why, for the upload's notes."""

    encoding: str
    why: str
    # The other candidates that decode the sample, best first: to try in turn if a byte the
    # sample did not hold rules out the chosen one.
    others: tuple[str, ...] = ()


def detect_single_byte(data: bytes) -> Detection:
    """The most plausible of :data:`CANDIDATES` for bytes that are not UTF-8 or UTF-16.

    Reads a bounded :func:`sample`; the caller decodes the whole file and falls back to
    ``others`` if a byte further on is not valid in the chosen encoding.

    >>> detect_single_byte("طالبان, پنجشیر".replace("ی", "ي").encode("cp1256")).encoding
    'cp1256'
    >>> detect_single_byte("Société Générale".encode("cp1252")).encoding
    'cp1252'
    """
    head = sample(data)
    decoded: dict[str, str] = {}
    same: dict[str, list[str]] = {}
    failed: list[str] = []
    for candidate in CANDIDATES:
        try:
            text = head.decode(candidate)
        except UnicodeDecodeError:
            failed.append(candidate)
            continue
        # The same text under two names is one candidate: the one earlier in CANDIDATES.
        twin = next((c for c, t in decoded.items() if t == text), None)
        if twin is None:
            decoded[candidate] = text
        else:
            same.setdefault(twin, []).append(candidate)
    if not decoded:  # cannot happen while CANDIDATES holds Latin-1, which decodes any byte
        raise ValueError("no candidate encoding decodes the text")
    odd = {candidate: oddities(text).total for candidate, text in decoded.items()}
    ranked = _charset_normalizer_order(head, list(decoded))

    def rank(candidate: str) -> tuple[int, int, int]:
        plausible = ranked.index(candidate) if candidate in ranked else len(ranked)
        return odd[candidate], plausible, CANDIDATES.index(candidate)

    order = sorted(decoded, key=rank)
    best, others = order[0], tuple(order[1:])
    why = _why(best, others, odd, ranked, same.get(best, []), failed)
    fallbacks = [c for o in order for c in (o, *same.get(o, []))][1:]
    return Detection(best, why, tuple(fallbacks))


def _charset_normalizer_order(head: bytes, candidates: list[str]) -> list[str]:
    """The candidates charset-normalizer finds plausible, most plausible first."""
    if len(candidates) < 2:
        return candidates
    matches = charset_normalizer.from_bytes(
        head,
        # 32 chunks of 2 KB instead of its default of 5 of 512 bytes: a fairer look at a
        # table whose first rows may be all ASCII, still a few milliseconds on 1 MB.
        steps=32,
        chunk_size=2048,
        cp_isolation=candidates,
        preemptive_behaviour=False,  # a table declares no charset; do not look for one
    )
    names = {codec_name(c): c for c in candidates}
    found = [names.get(codec_name(m.encoding)) for m in matches]
    return [c for c in found if c is not None]


def _why(
    best: str,
    others: tuple[str, ...],
    odd: dict[str, int],
    ranked: list[str],
    same: list[str],
    failed: list[str],
) -> str:
    """Why ``best`` was chosen, in a sentence's worth of words.

    >>> _why("cp1256", ("iso8859-6", "cp1252"), {"cp1256": 0, "iso8859-6": 0, "cp1252": 2},
    ...      ["cp1256"], [], ["iso8859-1"])
    'of Windows-1252, Windows-1256, ISO-8859-6, ISO-8859-1, Windows-1256 reads best (garbled words: Windows-1256 0, ISO-8859-6 0, Windows-1252 2; a tie broken by charset-normalizer, which ranks Windows-1256 higher); ISO-8859-1 cannot decode it'
    """  # noqa: E501
    tried = ", ".join(short_label(c) for c in CANDIDATES)
    name = short_label(best)
    if others:
        counts = ", ".join(f"{short_label(c)} {odd[c]}" for c in (best, *others))
        tied = [o for o in others if odd[o] == odd[best]]
        if not tied:
            tie = ""
        elif best in ranked and all(
            o not in ranked or ranked.index(o) > ranked.index(best) for o in tied
        ):
            tie = f"; a tie broken by charset-normalizer, which ranks {name} higher"
        else:
            tie = f"; a tie, and {name} is tried first"
        why = f"of {tried}, {name} reads best (garbled words: {counts}{tie})"
    else:
        why = f"of {tried}, {name} is the only reading"
    if same:
        why += f"; {', '.join(short_label(s) for s in same)} would give the same text"
    if failed:
        why += f"; {', '.join(short_label(f) for f in failed)} cannot decode it"
    return why
