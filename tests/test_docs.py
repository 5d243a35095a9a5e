"""Documentation that states facts about the code and data is checked against them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geo.model.vocab import CLAIM_TYPES, DATE_PRECISIONS, LOCATION_PRECISIONS, STATUSES

ROOT = Path(__file__).resolve().parent.parent
DATA_README = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    start = text.index(heading)
    rest = text[start + len(heading) :]
    end = re.search(r"^#{1,3} ", rest, flags=re.MULTILINE)
    return rest[: end.start()] if end else rest


@pytest.mark.parametrize(
    ("heading", "vocab"),
    [
        ("### Claim types", CLAIM_TYPES),
        ("### Statuses", STATUSES),
        ("### Date precisions", DATE_PRECISIONS),
        ("### Location precisions", LOCATION_PRECISIONS),
    ],
)
def test_data_readme_lists_each_vocabulary_exactly(heading: str, vocab: dict[str, str]) -> None:
    documented = dict(re.findall(r"^- `([a-z_]+)`: (.+)$", section(DATA_README, heading), re.M))
    assert documented == vocab


def test_data_readme_boundary_figures_match_metadata() -> None:
    meta = json.loads((ROOT / "data" / "provinces.geojson.meta.json").read_text())
    assert f"at {meta['tolerance_degrees']} degrees" in DATA_README
    assert f"{meta['largest_shift']['km']:.2f} km ({meta['largest_shift']['province']})" in (
        DATA_README
    )
    assert f"{round(meta['output_size_bytes'] / 1000)} KB" in DATA_README


def test_data_readme_documents_every_claims_column() -> None:
    from geo.model.claims import COLUMNS

    documented = re.findall(r"^\| `([a-z_]+)` \| (?:yes|no) \|", DATA_README, re.M)
    assert documented == list(COLUMNS)


def test_readme_gives_exactly_two_setup_commands() -> None:
    blocks = re.findall(r"```(?:sh|bash)\n(.*?)```", section(README, "## Quick start"), re.S)
    assert len(blocks) == 2
    assert "streamlit run app.py" in blocks[0]
    assert blocks[1].strip() == "bash scripts/test.sh"
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text()


def test_acled_doc_table_is_the_codes_table() -> None:
    from geo.reading.acled import ANY_OTHER, SUB_EVENT_CLAIMS

    text = section(
        (ROOT / "docs" / "acled.md").read_text(encoding="utf-8"),
        "## Sub-event types and claim types",
    )
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]
    assert rows[0] == ["ACLED event type", "sub-event type", "claim type", "claim's actor"]
    assert set(rows[1][0]) <= set("-")  # the header's separator row
    documented = {}
    for event, sub, claim_type, actor in rows[2:]:
        key = (event, ANY_OTHER if sub == "(any other)" else sub)
        assert key not in documented, f"{key} documented twice"
        documented[key] = None if claim_type == "—" else (claim_type, actor)
        assert (claim_type == "—") == (actor == "—")
    assert documented == SUB_EVENT_CLAIMS
    assert list(documented) == list(SUB_EVENT_CLAIMS), "in the same order"


def test_security_md_names_only_tests_that_exist() -> None:
    """Every test SECURITY.md cites as showing a defence is there, by file and by name."""
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    cited = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", text)
    assert len(cited) >= 30, "SECURITY.md names the test behind each defence"
    for path, name in cited:
        source = ROOT / path
        assert source.is_file(), f"SECURITY.md cites {path}, which does not exist"
        if name:
            assert re.search(
                rf"^(?:async )?def {name}\(", source.read_text(encoding="utf-8"), re.M
            ), f"SECURITY.md cites {path}::{name}, which does not exist"
    for section_heading in ("## Reporting a vulnerability", "## Known gaps"):
        assert section_heading in text
