"""Reviewing claims on the Claims page through AppTest: sign-in, a status change, history."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

import store
from dashboard import signin
from geo.dataset import load_dataset
from geo.paths import DATA_DIR
from store.config import DATABASE_URL_ENV
from store.edits import history
from tests.test_store import _user_dataset

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store.Store:
    """The app on a store of its own holding one saved dataset, "team" (claims U0-U2)."""
    url = f"sqlite:///{tmp_path / 'claims.db'}"
    monkeypatch.setenv(DATABASE_URL_ENV, url)
    opened = store.open_store(url)
    opened.save(_user_dataset(load_dataset(DATA_DIR)), name="team")
    return opened


@pytest.fixture
def editors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "editors.toml"
    digest = PasswordHasher().hash(PASSWORD)
    path.write_text(f'[editors.amina]\npassword_hash = "{digest}"\n', encoding="utf-8")
    monkeypatch.setenv(signin.EDITORS_FILE_ENV, str(path))
    return path


def claims_page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update({"dataset": "team", **params})
    at.run()
    at.switch_page("pages/claims.py").run()
    assert not at.exception
    return at


def sign_in(at: AppTest, name: str, password: str) -> None:
    next(t for t in at.text_input if t.label == "Editor name").input(name)
    next(t for t in at.text_input if t.label == "Password").input(password)
    next(b for b in at.button if b.label == "Sign in").click().run()


def test_with_no_editor_configured_the_app_is_read_only_and_says_so(team: store.Store) -> None:
    at = claims_page()
    assert any("read-only: no editor is configured" in i.value for i in at.info)
    assert not [t for t in at.text_input if t.label == "Password"]


def test_an_editor_signs_in_changes_a_status_with_a_reason_and_sees_the_history(
    team: store.Store, editors: Path
) -> None:
    at = claims_page()
    sign_in(at, "amina", "wrong password")
    assert any("Wrong name or password" in e.value for e in at.error)
    sign_in(at, "amina", PASSWORD)
    assert not at.error
    at.selectbox(key="review_claim").select("U1").run()
    assert any("Signed in as **amina**" in c.value for c in at.caption)

    # No reason: refused at the field, nothing saved.
    next(s for s in at.selectbox if s.label == "Status").select("disputed")
    next(b for b in at.button if b.label == "Save the review").click().run()
    assert any("reason" in e.value and "Not saved" in e.value for e in at.error)
    assert history(team, "team") == []

    next(s for s in at.selectbox if s.label == "Status").select("disputed")
    next(t for t in at.text_input if t.label == "Reason (required)").input("<script>x</script>")
    next(b for b in at.button if b.label == "Save the review").click().run()
    assert not at.exception and not at.error
    [entry] = history(team, "team", "U1")
    assert (entry.editor, entry.reason, entry.changes) == (
        "amina",
        "<script>x</script>",
        {"status": ("claimed", "disputed")},
    )
    # Every view uses the new status at once: the filter finds it.
    after = claims_page(status="disputed")
    assert "**1 of 3 claims shown**" in "\n".join(m.value for m in after.markdown)
    after.selectbox(key="review_claim").select("U1").run()
    assert any("History of claim U1 (1 changes)" in e.label for e in after.expander)


def test_a_viewer_cannot_edit_by_crafting_widget_values_or_the_link(
    team: store.Store, editors: Path
) -> None:
    at = claims_page(editor="amina")
    at.session_state["review_claim"] = "U1"
    at.run()
    assert not [b for b in at.button if b.label == "Save the review"]
    assert [b for b in at.button if b.label == "Sign in"]
    assert history(team, "team") == []


def test_five_wrong_passwords_lock_sign_in_for_a_while(team: store.Store, editors: Path) -> None:
    at = claims_page()
    for _ in range(signin.MAX_FAILURES):
        sign_in(at, "amina", "nope")
    sign_in(at, "amina", PASSWORD)
    assert any("Too many failed attempts" in e.value for e in at.error)


def test_an_editors_file_without_hashes_is_refused_with_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "editors.toml"
    path.write_text('[editors.bob]\npassword = "hunter2"\n', encoding="utf-8")
    with pytest.raises(signin.EditorsFileError, match=r"python -m dashboard\.signin bob"):
        signin.load_editors(path)
