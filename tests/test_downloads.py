"""Files made for deferred download buttons wait for the browser (dashboard/downloads.py).

Streamlit 1.67 deletes such a file after any two script runs end, in any session; with
other people using the server it was often gone before the browser fetched it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from dashboard import downloads

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def manager() -> Iterator[tuple[MediaFileManager, MemoryMediaFileStorage]]:
    downloads.apply()
    storage = MemoryMediaFileStorage("/media")
    yield MediaFileManager(storage), storage


def _exists(storage: MemoryMediaFileStorage, url: str) -> bool:
    try:
        storage.get_file(url.rsplit("/", 1)[-1])
    except MediaFileStorageError:
        return False
    return True


def _click(manager: MediaFileManager, run: Callable[..., str] | None = None) -> str:
    """A deferred button drawn by a session's run, then clicked: the file's URL."""
    placeholder = manager.add_deferred(lambda: b"claim_id\nC1\n", "text/csv", "1.2.0", "c.csv")
    execute: Any = run or manager.execute_deferred
    return execute(manager, placeholder) if run else execute(placeholder)


def test_without_it_streamlit_deletes_the_file_after_any_two_runs(
    manager: tuple[MediaFileManager, MemoryMediaFileStorage],
) -> None:
    # If this fails, Streamlit has fixed the race and dashboard/downloads.py can go.
    mgr, storage = manager
    streamlits_own = MediaFileManager.execute_deferred.__wrapped__  # type: ignore[attr-defined]
    url = _click(mgr, streamlits_own)
    mgr.remove_orphaned_files()  # another session's run ends
    assert _exists(storage, url)
    mgr.remove_orphaned_files()  # and another's
    assert not _exists(storage, url)


def test_the_file_waits_for_its_own_sessions_next_run_and_then_goes(
    manager: tuple[MediaFileManager, MemoryMediaFileStorage],
) -> None:
    mgr, storage = manager
    url = _click(mgr)
    for _ in range(5):  # other sessions' runs
        mgr.remove_orphaned_files()
    assert _exists(storage, url)
    # Its session reruns (or ends): the file goes by the usual two sweeps.
    mgr.clear_session_refs()
    mgr.remove_orphaned_files()
    mgr.remove_orphaned_files()
    assert not _exists(storage, url)


def test_clicking_again_replaces_the_files_the_session_holds(
    manager: tuple[MediaFileManager, MemoryMediaFileStorage],
) -> None:
    mgr, storage = manager
    placeholder = mgr.add_deferred(lambda: b"first", "text/csv", "1.2.0", "c.csv")
    first = mgr.execute_deferred(placeholder)
    mgr._deferred_callables[placeholder]["callable"] = lambda: b"second"
    second = mgr.execute_deferred(placeholder)
    assert first != second
    for _ in range(2):
        mgr.remove_orphaned_files()
    assert _exists(storage, second) and not _exists(storage, first)


def test_apply_twice_wraps_once() -> None:
    downloads.apply()
    wrapped = MediaFileManager.execute_deferred
    downloads.apply()
    assert MediaFileManager.execute_deferred is wrapped


def test_a_real_server_serves_an_export_after_other_sessions_reran(tmp_path: Path) -> None:
    from bench.browser import app_server
    from bench.stclient import Session

    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    with app_server("ours", data, tmp_path / "app.log") as server:
        clicking, other = Session(server.url), Session(server.url)
        try:
            for session in (clicking, other):
                session.connect()
                session.rerun(new_page=True)
            exports = clicking.last.widget("expandable", "Download or share")
            clicking.set_value(exports, "bool_value", True)
            button = clicking.rerun().widget("download_button", "Claims CSV")
            url = clicking.deferred_url(button)
            other.rerun()
            other.rerun()
            assert clicking.download(url).startswith(b"\xef\xbb\xbf# ")
        finally:
            clicking.close()
            other.close()
