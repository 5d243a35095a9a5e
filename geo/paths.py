"""Where the data files live."""

import os
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# Point the app at another folder of provinces/boundaries/sources/claims files (same names
# as in data/) without touching the project's own: used by the browser tests, and by
# analysts who keep their own copy.
DATA_DIR_ENV = "CLAIMS_MAP_DATA_DIR"


def active_data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override).resolve() if override else DATA_DIR
