"""Adding, bulk review, restoring and the as-recorded view, through AppTest (issue #13)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import store
from dashboard.curation import BULK_FORM, CLAIM_FORM, RESTORE_FORM, SOURCE_FORM, key
from store.edits import history, retracted_claims, set_retracted
from tests import test_app_review
from tests.test_app_review import APP, PASSWORD, sign_in

# The review tests' fixtures: a store with the saved dataset "team", and an editors file.
team = test_app_review.team
editors = test_app_review.editors

# Test text, not from any real source.
TEXT = "Units moved into the upper valley\nlast week, the spokesman said."


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update({"dataset": "team", **params})
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def signed_in(page: str, **params: str) -> AppTest:
    at = open_page(page, **params)
    sign_in(at, "amina", PASSWORD)
    assert not at.exception and not at.error
    return at


def fill(at: AppTest, form: str, **values: str) -> None:
    for field, value in values.items():
        widget_key = key(form, field)
        found = [w for w in (*at.text_input, *at.text_area) if w.key == widget_key]
        if found:
            found[0].input(value)
        else:
            at.selectbox(key=widget_key).set_value(value)


def flat(node):
    """Every element under ``node``, in the order the page draws them."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from flat(child)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def plain(text: str) -> str:
    """Text as read on the page: without the backslashes geo.escape.md puts before - . ( )."""
    return text.replace("\\", "")


def errors(at: AppTest) -> list[str]:
    return [plain(e.value) for e in at.error]


def successes(at: AppTest) -> list[str]:
    return [plain(e.value) for e in at.success]


CLAIM = {
    "claimant": "Test Wire",
    "actor": "Test actor",
    "claim_type": "presence",
    "province": "Panjsher",
    "date_start": "2022-09-20",
    "date_end": "2022-09-27",
    "date_precision": "week",
    "status": "reported",
    "locator": "para 1",
    "quote": "moved into the upper valley last week",
    "summary": "The wire reports units in the upper valley.",
}


def test_an_editor_adds_a_source_with_its_text_and_a_claim_quoting_it(
    team: store.Store, editors: Path
) -> None:
    at = signed_in("pages/add.py")
    fill(
        at,
        SOURCE_FORM,
        title="A test bulletin",
        publisher="Test Wire",
        published="2022-10-02",
        kind="report",
        full_text=TEXT,
    )
    button(at, "Add the source").click().run()
    assert not errors(at)
    assert any("Added source test-wire-2022-10-02-a-test-bulletin" in s for s in successes(at))
    # The new source is chosen for the claim.
    assert at.selectbox(key=key(CLAIM_FORM, "source_id")).value == (
        "test-wire-2022-10-02-a-test-bulletin"
    )

    # A misspelt province: its suggestions are buttons; a click accepts one.
    fill(at, CLAIM_FORM, province="Panjshr")
    at.run()
    button(at, "Panjshir (AF-PAN)").click().run()
    assert at.text_input(key=key(CLAIM_FORM, "province")).value == "Panjshir"
    fill(
        at, CLAIM_FORM, **{**CLAIM, "province": "Panjshir", "quote": "moved into the lower valley"}
    )
    # A quote not in the source's text is refused at the field; nothing is saved.
    before = team.version()
    button(at, "Add the claim").click().run()
    assert any("not found in the text" in e for e in errors(at))
    assert team.version() == before
    fill(at, CLAIM_FORM, quote=CLAIM["quote"])
    button(at, "Add the claim").click().run()
    assert not errors(at)
    assert any("Added claim A001" in s for s in successes(at))
    [added] = [e for e in history(team, "team") if e.subject == "claim"]
    assert (added.kind, added.editor, added.changes["province"]) == ("add", "amina", ("", "AF-PAN"))
    # The form keeps the source and claimant for the next claim, and clears the rest.
    assert at.text_input(key=key(CLAIM_FORM, "claimant")).value == "Test Wire"
    assert at.text_input(key=key(CLAIM_FORM, "summary")).value == ""
    # It is in view at once: the map's coverage line counts it.
    at.switch_page("pages/map.py").run()
    assert "**4 of 4 claims shown**" in "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"province": "Atlantis"}, "province", "names no single known place"),
        ({"date_end": "2022-09-01"}, "date_end", "before it starts"),
        ({"quote": "words the source never wrote"}, "quote", "not found in the text"),
        ({"summary": ""}, "summary", "summary is empty"),
    ],
)
def test_a_bad_field_gets_its_message_beside_it_and_nothing_is_saved(
    team: store.Store, editors: Path, changes: dict[str, str], field: str, message: str
) -> None:
    at = signed_in("pages/add.py")
    fill(at, SOURCE_FORM, title="T", publisher="P", published="2022-10-02", kind="report")
    fill(at, SOURCE_FORM, full_text=TEXT)
    button(at, "Add the source").click().run()
    before = team.version()
    fill(at, CLAIM_FORM, **{**CLAIM, **changes})
    button(at, "Add the claim").click().run()
    [shown] = errors(at)
    assert message in shown
    # Drawn beside its own field: the last field before the message is that one.
    elements = list(flat(at.main))
    position = next(
        i
        for i, e in enumerate(elements)
        if type(e).__name__ == "Error" and message in plain(e.value)
    )
    fields = [e for e in elements[:position] if getattr(e, "key", None)]
    assert fields[-1].key == key(CLAIM_FORM, field)
    assert team.version() == before
    assert len(team.load("team").claims) == 3


