"""The shared claims store: datasets on SQLite (no set-up) or PostgreSQL (teams).

Pure Python on SQLAlchemy Core; never imports streamlit. ``geo/`` never imports this
package: the pages reach it through ``dashboard/``.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> store = open_store(f"sqlite:///{folder / 'claims.db'}")
>>> [d.slug for d in store.datasets()]
[]
>>> store.version()
0
"""

from __future__ import annotations

from store.core import (
    BUILTIN,
    BUILTIN_LABEL,
    DatasetInfo,
    SaveRefused,
    Store,
    StoreError,
    slugify,
)
from store.engine import migrate, open_store

__all__ = [
    "BUILTIN",
    "BUILTIN_LABEL",
    "DatasetInfo",
    "SaveRefused",
    "Store",
    "StoreError",
    "migrate",
    "open_store",
    "slugify",
]
