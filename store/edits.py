"""Adding, editing and reviewing stored claims, each change logged, none overwritten silently.

Every change is one transaction that (1) raises the store's version (see store/core.py),
(2) updates each claim only if it is still at the version the editor started from, and
(3) appends an entry per claim to ``claim_edits``: who, when, why, and each field's old
and new value. An editor whose claim changed under them gets :class:`EditConflict`, with
the other change, and nothing is written. The same checks as the loader's apply to an
added or edited claim (and a source's), and a quote must appear in its source's text when
the store has that text: nothing enters the store that a file could not bring.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.model.claims import CATEGORY_COLUMNS, CLAIM_FIELDS, COLUMNS, validate_claims
from geo.model.problems import FIRST_DATA_ROW, Problem
from geo.model.quotes import quote_in_text
from geo.model.sources import SOURCE_COLUMNS, validate_sources
from geo.model.vocab import STATUSES
from store import schema
from store.core import (
    _CLAIM_SELECT,
    BUILTIN,
    SaveRefused,
    Store,
    _bump,
    _read_boundaries,
    _typed_piece,
    slugify,
)

# What an editor may change; the id names the claim and stays.
EDITABLE = tuple(c for c in COLUMNS if c != "claim_id")
# What an editor fills in for a new source; its id is made from them, and "file" names a
# document in the project's folder, which sources added in the app have not.
SOURCE_FIELDS = tuple(c for c in SOURCE_COLUMNS if c not in ("source_id", "file"))
# The review statuses: the loader's, and retracted (kept, hidden from every view).
RETRACTED = "retracted"
REVIEW_STATUSES = (*STATUSES, RETRACTED)
# A pasted source text longer than this is refused: a book belongs in a file, not a form.
MAX_SOURCE_TEXT_CHARS = 2_000_000


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
    # "claim", or "source" for a source added in the app (``claim_id`` is then its id)
    subject: str = "claim"


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
    claim = _typed_piece([[value] for value in tuple(row)[:-2]]).iloc[0]
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
        .where(
            e.c.dataset_id == dataset_id,
            e.c.subject == "claim",
            e.c.claim_id == claim_id,
            e.c.version > after,
        )
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
        subject=row.subject,
    )


def _check(
    conn: Connection, dataset_id: int, proposed: dict[str, str], row: int, *, quote: bool = True
) -> tuple[pd.Series | None, list[Problem]]:
    """The claim as the loader would load it (None if it would not), and every problem.

    Besides the loader's checks (and with ``quote``): a quote must appear in its source's
    text when the store has that text.
    """
    d, a, s = schema.datasets, schema.dataset_aliases, schema.sources
    sha = conn.scalar(sa.select(d.c.boundary_sha256).where(d.c.id == dataset_id))
    _, _, _, places = _read_boundaries(conn, sha)
    aliases = dict(
        conn.execute(sa.select(a.c.spelling, a.c.code).where(a.c.dataset_id == dataset_id)).all()
    )
    if aliases:
        places = places.with_aliases(aliases)
    texts = dict(
        conn.execute(
            sa.select(s.c.source_id, s.c.full_text).where(s.c.dataset_id == dataset_id)
        ).all()
    )
    load = validate_claims(
        pd.DataFrame([proposed], columns=list(COLUMNS)),
        places=places,
        source_ids=set(texts),
        row_numbers=[row],
    )
    problems = list(load.errors)
    words, source_id = proposed["quote"].strip(), proposed["source_id"].strip()
    text = texts.get(source_id)
    if quote and words and text is not None and not quote_in_text(words, text):
        problems.append(
            Problem(
                row,
                "quote",
                words,
                f"not found in the text of source {source_id!r}; copy the words exactly "
                "as the source writes them (spaces and line breaks may differ)",
            )
        )
    if problems:
        return None, problems
    return load.claims.iloc[0], []


def _corroboration(
    conn: Connection, dataset_id: int, own_source: str, corroborated_by: str | None, row: int
) -> list[Problem]:
    """Why ``corroborated_by`` cannot back a claim of ``own_source`` ([] if it can)."""
    s = schema.sources
    source_ids = set(conn.scalars(sa.select(s.c.source_id).where(s.c.dataset_id == dataset_id)))
    if not corroborated_by or corroborated_by not in source_ids:
        message = "name the other source, among this dataset's sources, that corroborates the claim"
    elif corroborated_by == own_source:
        message = "a claim's own source cannot corroborate it; name another"
    else:
        return []
    return [Problem(row, "corroborated_by", corroborated_by or "", message)]


def _log(
    conn: Connection,
    dataset_id: int,
    claim_id: str,
    version: int,
    kind: str,
    editor: str,
    reason: str,
    changes: Mapping[str, tuple[str, str]],
    subject: str = "claim",
) -> None:
    conn.execute(
        sa.insert(schema.claim_edits).values(
            dataset_id=dataset_id,
            subject=subject,
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
    conn: Connection, dataset_id: int, claim_id: str, expected_version: int
) -> tuple[pd.Series, int, bool]:
    """A claim to change, or :class:`EditConflict` if it moved on since the editor read it.

    Call after :func:`store.core._bump`, which holds every other writer off until commit.
    """
    claim, version, retracted = _current(conn, dataset_id, claim_id)
    if version != expected_version:
        since = _since(conn, dataset_id, claim_id, expected_version)
        raise EditConflict(claim_id, expected_version, version, since)
    return claim, version, retracted


def _need(editor: str, reason: str, *, reason_required: bool = True) -> tuple[str, str]:
    editor, reason = editor.strip(), " ".join(reason.split())
    problems = []
    if not editor:
        problems.append(Problem(None, "editor", "", "every change records who made it"))
    if reason_required and not reason:
        problems.append(Problem(None, "reason", "", "say why: every change needs a reason"))
    if problems:
        raise EditRefused(problems)
    return editor, reason


def _not_editable(fields: Mapping[str, object], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise EditRefused(
            [
                Problem(None, f, "", f"not a field one can edit ({', '.join(allowed)})")
                for f in unknown
            ]
        )


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
    _not_editable(changes, EDITABLE)
    with store.engine.begin() as conn:
        _bump(conn)
        dataset_id = _writable_dataset_id(conn, slug)
        return _edit_in(
            conn, dataset_id, claim_id, changes, editor, reason, expected_version, corroborated_by
        )


def _edit_in(
    conn: Connection,
    dataset_id: int,
    claim_id: str,
    changes: Mapping[str, str],
    editor: str,
    reason: str,
    expected_version: int,
    corroborated_by: str | None,
) -> int:
    claim, version, _ = _open_for_change(conn, dataset_id, claim_id, expected_version)
    before = _as_text(claim)
    proposed = {**before, **{k: str(v).strip() for k, v in changes.items()}}
    # A quote is checked when it or its source changes, not on every status change of a
    # claim saved before its source's text was in the store.
    moved = {k for k in ("quote", "source_id") if before[k] != proposed[k]}
    checked, problems = _check(conn, dataset_id, proposed, int(claim["row"]), quote=bool(moved))
    if checked is None:
        raise EditRefused(problems)
    checked = checked.copy()
    if "province" not in changes:  # matched by its code; keep it as it was written
        checked["province_input"] = claim["province_input"]
    after = _as_text(checked)
    diff = {k: (before[k], after[k]) for k in COLUMNS if before[k] != after[k]}
    if checked["province_input"] != claim["province_input"]:
        diff["province_input"] = (str(claim["province_input"]), str(checked["province_input"]))
    if after["status"] == "corroborated" and before["status"] != "corroborated":
        problems = _corroboration(
            conn, dataset_id, after["source_id"], corroborated_by, int(claim["row"])
        )
        if problems:
            raise EditRefused(problems)
        assert corroborated_by is not None
        diff["corroborated_by"] = ("", corroborated_by)
    if not diff:
        return version
    values = {k: _db_value(k, checked[k]) for k in (*COLUMNS, "province_input") if k != "claim_id"}
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
        _bump(conn)
        dataset_id = _writable_dataset_id(conn, slug)
        return _retract_in(conn, dataset_id, claim_id, retracted, editor, reason, expected_version)


def _retract_in(
    conn: Connection,
    dataset_id: int,
    claim_id: str,
    retracted: bool,
    editor: str,
    reason: str,
    expected_version: int,
) -> int:
    _, version, was = _open_for_change(conn, dataset_id, claim_id, expected_version)
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


def review_many(
    store: Store,
    slug: str,
    versions: Mapping[str, int],
    status: str,
    *,
    editor: str,
    reason: str,
    corroborated_by: str | None = None,
) -> dict[str, int]:
    """Give every claim in ``versions`` (claim id -> the version the editor read) ``status``.

    ``status`` is one of :data:`REVIEW_STATUSES`; "retracted" retracts. One transaction:
    every claim changes or none does (a conflict or a refusal for one refuses all), and
    each claim changed gets its own log entry with the one reason. Returns each claim's
    version after the change (unchanged for a claim that had the status already).
    """
    editor, reason = _need(editor, reason)
    if status not in REVIEW_STATUSES:
        raise EditRefused(
            [Problem(None, "status", status, f"use one of: {', '.join(REVIEW_STATUSES)}")]
        )
    if not versions:
        raise EditRefused([Problem(None, "claims", "", "choose at least one claim")])
    out: dict[str, int] = {}
    with store.engine.begin() as conn:
        _bump(conn)
        dataset_id = _writable_dataset_id(conn, slug)
        for claim_id, expected in versions.items():
            try:
                if status == RETRACTED:
                    out[claim_id] = _retract_in(
                        conn, dataset_id, claim_id, True, editor, reason, expected
                    )
                else:
                    out[claim_id] = _edit_in(
                        conn,
                        dataset_id,
                        claim_id,
                        {"status": status},
                        editor,
                        reason,
                        expected,
                        corroborated_by,
                    )
            except EditRefused as refused:
                raise EditRefused(
                    [
                        Problem(p.row, p.column, p.value, f"claim {claim_id}: {p.message}")
                        for p in refused.problems
                    ]
                ) from refused
    return out


def _new_source_id(record: Mapping[str, str], taken: set[str]) -> str:
    """A link-safe id from the publisher, date and title, not yet used in the dataset."""
    base = slugify(" ".join(record.get(k, "") for k in ("publisher", "published", "title")))
    base = base[:60].strip("-") or "source"
    found, n = base, 2
    while found in taken:
        found, n = f"{base}-{n}", n + 1
    return found


def add_source(
    store: Store,
    slug: str,
    fields: Mapping[str, str],
    *,
    editor: str,
    full_text: str = "",
    reason: str = "",
) -> str:
    """Add a source (:data:`SOURCE_FIELDS`) to a saved dataset; return its new id.

    ``full_text``, when given, is kept: quotes of the source's claims are then checked
    against it. Refused with each field's problem (:class:`EditRefused`) by the loader's
    rules for a sources file; logged as an "add" with subject "source".
    """
    editor, reason = _need(editor, reason, reason_required=False)
    _not_editable(fields, SOURCE_FIELDS)
    record = {c: " ".join(str(fields.get(c, "")).split()) for c in SOURCE_FIELDS}
    text = full_text.strip()
    if len(text) > MAX_SOURCE_TEXT_CHARS:
        raise EditRefused(
            [
                Problem(
                    None,
                    "full_text",
                    "",
                    f"the text is {len(text):,} characters; keep it to "
                    f"{MAX_SOURCE_TEXT_CHARS:,} (paste the passages the claims quote)",
                )
            ]
        )
    s = schema.sources
    with store.engine.begin() as conn:
        dataset_id, position, taken = _open_for_adding(conn, slug, s, "source_id")
        source_id = _new_source_id(record, taken)
        raw = pd.DataFrame([{**record, "source_id": source_id, "file": ""}], dtype=str)
        load = validate_sources(raw, row_numbers=[position + FIRST_DATA_ROW])
        if load.problems:
            raise EditRefused(load.problems)
        values = {c: str(load.sources.iloc[0][c]) for c in SOURCE_COLUMNS}
        conn.execute(
            sa.insert(s).values(
                dataset_id=dataset_id, position=position, full_text=text or None, **values
            )
        )
        changes = {c: ("", values[c]) for c in SOURCE_FIELDS if values[c]}
        if text:
            changes["full_text"] = ("", f"{len(text):,} characters")
        _log(conn, dataset_id, source_id, 1, "add", editor, reason, changes, subject="source")
    return source_id


def _open_for_adding(
    conn: Connection, slug: str, table: sa.Table, id_column: str
) -> tuple[int, int, set[str]]:
    """Start an addition to ``table``: take the write lock; return the dataset's id, the
    next free position and the ids already taken."""
    _bump(conn)
    dataset_id = _writable_dataset_id(conn, slug)
    rows = conn.execute(
        sa.select(table.c[id_column], table.c.position).where(table.c.dataset_id == dataset_id)
    ).all()
    position = max((r.position for r in rows), default=-1) + 1
    return dataset_id, position, {r[0] for r in rows}


def _new_claim_id(taken: set[str]) -> str:
    """The next "A<number>" id not used in the dataset (retracted claims keep theirs)."""
    numbers = [int(t[1:]) for t in taken if t[:1] == "A" and t[1:].isdigit()]
    n = max(numbers, default=0) + 1
    while f"A{n:03d}" in taken:
        n += 1
    return f"A{n:03d}"


def add_claim(
    store: Store,
    slug: str,
    fields: Mapping[str, str],
    *,
    editor: str,
    reason: str = "",
    corroborated_by: str | None = None,
) -> str:
    """Add a claim (text fields, as a claims file writes them) to a saved dataset.

    Returns its new id, made here: unique in the dataset and never changed. Refused with
    every field's problem at once (:class:`EditRefused`), and nothing written, when the
    loader would reject it, when its quote is not in its source's stored text, or when
    "corroborated" names no other source of the dataset.
    """
    editor, reason = _need(editor, reason, reason_required=False)
    _not_editable(fields, EDITABLE)
    c = schema.claims
    with store.engine.begin() as conn:
        dataset_id, position, taken = _open_for_adding(conn, slug, c, "claim_id")
        claim_id = _new_claim_id(taken)
        proposed = {k: str(fields.get(k, "")).strip() for k in COLUMNS} | {"claim_id": claim_id}
        row = position + FIRST_DATA_ROW
        checked, problems = _check(conn, dataset_id, proposed, row)
        if proposed["status"] == "corroborated":
            problems += _corroboration(
                conn, dataset_id, proposed["source_id"], corroborated_by, row
            )
        if checked is None or problems:
            raise EditRefused(problems)
        values = {k: _db_value(k, checked[k]) for k in CLAIM_FIELDS if k != "row"}
        conn.execute(
            sa.insert(c).values(dataset_id=dataset_id, position=position, row=row, **values)
        )
        d = schema.datasets
        conn.execute(
            sa.update(d).where(d.c.id == dataset_id).values(claim_count=d.c.claim_count + 1)
        )
        after = _as_text(checked)
        changes = {k: ("", after[k]) for k in COLUMNS if after[k] and k != "claim_id"}
        if after["province"] and checked["province_input"] != after["province"]:
            changes["province_input"] = ("", str(checked["province_input"]))
        if proposed["status"] == "corroborated":
            assert corroborated_by is not None
            changes["corroborated_by"] = ("", corroborated_by)
        _log(conn, dataset_id, claim_id, 1, "add", editor, reason, changes)
    return claim_id


def source_text(store: Store, slug: str, source_id: str) -> str | None:
    """The text an editor pasted in for a source, or None if the store has none."""
    s = schema.sources
    with store.engine.connect() as conn:
        return conn.scalar(
            sa.select(s.c.full_text).where(
                s.c.dataset_id == _dataset_id(conn, slug), s.c.source_id == source_id
            )
        )


def retracted_claims(store: Store, slug: str) -> pd.DataFrame:
    """The dataset's retracted claims (id, version, status, source, summary), in order."""
    c = schema.claims
    columns = ["claim_id", "version", "status", "source_id", "summary"]
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(*(c.c[k] for k in columns))
            .where(c.c.dataset_id == _dataset_id(conn, slug), c.c.retracted == sa.true())
            .order_by(c.c.position)
        ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def claim_version(store: Store, slug: str, claim_id: str) -> int:
    """The version an editor starts from."""
    with store.engine.connect() as conn:
        return _current(conn, _dataset_id(conn, slug), claim_id)[1]


