"""Filters (interval semantics, hidden counts) and the per-province aggregates."""

from __future__ import annotations

import datetime as dt
import gc

import numpy as np
import pandas as pd
import pytest

from geo.dataset import load_dataset
from geo.views import filtering as views
from geo.views.filtering import ClaimFilter, filter_claims, province_summary, summarise


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
        "location_precision": "place",
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


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("categorical", [True, False])
@pytest.mark.parametrize("grid", [True, False])  # distinct pairs by grid, or by sorting
def test_fast_summary_equals_the_pandas_reference(
    seed: int, categorical: bool, grid: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not grid:
        monkeypatch.setattr(views, "_DENSE_PER_ROW", 0)
    rng = np.random.default_rng(seed)
    n = 2_000
    places = ["AF-PAN", "AF-KAB", "AF-HEL", "AF-BGL", None]
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D")
    frame = pd.DataFrame(
        {
            "claim_id": [f"c{i}" for i in range(n)],
            # More claimants than fit in one bit set, so both ways of collecting sets run.
            "claimant": rng.choice(["NRF", "CNN", "UN", *[f"outlet {i}" for i in range(70)]], n),
            "actor": rng.choice(["NRF", "Taliban", "ISKP", "US"], n, p=[0.5, 0.3, 0.15, 0.05]),
            "claim_type": rng.choice(["presence", "attack", "control"], n),
            "province": rng.choice(np.array(places, dtype=object), n),
            "date_start": start,
            "date_end": start + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
            "date_precision": rng.choice(["day", "week", "season"], n),
            "location_precision": rng.choice(["place", "near", "region"], n),
            "status": rng.choice(["claimed", "reported", "corroborated"], n, p=[0.6, 0.35, 0.05]),
            "source_id": rng.choice(["s1", "s2"], n),
        }
    )
    frame["date_start"] = frame["date_start"].astype("datetime64[s]")
    frame["date_end"] = frame["date_end"].astype("datetime64[s]")
    text = [
        "claimant",
        "actor",
        "claim_type",
        "province",
        "date_precision",
        "location_precision",
        "status",
        "source_id",
    ]
    frame = frame.astype({c: "category" if categorical else "string" for c in text})
    if categorical:  # categories out of label order, as after a concat of two tables
        for c in text:
            frame[c] = frame[c].cat.reorder_categories(frame[c].cat.categories[::-1])
    f = ClaimFilter(
        start=dt.date(2021, 6, 1),
        end=dt.date(2022, 3, 1),
        actors=frozenset({"NRF", "Taliban", "US"}),
        statuses=frozenset({"claimed", "corroborated"}),
    )
    result = filter_claims(frame, f)
    fast, reference = summarise(result), province_summary(result.on_map)
    reference.index = reference.index.astype(str)
    pd.testing.assert_frame_equal(fast, reference, check_dtype=False, check_index_type=False)
    assert result.count == len(result.shown)


def test_a_view_with_no_presence_claim_is_summarised_too() -> None:
    # The loader's categorical columns: an empty group's unique() broke the reindex.
    claims = load_dataset().claims
    others = frozenset(set(claims["claim_type"].astype(str)) - {"presence"})
    result = filter_claims(claims, ClaimFilter(claim_types=others))
    assert len(result.on_map) and not (result.on_map["claim_type"] == "presence").any()
    reference = province_summary(result.on_map)
    assert list(reference["presence_actors"]) == [()] * len(reference)
    reference.index = reference.index.astype(str)
    fast = summarise(result)
    pd.testing.assert_frame_equal(fast, reference, check_dtype=False, check_index_type=False)


def test_a_tables_coded_columns_are_made_once_and_freed_with_it() -> None:
    claims = load_dataset().claims.copy()
    result = filter_claims(claims, ClaimFilter(actors=frozenset({"Taliban"})))
    first = summarise(result)
    key = id(claims)
    kept = views._MADE[key]
    assert {("coded", "province"), ("coded", "actor")} <= set(kept)
    made = kept[("coded", "actor")]
    pd.testing.assert_frame_equal(summarise(result), first)
    assert views._MADE[key][("coded", "actor")] is made  # reused, not made again
    del claims, result, kept, made
    gc.collect()
    assert key not in views._MADE  # the codes must not keep a dropped table alive


def test_fast_summary_of_nothing_in_view(claims) -> None:
    assert summarise(filter_claims(claims, ClaimFilter(actors=frozenset()))).empty


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("n_actors", [1, 6])  # few chosen: comparisons; many: a lookup table
def test_filter_equals_a_row_by_row_reference(unit: str, n_actors: int) -> None:
    rng = np.random.default_rng(7)
    n = 3_000
    # Times of day included: a claim dated 12:00 on the window's last day is in view.
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 900 * 24, n), unit="h")
    actors = [f"actor {i}" for i in range(8)]
    frame = pd.DataFrame(
        {
            "actor": pd.Categorical(rng.choice(actors, n)),
            "province": pd.Categorical(rng.choice(["AF-PAN", "AF-KAB"], n)),
            "date_start": start.astype(f"datetime64[{unit}]"),
            "date_end": (start + pd.to_timedelta(rng.integers(0, 60 * 24, n), unit="h")).astype(
                f"datetime64[{unit}]"
            ),
        }
    )
    wanted = frozenset(actors[:n_actors])
    f = ClaimFilter(start=dt.date(2021, 9, 1), end=dt.date(2022, 2, 28), actors=wanted)
    expected = [
        row.actor in wanted and row.date_start.date() <= f.end and row.date_end.date() >= f.start
        for row in frame.itertuples()
    ]
    result = filter_claims(frame, f)
    assert result.mask.tolist() == expected
    assert 0 < result.count < n


