"""Adding sources and claims in the app, bulk review, restoring (issue #13), on both engines."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace

import pandas as pd
import pytest
import sqlalchemy as sa

import store
from geo.dataset import Dataset, load_dataset
from geo.paths import DATA_DIR
from store import schema
from store.edits import (
    EditConflict,
    EditRefused,
    add_claim,
    add_source,
    claim_version,
    edit_claim,
    history,
    history_frame,
    retracted_claims,
    review_many,
    set_retracted,
    source_text,
)
from store.engine import current_revision, head_revision, make_engine, migrate
from tests.test_store import _downgrade, _user_dataset
from tests.test_store_edits import SECOND_SOURCE

# Test text, not from any real source.
TEXT = (
    "Our units moved into the  upper valley\nlast week, the spokesman said.\n\n"
    "He added that \u201cthe road is open\u201d again."
)
NEW_SOURCE = {
    "title": "A test bulletin",
    "publisher": "Test Wire",
    "author": "A. Writer",
    "published": "2022-10-02",
    "kind": "report",
    "url": "https://example.org/bulletin",
}


@pytest.fixture(scope="module")
def builtin() -> Dataset:
    return load_dataset(DATA_DIR)


@pytest.fixture
def saved(store_url: str, builtin: Dataset) -> store.Store:
    """A store with one saved dataset, "team", of three claims U0-U2 and two sources."""
    s = store.open_store(store_url)
    data = _user_dataset(builtin)
    sources = pd.concat([data.sources, pd.DataFrame([SECOND_SOURCE])], ignore_index=True)
    s.save(replace(data, sources=sources), name="team")
    return s


def claim_fields(source: str, **changes: str) -> dict[str, str]:
    return {
        "claimant": "Test Wire",
        "actor": "Test actor",
        "claim_type": "presence",
        "province": "Panjsher",
        "place": "upper valley",
        "date_start": "2022-09-20",
        "date_end": "2022-09-27",
        "date_precision": "week",
        "status": "reported",
        "source_id": source,
        "locator": "para 1",
        "quote": "moved into the upper valley last week",
        "summary": "The wire reports units in the upper valley.",
        **changes,
    }


def test_a_source_with_its_text_and_a_claim_quoting_it_are_added_and_logged(
    saved: store.Store,
) -> None:
    version = saved.version()
    revision = saved.find("team").revision
    sid = add_source(saved, "team", NEW_SOURCE, editor="amina", full_text=TEXT, reason="new")
    assert sid == "test-wire-2022-10-02-a-test-bulletin"
    assert source_text(saved, "team", sid) == TEXT.strip()
    # The same details again get an id of their own.
    assert add_source(saved, "team", NEW_SOURCE, editor="amina") == f"{sid}-2"
    assert saved.version() > version

    claim_id = add_claim(saved, "team", claim_fields(sid), editor="amina", reason="read it")
    assert claim_id == "A001"
    loaded = saved.load("team")
    added = loaded.claims[loaded.claims["claim_id"] == claim_id].iloc[0]
    assert (added["province"], added["province_input"], added["row"]) == ("AF-PAN", "Panjsher", 5)
    assert str(added["date_end"].date()) == "2022-09-27"
    assert "Test Wire" in loaded.citation(sid)
    assert saved.find("team").claim_count == 4
    assert saved.find("team").revision > revision
    assert claim_version(saved, "team", claim_id) == 1

    log = history(saved, "team")
    assert [(e.subject, e.kind, e.claim_id) for e in log] == [
        ("source", "add", sid),
        ("source", "add", f"{sid}-2"),
        ("claim", "add", claim_id),
    ]
    assert log[0].changes["full_text"] == ("", f"{len(TEXT.strip())} characters")
    assert log[2].changes["quote"] == ("", "moved into the upper valley last week")
    assert log[2].changes["province_input"] == ("", "Panjsher")
    assert (log[2].editor, log[2].reason) == ("amina", "read it")
    # The claim's own history starts with its addition; source entries are not claims'.
    assert [e.kind for e in history(saved, "team", claim_id)] == ["add"]
    assert history(saved, "team", sid) == []
    assert list(history_frame(log)["subject"])[:2] == ["source"] * 2
    # Ids stay unique and are never reused, retracted claims included.
    set_retracted(saved, "team", claim_id, True, editor="a", reason="r", expected_version=1)
    assert add_claim(saved, "team", claim_fields(sid), editor="amina") == "A002"


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"province": "Atlantis"}, ["province"]),
        ({"date_end": "2022-09-01"}, ["date_end"]),
        ({"quote": "moved into the lower valley"}, ["quote"]),
        ({"status": "confirmed", "summary": " "}, ["status", "summary"]),
        ({"source_id": "nowhere"}, ["source_id"]),
        ({"status": "corroborated"}, ["corroborated_by"]),
    ],
)
def test_a_claim_with_bad_fields_gets_every_fields_message_and_nothing_is_saved(
    saved: store.Store, changes: dict[str, str], fields: list[str]
) -> None:
    sid = add_source(saved, "team", NEW_SOURCE, editor="amina", full_text=TEXT)
    version, log = saved.version(), history(saved, "team")
    with pytest.raises(EditRefused) as caught:
        add_claim(saved, "team", claim_fields(sid, **changes), editor="amina")
    assert sorted(p.column for p in caught.value.problems) == sorted(fields)
    assert all(p.message for p in caught.value.problems)
    assert saved.version() == version
    assert history(saved, "team") == log
    assert len(saved.load("team").claims) == 3
    assert saved.find("team").claim_count == 3


def test_quotes_are_checked_only_against_a_text_in_the_store(saved: store.Store) -> None:
    without = add_source(saved, "team", NEW_SOURCE, editor="amina")
    cid = add_claim(saved, "team", claim_fields(without, quote="any words at all"), editor="a")
    with_text = add_source(saved, "team", NEW_SOURCE, editor="amina", full_text=TEXT)
    # Moving the claim to a source with a text checks its quote against that text.
    with pytest.raises(EditRefused, match=r"quote.*not found in the text"):
        edit_claim(
            saved, "team", cid, {"source_id": with_text}, editor="a", reason="r", expected_version=1
        )
    edit_claim(
        saved,
        "team",
        cid,
        {"source_id": with_text, "quote": "the road is open"},  # typographic quotes around it
        editor="a",
        reason="the bulletin is the source",
        expected_version=1,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": " "}, "title"),
        ({"published": "2022-13-01"}, "published"),
        ({"kind": ""}, "kind"),
        ({"file": "x.txt"}, "file"),
    ],
)
def test_a_source_with_a_bad_field_is_refused_at_it(
    saved: store.Store, changes: dict[str, str], field: str
) -> None:
    version = saved.version()
    with pytest.raises(EditRefused) as caught:
        add_source(saved, "team", {**NEW_SOURCE, **changes}, editor="amina")
    assert [p.column for p in caught.value.problems] == [field]
    assert saved.version() == version
    assert len(saved.load("team").sources) == 2


def test_nothing_is_added_to_the_builtin_copy_or_without_an_editor(saved: store.Store) -> None:
    saved.sync_builtin(DATA_DIR)
    with pytest.raises(store.SaveRefused, match="built-in"):
        add_source(saved, "builtin", NEW_SOURCE, editor="amina")
    with pytest.raises(EditRefused, match="editor"):
        add_source(saved, "team", NEW_SOURCE, editor=" ")
    with pytest.raises(EditRefused, match="editor"):
        add_claim(saved, "team", claim_fields("second-source"), editor="")


def test_bulk_review_changes_every_claim_in_one_transaction_or_none(saved: store.Store) -> None:
    versions = {c: claim_version(saved, "team", c) for c in ("U0", "U1", "U2")}
    # Another editor changes U2 after this one read the versions: nothing of the bulk lands.
    edit_claim(saved, "team", "U2", {"summary": "B"}, editor="B", reason="r", expected_version=1)
    with pytest.raises(EditConflict, match="claim U2 was changed by B"):
        review_many(saved, "team", versions, "disputed", editor="A", reason="discredited")
    assert set(saved.load("team").claims["status"]) == {"claimed"}
    assert [e.editor for e in history(saved, "team")] == ["B"]

    # A refusal for one claim refuses all: U1's own source cannot corroborate it.
    versions["U2"] = 2
    with pytest.raises(EditRefused, match="claim U0: a claim's own source"):
        review_many(
            saved,
            "team",
            versions,
            "corroborated",
            editor="A",
            reason="r",
            corroborated_by="cnn-2022-08-30-bergen-nazary",
        )
    with pytest.raises(EditRefused, match="reason"):
        review_many(saved, "team", versions, "disputed", editor="A", reason="")
    assert [e.editor for e in history(saved, "team")] == ["B"]

    after = review_many(saved, "team", versions, "disputed", editor="A", reason="discredited")
    assert after == {"U0": 2, "U1": 2, "U2": 3}
    assert set(saved.load("team").claims["status"]) == {"disputed"}
    entries = [e for e in history(saved, "team") if e.editor == "A"]
    assert [(e.claim_id, e.reason, e.changes) for e in entries] == [
        (c, "discredited", {"status": ("claimed", "disputed")}) for c in ("U0", "U1", "U2")
    ]
    # "retracted" retracts them all; they are listed to be restored.
    review_many(saved, "team", after, "retracted", editor="A", reason="withdrawn")
    assert saved.load("team").claims.empty
    listed = retracted_claims(saved, "team")
    assert list(listed["claim_id"]) == ["U0", "U1", "U2"]
    assert list(listed["version"]) == [3, 3, 4]
    set_retracted(saved, "team", "U1", False, editor="A", reason="back", expected_version=3)
    assert list(saved.load("team").claims["claim_id"]) == ["U1"]
    assert list(retracted_claims(saved, "team")["claim_id"]) == ["U0", "U2"]


def test_the_map_as_recorded_leaves_out_claims_added_later(saved: store.Store) -> None:
    sid = add_source(saved, "team", NEW_SOURCE, editor="amina", full_text=TEXT)
    time.sleep(0.05)
    before = dt.datetime.now(dt.UTC)
    time.sleep(0.05)
    cid = add_claim(saved, "team", claim_fields(sid), editor="amina")
    assert cid in set(saved.load("team").claims["claim_id"])
    then = saved.load("team", as_recorded_on=before).claims
    assert list(then["claim_id"]) == ["U0", "U1", "U2"]


def test_a_store_at_the_second_schema_is_upgraded_with_its_rows_and_log(
    store_url: str, builtin: Dataset
) -> None:
    engine = make_engine(store_url)
    migrate(engine)
    store.Store(engine).save(_user_dataset(builtin), name="old")
    _downgrade(engine, "0002")  # the rows as the second schema held them
    with engine.begin() as conn:
        # What 0002's code wrote: an entry without a subject.
        conn.execute(
            sa.text(
                "INSERT INTO claim_edits (dataset_id, claim_id, version, kind, edited_at, "
                "editor, reason, changes_json) SELECT id, 'U0', 2, 'edit', :at, 'A', 'r', "
                '\'{"summary": ["A test claim.", "x"]}\' FROM datasets'
            ),
            {"at": dt.datetime.now(dt.UTC)},
        )
        conn.execute(
            sa.update(schema.claims).where(schema.claims.c.position == 0).values(version=2)
        )
    upgraded = store.open_store(store_url)
    assert current_revision(engine) == head_revision() == "0004"
    assert len(upgraded.load("old").claims) == 3
    [entry] = history(upgraded, "old")
    assert (entry.subject, entry.claim_id, entry.version) == ("claim", "U0", 2)
    assert source_text(upgraded, "old", "cnn-2022-08-30-bergen-nazary") is None
    assert (
        add_claim(
            upgraded, "old", claim_fields("cnn-2022-08-30-bergen-nazary", quote="x y"), editor="a"
        )
        == "A001"
    )
