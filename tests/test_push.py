"""dashboard.push: each data layer also goes straight to the frame listening for its session."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from websockets.sync.client import connect

from dashboard import push


def test_each_session_has_one_token_and_numbers_its_layers() -> None:
    session: dict = {}
    token, first = push.next_layer(session)
    again, second = push.next_layer(session)
    other, _ = push.next_layer({})
    assert again == token and len(token) >= 24 and other != token
    assert (first, second) == (1, 2)


@pytest.fixture
def server() -> Iterator[str]:
    """The push routes on a real server (uvicorn, as under ``streamlit run``)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(Starlette(routes=push.routes()), port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"ws://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(10)


def wait_until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_a_layer_reaches_the_frame_listening_as_its_token_and_no_other(server: str) -> None:
    with (
        connect(f"{server}{push.ROUTE}/mine") as mine,
        connect(f"{server}/some/base{push.ROUTE}/theirs") as theirs,
    ):
        assert wait_until(lambda: push.listening("mine") and push.listening("theirs"))
        push.send("mine", "layer 1")
        push.send("nobody", "lost")  # no frame listens: nothing happens
        push.send("theirs", "layer 2")
        assert mine.recv(timeout=5) == "layer 1"
        assert theirs.recv(timeout=5) == "layer 2"
    # Frames that went away are forgotten; sending to them is harmless.
    assert wait_until(lambda: not push.listening("mine") and not push.listening("theirs"))
    push.send("mine", "after")
