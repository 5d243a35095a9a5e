"""The app on the shared store, through AppTest: saving, the picker, links, an absent server."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import store
from dashboard import datastore
from store.config import DATABASE_URL_ENV
from tests import pgserver

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
ACLED = ROOT / "tests" / "corpus" / "acled_afghanistan.csv"


@pytest.fixture
def own_store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The app's store for this test alone (SQLite, then a real PostgreSQL server)."""
    monkeypatch.setenv(DATABASE_URL_ENV, store_url)
    return store_url


def text_of(at: AppTest) -> str:
    """The page's text, with Markdown's escapes taken out."""
    return _unescaped(
        "\n".join(
            [m.value for m in at.markdown]
            + [c.value for c in at.caption]
            + [w.value for w in at.warning]
            + [e.value for e in at.error]
        )
    )


def _unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def save_acled_upload(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/your_data.py").run()
    at.file_uploader(key="claims_upload").upload(ACLED.name, ACLED.read_bytes(), "text/csv")
    at.run()
    next(t for t in at.text_input if t.label == "Name").input(name)
    next(t for t in at.text_input if t.label.startswith("Your name")).input("Tester")
    next(b for b in at.button if b.label == "Save dataset").click().run()
    return at


def test_a_saved_upload_is_listed_and_a_link_opens_it_for_anyone(own_store: str) -> None:
    at = save_acled_upload("ACLED test export")
    assert not at.exception
    # The saver now sees the saved dataset on the map, and the link names it.
    assert "**5 of 5 claims shown**" in text_of(at)
    assert at.query_params["dataset"] == "acled-test-export"
    # The date window spans the new data, as it spanned the old: no dates in the link.
    assert "from" not in at.query_params and "to" not in at.query_params
    saved = store.open_store(own_store).find("acled-test-export")
    assert (saved.name, saved.saved_by, saved.claim_count) == ("ACLED test export", "Tester", 5)

    # Another user, in another session, with the link and a filter.
    other = AppTest.from_file(APP, default_timeout=90)
    other.query_params.update({"dataset": "acled-test-export", "type": "attack"})
    other.run()
    assert not other.exception
    assert "Dataset: **ACLED test export** · **3 of 5 claims shown**" in text_of(other)
    assert "7 rows rejected on loading" in text_of(other)  # the load report is kept
    picker = other.selectbox(key="dataset")
    assert picker.value == "acled-test-export"
    assert picker.options == ["Built-in data", "ACLED test export"]
    assert "5 claims saved" in [c.value for c in other.sidebar.caption]

    # Picking the built-in data in the sidebar switches back; the link follows.
    picker.select("builtin").run()
    assert "dataset" not in other.query_params
    assert "of 45 claims shown" in text_of(other)


def test_a_name_already_taken_is_refused_on_the_page(own_store: str) -> None:
    assert not save_acled_upload("Same name").exception
    at = save_acled_upload("Same name")
    assert not at.exception
    assert any("already exists; choose another name" in e.value for e in at.error)
    assert [d.name for d in store.open_store(own_store).datasets()] == [
        "built-in data",
        "Same name",
    ]


def test_a_link_to_a_dataset_that_is_gone_says_so(own_store: str) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update({"dataset": "deleted-long-ago", "actor": "Taliban"})
    at.run()
    assert not at.exception
    assert "no saved dataset has that name" in text_of(at)
    assert "showing the built-in data instead" in text_of(at)
    assert "claims shown" in text_of(at)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_server_shows_the_builtin_data_with_a_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = _closed_port()
    monkeypatch.setenv(DATABASE_URL_ENV, f"postgresql+psycopg://claims:pw@127.0.0.1:{port}/x")
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    # The first run asks the store only after the map (the sidebar's picker says so);
    # from the next run on the page's own warning says it too.
    assert any("Saved datasets are unavailable" in _unescaped(w.value) for w in at.sidebar.warning)
    at.run()
    warning = _unescaped("\n".join(w.value for w in at.main.warning))
    assert f"127.0.0.1:{port}" in warning and "cannot be reached" in warning
    assert "Showing the built-in data from the project's files meanwhile" in warning
    assert "pw" not in warning.replace("postgresql", "")
    assert "of 45 claims shown" in text_of(at)


def test_the_app_recovers_when_the_server_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if pgserver.binaries() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    monkeypatch.setattr(datastore, "RETRY_S", 0.0)
    with pgserver.running_postgres() as server:
        url = server.create_database("recovery")
        monkeypatch.setenv(DATABASE_URL_ENV, url)
        at = save_acled_upload("Before the outage")
        assert not at.exception and not at.warning

        server.stop()
        time.sleep(datastore.POLL_S + 0.2)  # the store is polled at most once a second
        at.switch_page("pages/map.py").run()
        assert not at.exception
        warning = _unescaped("\n".join(w.value for w in at.warning))
        assert "stopped answering" in warning
        assert "What was already loaded stays on screen" in warning
        assert "**5 of 5 claims shown**" in text_of(at)
        # A new visitor gets the built-in data this process had loaded, and the warning.
        fresh = AppTest.from_file(APP, default_timeout=90).run()
        assert "stopped answering" in _unescaped(fresh.warning[0].value)
        assert "of 45 claims shown" in text_of(fresh)

        server.start()
        at.run()
        assert not at.exception
        assert not at.warning
        other = AppTest.from_file(APP, default_timeout=90)
        other.query_params["dataset"] = "before-the-outage"
        other.run()
        assert "**5 of 5 claims shown**" in text_of(other)


def test_the_claims_page_reports_rejected_builtin_rows_from_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from geo.paths import DATA_DIR, DATA_DIR_ENV

    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    with (folder / "claims.csv").open("a", encoding="utf-8") as f:
        f.write("C999,X,Y,presence,Atlantis,,2022-01-01,,day,claimed,nowhere,l,,s\n")
    monkeypatch.setenv(DATA_DIR_ENV, str(folder))
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'claims.db'}")
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/claims.py").run()
    assert not at.exception
    assert any("Load report: 1 rows rejected" in e.label for e in at.expander)
    assert any(b.label == "Download the rejected rows (CSV)" for b in at.get("download_button"))


