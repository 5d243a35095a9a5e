// Prototype (bench only): the claims map as a Streamlit custom component v2 of our own,
// Leaflet in the app's page itself, no iframe. See docs/components-v2.md. It draws what the
// real map draws from each data layer (fills, outlines, hatching flag, tooltips, legend)
// but not its presenter styles or selection handling. Loaded by the component's few lines
// of inline JavaScript from a route of the app's own server, so that each rerun sends the
// data alone, not this module.
const LEAFLET = new URL('../leaflet/1.9.3/leaflet.js', import.meta.url).href;
const GEOMETRY = new URL('../data/provinces.geojson', import.meta.url).href;
const CSS = new URL('../leaflet/1.9.3/leaflet.css', import.meta.url).href;

function addCss() {
  if (document.querySelector('link[data-claims-leaflet]')) { return; }
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = CSS;
  link.setAttribute('data-claims-leaflet', '');
  document.head.appendChild(link);
}

// Leaflet's minified build (147 KB; its ES module build is not minified, 422 KB), once.
let leaflet = null;
function loadLeaflet() {
  if (!leaflet) {
    leaflet = new Promise((resolve, reject) => {
      if (window.L) { resolve(window.L); return; }
      const script = document.createElement('script');
      script.src = LEAFLET;
      script.onload = () => resolve(window.L);
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }
  return leaflet;
}

function placeIndex(view) {
  const at = new Map();
  view.codes.forEach((code, i) => at.set(code, i));
  return at;
}

function restyle(s) {
  if (!s.geo || !s.view) { return; }
  const view = s.view;
  const at = placeIndex(view);
  const lines = view.lines;
  s.base.eachLayer((layer) => {
    const code = layer.feature.properties.code;
    const i = at.get(code);
    if (i === undefined) {
      layer.setStyle({fillColor: '#f4f4f4', fillOpacity: 1, color: '#999', weight: 0.6});
      return;
    }
    const flags = view.flags[i];
    const verified = (flags & 2) !== 0;
    const claims = (flags & 4) !== 0;
    const selected = view.selected === code;
    layer.setStyle({
      fillColor: view.fills[view.fill[i]], fillOpacity: claims ? 0.88 : 1,
      color: selected ? '#d00000' : (verified ? '#111' : '#555'),
      weight: selected ? 4 : (verified ? 2.6 : (claims ? 1.4 : 0.6)),
    });
    layer.setTooltipContent(view.tips[i].filter((k) => k >= 0).map((k) => lines[k]).join('<br>'));
  });
  s.legend.innerHTML = '<b>' + view.title + '</b><br>' + view.legend.map(
    (e) => '<span style="display:inline-block;width:12px;height:12px;background:' + e.c +
           '"></span> ' + e.l).join('<br>');
  s.views += 1;
  s.host.setAttribute('data-claims-view', String(s.views));
}

function build(s, L, setStateValue) {
  const map = L.map(s.host, {zoomSnap: 0.25, minZoom: 4, maxZoom: 10}).setView([34, 66], 6);
  const base = L.geoJSON(null, {
    onEachFeature: (feature, layer) => {
      layer.bindTooltip('', {sticky: true, direction: 'top'});
      layer.on('click', () => setStateValue('place', feature.properties.code));
    },
  }).addTo(map);
  const legendControl = L.control({position: 'bottomright'});
  const legend = L.DomUtil.create('div', 'claims-legend');
  legend.style.background = 'white';
  legendControl.onAdd = () => legend;
  legendControl.addTo(map);
  Object.assign(s, {map, base, legend});
  fetch(GEOMETRY).then((r) => r.json()).then((geo) => {
    s.geo = geo;
    base.addData(geo);
    map.fitBounds(base.getBounds(), {padding: [6, 6], animate: false});
    s.host.setAttribute('data-claims-painted', String(base.getLayers().length));
    restyle(s);
  });
}

export function mount(component) {
  const {data, parentElement, setStateValue} = component;
  let s = parentElement.__claims;
  if (!s) {
    addCss();
    const host = document.createElement('div');
    host.className = 'claims-v2-map';
    host.style.height = '600px';
    parentElement.appendChild(host);
    s = parentElement.__claims = {host, geo: null, view: data, views: 0};
    loadLeaflet().then((L) => build(s, L, setStateValue));
    return;
  }
  if (s.view !== data) {
    s.view = data;
    restyle(s);
  }
}
