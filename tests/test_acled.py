"""ACLED exports to claims: the mapping table, dates, countries, and what is not converted."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.model.claims import COLUMNS, validate_claims
from geo.model.places import load_place_registry
from geo.model.sources import SOURCE_COLUMNS
from geo.model.vocab import CLAIM_TYPES
from geo.reading.acled import (
    ACLED_COLUMNS,
    ACLED_CORE_COLUMNS,
    ANY_OTHER,
    FIELD_SOURCES,
    SOURCE_ID,
    SUB_EVENT_CLAIMS,
    acled_to_claims,
    claim_type_for,
    is_acled,
    missing_acled_columns,
)
from geo.reading.mapping import relabel_problems


def event(i: int = 1, **changes: str) -> dict[str, str]:
    row = dict.fromkeys(ACLED_COLUMNS, "")
    row.update(
        event_id_cnty=f"AFGTEST{i:02d}",
        event_date="2022-05-16",
        time_precision="1",
        event_type="Battles",
        sub_event_type="Armed clash",
        actor1="Test Group A",
        actor2="Test Group B",
        country="Afghanistan",
        admin1="Kabul",
        admin2="Test District",
        location="Test Village",
        geo_precision="1",
        source="Test News Agency",
        notes=f"Synthetic test event {i}.",
        timestamp="1652745600",
    )
    row.update(changes)
    return row


def convert(*events: dict[str, str], **options: str):
    frame = pd.DataFrame(list(events), dtype=object)
    return acled_to_claims(frame, [i + 2 for i in range(len(events))], **options)


def test_one_event_becomes_one_claim_as_documented() -> None:
    result = convert(event(1))
    assert list(result.claims.columns) == list(COLUMNS)
    assert result.claims.iloc[0].to_dict() == {
        "claim_id": "ACLED-AFGTEST01",
        "claimant": "Test News Agency",
        "actor": "Test Group A",
        "claim_type": "attack",
        "province": "Kabul",
        "place": "Test Village, Test District",
        "location_precision": "place",
        "date_start": "2022-05-16",
        "date_end": "2022-05-16",
        "date_precision": "day",
        "status": "reported",
        "source_id": "ACLED",
        "locator": "ACLED event AFGTEST01",
        "quote": "",
        "summary": "Synthetic test event 1.",
    }
    assert result.claim_row_numbers == [2]
    assert result.problems == []


def test_the_export_is_one_source() -> None:
    result = convert(event(1, timestamp="1652745600"), event(2, timestamp="1660000000"))
    assert list(result.sources.columns) == list(SOURCE_COLUMNS)
    (source,) = result.sources.to_dict("records")
    assert source["source_id"] == SOURCE_ID
    assert source["published"] == "2022-08-08"  # the latest timestamp
    assert source["kind"] == "dataset"
    assert source["publisher"] == "Armed Conflict Location & Event Data Project (ACLED)"
    assert "not verified by this dashboard" in source["reliability_note"]


def test_source_dated_by_latest_event_when_no_timestamps() -> None:
    result = convert(
        event(1, timestamp="", event_date="2022-05-16"),
        event(2, timestamp="", event_date="2022-06-01"),
    )
    assert result.sources.iloc[0]["published"] == "2022-06-01"


def test_any_timestamp_wins_over_event_dates() -> None:
    result = convert(
        event(1, timestamp="1652745600", event_date="2022-05-16"),
        event(2, timestamp="", event_date="2022-06-01"),
    )
    assert result.sources.iloc[0]["published"] == "2022-05-17"


def test_timestamp_that_is_not_unix_seconds_is_noted() -> None:
    result = convert(event(1, timestamp="yesterday"))
    assert result.sources.iloc[0]["published"] == "2022-05-16"
    assert any("not Unix seconds" in n for n in result.notes)


@pytest.mark.parametrize(
    ("date", "precision", "start", "end", "term"),
    [
        ("2022-05-16", "1", "2022-05-16", "2022-05-16", "day"),
        ("16 May 2022", "1", "2022-05-16", "2022-05-16", "day"),
        ("2022-05-16", "2", "2022-05-13", "2022-05-19", "week"),
        ("2022-01-01", "2", "2021-12-29", "2022-01-04", "week"),
        ("2022-05-16", "3", "2022-05-01", "2022-05-31", "month"),
        ("2024-02-10", "3", "2024-02-01", "2024-02-29", "month"),
        ("2022-12-31", "3", "2022-12-01", "2022-12-31", "month"),
    ],
)
def test_dates_widen_with_time_precision(date, precision, start, end, term) -> None:
    claim = convert(event(1, event_date=date, time_precision=precision)).claims.iloc[0]
    assert (claim["date_start"], claim["date_end"], claim["date_precision"]) == (start, end, term)


@pytest.mark.parametrize(
    ("event_type", "sub_event_type", "claim_type"),
    [
        ("Battles", "Government regains territory", "control"),
        ("Battles", "Non-state actor overtakes territory", "control"),
        ("Battles", "Armed clash", "attack"),
        ("Battles", "", "attack"),
        ("Protests", "Excessive force against protesters", None),
        ("Explosions/Remote violence", "Air/drone strike", "attack"),
        ("Violence against civilians", "Abduction/forced disappearance", "attack"),
        ("Strategic developments", "Non-violent transfer of territory", "control"),
        ("Strategic developments", "Headquarters or base established", "presence"),
        ("strategic  developments", "headquarters or base established", "presence"),
        ("Strategic developments", "Arrests", None),
        ("Strategic developments", "Disrupted weapons use", None),
        ("Strategic developments", "Looting/property destruction", None),
        ("Strategic developments", "Agreement", None),
        ("Strategic developments", "Change to group/activity", None),
        ("Strategic developments", "Other", None),
        ("Protests", "Peaceful protest", None),
        ("Riots", "Mob violence", None),
    ],
)
def test_claim_type_table(event_type, sub_event_type, claim_type) -> None:
    assert claim_type_for(event_type, sub_event_type) == claim_type


@pytest.mark.parametrize(("types", "conversion"), list(SUB_EVENT_CLAIMS.items()))
def test_each_sub_event_type_converts_as_the_table_says(
    types: tuple[str, str], conversion: tuple[str, str] | None
) -> None:
    event_type, sub_event_type = types
    if sub_event_type == ANY_OTHER:
        sub_event_type = "A sub-event type not in the codebook"
    row = event(1, event_type=event_type, sub_event_type=sub_event_type)
    row.update(actor1="Test Group A", actor2="Test Group B")
    result = convert(row)
    if conversion is None:
        assert result.claims.empty
        (problem,) = result.problems
        assert problem.column == "event_type"
        assert "has no claim type in this dashboard's vocabulary" in problem.message
        return
    claim_type, actor_column = conversion
    assert result.problems == []
    (claim,) = result.claims.to_dict("records")
    assert claim["claim_type"] == claim_type
    assert claim["actor"] == row[actor_column]


def test_the_table_covers_the_codebooks_sub_event_types_with_known_claim_types() -> None:
    # ACLED's codebook: 6 event types, 25 sub-event types, and one "(any other)" row each.
    assert len(SUB_EVENT_CLAIMS) == 25 + 6
    assert {e for e, s in SUB_EVENT_CLAIMS if s == ANY_OTHER} == {e for e, _ in SUB_EVENT_CLAIMS}
    converted = [c for c in SUB_EVENT_CLAIMS.values() if c is not None]
    assert {t for t, _ in converted} <= set(CLAIM_TYPES)
    # FIELD_SOURCES names actor1 as the column of every claim's actor: problems with the
    # actor are reported at that column.
    assert {a for _, a in converted} == {FIELD_SOURCES["actor"]}


def test_territory_taken_is_control_by_whoever_took_it() -> None:
    result = convert(
        event(
            1,
            sub_event_type="Non-state actor overtakes territory",
            actor1="Test Group A",
            actor2="Test State Forces",
            notes="",
        ),
        event(
            2,
            sub_event_type="Government regains territory",
            actor1="Test State Forces",
            actor2="Test Group A",
        ),
    )
    assert result.claims[["claim_type", "actor"]].to_numpy().tolist() == [
        ["control", "Test Group A"],
        ["control", "Test State Forces"],
    ]
    assert result.claims["summary"].iloc[0] == (
        "Non-state actor overtakes territory: Test Group A vs Test State Forces in Test Village"
    )
    load = validate_claims(
        result.claims,
        places=load_place_registry(),
        source_ids=set(result.sources["source_id"]),
        row_numbers=result.claim_row_numbers,
    )
    assert load.errors == [] and list(load.claims["claim_type"]) == ["control", "control"]


def test_event_without_a_claim_type_is_reported_not_invented() -> None:
    result = convert(event(1, event_type="Riots", sub_event_type="Mob violence"))
    assert result.claims.empty and result.sources.empty
    (problem,) = result.problems
    assert (problem.row, problem.column, problem.value) == (2, "event_type", "Riots")
    assert "has no claim type in this dashboard's vocabulary" in problem.message
    assert "Converted are: Battles: Armed clash and any other sub-event type (as attack), " in (
        problem.message
    )
    assert "Government regains territory and Non-state actor overtakes territory (as control)" in (
        problem.message
    )


def test_unknown_event_type_is_named_as_such() -> None:
    (problem,) = convert(event(1, event_type="Batles")).problems
    assert "'Batles' (Armed clash) is not an ACLED event type" in problem.message


@pytest.mark.parametrize(
    ("changes", "column", "part"),
    [
        ({"event_date": "05/06/2022"}, "event_date", "ambiguous"),
        ({"event_date": ""}, "event_date", "is not a date"),
        ({"time_precision": "0"}, "time_precision", "must be 1"),
        ({"time_precision": ""}, "time_precision", "must be 1"),
        ({"event_id_cnty": ""}, "event_id_cnty", "event_id_cnty is empty"),
        ({"geo_precision": "4"}, "geo_precision", "must be 1 (the place itself)"),
        ({"geo_precision": ""}, "geo_precision", "must be 1 (the place itself)"),
    ],
)
def test_bad_cells_are_reported_at_their_column(changes, column, part) -> None:
    result = convert(event(1, **changes))
    assert result.claims.empty
    (problem,) = result.problems
    assert (problem.row, problem.column) == (2, column)
    assert part in problem.message


def test_every_problem_of_a_row_is_reported() -> None:
    result = convert(event(1, event_type="Protests", time_precision="9", event_date="x"))
    assert sorted(p.column for p in result.problems) == [
        "event_date",
        "event_type",
        "time_precision",
    ]


def test_other_countries_are_reported_never_converted() -> None:
    result = convert(event(1), event(2, country="Pakistan"), event(3, country=" afghanistan "))
    assert result.claim_row_numbers == [2, 4]
    (problem,) = result.problems
    assert (problem.row, problem.column, problem.value) == (3, "country", "Pakistan")
    assert problem.message == (
        "row is about Pakistan, not Afghanistan: not mapped onto the provinces of Afghanistan"
    )
    assert not any("seems to be for" in n for n in result.notes)


def test_export_for_another_country_is_named() -> None:
    result = convert(event(1, country="Pakistan"), event(2, country="Pakistan"))
    assert len(result.problems) == 2
    assert any("the export seems to be for Pakistan" in n for n in result.notes)


def test_country_is_configurable() -> None:
    result = convert(event(1, country="Pakistan"), event(2), country="Pakistan")
    assert result.claim_row_numbers == [2]


def test_summary_is_one_line_or_generated() -> None:
    result = convert(
        event(1, notes="  Synthetic\nevent,\n\n  two   lines. "),
        event(2, notes="", actor2="", location=""),
        event(3, notes="", sub_event_type=""),
    )
    assert result.claims["summary"].tolist() == [
        "Synthetic event, two lines.",
        "Armed clash: Test Group A",
        "Battles: Test Group A vs Test Group B in Test Village",
    ]


def test_claimant_defaults_to_acled_and_place_skips_blanks() -> None:
    claim = convert(event(1, source="", location="", admin2="Test District")).claims.iloc[0]
    assert claim["claimant"] == "ACLED"
    assert claim["place"] == "Test District"


def test_column_names_in_any_case_and_problems_use_the_users_spelling() -> None:
    frame = pd.DataFrame([{k.upper(): v for k, v in event(1, time_precision="7").items()}])
    result = acled_to_claims(frame, [5])
    (problem,) = result.problems
    assert (problem.row, problem.column) == (5, "TIME_PRECISION")


@pytest.mark.parametrize(
    ("geo_precision", "place", "term"),
    [
        ("1", "Test Village, Test District", "place"),
        ("2", "Test Village, Test District", "near"),
        (" 3 ", "", "region"),
    ],
)
def test_geo_precision_becomes_location_precision(geo_precision, place, term) -> None:
    claim = convert(event(1, geo_precision=geo_precision)).claims.iloc[0]
    assert (claim["province"], claim["place"], claim["location_precision"]) == (
        "Kabul",
        place,
        term,
    )


def test_a_region_event_keeps_its_province_and_names_no_town_anywhere() -> None:
    result = convert(
        event(1, geo_precision="3", notes="", location="Test Town", admin2="Test District"),
        event(2, geo_precision="2", notes="", location="Test Town"),
    )
    region, near = result.claims.to_dict("records")
    assert region["province"] == "Kabul" and region["place"] == ""
    assert region["summary"] == "Armed clash: Test Group A vs Test Group B in Kabul"
    assert "Test Town" not in str(region) and "Test District" not in str(region)
    assert near["summary"] == "Armed clash: Test Group A vs Test Group B near Test Town"
    # The loader takes the converted rows as they are: no place for a region, one for near.
    load = validate_claims(result.claims, places=load_place_registry(), source_ids={SOURCE_ID})
    assert load.errors == []
    assert load.claims["location_precision"].astype(str).tolist() == ["region", "near"]
    assert load.claims["province"].astype(str).tolist() == ["AF-KAB", "AF-KAB"]


def test_missing_usual_columns_are_noted_and_time_precision_needed() -> None:
    row = {k: v for k, v in event(1).items() if k not in ("tags", "time_precision")}
    result = acled_to_claims(pd.DataFrame([row]), [2])
    assert any("lacks these usual ACLED columns: time_precision, tags" in n for n in result.notes)
    assert any("every row needs time_precision to be converted" in n for n in result.notes)
    assert result.problems[0].column == "time_precision"


def test_geo_precision_is_needed_like_time_precision() -> None:
    row = {k: v for k, v in event(1).items() if k != "geo_precision"}
    result = acled_to_claims(pd.DataFrame([row]), [2])
    assert any("every row needs geo_precision to be converted" in n for n in result.notes)
    assert result.claims.empty
    assert [p.column for p in result.problems] == ["geo_precision"]


def test_not_an_acled_export() -> None:
    with pytest.raises(ValueError, match="lacks the column"):
        acled_to_claims(pd.DataFrame([{"event_id_cnty": "x"}]), [2])
    with pytest.raises(ValueError, match="row numbers"):
        acled_to_claims(pd.DataFrame([event(1)]), [2, 3])


def test_recognition() -> None:
    assert is_acled(ACLED_CORE_COLUMNS)
    assert not is_acled(ACLED_CORE_COLUMNS[1:])
    assert missing_acled_columns(ACLED_COLUMNS) == []
    assert len(ACLED_COLUMNS) == 31


def test_converted_claims_pass_the_validator_with_province_spellings() -> None:
    result = convert(
        event(1, admin1="Hilmand"),
        event(2, admin1="Sari Pul"),
        event(3, admin1="Nowhere Province"),
        event(1, notes="Synthetic duplicate."),
    )
    load = validate_claims(
        result.claims,
        places=load_place_registry(),
        source_ids=set(result.sources["source_id"]),
        row_numbers=result.claim_row_numbers,
    )
    assert load.claims["province"].tolist() == ["AF-HEL", "AF-SAR"]
    errors = {(p.row, p.column) for p in load.errors}
    assert errors == {(4, "province"), (5, "claim_id")}
    shown = relabel_problems(load.errors, FIELD_SOURCES)
    assert {p.column for p in shown} == {"admin1 (province)", "event_id_cnty (claim_id)"}


def test_a_date_repeated_on_many_rows_is_judged_alike_on_each() -> None:
    # Each distinct date is parsed once and the verdict reused (an export repeats dates).
    rows = [event(i, event_date=d) for i, d in enumerate(["30/05/2022", "2022-02-30"] * 3)]
    rows += [event(9, event_date="16 May 2022"), event(10, event_date="16 May 2022")]
    result = convert(*rows)
    messages = [p.message for p in result.problems if p.column == "event_date"]
    assert (
        messages
        == [
            "'30/05/2022' is ambiguous (day/month or month/day?); write it as YYYY-MM-DD",
            "'2022-02-30' is not a date; write it as YYYY-MM-DD, e.g. 2022-05-16",
        ]
        * 3
    )
    assert [p.row for p in result.problems] == [2, 3, 4, 5, 6, 7]
    assert list(result.claims["date_start"]) == ["2022-05-16", "2022-05-16"]


def test_cells_are_read_as_stripped_text_whatever_the_frame_holds() -> None:
    frame = pd.DataFrame([event(1), event(2)], dtype=object)
    frame.loc[0, "notes"] = float("nan")  # a missing cell
    frame.loc[1, "actor1"] = "  Test Group C \t"
    frame.loc[1, "notes"] = None
    frame[2022] = ["a column", "named by a number"]  # an Excel sheet can have one
    frame = frame.rename(columns={"admin1": " ADMIN1 "})  # the user's own spelling
    result = acled_to_claims(frame, [2, 3])
    assert list(result.claims["actor"]) == ["Test Group A", "Test Group C"]
    assert list(result.claims["province"]) == ["Kabul", "Kabul"]
    assert list(result.claims["summary"]) == [
        "Armed clash: Test Group A vs Test Group B in Test Village",
        "Armed clash: Test Group C vs Test Group B in Test Village",
    ]
