"""The one upload limit, ``CLAIMS_MAP_MAX_UPLOAD_MB`` (50 unless set), for Streamlit and the app.

Streamlit's server refuses larger uploads and its uploaders state the limit ("Limit 50MB per
file"), both from its ``server.maxUploadSize`` option; the Your data page refuses larger
files with a message saying how to fix them. They once disagreed (Streamlit's default is
200 MB). Now app.py's server branch calls :func:`apply` at start-up, before the server
takes an upload, and the page reads :func:`max_upload_bytes`: both come from
:func:`max_upload_mb`.

Streamlit 1.67 offers no public way to set a server option from code under ``streamlit
run``: ``st.set_option`` takes only ``client.*`` options, ``App.run(config=...)`` applies
only to ``python app.py``, and a ``config.toml`` cannot fall back to a default when an
environment variable is unset. So :func:`apply` uses ``streamlit.config.set_option``, as
Streamlit's own start-up does, and applies it again whenever Streamlit re-reads its
config files (it watches them while running).
"""

from __future__ import annotations

import logging

from geo.reading import limits

ENV = limits.MAX_UPLOAD_ENV
DEFAULT_MB = limits.DEFAULT_MAX_BYTES // (1024 * 1024)
OPTION = "server.maxUploadSize"
_LOGGER = logging.getLogger(__name__)


def max_upload_mb() -> int:
    """The limit in megabytes (of 1024 x 1024 bytes, as Streamlit counts them)."""
    return limits.max_upload_mb()


def max_upload_bytes() -> int:
    """The limit in bytes: a file of exactly this size is accepted, one byte more is not."""
    return max_upload_mb() * 1024 * 1024


def apply() -> None:
    """Make Streamlit's upload limit this one, now and each time its config is re-read."""
    from streamlit import config

    limit = max_upload_mb()

    def set_limit() -> None:
        where = config.get_where_defined(OPTION)
        if config.is_manually_set(OPTION) and where != ENV and config.get_option(OPTION) != limit:
            _LOGGER.warning(
                "%s=%s (set in %s) is replaced by %s=%s; set the limit there instead",
                OPTION,
                config.get_option(OPTION),
                where,
                ENV,
                limit,
            )
        config.set_option(OPTION, limit, where_defined=ENV)

    set_limit()
    config.on_config_parsed(set_limit, force_connect=True)
