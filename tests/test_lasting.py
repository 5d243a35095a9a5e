"""dashboard.lasting: what a route and a page share survives Streamlit reloading the module."""

from __future__ import annotations

import importlib
import sys

import pytest

from dashboard.lasting import lasting


def test_an_object_is_made_once_and_then_found() -> None:
    made = lasting("test_lasting_list", list)
    made.append(1)
    assert lasting("test_lasting_list", list) is made == [1]


@pytest.mark.parametrize(
    ("module", "shared"),
    [
        ("dashboard.served", ("_lock", "_files", "_released")),
        ("dashboard.push", ("_lock", "_listeners")),
    ],
)
def test_a_reloaded_module_shares_the_first_ones_registry(module: str, shared: tuple) -> None:
    # What Streamlit's file watcher does when a source file changes: the module is dropped
    # and imported afresh by the next run, while the server's routes keep the first copy.
    first = importlib.import_module(module)
    del sys.modules[module]
    try:
        fresh = importlib.import_module(module)
        assert fresh is not first
        for name in shared:
            assert getattr(fresh, name) is getattr(first, name), name
    finally:
        package, _, name = module.rpartition(".")
        sys.modules[module] = first
        setattr(sys.modules[package], name, first)
