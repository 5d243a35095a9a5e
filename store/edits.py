"""Editing and reviewing stored claims, each change logged and never overwritten silently.

Every change is one transaction that (1) raises the store's version (see store/core.py),
(2) updates the claim only if it is still at the version the editor started from, and
(3) appends an entry to ``claim_edits``: who, when, why, and each field's old and new
value. An editor whose claim changed under them gets :class:`EditConflict`, with the
other change, and nothing is written. The same checks as the loader's apply to the edited
claim: nothing enters the store that a file could not bring.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.model.claims import CATEGORY_COLUMNS, COLUMNS, validate_claims
from geo.model.problems import Problem
from store import schema
from store.core import (
    _CLAIM_SELECT,
    BUILTIN,
    SaveRefused,
    Store,
    _bump,
    _read_boundaries,
    _typed_piece,
)

# What an editor may change; the id names the claim and stays.
EDITABLE = tuple(c for c in COLUMNS if c != "claim_id")


class EditConflict(RuntimeError):
    """Another editor changed the claim first; nothing was written."""

    def __init__(self, claim_id: str, expected: int, current: int, since: list[Edit]) -> None:
        self.claim_id = claim_id
        self.expected = expected
        self.current = current
        self.since = since
        who = ", ".join(sorted({e.editor or "someone" for e in since})) or "someone"
        fields = sorted({f for e in since for f in e.changes})
        super().__init__(
            f"claim {claim_id} was changed by {who} (version {expected} -> {current}"
            + (f": {', '.join(fields)}" if fields else "")
            + ") after you opened it; nothing was saved. Read their change and edit again"
        )


class EditRefused(SaveRefused):
    """An edit that breaks a rule; ``problems`` says which field and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(
                f"{p.column}" + (f" {p.value!r}" if p.value else "") + f": {p.message}"
                for p in problems
            )
        )


@dataclass(frozen=True)
class Edit:
    claim_id: str
    version: int
    kind: str
    edited_at: dt.datetime
    editor: str
    reason: str
    # field -> (old, new), as text the way a claims file writes it
    changes: dict[str, tuple[str, str]]


def _writable_dataset_id(conn: Connection, slug: str) -> int:
    if slug == BUILTIN:
        # Its rows are replaced whenever data/ changes, which would lose the log.
        raise SaveRefused(
            "the built-in data comes from the project's files: edit data/claims.csv, or "
            "save a copy as a dataset and review that"
        )
    return _dataset_id(conn, slug)


def _dataset_id(conn: Connection, slug: str) -> int:
    d = schema.datasets
    found = conn.scalar(sa.select(d.c.id).where(d.c.slug == slug))
    if found is None:
        raise KeyError(slug)
    return int(found)


def _current(conn: Connection, dataset_id: int, claim_id: str) -> tuple[pd.Series, int, bool]:
    c = schema.claims
    row = conn.execute(
        sa.select(*_CLAIM_SELECT, c.c.version, c.c.retracted).where(
            c.c.dataset_id == dataset_id, c.c.claim_id == claim_id
        )
    ).first()
    if row is None:
        raise KeyError(claim_id)
    claim = _typed_piece([tuple(row)[:-2]]).iloc[0]
    return claim, int(row.version), bool(row.retracted)


def _as_text(claim: pd.Series) -> dict[str, str]:
    out: dict[str, str] = {}
    for column in COLUMNS:
        value = claim[column]
        if column in ("date_start", "date_end"):
            out[column] = value.strftime("%Y-%m-%d")
        else:
            out[column] = "" if pd.isna(value) else str(value)
    return out


def _since(conn: Connection, dataset_id: int, claim_id: str, after: int) -> list[Edit]:
    e = schema.claim_edits
    rows = conn.execute(
        sa.select(e)
        .where(e.c.dataset_id == dataset_id, e.c.claim_id == claim_id, e.c.version > after)
        .order_by(e.c.id)
    ).all()
    return [_edit(r) for r in rows]


def _edit(row: sa.Row) -> Edit:
    at = row.edited_at if row.edited_at.tzinfo else row.edited_at.replace(tzinfo=dt.UTC)
    return Edit(
        claim_id=row.claim_id,
        version=row.version,
        kind=row.kind,
        edited_at=at,
        editor=row.editor,
        reason=row.reason,
        changes={k: (v[0], v[1]) for k, v in json.loads(row.changes_json).items()},
    )


