"""Add the provinces' Dari and Pashto names from Unicode CLDR to data/provinces.csv.

CLDR (the Unicode Common Locale Data Repository) has each province's name in Persian (fa,
which for Afghanistan is Dari) and Pashto (ps) in ``common/subdivisions/fa.xml`` and
``ps.xml``. They come inside the npm package ``cldr``; from the repository root:

    npm pack cldr@8.0.0 && tar xzf cldr-8.0.0.tgz package/3rdparty/cldr/common/subdivisions
    .venv/bin/python scripts/cldr_province_names.py package/3rdparty/cldr/common/subdivisions

It writes ``data/province_names_cldr.csv`` (each name as CLDR writes it, the alias made
from it, and where it came from) and adds the aliases to ``data/provinces.csv``. An alias
is CLDR's name without the word for province (ولایت, before the name in Dari and after it
in Pashto) and Pashto's "د" ("of") before it: the matcher strips those words from what
users write as well. A name that the matcher already knows for the province (the Pashto
name spelt as the Dari one, say) is not added twice. Running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from geo.model.places import normalise  # noqa: E402

DEFAULT_PROVINCES = REPO_ROOT / "data" / "provinces.csv"
DEFAULT_RECORD = REPO_ROOT / "data" / "province_names_cldr.csv"
LANGUAGES = {"fa": "Dari (CLDR's Persian, fa)", "ps": "Pashto (ps)"}
SOURCE = "Unicode CLDR 48, common/subdivisions/{language}.xml, via the npm package cldr 8.0.0"
RECORD_COLUMNS = ("code", "language", "cldr_name", "cldr_draft", "alias", "source")
# The words around a name that say "province" (Arabic yeh or Persian, as CLDR writes them).
_PROVINCE_WORDS = ("ولایت", "ولايت")


def bare_name(cldr_name: str) -> str:
    """CLDR's name less the word for province and Pashto's "of".

    >>> bare_name("ولایت پنجشیر"), bare_name("د ننګرهار ولايت"), bare_name("ميدان وردګ ولايت")
    ('پنجشیر', 'ننګرهار', 'ميدان وردګ')
    """
    words = cldr_name.split()
    while words and words[0] in _PROVINCE_WORDS:
        words = words[1:]
    while words and words[-1] in _PROVINCE_WORDS:
        words = words[:-1]
    if len(words) > 1 and words[0] == "د":
        words = words[1:]
    return " ".join(words)


def read_names(folder: Path, language: str, codes: list[str]) -> dict[str, tuple[str, str]]:
    """ISO code -> (CLDR's name, its draft status) for the given provinces."""
    path = folder / f"{language}.xml"
    if not path.exists():
        raise SystemExit(f"{path} not found: pass CLDR's common/subdivisions folder")
    found: dict[str, tuple[str, str]] = {}
    for element in ET.parse(path).iter("subdivision"):
        # CLDR writes "AF-PAN" as "afpan".
        code = next((c for c in codes if c.replace("-", "").lower() == element.get("type")), None)
        if code is not None and element.text:
            found[code] = (element.text.strip(), element.get("draft", "approved"))
    missing = sorted(set(codes) - set(found))
    if missing:
        raise SystemExit(f"{path} has no {language} name for {', '.join(missing)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("subdivisions", type=Path, help="CLDR's common/subdivisions folder")
    parser.add_argument("--provinces", type=Path, default=DEFAULT_PROVINCES)
    parser.add_argument("--record", type=Path, default=DEFAULT_RECORD)
    args = parser.parse_args(argv)

    with args.provinces.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or ())
        rows = list(reader)
    codes = [r["code"] for r in rows]
    record: list[dict[str, str]] = []
    for language in LANGUAGES:
        for code, (name, draft) in read_names(args.subdivisions, language, codes).items():
            record.append(
                {
                    "code": code,
                    "language": language,
                    "cldr_name": name,
                    "cldr_draft": draft,
                    "alias": bare_name(name),
                    "source": SOURCE.format(language=language),
                }
            )
    record.sort(key=lambda r: (r["code"], list(LANGUAGES).index(r["language"])))

    for row in rows:
        aliases = [a for a in row["aliases"].split(";") if a]
        known = {normalise(s) for s in (row["name"], row["iso_name"], *aliases)}
        for entry in record:
            if entry["code"] == row["code"] and normalise(entry["alias"]) not in known:
                aliases.append(entry["alias"])
                known.add(normalise(entry["alias"]))
        row["aliases"] = ";".join(aliases)

    args.provinces.write_text(_csv(fields, rows), encoding="utf-8")
    args.record.write_text(_csv(list(RECORD_COLUMNS), record), encoding="utf-8")
    print(f"wrote {args.provinces} and {args.record} ({len(record)} CLDR names)")
    return 0


def _csv(fields: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    raise SystemExit(main())
