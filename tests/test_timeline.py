"""Claims per week or month (a range counts once in every period it touches) and range bars."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geo.dataset import load_dataset
from geo.model.claims import CLAIM_FIELDS, with_claim_dtypes
from geo.time.timeline import (
    BAR_COLUMNS,
    COUNTRY_WIDE,
    PERIOD_COLUMNS,
    claim_bars,
    claims_by_period,
)


def make_claims(*rows: dict[str, object]) -> pd.DataFrame:
    """Synthetic claims with the loader's columns and dtypes (categories, datetime64[s])."""
    defaults: dict[str, object] = {
        "claimant": "Test Claimant",
        "actor": "Test Group A",
        "claim_type": "presence",
        "province": "AF-PAN",
        "province_input": "",
        "place": "",
        "location_precision": "place",
        "date_precision": "day",
        "status": "claimed",
        "source_id": "test-source",
        "locator": "test",
        "quote": "",
        "summary": "A synthetic test claim.",
    }
    records = []
    for i, row in enumerate(rows):
        record = {**defaults, "claim_id": f"T{i + 1}", "row": i + 2, **row}
        record.setdefault("date_end", record["date_start"])
        records.append(record)
    frame = pd.DataFrame(records, columns=list(CLAIM_FIELDS))
    for column in ("date_start", "date_end"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[s]")
    return with_claim_dtypes(frame)


def rows_of(table: pd.DataFrame) -> list[tuple[str, str, int, int, tuple[str, ...]]]:
    return [
        (r.period_label, r.group, r.n_claims, r.n_ranged, r.claim_ids)
        for r in table.itertuples(index=False)
    ]


def test_a_season_counts_once_in_each_month_it_spans_and_is_a_range() -> None:
    claims = make_claims(
        {"date_start": "2021-12-01", "date_end": "2022-02-28", "date_precision": "season"},
        {"date_start": "2022-01-10"},
        {"date_start": "2022-01-20", "date_end": "2022-01-27", "date_precision": "week"},
    )
    table = claims_by_period(claims, "month", "actor")
    assert list(table.columns) == list(PERIOD_COLUMNS)
    assert rows_of(table) == [
        ("2021-12", "Test Group A", 1, 1, ("T1",)),
        ("2022-01", "Test Group A", 3, 1, ("T1", "T2", "T3")),
        ("2022-02", "Test Group A", 1, 1, ("T1",)),
    ]
    assert list(table["period_start"]) == [
        pd.Timestamp("2021-12-01"),
        pd.Timestamp("2022-01-01"),
        pd.Timestamp("2022-02-01"),
    ]


def test_weeks_are_iso_weeks_starting_on_monday() -> None:
    claims = make_claims(
        {"date_start": "2022-05-15"},  # a Sunday: the last day of 2022-W19
        {"date_start": "2022-05-15", "date_end": "2022-05-16"},  # Sunday to Monday
        {"date_start": "2022-05-16", "date_end": "2022-05-22"},  # Monday to Sunday
        {"date_start": "2021-01-03"},  # a Sunday in ISO week 53 of 2020
    )
    table = claims_by_period(claims, "week", "actor")
    assert rows_of(table) == [
        ("2020-W53", "Test Group A", 1, 0, ("T4",)),
        ("2022-W19", "Test Group A", 2, 1, ("T1", "T2")),
        ("2022-W20", "Test Group A", 2, 1, ("T2", "T3")),
    ]
    starts = [ts.date() for ts in table["period_start"]]
    assert starts == [dt.date(2020, 12, 28), dt.date(2022, 5, 9), dt.date(2022, 5, 16)]
    assert all(day.weekday() == 0 for day in starts)


def test_grouping_by_actor_and_by_province() -> None:
    claims = make_claims(
        {"date_start": "2022-05-01", "actor": "Test Group A", "province": "AF-PAN"},
        {"date_start": "2022-05-02", "actor": "Test Group B", "province": "AF-PAN"},
        {"date_start": "2022-05-03", "actor": "Test Group B", "province": "AF-KAB"},
        {"date_start": "2022-05-04", "actor": "Test Group B", "province": None},
    )
    by_actor = claims_by_period(claims, "month", "actor")
    assert rows_of(by_actor) == [
        ("2022-05", "Test Group A", 1, 0, ("T1",)),
        ("2022-05", "Test Group B", 3, 0, ("T2", "T3", "T4")),
    ]
    by_province = claims_by_period(claims, "month", "province")
    assert rows_of(by_province) == [
        ("2022-05", COUNTRY_WIDE, 1, 0, ("T4",)),
        ("2022-05", "AF-KAB", 1, 0, ("T3",)),
        ("2022-05", "AF-PAN", 2, 0, ("T1", "T2")),
    ]


def test_grouping_by_status_and_claim_type() -> None:
    claims = make_claims(
        {"date_start": "2022-05-01", "status": "claimed", "claim_type": "attack"},
        {"date_start": "2022-05-02", "status": "disputed", "claim_type": "attack"},
    )
    assert set(claims_by_period(claims, "month", "status")["group"]) == {"claimed", "disputed"}
    assert list(claims_by_period(claims, "month", "claim_type")["n_claims"]) == [2]


def test_matches_a_day_by_day_count_on_random_ranges() -> None:
    rng = np.random.default_rng(6)
    starts = pd.Timestamp("2020-12-01") + pd.to_timedelta(rng.integers(0, 500, 300), unit="D")
    lengths = rng.choice([0, 0, 3, 10, 40, 100, 400], 300)
    claims = make_claims(
        *(
            {
                "date_start": s,
                "date_end": s + pd.Timedelta(days=int(n)),
                "actor": f"Test Group {'ABC'[i % 3]}",
            }
            for i, (s, n) in enumerate(zip(starts, lengths, strict=True))
        )
    )
    for period in ("week", "month"):
        expected: dict[tuple[str, str], list[str]] = {}
        for claim in claims.itertuples():
            labels = []
            for day in pd.date_range(claim.date_start, claim.date_end, freq="D"):
                if period == "month":
                    label = f"{day.year}-{day.month:02d}"
                else:
                    year, week, _ = day.isocalendar()
                    label = f"{year}-W{week:02d}"
                if label not in labels:
                    labels.append(label)
            for label in labels:
                expected.setdefault((label, claim.actor), []).append(claim.claim_id)
        table = claims_by_period(claims, period, "actor")
        got = {(r.period_label, r.group): list(r.claim_ids) for r in table.itertuples()}
        assert got == expected
        spans = {cid: 0 for cid in claims["claim_id"]}
        for ids in table["claim_ids"]:
            for cid in ids:
                spans[cid] += 1
        ranged = {cid for cid, n in spans.items() if n > 1}
        assert table["n_ranged"].tolist() == [
            sum(cid in ranged for cid in ids) for ids in table["claim_ids"]
        ]


def test_built_in_claims_count_once_per_month_they_touch() -> None:
    claims = load_dataset().claims
    table = claims_by_period(claims, "month", "province")
    months = (
        (claims["date_end"].dt.year - claims["date_start"].dt.year) * 12
        + claims["date_end"].dt.month
        - claims["date_start"].dt.month
        + 1
    )
    assert table["n_claims"].sum() == months.sum()
    # C021: NRF presence in Panjshir "this past winter", 2021-12-01 to 2022-02-28.
    panjshir = table[table["group"] == "AF-PAN"]
    winter = panjshir[panjshir["claim_ids"].map(lambda ids: "C021" in ids)]
    assert list(winter["period_label"]) == ["2021-12", "2022-01", "2022-02"]


def test_empty_input_gives_an_empty_table_with_the_columns() -> None:
    empty = make_claims().iloc[:0]
    for period in ("week", "month"):
        table = claims_by_period(empty, period, "actor")
        assert table.empty and list(table.columns) == list(PERIOD_COLUMNS)
    bars = claim_bars(empty, "actor")
    assert bars.empty and list(bars.columns) == list(BAR_COLUMNS)


def test_absurd_and_backwards_ranges_are_refused_naming_the_claim() -> None:
    too_long = make_claims(
        {"date_start": "2022-01-01"}, {"date_start": "2002-01-01", "date_end": "2022-08-30"}
    )
    with pytest.raises(ValueError, match=r"claim T2 .*more than 20 years"):
        claims_by_period(too_long, "month", "actor")
    backwards = make_claims({"date_start": "2022-01-01"}).assign(
        date_end=pd.Series([pd.Timestamp("2021-12-31")]).astype("datetime64[s]")
    )
    with pytest.raises(ValueError, match=r"claim T1 ends .* before it starts"):
        claims_by_period(backwards, "week", "actor")


def test_bad_arguments_say_what_is_allowed() -> None:
    claims = make_claims({"date_start": "2022-01-01"})
    with pytest.raises(ValueError, match="use one of: week, month"):
        claims_by_period(claims, "day", "actor")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="use one of: actor, claim_type"):
        claims_by_period(claims, "month", "claimant")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lacks column"):
        claims_by_period(claims.drop(columns="actor"), "month", "actor")


