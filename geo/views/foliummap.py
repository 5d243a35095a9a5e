"""The folium side of the map: a stable base map and a small data layer that restyles it.

The base map (Leaflet, an empty GeoJSON layer that fetches the boundary geometry once, and
the code that draws hatching, tooltips and the legend) is identical from one rerun to the
next, so streamlit-folium keeps the same map frame. Each filter change ships only the
:class:`~geo.views.mapview.MapView` payload (per place code: a colour, flags, and its tooltip as
indices into escaped lines and labels), which the browser applies to the polygons it
already has.
"""

from __future__ import annotations

import json
import re
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo.views.mapview import MapView

BASE_JS = """
(function (map) {
  var HATCH_ID = 'claims-hatch';
  var state = {view: null, geo: null, base: null, hatch: null, legend: null, title: null,
               socket: null, listening: null, failed: 0, token: undefined, seq: undefined,
               expected: undefined, asking: null, stale: false};
  map.attributionControl.setPrefix(false);
  {% if this.presenter %}document.body.classList.add('presenter');{% endif %}
  map.attributionControl.addAttribution({{ this.credit_js }});

  function ensurePattern(layer) {
    var svg = layer.getPane().querySelector('svg');
    if (!svg || svg.getElementById(HATCH_ID)) { return; }
    var ns = 'http://www.w3.org/2000/svg';
    var defs = document.createElementNS(ns, 'defs');
    var pattern = document.createElementNS(ns, 'pattern');
    pattern.setAttribute('id', HATCH_ID);
    pattern.setAttribute('patternUnits', 'userSpaceOnUse');
    pattern.setAttribute('width', '9');
    pattern.setAttribute('height', '9');
    pattern.setAttribute('patternTransform', 'rotate(45)');
    var line = document.createElementNS(ns, 'line');
    line.setAttribute('x1', '0'); line.setAttribute('y1', '0');
    line.setAttribute('x2', '0'); line.setAttribute('y2', '9');
    line.setAttribute('stroke', '#1a1a1a');
    line.setAttribute('stroke-opacity', '0.55');
    line.setAttribute('stroke-width', '2.5');
    pattern.appendChild(line);
    defs.appendChild(pattern);
    svg.insertBefore(defs, svg.firstChild);
  }

  function placeOf(feature) {
    var view = state.view;
    return (view && view.places[feature.properties.code]) || null;
  }

  function baseStyle(feature) {
    var p = placeOf(feature);
    var selected = state.view && state.view.selected === feature.properties.code;
    if (!p) { return {fillColor: '#f4f4f4', fillOpacity: 1, color: '#999', weight: 0.6}; }
    return {
      fillColor: p.f, fillOpacity: p.c ? 0.88 : 1,
      color: selected ? '#d00000' : (p.v ? '#111' : '#555'),
      weight: selected ? 4 : (p.v ? 2.6 : (p.c ? 1.4 : 0.6)),
      dashArray: (p.c && !p.v && !selected) ? '5 4' : null
    };
  }

  function hatchStyle(feature) {
    var p = placeOf(feature);
    return {stroke: false, fillColor: 'url(#' + HATCH_ID + ')',
            fillOpacity: (p && p.h) ? 1 : 0};
  }

  function redraw() {
    if (!state.geo || !state.view) { return; }
    ensurePattern(state.hatch);
    state.base.setStyle(baseStyle);
    state.hatch.setStyle(hatchStyle);
    var lines = state.view.lines, listed = state.view.listed, most = state.view.max;
    // A listed line (see ListedLine in geo/views/mapview.py): its labels arrive escaped.
    function listedLine(c, row) {
      var n = c.n[row], names = [];
      for (var j = c.o[row]; j < c.o[row] + Math.min(n, most); j++) { names.push(c.l[c.i[j]]); }
      return c.p + names.join(c.s) + (n > most ? ' and ' + (n - most) + ' more' : '');
    }
    state.base.eachLayer(function (layer) {
      var p = placeOf(layer.feature);
      if (p) {
        layer.setTooltipContent(p.t.map(function (i) {
          return i >= 0 ? lines[i] : listedLine(listed[-1 - i], p.r);
        }).join('<br>'));
      }
    });
    var box = state.legend.getContainer();
    if (box) {
      // The label is one flex item: a name from the data inside it (in its own dir="auto"
      // element) stays on the label's line instead of becoming a column of its own.
      var rows = state.view.legend.map(function (e) {
        return '<div class="row"><span class="swatch" style="background:' + e.c +
               '"></span><span>' + e.l + '</span></div>';
      });
      rows.push('<div class="row"><span class="swatch hatch"></span>' +
                state.view.notes[0] + '</div>');
      rows.push('<div class="row"><span class="swatch solid"></span>' +
                state.view.notes[1] + '</div>');
      if (state.stale) {
        rows.push('<div class="stale">Not up to date: change a filter or reload the page</div>');
      }
      box.innerHTML = '<div class="title">' + state.view.title + '</div>' + rows.join('');
    }
  }

  state.base = L.geoJSON(null, {
    style: baseStyle,
    onEachFeature: function (feature, layer) {
      layer.bindTooltip('', {sticky: true, direction: 'top', className: 'claims-tip'});
    }
  }).addTo(map);
  state.hatch = L.geoJSON(null, {style: hatchStyle, interactive: false}).addTo(map);

  // Text written on the map at a point: a marker of no icon, not clickable, whose name is
  // set as text (never parsed as HTML). Not a tooltip: those are the units' hover boxes.
  function textMark(latlng, text, className) {
    var span = document.createElement('span');
    span.textContent = text;
    var icon = L.divIcon({className: className, html: span, iconSize: null});
    L.marker(latlng, {icon: icon, interactive: false, keyboard: false}).addTo(map);
    return span;
  }

  // Neighbouring countries, for orientation only: quiet outlines under the units, with their
  // names as text (never as HTML), and nothing to hover or click.
  var contextUrl = {{ this.context_url_js }};
  if (contextUrl) {
    fetch(contextUrl).then(function (r) {
      if (!r.ok) { throw new Error('context: HTTP ' + r.status); }
      return r.json();
    }).then(function (data) {
      var context = L.geoJSON(data, {
        interactive: false,
        style: {color: '#9e9e9e', weight: 1, fill: false, dashArray: '4 3'}
      }).addTo(map);
      context.bringToBack();
      data.features.forEach(function (f) {
        textMark([f.properties.label_lat, f.properties.label_lon], f.properties.name,
                 'claims-context-label');
      });
      document.body.setAttribute('data-claims-context', String(data.features.length));
    }).catch(function (err) {
      document.body.setAttribute('data-claims-context-error', String(err));
    });
  }

  state.legend = L.control({position: 'bottomright'});
  state.legend.onAdd = function () {
    var div = L.DomUtil.create('div', 'claims-legend');
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  state.legend.addTo(map);

  // Until the viewer pans, keep the whole country in view as the frame settles or resizes.
  var userMoved = false;
  map.on('dragstart', function () { userMoved = true; });
  function fit() {
    map.invalidateSize();
    if (!userMoved && state.geo) {
      map.fitBounds(state.base.getBounds(), {padding: [6, 6], animate: false});
    }
  }
  window.addEventListener('resize', fit);

  // Unit names written on the map: the biggest units' first, a name that would overlap one
  // already placed is hidden (until a zoom makes room), so none is written over another.
  var labels = [];
  function placeNames() {
    var placed = [];
    labels.forEach(function (el) {
      el.style.visibility = 'visible';
      var r = el.getBoundingClientRect();
      var clash = placed.some(function (p) {
        return !(r.right < p.left || r.left > p.right || r.bottom < p.top || r.top > p.bottom);
      });
      if (clash) { el.style.visibility = 'hidden'; } else { placed.push(r); }
    });
    document.body.setAttribute('data-claims-names', String(placed.length));
  }
  function addNames() {
    var layers = state.base.getLayers().slice();
    function size(l) {
      var b = l.getBounds();
      return (b.getEast() - b.getWest()) * (b.getNorth() - b.getSouth());
    }
    layers.sort(function (a, b) { return size(b) - size(a); });
    layers.forEach(function (layer) {
      labels.push(textMark(layer.getCenter(), layer.feature.properties.name,
                           'claims-name-label'));
    });
    map.on('zoomend moveend resize', placeNames);
    placeNames();
  }

  function addGeometry(data) {
    state.geo = data;
    state.base.addData(data);
    state.hatch.addData(data);
    fit();
    redraw();
    if ({{ this.names_js }}) { addNames(); }
    document.body.setAttribute('data-claims-painted', String(state.base.getLayers().length));
    painted();
  }

  // Told to the page through Streamlit's component protocol (what streamlit-component-lib's
  // setComponentValue sends), once per session that asks (a new session's first run, which
  // draws its sidebar only after the map: see state.map_alone in the app). A frame can
  // outlive its session (a reconnect after the server dropped it), so each asking session
  // is answered; one whose map has not painted within a few seconds (a slow boundary
  // file) is answered then, so that the page's controls do not wait for it.
  function painted() {
    state.painted = true;
    report('painted');
  }

  function report(why) {
    var token = state.reportFor;
    if (token === undefined || token === state.reported) { return; }
    state.reported = token;
    clearTimeout(state.reportLate);
    document.body.setAttribute('data-claims-reported', why);
    // As streamlit-component-lib posts it ('*': the page may serve its components from
    // another origin); the value carries nothing of the session.
    window.parent.postMessage({isStreamlitMessage: true, dataType: 'json',
                               type: 'streamlit:setComponentValue',
                               value: {painted: true}}, '*');
  }

  // Fetched, not written into this script: the frame gets the script again with every
  // data layer, and the boundaries can be megabytes.
  fetch({{ this.geometry_url_js }}).then(function (r) {
    if (!r.ok) { throw new Error('boundary file: HTTP ' + r.status); }
    return r.json();
  }).then(addGeometry).catch(function (err) {
    document.body.setAttribute('data-claims-error', String(err));
    painted();  // as painted as it will be: the rest of the page must not wait for it
  });

  // A layer the socket did not bring, asked for; a failed ask is tried again a few times.
  // If the server still cannot give it (a restart, another process), the frame stops
  // listening, so that Streamlit sends the next layers whole, and the legend says that the
  // map shown is not the current one until then.
  // Whether layer ``seq`` of session ``token``, or a newer one, is the one shown.
  function has(seq, token) {
    return token === state.token && state.seq !== undefined && seq <= state.seq;
  }

  function ask(seq, token, tries) {
    tries = tries || 0;
    if (has(seq, token) || token !== state.expected) { return; }
    window.claimsMap.asked += 1;
    fetch(new URL('../../_claims_map/layer', location.href).href,
          {method: 'POST', body: token, cache: 'no-store'}).then(function (r) {
      if (!r.ok) { throw new Error('data layer: HTTP ' + r.status); }
      return r.json();
    }).then(function (message) {
      // Only a layer of the session this frame now shows (a newer one may have started).
      if (message.token === token && token === state.expected) {
        window.claimsMap.apply(message.view, message.seq, message.token);
      }
      document.body.setAttribute('data-claims-asked', String(window.claimsMap.asked));
    }).catch(function (err) {
      if (has(seq, token) || token !== state.expected) { return; }
      if (tries < 3) {
        setTimeout(function () { ask(seq, token, tries + 1); }, 500 * Math.pow(2, tries));
        return;
      }
      document.body.setAttribute('data-claims-error', String(err));
      state.failed = 3;
      if (state.socket) { state.socket.close(); }
      state.stale = true;
      redraw();
    });
  }

  window.claimsMap = {
    // Layers also arrive on a socket of the app's own as soon as the server has them
    // (dashboard/push.py); each is applied once, whichever copy comes first. A new
    // session (a reload, a server restart) numbers its layers from 1 again.
    listen: function (token) {
      if (!token || !window.WebSocket || state.failed >= 3) { return; }
      if (state.socket && state.listening === token) { return; }
      if (state.socket) { state.socket.close(); }
      var url = new URL('../../_claims_map/push', location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      var socket;
      try { socket = new WebSocket(url.href); } catch (err) { state.failed += 1; return; }
      state.socket = socket;
      state.listening = token;
      var opened = false;
      socket.onopen = function () { opened = true; socket.send(token); };
      socket.onclose = function () {
        // Never opened (a proxy that passes no other sockets, say): after three such,
        // stop trying; Streamlit's own delivery still brings every layer.
        if (!opened) { state.failed += 1; }
        if (state.socket === socket) { state.socket = null; }
      };
      socket.onmessage = function (event) {
        if (state.socket !== socket) { return; }
        var message = JSON.parse(event.data);
        window.claimsMap.apply(message.view, message.seq, message.token);
        document.body.setAttribute('data-claims-pushed', String(window.claimsMap.pushed += 1));
        // The server holds the rest of the page until the map has painted (push.py):
        // say so in the animation frame that paints it.
        requestAnimationFrame(function () {
          if (socket.readyState === 1 && state.seq !== undefined) {
            socket.send('painted ' + state.seq);
          }
        });
      };
    },
    pushed: 0,  // layers received on the socket, applied or not
    // Streamlit's copy of a layer the socket brings: only its number. Not had from the
    // socket within a second, or the socket is closed: the frame asks the server for it.
    expect: function (seq, token) {
      state.expected = token;
      if (has(seq, token)) { return; }
      var open = state.socket && state.socket.readyState === 1 && state.listening === token;
      clearTimeout(state.asking);
      state.asking = setTimeout(function () { ask(seq, token); }, open ? 1000 : 0);
    },
    asked: 0,  // layers asked for
    shown: function () { return {token: state.token, seq: state.seq}; },
    apply: function (view, seq, token) {
      if (seq !== undefined) {
        state.expected = token;  // an ask still out for an older session is left unapplied
        if (token !== state.token) { state.token = token; state.seq = undefined; }
        if (state.seq !== undefined && seq <= state.seq) { return false; }
        state.seq = seq;
      }
      // The payload is column-wise (see MapView.payload); index it by place code once.
      view.places = {};
      view.codes.forEach(function (code, i) {
        var flags = view.flags[i];
        view.places[code] = {f: view.fills[view.fill[i]], h: (flags & 1) !== 0,
                             v: (flags & 2) !== 0, c: (flags & 4) !== 0, t: view.tips[i],
                             r: view.rows[i]};
      });
      view.listed.forEach(function (c) {
        c.o = [];  // where each summary row's label indices start in c.i
        for (var row = 0, at = 0; row < c.n.length; row++) {
          c.o.push(at);
          at += Math.min(c.n[row], view.max);
        }
      });
      state.view = view;
      state.stale = false;
      redraw();
      document.body.setAttribute('data-claims-view', String(window.claimsMap.applied += 1));
      return true;
    },
    applied: 0,
    reportPaint: function (token) {
      if (token === state.reported) { return; }
      state.reportFor = token;
      if (state.painted) { report('painted'); return; }
      clearTimeout(state.reportLate);
      state.reportLate = setTimeout(function () { report('late'); }, 3000);
    }
  };
})({{ this._parent.get_name() }});
"""

