"""Filters (interval semantics, hidden counts) and the per-province aggregates."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geo.views import ClaimFilter, filter_claims, province_summary


def claim(cid, actor, ctype, province, start, end, status="claimed", claimant="NRF"):
    return {
        "claim_id": cid,
        "claimant": claimant,
        "actor": actor,
        "claim_type": ctype,
        "province": province,
        "date_start": pd.Timestamp(start),
        "date_end": pd.Timestamp(end),
        "date_precision": "day",
        "status": status,
        "source_id": "s1",
    }


@pytest.fixture
def claims() -> pd.DataFrame:
    rows = [
        claim("a", "NRF", "presence", "AF-PAN", "2021-12-01", "2022-02-28"),
        claim("b", "NRF", "attack", "AF-PAN", "2022-05-01", "2022-05-07"),
        claim("c", "Taliban", "control", "AF-KAB", "2021-08-15", "2021-08-15", "reported", "CNN"),
        claim("d", "Taliban", "presence", "AF-PAN", "2022-08-30", "2022-08-30", "corroborated"),
        claim("e", "NRF", "presence", None, "2022-08-30", "2022-08-30"),
    ]
    df = pd.DataFrame(rows)
    # The loader hands out pandas string columns; aggregate over the same dtypes.
    text = [c for c in df.columns if not c.startswith("date_")]
    return df.astype({c: "string" for c in text})


@pytest.mark.parametrize(
    ("start", "end", "in_view"),
    [
        ("2022-01-15", "2022-01-20", True),  # inside the range
        ("2021-11-01", "2021-12-01", True),  # touches its first day
        ("2022-02-28", "2022-03-31", True),  # touches its last day
        ("2021-01-01", "2023-01-01", True),  # covers it
        ("2021-11-01", "2021-11-30", False),  # ends the day before
        ("2022-03-01", "2022-04-01", False),  # starts the day after
    ],
)
def test_date_window_is_interval_overlap(claims, start, end, in_view) -> None:
    f = ClaimFilter(start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end))
    assert ("a" in set(filter_claims(claims, f).shown["claim_id"])) is in_view


def test_open_ended_window(claims) -> None:
    shown = filter_claims(claims, ClaimFilter(start=dt.date(2022, 5, 5))).shown
    assert set(shown["claim_id"]) == {"b", "d", "e"}


def test_hidden_counts_per_filter(claims) -> None:
    f = ClaimFilter(actors=frozenset({"NRF"}), statuses=frozenset({"claimed"}))
    result = filter_claims(claims, f)
    assert set(result.shown["claim_id"]) == {"a", "b", "e"}
    assert result.total == 5
    assert result.hidden_by == {"actors": 2, "statuses": 2}
    assert set(result.country_wide["claim_id"]) == {"e"}
    assert set(result.on_map["claim_id"]) == {"a", "b"}


def test_no_filter_shows_everything(claims) -> None:
    result = filter_claims(claims, ClaimFilter())
    assert len(result.shown) == 5 and result.hidden_by == {}


def test_empty_selection_hides_everything(claims) -> None:
    assert filter_claims(claims, ClaimFilter(actors=frozenset())).shown.empty


def test_province_summary(claims) -> None:
    summary = province_summary(claims)
    assert list(summary.index) == ["AF-KAB", "AF-PAN"]
    pan = summary.loc["AF-PAN"]
    assert pan["n_claims"] == 3
    assert pan["n_actors"] == 2
    assert pan["latest"] == pd.Timestamp("2022-08-30")
    assert pan["presence_actors"] == ("NRF", "Taliban")
    assert bool(pan["verified"]) is True
    kab = summary.loc["AF-KAB"]
    assert kab["presence_actors"] == ()
    assert bool(kab["verified"]) is False
    assert kab["claimants"] == ("CNN",)


def test_country_wide_claims_stay_off_the_summary(claims) -> None:
    assert summary_codes(province_summary(claims[claims["claim_id"] == "e"])) == []


def summary_codes(summary: pd.DataFrame) -> list[str]:
    return list(summary.index)


def test_active_filters_in_words() -> None:
    f = ClaimFilter(start=dt.date(2022, 1, 1), actors=frozenset({"Taliban", "NRF"}))
    assert f.active() == {"dates": "2022-01-01 to now", "actors": "NRF, Taliban"}
