"""A slide-ready PNG of the map, with its caveat, filters, date, legend and credits.

Drawn with matplotlib's Agg canvas on a ``Figure`` of its own: no pyplot, no global
rcParams, so it is safe in a multi-threaded server and the same view always gives the same
bytes. Its own module because matplotlib takes ~0.3 s to import: the app loads it when a
PNG is first asked for, not at start-up.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import matplotlib
import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, fontManager
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MplPath

from geo.export.files import require_boundaries
from geo.views.mapview import (
    NO_CLAIMS,
    NO_CLAIMS_LABEL,
    UNVERIFIED_NOTE,
    VERIFIED_NOTE,
    MapView,
    PlaceStyle,
)

# Pixels per inch of the PNG. Fixed, so that a size in pixels is exact and point sizes of
# text mean the same on every machine.
DPI = 100
MIN_SIZE = 480
MAX_SIZE = 8000

# DejaVu Sans ships inside matplotlib: the same glyphs everywhere, whatever fonts the
# server has, for Latin, Greek and Cyrillic.
_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
_REGULAR = _FONT_DIR / "DejaVuSans.ttf"
_BOLD = _FONT_DIR / "DejaVuSans-Bold.ttf"
# Arabic-script text (Dari, Pashto) is set in Vazirmatn NL, bundled with its licence in
# fonts/ (see fonts/README.md), with DejaVu Sans behind it for the Latin letters, digits
# and signs Vazirmatn NL leaves out. matplotlib takes a font to fall back on only by family
# name, so the two files join its font list once; its own DejaVu Sans comes first in that
# list, ahead of any copy the system has, so the same file is used everywhere.
_BUNDLED = Path(__file__).resolve().parent / "fonts"
ARABIC_SCRIPT_FONTS = (_BUNDLED / "Vazirmatn-NL-Regular.ttf", _BUNDLED / "Vazirmatn-NL-Bold.ttf")
_ARABIC_FAMILY = "Vazirmatn NL"
_LATIN_FAMILY = "DejaVu Sans"
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def _register_bundled_fonts() -> None:
    known = {Path(f.fname) for f in fontManager.ttflist}
    for path in ARABIC_SCRIPT_FONTS:
        if path not in known:
            fontManager.addfont(path)


_register_bundled_fonts()

# The same strokes as the web map (geo/views/foliummap.py), so the slide and the screen agree.
INK = "#111111"
MUTED = "#444444"
FAINT = "#666666"
SELECTED_OUTLINE = "#D00000"
VERIFIED_OUTLINE = "#111111"
CLAIMS_OUTLINE = "#555555"
NO_CLAIMS_OUTLINE = "#999999"
# The countries around, as the browser's map draws them: dashed grey, unfilled, named in
# grey italics; no one's data.
CONTEXT_OUTLINE = "#9E9E9E"
CONTEXT_INK = "#8A8A8A"
# A neighbour is named when at least this share of the map's area is its.
CONTEXT_NAMED_SHARE = 0.01
HATCH_DARK = "#1A1A1A"
HATCH_LIGHT = "#FFFFFF"
SELECTED_NOTE = "red outline: the selected province"


def literal(text: object) -> str:
    """Text for a matplotlib label, shown exactly as written.

    Matplotlib reads ``$...$`` as mathematics (and a lone ``$`` in some texts as an
    error); escaping every dollar sign turns that off, and matplotlib shows ``\\$`` as
    ``$``. Nothing else in plain text has a meaning to it.

    >>> literal("costs $5 or $x$ <b>")
    'costs \\\\$5 or \\\\$x\\\\$ <b>'
    """
    return str(text).replace("$", r"\$")


def for_text(text: str, font: FontProperties) -> FontProperties:
    """The font to set ``text`` in: ``font`` itself, or for text with Arabic-script
    letters, Vazirmatn NL of the same size and weight falling back on DejaVu Sans.

    >>> latin = FontProperties(fname=_BOLD, size=12)
    >>> for_text("Panjshir", latin) is latin
    True
    >>> dari = for_text("پنجشیر (Panjshir)", latin)
    >>> dari.get_family(), dari.get_weight(), dari.get_size()
    (['Vazirmatn NL', 'DejaVu Sans'], 'bold', 12.0)
    """
    if not _ARABIC_SCRIPT.search(text):
        return font
    bold = font.get_file() is not None and Path(font.get_file()) == _BOLD
    return _arabic_font(float(font.get_size_in_points()), bold)


@functools.lru_cache(maxsize=64)
def _arabic_font(points: float, bold: bool) -> FontProperties:
    return FontProperties(
        family=[_ARABIC_FAMILY, _LATIN_FAMILY], size=points, weight="bold" if bold else "normal"
    )


# --- the PNG -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fonts:
    title: FontProperties
    subtitle: FontProperties
    legend_title: FontProperties
    legend: FontProperties
    label: FontProperties
    caveat: FontProperties
    credits: FontProperties


def _fonts(scale: float, legend_pt: float) -> _Fonts:
    def regular(points: float) -> FontProperties:
        return FontProperties(fname=_REGULAR, size=points * scale)

    def bold(points: float) -> FontProperties:
        return FontProperties(fname=_BOLD, size=points * scale)

    return _Fonts(
        title=bold(34),
        subtitle=regular(19),
        legend_title=bold(legend_pt + 3),
        legend=regular(legend_pt),
        label=bold(12),
        caveat=bold(17),
        credits=regular(13),
    )


def render_map_png(
    boundaries: gpd.GeoDataFrame,
    view: MapView,
    *,
    size: tuple[int, int] = (1920, 1080),
    title: str,
    as_of: str,
    filters_text: str,
    caveat: str,
    credits: str,
    context: gpd.GeoDataFrame | None = None,
) -> bytes:
    """The map of ``view`` as a PNG of exactly ``size`` pixels, ready for a slide.

    Each place is filled with its style's colour, hatched when only unverified claims are
    in view, outlined dark when at least one is corroborated and red when selected; places
    with claims are named. Around the map: ``title``, the ``as_of`` date and
    ``filters_text`` on top, a legend in words (beside the map on a wide image, below it on
    a square or tall one: wide means at least 1.25 times as wide as high), and ``caveat``
    and ``credits`` at the foot. Text is wrapped to fit; past two lines of title, three of
    filters or credits and four of caveat it ends in "…" (the metadata record beside the
    export has everything in full), and a legend too long for the space lists as many
    colours as fit and says how many it leaves out. The same arguments always give the
    same bytes (no timestamp or software version is written).

    ``context``: the countries around (``name`` and ``geometry``, as
    ``geo.model.countries.neighbours`` gives them), drawn as the browser's map draws them,
    so that a viewer sees where the provinces lie.
    """
    figure = map_figure(
        boundaries,
        view,
        size=size,
        title=title,
        as_of=as_of,
        filters_text=filters_text,
        caveat=caveat,
        credits=credits,
        context=context,
    )
    buffer = io.BytesIO()
    # "Software" would record the matplotlib version: the bytes would change on upgrade.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def map_figure(
    boundaries: gpd.GeoDataFrame,
    view: MapView,
    *,
    size: tuple[int, int] = (1920, 1080),
    title: str,
    as_of: str,
    filters_text: str,
    caveat: str,
    credits: str,
    context: gpd.GeoDataFrame | None = None,
) -> Figure:
    """The matplotlib figure :func:`render_map_png` saves, for callers that want another
    format (``figure.savefig(..., format="svg")``) or to inspect it."""
    width, height = _check_size(size)
    require_boundaries(boundaries)
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(figure)  # Agg, explicitly: no backend is chosen globally
    layout = _Layout(figure, canvas.get_renderer(), width, height)
    layout.draw(boundaries, view, title, as_of, filters_text, caveat, credits, context)
    return figure


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    width, height = (int(v) for v in size)
    if not (MIN_SIZE <= width <= MAX_SIZE and MIN_SIZE <= height <= MAX_SIZE):
        raise ValueError(
            f"image size {width}x{height} is outside {MIN_SIZE} to {MAX_SIZE} pixels a side; "
            "use e.g. (1920, 1080) for a wide slide or (1080, 1080) for a square one"
        )
    return width, height


@dataclass(frozen=True)
class _LegendRow:
    kind: Literal["fill", "hatch", "outline", "selected", "more"]
    colour: str
    label: str


class _Layout:
    """Lays the image out in pixels, top to bottom, measuring every text before placing it."""

    def __init__(self, figure: Figure, renderer: RendererAgg, width: int, height: int) -> None:
        self.figure = figure
        self.renderer = renderer
        self.width = width
        self.height = height
        # Sizes are designed for 1080 pixels on the short side and scale with it.
        self.scale = min(width, height) / 1080
        self.pad = round(40 * self.scale)
        self.wide = width >= 1.25 * height
        # One axes over the whole image in pixel units (y downwards) for text and swatches.
        overlay = figure.add_axes((0, 0, 1, 1), zorder=3)
        overlay.set_xlim(0, width)
        overlay.set_ylim(height, 0)
        overlay.set_axis_off()
        overlay.patch.set_visible(False)
        self.overlay = overlay

    # -- measuring and writing text --

    def px(self, font: FontProperties) -> float:
        return float(font.get_size_in_points()) * DPI / 72

    def line_height(self, font: FontProperties) -> float:
        return 1.28 * self.px(font)

    def text_width(self, text: str, font: FontProperties) -> float:
        width, _, _ = self.renderer.get_text_width_height_descent(
            text, for_text(text, font), ismath=False
        )
        return float(width)

    def wrap(self, text: str, font: FontProperties, width: float, max_lines: int) -> list[str]:
        """Greedy word wrap to ``width`` pixels; past ``max_lines`` the last line ends in …"""
        lines: list[str] = []
        for paragraph in str(text).splitlines() or [""]:
            line = ""
            for word in paragraph.split():
                candidate = f"{line} {word}" if line else word
                if self.text_width(candidate, font) <= width:
                    line = candidate
                    continue
                if line:
                    lines.append(line)
                # A word wider than the line (a long URL) is cut where it must be.
                while self.text_width(word, font) > width and len(word) > 1:
                    cut = len(word)
                    while cut > 1 and self.text_width(word[:cut], font) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                line = word
            lines.append(line)
        if len(lines) > max_lines:
            # Cut at a word where possible: "needs t …" reads as a typo, "needs …" does not.
            words = lines[max_lines - 1].split(" ")
            while len(words) > 1 and self.text_width(" ".join([*words, "…"]), font) > width:
                words.pop()
            last = " ".join(words)
            while last and self.text_width(last + " …", font) > width:
                last = last[:-1]
            lines = [*lines[: max_lines - 1], last.rstrip() + " …"]
        return lines

    def write(
        self,
        lines: Sequence[str],
        x: float,
        y: float,
        font: FontProperties,
        colour: str = INK,
        align: Literal["left", "center"] = "left",
    ) -> float:
        """Write lines top-down from y; return the y below the last one."""
        step = self.line_height(font)
        for i, line in enumerate(lines):
            self.overlay.text(
                x,
                y + i * step,
                literal(line),
                fontproperties=for_text(line, font),
                color=colour,
                ha=align,
                va="top",
                usetex=False,
            )
        return y + len(lines) * step

    # -- the whole image --

    def draw(
        self,
        boundaries: gpd.GeoDataFrame,
        view: MapView,
        title: str,
        as_of: str,
        filters_text: str,
        caveat: str,
        credits: str,
        context: gpd.GeoDataFrame | None = None,
    ) -> None:
        fonts = _fonts(self.scale, 17)
        inner = self.width - 2 * self.pad

        # Header: title, then the as-of date and filters in words.
        y = float(self.pad)
        y = self.write(self.wrap(title, fonts.title, inner, 2), self.pad, y, fonts.title)
        y += 0.25 * self.px(fonts.subtitle)
        subtitle = f"As of {as_of}  ·  Filters: {filters_text or 'none (all claims)'}"
        y = self.write(
            self.wrap(subtitle, fonts.subtitle, inner, 3), self.pad, y, fonts.subtitle, MUTED
        )
        top = y + 0.8 * self.px(fonts.subtitle)

        # Footer, from the bottom up: the caveat, then the credits, under a hairline.
        caveat_lines = self.wrap(caveat, fonts.caveat, inner, 4)
        credit_lines = self.wrap(credits, fonts.credits, inner, 3)
        footer_height = (
            len(caveat_lines) * self.line_height(fonts.caveat)
            + 0.3 * self.px(fonts.credits)
            + len(credit_lines) * self.line_height(fonts.credits)
        )
        footer_top = self.height - self.pad - footer_height
        y = self.write(caveat_lines, self.pad, footer_top, fonts.caveat, INK)
        y += 0.3 * self.px(fonts.credits)
        self.write(credit_lines, self.pad, y, fonts.credits, FAINT)
        rule_y = footer_top - 0.6 * self.px(fonts.caveat)
        self.overlay.plot(
            [self.pad, self.width - self.pad],
            [rule_y, rule_y],
            color="#CCCCCC",
            linewidth=max(0.75, self.scale),
        )
        bottom = rule_y - 0.6 * self.px(fonts.caveat)

        rows = _legend_rows(view, boundaries)
        gap = round(30 * self.scale)
        if self.wide:
            # The map first, at the left, as large as the space allows once the legend has
            # a column of at least a third of the width; the legend then takes whatever
            # the map's shape leaves beside it.
            least = max(0.3 * self.width, 420 * self.scale)
            box = (self.pad, top, inner - least - gap, bottom - top)
            map_right = self.map(boundaries, view, box, fonts.label, context)
            legend_x = map_right + 2 * gap
            legend_width = self.width - self.pad - legend_x
            fonts, rows, height = self.fit_legend(
                view.title, rows, legend_width, 1, bottom - top, (18, 17, 15, 13, 11)
            )
            legend_y = top + max(0.0, (bottom - top - height) / 2)
            self.legend(view.title, rows, fonts, legend_x, legend_y, legend_width, columns=1)
        else:
            columns = 2 if inner >= 800 * self.scale else 1
            # The map keeps at least half of the space between header and footer.
            fonts, rows, height = self.fit_legend(
                view.title, rows, inner, columns, 0.5 * (bottom - top), (15, 13, 11)
            )
            legend_y = bottom - height
            self.legend(view.title, rows, fonts, self.pad, legend_y, inner, columns)
            box = (self.pad, top, inner, legend_y - gap - top)
            self.map(boundaries, view, box, fonts.label, context)

    # -- the legend --

    def fit_legend(
        self,
        heading: str,
        rows: list[_LegendRow],
        width: float,
        columns: int,
        room: float,
        sizes: Sequence[float],
    ) -> tuple[_Fonts, list[_LegendRow], float]:
        """The largest legend type at which ``rows`` fit in ``room`` pixels of height.

        When even the smallest is too big (dozens of actors), colour entries are dropped
        from the end and one line says how many are not listed: the notes on hatching and
        outlines, and "no claims in view", always stay.
        """
        for points in sizes:
            fonts = _fonts(self.scale, points)
            height = self.legend_height(heading, rows, fonts, width, columns)
            if height <= room:
                return fonts, rows, height
        colours = [r for r in rows if r.kind == "fill" and r.colour != NO_CLAIMS]
        kept = [r for r in rows if r not in colours]
        for keep in range(len(colours) - 1, -1, -1):
            more = _LegendRow("more", "", f"… and {len(colours) - keep} more not listed here")
            trial = [*colours[:keep], more, *kept]
            height = self.legend_height(heading, trial, fonts, width, columns)
            if height <= room:
                return fonts, trial, height
        return fonts, trial, height

    def _legend_geometry(self, fonts: _Fonts) -> tuple[float, float, float]:
        swatch_w = 1.9 * self.px(fonts.legend)
        swatch_h = 1.25 * self.px(fonts.legend)
        text_gap = 0.7 * self.px(fonts.legend)
        return swatch_w, swatch_h, text_gap

    def _legend_columns(
        self, rows: Sequence[_LegendRow], fonts: _Fonts, width: float, columns: int
    ) -> tuple[list[list[tuple[_LegendRow, list[str], float]]], float]:
        swatch_w, swatch_h, text_gap = self._legend_geometry(fonts)
        column_gap = 1.5 * self.px(fonts.legend)
        column_width = (width - (columns - 1) * column_gap) / columns
        text_width = column_width - swatch_w - text_gap
        row_gap = 0.55 * self.px(fonts.legend)
        measured = []
        for row in rows:
            lines = self.wrap(row.label, fonts.legend, text_width, 4)
            block = max(swatch_h, len(lines) * self.line_height(fonts.legend))
            measured.append((row, lines, block + row_gap))
        per_column = math.ceil(len(measured) / columns)
        split = [measured[i * per_column : (i + 1) * per_column] for i in range(columns)]
        return split, column_width + column_gap

    def legend_height(
        self, heading: str, rows: Sequence[_LegendRow], fonts: _Fonts, width: float, columns: int
    ) -> float:
        head = len(self.wrap(heading, fonts.legend_title, width, 2))
        split, _ = self._legend_columns(rows, fonts, width, columns)
        body = max(sum(block for _, _, block in column) for column in split)
        return head * self.line_height(fonts.legend_title) + 0.5 * self.px(fonts.legend) + body

    def legend(
        self,
        heading: str,
        rows: Sequence[_LegendRow],
        fonts: _Fonts,
        x: float,
        y: float,
        width: float,
        columns: int,
    ) -> None:
        y = self.write(self.wrap(heading, fonts.legend_title, width, 2), x, y, fonts.legend_title)
        y += 0.5 * self.px(fonts.legend)
        swatch_w, swatch_h, text_gap = self._legend_geometry(fonts)
        split, column_step = self._legend_columns(rows, fonts, width, columns)
        line_h = self.line_height(fonts.legend)
        for c, column in enumerate(split):
            row_y = y
            cx = x + c * column_step
            for row, lines, block in column:
                # Centre a one-line label on its swatch; longer labels hang from the top.
                text_h = len(lines) * line_h
                sy = row_y + max(0.0, (text_h - swatch_h) / 2) if len(lines) == 1 else row_y
                ty = row_y + max(0.0, (swatch_h - text_h) / 2)
                self.swatch(row, cx, sy, swatch_w, swatch_h)
                self.write(lines, cx + swatch_w + text_gap, ty, fonts.legend)
                row_y += block

    def swatch(self, row: _LegendRow, x: float, y: float, w: float, h: float) -> None:
        thin = self.points(1.0)
        if row.kind == "more":
            return
        if row.kind == "fill":
            box = Rectangle((x, y), w, h, facecolor=row.colour, edgecolor=CLAIMS_OUTLINE)
            box.set_linewidth(thin)
        elif row.kind == "hatch":
            box = Rectangle((x, y), w, h, facecolor="white", edgecolor=CLAIMS_OUTLINE)
            box.set_linewidth(thin)
            box.set_hatch("//")
            box.set_hatchcolor(HATCH_DARK)
            box.set_hatch_linewidth(self.points(2.0))
        else:
            colour = VERIFIED_OUTLINE if row.kind == "outline" else SELECTED_OUTLINE
            box = Rectangle((x, y), w, h, facecolor="white", edgecolor=colour)
            box.set_linewidth(self.points(2.6 if row.kind == "outline" else 4.0))
        self.overlay.add_patch(box)

    def points(self, pixels: float) -> float:
        """A line width given in pixels at the 1080-pixel design size, in points."""
        return pixels * self.scale * 72 / DPI

    # -- the map --

    def map(
        self,
        boundaries: gpd.GeoDataFrame,
        view: MapView,
        box: tuple[float, float, float, float],
        label_font: FontProperties,
        context: gpd.GeoDataFrame | None = None,
    ) -> float:
        """Draw the map in ``box`` (x, y, width, height in pixels); return its right edge."""
        x, y, w, h = box
        ax = self.figure.add_axes(
            (x / self.width, 1 - (y + h) / self.height, w / self.width, h / self.height),
            zorder=1,
        )
        ax.set_axis_off()
        minx, miny, maxx, maxy = (float(v) for v in boundaries.total_bounds)
        # Degrees of longitude shrink with latitude: scale them as a map of this area would.
        margin = 0.01 * max(maxx - minx, maxy - miny)  # room for the outline's width
        ax.set_xlim(minx - margin, maxx + margin)
        ax.set_ylim(miny - margin, maxy + margin)
        # The box shrinks to the map's shape: a wide image keeps it at the left, next to the
        # legend; a square one centres it above the legend.
        ax.set_aspect(1 / max(0.2, math.cos(math.radians((miny + maxy) / 2))), "box")
        ax.set_anchor("W" if self.wide else "C")

        for geometry in () if context is None else context.geometry:
            if (path := _path(geometry)) is not None:
                around = PathPatch(path, facecolor="none", edgecolor=CONTEXT_OUTLINE, zorder=0.5)
                around.set_linewidth(self.points(1.0))
                around.set_linestyle((0, (4, 3)))
                ax.add_patch(around)

        styles = {s.code: s for s in view.styles}
        geometries = dict(zip(boundaries["code"].astype(str), boundaries.geometry, strict=True))
        names = dict(
            zip(boundaries["code"].astype(str), boundaries["name"].astype(str), strict=True)
        )

        def rank(code: str) -> int:
            # Stronger outlines last, so that a shared border shows the stronger one.
            s = styles.get(code)
            if code == view.selected:
                return 3
            if s is None or not s.has_claims:
                return 0
            return 2 if s.verified else 1

        for code in sorted(geometries, key=lambda c: (rank(c), c)):
            path = _path(geometries[code])
            if path is None:
                continue
            style = styles.get(code) or PlaceStyle(
                code=code,
                fill=NO_CLAIMS,
                hatched=False,
                verified=False,
                has_claims=False,
                tooltip_parts=(),
                metric_text=NO_CLAIMS_LABEL,
            )
            fill = PathPatch(path, facecolor=style.fill, edgecolor="none", linewidth=0)
            ax.add_patch(fill)
            if style.hatched:
                hatch = PathPatch(path, facecolor="none", edgecolor="none", linewidth=0)
                hatch.set_hatch("//")
                hatch.set_hatchcolor(HATCH_LIGHT if _is_dark(style.fill) else HATCH_DARK)
                hatch.set_hatch_linewidth(self.points(2.0))
                hatch.set_alpha(0.6)
                ax.add_patch(hatch)
            if code == view.selected:
                colour, width = SELECTED_OUTLINE, 4.0
            elif style.verified:
                colour, width = VERIFIED_OUTLINE, 2.6
            elif style.has_claims:
                colour, width = CLAIMS_OUTLINE, 1.2
            else:
                colour, width = NO_CLAIMS_OUTLINE, 0.8
            outline = PathPatch(path, facecolor="none", edgecolor=colour, joinstyle="round")
            outline.set_linewidth(self.points(width))
            ax.add_patch(outline)

        ax.apply_aspect()
        position = ax.get_position()
        # Names in proportion to the map drawn (a square image's map is smaller), within
        # what stays readable on a slide.
        fit = min(1.15, max(0.85, position.width * self.width / (900 * self.scale)))
        label_font = label_font.copy()
        label_font.set_size(label_font.get_size_in_points() * fit)
        labelled = [
            code
            for code in geometries
            if (styles.get(code) and styles[code].has_claims) or code == view.selected
        ]
        # The selected place first, then the smallest: they have the least room to move.
        labelled.sort(key=lambda c: (c != view.selected, float(geometries[c].area), c))
        placed = self.labels(ax, [(names[c], geometries[c]) for c in labelled], label_font)
        if context is not None and len(context):
            (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
            seen = shapely.box(x0, y0, x1, y1)
            around = []
            for name, geometry in zip(context["name"], context.geometry, strict=True):
                part = shapely.intersection(geometry, seen)
                if not part.is_empty and part.area >= CONTEXT_NAMED_SHARE * seen.area:
                    around.append((str(name), part))
            around.sort(key=lambda item: -item[1].area)  # the most visible named first
            font = label_font.copy()
            font.set_style("italic")
            font.set_weight("normal")
            self.labels(ax, around, font, CONTEXT_INK, placed)
        return float(position.x1 * self.width)

    def labels(
        self,
        ax: Axes,
        places: Iterable[tuple[str, object]],
        font: FontProperties,
        colour: str = INK,
        placed: list[tuple[float, float, float, float]] | None = None,
    ) -> list[tuple[float, float, float, float]]:
        """Name the places in order, nudging a label up or down when it would cover another
        (or one already ``placed``) and leaving it out when it cannot be placed clear of the
        others (an unreadable pile of names helps nobody; the CSV and GeoJSON exports name
        every place). Returns the boxes of every label placed so far."""
        transform = ax.transData
        placed = [] if placed is None else placed
        height = self.px(font) * 1.2
        halo = [patheffects.withStroke(linewidth=self.points(4.0), foreground="white")]
        for name, geometry in places:
            point = shapely.point_on_surface(geometry)
            cx, cy = transform.transform((point.x, point.y))
            width = self.text_width(name, font) + self.px(font) * 0.4
            chosen = None
            for dx, dy in _NUDGES:
                candidate = (cx + dx * width, cy + dy * height)
                box = _box(candidate, width, height)
                if not any(_overlaps(box, other) for other in placed):
                    chosen = candidate
                    break
            if chosen is None:
                continue
            placed.append(_box(chosen, width, height))
            x, y = transform.inverted().transform(chosen)
            ax.text(
                x,
                y,
                literal(name),
                fontproperties=for_text(name, font),
                color=colour,
                ha="center",
                va="center",
                usetex=False,
                path_effects=halo,
                zorder=5,
            )
        return placed


# Where to try a label, in label widths and heights from the place's inner point: on it,
# then just above or below, then beside, then further off; nearest first.
_NUDGES = (
    (0.0, 0.0),
    (0.0, 0.8),
    (0.0, -0.8),
    (-0.45, 0.0),
    (0.45, 0.0),
    (-0.45, 0.8),
    (0.45, 0.8),
    (-0.45, -0.8),
    (0.45, -0.8),
    (0.0, 1.6),
    (0.0, -1.6),
)


def _box(
    centre: tuple[float, float], width: float, height: float
) -> tuple[float, float, float, float]:
    x, y = centre
    return (x - width / 2, y - height / 2, x + width / 2, y + height / 2)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _legend_rows(view: MapView, boundaries: gpd.GeoDataFrame) -> list[_LegendRow]:
    rows = [_LegendRow("fill", e.colour, e.label) for e in view.legend]
    rows.append(_LegendRow("hatch", HATCH_DARK, UNVERIFIED_NOTE))
    rows.append(_LegendRow("outline", VERIFIED_OUTLINE, VERIFIED_NOTE))
    if view.selected is not None:
        match = boundaries.loc[boundaries["code"] == view.selected, "name"]
        name = str(match.iloc[0]) if len(match) else view.selected
        rows.append(_LegendRow("selected", SELECTED_OUTLINE, f"{SELECTED_NOTE} ({name})"))
    return rows


def _path(geometry: object) -> MplPath | None:
    """A matplotlib path of a polygon or multipolygon, holes included."""
    if geometry is None or shapely.is_empty(geometry):
        return None
    parts = getattr(geometry, "geoms", [geometry])
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in parts:
        if polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords, dtype=float)[:, :2]
            kinds = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            kinds[0] = MplPath.MOVETO
            kinds[-1] = MplPath.CLOSEPOLY
            vertices.append(xy)
            codes.append(kinds)
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _is_dark(colour: str) -> bool:
    """Whether dark hatching would vanish on this fill (relative luminance below 0.25)."""
    rgb = matplotlib.colors.to_rgb(colour)
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2] < 0.25
