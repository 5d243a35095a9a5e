"""What changed between two dates, on hand-made claims with known answers and on the data."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.dataset import load_dataset
from geo.time.changes import CHANGE_COLUMNS, change_summary, what_changed
from geo.views.filtering import ClaimFilter
from tests.test_timeline import make_claims

BEFORE = dt.date(2022, 1, 31)  # window 2021-11-02 to 2022-01-31
AFTER = dt.date(2022, 6, 30)  # window 2022-04-01 to 2022-06-30
NAMES = {
    "AF-BAL": "Balkh",
    "AF-BGL": "Baghlan",
    "AF-KAB": "Kabul",
    "AF-PAN": "Panjshir",
    "AF-TAK": "Takhar",
    "AF-ZAB": "Zabul",
}
A, B = "Test Group A", "Test Group B"


@pytest.fixture
def claims():
    return make_claims(
        # Panjshir: A then, A now (two claims now): unchanged.
        {"province": "AF-PAN", "actor": A, "date_start": "2022-01-15"},
        {"province": "AF-PAN", "actor": A, "date_start": "2022-06-15"},
        {"province": "AF-PAN", "actor": A, "date_start": "2022-06-20"},
        # Kabul: A then, nothing now: disappeared.
        {"province": "AF-KAB", "actor": A, "date_start": "2021-12-20"},
        # Balkh: nothing then, B now: appeared.
        {"province": "AF-BAL", "actor": B, "date_start": "2022-05-01"},
        # Baghlan: A then; A and B now: actors changed.
        {"province": "AF-BGL", "actor": A, "date_start": "2022-01-01"},
        {"province": "AF-BGL", "actor": A, "date_start": "2022-05-05"},
        {"province": "AF-BGL", "actor": B, "date_start": "2022-05-06"},
        # Takhar: one claim spanning both windows (A) plus B now only: actors changed.
        {
            "province": "AF-TAK",
            "actor": A,
            "date_start": "2021-12-01",
            "date_end": "2022-05-31",
            "date_precision": "month",
        },
        {"province": "AF-TAK", "actor": B, "date_start": "2022-06-01"},
        # Zabul: outside both windows: not listed at all.
        {"province": "AF-ZAB", "actor": A, "date_start": "2022-03-01"},
        # Country-wide: on no place, never compared.
        {"province": None, "actor": B, "date_start": "2022-01-20"},
    )


def test_known_changes_between_two_dates(claims) -> None:
    table = what_changed(claims, NAMES, BEFORE, AFTER)
    assert list(table.columns) == list(CHANGE_COLUMNS)
    got = {
        r.name: (r.change, r.actors_before, r.actors_after, r.claims_before, r.claims_after)
        for r in table.itertuples()
    }
    assert got == {
        "Baghlan": ("actors changed", (A,), (A, B), 1, 2),
        "Balkh": ("appeared", (), (B,), 0, 1),
        "Kabul": ("disappeared", (A,), (), 1, 0),
        "Takhar": ("actors changed", (A,), (A, B), 1, 2),
    }
    assert list(table["name"]) == sorted(table["name"])
    baghlan = table.set_index("code").loc["AF-BGL"]
    assert baghlan["actors_added"] == (B,) and baghlan["actors_removed"] == ()
    assert change_summary(table) == {"appeared": 1, "disappeared": 1, "actors changed": 2}


def test_unchanged_places_on_request(claims) -> None:
    table = what_changed(claims, NAMES, BEFORE, AFTER, include_unchanged=True)
    assert set(table["code"]) == set(NAMES)
    panjshir = table.set_index("code").loc["AF-PAN"]
    assert panjshir["change"] == "unchanged"
    assert (panjshir["claims_before"], panjshir["claims_after"]) == (1, 2)
    zabul = table.set_index("code").loc["AF-ZAB"]
    assert (zabul["change"], zabul["claims_before"], zabul["claims_after"]) == ("unchanged", 0, 0)
    assert change_summary(table) == {
        "appeared": 1,
        "disappeared": 1,
        "actors changed": 2,
        "unchanged": 2,
    }


def test_the_users_filter_applies_at_both_dates(claims) -> None:
    only_a = ClaimFilter(actors=frozenset({A}))
    table = what_changed(claims, NAMES, BEFORE, AFTER, only_a)
    assert dict(zip(table["name"], table["change"], strict=True)) == {"Kabul": "disappeared"}
    # A week's window: only Takhar's long claim reaches into the week up to 31 January,
    # and no claim into the week up to 30 June.
    short = what_changed(claims, NAMES, BEFORE, AFTER, window_days=7)
    assert dict(zip(short["name"], short["change"], strict=True)) == {"Takhar": "disappeared"}


def test_nothing_changed_gives_an_empty_table(claims) -> None:
    table = what_changed(claims, NAMES, AFTER, AFTER)
    assert table.empty and list(table.columns) == list(CHANGE_COLUMNS)
    assert change_summary(table) == {"appeared": 0, "disappeared": 0, "actors changed": 0}


def test_dates_the_wrong_way_round_are_refused(claims) -> None:
    with pytest.raises(ValueError, match="swap the two dates"):
        what_changed(claims, NAMES, AFTER, BEFORE)


def test_built_in_data_from_the_takeover_to_publication() -> None:
    data = load_dataset()
    table = what_changed(data.claims, data.names, dt.date(2021, 9, 30), dt.date(2022, 8, 30))
    got = {r.name: (r.change, r.actors_before, r.actors_after) for r in table.itertuples()}
    assert got == {
        # C015-C018, C020: NRF in Panjshir and Baghlan, August-September 2021.
        "Baghlan": ("disappeared", ("National Resistance Front",), ()),
        "Panjshir": ("disappeared", ("National Resistance Front",), ()),
        # C014: the Taliban in Kabul (2021-08-15); C043: a US strike in Kabul (July 2022).
        "Kabul": ("actors changed", ("Taliban",), ("United States",)),
        # C027: Mawlawi Mahdi in Sar-e Pol, bounded from winter 2021 to publication.
        "Sar-e Pol": ("appeared", (), ("Mawlawi Mahdi",)),
    }
