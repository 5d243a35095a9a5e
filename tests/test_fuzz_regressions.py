"""Every input the fuzz tests once broke, kept in tests/corpus/fuzz/, through the same checks.

Each file is the shrunk input hypothesis found (see tests/corpus/fuzz/README.md for what
each one broke); the test holds it to the invariants of tests/fuzzcheck.py, so the bug
it found stays fixed whatever profile the fuzz tests run with.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzzcheck import check_boundary_upload, check_claims_upload

FOUND = Path(__file__).parent / "corpus" / "fuzz"
TABLES = (".csv", ".tsv", ".txt", ".xlsx")
BOUNDARIES = (".geojson", ".json", ".gpkg", ".zip")
FILES = sorted(p.name for p in FOUND.iterdir() if p.suffix in TABLES + BOUNDARIES)


def test_every_kept_input_is_described() -> None:
    readme = (FOUND / "README.md").read_text(encoding="utf-8")
    assert FILES, "no inputs kept"
    for name in FILES:
        assert f"`{name}`" in readme, f"{name} is not described in tests/corpus/fuzz/README.md"


@pytest.mark.parametrize("name", FILES)
def test_a_kept_input_is_loaded_or_refused_as_documented(name: str) -> None:
    data = (FOUND / name).read_bytes()
    if name.endswith(TABLES):
        check_claims_upload(name, data)
    else:
        check_boundary_upload(name, data)
