"""The controlled vocabularies of the claims table, with the definitions shown to users.

``data/README.md`` documents these same terms; a test keeps the two in step.
"""

from __future__ import annotations

CLAIM_TYPES: dict[str, str] = {
    "presence": "forces or fighters said to be present, or established, in a place",
    "attack": "fighting, attacks, offensives or strikes said to have been carried out",
    "withdrawal": "forces said to have pulled back from a place",
    "control": "territory said to be held, controlled or captured",
    "defection": "a person or unit said to have changed sides",
    "support": "material, political or other support said to be given to an actor, "
    "including external support by a foreign state",
    "death": "a named person said to have been killed",
}

STATUSES: dict[str, str] = {
    "claimed": "a party to the conflict says it, about itself or its enemy",
    "reported": "a non-party source, such as a journalist, states it",
    "corroborated": "independent sources confirm it",
    "disputed": "other sources contest it",
    "denied": "the party it is about denies it",
}

# Ordered from finest to coarsest: a range's precision is its coarser end.
DATE_PRECISIONS: dict[str, str] = {
    "day": "the date is known to the day",
    "week": "known to within about a week",
    "month": "known to the month",
    "season": "known to a season (for example 'this past winter')",
    "year": "known only to the year, or to a span of about a year",
}

# How exactly a claim's location is known, finest first; the names follow ACLED's
# geo_precision 1, 2 and 3. A claim that leaves it blank gets DEFAULT_LOCATION_PRECISION:
# the project's own claims name their province (or place) itself.
LOCATION_PRECISIONS: dict[str, str] = {
    "place": "the place named, or the province itself when no place is named",
    "near": "near the place named, not in it",
    "region": "only a wider region is known, often just the province; no place is named",
}
DEFAULT_LOCATION_PRECISION = "place"

VERIFIED_STATUSES = frozenset({"corroborated"})
