"""Run the dashboard as deployed, on one machine: PostgreSQL, app processes, nginx in front.

    python -m deploy.run --port 8080 --state-dir ./deploy-state

starts PostgreSQL on a lasting cluster in ``<state dir>/postgres`` (unless
``CLAIMS_MAP_DATABASE_URL`` names a store already), two ``streamlit run app.py`` processes
on it, and nginx with sticky sessions in front of them; waits until all answer, prints the
address, and stops them all on Ctrl-C or SIGTERM. See deploy/README.md.

:func:`running` is the set-up itself, used by :func:`main` and by the tests alike.
"""

from __future__ import annotations

import argparse
import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from deploy.postgres import PostgresError, free_port, running_postgres
from geo.reading.limits import MAX_UPLOAD_ENV, max_upload_mb
from store.config import DATABASE_URL_ENV, describe

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
DATABASE = "claims"
# A first start loads the libraries and the data before answering: 10-30 s on a small
# machine, longer with both processes starting at once on two cores.
STARTUP_SECONDS = 180
STOP_SECONDS = 15
# Streamlit lets an upload's request run 1 MB over server.maxUploadSize (a form's framing);
# nginx's own limit is above that, so that Streamlit answers a file that is too large.
BODY_MARGIN_MB = 2
# Characters that would end or change a path in nginx's configuration.
_UNSAFE_IN_PATH = set('"\\$;{}\n\r')


class DeployError(RuntimeError):
    """The set-up could not start; the message says how to fix it."""


# --- nginx -----------------------------------------------------------------------------------


def nginx_binary() -> Path:
    # Debian puts it in /usr/sbin, which an ordinary user's PATH may lack.
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None:
        raise DeployError("nginx is not installed: apt-get install nginx")
    return Path(found)


def _listen_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _worker_user() -> str:
    """The ``user`` line: as root, workers run as nobody, who can read nothing secret."""
    if os.geteuid() != 0:
        return ""  # nginx cannot change user then; its workers stay the caller's
    nobody = pwd.getpwnam("nobody")
    return f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"


