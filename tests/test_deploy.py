"""The deploy set-up's parts, for real: nginx's configuration, PostgreSQL's lasting folder.

The whole set-up, in a browser through nginx, is tests/browser/test_deploy_e2e.py.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy import postgres
from deploy.run import (
    DeployError,
    check_nginx_config,
    nginx_config,
    running,
    write_nginx_config,
)
from store.config import DATABASE_URL_ENV

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(nginx_installed: None, tmp_path: Path) -> tuple[Path, str]:
    """A state folder with nginx's configuration written into it, and that configuration."""
    conf = write_nginx_config(tmp_path, "127.0.0.1", 18080, [18501, 18502], max_upload_mb=50)
    assert conf == tmp_path / "nginx" / "nginx.conf"
    return tmp_path, conf.read_text()


def directives(text: str) -> list[str]:
    """The configuration's statements, comments dropped and spaces collapsed."""
    lines = (re.sub(r"#.*", "", line) for line in text.splitlines())
    return [re.sub(r"\s+", " ", line).strip() for line in lines if line.strip()]


def test_the_nginx_config_passes_nginx_t(config: tuple[Path, str]) -> None:
    check_nginx_config(config[0])  # raises with nginx's words if it does not


def test_nginx_t_is_a_real_check(config: tuple[Path, str]) -> None:
    state_dir, text = config
    conf = state_dir / "nginx" / "nginx.conf"
    conf.write_text(text.replace("hash $remote_addr consistent;", "hash;"))
    with pytest.raises(DeployError, match=r"(?s)nginx rejects .*invalid number of arguments"):
        check_nginx_config(state_dir)


def test_the_nginx_config_is_sticky_passes_websockets_and_the_upload_limit(
    config: tuple[Path, str],
) -> None:
    _, text = config
    said = directives(text)
    assert not [d for d in said if "@" in d], "a placeholder was left unfilled"
    upstream = said[said.index("upstream claims_map {") :]
    upstream = upstream[: upstream.index("}")]
    assert upstream == [
        "upstream claims_map {",
        "hash $remote_addr consistent;",
        "server 127.0.0.1:18501;",
        "server 127.0.0.1:18502;",
        "keepalive 16;",
    ]
    for needed in (
        "listen 127.0.0.1:18080;",
        "daemon off;",
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_set_header Host $http_host;",
        "default upgrade;",
        "client_max_body_size 52m;",  # the app's 50 MB, and Streamlit's margin, get through
        "location ~ /(_stcore/stream|_claims_map/push)$ {",
        "proxy_read_timeout 1h;",
    ):
        assert needed in said, needed
    as_root = os.geteuid() == 0
    assert ("user nobody nogroup;" in said) is as_root
    paths = re.findall(r"(?:_path|pid|_log) (\S+?)[ ;]", "\n".join(said))
    assert len(paths) == 8  # five temporary folders, the pid file, two logs
    for path in paths:
        assert path.startswith(f"{config[0]}/"), f"nginx would write {path}, outside its folder"


def test_the_websocket_location_covers_both_sockets_at_the_root_and_under_a_base_path(
    config: tuple[Path, str],
) -> None:
    pattern = re.search(r"location ~ (\S+) \{", config[1]).group(1)
    for path in ("/_stcore/stream", "/_claims_map/push", "/claims/_claims_map/push"):
        assert re.search(pattern, path), path
    assert not re.search(pattern, "/_stcore/health")


def test_a_path_nginx_cannot_take_is_refused_with_advice() -> None:
    with pytest.raises(DeployError, match="choose a state folder"):
        nginx_config(Path('/tmp/a";b'), "127.0.0.1", 8080, [8501], 50)


def test_an_ipv6_address_is_bracketed() -> None:
    assert "listen [::1]:8080;" in nginx_config(Path("/tmp/x"), "::1", 8080, [8501], 50)


def test_a_taken_port_is_refused_before_anything_starts(
    nginx_installed: None, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            pytest.raises(
                DeployError, match=rf"nginx \(--port\) cannot listen on 127.0.0.1:{port}"
            ),
            running(tmp_path / "state", port=port),
        ):
            pass
    assert not (tmp_path / "state").exists(), "something started"


# --- PostgreSQL in a lasting folder ----------------------------------------------------------


