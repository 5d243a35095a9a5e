"""Opening the store: an engine set up for its kind of database, migrated to the newest schema."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from store.config import database_url, describe, public_name
from store.core import Store, StoreError

if TYPE_CHECKING:
    from alembic.config import Config

_LOGGER = logging.getLogger(__name__)
# The newest migration. A store already at it is opened without Alembic, whose import and
# script reading cost every app start about 0.15 s; a test holds this to Alembic's head.
HEAD = "0004"
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any number the app's processes agree on: they take this lock while migrating.
_MIGRATION_LOCK = 0x434C41494D53  # "CLAIMS"
# How long a connection waits for a server (PostgreSQL) or for another writer (SQLite).
CONNECT_TIMEOUT_S = 5
SQLITE_BUSY_TIMEOUT_S = 30
_IMMEDIATE = "claims_map_sqlite_immediate"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the settings each engine needs to be shared by processes."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            # pysqlite's own transaction handling runs DDL outside any transaction and a
            # SELECT outside one too; SQLAlchemy's recipe hands transactions to the "begin"
            # event below, so that a migration is atomic and a load reads one snapshot.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # WAL: readers in other processes never wait for a save, nor a save for them.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            # IMMEDIATE takes the write lock at once, waiting for it (busy timeout) rather
            # than failing when a read must become a write; only migrations need it, as
            # every other write starts with a write (store.core._bump).
            immediate = conn.get_execution_options().get(_IMMEDIATE)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    if backend == "postgresql":
        # pre_ping: a connection the server dropped (a restart) is replaced, not handed
        # out broken, so the app recovers by itself once the server is back.
        return sa.create_engine(
            parsed, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
        )
    raise StoreError(
        f"unsupported database {describe(url)!r}: use sqlite:///path/to/claims.db or "
        "postgresql+psycopg://user:password@host/dbname"
    )


def _alembic_config(connection: sa.Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _at_head(engine: Engine) -> bool:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return False
        found = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
        return list(found) == [HEAD]


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` in one transaction; rows are kept, never dropped.

    Two app processes starting at once must not both migrate: PostgreSQL takes an
    advisory lock, SQLite its write lock (BEGIN IMMEDIATE); the second then finds the
    schema up to date. On SQLite, foreign keys are off while tables are rebuilt (a
    rebuilt parent table would otherwise cascade-delete its children) and checked after.
    """
    if revision == "head" and _at_head(engine):
        return
    from alembic import command
    from alembic.util.exc import CommandError

    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Only outside a transaction (and SQLAlchemy would begin one): on the driver's
            # own connection, which is in autocommit between transactions.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.execution_options(**{_IMMEDIATE: True}).begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
                try:
                    command.upgrade(_alembic_config(conn), revision)
                except CommandError as error:
                    raise StoreError(
                        f"the claims store has a schema this version of the app does not "
                        f"know ({error}); it was made by a newer version: upgrade the app"
                    ) from error
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise StoreError(
                            f"a migration would leave {len(broken)} rows pointing at nothing; "
                            "nothing was changed. Report this with the app's version"
                        )
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def _reason(error: sa.exc.DBAPIError) -> str:
    """The driver's one-line reason, without the server's address (the page names that)."""
    text = str(error.orig or error).strip().splitlines()[0]
    # psycopg: 'connection failed: connection to server at "h", port p failed: Connection refused'
    return text.rsplit(": ", 1)[-1] if "connection to server at" in text else text


def open_store(url: str | None = None) -> Store:
    """Connect to the store at ``url`` (default: :func:`store.config.database_url`), migrated.

    Raises :class:`StoreError`, saying what could not be reached, when the database cannot
    be opened.
    """
    url = url or database_url()
    try:
        engine = make_engine(url)
    except (sa.exc.ArgumentError, ValueError) as error:
        raise StoreError(
            f"CLAIMS_MAP_DATABASE_URL is not a database URL ({error}); write it as "
            "sqlite:///path/to/claims.db or postgresql+psycopg://user:password@host/dbname"
        ) from error
    try:
        migrate(engine)
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
        engine.dispose()
        _LOGGER.warning("cannot open the claims store at %s: %s", describe(url), error.orig)
        raise StoreError(
            f"the claims store ({public_name(url)}) cannot be reached ({_reason(error)}); "
            "check that the database server is running and that CLAIMS_MAP_DATABASE_URL "
            "is right"
        ) from error
    except StoreError:
        engine.dispose()
        raise
    except sa.exc.DBAPIError as error:
        engine.dispose()
        _LOGGER.warning("the claims store at %s refused the app: %s", describe(url), error.orig)
        raise StoreError(
            f"the claims store ({public_name(url)}) refused the app ({_reason(error)}); check "
            "the database user's rights and that CLAIMS_MAP_DATABASE_URL names the right "
            "database"
        ) from error
    return Store(engine)
