"""Making untrusted text safe where it is shown or exported.

>>> md("**bold** <img src=x onerror=alert(1)>")
'\\\\*\\\\*bold\\\\*\\\\* &lt;img src=x onerror=alert\\\\(1\\\\)&gt;'
>>> csv_safe("=HYPERLINK(\\"http://x\\")"), csv_safe("-3"), csv_safe("plain")
('\\'=HYPERLINK("http://x")', "'-3", 'plain')
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import pandas as pd

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:])")
# A cell starting with one of these is run as a formula by Excel, LibreOffice or Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def md(text: object) -> str:
    """Text for ``st.markdown``: HTML escaped, Markdown syntax made literal."""
    escaped = html.escape(str(text), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


# Unicode's first strong isolate and pop directional isolate: the text between them takes
# its direction from its own first letter and cannot reorder what stands around it.
FSI, PDI = "\u2068", "\u2069"


@lru_cache(maxsize=4096)
def has_rtl(text: str) -> bool:
    """Whether ``text`` has a right-to-left letter (Arabic, Hebrew, Syriac, Thaana, ...).

    >>> has_rtl("Taliban"), has_rtl("طالبان"), has_rtl("NRF (جبهه مقاومت)")
    (False, True, True)
    """
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def isolate(text: object) -> str:
    """``text`` set apart for the bidirectional algorithm when it has right-to-left letters.

    Dari in an English sentence ("Claimed by طالبان · claim C1") otherwise drags the
    punctuation and numbers next to it into its own run, and the line reads out of order.
    Left-to-right text is returned as it is. Escape the result as usual: the isolates are
    plain characters to HTML and Markdown.

    >>> isolate("NRF"), isolate("طالبان") == FSI + "طالبان" + PDI
    ('NRF', True)
    """
    value = str(text)
    return f"{FSI}{value}{PDI}" if has_rtl(value) else value


def html_text(text: object, tag: str = "span") -> str:
    """User text for HTML, escaped; with right-to-left letters, in an element (``tag``)
    whose direction follows its own letters.

    ``dir="auto"`` lays Dari or Pashto out right to left and isolates it from the English
    around it (the HTML standard gives elements with ``dir`` ``unicode-bidi: isolate``).
    Left-to-right text needs neither and goes without, as plain escaped text (or in a bare
    ``tag`` other than span): a map of thousands of places sends these with every filter
    change.

    >>> html_text("<b>x</b>"), html_text("پنجشیر")
    ('&lt;b&gt;x&lt;/b&gt;', '<span dir="auto">پنجشیر</span>')
    >>> html_text("Kabul", "b"), html_text("کابل", "b")
    ('<b>Kabul</b>', '<b dir="auto">کابل</b>')
    """
    value = str(text)
    escaped = html.escape(value, quote=True)
    if has_rtl(value):
        return f'<{tag} dir="auto">{escaped}</{tag}>'
    return escaped if tag == "span" else f"<{tag}>{escaped}</{tag}>"


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
