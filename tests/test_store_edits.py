"""Editing and reviewing stored claims (issue #13's store side), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace

import pandas as pd
import pytest

import store
from geo.dataset import Dataset, load_dataset
from geo.paths import DATA_DIR
from store.edits import (
    EditConflict,
    EditRefused,
    claim_version,
    edit_claim,
    history,
    history_frame,
    set_retracted,
)
from tests.test_store import _downgrade, _user_dataset

SECOND_SOURCE = {
    "source_id": "second-source",
    "title": "A second report",
    "publisher": "Test Publisher",
    "author": "",
    "published": "2022-09-10",
    "kind": "report",
    "url": "",
    "speaker": "",
    "reliability_note": "",
    "file": "",
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


def claim(s: store.Store, claim_id: str, **kwargs) -> pd.Series:
    claims = s.load("team", **kwargs).claims
    return claims[claims["claim_id"] == claim_id].iloc[0]


def test_an_edit_is_saved_with_who_when_why_and_each_old_and_new_value(
    saved: store.Store,
) -> None:
    before = saved.find("team")
    version = edit_claim(
        saved,
        "team",
        "U1",
        {"status": "disputed", "place": "Tagab district", "province": "Parwan"},
        editor="Editor <b>A</b>",
        reason="a second source contests it",
        expected_version=1,
    )
    assert version == 2
    edited = claim(saved, "U1")
    assert (edited["status"], edited["place"], edited["province"]) == (
        "disputed",
        "Tagab district",
        "AF-PAR",
    )
    [entry] = history(saved, "team", "U1")
    assert (entry.editor, entry.reason, entry.version, entry.kind) == (
        "Editor <b>A</b>",
        "a second source contests it",
        2,
        "edit",
    )
    assert entry.changes == {
        "status": ("claimed", "disputed"),
        "place": ("Tagab", "Tagab district"),
        "province": ("AF-KAP", "AF-PAR"),
        "province_input": ("Kapisa", "Parwan"),
    }
    assert abs(entry.edited_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    # Every app process reads the dataset afresh.
    assert saved.find("team").revision == before.revision + 1
    table = history_frame(history(saved, "team"))
    assert list(table["field"]) == ["province", "place", "status", "province_input"]


def test_the_second_of_two_editors_is_refused_and_shown_the_first_ones_change(
    saved: store.Store,
) -> None:
    start = claim_version(saved, "team", "U0")
    edit_claim(
        saved,
        "team",
        "U0",
        {"status": "denied"},
        editor="A",
        reason="denial",
        expected_version=start,
    )
    with pytest.raises(EditConflict, match=r"changed by A \(version 1 -> 2: status\)") as caught:
        edit_claim(
            saved,
            "team",
            "U0",
            {"summary": "B's wording"},
            editor="B",
            reason="clearer",
            expected_version=start,
        )
    assert caught.value.since[0].changes == {"status": ("claimed", "denied")}
    assert claim(saved, "U0")["summary"] == "A test claim."  # nothing of B's landed
    assert len(history(saved, "team", "U0")) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"province": "Atlantis"}, "province", "names no single known place"),
        ({"date_end": "2022-08-01"}, "date_end", "before it starts"),
        ({"status": "confirmed"}, "status", "status"),
        ({"source_id": "nowhere"}, "source_id", "nowhere"),
        ({"claimant": "  "}, "claimant", "empty"),
        ({"claim_id": "U9"}, "claim_id", "not a field one can edit"),
    ],
)
def test_a_bad_value_is_refused_at_its_field_and_nothing_is_saved(
    saved: store.Store, changes: dict[str, str], field: str, message: str
) -> None:
    version = saved.version()
    with pytest.raises(EditRefused) as caught:
        edit_claim(saved, "team", "U1", changes, editor="A", reason="r", expected_version=1)
    assert [p.column for p in caught.value.problems] == [field]
    assert message in str(caught.value)
    assert claim_version(saved, "team", "U1") == 1
    assert history(saved, "team") == []
    assert saved.version() == version


def test_every_change_needs_an_editor_and_a_reason(saved: store.Store) -> None:
    with pytest.raises(EditRefused, match="reason: say why"):
        edit_claim(
            saved, "team", "U1", {"status": "denied"}, editor="A", reason=" ", expected_version=1
        )
    with pytest.raises(EditRefused, match="editor: every change records who"):
        set_retracted(saved, "team", "U1", True, editor="", reason="r", expected_version=1)


def test_corroborated_names_another_source_of_the_dataset(saved: store.Store) -> None:
    for other, message in [
        (None, "name the other source"),
        ("unknown", "name the other source"),
        ("cnn-2022-08-30-bergen-nazary", "own source cannot corroborate"),
    ]:
        with pytest.raises(EditRefused, match=message):
            edit_claim(
                saved,
                "team",
                "U1",
                {"status": "corroborated"},
                editor="A",
                reason="backed",
                expected_version=1,
                corroborated_by=other,
            )
    edit_claim(
        saved,
        "team",
        "U1",
        {"status": "corroborated"},
        editor="A",
        reason="the second report confirms it",
        expected_version=1,
        corroborated_by="second-source",
    )
    [entry] = history(saved, "team", "U1")
    assert entry.changes["corroborated_by"] == ("", "second-source")
    assert claim(saved, "U1")["status"] == "corroborated"


def test_a_retracted_claim_is_hidden_kept_and_restorable(saved: store.Store) -> None:
    set_retracted(
        saved, "team", "U2", True, editor="A", reason="source withdrawn", expected_version=1
    )
    assert list(saved.load("team").claims["claim_id"]) == ["U0", "U1"]
    assert claim_version(saved, "team", "U2") == 2
    set_retracted(saved, "team", "U2", False, editor="B", reason="restored", expected_version=2)
    assert list(saved.load("team").claims["claim_id"]) == ["U0", "U1", "U2"]
    assert [(e.kind, e.editor) for e in history(saved, "team", "U2")] == [
        ("retract", "A"),
        ("restore", "B"),
    ]


def test_the_map_as_recorded_on_a_past_moment_undoes_later_edits(saved: store.Store) -> None:
    time.sleep(0.05)
    first = dt.datetime.now(dt.UTC)
    time.sleep(0.05)
    edit_claim(
        saved,
        "team",
        "U1",
        {"status": "denied", "date_start": "2022-09-02", "province": "Parwan"},
        editor="A",
        reason="r",
        expected_version=1,
    )
    set_retracted(saved, "team", "U0", True, editor="A", reason="r", expected_version=1)
    time.sleep(0.05)
    second = dt.datetime.now(dt.UTC)

    then = saved.load("team", as_recorded_on=first).claims
    now = saved.load("team").claims
    pd.testing.assert_frame_equal(saved.load("team", as_recorded_on=second).claims, now)
    assert list(then["claim_id"]) == ["U0", "U1", "U2"]
    u1 = then[then["claim_id"] == "U1"].iloc[0]
    assert (u1["status"], str(u1["date_start"].date()), u1["province"]) == (
        "claimed",
        "2022-09-01",
        "AF-KAP",
    )
    assert list(now["claim_id"]) == ["U1", "U2"]
    # Before the dataset was saved, there was nothing.
    assert saved.load("team", as_recorded_on=first - dt.timedelta(days=1)).claims.empty


def test_rows_saved_before_claims_had_versions_start_at_version_one(
    store_url: str, builtin: Dataset
) -> None:
    from store.engine import make_engine, migrate

    engine = make_engine(store_url)
    migrate(engine)
    store.Store(engine).save(_user_dataset(builtin), name="old")
    _downgrade(engine, "0001")  # the rows as the first schema held them
    upgraded = store.open_store(store_url)
    assert claim_version(upgraded, "old", "U0") == 1
    edit_claim(
        upgraded, "old", "U0", {"summary": "new"}, editor="A", reason="r", expected_version=1
    )
    assert upgraded.load("old").claims["summary"].tolist()[0] == "new"


def test_the_builtin_copy_is_not_edited_in_the_store(store_url: str) -> None:
    s = store.open_store(store_url)
    s.sync_builtin(DATA_DIR)
    with pytest.raises(store.SaveRefused, match=r"edit data/claims\.csv"):
        edit_claim(
            s, "builtin", "C001", {"status": "denied"}, editor="A", reason="r", expected_version=1
        )
    assert history(s, "builtin") == []