BASE_CSS = """
<style>
  .leaflet-container { background: #ffffff; font: 14px/1.35 system-ui, sans-serif; }
  .claims-legend { background: rgba(255,255,255,0.94); padding: 6px 8px; border-radius: 4px;
                   box-shadow: 0 0 4px rgba(0,0,0,0.3); max-width: 16em; font-size: 12px;
                   line-height: 1.25; }
  .presenter .claims-legend { font-size: 17px; max-width: 19em; }
  .presenter .leaflet-tooltip { font-size: 17px; }
  .claims-legend .title { font-weight: 600; margin-bottom: 4px; }
  .claims-legend .stale { color: #b00020; font-weight: 600; margin-top: 4px; }
  .claims-legend .row { display: flex; align-items: center; margin: 2px 0; }
  .claims-legend .swatch { flex: none; width: 18px; height: 14px; margin-right: 6px;
                           border: 1px solid #555; }
  .claims-legend .swatch.hatch { background: repeating-linear-gradient(45deg, #fff 0 3px,
                                 #555 3px 5px); border-style: dashed; }
  .claims-legend .swatch.solid { background: #fff; border: 2.5px solid #111; }
  .claims-tip { width: 19em; white-space: normal; }
  .claims-context-label span, .claims-name-label span {
    position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
    pointer-events: none; }
  .claims-context-label span { color: #8a8a8a; font-size: 12px; font-style: italic; }
  .claims-name-label span { color: #222; font-size: 11px; font-weight: 600;
                            text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
  .presenter .claims-name-label span { font-size: 15px; }
  .presenter .claims-context-label span { font-size: 16px; }
</style>
"""


