"""Everything the dashboard shows, loaded and checked together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.boundaries import load_boundaries, load_boundary_metadata
from geo.claims import ClaimsLoad, load_claims
from geo.paths import DATA_DIR
from geo.places import PlaceRegistry, load_place_registry
from geo.problems import Problem
from geo.sources import SourcesLoad, citation, load_sources


@dataclass(frozen=True)
class Dataset:
    places: PlaceRegistry
    boundaries: gpd.GeoDataFrame
    boundary_meta: dict[str, object]
    sources: pd.DataFrame
    claims: pd.DataFrame
    problems: tuple[Problem, ...]
    claims_load: ClaimsLoad
    boundary_file: Path

    @property
    def names(self) -> dict[str, str]:
        """Place code -> display name, for every polygon on the map."""
        return dict(zip(self.boundaries["code"], self.boundaries["name"], strict=True))

    def citation(self, source_id: str) -> str:
        rows = self.sources[self.sources["source_id"] == source_id]
        if rows.empty:
            return f"unknown source {source_id!r}"
        return citation(rows.iloc[0])

    @property
    def boundary_credit(self) -> str:
        return str(self.boundary_meta.get("credit", "")) or "boundaries: source not recorded"


def load_dataset(data_dir: Path = DATA_DIR) -> Dataset:
    """Load the built-in provinces, boundaries, sources and claims from ``data_dir``."""
    places = load_place_registry(data_dir / "provinces.csv")
    boundary_file = data_dir / "provinces.geojson"
    boundaries = load_boundaries(boundary_file)
    meta = load_boundary_metadata(boundary_file)
    sources: SourcesLoad = load_sources(data_dir / "sources.csv")
    claims = load_claims(data_dir / "claims.csv", places=places, source_ids=sources.ids)
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
