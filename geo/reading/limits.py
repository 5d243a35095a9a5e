"""The upload limit, in a module light enough for the server to read before it starts.

app.py applies this limit to Streamlit's server at import, before the server listens:
anything imported here delays every cold start, so this module imports nothing heavy
(pandas and openpyxl, which the readers need, cost about 0.4 s).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# The upload limit in MB, for the Your data page and for a proxy in front of the app
# (deploy/run.py), which must let files of that size through.
MAX_UPLOAD_ENV = "CLAIMS_MAP_MAX_UPLOAD_MB"


def max_upload_mb(environ: Mapping[str, str] | None = None) -> int:
    """The upload limit in MB: ``CLAIMS_MAP_MAX_UPLOAD_MB``, else 50.

    >>> max_upload_mb({}), max_upload_mb({"CLAIMS_MAP_MAX_UPLOAD_MB": " 200 "})
    (50, 200)
    """
    value = (os.environ if environ is None else environ).get(MAX_UPLOAD_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_BYTES // (1024 * 1024)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"{MAX_UPLOAD_ENV}={value!r} is not a size in MB: set it to a whole number "
            "such as 50, or unset it for the default"
        )
    return int(value)
