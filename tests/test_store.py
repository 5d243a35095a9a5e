"""The store, against SQLite and a real PostgreSQL server (``store_url`` runs each test on both)."""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import store
from geo.dataset import Dataset, combine, load_dataset
from geo.model.claims import validate_claims
from geo.paths import DATA_DIR
from geo.reading.boundary_upload import prepare_boundaries
from store import core, schema
from store.engine import current_revision, head_revision, make_engine, migrate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def builtin() -> Dataset:
    return load_dataset(DATA_DIR)


def _user_dataset(builtin: Dataset, *, boundaries: bool = False, n: int = 3) -> Dataset:
    """A session's upload: ``n`` claims of its own (with a misspelt province fixed by alias)."""

    def cycle(*values: str) -> list[str]:
        return [values[i % len(values)] for i in range(n)]

    rows = pd.DataFrame(
        {
            "claim_id": [f"U{i}" for i in range(n)],
            "claimant": cycle("Analyst <b>desk</b>"),
            "actor": cycle("NRF", "Taliban", "جبهه مقاومت ملی"),
            "claim_type": cycle("presence"),
            "province": cycle("Pnjshr", "AF-BAL" if boundaries else "Kapisa", ""),
            "place": cycle("", "Tagab", ""),
            "location_precision": cycle("", "near", "region"),
            "date_start": cycle("2022-09-01"),
            "date_end": cycle("", "2022-09-30", ""),
            "date_precision": cycle("day"),
            "status": cycle("claimed"),
            "source_id": cycle("cnn-2022-08-30-bergen-nazary"),
            "locator": cycle("para 3"),
            "quote": cycle("", "=1+1", ""),
            "summary": cycle("A test claim."),
        }
    )
    aliases = {"Pnjshr": "AF-PAN"}
    places = builtin.places.with_aliases(aliases)
    if boundaries:
        five = ["AF-PAN", "AF-BAL", "AF-KAP", "AF-BDS", "AF-TAK"]
        layer = builtin.boundaries[builtin.boundaries["code"].isin(five)].copy()
        uploaded = prepare_boundaries(layer, "five.geojson", "code", "name")
        places = uploaded.places.with_aliases(aliases)
    load = validate_claims(rows, places=places, source_ids=set(builtin.sources["source_id"]))
    assert not load.errors, load.errors
    return combine(
        builtin,
        claims=load,
        sources=builtin.sources.iloc[0:0],
        mode="replace",
        label="your data",
        places=places if boundaries else None,
        boundaries=uploaded.boundaries if boundaries else None,
        boundary_credit="Test credit" if boundaries else None,
    )


def _same_data(a: Dataset, b: Dataset, aliases: dict[str, str] | None = None) -> None:
    """``a`` (read back from the store) is ``b``; its places also know ``aliases``."""
    b = replace(b, places=b.places.with_aliases(aliases or {}))
    pd.testing.assert_frame_equal(a.claims, b.claims)
    pd.testing.assert_frame_equal(
        a.sources.reset_index(drop=True).astype(str), b.sources.reset_index(drop=True).astype(str)
    )
    assert a.places.codes == b.places.codes
    assert [a.places.place(c) for c in a.places.codes] == [
        b.places.place(c) for c in b.places.codes
    ]
    assert list(a.boundaries["code"]) == list(b.boundaries["code"])
    assert a.geojson == b.geojson
    assert a.problems == b.problems


def test_the_migrations_build_exactly_the_schema_the_code_uses(store_url: str) -> None:
    engine = make_engine(store_url)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), schema.metadata
        )
    assert diff == []
    assert current_revision(engine) == head_revision() == store.engine.HEAD


def test_first_start_fills_the_store_from_the_data_folder_without_writing_it(
    store_url: str, builtin: Dataset
) -> None:
    before = {p.name: p.read_bytes() for p in DATA_DIR.iterdir() if p.is_file()}
    s = store.open_store(store_url)
    info = s.sync_builtin(DATA_DIR)
    assert (info.slug, info.kind, info.claim_count) == ("builtin", "builtin", len(builtin.claims))
    loaded = s.load("builtin")
    _same_data(loaded, builtin)
    assert loaded.label == builtin.label
    assert {p.name: p.read_bytes() for p in DATA_DIR.iterdir() if p.is_file()} == before


