"""Strict date parsing: a date is read only when its meaning is certain.

>>> parse_date("2022-05-16"), parse_date("16 May 2022"), parse_date("May 16, 2022")
(datetime.date(2022, 5, 16), datetime.date(2022, 5, 16), datetime.date(2022, 5, 16))
>>> parse_date("05/06/2022")
Traceback (most recent call last):
...
ValueError: '05/06/2022' is ambiguous (day/month or month/day?); write it as YYYY-MM-DD
"""

from __future__ import annotations

import datetime as dt
import functools
import re

# Formats whose reading is unambiguous. Numeric day/month orders are not among them.
_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y")
_SLASHED = re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}$")
_DATETIME_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]00:00(:00)?$")
_ISO_ASCII = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def parse_date(value: object) -> dt.date:
    """Read a date from ISO text, an unambiguous written-out date, or a date object."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = " ".join(str(value).split())
    midnight = _DATETIME_ISO.match(text)
    if midnight:
        # Spreadsheets often store plain dates as midnight timestamps.
        text = midnight.group(1)
    if _ISO_ASCII.fullmatch(text):
        # The usual case, read in C; for these strings the same answer as strptime's.
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass  # not a real day (2022-02-30): the formats below say so in their words
    for fmt in _FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if _SLASHED.match(text):
        raise ValueError(f"{text!r} is ambiguous (day/month or month/day?); write it as YYYY-MM-DD")
    raise ValueError(f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2022-05-16")


@functools.lru_cache(maxsize=100_000)
def date_or_reason(text: str) -> dt.date | str:
    """``parse_date(text)``, or the reason it is not a date, remembered: a table repeats each
    date many times, and the loaders ask for every cell.

    >>> date_or_reason("2022-05-16"), date_or_reason("05/06/2022")[:30]
    (datetime.date(2022, 5, 16), "'05/06/2022' is ambiguous (day")
    """
    try:
        return parse_date(text)
    except ValueError as error:
        return str(error)