def test_fixes_made_for_one_country_of_an_export_are_saved_with_it(own_store: str) -> None:
    from tests.test_acled import event
    from tests.test_acled_countries import _csv

    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page("pages/your_data.py").run()
    export = _csv(
        event(1, admin1="Central", iso="4"),
        event(2, country="Pakistan", iso="586", admin1="Central"),
        event(3, country="Pakistan", iso="586", admin1="Sindhh"),
        # Afghanistan's Kandahar, said of a Pakistani row: fixed for that row only.
        event(4, country="Pakistan", iso="586", admin1="Kandahar"),
    )
    at.file_uploader(key="claims_upload").upload("two-countries.csv", export, "text/csv")
    at.run()
    picks = {"'Central' in Afghanistan is": "AF-KAB", "'Central' in Pakistan is": "PK-IS"}
    picks["'Sindhh' in Pakistan is"] = "PK-SD"
    picks["'Kandahar' in Pakistan is"] = "PK-BA"
    for box in at.selectbox:
        if box.label in picks:
            box.set_value(picks[box.label])
    at.run()
    at.button(key="apply_country_fixes").click().run()
    next(t for t in at.text_input if t.label == "Name").input("Two countries fixed")
    next(b for b in at.button if b.label == "Save dataset").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = store.open_store(own_store).load("two-countries-fixed")
    provinces = sorted(saved.claims["province"].astype(str))
    assert provinces == ["AF-KAB", "PK-BA", "PK-IS", "PK-SD"]
    # A spelling fixed in one country is kept; one fixed differently in two is not, as the
    # dataset's one list of spellings would give it to one of them only; nor is one that
    # is another unit's name there (kept, Kandahar would no longer be Kandahar).
    assert saved.places.match("Sindhh").code == "PK-SD"
    assert saved.places.match("Central").code is None
    assert saved.places.match("Kandahar").code == "AF-KAN"
