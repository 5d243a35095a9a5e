"""Shared test set-up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.runtime.pages_manager import PagesManager


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