def nginx_config(
    state_dir: Path, host: str, port: int, backends: Sequence[int], max_upload_mb: int
) -> str:
    """nginx's configuration, from deploy/nginx.conf.template."""
    if _UNSAFE_IN_PATH & set(str(state_dir)):
        raise DeployError(
            f"nginx cannot be given the folder {state_dir}: choose a state folder whose path "
            'has none of " \\ $ ; { }'
        )
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in backends)
    values = {
        "@USER@": _worker_user(),
        "@PREFIX@": str(state_dir / "nginx"),
        "@LOGS@": str(state_dir / "logs"),
        "@LISTEN@": _listen_address(host, port),
        "@SERVERS@": servers,
        "@BODY_MB@": str(max_upload_mb + BODY_MARGIN_MB),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(name, value)
    return text


def write_nginx_config(
    state_dir: Path, host: str, port: int, backends: Sequence[int], max_upload_mb: int
) -> Path:
    """Write ``<state_dir>/nginx/nginx.conf``, and make the folders it names; its path."""
    (state_dir / "nginx" / "temp").mkdir(parents=True, exist_ok=True)
    (state_dir / "logs").mkdir(exist_ok=True)
    conf = state_dir / "nginx" / "nginx.conf"
    text = nginx_config(state_dir, host, port, backends, max_upload_mb)
    conf.write_text(text, encoding="utf-8")
    return conf


def nginx_command(state_dir: Path, *extra: str) -> list[str]:
    """nginx on the configuration :func:`write_nginx_config` wrote, with ``extra`` options."""
    return [
        str(nginx_binary()),
        "-p",
        str(state_dir / "nginx"),
        "-c",
        str(state_dir / "nginx" / "nginx.conf"),
        # Where to log until the configuration is read: else the system's /var/log/nginx.
        "-e",
        str(state_dir / "logs" / "nginx-error.log"),
        *extra,
    ]


def check_nginx_config(state_dir: Path) -> None:
    """``nginx -t`` on the configuration; raises :class:`DeployError` with nginx's words."""
    done = subprocess.run(nginx_command(state_dir, "-t"), capture_output=True, text=True)
    if done.returncode != 0:
        raise DeployError(
            f"nginx rejects {state_dir / 'nginx' / 'nginx.conf'}:\n{done.stderr.strip()}"
        )


def _check_free(host: str, port: int, what: str) -> None:
    """Fail before starting anything if ``port`` is taken, rather than minutes later."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        # As nginx and uvicorn do: a port whose last connections are closing is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            raise DeployError(
                f"{what} cannot listen on {_listen_address(host, port)} ({error.strerror}): "
                "stop what uses that port or choose another"
            ) from None


# --- processes -------------------------------------------------------------------------------


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass(frozen=True)
class Child:
    """A process the set-up started, by the name messages give it, with its log."""

    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def exit_code(self) -> int | None:
        return self.proc.poll()


@contextlib.contextmanager
def _process(
    name: str, command: list[str], log: Path, env: dict[str, str] | None = None
) -> Iterator[Child]:
    """Run ``command`` with its output in ``log``; stop it (SIGTERM, then SIGKILL) afterwards.

    In a session of its own: Ctrl-C reaches this script alone, which then stops the
    processes in order (nginx before the apps, the apps before the database).
    """
    with log.open("ab") as out:
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Child(name, proc, log)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_until_healthy(child: Child, url: str, seconds: float) -> None:
    """Wait until ``url`` answers 200; :class:`DeployError` if ``child`` exits or time runs out."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (code := child.exit_code()) is not None:
            raise DeployError(
                f"{child.name} exited with code {code} while starting; the end of "
                f"{child.log}:\n{_log_tail(child.log)}"
            )
        with (
            contextlib.suppress(urllib.error.URLError, OSError),
            opener.open(url, timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.25)
    raise DeployError(
        f"{child.name} did not answer {url} within {seconds:.0f} s; the end of "
        f"{child.log}:\n{_log_tail(child.log)}"
    )


def app_command(port: int, max_upload_mb: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        # Only nginx is reached from outside; the apps stay on this machine's loopback.
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        # A deployment does not change its code under a running server.
        "--server.fileWatcherType",
        "none",
        # The uploader then states the app's limit and refuses larger files in the browser.
        "--server.maxUploadSize",
        str(max_upload_mb),
    ]


# --- the set-up ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    url: str  # nginx: where browsers go
    backends: tuple[str, ...]  # each app process, straight (for checks, not for browsers)
    store: str  # what the store is, as it may be shown (no password)
    database_url: str  # what the apps were given as CLAIMS_MAP_DATABASE_URL
    state_dir: Path
    processes: tuple[Child, ...]  # the apps and nginx

    def exited(self) -> list[str]:
        """The processes that stopped by themselves, with their exit code and log."""
        return [
            f"{c.name} exited with code {c.exit_code()} (log: {c.log})"
            for c in self.processes
            if c.exit_code() is not None
        ]


def _distinct_free_ports(count: int, taken: Sequence[int]) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports and port not in taken:
            ports.append(port)
    return ports


def _url_host(host: str) -> str:
    """Where this machine reaches a server listening on ``host`` (any address: loopback)."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


@contextlib.contextmanager
def running(
    state_dir: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    apps: int = 2,
    app_ports: Sequence[int] | None = None,
    database_url: str | None = None,
    upload_mb: int | None = None,
    startup_seconds: float = STARTUP_SECONDS,
) -> Iterator[Deployment]:
    """Start everything; yield once all answer; stop it all, nginx first, afterwards.

    ``database_url`` None: a PostgreSQL server of our own on ``<state_dir>/postgres``.
    ``upload_mb`` None: ``CLAIMS_MAP_MAX_UPLOAD_MB``, else 50.
    """
    state_dir = state_dir.resolve()
    if apps < 1 and not app_ports:
        raise DeployError(f"--apps {apps}: at least one app process is needed")
    ports = list(app_ports) if app_ports else _distinct_free_ports(apps, [port])
    if len(set(ports)) != len(ports) or port in ports:
        raise DeployError(f"the app ports {ports} and nginx's {port} must all differ")
    try:
        upload_mb = max_upload_mb() if upload_mb is None else upload_mb
    except ValueError as error:
        raise DeployError(str(error)) from None
    nginx_binary()  # before anything starts: say at once if it is missing
    _check_free(host, port, "nginx (--port)")
    for p in ports:
        _check_free("127.0.0.1", p, "an app process (--app-ports)")
    logs = state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if database_url is None:
            server = stack.enter_context(running_postgres(state_dir / "postgres"))
            database_url = server.create_database(DATABASE, exist_ok=True)
            store = f"PostgreSQL on {server.folder / 'data'}, through a private socket"
        else:
            store = describe(database_url)
        env = dict(os.environ)
        env[DATABASE_URL_ENV] = database_url
        env[MAX_UPLOAD_ENV] = str(upload_mb)
        started = [
            stack.enter_context(
                _process(f"app {i}", app_command(p, upload_mb), logs / f"app-{i}.log", env)
            )
            for i, p in enumerate(ports, start=1)
        ]
        for child, p in zip(started, ports, strict=True):
            wait_until_healthy(child, f"http://127.0.0.1:{p}/_stcore/health", startup_seconds)

        write_nginx_config(state_dir, host, port, ports, upload_mb)
        check_nginx_config(state_dir)
        # Its output (little: it logs to its error log) goes there too, for one place to look.
        proxy = stack.enter_context(
            _process("nginx", nginx_command(state_dir), logs / "nginx-error.log")
        )
        url = f"http://{_url_host(host)}:{port}"
        wait_until_healthy(proxy, f"{url}/_stcore/health", 30)
        yield Deployment(
            url=url,
            backends=tuple(f"http://127.0.0.1:{p}" for p in ports),
            store=store,
            database_url=database_url,
            state_dir=state_dir,
            processes=(*started, proxy),
        )


# --- the command -----------------------------------------------------------------------------


class _Stop(Exception):
    """Ctrl-C or SIGTERM."""


def _on_signal(signum: int, _frame: object) -> None:
    # Once stopping has begun, a second signal must not cut it short and leave servers
    # running: it is ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise _Stop(signal.Signals(signum).name)


def _ports(text: str) -> list[int]:
    try:
        return [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give ports as 8501,8502") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="nginx's address (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="nginx's port (default: %(default)s)"
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=Path("deploy-state"),
        help="PostgreSQL's data, nginx's configuration, the logs (default: ./%(default)s)",
    )
    parser.add_argument("--apps", type=int, default=2, help="app processes (default: 2)")
    parser.add_argument(
        "--app-ports",
        type=_ports,
        help="the app processes' ports, e.g. 8501,8502 (default: free ones)",
    )
    args = parser.parse_args(argv)

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    database_url = os.environ.get(DATABASE_URL_ENV, "").strip() or None
    try:
        with running(
            args.state_dir,
            host=args.host,
            port=args.port,
            apps=args.apps,
            app_ports=args.app_ports,
            database_url=database_url,
        ) as deployment:
            print(f"Claims map: {deployment.url}", flush=True)
            print(f"  app processes: {', '.join(deployment.backends)} (behind nginx)")
            print(f"  store: {deployment.store}")
            print(f"  logs: {deployment.state_dir / 'logs'}")
            print("Ctrl-C stops it all.", flush=True)
            while not (gone := deployment.exited()):
                time.sleep(1)
            print("error: " + "; ".join(gone) + "; stopping the rest", file=sys.stderr)
            return 1
    except _Stop as stop:
        print(f"{stop}: stopped everything it had started.", flush=True)
        return 0
    except (DeployError, PostgresError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
