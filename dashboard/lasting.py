"""State that must outlive a reload of the module that uses it.

When a source file changes, Streamlit's file watcher drops the app's modules from
``sys.modules``, and the next script run imports fresh copies of them. The routes the
server built at start-up (app.py) keep the first copies. A registry that both a route and
a page use (served files, push listeners) would then split in two: the page would write to
one and the route read from the other. So such objects live here, in a module that no file
backs and nothing reloads.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_HOLDER = "_claims_map_lasting"


def lasting(name: str, make: Callable[[], T]) -> T:
    """The object kept as ``name``, made by ``make`` the first time it is asked for."""
    holder = sys.modules.setdefault(_HOLDER, types.ModuleType(_HOLDER))
    if not hasattr(holder, name):
        setattr(holder, name, make())
    return getattr(holder, name)
