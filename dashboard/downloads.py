"""Deferred downloads that outlive other sessions' reruns (a race in Streamlit 1.67).

The exports (dashboard/exports.py) and the Your data page's rejected rows are download
buttons given a callable: Streamlit makes the file only when the button is clicked
(``MediaFileManager.execute_deferred``) and answers with its ``/media/`` URL, which the
browser then fetches. Streamlit stores that file referenced by no session, though, and
every script run of any session ends by sweeping unreferenced files: the first sweep marks
a download file, the next one deletes it. So on a server where other sessions are
rerunning, the file is often gone before the browser asks for it (404; Chromium reports
the download as failed): with 20 sessions on one process, 40 % of export downloads failed
(bench/SOAK.md). Alone on a server, a user never sees it: the sweeps come from their own
later reruns.

:func:`apply` (called by app.py's server branch at start-up) makes a file made for a
download button referenced by the session whose button it is, as the file of a button
given its data up front is: it lives until that session's next run (or its end), then
goes by the same two sweeps. Another click on the same button replaces it, so a session
holds at most one made file per button.

It reaches into the media file manager's private state: requirements.txt pins Streamlit,
and tests/test_downloads.py fails if an upgrade changes what this relies on (or fixes the
race: then this module can go).
"""

from __future__ import annotations

import functools
import logging
import posixpath
from collections.abc import Callable
from typing import Any

_LOGGER = logging.getLogger(__name__)
_MARK = "_claims_map_keeps_made_downloads"


def _keep_made_file(manager: Any, placeholder: str, url: str) -> None:
    """Reference the file at ``url`` from the session of the deferred button
    ``placeholder``, at that button's place (so that a newer file replaces it)."""
    from streamlit.runtime.media_file_manager import MediaFileMetadata
    from streamlit.runtime.media_file_storage import MediaFileKind

    made = posixpath.splitext(posixpath.basename(url))[0]
    with manager._lock:
        entry = manager._deferred_callables.get(placeholder)
        if entry is None or made not in manager._file_metadata:
            return  # its button was redrawn meanwhile, or the file is already gone
        # A sweep between making the file and this may have marked it for deletion.
        manager._file_metadata[made] = MediaFileMetadata(kind=MediaFileKind.DOWNLOADABLE)
        session_files = manager._files_by_session_and_coord[entry["session_id"]]
        session_files[f"{entry['coordinates']}:made"] = made


def apply() -> None:
    """Keep each file made for a deferred download button until its session's next run."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    original: Callable[[Any, str], str] = MediaFileManager.execute_deferred
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def execute_deferred(self: Any, file_id: str) -> str:
        url = original(self, file_id)
        try:
            _keep_made_file(self, file_id, url)
        except (AttributeError, KeyError, TypeError):
            # Streamlit changed inside: the download still works as Streamlit alone does.
            _LOGGER.warning("cannot keep the file made for a download", exc_info=True)
        return url

    setattr(execute_deferred, _MARK, True)
    MediaFileManager.execute_deferred = execute_deferred  # type: ignore[method-assign]
