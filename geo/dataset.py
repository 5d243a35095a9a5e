"""Everything the dashboard shows, loaded and checked together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from geo.model.boundaries import load_boundaries, load_boundary_metadata
from geo.model.claims import ClaimsLoad, ProgressCallback, load_claims, with_claim_dtypes
from geo.model.countries import Region, vintage_caption
from geo.model.places import PlaceRegistry, load_place_registry
from geo.model.problems import Problem
from geo.model.sources import SourcesLoad, citation, load_sources
from geo.paths import DATA_DIR
from geo.views.mapview import presence_palette
from geo.views.viewstate import Options

# The name of the data in the project's data/ folder, as every view writes it.
BUILTIN_LABEL = "built-in data"


@dataclass(frozen=True)
class Dataset:
    places: PlaceRegistry
    boundaries: gpd.GeoDataFrame
    boundary_meta: dict[str, object]
    sources: pd.DataFrame
    claims: pd.DataFrame
    problems: tuple[Problem, ...]
    claims_load: ClaimsLoad
    # None for boundaries that exist only in memory (a user's upload).
    boundary_file: Path | None
    label: str = BUILTIN_LABEL
    # The polygons' GeoJSON text as stored (see :attr:`geojson`), when it came with them.
    stored_geojson: str | None = None

    @cached_property
    def names(self) -> dict[str, str]:
        """Place code -> display name, for every polygon on the map."""
        return dict(zip(self.boundaries["code"], self.boundaries["name"], strict=True))

    def citation(self, source_id: str) -> str:
        return self._citations.get(source_id) or f"unknown source {source_id!r}"

    @cached_property
    def _citations(self) -> dict[str, str]:
        # Looked up for every claim card and tooltip: a dict, not a scan of the table.
        return {str(r["source_id"]): citation(r) for _, r in self.sources.iterrows()}

    # Worked out once per dataset rather than on every rerun: with a million claims each
    # of these is a pass over the table.
    @cached_property
    def filter_options(self) -> Options:
        """What the filters (and a link's parameters) may choose from."""

        def values(column: str) -> tuple[str, ...]:
            return tuple(sorted(str(v) for v in self.claims[column].dropna().unique()))

        return Options(
            actors=values("actor"),
            claim_types=values("claim_type"),
            claimants=values("claimant"),
            statuses=values("status"),
            precisions=values("date_precision"),
            places=tuple(self.names),
        )

    @cached_property
    def date_bounds(self) -> tuple[dt.date, dt.date]:
        """The first and last day any claim covers (today's date when there are none)."""
        if self.claims.empty:
            today = dt.date.today()
            return today, today
        return self.claims["date_start"].min().date(), self.claims["date_end"].max().date()

    @cached_property
    def palette(self) -> dict[str, str]:
        """Each frequent actor's fixed colour on the "who claims presence" map."""
        return presence_palette(self.claims)

    @cached_property
    def source_labels(self) -> dict[str, str]:
        """Source id -> "publisher, date": short enough for a tooltip."""
        return {
            str(r["source_id"]): ", ".join(
                str(r[c]).strip() for c in ("publisher", "published") if str(r[c]).strip()
            )
            for _, r in self.sources.iterrows()
        }

    @cached_property
    def rejected_rows(self) -> int:
        """How many rows of the loaded files were rejected (each counted once)."""
        return len({p.row for p in self.problems if p.severity == "error" and p.row is not None})

    @property
    def boundary_vintage(self) -> str:
        """The map's note on boundaries that are not today's, or ""."""
        return vintage_caption(self.boundary_meta)

    @property
    def boundary_credit(self) -> str:
        return str(self.boundary_meta.get("credit", "")) or "source not recorded"

    @cached_property
    def geojson(self) -> str:
        """The polygons as GeoJSON text (codes and names only), as the map fetches them.

        The text a store saved is given back as it was: its hash names it on every app
        process (see dashboard/served.py), and writing the polygons out again need not
        give the same bytes.
        """
        if self.stored_geojson is not None:
            return self.stored_geojson
        return self.boundaries[["code", "name", "geometry"]].to_json(drop_id=True)


def combine(
    base: Dataset,
    *,
    claims: ClaimsLoad,
    sources: pd.DataFrame,
    mode: Literal["replace", "add"],
    label: str,
    places: PlaceRegistry | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
    boundary_credit: str | None = None,
    boundary_meta: dict[str, object] | None = None,
    problems: Sequence[Problem] | None = None,
) -> Dataset:
    """A session's own view: the user's claims instead of, or beside, the built-in ones.

    Nothing on disk changes; ``base`` is left as it was, for every other session.
    """
    if boundaries is not None and mode == "add":
        raise ValueError("claims can only be added to the built-in ones on the built-in map")
    if mode == "add":
        user = claims.claims.assign(claim_id="you:" + claims.claims["claim_id"])
        all_claims = with_claim_dtypes(pd.concat([base.claims, user], ignore_index=True))
    else:
        all_claims = claims.claims
    # The built-in sources stay citable either way; a user's source may reuse none of their ids.
    all_sources = pd.concat([base.sources, sources], ignore_index=True).drop_duplicates("source_id")
    meta = dict(base.boundary_meta)
    if boundary_credit is not None:
        meta = {"credit": boundary_credit}
    if boundary_meta is not None:
        meta = dict(boundary_meta)
    return replace(
        base,
        places=places or base.places,
        boundaries=boundaries if boundaries is not None else base.boundaries,
        boundary_meta=meta,
        sources=all_sources.reset_index(drop=True),
        claims=all_claims,
        problems=tuple(claims.problems if problems is None else problems),
        claims_load=claims,
        boundary_file=None if boundaries is not None else base.boundary_file,
        label=label,
        stored_geojson=None if boundaries is not None else base.stored_geojson,
    )


def load_dataset(data_dir: Path = DATA_DIR, progress: ProgressCallback | None = None) -> Dataset:
    """Load the built-in provinces, boundaries, sources and claims from ``data_dir``.

    ``progress`` is told the share of the claims file read as it goes (see ``load_claims``).
    """
    places = load_place_registry(data_dir / "provinces.csv")
    boundary_file = data_dir / "provinces.geojson"
    boundaries = load_boundaries(boundary_file)
    meta = load_boundary_metadata(boundary_file)
    sources: SourcesLoad = load_sources(data_dir / "sources.csv")
    claims = load_claims(
        data_dir / "claims.csv", places=places, source_ids=sources.ids, progress=progress
    )
    return Dataset(
        places=places,
        boundaries=boundaries,
        boundary_meta=meta,
        sources=sources.sources,
        claims=claims.claims,
        problems=(*sources.problems, *claims.problems),
        claims_load=claims,
        boundary_file=boundary_file,
    )


def country_view(base: Dataset, found: Region) -> Dataset:
    """The built-in units of another country (or several) with no claims on them: the map
    a user picks before bringing claims of that country. The built-in sources stay."""
    empty = ClaimsLoad(base.claims.iloc[:0])
    return combine(
        base,
        claims=empty,
        sources=base.sources.iloc[:0],
        mode="replace",
        label=f"the built-in units of {found.name} (no claims)",
        places=found.registry,
        boundaries=found.boundaries,
        boundary_meta=found.boundary_meta,
        problems=(),
    )


def on_region(
    base: Dataset,
    found: Region,
    *,
    claims: ClaimsLoad,
    sources: pd.DataFrame,
    label: str,
    problems: Sequence[Problem] | None = None,
) -> Dataset:
    """An upload's claims alone on the built-in units of the countries it is about."""
    return combine(
        base,
        claims=claims,
        sources=sources,
        mode="replace",
        label=label,
        places=found.registry,
        boundaries=found.boundaries,
        boundary_meta=found.boundary_meta,
        problems=problems,
    )
