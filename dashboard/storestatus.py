"""Whether the claims store answers, kept where reading it costs nothing.

The page asks on every run whether to warn that the store is away. Importing the store's
own modules (SQLAlchemy among them) takes a tenth of a second, which a new server's first
page must not wait for before its map is sent: so the answer lives here, in a module with
no heavy imports, and dashboard/datastore.py writes it.
"""

from __future__ import annotations

import os
import threading

from dashboard.lasting import lasting

DATABASE_URL_ENV = "CLAIMS_MAP_DATABASE_URL"

# The last failure of each configured store (message, when), for this process's sessions.
_by_store: dict[str, dict[str, object]] = lasting("store_health_by_url", dict)
lock: threading.Lock = lasting("store_health_lock", threading.Lock)


def health() -> dict[str, object]:
    """The record for the store this process is configured with (by its setting's text)."""
    return _by_store.setdefault(os.environ.get(DATABASE_URL_ENV, "").strip(), {})


def problem() -> str | None:
    """Why the store cannot be used right now, or None when it can."""
    return health().get("message")  # type: ignore[return-value]
