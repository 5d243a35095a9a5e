"""Playback: "as of" filters (cumulative or a window) combined with the user's own filter."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.time.playback import (
    DEFAULT_WINDOW_DAYS,
    EMPTY_WINDOW,
    MAX_STEPS,
    as_of_filter,
    is_empty_window,
    playback_steps,
)
from geo.views.filtering import ClaimFilter, describe_result, filter_claims
from tests.test_timeline import make_claims

D = dt.date


@pytest.fixture
def claims():
    return make_claims(
        {"date_start": "2022-05-31"},  # T1: starts on the as-of date
        {"date_start": "2022-06-01"},  # T2: starts the day after
        {"date_start": "2021-12-01", "date_end": "2022-03-02"},  # T3: ends on window's 1st day
        {"date_start": "2021-12-01", "date_end": "2022-03-01"},  # T4: ends the day before
        {"date_start": "2020-01-01", "actor": "Test Group B"},  # T5: long ago, other actor
    )


def shown(claims, claim_filter: ClaimFilter) -> set[str]:
    return set(filter_claims(claims, claim_filter).shown["claim_id"])


def test_cumulative_is_everything_that_starts_by_the_date(claims) -> None:
    f = as_of_filter(ClaimFilter(), D(2022, 5, 31), "cumulative")
    assert (f.start, f.end) == (None, D(2022, 5, 31))
    assert shown(claims, f) == {"T1", "T3", "T4", "T5"}


def test_window_is_the_last_days_up_to_the_date(claims) -> None:
    f = as_of_filter(ClaimFilter(), D(2022, 5, 31), "window")
    assert (f.start, f.end) == (D(2022, 3, 2), D(2022, 5, 31))
    assert (f.end - f.start).days + 1 == DEFAULT_WINDOW_DAYS
    assert shown(claims, f) == {"T1", "T3"}
    one_day = as_of_filter(ClaimFilter(), D(2022, 5, 31), "window", window_days=1)
    assert (one_day.start, one_day.end) == (D(2022, 5, 31), D(2022, 5, 31))


def test_the_users_window_and_other_filters_are_kept(claims) -> None:
    base = ClaimFilter(start=D(2022, 4, 1), end=D(2022, 12, 31), actors=frozenset({"Test Group A"}))
    cumulative = as_of_filter(base, D(2022, 5, 31), "cumulative")
    assert (cumulative.start, cumulative.end) == (D(2022, 4, 1), D(2022, 5, 31))
    assert cumulative.actors == base.actors
    assert shown(claims, cumulative) == {"T1"}
    # The as-of date after the user's window: the user's end still holds.
    late = as_of_filter(base, D(2023, 6, 30), "window", window_days=365)
    assert (late.start, late.end) == (D(2022, 7, 1), D(2022, 12, 31))
    # A datetime is read as its day.
    assert as_of_filter(base, dt.datetime(2022, 5, 31, 23, 59), "cumulative") == cumulative


def test_an_as_of_date_outside_the_users_window_shows_nothing(claims) -> None:
    base = ClaimFilter(start=D(2022, 5, 1), end=D(2022, 6, 30))
    for f in (
        as_of_filter(base, D(2022, 4, 30), "cumulative"),
        as_of_filter(base, D(2022, 4, 30), "window", window_days=30),
        as_of_filter(ClaimFilter(end=D(2021, 1, 1)), D(2022, 5, 31), "window"),
    ):
        assert is_empty_window(f)
        assert (f.start, f.end) == EMPTY_WINDOW
        result = filter_claims(claims, f)
        assert result.count == 0
        # The hidden-by note blames the date window, which is where the reason lies.
        assert result.hidden_by == {"dates": len(claims)}
        assert "5 hidden by the date window filter" in describe_result(result)
    assert not is_empty_window(as_of_filter(base, D(2022, 5, 1), "cumulative"))


def test_bad_mode_and_window_are_refused() -> None:
    with pytest.raises(ValueError, match="use 'cumulative' or 'window'"):
        as_of_filter(ClaimFilter(), D(2022, 1, 1), "latest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="1 or more"):
        as_of_filter(ClaimFilter(), D(2022, 1, 1), "window", window_days=0)


def test_steps_include_both_ends() -> None:
    assert playback_steps(D(2022, 5, 2), D(2022, 5, 20), "week") == [
        D(2022, 5, 2),
        D(2022, 5, 9),
        D(2022, 5, 16),
        D(2022, 5, 20),
    ]
    assert playback_steps(D(2022, 5, 2), D(2022, 5, 2), "month") == [D(2022, 5, 2)]
    assert playback_steps(D(2021, 8, 15), D(2022, 8, 30), "month")[-2:] == [
        D(2022, 8, 15),
        D(2022, 8, 30),
    ]


def test_month_steps_keep_the_day_or_the_months_last_day() -> None:
    assert playback_steps(D(2023, 12, 31), D(2024, 3, 31), "month") == [
        D(2023, 12, 31),
        D(2024, 1, 31),
        D(2024, 2, 29),
        D(2024, 3, 31),
    ]


def test_at_most_a_thousand_steps() -> None:
    start = D(2000, 1, 3)
    steps = playback_steps(start, start + dt.timedelta(weeks=MAX_STEPS - 1), "week")
    assert len(steps) == MAX_STEPS
    with pytest.raises(ValueError, match="step by month or shorten"):
        playback_steps(start, start + dt.timedelta(weeks=MAX_STEPS), "week")
    with pytest.raises(ValueError, match="step by month or shorten"):
        # 999 whole weeks and a few days: the unaligned end would be step 1001.
        playback_steps(start, start + dt.timedelta(weeks=MAX_STEPS - 1, days=3), "week")
    with pytest.raises(ValueError, match="swap the dates"):
        playback_steps(D(2022, 2, 1), D(2022, 1, 1), "week")
    with pytest.raises(ValueError, match="use 'week' or 'month'"):
        playback_steps(D(2022, 1, 1), D(2022, 2, 1), "day")  # type: ignore[arg-type]