def _check(conn: Connection, dataset_id: int, proposed: dict[str, str], row: int) -> pd.Series:
    """The claim as the loader would load it, or :class:`EditRefused` naming each field."""
    d, a, s = schema.datasets, schema.dataset_aliases, schema.sources
    sha = conn.scalar(sa.select(d.c.boundary_sha256).where(d.c.id == dataset_id))
    _, _, _, places = _read_boundaries(conn, sha)
    aliases = dict(
        conn.execute(sa.select(a.c.spelling, a.c.code).where(a.c.dataset_id == dataset_id)).all()
    )
    if aliases:
        places = places.with_aliases(aliases)
    source_ids = set(conn.scalars(sa.select(s.c.source_id).where(s.c.dataset_id == dataset_id)))
    load = validate_claims(
        pd.DataFrame([proposed], columns=list(COLUMNS)),
        places=places,
        source_ids=source_ids,
        row_numbers=[row],
    )
    if load.errors:
        raise EditRefused(load.errors)
    return load.claims.iloc[0]


def _log(
    conn: Connection,
    dataset_id: int,
    claim_id: str,
    version: int,
    kind: str,
    editor: str,
    reason: str,
    changes: Mapping[str, tuple[str, str]],
) -> None:
    conn.execute(
        sa.insert(schema.claim_edits).values(
            dataset_id=dataset_id,
            claim_id=claim_id,
            version=version,
            kind=kind,
            edited_at=dt.datetime.now(dt.UTC),
            editor=editor,
            reason=reason,
            changes_json=json.dumps({k: list(v) for k, v in changes.items()}, ensure_ascii=False),
        )
    )
    d = schema.datasets
    # The app's caches key on the revision: every process reads the dataset afresh.
    conn.execute(sa.update(d).where(d.c.id == dataset_id).values(revision=d.c.revision + 1))


def _open_for_change(
    conn: Connection, slug: str, claim_id: str, expected_version: int
) -> tuple[int, pd.Series, int, bool]:
    """Start a change: take the write lock, then refuse if the claim moved on meanwhile."""
    _bump(conn)
    dataset_id = _writable_dataset_id(conn, slug)
    claim, version, retracted = _current(conn, dataset_id, claim_id)
    if version != expected_version:
        since = _since(conn, dataset_id, claim_id, expected_version)
        raise EditConflict(claim_id, expected_version, version, since)
    return dataset_id, claim, version, retracted


def _need(editor: str, reason: str) -> tuple[str, str]:
    editor, reason = editor.strip(), " ".join(reason.split())
    problems = []
    if not editor:
        problems.append(Problem(None, "editor", "", "every change records who made it"))
    if not reason:
        problems.append(Problem(None, "reason", "", "say why: every change needs a reason"))
    if problems:
        raise EditRefused(problems)
    return editor, reason


def edit_claim(
    store: Store,
    slug: str,
    claim_id: str,
    changes: Mapping[str, str],
    *,
    editor: str,
    reason: str,
    expected_version: int,
    corroborated_by: str | None = None,
) -> int:
    """Change fields of a claim (text, as a claims file writes them); return its new version.

    A change of status to "corroborated" must name the other source that backs it
    (``corroborated_by``, a source of the same dataset), which the log keeps.
    """
    editor, reason = _need(editor, reason)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise EditRefused(
            [
                Problem(None, f, "", f"not a field one can edit ({', '.join(EDITABLE)})")
                for f in unknown
            ]
        )
    with store.engine.begin() as conn:
        dataset_id, claim, version, _ = _open_for_change(conn, slug, claim_id, expected_version)
        before = _as_text(claim)
        proposed = {**before, **{k: str(v).strip() for k, v in changes.items()}}
        checked = _check(conn, dataset_id, proposed, int(claim["row"])).copy()
        if "province" not in changes:  # matched by its code; keep it as it was written
            checked["province_input"] = claim["province_input"]
        after = _as_text(checked)
        diff = {k: (before[k], after[k]) for k in COLUMNS if before[k] != after[k]}
        if checked["province_input"] != claim["province_input"]:
            diff["province_input"] = (str(claim["province_input"]), str(checked["province_input"]))
        if after["status"] == "corroborated" and before["status"] != "corroborated":
            source_ids = set(
                conn.scalars(
                    sa.select(schema.sources.c.source_id).where(
                        schema.sources.c.dataset_id == dataset_id
                    )
                )
            )
            if not corroborated_by or corroborated_by not in source_ids:
                raise EditRefused(
                    [
                        Problem(
                            None,
                            "corroborated_by",
                            corroborated_by or "",
                            "name the other source, among this dataset's sources, that "
                            "corroborates the claim",
                        )
                    ]
                )
            if corroborated_by == after["source_id"]:
                raise EditRefused(
                    [
                        Problem(
                            None,
                            "corroborated_by",
                            corroborated_by,
                            "a claim's own source cannot corroborate it; name another",
                        )
                    ]
                )
            diff["corroborated_by"] = ("", corroborated_by)
        if not diff:
            return version
        values = {
            k: _db_value(k, checked[k]) for k in (*COLUMNS, "province_input") if k != "claim_id"
        }
        updated = conn.execute(
            sa.update(schema.claims)
            .where(
                schema.claims.c.dataset_id == dataset_id,
                schema.claims.c.claim_id == claim_id,
                schema.claims.c.version == version,
            )
            .values(**values, version=version + 1)
        ).rowcount
        if updated != 1:  # cannot happen while writers are serialised; never overwrite
            raise EditConflict(claim_id, expected_version, version + 1, [])
        _log(conn, dataset_id, claim_id, version + 1, "edit", editor, reason, diff)
    return version + 1


