"""URL query parameters <-> view state: round trips, and bad values noted, never raised."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.views.filtering import ClaimFilter
from geo.views.viewstate import Options, ViewState, parse_query, to_query

OPTIONS = Options(
    actors=("NRF", "Taliban"),
    claim_types=("presence", "attack"),
    claimants=("NRF",),
    statuses=("claimed", "reported"),
    precisions=("day", "season"),
    places=("AF-PAN", "AF-KAB"),
)


def test_full_view_round_trips() -> None:
    state = ViewState(
        filter=ClaimFilter(
            start=dt.date(2021, 12, 1),
            end=dt.date(2022, 2, 28),
            actors=frozenset({"NRF", "Taliban"}),
            claim_types=frozenset({"presence"}),
            statuses=frozenset({"claimed"}),
            precisions=frozenset({"season"}),
            claimants=frozenset({"NRF"}),
        ),
        metric="latest",
        place="AF-PAN",
        presenter=True,
        as_of=dt.date(2022, 1, 15),
        as_of_mode="window",
    )
    parsed, notes = parse_query(to_query(state), OPTIONS)
    assert notes == []
    assert parsed == state


def test_default_view_is_an_empty_query() -> None:
    assert to_query(ViewState()) == {}
    assert parse_query({}, OPTIONS) == (ViewState(), [])


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"metric": ["colour"]}, "metric 'colour'"),
        ({"from": ["2022-13-01"]}, "from '2022-13-01'"),
        ({"from": ["2022-05-01"], "to": ["2022-01-01"]}, "'to' (2022-01-01) is before"),
        ({"place": ["AF-XXX"]}, "place 'AF-XXX'"),
        ({"presenter": ["yes"]}, "presenter 'yes'"),
        ({"asof": ["soon"]}, "asof 'soon'"),
        ({"asof_mode": ["rewind"]}, "asof_mode 'rewind'"),
        ({"status": ["<script>"]}, "status '<script>'"),
    ],
)
def test_bad_values_are_ignored_with_a_note(params, fragment) -> None:
    state, notes = parse_query(params, OPTIONS)
    assert any(fragment in n for n in notes), notes
    assert state == ViewState()


def test_too_many_values_are_capped() -> None:
    state, _ = parse_query({"actor": ["NRF"] * 10_000}, OPTIONS)
    assert state.filter.actors == frozenset({"NRF"})
