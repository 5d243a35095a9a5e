"""Exports that carry their caveats: the claims as CSV, the per-province aggregates as
GeoJSON, and a small JSON metadata record for beside each one (the PNG is in
:mod:`geo.export.png`).

Every export says what it is (claims, not facts), as of when, under which filters, and
whose sources and boundaries it draws on.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.escape import csv_safe, csv_safe_frame
from geo.model.vocab import DATE_PRECISIONS, LOCATION_PRECISIONS
from geo.views.filtering import SUMMARY_COLUMNS


def require_boundaries(boundaries: gpd.GeoDataFrame) -> None:
    """Fail with a helpful message unless ``boundaries`` has code, name and geometry."""
    missing = [c for c in ("code", "name", "geometry") if c not in boundaries.columns]
    if missing:
        raise ValueError(
            f"the boundaries lack column(s) {', '.join(missing)}; pass Dataset.boundaries "
            "(a GeoDataFrame with code, name and geometry)"
        )
    if boundaries.empty:
        raise ValueError("the boundaries are empty: there is no map to draw")


# --- CSV, metadata, GeoJSON -----------------------------------------------------------------

# The loader's column names (so that a plain export can be loaded again as claims), with
# the province's code and the source's full citation added for readers.
CSV_COLUMNS = (
    "claim_id",
    "province",
    "province_code",
    "place",
    "location_precision",
    "actor",
    "claim_type",
    "claimant",
    "date_start",
    "date_end",
    "date_precision",
    "status",
    "summary",
    "quote",
    "source_id",
    "citation",
    "locator",
)


def export_metadata(
    *,
    dataset: str,
    filters: Mapping[str, str],
    as_of: str,
    generated: str,
    sources: Sequence[str],
    boundary_credit: str,
    caveat: str,
    row_count: int,
    app_version: str,
) -> dict[str, object]:
    """The record that goes with every export: what it is, as of when, from what.

    ``generated`` is passed in (not read from the clock) so that the same export can be
    made twice with the same bytes, and tests need no clock.

    >>> meta = export_metadata(dataset="built-in data",
    ...     filters={"actor": "Test Group A"}, as_of="2022-08-30",
    ...     generated="2026-01-01T00:00:00Z", sources=["Test source"], boundary_credit="NE",
    ...     caveat="These are claims.", row_count=1, app_version="0.1.0")
    >>> list(meta)
    ['caveat', 'dataset', 'as_of', 'filters', 'row_count', 'sources', 'boundary_credit', \
'date_precision', 'location_precision', 'generated', 'app_version']
    """
    return {
        "caveat": caveat,
        # Which data: the built-in claims, a saved dataset's name, or a session's upload.
        "dataset": dataset,
        "as_of": as_of,
        "filters": dict(filters),
        "row_count": int(row_count),
        "sources": list(sources),
        "boundary_credit": boundary_credit,
        # What the precision columns' terms mean, so the file can be read on its own.
        "date_precision": dict(DATE_PRECISIONS),
        "location_precision": dict(LOCATION_PRECISIONS),
        "generated": generated,
        "app_version": app_version,
    }


def metadata_json(meta: Mapping[str, object]) -> bytes:
    """The metadata as indented UTF-8 JSON; dates become ISO text, tuples and sets lists.

    >>> metadata_json({"as_of": dt.date(2022, 8, 30), "n": 1})
    b'{\\n  "as_of": "2022-08-30",\\n  "n": 1\\n}\\n'
    """
    return (json.dumps(meta, ensure_ascii=False, indent=2, default=_json_value) + "\n").encode()


def claims_csv(
    claims: pd.DataFrame,
    names: Mapping[str, str],
    citation: Callable[[str], str],
    metadata: Mapping[str, object],
    *,
    preamble: bool = True,
) -> bytes:
    """The claims as a UTF-8 CSV (with a byte-order mark, so Excel reads the accents).

    With ``preamble`` (the default) the file opens with one ``# key,value`` line per
    metadata item, caveat first, and a blank line: the caveat travels with the data and
    shows in a spreadsheet. Read it with ``pandas.read_csv(f, comment="#")`` (every data
    cell is quoted, so a ``#`` inside a claim's text is safe), or pass ``preamble=False``
    for a bare table that the claims loader accepts as it is. Every cell that a
    spreadsheet would run as a formula is neutralised (``geo.escape.csv_safe``).
    """
    table = csv_safe_frame(_claims_table(claims, names, citation))
    out = io.StringIO()
    if preamble:
        # Minimal quoting: the "# key" cell must start the line unquoted to read as a comment.
        writer = csv.writer(out, lineterminator="\r\n")
        for key, value in metadata.items():
            writer.writerow([f"# {_preamble_key(key)}", csv_safe(_one_line(value))])
        out.write("\r\n")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(list(table.columns))
    writer.writerows(table.itertuples(index=False, name=None))
    return out.getvalue().encode("utf-8-sig")


def _claims_table(
    claims: pd.DataFrame, names: Mapping[str, str], citation: Callable[[str], str]
) -> pd.DataFrame:
    missing = [
        c
        for c in ("claim_id", "province", "actor", "date_start", "date_end", "source_id")
        if c not in claims.columns
    ]
    if missing:
        raise ValueError(
            f"the claims table lacks column(s) {', '.join(missing)}; pass the table from "
            "geo.model.claims (or a filter result's .shown), which has them all"
        )
    n = len(claims)

    def text(column: str) -> list[str]:
        if column not in claims.columns:
            return [""] * n
        values = claims[column].to_numpy(dtype=object, na_value=None)
        return ["" if v is None else str(v) for v in values]

    codes = text("province")
    source_ids = text("source_id")
    # One lookup per source, not per claim.
    citations = {s: citation(s) for s in dict.fromkeys(source_ids) if s}
    return pd.DataFrame(
        {
            "claim_id": text("claim_id"),
            "province": [names.get(c, c) if c else "" for c in codes],
            "province_code": codes,
            "place": text("place"),
            "location_precision": text("location_precision"),
            "actor": text("actor"),
            "claim_type": text("claim_type"),
            "claimant": text("claimant"),
            "date_start": _iso_days(claims["date_start"]),
            "date_end": _iso_days(claims["date_end"]),
            "date_precision": text("date_precision"),
            "status": text("status"),
            "summary": text("summary"),
            "quote": text("quote"),
            "source_id": source_ids,
            "citation": [citations.get(s, "") for s in source_ids],
            "locator": text("locator"),
        },
        columns=list(CSV_COLUMNS),
        dtype=object,
    )


def _iso_days(column: pd.Series) -> list[str]:
    days = pd.to_datetime(column).dt.strftime("%Y-%m-%d")
    return [str(d) if isinstance(d, str) else "" for d in days]


def _preamble_key(key: object) -> str:
    # Keys are our own names; keep them to plain words so the comment cell needs no quotes.
    return "".join(ch if ch.isalnum() or ch in "_ -" else "_" for ch in str(key))


def _one_line(value: object) -> str:
    if isinstance(value, Mapping):
        text = "; ".join(f"{k}: {v}" for k, v in value.items()) or "none"
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        text = "; ".join(str(v) for v in items)
    else:
        text = str(value)
    return " ".join(text.split())


def provinces_geojson(
    boundaries: gpd.GeoDataFrame, summary: pd.DataFrame, metadata: Mapping[str, object]
) -> bytes:
    """The polygons with their aggregates as a GeoJSON FeatureCollection (UTF-8 bytes).

    One feature per boundary, properties ``code``, ``name`` and the columns of
    :func:`geo.views.filtering.summarise` (lists for tuples, ``YYYY-MM-DD`` for dates; a place
    with no claims in view has ``n_claims`` 0, empty lists and ``latest`` null). The metadata is
    the top-level member ``metadata`` (a foreign member, RFC 7946 section 6.1). Polygons
    are in WGS 84 with exteriors anticlockwise, as RFC 7946 asks.
    """
    require_boundaries(boundaries)
    shapes = boundaries
    if shapes.crs is not None and not shapes.crs.equals("EPSG:4326"):
        shapes = shapes.to_crs("EPSG:4326")
    oriented = shapely.orient_polygons(np.asarray(shapes.geometry), exterior_cw=False)
    rows = {str(k): v for k, v in summary.to_dict("index").items()} if len(summary) else {}
    features = []
    for code, name, geometry in zip(
        shapes["code"].astype(str), shapes["name"].astype(str), oriented, strict=True
    ):
        properties: dict[str, object] = {"code": code, "name": name}
        properties.update(_aggregates(rows.get(code)))
        features.append(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": shapely.geometry.mapping(geometry),
            }
        )
    collection = {"type": "FeatureCollection", "metadata": dict(metadata), "features": features}
    return json.dumps(collection, ensure_ascii=False, default=_json_value).encode()


_EMPTY_AGGREGATES: dict[str, object] = {
    "n_claims": 0,
    "n_actors": 0,
    "latest": None,
    "actors": [],
    "presence_actors": [],
    "claimants": [],
    "statuses": [],
    "precisions": [],
    "location_precisions": [],
    "source_ids": [],
    "verified": False,
}


def _aggregates(row: Mapping[str, object] | None) -> dict[str, object]:
    if row is None:
        return {k: (list(v) if isinstance(v, list) else v) for k, v in _EMPTY_AGGREGATES.items()}
    out: dict[str, object] = {}
    for column in SUMMARY_COLUMNS:
        value = row.get(column, _EMPTY_AGGREGATES[column])
        out[column] = _json_value(value)
    return out


def _json_value(value: object) -> object:
    """Plain JSON values for what pandas and numpy hand out (NaN and NaT become null)."""
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        # numpy scalars first: np.float64 is also a float, np.str_ also a str.
        value = value.item()
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, (tuple, list, set, frozenset, np.ndarray)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
        return [_json_value(v) for v in items]
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return None if pd.isna(value) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    raise TypeError(
        f"cannot write {type(value).__name__} {value!r} as JSON; pass text, numbers, "
        "dates, lists or tuples"
    )
