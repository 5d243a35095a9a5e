"""Property-based tests of saving an uploaded dataset into the store, on SQLite and PostgreSQL.

A generated claims table goes the whole way a user's does: read and checked by
``load_upload``, combined with the built-in data as the Your data page does, saved under a
generated name, description and "saved by". The save either lands whole, and reads back
exactly as it was saved, or is refused with :class:`store.SaveRefused` and leaves nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import store
from geo.dataset import Dataset, combine, load_dataset
from geo.model.claims import COLUMNS
from geo.paths import DATA_DIR
from tests.fuzzcheck import check_claims_upload
from tests.test_fuzz_uploads import AWKWARD, Table, csv_files, tables, xlsx_file

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_names = itertools.count()
GOOD = Table(
    list(COLUMNS),
    [
        [
            "C1", "NRF", "NRF", "presence", "Panjshir", "", "2022-09-01", "", "day",
            "claimed", "cnn-2022-08-30-bergen-nazary", "para 3", "", "A claim.",
        ]
    ],
)  # fmt: skip


@pytest.fixture(scope="module")
def builtin() -> Dataset:
    return load_dataset(DATA_DIR)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def saving_store(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[store.Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz-store') / 'claims.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database("claims_fuzz")
    opened = store.open_store(url)
    yield opened
    opened.engine.dispose()


text_field = st.one_of(st.sampled_from(AWKWARD), st.text(max_size=40))


@given(
    table=tables(),
    data=st.data(),
    name=text_field,
    description=text_field,
    saved_by=text_field,
)
@example(table=GOOD, data=None, name="a\x00b", description="", saved_by="")
@example(table=GOOD, data=None, name="x", description="\x00", saved_by="\x1b[31m")
def test_a_saved_upload_lands_whole_or_is_refused(
    saving_store: store.Store,
    builtin: Dataset,
    table: Table,
    data: st.DataObject | None,
    name: str,
    description: str,
    saved_by: str,
) -> None:
    workbook = data is not None and data.draw(st.booleans())
    content = xlsx_file(table) if workbook or data is None else data.draw(csv_files(table)).content
    result = check_claims_upload("upload.xlsx" if workbook else "upload.csv", content)
    if result is None:
        return
    mode = "replace" if data is None else data.draw(st.sampled_from(["replace", "add"]))
    dataset = combine(
        builtin,
        claims=result.load,
        sources=result.sources,
        mode=mode,
        label="your data",
        problems=result.problems if mode == "replace" else None,
    )
    unique = f"{name} {next(_names)}" if name.strip() else name
    before = {d.slug for d in saving_store.datasets()}
    try:
        info = saving_store.save(dataset, name=unique, description=description, saved_by=saved_by)
    except store.SaveRefused as error:
        assert str(error).strip()
        assert {d.slug for d in saving_store.datasets()} == before, "a refused save wrote"
        return
    back = saving_store.load(info.slug)
    assert info.claim_count == len(dataset.claims)
    pd.testing.assert_frame_equal(back.claims, dataset.claims)
    assert list(back.sources["source_id"]) == list(dataset.sources["source_id"])
    assert back.problems == dataset.problems
    saving_store.delete(info.slug)
