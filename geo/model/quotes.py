"""Whether a claim's quote appears verbatim in its source's text.

Verbatim means the same characters in the same order. Two things are not taken as
differences, because they change when text is copied, pasted or saved, not when it is
quoted: how the characters are composed in Unicode (NFC), and the kind and number of
spaces and line breaks between words (a quote that runs over a line break in the source
is written on one line). The data tests hold the built-in quotes to the same rule.

>>> quote_in_text("all US  soldiers\\nleft", "In August 2021, all US soldiers left Afghanistan")
True
>>> quote_in_text("all U.S. soldiers", "In August 2021, all US soldiers left Afghanistan")
False
"""

from __future__ import annotations

import unicodedata


def normalise_text(text: str) -> str:
    """``text`` in NFC, with every run of whitespace written as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def quote_in_text(quote: str, text: str) -> bool:
    """True if ``quote`` (not empty) appears in ``text`` under :func:`normalise_text`."""
    wanted = normalise_text(quote)
    return bool(wanted) and wanted in normalise_text(text)
