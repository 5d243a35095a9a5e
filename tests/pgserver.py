"""A real, throwaway PostgreSQL server for tests and benchmarks, from Debian's package.

It lives in a temporary folder, listens on a free loopback port and is stopped and removed
when the ``with`` block ends. Starting and stopping it is deploy/postgres.py's job (the
deploy set-up runs its lasting server with the same code); this only adds the throwaway
folder and the test settings: TCP on 127.0.0.1, fsync off, stopped at once.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from deploy import postgres
from deploy.postgres import USER, Server, binaries

__all__ = ["USER", "Server", "binaries", "running_postgres"]


@contextlib.contextmanager
def running_postgres() -> Iterator[Server]:
    """Start a PostgreSQL server in a temporary folder; stop and remove it afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="claims-pg-"))
    try:
        with postgres.running_postgres(folder, tcp=True, durable=False) as server:
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)
