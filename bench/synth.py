"""Synthetic claims, made reproducibly, shaped like the loaded claims table.

``make_claims`` returns a DataFrame with the columns and dtypes of
``geo.model.claims.load_claims(...).claims`` (see ``geo.model.claims._typed``): dates as
``datetime64[s]``, ``row`` as int64, the other text columns as pandas strings. With
``categorical=True`` (the default) the low-cardinality columns (claimant, actor, claim_type,
province, date_precision, status, source_id) are pandas ``category`` instead, as the app is
about to load them.

The skew is Zipf-like: a few places, actors, claimants and sources hold most claims.
Every date precision appears, each with a range of matching length (a day, a week, a
calendar month, a season, a calendar year), a small share of claims is corroborated and
some are country-wide (no province).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from geo.model.claims import CATEGORY_COLUMNS, CLAIM_FIELDS, COLUMNS

SEED = 20261123
FIRST_DAY = np.datetime64("2019-01-01", "D")
LAST_DAY = np.datetime64("2025-12-31", "D")

# Named actors first (the most claimed), then a long tail of smaller groups.
NAMED_ACTORS = (
    "Taliban",
    "National Resistance Front",
    "Islamic State Khorasan Province",
    "Afghanistan Freedom Front",
    "United States",
    "Pakistan",
    "Tehrik-i-Taliban Pakistan",
    "Al-Qaeda",
    "Iran",
    "Haqqani Network",
)
N_ACTORS = 60
N_CLAIMANTS = 80
N_SOURCES = 400

CLAIM_TYPE_SHARES = {
    "presence": 0.30,
    "attack": 0.30,
    "control": 0.14,
    "withdrawal": 0.06,
    "defection": 0.06,
    "support": 0.08,
    "death": 0.06,
}
STATUS_SHARES = {
    "claimed": 0.46,
    "reported": 0.34,
    "disputed": 0.08,
    "denied": 0.05,
    "corroborated": 0.07,
}
PRECISION_SHARES = {"day": 0.40, "week": 0.15, "month": 0.25, "season": 0.10, "year": 0.10}
COUNTRY_WIDE_SHARE = 0.05


def actor_names() -> list[str]:
    return [*NAMED_ACTORS, *(f"Armed group {i:02d}" for i in range(len(NAMED_ACTORS), N_ACTORS))]


def claimant_names() -> list[str]:
    return [f"Claimant {i:02d}" for i in range(N_CLAIMANTS)]


def source_ids() -> list[str]:
    return [f"synthetic-source-{i:04d}" for i in range(N_SOURCES)]


def source_published(source_id: str) -> dt.date:
    """The made-up publication date of a synthetic source (from its number)."""
    return dt.date(2020, 1, 1) + dt.timedelta(days=int(source_id.rsplit("-", 1)[1]))


PUBLISHER = "Benchmark Press"


def source_labels() -> dict[str, str]:
    """Source id -> "publisher, date", as ``Dataset.source_labels`` gives for the CSV."""
    return {sid: f"{PUBLISHER}, {source_published(sid)}" for sid in source_ids()}


def zipf_weights(n: int, exponent: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** exponent
    return w / w.sum()


def _choice(rng: np.random.Generator, n_values: int, size: int, p: np.ndarray) -> np.ndarray:
    return rng.choice(n_values, size=size, p=p)


def _dates(
    rng: np.random.Generator, precision: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end days whose span matches each claim's date precision."""
    span_days = int((LAST_DAY - FIRST_DAY).astype(int))
    # More claims in recent years: a triangular ramp over the span.
    offset = np.floor(rng.triangular(0, span_days, span_days, size)).astype("int64")
    day = FIRST_DAY + offset.astype("timedelta64[D]")
    start = day.copy()
    end = day.copy()
    names = np.array(list(PRECISION_SHARES))
    kind = names[precision]

    week = kind == "week"
    end[week] = start[week] + np.timedelta64(6, "D")

    month = kind == "month"
    m_start = day[month].astype("datetime64[M]")
    start[month] = m_start.astype("datetime64[D]")
    end[month] = (m_start + 1).astype("datetime64[D]") - np.timedelta64(1, "D")

    season = kind == "season"
    # Seasons of three calendar months, Dec-Feb, Mar-May, Jun-Aug, Sep-Nov.
    months = day[season].astype("datetime64[M]")
    month_of_year = months.astype("int64") % 12  # 0 = January
    back = (month_of_year + 1) % 3  # months back to the season's first month
    s_start = months - back
    start[season] = s_start.astype("datetime64[D]")
    end[season] = (s_start + 3).astype("datetime64[D]") - np.timedelta64(1, "D")

    year = kind == "year"
    y_start = day[year].astype("datetime64[Y]")
    start[year] = y_start.astype("datetime64[D]")
    end[year] = (y_start + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    return start.astype("datetime64[s]"), end.astype("datetime64[s]")


def make_claims(
    n: int,
    places: dict[str, str],
    *,
    seed: int = SEED,
    categorical: bool = True,
) -> pd.DataFrame:
    """``n`` claims about ``places`` (code -> name), as the loaded claims table."""
    rng = np.random.default_rng(seed)
    codes = list(places)
    # Which places dominate is random (seeded), not the alphabetical first ones.
    place_order = rng.permutation(len(codes))
    place_idx = place_order[_choice(rng, len(codes), n, zipf_weights(len(codes), 1.1))]
    country_wide = rng.random(n) < COUNTRY_WIDE_SHARE

    actors = actor_names()
    claimants = claimant_names()
    sources = source_ids()
    actor_idx = _choice(rng, len(actors), n, zipf_weights(len(actors), 1.3))
    claimant_idx = _choice(rng, len(claimants), n, zipf_weights(len(claimants), 1.1))
    source_idx = _choice(rng, len(sources), n, zipf_weights(len(sources), 1.0))
    type_names = list(CLAIM_TYPE_SHARES)
    type_idx = _choice(rng, len(type_names), n, np.array(list(CLAIM_TYPE_SHARES.values())))
    status_names = list(STATUS_SHARES)
    status_idx = _choice(rng, len(status_names), n, np.array(list(STATUS_SHARES.values())))
    precision_names = list(PRECISION_SHARES)
    precision_idx = _choice(rng, len(precision_names), n, np.array(list(PRECISION_SHARES.values())))
    start, end = _dates(rng, precision_idx, n)

    code_arr = np.array(codes, dtype=object)
    province = code_arr[place_idx]
    province[country_wide] = None
    name_arr = np.array([places[c] for c in codes], dtype=object)
    place = name_arr[place_idx]
    place[country_wide] = "Afghanistan" if "AF-KAB" in places else "country-wide"

    def cat(values: Sequence[str], idx: np.ndarray, missing: np.ndarray | None = None):
        codes_ = idx.astype("int32" if len(values) > 127 else "int8")
        if missing is not None:
            codes_ = codes_.astype("int32")
            codes_[missing] = -1
        return pd.Categorical.from_codes(codes_, categories=list(values))

    actor_col = cat(actors, actor_idx)
    claimant_col = cat(claimants, claimant_idx)
    type_col = cat(type_names, type_idx)
    status_col = cat(status_names, status_idx)
    precision_col = cat(precision_names, precision_idx)
    source_col = cat(sources, source_idx)
    province_col = cat(codes, place_idx, missing=country_wide)

    verbs = np.array(
        [
            "is present",
            "attacked",
            "controls",
            "withdrew",
            "saw a defection",
            "got support",
            "lost a member",
        ],
        dtype=object,
    )
    actor_arr = np.array(actors, dtype=object)[actor_idx]
    claimant_arr = np.array(claimants, dtype=object)[claimant_idx]
    summary = [
        f"{c} says that {a} {v} in {p}."
        for c, a, v, p in zip(claimant_arr, actor_arr, verbs[type_idx], place, strict=True)
    ]
    has_quote = rng.random(n) < 0.6
    quote = np.where(has_quote, "fighters were seen near the district centre", "")
    paragraph = rng.integers(1, 40, n)
    locator = [f"paragraph {k}" for k in paragraph]

    frame = pd.DataFrame(
        {
            "claim_id": pd.array([f"S{i:07d}" for i in range(n)], dtype="string"),
            "claimant": claimant_col,
            "actor": actor_col,
            "claim_type": type_col,
            "province": province_col,
            "province_input": pd.array(province, dtype="string").fillna(""),
            "place": pd.array(place, dtype="string"),
            # Every synthetic claim names its place itself.
            "location_precision": pd.Categorical(["place"] * n),
            "date_start": start,
            "date_end": end,
            "date_precision": precision_col,
            "status": status_col,
            "source_id": source_col,
            "locator": pd.array(locator, dtype="string"),
            "quote": pd.array(quote, dtype="string"),
            "summary": pd.array(summary, dtype="string"),
            "row": np.arange(2, n + 2, dtype="int64"),
        },
        columns=list(CLAIM_FIELDS),
    )
    if not categorical:
        for column in CATEGORY_COLUMNS:
            frame[column] = frame[column].astype("string")
    return frame


def with_string_dtypes(claims: pd.DataFrame) -> pd.DataFrame:
    """The same table with every text column as pandas ``string`` (today's loader)."""
    out = claims.copy()
    for column in CATEGORY_COLUMNS:
        out[column] = out[column].astype("string")
    return out


def top_actor(claims: pd.DataFrame) -> str:
    return str(claims["actor"].value_counts().index[0])


def write_data_dir(
    folder: Path,
    claims: pd.DataFrame,
    *,
    repo_data: Path,
) -> Path:
    """A data folder like data/ whose claims.csv and sources.csv hold ``claims``.

    provinces.csv and the boundary files are copied from ``repo_data``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("provinces.csv", "provinces.geojson", "provinces.geojson.meta.json"):
        (folder / name).write_bytes((repo_data / name).read_bytes())
    used = sorted(str(s) for s in pd.unique(claims["source_id"].astype("string")))
    with (folder / "sources.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["source_id", "title", "publisher", "author", "published", "kind"])
        for i, sid in enumerate(used):
            published = source_published(sid)
            w.writerow([sid, f"Synthetic report {i}", PUBLISHER, "", published, "report"])
    out = pd.DataFrame(
        {
            "claim_id": claims["claim_id"].astype("string"),
            "claimant": claims["claimant"].astype("string"),
            "actor": claims["actor"].astype("string"),
            "claim_type": claims["claim_type"].astype("string"),
            "province": claims["province"].astype("string").fillna(""),
            "place": claims["place"].astype("string"),
            "location_precision": claims["location_precision"].astype("string"),
            "date_start": claims["date_start"].dt.strftime("%Y-%m-%d"),
            "date_end": claims["date_end"].dt.strftime("%Y-%m-%d"),
            "date_precision": claims["date_precision"].astype("string"),
            "status": claims["status"].astype("string"),
            "source_id": claims["source_id"].astype("string"),
            "locator": claims["locator"].astype("string"),
            "quote": claims["quote"].astype("string"),
            "summary": claims["summary"].astype("string"),
        },
        columns=list(COLUMNS),
    )
    out.to_csv(folder / "claims.csv", index=False)
    return folder
