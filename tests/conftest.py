"""Shared test set-up."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from dashboard.state import MAP_ALONE

# The fuzz tests (tests/test_fuzz_*.py). "ci", the default, is few examples chosen the same
# way on every run (derandomize), so a CI run is reproducible and takes about a minute;
# HYPOTHESIS_PROFILE=long searches far more, with fresh random examples each time.
# Deadlines are generous: they catch an input that makes the reading blow up, not slowness.
settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=30_000,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=300,
    deadline=60_000,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def pages_as_the_server_declares_them(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run AppTest with the pages app.py declares, as ``streamlit run`` does.

    app.py's server branch tells Streamlit that st.navigation declares the pages, not the
    pages/ folder; AppTest runs app.py as __main__ and resets that flag on every run, so
    without this its runs would take Streamlit's older pages/ mode, which the app never uses.
    """
    made = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        made(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    yield


@pytest.fixture(autouse=True)
def the_map_frame_says_it_has_painted(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run AppTest on once more after a run that sent a new session's map alone.

    In a browser, that run's map frame says when it has painted, which starts the run
    that draws the sidebar (app.py, ``dashboard.state.map_alone``). AppTest has no frame;
    this is what its report would do (not after a run that raised: the error must show).
    ``AppTest.run.__wrapped__`` runs without it.
    """
    ran = AppTest.run

    def run(self: AppTest, *, timeout: float | None = None) -> AppTest:
        out = ran(self, timeout=timeout)
        if self.session_state.get(MAP_ALONE) and not self.exception:
            out = ran(self, timeout=timeout)
        return out

    run.__wrapped__ = ran  # type: ignore[attr-defined]
    monkeypatch.setattr(AppTest, "run", run)
    yield


def pytest_configure(config: pytest.Config) -> None:
    """Every app the tests start keeps its store in a throwaway folder, never the user's.

    This replaces a CLAIMS_MAP_DATABASE_URL set in the developer's shell on purpose: the
    tests save and delete datasets, which must never happen to a real store.
    """
    import os
    import tempfile

    from store.config import DATABASE_URL_ENV

    folder = tempfile.mkdtemp(prefix="claims-tests-")
    config.stash[_STORE_FOLDER] = folder
    os.environ[DATABASE_URL_ENV] = f"sqlite:///{folder}/claims.db"


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    folder = config.stash.get(_STORE_FOLDER, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


_STORE_FOLDER = pytest.StashKey[str]()


def _missing(what: str, required_by: str, package: str) -> None:
    """Skip, or fail where the CI says the package must be there (``required_by`` is 1)."""
    import os

    if os.environ.get(required_by) == "1":
        pytest.fail(f"{what} is required ({required_by}=1) but not installed")
    pytest.skip(f"{what} is not installed (apt-get install {package})")


@pytest.fixture(scope="session")
def postgres_installed() -> None:
    """Skipped where PostgreSQL is not installed, except in CI (REQUIRE_POSTGRES=1), where
    that is a failure: the store's tests must run against both engines there."""
    from tests import pgserver

    if pgserver.binaries() is None:
        _missing("PostgreSQL", "REQUIRE_POSTGRES", "postgresql")


@pytest.fixture(scope="session")
def nginx_installed() -> None:
    """Skipped where nginx is not installed, except in CI (REQUIRE_NGINX=1): a failure."""
    from deploy.run import DeployError, nginx_binary

    try:
        nginx_binary()
    except DeployError:
        _missing("nginx", "REQUIRE_NGINX", "nginx")


@pytest.fixture(scope="session")
def pg_server(postgres_installed: None) -> Iterator[object]:
    """A real PostgreSQL server for the session (Debian's package, in a temporary folder)."""
    from tests import pgserver

    with pgserver.running_postgres() as server:
        yield server


_databases = iter(range(1, 1_000_000))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A URL for a new, empty store: a SQLite file, or a new database on a real server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'claims.db'}"
    server = request.getfixturevalue("pg_server")
    return server.create_database(f"claims_test_{next(_databases)}")
