"""Tables for people: claims with their citations, and the sources with their claim counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from geo.dataset import Dataset

CLAIMS_TABLE_COLUMNS = {
    "claim_id": "id",
    "date_start": "from",
    "date_end": "to",
    "date_precision": "date precision",
    "province_name": "province",
    "place": "place",
    "location_precision": "location precision",
    "actor": "actor",
    "claim_type": "claim type",
    "status": "status",
    "claimant": "claimed by",
    "summary": "summary",
    "citation": "source",
    "locator": "where in the source",
    "quote": "quote",
}


def claims_table(claims: pd.DataFrame, data: Dataset) -> pd.DataFrame:
    """The claims with readable column names, province names and full source citations."""
    out = claims.copy()
    out["province_name"] = out["province"].astype("string").map(data.names).fillna("(country-wide)")
    out["citation"] = out["source_id"].astype("string").map(data.citation)
    for column in ("date_start", "date_end"):
        out[column] = out[column].dt.date
    return out[list(CLAIMS_TABLE_COLUMNS)].rename(columns=CLAIMS_TABLE_COLUMNS)


def location_text(place: object, precision: object) -> str:
    """Where a claim is, with how exactly that is known, for a reader; "" when it names
    nothing finer than its province.

    >>> location_text("Bazarak", "place"), location_text("Bazarak", "near")
    ('Bazarak', 'near Bazarak')
    >>> location_text("", "region"), location_text(None, "place")
    ('only a wider region is known (location precision: region)', '')
    """
    where = place if isinstance(place, str) else ""
    if precision == "region":
        return "only a wider region is known (location precision: region)"
    if precision == "near" and where:
        return f"near {where}"
    return where


def search(table: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows where every word of ``query`` appears in some column (case-insensitive)."""
    words = query.casefold().split()
    if not words:
        return table
    text = table.astype(str).agg(" ".join, axis=1).str.casefold()
    keep = pd.Series(True, index=table.index)
    for word in words:
        keep &= text.str.contains(word, regex=False)
    return table[keep]


def sources_table(data: Dataset, claims: pd.DataFrame) -> pd.DataFrame:
    """Every source with its metadata and how many claims (all, and in view) it supports."""
    total = data.claims["source_id"].value_counts()
    in_view = claims["source_id"].value_counts()
    out = data.sources.copy()
    out["claims"] = out["source_id"].map(total).fillna(0).astype(int)
    out["claims in view"] = out["source_id"].map(in_view).fillna(0).astype(int)
    return out
