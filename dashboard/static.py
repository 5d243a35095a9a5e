"""Leaflet and the data folder's boundaries, served by the app's own server, so the map
draws with no internet.

Routes of ``st.App`` (app.py), beside :mod:`dashboard.served`'s. Leaflet comes from the
installed XStatic package, its version in the address, so browsers may keep it for good;
from the data folder only its GeoJSON files are served (the built-in boundaries), not
the claims or anything else a data folder holds.

Not Streamlit's own static file serving (``server.enableStaticServing``): that serves one
``static/`` folder beside the main script, so Leaflet would be copied into the project
and a data folder named by ``CLAIMS_MAP_DATA_DIR`` could not be served at all.

Light on purpose: app.py imports this before the server listens (see dashboard/warmup.py).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from pathlib import Path

import xstatic.pkg.leaflet
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from dashboard.lasting import lasting
from geo.paths import active_countries_dir, active_data_dir

LEAFLET_ROUTE = f"/_claims_map/leaflet/{xstatic.pkg.leaflet.VERSION}"
DATA_ROUTE = "/_claims_map/data"
# The map frame is served at <base>/component/streamlit_folium.st_folium/index.html: going
# up two levels keeps these addresses right under any server.baseUrlPath, and behind a
# proxy that serves the app under a path of its own.
FROM_FRAME = "../.."
DATA_SUFFIX = ".geojson"
CONTEXT_ROUTE = "/_claims_map/context"
# A region's country codes in one address ("AF-PK-IR"); ACLED's regional exports name
# up to about 20 countries.
_CONTEXT_NAME = re.compile(r"^[A-Z0-9]{2,3}(-[A-Z0-9]{2,3}){0,39}\.geojson$")
_CONTEXT_KEPT = 32
_context_lock: threading.Lock = lasting("context_lock", threading.Lock)
_context_cache: OrderedDict[tuple[str, tuple[str, ...]], bytes] = lasting(
    "context_cache", OrderedDict
)


def leaflet_url(filename: str) -> str:
    """A Leaflet file's address as the map frame must write it."""
    return f"{FROM_FRAME}{LEAFLET_ROUTE}/{filename}"


def data_url(filename: str) -> str:
    """A GeoJSON file of the data folder, as the map frame must write its address."""
    return f"{FROM_FRAME}{DATA_ROUTE}/{filename}"


def context_url(codes: tuple[str, ...]) -> str:
    """The countries around ``codes``'s units, as the map frame must write its address.

    Made when the frame asks for it, not when the map is built: reading and clipping the
    neighbours' outlines takes about a second, which a new server's first map must not
    wait for (bench/cold.py). The frame draws the units first and the context when it comes.
    """
    return f"{FROM_FRAME}{CONTEXT_ROUTE}/{'-'.join(codes)}{DATA_SUFFIX}"


def _context(request: Request) -> Response:
    name = request.path_params["name"]
    if not _CONTEXT_NAME.match(name):
        return PlainTextResponse("No such context: country codes joined by '-'.", 404)
    codes = tuple(name[: -len(DATA_SUFFIX)].split("-"))
    folder = active_countries_dir()
    key = (str(folder), codes)
    with _context_lock:
        text = _context_cache.get(key)
    if text is None:
        from geo.model.countries import UnknownCountryError, neighbours

        try:
            around = neighbours(codes, folder)
        except UnknownCountryError:
            return PlainTextResponse("No such country among the built-in ones.", 404)
        text = around.to_json(drop_id=True).encode("utf-8")
        with _context_lock:
            _context_cache[key] = text
            while len(_context_cache) > _CONTEXT_KEPT:
                _context_cache.popitem(last=False)
    return Response(text, media_type="application/geo+json", headers={"Cache-Control": "no-cache"})


class _Versioned(StaticFiles):
    """Files whose address changes with their version: cached by browsers for good."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def _data_file(request: Request) -> Response:
    name = request.path_params["name"]
    folder = active_data_dir()
    path = (folder / name).resolve()
    # One file directly in the data folder, by its own name: no other folder, no dotfile.
    if (
        not name.endswith(DATA_SUFFIX)
        or name.startswith(".")
        or path.parent != folder.resolve()
        or not path.is_file()
    ):
        return PlainTextResponse(
            f"No such boundary file: only the data folder's {DATA_SUFFIX} files are served.",
            status_code=404,
        )
    # Revalidated by its ETag: the data folder's files may be edited while the app runs.
    return FileResponse(
        Path(path), media_type="application/geo+json", headers={"Cache-Control": "no-cache"}
    )


def routes() -> list[BaseRoute]:
    """Leaflet's and the data folder's routes, for ``st.App(routes=...)``, at the root and
    under any base path (app.py builds its routes before Streamlit has read its config)."""
    leaflet = _Versioned(directory=xstatic.pkg.leaflet.BASE_DIR, follow_symlink=False)
    return [
        Mount(LEAFLET_ROUTE, app=leaflet),
        Mount(f"/{{base:path}}{LEAFLET_ROUTE}", app=leaflet),
        Route(f"{DATA_ROUTE}/{{name}}", _data_file, methods=["GET", "HEAD"]),
        Route(f"/{{base:path}}{DATA_ROUTE}/{{name}}", _data_file, methods=["GET", "HEAD"]),
        Route(f"{CONTEXT_ROUTE}/{{name}}", _context, methods=["GET", "HEAD"]),
        Route(f"/{{base:path}}{CONTEXT_ROUTE}/{{name}}", _context, methods=["GET", "HEAD"]),
    ]