def test_the_builtin_copy_is_refreshed_only_when_a_data_file_changes(
    store_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    s = store.open_store(store_url)
    first = s.sync_builtin(folder)
    version = s.version()
    assert s.sync_builtin(folder) == first
    assert s.version() == version  # nothing read, nothing written

    claims = folder / "claims.csv"
    text = claims.read_text(encoding="utf-8")
    last = text.strip().splitlines()[-1]
    claims.write_text(text + last.replace(last.split(",")[0], "C999", 1) + "\n", encoding="utf-8")
    second = s.sync_builtin(folder)
    assert second.revision == first.revision + 1
    assert second.claim_count == first.claim_count + 1
    assert s.version() > version
    assert "C999" in set(s.load("builtin").claims["claim_id"])


@pytest.mark.parametrize("boundaries", [False, True], ids=["built-in map", "own boundaries"])
def test_a_saved_upload_comes_back_as_it_was_saved(
    store_url: str, builtin: Dataset, boundaries: bool
) -> None:
    s = store.open_store(store_url)
    s.sync_builtin(DATA_DIR)
    data = _user_dataset(builtin, boundaries=boundaries)
    info = s.save(
        data,
        name="NRF claims, Sept. 2022",
        description="three test claims",
        saved_by="tester",
        aliases={"Pnjshr": "AF-PAN"},
    )
    assert (info.slug, info.claim_count, info.kind) == ("nrf-claims-sept-2022", 3, "saved")
    assert [d.slug for d in s.datasets()] == ["builtin", "nrf-claims-sept-2022"]
    loaded = s.load(info.slug)
    _same_data(loaded, data, {"Pnjshr": "AF-PAN"})
    assert loaded.label == "NRF claims, Sept. 2022"
    assert loaded.places.match("Pnjshr").code == "AF-PAN"  # the accepted alias is kept
    assert loaded.boundary_credit == data.boundary_credit
    # Any process can serve the map's boundaries by the hash of their text.
    sha = hashlib.sha256(data.geojson.encode()).hexdigest()
    assert s.boundary_geojson(sha) == data.geojson
    assert s.boundary_geojson("0" * 64) is None


def test_a_dataset_of_two_countries_sharing_a_name_comes_back(
    store_url: str, builtin: Dataset
) -> None:
    # India's and Pakistan's units are both called Punjab: in the two countries' one
    # registry that spelling names neither, and read back it must be the same (it raised,
    # and the dataset could never be opened again).
    from geo.dataset import on_region
    from geo.reading.upload import load_upload
    from tests.test_acled import event
    from tests.test_acled_countries import _csv

    export = _csv(
        event(1, country="India", iso="356", admin1="Punjab"),
        event(2, country="Pakistan", iso="586", admin1="Punjab"),
    )
    read = load_upload(
        "subcontinent.csv",
        export,
        places=builtin.places,
        source_ids=set(),
        built_in_countries=True,
    )
    assert read.errors == [] and read.region is not None
    data = on_region(builtin, read.region, claims=read.load, sources=read.sources, label="x")
    s = store.open_store(store_url)
    info = s.save(data, name="Subcontinent", description="", saved_by="")
    loaded = s.load(info.slug)
    assert sorted(loaded.claims["province"].astype(str)) == ["IN-PB", "PK-PB"]
    assert loaded.places.match("Punjab").code is None
    assert loaded.places.match("Khyber Pakhtunkhwa").code == "PK-KP"
    assert set(loaded.places.codes) == set(data.places.codes)


def test_a_taken_name_is_refused_and_nothing_is_written(store_url: str, builtin: Dataset) -> None:
    s = store.open_store(store_url)
    data = _user_dataset(builtin)
    s.save(data, name="Team set")
    version = s.version()
    with pytest.raises(store.SaveRefused, match="already exists; choose another name"):
        s.save(data, name="  Team   set ")
    assert s.version() == version
    assert [d.name for d in s.datasets()] == ["Team set"]


def test_names_that_make_the_same_link_get_distinct_links(store_url: str, builtin: Dataset) -> None:
    s = store.open_store(store_url)
    data = _user_dataset(builtin)
    assert s.save(data, name="Test!").slug == "test"
    assert s.save(data, name="test?").slug == "test-2"
    assert s.save(data, name="جبهه").slug == "dataset"
    with pytest.raises(store.SaveRefused, match="built-in"):
        s.save(data, name="Builtin")


def test_a_claim_the_loader_would_reject_is_never_stored(store_url: str, builtin: Dataset) -> None:
    s = store.open_store(store_url)
    data = _user_dataset(builtin)
    claims = data.claims.copy()
    claims["status"] = claims["status"].cat.add_categories(["confirmed"])
    claims.loc[1, "status"] = "confirmed"
    with pytest.raises(store.SaveRefused, match=r"1 claims would be rejected.*row 3.*status"):
        s.save(replace(data, claims=claims), name="bad")
    assert s.datasets() == []
    assert s.version() == 0


def test_a_save_that_fails_half_way_leaves_nothing(store_url: str, builtin: Dataset) -> None:
    s = store.open_store(store_url)
    s.sync_builtin(DATA_DIR)
    n = store.core.BATCH_ROWS + 10
    data = _user_dataset(builtin, n=n)
    calls = []

    def progress(done: float) -> None:
        calls.append(done)
        if len(calls) == 1:  # after the first batch of claims is written
            raise RuntimeError("the connection dropped")

    with pytest.raises(RuntimeError, match="dropped"):
        s.save(data, name="half", progress=progress)
    assert [d.slug for d in s.datasets()] == ["builtin"]
    with s.engine.connect() as conn:
        counted = conn.scalar(sa.select(sa.func.count()).select_from(schema.claims))
    assert counted == len(builtin.claims)
    # The same save, unhindered, lands whole, in order.
    info = s.save(data, name="half")
    assert list(s.load(info.slug).claims["claim_id"]) == [f"U{i}" for i in range(n)]


def test_two_users_saving_at_once_both_keep_their_dataset_or_get_a_refusal(
    store_url: str, builtin: Dataset
) -> None:
    s = store.open_store(store_url)
    data = _user_dataset(builtin, n=300)
    outcomes: list[object] = []
    barrier = threading.Barrier(4)

    def save(name: str) -> None:
        barrier.wait()
        try:
            outcomes.append(s.save(data, name=name).name)
        except store.SaveRefused as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=save, args=(n,)) for n in ("A", "B", "same", "same")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    names = sorted(o for o in outcomes if o in ("A", "B", "same"))
    assert names == ["A", "B", "same"]
    assert [o for o in outcomes if o not in names] == [
        "a dataset named 'same' already exists; choose another name"
    ]
    assert sorted(d.name for d in s.datasets()) == ["A", "B", "same"]
    assert all(d.claim_count == 300 for d in s.datasets())


