"""Where the store is: a database URL from the environment, or a SQLite file of the user's."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from sqlalchemy.engine import make_url

DATABASE_URL_ENV = "CLAIMS_MAP_DATABASE_URL"
APP_NAME = "claims-map"


def default_database_path() -> Path:
    """The SQLite file used when no URL is set: in the user's data folder, never the repo's."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "claims.db"


def database_url() -> str:
    """The store's SQLAlchemy URL: ``CLAIMS_MAP_DATABASE_URL``, else the default SQLite file.

    >>> import os; os.environ[DATABASE_URL_ENV] = "sqlite:////tmp/x.db"; database_url()
    'sqlite:////tmp/x.db'
    >>> del os.environ[DATABASE_URL_ENV]
    """
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    return url or f"sqlite:///{default_database_path()}"


def describe(url: str) -> str:
    """The URL as an operator's log may show it: with every password hidden.

    >>> describe("postgresql+psycopg://claims:secret@db.example:5432/claims")
    'postgresql+psycopg://claims:***@db.example:5432/claims'
    >>> describe("postgresql+psycopg://claims@db.example/claims?password=secret&sslmode=require")
    'postgresql+psycopg://claims@db.example/claims?password=hidden&sslmode=require'
    """
    parsed = make_url(url)
    query = {k: ("hidden" if "password" in k.lower() else v) for k, v in parsed.query.items()}
    return parsed.set(query=query).render_as_string(hide_password=True)


def public_name(url: str) -> str:
    """Where the store is, as any visitor of the page may read it: no user, password,
    database name or folder.

    >>> public_name("postgresql+psycopg://claims:secret@db.example/claims")
    'PostgreSQL at db.example:5432'
    >>> public_name("sqlite:////home/amina/.local/share/claims-map/claims.db")
    'the SQLite file claims.db'
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"the SQLite file {Path(parsed.database or ':memory:').name}"
    if parsed.get_backend_name() == "postgresql":
        return f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}"
    return parsed.get_backend_name()