# branca turns each rendered script into a Jinja template and renders it again, so text
# from the data must not contain "{{", "{%" or "{#". JSON never writes those outside
# strings, and inside a string the escape means the same character to JavaScript.
_JINJA_OPENERS = re.compile(r"\{(?=[{%#])")


def _js(value: Any) -> str:
    """JSON for embedding in a script: no tag openers, and no Jinja openers either.

    >>> _js({"t": "</script>{{ 7*7 }}"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u007b{ 7*7 }}"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _JINJA_OPENERS.sub(r"\\u007b", text)


_COMMENT_LINE = re.compile(r"^[ \t]*//.*\n", re.MULTILINE)
_INDENT = re.compile(r"^[ \t]+", re.MULTILINE)


def _compact_js(script: str) -> str:
    r"""The script without its comment lines and indentation: the map frame gets it again
    with every data layer, so each byte here is sent with every filter change.

    >>> _compact_js("  // why\n  var a = 'http://x';  // kept: not a whole line\n")
    "var a = 'http://x';  // kept: not a whole line\n"
    """
    return _INDENT.sub("", _COMMENT_LINE.sub("", script))


class ClaimsBaseLayer(MacroElement):
    """Polygons, hatching, tooltips and legend, styled by each data layer (:func:`view_script`).

    The polygons come from ``geometry_url`` (GeoJSON with ``code`` and ``name`` properties).
    """

    _template = Template(
        "{% macro header(this, kwargs) %}" + BASE_CSS + "{% endmacro %}"
        "{% macro script(this, kwargs) %}" + _compact_js(BASE_JS) + "{% endmacro %}"
    )

    def __init__(
        self,
        credit: str,
        geometry_url: str,
        presenter: bool = False,
        context_url: str = "",
        names: bool = False,
    ) -> None:
        super().__init__()
        self.presenter = presenter
        self.names_js = _js(bool(names))
        self._name = "ClaimsBaseLayer"
        self.geometry_url_js = _js(geometry_url)
        self.context_url_js = _js(context_url)
        self.credit_js = _js(credit)


def base_map(
    *,
    credit: str,
    geometry_url: str,
    center: tuple[float, float] = (34.0, 66.0),
    zoom: int = 6,
    leaflet_js: str | None = None,
    leaflet_css: str | None = None,
    tiles: str | None = None,
    presenter: bool = False,
    context_url: str = "",
    names: bool = False,
) -> folium.Map:
    """A tile-less map by default, so it draws with no network at all.

    ``context_url``: GeoJSON of neighbouring countries (``name``, ``label_lat``,
    ``label_lon``), drawn as grey outlines with their names; "" for none. ``names``: write
    each unit's name on the map (those that fit without overlapping).

    ``leaflet_js``/``leaflet_css`` replace folium's CDN links with locally served copies;
    folium's other default assets (jQuery, Bootstrap, Font Awesome) are not needed here.
    """
    m = folium.Map(
        location=center,
        zoom_start=zoom,
        tiles=tiles,
        control_scale=True,
        zoom_snap=0.25,
        min_zoom=4,
        max_zoom=10,
    )
    if leaflet_js is not None:
        m.default_js = [("leaflet", leaflet_js)]
    if leaflet_css is not None:
        m.default_css = [("leaflet_css", leaflet_css)]
    ClaimsBaseLayer(
        credit, geometry_url, presenter=presenter, context_url=context_url, names=names
    ).add_to(m)
    return m


def view_script(view: MapView) -> str:
    """The per-rerun data layer: a script that hands ``view``'s payload to the base layer.

    The map frame evaluates it after a filter change (see :mod:`dashboard.mapframe`). A
    plain string rather than a folium element: folium and streamlit-folium would render it
    through Jinja and run regular expressions over the whole payload, on every rerun.

    >>> view_script(MapView("claims", "Claims", (), ()))[:40]
    'window.claimsMap.apply({"title":"Claims"'
    """
    return f"window.claimsMap.apply({layer_payload(view)});"


def layer_payload(view: MapView) -> str:
    """``view``'s payload as the JSON both copies of its data layer carry."""
    return _js(view.payload())