def _db_value(column: str, value: object) -> object:
    if column in ("date_start", "date_end"):
        return pd.Timestamp(value).date()
    if column == "province":
        return None if pd.isna(value) else str(value)
    return "" if pd.isna(value) else str(value)


def set_retracted(
    store: Store,
    slug: str,
    claim_id: str,
    retracted: bool,
    *,
    editor: str,
    reason: str,
    expected_version: int,
) -> int:
    """Retract a claim (kept, hidden from every view) or restore it; return its new version."""
    editor, reason = _need(editor, reason)
    with store.engine.begin() as conn:
        dataset_id, _, version, was = _open_for_change(conn, slug, claim_id, expected_version)
        if was == retracted:
            return version
        conn.execute(
            sa.update(schema.claims)
            .where(schema.claims.c.dataset_id == dataset_id, schema.claims.c.claim_id == claim_id)
            .values(retracted=retracted, version=version + 1)
        )
        kind = "retract" if retracted else "restore"
        flags = ("no", "yes") if retracted else ("yes", "no")
        _log(conn, dataset_id, claim_id, version + 1, kind, editor, reason, {"retracted": flags})
    return version + 1


def claim_version(store: Store, slug: str, claim_id: str) -> int:
    """The version an editor starts from."""
    with store.engine.connect() as conn:
        return _current(conn, _dataset_id(conn, slug), claim_id)[1]


def history(store: Store, slug: str, claim_id: str | None = None) -> list[Edit]:
    """Every change to the dataset's claims (or to one), oldest first."""
    e = schema.claim_edits
    with store.engine.connect() as conn:
        query = sa.select(e).where(e.c.dataset_id == _dataset_id(conn, slug))
        if claim_id is not None:
            query = query.where(e.c.claim_id == claim_id)
        return [_edit(r) for r in conn.execute(query.order_by(e.c.id))]


def history_frame(edits: list[Edit]) -> pd.DataFrame:
    """One row per changed field: for display and CSV download."""
    rows = [
        {
            "edited_at": e.edited_at.isoformat(timespec="seconds"),
            "editor": e.editor,
            "claim_id": e.claim_id,
            "version": e.version,
            "kind": e.kind,
            "field": field,
            "old": old,
            "new": new,
            "reason": e.reason,
        }
        for e in edits
        for field, (old, new) in e.changes.items()
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "edited_at",
            "editor",
            "claim_id",
            "version",
            "kind",
            "field",
            "old",
            "new",
            "reason",
        ],
    )


def as_recorded(claims: pd.DataFrame, retracted: pd.Series, edits: list[Edit]) -> pd.DataFrame:
    """``claims`` (all, with ``retracted`` beside them) as they stood before ``edits``.

    ``edits`` are the changes made after the moment wanted; they are undone, newest first.
    """
    out = claims.copy()
    hidden = retracted.copy()
    index = {cid: i for i, cid in enumerate(out["claim_id"].astype(str))}
    for edit in reversed(edits):
        i = index.get(edit.claim_id)
        if i is None:
            continue
        for field, (old, _new) in edit.changes.items():
            if field == "retracted":
                hidden.iloc[i] = old == "yes"
            elif field in out.columns:
                value: object = old
                if field in ("date_start", "date_end"):
                    value = pd.Timestamp(old)
                elif field == "province" and old == "":
                    value = None
                elif field in CATEGORY_COLUMNS and old not in out[field].cat.categories:
                    out[field] = out[field].cat.add_categories([old])
                out.iloc[i, out.columns.get_loc(field)] = value
    kept = out[~hidden.to_numpy()].reset_index(drop=True)
    for field in CATEGORY_COLUMNS:
        kept[field] = kept[field].cat.remove_unused_categories()
    return kept
