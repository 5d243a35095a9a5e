"""A registry of places (provinces, districts, ...) and a name matcher that never guesses.

The registry is data: any CSV with ``code``, ``name`` and optionally ``iso_name`` and
``aliases`` (``;``-separated) columns works, so another country's provinces or a district
layer can be plugged in without touching this code.

>>> reg = PlaceRegistry([Place("AF-PAN", "Panjshir", "Panjshayr", ("Panjsher",))])
>>> reg.match("  panjsher province ").code
'AF-PAN'
>>> reg.match("Panjshir Valley").code is None
True
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from geo.paths import DATA_DIR

DEFAULT_PROVINCES_CSV = DATA_DIR / "provinces.csv"

# Administrative words that wrap a name without changing which place it is. Stripped only
# at the edges, so "Kabul Province" and "Wilayat-e Kabul" both become "kabul". In Dari the
# word for province comes first ("ولایت کابل"), in Pashto last, often after "د", "of"
# ("د ننګرهار ولایت"); "استان" is Iran's Persian word for a province.
_PREFIXES = (
    "wilayat e ",
    "velayat e ",
    "welayat e ",
    "wilayat ",
    "velayat ",
    "province of ",
    "ولایت ",
    "استان ",
    "د ",
)
_SUFFIXES = (" province", " wilayat", " velayat", " prov", " ولایت")

# Arabic-script letters that keyboards for Arabic, Dari and Pashto type differently for one
# letter of a name (Arabic yeh and alef maksura for Persian yeh, Arabic kaf for Persian
# kaf, teh marbuta and ae for heh), and characters that change no letter: tatweel (a
# stretch), zero-width (non-)joiners and direction marks. Letters that differ between
# Dari and Pashto (گ and ګ, ی and ې) are not folded: both spellings are aliases instead.
_ARABIC_FOLDS = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0649": "\u06cc",  # alef maksura -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> Persian kaf (keheh)
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u06d5": "\u0647",  # ae -> heh
        "\u0640": None,  # tatweel
        "\u200c": None,  # zero-width non-joiner
        "\u200d": None,  # zero-width joiner
        "\u200e": None,  # left-to-right mark
        "\u200f": None,  # right-to-left mark
        "\u061c": None,  # Arabic letter mark
        **dict.fromkeys(range(0x202A, 0x202F), None),  # embeddings and overrides
        **dict.fromkeys(range(0x2066, 0x206A), None),  # isolates
    }
)

# Characters that people use interchangeably inside one name ("Sar-e Pol", "Sar-e-Pol",
# "Sar_e Pol"). "/" and "," are deliberately not here: "Kapisa/Parwan" names two places.
_SEPARATORS = re.compile(r"[\s\-_.\u2010-\u2015]+")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")

SUGGESTION_CUTOFF = 72.0
MAX_SUGGESTIONS = 3


def normalise(text: str) -> str:
    """Fold case, diacritics, separators and administrative affixes, and in Arabic script
    the letters keyboards type differently, harakat, tatweel and zero-width characters.

    >>> normalise("  Wilayat-e  Kāpīsā ")
    'kapisa'
    >>> normalise("Sar-e-Pol Province")
    'sar e pol'
    >>> normalise("ولايت پنجشير") == normalise("پنجـشیر") == normalise("پنج\u200cشیر") == "پنجشیر"
    True
    """
    decomposed = unicodedata.normalize("NFKD", text)
    # Harakat and other marks are combining characters; hamza on a letter decomposes to
    # the letter and a combining hamza.
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = _APOSTROPHES.sub("", stripped.translate(_ARABIC_FOLDS).casefold())
    spaced = _SEPARATORS.sub(" ", folded).strip()
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if spaced.startswith(prefix) and len(spaced) > len(prefix):
                spaced, changed = spaced[len(prefix) :].strip(), True
        for suffix in _SUFFIXES:
            if spaced.endswith(suffix) and len(spaced) > len(suffix):
                spaced, changed = spaced[: -len(suffix)].strip(), True
    return spaced


def _compact(key: str) -> str:
    # "sare pol", "sar e pol" and "sarepol" are one spelling written three ways.
    return key.replace(" ", "")


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    iso_name: str = ""
    aliases: tuple[str, ...] = ()

    def spellings(self) -> Iterator[str]:
        yield self.code
        yield self.name
        if self.iso_name:
            yield self.iso_name
        yield from self.aliases


@dataclass(frozen=True)
class Suggestion:
    code: str
    name: str
    spelling: str
    score: float


@dataclass(frozen=True)
class Match:
    """The outcome of matching one string: a code, or none with suggestions."""

    query: str
    code: str | None
    suggestions: tuple[Suggestion, ...] = field(default=())

    @property
    def matched(self) -> bool:
        return self.code is not None

    def explain(self) -> str:
        if self.code is not None:
            return f"{self.query!r} is {self.code}"
        if not self.suggestions:
            return f"{self.query!r} names no single known place"
        names = ", ".join(f"{s.name} ({s.code})" for s in self.suggestions)
        return f"{self.query!r} names no single known place; did you mean {names}?"


class RegistryError(ValueError):
    """The place registry itself is unusable (duplicate codes, a spelling shared by two)."""


class PlaceRegistry:
    """Places keyed by code, with every known spelling indexed for exact matching."""

    def __init__(self, places: Iterable[Place], *, drop_shared: bool = False) -> None:
        """``drop_shared``: a spelling two places share names neither (instead of raising).

        For the units of several countries at once, where "Punjab" is both Pakistan's and
        India's: such a name is matched only within its own country (see
        ``geo.model.countries.region``), never here.
        """
        self._places: dict[str, Place] = {}
        self._index: dict[str, str] = {}
        self._drop_shared = drop_shared
        shared: set[str] = set()
        for place in places:
            if place.code in self._places:
                raise RegistryError(f"code {place.code!r} appears twice; codes must be unique")
            self._places[place.code] = place
        for place in self._places.values():
            for spelling in place.spellings():
                key = normalise(spelling)
                for k in {key, _compact(key)}:
                    owner = self._index.setdefault(k, place.code)
                    if owner == place.code:
                        continue
                    if not drop_shared:
                        raise RegistryError(
                            f"the spelling {spelling!r} would name both {owner} and "
                            f"{place.code}; remove it from one of them"
                        )
                    shared.add(k)
        for key in shared:
            del self._index[key]
        self._choices = {k: k for k in self._index}

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, code: object) -> bool:
        return code in self._places

    @property
    def codes(self) -> list[str]:
        return list(self._places)

    def place(self, code: str) -> Place:
        return self._places[code]

    def name(self, code: str) -> str:
        return self._places[code].name

    def with_aliases(self, aliases: dict[str, str]) -> PlaceRegistry:
        """A new registry that also knows ``aliases`` (spelling -> code), e.g. a user's fixes.

        >>> reg = PlaceRegistry([Place("AF-PAN", "Panjshir")])
        >>> reg.with_aliases({"Panjshir Valley": "AF-PAN"}).match("panjshir valley").code
        'AF-PAN'
        """
        extra: dict[str, list[str]] = {}
        for spelling, code in aliases.items():
            if code not in self._places:
                raise RegistryError(f"alias {spelling!r} points at unknown code {code!r}")
            if spelling not in self._places[code].aliases:  # a fix applied twice is one alias
                extra.setdefault(code, []).append(spelling)
        return PlaceRegistry(
            (
                Place(p.code, p.name, p.iso_name, (*p.aliases, *extra.get(p.code, ())))
                for p in self._places.values()
            ),
            drop_shared=self._drop_shared,
        )

    def exact(self, text: str) -> str | None:
        """The code that ``text`` names exactly (equal after :func:`normalise`), or None;
        without :meth:`match`'s suggestions, so cheap enough for every distinct name."""
        key = normalise(text)
        if not key:
            return None
        return self._index.get(key) or self._index.get(_compact(key))

    def match(self, text: str) -> Match:
        """Return the code that ``text`` names exactly, or no code and up to 3 suggestions.

        Exact means equal after :func:`normalise`; anything fuzzier is only a suggestion.
        """
        code = self.exact(text)
        if code is not None:
            return Match(text, code)
        key = normalise(text)
        return Match(text, None, self._suggest(key) if key else ())

    def _suggest(self, key: str) -> tuple[Suggestion, ...]:
        hits = process.extract(
            key, self._choices, scorer=fuzz.WRatio, limit=20, score_cutoff=SUGGESTION_CUTOFF
        )
        best: dict[str, Suggestion] = {}
        for spelling, score, _ in hits:
            code = self._index[spelling]
            if code not in best or best[code].score < score:
                best[code] = Suggestion(code, self.name(code), spelling, round(score, 1))
        ranked = sorted(best.values(), key=lambda s: (-s.score, s.code))
        return tuple(ranked[:MAX_SUGGESTIONS])


def load_place_registry(path: Path = DEFAULT_PROVINCES_CSV) -> PlaceRegistry:
    """Read a registry CSV (``code``, ``name``, optional ``iso_name`` and ``aliases``)."""
    if not path.exists():
        raise FileNotFoundError(f"place registry {path} not found; pass the path of a CSV file")
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"code", "name"} - set(reader.fieldnames or ())
        if missing:
            raise RegistryError(
                f"{path.name} lacks column(s) {sorted(missing)}; it has {reader.fieldnames}"
            )
        places = [
            Place(
                code=row["code"].strip(),
                name=row["name"].strip(),
                iso_name=(row.get("iso_name") or "").strip(),
                aliases=tuple(
                    a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()
                ),
            )
            for row in reader
        ]
    return PlaceRegistry(places)