@pytest.mark.parametrize("ordered", [True, False])  # False: some claims end before they start
@pytest.mark.parametrize("categorical", [True, False])
@pytest.mark.parametrize("dates", ["complete", "some missing", "units differ", "one long claim"])
def test_filter_and_hidden_counts_equal_a_row_by_row_reference(
    ordered: bool, categorical: bool, dates: str
) -> None:
    # Random filters of every shape (empty, one, several values; open, reversed windows),
    # their hidden counts included, against the definition. The date variants take each
    # way a window is looked up: claims near it only, or (dates missing, units differing)
    # every claim; a long claim widens the reach of every window.
    rng = np.random.default_rng(11)
    n = 600
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 400 * 24, n), unit="h")
    length = pd.to_timedelta(rng.integers(0 if ordered else -20 * 24, 40 * 24, n), unit="h")
    values = {
        "actor": ["NRF", "Taliban", "ISKP", "US", None],
        "claim_type": ["presence", "attack", "control"],
        "claimant": ["NRF", "CNN", "UN", "AP"],
        "status": ["claimed", "reported", "corroborated"],
        "date_precision": ["day", "month"],
        "province": ["AF-PAN", "AF-KAB", None],
        "source_id": ["src-1", "src-2", "src-3", None],
    }
    frame = pd.DataFrame(
        {c: rng.choice(np.array(v, dtype=object), n) for c, v in values.items()}
        | {"date_start": start, "date_end": start + length}
    )
    frame = frame.astype({c: "category" if categorical else "string" for c in values})
    if dates == "some missing":
        frame.loc[rng.random(n) < 0.05, "date_start"] = pd.NaT
        frame.loc[rng.random(n) < 0.05, "date_end"] = pd.NaT
    elif dates == "units differ":
        frame["date_end"] = frame["date_end"].astype("datetime64[ms]")
    elif dates == "one long claim":
        frame.loc[n // 2, "date_end"] = pd.Timestamp("2023-06-30")
    columns = views.CATEGORY_FILTERS
    for trial in range(150):
        kwargs: dict[str, object] = {}
        for name, column in columns.items():
            if rng.random() < 0.5:
                labels = [v for v in values[column] if v is not None] + ["absent"]
                k = int(rng.choice([0, 1, 1, 1, 2, 3]))
                kwargs[name] = frozenset(rng.choice(labels, k, replace=False).tolist())
        days = sorted(rng.integers(0, 450, 2).tolist())
        if rng.random() < 0.1:
            days.reverse()  # a window that ends before it starts
        for side, day in zip(("start", "end"), days, strict=True):
            if rng.random() < 0.7:
                kwargs[side] = dt.date(2021, 1, 1) + dt.timedelta(days=day)
        f = ClaimFilter(**kwargs)

        passes: dict[str, list[bool]] = {}
        if f.start is not None or f.end is not None:
            passes["dates"] = [
                not (pd.isna(row.date_start) or pd.isna(row.date_end))
                and (f.end is None or row.date_start < pd.Timestamp(f.end + dt.timedelta(days=1)))
                and (f.start is None or not row.date_end < pd.Timestamp(f.start))
                for row in frame.itertuples()
            ]
        for name, column in columns.items():
            wanted = getattr(f, name)
            if wanted is not None:
                passes[name] = [not pd.isna(v) and v in wanted for v in frame[column]]
        in_view = [all(p[i] for p in passes.values()) for i in range(n)]

        result = filter_claims(frame, f)
        assert result.mask.tolist() == in_view, f
        assert result.hidden_by == {name: n - sum(p) for name, p in passes.items()}, f
        if trial % 5:
            continue
        # The rows copied out are the ones in view, in the table's order (every fifth
        # filter: the frames' comparison costs more than the filtering).
        kept = np.array(in_view)
        located = frame["province"].notna().to_numpy()
        pd.testing.assert_frame_equal(result.shown, frame[kept])
        pd.testing.assert_frame_equal(result.on_map, frame[kept & located])
        pd.testing.assert_frame_equal(result.country_wide, frame[kept & ~located])
        assert result.country_wide_count == int((kept & ~located).sum())
        for place in ("AF-KAB", "AF-PAN", "AF-XXX"):
            here = (frame["province"] == place).to_numpy(dtype=bool, na_value=False)
            pd.testing.assert_frame_equal(result.at(place), frame[kept & here])
        used = frame.loc[kept, "source_id"].dropna().unique().tolist()
        assert views.sources_in_view(result) == sorted(used), f


def test_a_claim_longer_than_nanoseconds_can_count_stays_in_its_windows() -> None:
    # 500 years in nanoseconds is past int64: the window's reach back must not wrap.
    frame = pd.DataFrame(
        [
            claim("long", "NRF", "presence", "AF-PAN", "1700-01-01", "2200-01-01"),
            claim("short", "NRF", "presence", "AF-KAB", "2022-01-01", "2022-01-02"),
        ]
    ).astype({"date_start": "datetime64[ns]", "date_end": "datetime64[ns]"})
    result = filter_claims(frame, ClaimFilter(start=dt.date(2100, 1, 1), end=dt.date(2100, 2, 1)))
    assert list(result.shown["claim_id"]) == ["long"]


def test_more_place_and_value_pairs_than_int32_holds_are_summarised() -> None:
    # 50,000 places x 50,000 sources: 2.5 billion (place, source) pairs, past int32.
    rows = [
        claim("a", "NRF", "presence", "P00001", "2022-01-01", "2022-01-02"),
        claim("b", "NRF", "presence", "P49999", "2022-01-01", "2022-01-02"),
        claim("c", "Taliban", "presence", "P49999", "2022-01-01", "2022-01-02"),
    ]
    frame = pd.DataFrame(rows).assign(source_id=["S49999", "S00002", "S00001"])
    frame = frame.astype({c: "category" for c in ("claimant", "actor", "claim_type")})
    frame["province"] = pd.Categorical(
        frame["province"], categories=[f"P{i:05d}" for i in range(50_000)]
    )
    frame["source_id"] = pd.Categorical(
        frame["source_id"], categories=[f"S{i:05d}" for i in range(50_000)]
    )
    result = filter_claims(frame, ClaimFilter())
    fast, reference = summarise(result), province_summary(result.on_map)
    reference.index = reference.index.astype(str)
    pd.testing.assert_frame_equal(fast, reference, check_dtype=False, check_index_type=False)
    assert fast.loc["P49999", "source_ids"] == ("S00001", "S00002")


@pytest.mark.parametrize(
    ("change", "error", "advice"),
    [
        (lambda f: f.assign(date_start=f["date_start"].dt.date), TypeError, "pd.to_datetime"),
        (lambda f: f.assign(date_end=f["date_end"].dt.strftime("%Y-%m-%d")), TypeError, "to_dat"),
        (lambda f: f.assign(date_end=f["date_end"].dt.tz_localize("UTC")), TypeError, "tz_"),
        (lambda f: f.drop(columns=["date_start"]), ValueError, "load_claims"),
    ],
    ids=["python dates", "text dates", "time-zone-aware", "no start column"],
)
def test_a_table_without_dates_in_date_columns_is_refused_with_advice(
    claims, change, error, advice
) -> None:
    with pytest.raises(error, match=advice):
        filter_claims(change(claims), ClaimFilter(actors=frozenset({"NRF"})))