def test_every_write_raises_the_version_other_processes_poll(
    store_url: str, builtin: Dataset
) -> None:
    s = store.open_store(store_url)
    other = store.open_store(store_url)  # another app process's engine
    seen = other.version()
    info = s.save(_user_dataset(builtin), name="x")
    assert other.version() > seen
    assert other.find("x") == info
    seen = other.version()
    assert s.delete("x") is True
    assert other.version() > seen
    assert other.find("x") is None
    with pytest.raises(KeyError):
        other.load("x")


def _downgrade(engine: sa.Engine, revision: str) -> None:
    """Take the schema back to ``revision``, as an older app would have left it."""
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(store.engine._alembic_config(conn), revision)


def test_a_store_made_by_the_first_schema_is_upgraded_with_its_rows(
    store_url: str, builtin: Dataset
) -> None:
    engine = make_engine(store_url)
    migrate(engine)
    info = store.Store(engine).save(_user_dataset(builtin), name="kept")
    _downgrade(engine, "0001")  # the rows as the first schema held them
    assert current_revision(engine) == "0001"
    store.open_store(store_url)  # what the next app start does
    assert current_revision(engine) == head_revision()
    # The first schema had no location precision: its claims come back with the default.
    expected = _user_dataset(builtin)
    claims = expected.claims.assign(location_precision="place")
    claims["location_precision"] = claims["location_precision"].astype("string").astype("category")
    _same_data(store.open_store(store_url).load(info.slug), replace(expected, claims=claims))


def test_location_precision_is_stored_and_read_back(store_url: str, builtin: Dataset) -> None:
    mine = _user_dataset(builtin)
    assert mine.claims["location_precision"].astype(str).tolist() == ["place", "near", "region"]
    s = store.open_store(store_url)
    s.save(mine, name="precise")
    _same_data(s.load("precise"), mine)


