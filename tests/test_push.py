"""dashboard.push: each data layer also goes straight to the frame listening for its session."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from starlette.applications import Starlette
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from dashboard import push


def test_a_session_numbers_its_layers_and_only_new_ones() -> None:
    session: dict = {}
    token, first, new = push.next_layer(session, "layer A")
    assert new and first == 1 and len(token) >= 24
    assert push.next_layer(session, "layer A") == (token, 1, False)  # a rerun, same map
    assert push.next_layer(session, "layer B") == (token, 2, True)
    assert push.next_layer(session, "layer A") == (token, 3, True)
    assert push.next_layer({}, "layer A")[0] != token


@pytest.fixture
def server() -> Iterator[str]:
    """The push routes on uvicorn, with the websocket implementation Streamlit uses."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        Starlette(routes=push.routes()), ws="websockets-sansio", log_level="warning"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert wait_until(lambda: running.started), "the test server did not start"
    yield f"ws://127.0.0.1:{port}"  # the layer route: the same with http://
    running.should_exit = True
    thread.join(10)
    sock.close()


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


@contextmanager
def listen(url: str, token: str) -> Iterator[ClientConnection]:
    before = push._listeners.get(token)
    with connect(url) as frame:
        frame.send(token)  # a frame names its session in its first message
        assert wait_until(lambda: push._listeners.get(token) not in (None, before))
        yield frame


def silent(frame: ClientConnection) -> bool:
    try:
        frame.recv(timeout=0.3)
    except TimeoutError:
        return True
    return False


def test_a_layer_reaches_the_frame_of_its_session_and_no_other(server: str) -> None:
    with (
        listen(f"{server}{push.ROUTE}", "mine") as mine,
        listen(f"{server}/some/base{push.ROUTE}", "theirs") as theirs,
    ):
        push.send({}, "mine", "layer 1")
        push.send({}, "nobody", "lost")  # no frame listens: nothing happens
        assert mine.recv(timeout=5) == "layer 1"
        assert silent(theirs) and silent(mine)
        # A newer frame of the same session (presenter mode draws a new one) takes over.
        with listen(f"{server}{push.ROUTE}", "theirs") as newer:
            push.send({}, "theirs", "layer 2")
            assert newer.recv(timeout=5) == "layer 2"
            assert silent(theirs)
    # Frames that went away are forgotten; sending to them is harmless.
    assert wait_until(lambda: not push.listening("mine") and not push.listening("theirs"))
    push.send({}, "mine", "after")


def test_a_run_waits_briefly_for_the_frame_to_say_it_painted(server: str) -> None:
    assert push.wait_painted("nobody", 1, timeout=5) is False  # no frame here: no wait
    with listen(f"{server}{push.ROUTE}", "painter") as frame:
        push.send({}, "painter", "layer 1")
        assert frame.recv(timeout=5) == "layer 1"
        frame.send("painted 1")
        assert push.wait_painted("painter", 1, timeout=5) is True
        # Heard while the run waits.
        threading.Timer(0.1, frame.send, ["painted 2"]).start()
        assert push.wait_painted("painter", 2, timeout=5) is True
        # A layer the frame has not painted: the run goes on once the wait is up.
        started = time.monotonic()
        assert push.wait_painted("painter", 3, timeout=0.2) is False
        assert time.monotonic() - started >= 0.2
        # A frame that did not answer in time (a hidden tab's) is not waited for again...
        started = time.monotonic()
        assert push.wait_painted("painter", 4, timeout=5) is False
        assert time.monotonic() - started < 1
        # ...until it speaks again.
        frame.send("painted 4")
        assert wait_until(lambda: push._listeners["painter"].answering)
        threading.Timer(0.1, frame.send, ["painted 5"]).start()
        assert push.wait_painted("painter", 5, timeout=5) is True
        assert push.listening("painter")


def test_a_listener_from_before_a_reload_is_not_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The socket's route keeps the code the server started with; after this module is
    # reloaded on a running server, its listeners may be of an older class.
    class Older:
        def offer(self, message: str) -> None:
            pass

    monkeypatch.setitem(push._listeners, "older", Older())
    started = time.monotonic()
    assert push.wait_painted("older", 1, timeout=5) is False
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "said",
    ["more", "painted", "painted -1", "painted 1.5", "painted \u0661", "painted " + "9" * 30],
)
def test_frames_may_say_only_what_they_painted(server: str, said: str) -> None:
    with listen(f"{server}{push.ROUTE}", "talker") as frame:
        frame.send(said)
        with pytest.raises(ConnectionClosed):
            frame.recv(timeout=5)
    assert wait_until(lambda: not push.listening("talker"))


def test_frames_may_not_talk_and_other_sites_may_not_listen(server: str) -> None:
    with listen(f"{server}{push.ROUTE}", "chatty") as frame:
        frame.send("more")
        with pytest.raises(ConnectionClosed):
            frame.recv(timeout=5)
    assert wait_until(lambda: not push.listening("chatty"))
    elsewhere = "http://elsewhere.example"
    with (
        pytest.raises((InvalidStatus, ConnectionClosed)),
        connect(f"{server}{push.ROUTE}", origin=elsewhere) as other,
    ):
        other.send("stolen")
        other.recv(timeout=5)
    assert not push.listening("stolen")


def ask(server: str, token: str, origin: str | None = None, path: str = push.LAYER_ROUTE):
    """POST ``token`` to the layer route, as a frame does; (status, body)."""
    import http.client

    host = server.removeprefix("ws://")
    connection = http.client.HTTPConnection(host, timeout=5)
    headers = {"Content-Type": "text/plain"}
    if origin is not None:
        headers["Origin"] = origin
    connection.request("POST", path, body=token.encode(), headers=headers)
    response = connection.getresponse()
    return response.status, response.read().decode()


def test_a_session_s_newest_layer_is_kept_for_its_frame_and_freed_with_the_session(
    server: str,
) -> None:
    session: dict = {}
    push.send(session, "asking", '{"seq":1}')
    push.send(session, "asking", '{"seq":2}')  # only the newest is kept
    assert ask(server, "asking") == (200, '{"seq":2}')
    assert ask(server, "asking", path=f"/some/base{push.LAYER_ROUTE}")[0] == 200
    assert ask(server, "nobody")[0] == 404
    assert ask(server, "")[0] == 404
    assert ask(server, "x" * 100_000)[0] == 413  # refused, not read whole
    # Another site's page cannot read it, even with the token.
    assert ask(server, "asking", origin="http://elsewhere.example")[0] == 403
    host = server.removeprefix("ws://")
    assert ask(server, "asking", origin=f"http://{host}")[0] == 200
    del session  # the session ends: its layer goes with it
    assert ask(server, "asking")[0] == 404