@pytest.fixture
def pg_folder(postgres_installed: None) -> Iterator[Path]:
    # Under /tmp, not tmp_path: as root the server runs as postgres, who must reach it.
    folder = Path(tempfile.mkdtemp(prefix="claims-deploy-pg-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_postgres_in_a_folder_is_made_once_and_reused(pg_folder: Path) -> None:
    import psycopg

    with postgres.running_postgres(pg_folder) as server:
        assert not server.tcp and server.durable
        url = server.create_database("claims", exist_ok=True)
        assert url.startswith("postgresql+psycopg://claims@/claims?host=/")
        with psycopg.connect(server.conninfo("claims"), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (x int)")
            conn.execute("INSERT INTO kept VALUES (42)")
    made = (pg_folder / "data" / "PG_VERSION").stat().st_mtime_ns
    assert not server.socket_dir.exists(), "the socket folder outlived the server"

    with postgres.running_postgres(pg_folder) as server:
        assert server.create_database("claims", exist_ok=True) == server.url("claims")
        with psycopg.connect(server.conninfo("claims")) as conn:
            assert conn.execute("SELECT x FROM kept").fetchall() == [(42,)]
    assert (pg_folder / "data" / "PG_VERSION").stat().st_mtime_ns == made, "initdb ran again"


def test_postgres_listens_on_its_private_socket_only(pg_folder: Path) -> None:
    import psycopg

    with (
        postgres.running_postgres(pg_folder) as server,
        psycopg.connect(server.conninfo("postgres")) as conn,
    ):
        assert conn.execute("SHOW listen_addresses").fetchone() == ("",)
        assert conn.execute("SHOW fsync").fetchone() == ("on",)
        assert (server.socket_dir.stat().st_mode & 0o077) == 0, "others can reach the socket"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs PostgreSQL as another user")
def test_a_folder_the_postgres_user_cannot_reach_is_refused_with_advice(
    postgres_installed: None, tmp_path: Path
) -> None:
    tmp_path.chmod(0o700)
    with (
        pytest.raises(postgres.PostgresError, match=r"cannot reach .*chmod o\+x"),
        postgres.running_postgres(tmp_path / "postgres"),
    ):
        pass


# --- the command ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "to_group"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c", "sigterm"],
)
def test_the_command_starts_everything_and_a_signal_stops_it_all(
    nginx_installed: None,
    postgres_installed: None,
    pg_folder: Path,
    how: signal.Signals,
    to_group: bool,
) -> None:
    """Ctrl-C signals a terminal's foreground group; a service manager signals the script."""
    import psutil

    state = pg_folder / "state"  # under /tmp: the postgres user must reach it as root
    pg_folder.chmod(0o755)
    port = postgres.free_port()
    env = {k: v for k, v in os.environ.items() if k != DATABASE_URL_ENV}
    command = [sys.executable, "-m", "deploy.run", "--port", str(port), "--state-dir", str(state)]
    # Its own process group, as a terminal's foreground job is.
    script = subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        said = []
        for line in script.stdout:
            said.append(line)
            if line.startswith("Ctrl-C") or line.startswith("error"):
                break
        assert said[-1].startswith("Ctrl-C"), "".join(said)
        assert said[0] == f"Claims map: http://127.0.0.1:{port}\n"
        assert "store: PostgreSQL on" in "".join(said)
        children = psutil.Process(script.pid).children(recursive=True)
        names = sorted(" ".join(c.cmdline()[:5]) for c in children if c.is_running())
        assert sum("streamlit run app.py" in n for n in names) == 2, names
        assert any(n.startswith("nginx: master") for n in names), names
        postmaster = state / "postgres" / "data" / "postmaster.pid"
        assert postmaster.is_file()

        (os.killpg if to_group else os.kill)(script.pid, how)
        rest, _ = script.communicate(timeout=60)
    finally:
        if script.poll() is None:  # the test failed early: let the script stop what it started
            script.terminate()
            try:
                script.wait(timeout=60)
            except subprocess.TimeoutExpired:
                script.kill()
    assert script.returncode == 0, rest
    assert rest.startswith(f"{how.name}: stopped everything"), rest
    assert not [c for c in children if c.is_running()], "a process outlived the script"
    assert not postmaster.exists(), "PostgreSQL is still running"