def test_a_source_without_its_required_fields_is_refused_at_them(
    team: store.Store, editors: Path
) -> None:
    at = signed_in("pages/add.py")
    fill(at, SOURCE_FORM, title="T", published="2022-02-30", kind="report")
    button(at, "Add the source").click().run()
    shown = errors(at)
    assert any("publisher is empty" in e for e in shown)
    assert any("'2022-02-30'" in e for e in shown)
    assert len(team.load("team").sources) == 1


def test_bulk_review_changes_the_claims_of_one_source_with_one_reason(
    team: store.Store, editors: Path
) -> None:
    at = signed_in("pages/claims.py")
    at.selectbox(key=key(BULK_FORM, "source")).set_value("cnn-2022-08-30-bergen-nazary").run()
    assert at.multiselect(key=key(BULK_FORM, "claims")).value == ["U0", "U1", "U2"]
    at.selectbox(key=key(BULK_FORM, "status")).set_value("disputed")
    # No reason: refused at the field, nothing saved.
    button(at, "Change their status").click().run()
    assert any("every change needs a reason" in e for e in errors(at))
    assert history(team, "team") == []
    at.text_input(key=key(BULK_FORM, "reason")).input("the source was discredited")
    button(at, "Change their status").click().run()
    assert not errors(at)
    assert any("3 of 3 claims are now disputed" in s for s in successes(at))
    entries = history(team, "team")
    assert [(e.claim_id, e.reason) for e in entries] == [
        (c, "the source was discredited") for c in ("U0", "U1", "U2")
    ]
    assert set(team.load("team").claims["status"]) == {"disputed"}


def test_a_bulk_review_over_another_editors_change_is_refused_whole(
    team: store.Store, editors: Path
) -> None:
    at = signed_in("pages/claims.py")
    at.multiselect(key=key(BULK_FORM, "claims")).set_value(["U0", "U1"]).run()
    # Another editor, elsewhere, retracts U1 after this page read its version.
    set_retracted(team, "team", "U1", True, editor="B", reason="gone", expected_version=1)
    at.selectbox(key=key(BULK_FORM, "status")).set_value("denied")
    at.text_input(key=key(BULK_FORM, "reason")).input("denied by the party")
    button(at, "Change their status").click().run()
    assert any("claim U1 was changed by B" in e for e in errors(at))
    assert [e.editor for e in history(team, "team")] == ["B"]
    assert set(team.load("team").claims["status"]) == {"claimed"}


def test_a_retracted_claim_is_listed_and_restored_with_a_reason(
    team: store.Store, editors: Path
) -> None:
    set_retracted(team, "team", "U2", True, editor="B", reason="gone", expected_version=1)
    at = signed_in("pages/claims.py")
    assert any("Retracted claims (1" in m.value for m in at.markdown)
    at.selectbox(key=key(RESTORE_FORM, "claim")).set_value("U2").run()
    button(at, "Restore the claim").click().run()
    assert any("every change needs a reason" in e for e in errors(at))
    at.text_input(key=key(RESTORE_FORM, "reason")).input("the withdrawal was itself withdrawn")
    button(at, "Restore the claim").click().run()
    assert not errors(at)
    assert retracted_claims(team, "team").empty
    assert list(team.load("team").claims["claim_id"]) == ["U0", "U1", "U2"]
    assert [e.kind for e in history(team, "team", "U2")] == ["retract", "restore"]


