"""A session holds a bounded number of uploaded files (dashboard/upload_cap.py), on a real
server, with files sent straight to Streamlit's upload endpoint as a script could."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from websockets.sync.client import connect

from dashboard import upload_cap, upload_limit
from tests.test_upload_limit import MB, run_page, streamlit_run


def test_a_session_cannot_hold_more_than_its_share_of_uploads() -> None:
    assert upload_cap.MAX_UPLOADS == 4 and upload_cap.MAX_FILES == 8  # as counted below
    flags = ("--server.enableXsrfProtection", "false")  # no browser here to carry its token
    with (
        streamlit_run(*flags, env={upload_limit.ENV: "1"}) as address,
        connect(f"ws://{address}/_stcore/stream", max_size=None) as first,
        connect(f"ws://{address}/_stcore/stream", max_size=None) as second,
        connect(f"ws://{address}/_stcore/stream", max_size=None) as third,
    ):
        one, _ = run_page(first, "")
        two, _ = run_page(second, "")
        assert one and two and one != two

        def put(session: str, file_id: str, size: int) -> requests.Response:
            url = f"http://{address}/_stcore/upload_file/{session}/{file_id}"
            files = {"file": ("claims.csv", b"x" * size, "text/csv")}
            return requests.put(url, files=files, timeout=60)

        def delete(session: str, file_id: str) -> int:
            url = f"http://{address}/_stcore/upload_file/{session}/{file_id}"
            return requests.delete(url, timeout=60).status_code

        near_limit = MB - 1024
        # Four files of nearly 1 MB stay under four limits, so a fifth is taken; then none.
        assert [put(one, f"f{i}", near_limit).status_code for i in range(5)] == [204] * 5
        refused = put(one, "f5", 10)
        assert refused.status_code == 413
        assert "already holds 5 uploaded files" in refused.json()["detail"]
        assert "remove a file" in refused.json()["detail"]
        # A file sent again under its own id replaces itself; it adds nothing.
        assert put(one, "f1", near_limit).status_code == 204
        # Another session is not held back by this one.
        assert put(two, "g0", near_limit).status_code == 204
        # Once the page deletes a file (an uploader's remove button), there is room again.
        assert delete(one, "f0") == 204
        assert put(one, "f5", near_limit).status_code == 204
        assert put(one, "f6", 10).status_code == 413

        # Small files: at most eight per session.
        small = [put(two, f"s{i}", 10).status_code for i in range(8)]
        assert small == [204] * 7 + [413]  # g0 and seven small ones

        # Sent all at once, uploads still count each other: each is reserved on arrival
        # (before, a dozen near-limit files in flight together were all taken).
        three, _ = run_page(third, "")
        with ThreadPoolExecutor(max_workers=12) as pool:
            sent = pool.map(lambda i: put(three, f"p{i}", near_limit).status_code, range(12))
            codes = list(sent)
        assert sorted(codes) == [204] * 5 + [413] * 7, codes


def test_at_most_two_uploads_are_read_at_once_and_the_next_is_told_to_wait() -> None:
    assert upload_cap.READERS == 2
    release = threading.Event()
    entered: list[str] = []
    told: list[str] = []

    def read(name: str) -> None:
        with upload_cap.reading_turn(lambda: told.append(name)):
            entered.append(name)
            release.wait(30)

    first = [threading.Thread(target=read, args=(n,)) for n in ("a", "b")]
    for t in first:
        t.start()
    deadline = time.monotonic() + 10
    while len(entered) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    third = threading.Thread(target=read, args=("c",))
    third.start()
    third.join(0.5)
    assert sorted(entered) == ["a", "b"] and told == ["c"]  # waiting, and told so
    release.set()
    for t in [*first, third]:
        t.join(30)
    assert sorted(entered) == ["a", "b", "c"] and told == ["c"]