def numbered_layer(payload: str, seq: int, token: str) -> tuple[str, str]:
    """A :func:`layer_payload` as its script and as the message :mod:`dashboard.push` sends.

    Both carry the session's ``token`` and the layer's ``seq``, so the frame applies the
    layer once, from whichever arrives first; the script also has the frame listen.

    >>> script, message = numbered_layer(layer_payload(MapView("claims", "Claims", (), ())), 7, "t")
    >>> script.endswith(', 7, "t");window.claimsMap.listen("t");'), message[:30]
    (True, '{"seq":7,"token":"t","view":{"')
    """
    token_js = _js(token)
    script = f"window.claimsMap.apply({payload}, {seq}, {token_js});"
    script += f"window.claimsMap.listen({token_js});"
    return script, f'{{"seq":{seq},"token":{token_js},"view":{payload}}}'


# Marks a layer script that asks the frame to say when it has painted (see report_paint).
REPORT_PAINT = "window.claimsMap.reportPaint("


def report_paint(layer: str, token: str) -> str:
    """``layer``'s script, asking the frame first to tell the page, for session ``token``,
    when it has painted (before the layer, so that nothing in it can keep the page waiting).

    >>> report_paint('window.claimsMap.expect(1, "t");', "t")
    'window.claimsMap.reportPaint("t");window.claimsMap.expect(1, "t");'
    """
    return f"{REPORT_PAINT}{_js(token)});{layer}"


def expected_layer(seq: int, token: str) -> str:
    """The script Streamlit carries instead of :func:`numbered_layer`'s while the frame
    listens on the push socket: the layer's number, for the frame to ask for the layer if
    the socket does not bring it (see :mod:`dashboard.push`).

    >>> expected_layer(7, "t")
    'window.claimsMap.expect(7, "t");window.claimsMap.listen("t");'
    """
    token_js = _js(token)
    return f"window.claimsMap.expect({seq}, {token_js});window.claimsMap.listen({token_js});"
