"""A PostgreSQL server of Debian's package, run in a folder of its own.

One implementation for two uses: the deploy set-up (deploy/run.py) keeps its database in a
lasting folder, made by ``initdb`` on first start and reused afterwards; the tests and
benchmarks (tests/pgserver.py) run a throwaway one in a temporary folder.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user that
Debian's package creates. Its Unix socket is in a private temporary folder (a socket's path
must be short, and the state folder's may not be); the deploy set-up connects through that
socket only, so no other local user can reach the database (it trusts whoever connects).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

USER = "claims"
# The folder's server runs as this user when started by root (PostgreSQL refuses root).
OWNER_WHEN_ROOT = "postgres"
# Behind a private socket folder the port only names the socket file.
SOCKET_PORT = 5432


class PostgresError(RuntimeError):
    """The server could not be set up or started; the message says how to fix it."""


def binaries() -> Path | None:
    """The folder with initdb and pg_ctl (the newest installed version), if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _version(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except ValueError:
        return 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A server on the cluster in ``folder/data``, logging to ``folder/server.log``.

    With ``tcp`` it also listens on 127.0.0.1:``port`` (for tests: any local user may
    connect); without, on its socket only. ``durable`` False turns fsync off (for tests).
    """

    folder: Path
    socket_dir: Path
    port: int
    bin_dir: Path
    owner: str | None
    tcp: bool = True
    durable: bool = False

    def url(self, database: str = "postgres") -> str:
        if self.tcp:
            return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"
        host = quote(str(self.socket_dir), safe="/")
        return f"postgresql+psycopg://{USER}@/{database}?host={host}&port={self.port}"

    def conninfo(self, database: str) -> str:
        host = "127.0.0.1" if self.tcp else str(self.socket_dir)
        return f"host={host} port={self.port} user={USER} dbname={database}"

    def create_database(self, name: str, exist_ok: bool = False) -> str:
        """A new empty database on this server (or the one there, if ``exist_ok``); its URL."""
        import psycopg

        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            there = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if not (exist_ok and there.fetchone()):
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def start(self) -> None:
        listen = "127.0.0.1" if self.tcp else ""
        options = [
            f"-h {shlex.quote(listen)}",
            f"-p {self.port}",
            f"-k {shlex.quote(str(self.socket_dir))}",
        ]
        if not self.durable:
            options.append("-c fsync=off")
        try:
            self._ctl("-o", " ".join(options), "-l", str(self.log), "-w", "start")
        except subprocess.CalledProcessError as error:
            raise PostgresError(
                f"PostgreSQL did not start on {self.folder / 'data'}: "
                f"{_said(error)}\n{_tail(self.log)}"
            ) from error

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server: at once by default, as a crash or a lost network would;
        ``"fast"`` ends its connections and writes everything out first."""
        self._ctl("-m", mode, "-w", "stop")

    def running(self) -> bool:
        """Whether a server (this one, or one left by an earlier run) runs on the folder."""
        command = [str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), "status"]
        return subprocess.run(_as_owner(command, self.owner), capture_output=True).returncode == 0

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def _ctl(self, *args: str) -> None:
        command = [str(self.bin_dir / "pg_ctl"), "-D", str(self.folder / "data"), *args]
        subprocess.run(_as_owner(command, self.owner), check=True, capture_output=True)


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


def _said(error: subprocess.CalledProcessError) -> str:
    out = (error.stderr or b"") + (error.stdout or b"")
    return out.decode(errors="replace").strip() or f"exit code {error.returncode}"


def _tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _owner() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(OWNER_WHEN_ROOT)
    except KeyError:
        raise PostgresError(
            f"as root, PostgreSQL must run as the {OWNER_WHEN_ROOT!r} user, which does not "
            "exist: apt-get install postgresql creates it"
        ) from None
    return OWNER_WHEN_ROOT


def _private_folder(prefix: str, owner: str | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))  # mode 0700
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    return folder


def _prepare(folder: Path, bin_dir: Path, owner: str | None) -> None:
    """Make ``folder`` the server's, and a cluster in ``folder/data`` if there is none yet."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # its log may quote queries
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        reach = subprocess.run(_as_owner(["test", "-w", str(folder)], owner), check=False)
        if reach.returncode != 0:
            raise PostgresError(
                f"the {owner!r} user cannot reach {folder}: a folder above it is closed to "
                "other users (/root is, say). Keep the state folder where that user can "
                "reach it (e.g. under /srv or /var/lib), or open the folders above it to "
                "others with chmod o+x"
            )
    if (folder / "data" / "PG_VERSION").is_file():
        return
    initdb = [
        str(bin_dir / "initdb"),
        "-D",
        str(folder / "data"),
        "-U",
        USER,
        # Trust is safe only because the caller decides who can reach the server: a
        # private socket folder (deploy/run.py) or a throwaway server (tests).
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
    ]
    try:
        subprocess.run(_as_owner(initdb, owner), check=True, capture_output=True)
    except subprocess.CalledProcessError as error:
        raise PostgresError(f"initdb failed on {folder / 'data'}: {_said(error)}") from error


@contextlib.contextmanager
def running_postgres(folder: Path, *, tcp: bool = False, durable: bool = True) -> Iterator[Server]:
    """Run a server on the cluster in ``folder`` (made on first use); stop it afterwards.

    A durable server is stopped cleanly ("fast"), a throwaway one at once. The folder is
    kept: removing it is the caller's choice.
    """
    bin_dir = binaries()
    if bin_dir is None:
        raise PostgresError(
            "PostgreSQL is not installed: apt-get install postgresql "
            "(or point CLAIMS_MAP_DATABASE_URL at an existing server)"
        )
    owner = _owner()
    _prepare(folder, bin_dir, owner)
    socket_dir = _private_folder("claims-pg-", owner)
    try:
        server = Server(
            folder=folder,
            socket_dir=socket_dir,
            port=free_port() if tcp else SOCKET_PORT,
            bin_dir=bin_dir,
            owner=owner,
            tcp=tcp,
            durable=durable,
        )
        if server.running():
            stop = [str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "stop"]
            raise PostgresError(
                f"a PostgreSQL server already runs on {folder / 'data'} (left by an earlier "
                f"run?): stop it with {shlex.join(_as_owner(stop, owner))}"
            )
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):
                server.stop("fast" if durable else "immediate")
    finally:
        shutil.rmtree(socket_dir, ignore_errors=True)
