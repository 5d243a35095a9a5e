"""geo.model.dates: the ISO fast path reads exactly what the strptime formats read."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from geo.model import dates


def by_formats(text: str) -> dt.date | None:
    for fmt in dates._FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def cases() -> list[str]:
    rng = random.Random(7)
    digits = "0123456789"
    found = [
        "2022-05-16",
        "2022-02-29",
        "2024-02-29",
        "2022-13-01",
        "2022-00-10",
        "0000-01-01",
        "0001-01-01",
        "9999-12-31",
        "2022-5-16",
        "2022-05-6",
        "22-05-16",
        "2022-05-16x",
        "\uff12\uff10\uff12\uff12-\uff10\uff15-\uff11\uff16",  # fullwidth: strptime reads them
        "\u0662\u0660\u0662\u0662-\u0660\u0665-\u0661\u0666",  # Arabic-Indic digits
        "2022/05/16",
        "2022-05-16T00:00",
        "16 May 2022",
    ]
    for _ in range(3000):
        found.append(
            "".join(rng.choice(digits) for _ in range(4))
            + "-"
            + "".join(rng.choice(digits) for _ in range(2))
            + "-"
            + "".join(rng.choice(digits) for _ in range(2))
        )
    return found


def read(text: str) -> dt.date | None:
    try:
        return dates.parse_date(text)
    except ValueError:
        return None


def test_parse_date_agrees_with_the_strptime_formats() -> None:
    found = cases()
    assert any(by_formats(t) is None for t in found) and any(by_formats(t) for t in found)
    differ = [
        t for t in found if read(t) != by_formats(t[:10] if dates._DATETIME_ISO.match(t) else t)
    ]
    assert differ == []


def test_a_day_that_does_not_exist_is_explained() -> None:
    with pytest.raises(ValueError, match="'2022-02-30' is not a date; write it as YYYY-MM-DD"):
        dates.parse_date("2022-02-30")
