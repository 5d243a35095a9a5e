"""Making untrusted text safe where it is shown or exported.

>>> md("**bold** <img src=x onerror=alert(1)>")
'\\\\*\\\\*bold\\\\*\\\\* &lt;img src=x onerror=alert\\\\(1\\\\)&gt;'
>>> csv_safe("=HYPERLINK(\\"http://x\\")"), csv_safe("-3"), csv_safe("plain")
('\\'=HYPERLINK("http://x")', "'-3", 'plain')
"""

from __future__ import annotations

import html
import re

import pandas as pd

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:])")
# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def md(text: object) -> str:
    """Text for ``st.markdown``: HTML escaped, Markdown syntax made literal."""
    escaped = html.escape(str(text), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


def csv_safe(value: object) -> object:
    """Prefix a formula-looking text with a quote so spreadsheets show it as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, and column names, cannot run as formulas."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(csv_safe)
    out.columns = [csv_safe(str(c)) for c in out.columns]
    return out
