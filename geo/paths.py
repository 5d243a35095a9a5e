"""Where the project's own data files live."""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
