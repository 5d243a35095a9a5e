"""Where the data files live."""

import os
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# Point the app at another folder of provinces/boundaries/sources/claims files (same names
# as in data/) without touching the project's own: used by the browser tests, and by
# analysts who keep their own copy.
DATA_DIR_ENV = "CLAIMS_MAP_DATA_DIR"

# The built-in countries' index, under a data folder (scripts/build_countries.py writes it).
COUNTRY_INDEX = "countries/index.csv"


def active_data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override).resolve() if override else DATA_DIR


def active_countries_dir() -> Path:
    """The data folder whose ``countries/`` the app offers: the active one if it has its own
    country index, else the project's. An analyst's own data folder holds their claims; the
    built-in countries are reference data it need not copy (without this fallback, such a
    folder stopped the app at its first page)."""
    folder = active_data_dir()
    return folder if (folder / COUNTRY_INDEX).is_file() else DATA_DIR
