"""Mapping any table's columns onto claim fields: guesses, fixed values, saved mappings."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

import geo.reading.mapping
from geo.model.claims import COLUMNS, REQUIRED_COLUMNS, validate_claims
from geo.model.places import load_place_registry
from geo.model.problems import Problem
from geo.reading.mapping import (
    SYNONYMS,
    ColumnMapping,
    apply_mapping,
    guess_mapping,
    normalise_name,
    relabel_problems,
)


def test_synonyms_cover_every_field_and_never_overlap() -> None:
    assert set(SYNONYMS) == set(COLUMNS)
    every = [name for names in SYNONYMS.values() for name in names]
    assert len(every) == len(set(every)), "a name must point at one field only"
    for claim_field, names in SYNONYMS.items():
        assert names[0] == normalise_name(claim_field), "a field's own name comes first"
        assert all(n == normalise_name(n) for n in names), "synonyms are stored normalised"


def test_docstring_lists_the_synonyms_in_use() -> None:
    listed = re.findall(
        r"^- (\w+): (.+?)(?=^- |^\s*$)", (geo.reading.mapping.__doc__ or ""), re.M | re.S
    )
    documented = {name: tuple(" ".join(text.split()).split(", ")) for name, text in listed}
    assert documented == SYNONYMS


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (list(COLUMNS), {c: c for c in COLUMNS}),
        (
            ["Province", "Date", "Who", "Claimed by", "Category", "Notes", "Ref", "URL"],
            {
                "province": "Province",
                "date_start": "Date",
                "actor": "Who",
                "claimant": "Claimed by",
                "claim_type": "Category",
                "summary": "Notes",
                "claim_id": "Ref",
                "locator": "URL",
            },
        ),
        (
            ["admin1", "event_date", "actor1", "source", "event_type", "location"],
            {
                "province": "admin1",
                "date_start": "event_date",
                "actor": "actor1",
                "claimant": "source",
                "claim_type": "event_type",
                "place": "location",
            },
        ),
        (
            ["Wilayat", "Start Date", "End-Date", "Group", "Spokesperson", "Description"],
            {
                "province": "Wilayat",
                "date_start": "Start Date",
                "date_end": "End-Date",
                "actor": "Group",
                "claimant": "Spokesperson",
                "summary": "Description",
            },
        ),
        (
            ["Region", "Link", "Source ID"],
            {"province": "Region", "locator": "Link", "source_id": "Source ID"},
        ),
        (["Fatalities", "Latitude"], {}),
    ],
)
def test_guesses(columns: list[str], expected: dict[str, str]) -> None:
    assert guess_mapping(columns).columns == expected


def test_guess_never_uses_one_column_twice_and_prefers_the_first_synonym() -> None:
    guess = guess_mapping(["Event date", "Date", "date"])
    assert guess.columns == {"date_start": "Date"}
    guess = guess_mapping(["Notes", "Description"])
    assert guess.columns == {"summary": "Description"}
    values = list(guess_mapping(["Source", "Type", "Province", "Region", "Who"]).columns.values())
    assert len(values) == len(set(values))


def test_mapping_with_constants_loads_a_users_table() -> None:
    frame = pd.DataFrame(
        {
            "Wilayat": ["Kabul", "Hilmand", "Nowhere"],
            "Date": ["2022-05-16", "16 May 2022", "2022-05-18"],
            "Group": ["Test Group A", "Test Group B", "Test Group A"],
            "Description": ["Synthetic 1.", "Synthetic 2.", "Synthetic 3."],
            "Page": ["p. 1", "p. 2", "p. 3"],
        },
        dtype=object,
    )
    mapping = ColumnMapping(
        {
            "province": "Wilayat",
            "date_start": "Date",
            "actor": "Group",
            "claimant": "Group",  # a group claiming its own actions
            "summary": "Description",
            "locator": "Page",
        },
        {
            "claim_type": "presence",
            "status": "claimed",
            "date_precision": "day",
            "source_id": "src",
        },
    )
    mapped = apply_mapping(frame, mapping, row_numbers=[4, 5, 7])
    assert mapped.problems == []
    assert list(mapped.claims.columns) == list(COLUMNS)
    assert mapped.claims["claim_id"].tolist() == ["ROW-4", "ROW-5", "ROW-7"]
    assert mapped.claims["claimant"].tolist() == mapped.claims["actor"].tolist()
    assert mapped.claims["date_end"].tolist() == ["", "", ""]
    load = validate_claims(
        mapped.claims, places=load_place_registry(), source_ids={"src"}, row_numbers=[4, 5, 7]
    )
    assert load.claims["province"].tolist() == ["AF-KAB", "AF-HEL"]
    assert [(p.row, p.column) for p in load.errors] == [(7, "province")]
    (shown,) = relabel_problems(load.errors, mapping.columns)
    assert shown.column == "Wilayat (province)"


def test_unmapped_required_fields_are_reported_once_for_the_file() -> None:
    frame = pd.DataFrame({"ID": ["a"], "Date": ["2022-05-16"]}, dtype=object)
    mapped = apply_mapping(frame, guess_mapping(["ID", "Date"]))
    missing = [p.column for p in mapped.problems if p.row is None and p.severity == "error"]
    assert missing == [c for c in REQUIRED_COLUMNS if c not in ("claim_id", "date_start")]
    assert all("map a column to" in p.message for p in mapped.problems)
    assert mapped.claims["claim_id"].tolist() == ["a"]


def test_mapped_column_missing_from_the_file() -> None:
    frame = pd.DataFrame({"Province": ["Kabul"]}, dtype=object)
    mapped = apply_mapping(frame, ColumnMapping({"province": "Wilayat"}))
    problem = next(p for p in mapped.problems if p.column == "province")
    assert problem.value == "Wilayat"
    assert "is not in this file; its columns are: Province" in problem.message
    assert mapped.claims["province"].tolist() == [""]


def test_unused_columns_are_noted() -> None:
    frame = pd.DataFrame({"Province": ["Kabul"], "Fatalities": ["0"]}, dtype=object)
    mapped = apply_mapping(frame, ColumnMapping({"province": "Province"}))
    notes = [p for p in mapped.problems if p.severity == "note"]
    assert [(p.column, p.message) for p in notes] == [
        ("Fatalities", "not mapped to any claim field; ignored")
    ]


@pytest.mark.parametrize(
    ("constants", "part"),
    [
        ({"status": "rumoured"}, "the fixed value for status is not one of: claimed"),
        ({"claim_type": "Attack "}, None),
        ({"date_precision": "fortnight"}, "not one of: day, week"),
        ({"summary": " "}, "the fixed value for summary is empty"),
    ],
)
def test_fixed_values_are_checked_once(constants: dict[str, str], part: str | None) -> None:
    frame = pd.DataFrame({"x": ["1"]}, dtype=object)
    mapped = apply_mapping(frame, ColumnMapping({}, constants))
    (claim_field,) = constants
    found = [p for p in mapped.problems if p.column == claim_field]
    if part is None:
        assert found == []
    else:
        assert len(found) == 1 and part in found[0].message


def test_json_round_trip_and_format() -> None:
    mapping = ColumnMapping({"province": "Wilāyat", "summary": "Notes"}, {"status": "claimed"})
    text = mapping.to_json()
    assert json.loads(text) == {
        "version": 1,
        "columns": {"province": "Wilāyat", "summary": "Notes"},
        "constants": {"status": "claimed"},
    }
    assert ColumnMapping.from_json(text) == mapping
    assert ColumnMapping.from_json('{"version": 1}') == ColumnMapping()


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"columns": {}}', "no 'version' key"),
        ('{"version": 2}', "mapping version 2 is not supported"),
        ('{"version": 1, "extra": 1}', "unknown key(s) 'extra'"),
        ('{"version": 1, "columns": []}', "columns must be a JSON object"),
        ('{"version": 1, "columns": {"wilayat": "W"}}', "'wilayat' is not a claim field"),
        ('{"version": 1, "columns": {"province": 3}}', "must be text, not 3"),
        ('{"version": 1, "columns": {"province": " "}}', "the column for province has no name"),
        (
            '{"version": 1, "columns": {"status": "S"}, "constants": {"status": "claimed"}}',
            "status is both mapped to a column and given a fixed value",
        ),
    ],
)
def test_from_json_says_what_is_wrong(text: str, part: str) -> None:
    with pytest.raises(ValueError) as caught:
        ColumnMapping.from_json(text)
    assert part in str(caught.value)


def test_relabel_leaves_other_problems_alone() -> None:
    problems = [Problem(None, None, "", "file"), Problem(2, "quote", "", "x", "note")]
    assert relabel_problems(problems, {"province": "W"}) == problems
