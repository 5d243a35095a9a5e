"""Your data: upload claims (and optionally sources and boundaries) for this session only."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import streamlit as st

from dashboard import datastore, perf, state, upload_cap, upload_limit
from geo.dataset import Dataset, combine, on_region
from geo.escape import csv_safe_frame, md
from geo.model.boundaries import BoundaryError
from geo.model.claims import COLUMNS, REQUIRED_COLUMNS
from geo.model.countries import vintage_caption
from geo.model.places import Suggestion
from geo.model.problems import problems_frame
from geo.model.sources import validate_sources
from geo.model.vocab import CLAIM_TYPES, DATE_PRECISIONS, LOCATION_PRECISIONS, STATUSES
from geo.reading import charsets
from geo.reading.boundary_upload import identifier_fields, prepare_boundaries, read_boundary_upload
from geo.reading.ingest import UnreadableFile, file_format, read_table_bytes
from geo.reading.mapping import ColumnMapping, guess_mapping
from geo.reading.upload import UploadResult, expected_seconds, lasting_fixes, load_upload
from store import BUILTIN, SaveRefused

# Streamlit's own limit, which its uploaders state, is the same (see app.py).
MAX_MB = upload_limit.max_upload_mb()
MAX_BYTES = upload_limit.max_upload_bytes()
ALIASES = "_upload_aliases"
COUNTRY_ALIASES = "_upload_country_aliases"  # country code -> spelling -> unit code
MAPPING = "_upload_mapping"
RESULT = "_upload_result"
ENCODING = "claims_encoding"  # the encoding picked for the claims file; "" is "detected"
DETECTED = "_upload_detected"  # (file digest, the encoding detection chose for it)
FIXED_CHOICES = {
    "claim_type": CLAIM_TYPES,
    "status": STATUSES,
    "date_precision": DATE_PRECISIONS,
    "location_precision": LOCATION_PRECISIONS,
}

builtin = state.dataset()

st.title("Your data")
st.markdown(
    "Load your own claims table (CSV or Excel), in this dashboard's format, as an ACLED "
    "export, or any other table whose columns you map below. It is used in **this browser "
    "session only**: other users and the files on disk are untouched. Every row is either "
    "loaded or listed below with its row number, column and reason."
)
current = st.session_state.get(state.USER_DATA)
if current is not None:
    st.success(f"The dashboard is showing {md(current.label)}.")
    if st.button("Go back to the built-in data"):
        state.show_dataset(BUILTIN)
        st.rerun()


@st.cache_data(show_spinner="Reading the boundary file…", max_entries=4)
def _boundary_layer(name: str, data: bytes, max_bytes: int):
    # A turn among the process's readers (dashboard/upload_cap.py): the spinner shows.
    with upload_cap.reading_turn(lambda: None):
        return read_boundary_upload(name, data, max_bytes=max_bytes)


# --- boundaries -----------------------------------------------------------------------------
with st.expander("Map layer: the built-in Afghan provinces, or your own boundary file"):
    boundary_file = st.file_uploader(
        "Boundary file (GeoJSON, GeoPackage, or a zipped Shapefile)",
        type=["geojson", "json", "gpkg", "zip"],
        key="boundary_upload",
    )
    uploaded_boundaries = None
    boundary_credit = ""
    boundary_key = None
    if boundary_file is not None:
        try:
            layer = _boundary_layer(boundary_file.name, boundary_file.getvalue(), MAX_BYTES)
            fields = identifier_fields(layer)
            if not fields:
                raise BoundaryError(
                    "no property has a unique, non-empty value for every feature; add one "
                    "(a code or a name) to the file"
                )
            code_field = st.selectbox("Property with each place's code", fields)
            name_field = st.selectbox("Property with each place's name", fields)
            boundary_credit = st.text_input(
                "Credit for these boundaries (shown next to the map)",
                placeholder="e.g. OCHA COD-AB, 2021",
            )
            uploaded_boundaries = prepare_boundaries(
                layer, boundary_file.name, code_field, name_field
            )
            boundary_key = (boundary_file.file_id, code_field, name_field)
            st.markdown(
                f"{len(uploaded_boundaries.boundaries)} places read from {md(boundary_file.name)}."
            )
            for note in uploaded_boundaries.notes:
                st.caption(md(note))
        except BoundaryError as error:
            st.error(md(str(error)))
            uploaded_boundaries = None

places = uploaded_boundaries.places if uploaded_boundaries else builtin.places

# --- sources (optional) ---------------------------------------------------------------------
sources_file = st.file_uploader(
    "Sources table (optional; CSV or Excel with the columns of data/sources.csv)",
    type=["csv", "tsv", "txt", "xlsx"],
    key="sources_upload",
)
extra_sources = None
if sources_file is not None:
    try:
        read = read_table_bytes(sources_file.name, sources_file.getvalue(), max_bytes=MAX_BYTES)
        for warning in read.warnings:
            st.warning(md(warning))
        sources_load = validate_sources(read.frame, read.row_numbers)
        extra_sources = sources_load.sources.astype(str)
        st.caption(f"{len(extra_sources)} sources loaded from {md(sources_file.name)}.")
        if sources_load.problems:
            st.warning("Some sources could not be used:")
            st.dataframe(problems_frame(sources_load.problems), hide_index=True)
    except UnreadableFile as error:
        st.error(md(str(error)))

# --- claims ---------------------------------------------------------------------------------
claims_file = st.file_uploader(
    f"Claims table (CSV, TSV or Excel .xlsx; up to {MAX_MB} MB)",
    type=["csv", "tsv", "txt", "xlsx"],
    key="claims_upload",
)
# The server's refusal past this reaches the browser only as "status 413" (upload_cap.py).
st.caption(
    f"This browser session keeps at most {upload_cap.MAX_FILES} uploaded files "
    f"({upload_cap.MAX_UPLOADS * MAX_MB} MB) on the server. If an upload fails with "
    "status 413, remove files you no longer need from the uploaders, or reload the page."
)
if claims_file is None:
    st.info(
        "Choose a file to see what can be read from it. The expected columns are: "
        + ", ".join(f"`{c}`" for c in COLUMNS)
        + ". ACLED exports load as they are."
    )
    st.session_state.pop(RESULT, None)
    st.stop()

data = claims_file.getvalue()
digest = hashlib.sha256(data).hexdigest()
if st.session_state.get("_upload_digest") != digest:
    # A different file: earlier fixes and mappings were for other columns and names.
    st.session_state["_upload_digest"] = digest
    st.session_state[ALIASES] = {}
    st.session_state[COUNTRY_ALIASES] = {}
    st.session_state.pop(MAPPING, None)
    st.session_state.pop(ENCODING, None)  # its encoding is detected afresh
aliases: dict[str, str] = st.session_state.setdefault(ALIASES, {})
country_aliases: dict[str, dict[str, str]] = st.session_state.setdefault(COUNTRY_ALIASES, {})
mapping: ColumnMapping | None = st.session_state.get(MAPPING)
# The widget is drawn below, once the file has been read and its detected encoding is known;
# its value is needed before, to read the file with it.
encoding: str | None = st.session_state.get(ENCODING) or None


def is_text(content: bytes) -> bool:
    """Whether the upload is a text table, which has an encoding (a workbook has none)."""
    try:
        return file_format(claims_file.name, content) == "text"
    except UnreadableFile:
        return False  # a PDF, an image...: no encoding makes it a table


def encoding_picker(detected: str | None) -> None:
    """The encoding to read a text file in: the detected one, or one the user picks."""
    shown_detected = f"detected ({charsets.short_label(detected)})" if detected else "detected"
    st.selectbox(
        "Text encoding",
        ["", *charsets.ENCODINGS],
        format_func=lambda c: charsets.ENCODINGS[c] if c else shown_detected,
        key=ENCODING,
        help="Which encoding the file's text is in. The detected one is right for most files; "
        "if letters look wrong (for instance Dari shown as accented Latin letters), pick the "
        "one the file was saved in: Excel's plain CSV on a Windows set up for Dari or Pashto "
        "is Windows-1256. Saving as CSV UTF-8 avoids the question.",
    )


def run_pipeline() -> UploadResult | None:
    def load(progress: Callable[[float], None] | None = None) -> UploadResult:
        note = st.empty()
        with upload_cap.reading_turn(
            lambda: note.info(
                "Other uploads are being read on this server; yours starts as soon as one is done.",
                icon=":material/hourglass_top:",
            )
        ):
            note.empty()
            result = None
            try:
                result = _read(progress)
                return result
            finally:
                # A long read froze what it made as it went (advance, below): what of that is
                # garbage is collected here. A result of many problems is frozen whole.
                many = result is not None and len(result.problems) >= perf.REFREEZE_PROBLEMS
                if progress is not None or many:
                    perf.refreeze()

    def _read(progress: Callable[[float], None] | None) -> UploadResult:
        return load_upload(
            claims_file.name,
            data,
            places=places,
            source_ids=set(builtin.sources["source_id"]),
            extra_sources=extra_sources,
            mapping=mapping,
            aliases=aliases,
            country_aliases=country_aliases,
            max_bytes=MAX_BYTES,
            encoding=encoding,
            progress=progress,
            # Without a boundary file of the user's, an ACLED export goes onto the built-in
            # units of the countries its rows name.
            built_in_countries=uploaded_boundaries is None,
        )

    reading = f"Reading {claims_file.name}…"
    try:
        # A bar only for files that take more than about a second (estimated from their size
        # and format): on a small file it would flash by, and each step is a message to the
        # browser. A spinner says the same for the rest.
        if expected_seconds(data) <= 1.0:
            with st.spinner(reading):
                return load()
        bar = st.progress(0.0, text=reading)
        shown = [0]

        def advance(done: float) -> None:
            percent = min(max(int(done * 100), shown[0]), 100)
            if percent > shown[0]:  # whole percents only: at most 100 updates
                shown[0] = percent
                bar.progress(percent / 100, text=reading)
                perf.freeze()  # what the read has made so far (see perf.refreeze)

        try:
            return load(advance)
        finally:
            bar.empty()
    except UnreadableFile as error:
        st.error(md(str(error)))
        return None


# Every widget on this page reruns it, and reading and checking a large file takes seconds,
# so the result is kept for this session until the file or anything it was read with changes.
inputs = (
    digest,
    claims_file.name,
    boundary_key,
    sources_file.file_id if extra_sources is not None else None,
    mapping,
    sorted(aliases.items()),
    sorted((c, sorted(fixes.items())) for c, fixes in country_aliases.items()),
    MAX_MB,
    encoding,
)
kept = st.session_state.get(RESULT)
if kept is not None and kept[0] == inputs:
    result = kept[1]
else:
    st.session_state.pop(RESULT, None)  # let the old result go before reading the new one
    result = run_pipeline()
    if result is None:
        if is_text(data):  # a wrongly chosen encoding can be the reason: let it be changed back
            known = st.session_state.get(DETECTED)
            encoding_picker(known[1] if known and known[0] == digest else None)
        st.stop()
    st.session_state[RESULT] = (inputs, result)
    st.session_state[DETECTED] = (digest, result.read.detected_encoding)

kinds = {
    "claims": "this dashboard's claims format",
    "acled": "an ACLED export",
    "other": "a table of its own: map its columns below",
}
st.subheader("What was read")
read = result.read
where = f"sheet {read.sheet!r}" if read.sheet else f"encoding {charsets.short_label(read.encoding)}"
st.markdown(
    f"**{md(claims_file.name)}**: {md(kinds[result.kind])}; {read.data_rows} data rows "
    f"({md(where)})."
)
for warning in result.warnings:
    st.warning(md(warning))
if read.kind == "csv":
    encoding_picker(read.detected_encoding)

# --- column mapping for other tables -----------------------------------------------------------
if result.kind == "other":
    with st.container(border=True):
        st.markdown("**Map your columns to claim fields** (guesses are pre-filled)")
        guess = mapping or guess_mapping([str(c) for c in read.frame.columns])
        columns = [str(c) for c in read.frame.columns]
        chosen: dict[str, str] = {}
        fixed: dict[str, str] = {}
        for claim_field in COLUMNS:
            label = claim_field + (" (required)" if claim_field in REQUIRED_COLUMNS else "")
            left, right = st.columns([3, 2])
            options = ["(none)", *columns]
            preset = guess.columns.get(claim_field)
            pick = left.selectbox(
                label,
                options,
                index=options.index(preset) if preset in options else 0,
                key=f"map_{claim_field}",
            )
            if pick != "(none)":
                chosen[claim_field] = pick
            elif claim_field in FIXED_CHOICES:
                value = right.selectbox(
                    f"or the same {claim_field} for every row",
                    ["", *FIXED_CHOICES[claim_field]],
                    index=0,
                    key=f"fix_{claim_field}",
                )
                if value:
                    fixed[claim_field] = value
            elif claim_field in REQUIRED_COLUMNS and claim_field != "claim_id":
                value = right.text_input(
                    f"or the same {claim_field} for every row", key=f"fix_{claim_field}"
                )
                if value.strip():
                    fixed[claim_field] = value.strip()
        new_mapping = ColumnMapping(chosen, fixed)
        if new_mapping != mapping:
            st.session_state[MAPPING] = new_mapping
            st.rerun()
        st.download_button(
            "Save this mapping (JSON)",
            new_mapping.to_json(),
            file_name="column-mapping.json",
            mime="application/json",
        )
        saved = st.file_uploader("Load a saved mapping", type=["json"], key="mapping_upload")
        if saved is not None:
            try:
                loaded = ColumnMapping.from_json(saved.getvalue().decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as error:
                st.error(f"That mapping cannot be used: {md(str(error))}")
            else:
                if loaded != mapping and st.button("Use the loaded mapping"):
                    st.session_state[MAPPING] = loaded
                    st.rerun()

# --- the report -------------------------------------------------------------------------------
loaded = len(result.load.claims)
st.subheader("Validation report")
st.markdown(
    f"**{loaded} of {read.data_rows} rows loaded**, {result.rejected_count} rejected"
    + (
        f", {len(result.file_errors)} problems with the file as a whole"
        if result.file_errors
        else ""
    )
    + "."
)
for note in result.notes:
    st.caption(md(note))
for problem in result.file_errors:
    st.error(md(str(problem)))
if result.errors:
    st.dataframe(problems_frame(result.errors), hide_index=True, width="stretch")
    st.download_button(
        "Download the rejected rows (CSV)",
        # Made when clicked, not on every rerun of this page.
        lambda: csv_safe_frame(result.rejected_table()).to_csv(index=False).encode("utf-8"),
        file_name=f"rejected-{claims_file.name.rsplit('.', 1)[0]}.csv",
        mime="text/csv",
        on_click="ignore",
        help="Each rejected row as it was in your file, with its row number and reasons. "
        "Text a spreadsheet would run as a formula is prefixed with a quote.",
    )

# The map an ACLED export goes onto when its countries are not (only) Afghanistan.
elsewhere = result.region if result.region and result.region.codes != ("AF",) else None
if elsewhere is not None:
    st.info(
        f"This {'export' if result.kind == 'acled' else 'table'} is about "
        f"{md(elsewhere.name)}: its claims are shown on the built-in "
        f"units of {md(elsewhere.name)}, not on Afghanistan's."
        + (f" {md(vintage)}" if (vintage := vintage_caption(elsewhere.boundary_meta)) else "")
    )
own_map = uploaded_boundaries is not None or elsewhere is not None


def fix_picker(
    text: str,
    where: str,
    suggestions: tuple[Suggestion, ...],
    names: dict[str, str],
    help: str,
    country: str = "",
) -> str:
    """Which of ``names``' places the unmatched ``text`` (said ``where``) means: suggestions
    first; "" for none."""
    suggested = [s.code for s in suggestions]
    others = [c for c in sorted(names, key=names.get) if c not in suggested]
    return st.selectbox(
        f"{text!r}{where} is",
        ["", *suggested, *others],
        format_func=lambda c: "(leave unmatched)" if not c else f"{names[c]} ({c})",
        key=f"alias_{country + '_' if country else ''}{hashlib.md5(text.encode()).hexdigest()}",
        help=help,
    )


unmatched = result.unmatched_places()
if unmatched:
    st.markdown("**Place names that matched no place.** Pick what each one means, if you know:")
    names = {code: result.places.name(code) for code in result.places.codes}
    picks: dict[str, str] = {}
    for text, suggestions in unmatched.items():
        pick = fix_picker(
            text,
            "",
            suggestions,
            names,
            "Suggestions first. The choice applies to this session only.",
        )
        if pick:
            picks[text] = pick
    if picks and st.button(f"Apply {len(picks)} fix{'es' if len(picks) > 1 else ''}"):
        st.session_state[ALIASES] = {**aliases, **picks}
        st.rerun()

# An export of several countries: a name is looked up among its own row's country's units
# only, so each country's unmatched names are asked about, and fixed, on their own.
by_country = result.unmatched_by_country()
if by_country and result.region is not None:
    st.markdown(
        "**Admin1 names that matched no unit of their row's country.** Pick what each one "
        "means, if you know; a fix applies to that country's rows only:"
    )
    country_picks: dict[str, dict[str, str]] = {}
    for country, names_here in by_country.items():
        units = result.region.registries[country]
        unit_names = {code: units.name(code) for code in units.codes}
        country_name = next(i.name for i in result.region.countries if i.code == country)
        for text, suggestions in names_here.items():
            pick = fix_picker(
                text,
                f" in {country_name}",
                suggestions,
                unit_names,
                f"Only {country_name}'s units. The choice applies to this session only.",
                country,
            )
            if pick:
                country_picks.setdefault(country, {})[text] = pick
    count = sum(map(len, country_picks.values()))
    if count and st.button(
        f"Apply {count} fix{'es' if count > 1 else ''}", key="apply_country_fixes"
    ):
        st.session_state[COUNTRY_ALIASES] = {
            c: {**country_aliases.get(c, {}), **country_picks.get(c, {})}
            for c in {*country_aliases, *country_picks}
        }
        st.rerun()

# --- use it ---------------------------------------------------------------------------------
st.subheader("Use it")
if loaded == 0:
    st.warning("No rows could be loaded, so there is nothing to show yet.")
    st.stop()
label = f"your data from {claims_file.name} ({loaded} claims)"
if uploaded_boundaries is not None and not boundary_credit.strip():
    st.warning("Give a credit for your boundary file above; it is shown next to the map.")
    st.stop()


def as_dataset(mode: str) -> Dataset:
    """The upload as the dashboard shows it: its claims alone, or added to the built-in ones."""
    if elsewhere is not None:
        return on_region(
            builtin,
            elsewhere,
            claims=result.load,
            sources=result.sources,
            label=label,
            problems=result.problems,
        )
    if mode == "replace":
        return combine(
            builtin,
            claims=result.load,
            sources=result.sources,
            mode="replace",
            label=label,
            places=places if uploaded_boundaries else None,
            boundaries=uploaded_boundaries.boundaries if uploaded_boundaries else None,
            boundary_credit=boundary_credit.strip() or None,
            problems=result.problems,
        )
    return combine(
        builtin,
        claims=result.load,
        sources=result.sources,
        mode="add",
        label=f"the built-in claims and {label}",
    )


left, right = st.columns(2)
if left.button("Show only these claims", type="primary"):
    st.session_state[state.USER_DATA] = as_dataset("replace")
    st.switch_page("pages/map.py")
if not own_map and right.button("Add them to the built-in claims"):
    st.session_state[state.USER_DATA] = as_dataset("add")
    st.switch_page("pages/map.py")

# --- save it for everyone ---------------------------------------------------------------------
st.subheader("Save it as a dataset")
if datastore.store() is None:
    st.warning(
        f"Saving is not possible right now: {md(datastore.problem() or 'no store')}. "
        "What you loaded stays in this session."
    )
    st.stop()
st.markdown(
    "A saved dataset is listed in every user's **Dataset** picker, on every app process, "
    "and a link to a view of it opens it for anyone. It is a copy: later uploads do not "
    "change it."
)
with st.form("save_dataset", border=True):
    mode = "replace"
    if not own_map:
        mode = st.radio(
            "Save",
            ["replace", "add"],
            format_func={
                "replace": "only these claims",
                "add": "these claims and the built-in ones",
            }.__getitem__,
            horizontal=True,
        )
    name = st.text_input("Name", max_chars=120, placeholder="e.g. NRF statements, Sept. 2022")
    description = st.text_area("Description (optional)", max_chars=2000)
    saved_by = st.text_input("Your name (optional)", max_chars=120)
    submitted = st.form_submit_button("Save dataset", type="primary")
if submitted:
    to_save = as_dataset(mode)
    saving = f"Saving {len(to_save.claims):,} claims…"
    bar = st.progress(0.0, text=saving)
    try:
        info = datastore.save(
            to_save,
            name=name,
            description=description,
            saved_by=saved_by,
            aliases=lasting_fixes(to_save.places, aliases, country_aliases),
            progress=lambda done: bar.progress(
                done, text=f"Saving {len(to_save.claims):,} claims…"
            ),
        )
    except SaveRefused as error:
        bar.empty()
        st.error(f"Not saved: {md(str(error))}.")
    except Exception as error:  # the database went away mid-save: nothing was written
        bar.empty()
        st.error(
            f"Not saved: the store failed ({md(type(error).__name__)}: {md(str(error)[:300])}). "
            "Nothing was written; try again."
        )
    else:
        state.show_dataset(info.slug)
        st.switch_page("pages/map.py")