def test_an_unreachable_server_gives_a_message_that_says_what_and_how(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket closes
    url = f"postgresql+psycopg://claims:secret@127.0.0.1:{port}/claims"
    with pytest.raises(store.StoreError) as caught:
        store.open_store(url)
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    assert "secret" not in message
    assert "CLAIMS_MAP_DATABASE_URL" in message


def test_an_unknown_kind_of_database_is_refused_with_the_ones_that_work() -> None:
    with pytest.raises(store.StoreError, match=r"sqlite:///.*postgresql\+psycopg://"):
        store.open_store("mysql://x@localhost/db")


def test_a_migration_that_rebuilds_a_parent_table_on_sqlite_keeps_its_children(
    tmp_path: Path, builtin: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite alters a table by copying it; with foreign keys on, dropping the old
    # "datasets" would cascade-delete every claim. migrate() turns them off meanwhile.
    from alembic.operations import Operations

    url = f"sqlite:///{tmp_path / 'claims.db'}"
    s = store.open_store(url)
    s.sync_builtin(DATA_DIR)

    def rebuild_datasets(config, revision: str) -> None:
        conn = config.attributes["connection"]
        context = MigrationContext.configure(conn, opts={"render_as_batch": True})
        with Operations(context).batch_alter_table("datasets") as batch:
            batch.alter_column("description", existing_type=sa.Text, nullable=True)

    monkeypatch.setattr("alembic.command.upgrade", rebuild_datasets)
    monkeypatch.setattr("store.engine._at_head", lambda engine: False)
    migrate(s.engine)
    assert len(s.load("builtin").claims) == len(builtin.claims)


def test_a_store_made_by_a_newer_app_is_refused_with_what_to_do(store_url: str) -> None:
    s = store.open_store(store_url)
    with s.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(store.StoreError, match="made by a newer version: upgrade the app"):
        store.open_store(store_url)


def test_the_same_polygons_with_another_credit_or_places_keep_their_own(
    store_url: str, builtin: Dataset, tmp_path: Path
) -> None:
    s = store.open_store(store_url)
    mine = _user_dataset(builtin, boundaries=True)
    theirs = replace(mine, boundary_meta={"credit": "Another credit"})
    s.save(mine, name="mine")
    s.save(theirs, name="theirs")
    assert s.load("mine").boundary_credit == "Test credit"
    assert s.load("theirs").boundary_credit == "Another credit"

    # The built-in copy follows a change to the credit or to a province's spellings.
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    meta = folder / "provinces.geojson.meta.json"
    meta.write_text(meta.read_text().replace('"credit": "Natural Earth"', '"credit": "NE v2"'))
    provinces = folder / "provinces.csv"
    provinces.write_text(provinces.read_text().replace("Panjsher;", "Panjsher;Panjshir Valley;"))
    s.sync_builtin(folder)
    refreshed = s.load("builtin")
    assert refreshed.boundary_credit == "NE v2"
    assert refreshed.places.match("Panjshir Valley").code == "AF-PAN"


@pytest.mark.parametrize(
    "text",
    [
        'a "quoted" word, a comma',
        "two\nlines\r\nand a CRLF",
        r"\N",  # PostgreSQL's own NULL marker in its text format
        "back\\slash\ttab",
        "NULL",
        "  spaced  ",
        "ولایت پنجشیر",
    ],
)
def test_claims_read_back_through_copy_keep_every_character(
    store_url: str, builtin: Dataset, text: str
) -> None:
    # On PostgreSQL the claims come back as CSV through COPY (store/core.py): quoting,
    # line ends and NULL against empty text must survive it, across its chunk borders.
    mine = _user_dataset(builtin, n=core.BATCH_ROWS + 7)
    claims = mine.claims.copy()
    for column in ("summary", "locator"):
        claims[column] = pd.array([f"{text} {i}" for i in range(len(claims))], dtype="string")
    claims["claimant"] = pd.Categorical(
        [text] * len(claims), categories=pd.Index([text], dtype="string")
    )
    mine = replace(mine, claims=claims)
    s = store.open_store(store_url)
    s.save(mine, name="odd text")
    loaded = s.load("odd-text")
    pd.testing.assert_frame_equal(loaded.claims, mine.claims)
    assert loaded.claims["province"].isna().sum() == (len(claims) + 2) // 3