def test_the_as_recorded_link_shows_the_data_before_later_edits_and_says_so(
    team: store.Store, editors: Path
) -> None:
    yesterday = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date().isoformat()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    set_retracted(team, "team", "U2", True, editor="B", reason="gone", expected_version=1)
    # The dataset was saved today: as recorded yesterday it had no claims.
    for page in ("pages/map.py", "pages/claims.py", "pages/timeline.py", "pages/sources.py"):
        at = open_page(page, recorded=yesterday)
        assert any(f"As recorded on {yesterday}" in plain(i.value) for i in at.info), page
    at = open_page("pages/map.py", recorded=yesterday)
    assert "**0 of 0 claims shown**" in "\n".join(m.value for m in at.markdown)
    assert at.query_params["recorded"] == yesterday
    # A moment after the save and before the retraction: three claims.
    saved_at = team.find("team").saved_at
    moment = (saved_at + dt.timedelta(microseconds=1)).isoformat()
    at = open_page("pages/map.py", recorded=moment)
    text = "\n".join(m.value for m in at.markdown)
    assert "**3 of 3 claims shown**" in text and "as recorded on" in text
    at = open_page("pages/map.py", recorded=today)
    assert "**2 of 2 claims shown**" in "\n".join(m.value for m in at.markdown)
    # Leaving it shows the data as it is now, and the link drops it.
    button(at, "Show the data as it is now").click().run()
    assert not [i for i in at.info if "As recorded" in i.value]
    assert "recorded" not in at.query_params


def test_a_bad_recorded_value_is_ignored_with_the_usual_note(team: store.Store) -> None:
    at = open_page("pages/map.py", recorded="last tuesday")
    assert any("Link: ignored recorded" in w.value for w in at.warning)
    assert not [i for i in at.info if "As recorded" in i.value]
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update({"recorded": "2026-01-01"})
    at.run()
    assert any("built-in data has no editing history" in plain(w.value) for w in at.warning)


def test_the_claims_page_gives_the_as_recorded_link(team: store.Store) -> None:
    at = open_page("pages/claims.py")
    at.date_input(key="recorded_day").set_value(dt.date(2026, 12, 4)).run()
    [link] = [c.value for c in at.code]
    assert link.endswith("?dataset=team&recorded=2026-12-04")


def test_editing_is_off_in_the_as_recorded_view(team: store.Store, editors: Path) -> None:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    at = open_page("pages/add.py", recorded=today)
    assert any("Editing is off in the as-recorded view" in plain(i.value) for i in at.info)
    assert not [b for b in at.button if b.label == "Add the claim"]


@pytest.mark.parametrize("configured", [True, False], ids=["signed out", "read-only app"])
def test_a_session_not_signed_in_changes_nothing_whatever_its_widgets_say(
    team: store.Store, request: pytest.FixtureRequest, configured: bool
) -> None:
    if configured:
        request.getfixturevalue("editors")
    open_page("pages/map.py")  # the app's first start fills the store's built-in copy
    version, claims = team.version(), team.load("team").claims
    for page in ("pages/add.py", "pages/claims.py"):
        at = AppTest.from_file(APP, default_timeout=90)
        at.query_params.update({"dataset": "team", "editor": "amina", "signed_in": "amina"})
        # Every field of every form, as a crafted client could send them.
        for field, value in {**CLAIM, "source_id": "cnn-2022-08-30-bergen-nazary"}.items():
            at.session_state[key(CLAIM_FORM, field)] = value
        for field in ("title", "publisher", "published", "kind"):
            at.session_state[key(SOURCE_FORM, field)] = "2022-10-02"
        at.session_state[key(BULK_FORM, "claims")] = ["U0", "U1", "U2"]
        at.session_state[key(BULK_FORM, "status")] = "retracted"
        at.session_state[key(BULK_FORM, "reason")] = "crafted"
        at.session_state["review_claim"] = "U1"
        at.run()
        at.switch_page(page).run()
        assert not at.exception
        labels = {b.label for b in at.button}
        assert not labels & {
            "Add the source",
            "Add the claim",
            "Change their status",
            "Restore the claim",
            "Save the review",
        }
        assert ("Sign in" in labels) == configured
    assert team.version() == version
    assert team.load("team").claims.equals(claims)
    assert history(team, "team") == []