def claim_versions(store: Store, slug: str, claim_ids: Iterable[str]) -> dict[str, int]:
    """The versions editors start from, of each of these claims the dataset has."""
    c = schema.claims
    wanted = list(claim_ids)
    with store.engine.connect() as conn:
        dataset_id = _dataset_id(conn, slug)
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 1000):  # a bounded number of bound parameters
            found.update(
                conn.execute(
                    sa.select(c.c.claim_id, c.c.version).where(
                        c.c.dataset_id == dataset_id, c.c.claim_id.in_(wanted[start : start + 1000])
                    )
                ).all()
            )
    return found


def history(store: Store, slug: str, claim_id: str | None = None) -> list[Edit]:
    """Every change to the dataset's claims and sources (or to one claim), oldest first."""
    e = schema.claim_edits
    with store.engine.connect() as conn:
        query = sa.select(e).where(e.c.dataset_id == _dataset_id(conn, slug))
        if claim_id is not None:
            query = query.where(e.c.subject == "claim", e.c.claim_id == claim_id)
        return [_edit(r) for r in conn.execute(query.order_by(e.c.id))]


def history_frame(edits: list[Edit]) -> pd.DataFrame:
    """One row per changed field: for display and CSV download."""
    rows = [
        {
            "edited_at": e.edited_at.isoformat(timespec="seconds"),
            "editor": e.editor,
            "subject": e.subject,
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
            "subject",
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

    ``edits`` are the changes made after the moment wanted; they are undone, newest first:
    a claim added after it is left out.
    """
    out = claims.copy()
    hidden = retracted.copy()
    index = {cid: i for i, cid in enumerate(out["claim_id"].astype(str))}
    for edit in reversed(edits):
        i = index.get(edit.claim_id)
        if i is None or edit.subject != "claim":
            continue
        if edit.kind == "add":
            hidden.iloc[i] = True
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