def test_a_hundred_thousand_claims_are_expanded_without_a_python_loop() -> None:
    rng = np.random.default_rng(1)
    n = 100_000
    start = np.datetime64("2019-01-01") + rng.integers(0, 2500, n).astype("timedelta64[D]")
    end = start + rng.choice([0, 6, 30, 90, 365], n).astype("timedelta64[D]")
    claims = pd.DataFrame(
        {
            "claim_id": [f"T{i}" for i in range(n)],
            "actor": pd.Categorical(rng.choice(["Test Group A", "Test Group B"], n)),
            "date_start": start.astype("datetime64[s]"),
            "date_end": end.astype("datetime64[s]"),
        }
    )
    table = claims_by_period(claims, "week", "actor")
    assert table["n_claims"].sum() == sum(len(ids) for ids in table["claim_ids"])
    assert table["n_claims"].sum() > n


def test_claim_bars_have_width_and_say_whether_they_are_ranges() -> None:
    claims = make_claims(
        {"date_start": "2022-05-01", "actor": "Test Group B", "summary": "one day"},
        {
            "date_start": "2021-12-01",
            "date_end": "2022-02-28",
            "date_precision": "season",
            "actor": "Test Group A",
        },
        {"date_start": "2022-01-01", "actor": "Test Group A", "province": None},
    )
    bars = claim_bars(claims, "actor")
    assert list(bars.columns) == list(BAR_COLUMNS)
    assert list(bars["claim_id"]) == ["T2", "T3", "T1"]  # by group, then start
    one_day = bars.set_index("claim_id").loc["T1"]
    assert one_day["end_exclusive"] - one_day["start"] == pd.Timedelta(days=1)
    assert not one_day["is_range"] and one_day["summary"] == "one day"
    season = bars.set_index("claim_id").loc["T2"]
    assert season["start"] == pd.Timestamp("2021-12-01")
    assert season["end_exclusive"] == pd.Timestamp("2022-03-01")
    assert season["is_range"] and season["precision"] == "season"
    by_province = claim_bars(claims, "province").set_index("claim_id")
    assert by_province.loc["T3", "group"] == COUNTRY_WIDE
    assert by_province.loc["T1", "group"] == "AF-PAN"
