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
    """The URL as it may be shown to a user: with its password hidden.

    >>> describe("postgresql+psycopg://claims:secret@db.example:5432/claims")
    'postgresql+psycopg://claims:***@db.example:5432/claims'
    """
    return make_url(url).render_as_string(hide_password=True)
