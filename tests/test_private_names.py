"""docs/private-names.md lists every private name of Streamlit and streamlit-folium the app
uses, each with the file that uses it, and nothing the code no longer uses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "private-names.md"
CODE = [
    ROOT / "app.py",
    *(p for d in ("dashboard", "pages", "geo", "store") for p in (ROOT / d).rglob("*.py")),
]
# What Streamlit documents as its API: ``streamlit`` itself (``st.*``) and these modules.
PUBLIC_MODULES = {"streamlit.components.v1", "streamlit.components.v2", "streamlit.testing.v1"}
PUBLIC_FOLIUM = {"st_folium", "folium_static"}


def private_uses(path: Path) -> set[str]:
    """The private names ``path`` uses: imports from Streamlit's modules, streamlit-folium's
    names other than its documented functions, and Streamlit's module paths in strings."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("streamlit.") and node.module not in PUBLIC_MODULES:
                found |= {f"{node.module}.{a.name}" for a in node.names}
            elif node.module == "streamlit":
                found |= {f"streamlit.{a.name}" for a in node.names}
            elif node.module == "streamlit_folium":
                found |= {a.name for a in node.names if a.name not in PUBLIC_FOLIUM}
        elif isinstance(node, ast.Import):
            found |= {
                a.name
                for a in node.names
                if a.name.startswith("streamlit.") and a.name not in PUBLIC_MODULES
            }
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "streamlit_folium"
            and node.attr not in PUBLIC_FOLIUM
        ):
            found.add(node.attr)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.fullmatch(r"streamlit\.[\w.]+", node.value)
        ):
            found.add(node.value)
    return found


def private_table() -> list[tuple[list[str], str]]:
    """(the backticked names, the where cell) of each row of the "Private names" table."""
    text = DOC.read_text(encoding="utf-8")
    table = text.split("## Private names", 1)[1].split("\n## ", 1)[0]
    rows = [line.split(" | ") for line in table.splitlines()[4:] if line.startswith("| ")]
    return [(re.findall(r"`([\w.]+)`", cells[0]), cells[1]) for cells in rows]


def listed(name: str, rel: str) -> bool:
    """Whether a row names ``rel`` as where it is used and ``name``: itself, a module it
    is in, or (for a name imported from a module) by its dotted path's last part."""
    last = name.rpartition(".")[2]
    return any(
        f"`{rel}`" in where
        and any(
            t == name or name.startswith(f"{t}.") or t.rpartition(".")[2] == last for t in names
        )
        for names, where in private_table()
    )


def test_every_private_name_in_the_code_is_listed_with_its_file() -> None:
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in CODE
        for name in sorted(private_uses(path))
        if not listed(name, str(path.relative_to(ROOT)))
    ]
    assert not missing, f"add these to docs/private-names.md (or use a public way): {missing}"


def test_every_listed_name_is_still_used_where_the_table_says() -> None:
    stale = []
    for names, where in private_table():
        files = re.findall(r"`([\w/]+\.py)`", where)
        assert files, f"no file named in {where!r}"
        text = "\n".join((ROOT / f).read_text(encoding="utf-8") for f in files)
        for name in names:
            if name.rpartition(".")[2] not in text:
                stale.append(f"{name} in {files}")
    assert not stale, f"no longer used: take them out of docs/private-names.md: {stale}"


def test_the_check_finds_what_it_looks_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import streamlit_folium\n"
        "from streamlit.runtime.pages_manager import PagesManager\n"
        "from streamlit import config\n"
        "from streamlit_folium import st_folium, _get_html\n"
        "import streamlit.components.v1 as components\n"
        "streamlit_folium._component_func()\n"
        "logger = 'streamlit.runtime.x'\n"
    )
    assert private_uses(sample) == {
        "streamlit.runtime.pages_manager.PagesManager",
        "streamlit.config",
        "_get_html",
        "_component_func",
        "streamlit.runtime.x",
    }
