"""What an app process holds per session, written every few seconds (``bench.soak --introspect``).

RSS alone cannot tell memory Python keeps for reuse from sessions never let go. So, for a
diagnostic run, the soak starts the app processes with a ``sitecustomize`` that calls
:func:`start`: a thread that waits for Streamlit's runtime, then appends to
``$CLAIMS_SOAK_INTROSPECT/<pid>.jsonl`` the sessions Streamlit has (connected, and kept
for a reconnect) and what it holds for sessions (media files and their session references,
deferred download callables, uploaded files), including what it still holds for sessions
it no longer knows: those were dropped without being shut down, and nothing frees that.

It reads Streamlit's private state, best effort: a figure it cannot read is left out.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ENV = "CLAIMS_SOAK_INTROSPECT"
INTERVAL_S = 5.0


def snapshot() -> dict[str, Any]:
    """The session figures of this process's Streamlit runtime, as far as they can be read."""
    from streamlit import runtime

    out: dict[str, Any] = {"t": time.time()}
    if not runtime.exists():
        return out
    rt = runtime.get_instance()
    manager = rt._session_mgr
    known: set[str] = set()
    with contextlib.suppress(Exception):
        connected = {info.session.id for info in manager.list_active_sessions()}
        # Read raw, so that this never reaps an expired session itself.
        kept = set(manager._session_storage._cache._data)
        out["sessions_connected"] = len(connected)
        out["sessions_kept_for_reconnect"] = len(kept)
        known = connected | kept
    media = rt.media_file_mgr
    with contextlib.suppress(Exception):
        referencing = set(media._files_by_session_and_coord)
        out["media_files"] = len(media._file_metadata)
        out["media_sessions_referencing"] = len(referencing)
        out["deferred_downloads"] = len(media._deferred_callables)
        out["media_refs_of_gone_sessions"] = len(referencing - known)
    with contextlib.suppress(Exception):
        uploads = rt.uploaded_file_mgr.file_storage
        out["uploaded_files"] = sum(len(files) for files in uploads.values())
        out["uploaded_bytes"] = sum(
            len(f.data) for files in uploads.values() for f in files.values()
        )
        gone = [sid for sid in uploads if sid not in known]
        out["uploads_of_gone_sessions"] = sum(len(uploads[sid]) for sid in gone)
    return out


def _loop(folder: Path) -> None:
    path = folder / f"{os.getpid()}.jsonl"
    while True:
        time.sleep(INTERVAL_S)
        if "streamlit.runtime" not in sys.modules:
            continue  # not a Streamlit process (yet)
        try:
            line = json.dumps(snapshot())
        except Exception as error:  # a diagnostic must never take the app down
            line = json.dumps({"t": time.time(), "error": repr(error)})
        with path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


def start() -> None:
    """From a ``sitecustomize``: sample in the background if ``$CLAIMS_SOAK_INTROSPECT`` is set."""
    folder = os.environ.get(ENV)
    if folder:
        threading.Thread(
            target=_loop, args=(Path(folder),), name="soak-introspect", daemon=True
        ).start()


def read(folder: Path) -> dict[int, list[dict[str, Any]]]:
    """Every sample written to ``folder``, by process id."""
    found: dict[int, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                rows.append(json.loads(line))
        found[int(path.stem)] = rows
    return found
