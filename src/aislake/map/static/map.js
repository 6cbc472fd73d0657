// aislake map: the lake's gold products over an offline basemap, fetched per view from the
// server (GeoJSON bounded by the box and simplified for the zoom). `window.aislake` exposes the
// state the browser tests read back (the map, its layers, what each drew, requests in flight).
"use strict";

const SHIP_COLOURS = {
  Cargo: "#2e7d32", Tanker: "#c62828", Passenger: "#1565c0", Fishing: "#ef6c00",
  Tug: "#6d4c41", Towing: "#6d4c41", "Towing long/wide": "#6d4c41", Pilot: "#f9a825",
  Pleasure: "#ad1457", Sailing: "#ad1457", HSC: "#00838f", Military: "#37474f",
  SAR: "#37474f", "Law enforcement": "#37474f", Dredging: "#8d6e63",
};
const OTHER_COLOUR = "#757575";
const GAP_COLOUR = "#111111";
const VISIT_COLOUR = "#6a1b9a";
const ANCHORAGE_COLOUR = "#fdd835";
const LAND_COLOUR = "#efe9dc";
const EVENT_COLOURS = { loitering: "#ff8f00", encounter: "#d50000", close_quarters: "#c51162" };
// Vessel hours per km2 a day, log scale from 0.01 to 10: yellow (few) to dark purple (busy).
const DENSITY_RAMP = ["#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154"];
const DENSITY_MIN = 0.01, DENSITY_MAX = 10;

const colourOf = (type) => SHIP_COLOURS[type] || OTHER_COLOUR;
const $ = (id) => document.getElementById(id);
const escape = (text) => String(text ?? "").replace(/[&<>"']/g,
  (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

function densityColour(value) {
  const share = (Math.log10(Math.max(value, DENSITY_MIN)) - Math.log10(DENSITY_MIN)) /
    (Math.log10(DENSITY_MAX) - Math.log10(DENSITY_MIN));
  const i = Math.min(DENSITY_RAMP.length - 1, Math.floor(Math.min(share, 0.999) * DENSITY_RAMP.length));
  return DENSITY_RAMP[i];
}

const map = L.map("map", { zoomControl: true, worldCopyJump: false, minZoom: 2, maxZoom: 16 });
for (const [pane, z] of [["land", 250], ["density", 350], ["gaps", 420], ["points", 450], ["ships", 460]]) {
  map.createPane(pane).style.zIndex = z;
}
const renderers = {
  land: L.canvas({ pane: "land", padding: 0.2 }),
  density: L.canvas({ pane: "density", padding: 0.2 }),
  svg: L.svg({ padding: 0.2 }),
  gaps: L.svg({ pane: "gaps", padding: 0.2 }),
  points: L.svg({ pane: "points", padding: 0.2 }),
  ships: L.svg({ pane: "ships", padding: 0.2 }),
};

const state = {
  map, busy: 0, loaded: false, errors: [], counts: {}, truncated: {}, layers: {},
  colours: SHIP_COLOURS, otherColour: OTHER_COLOUR, gapColour: GAP_COLOUR,
  landColour: LAND_COLOUR, visitColour: VISIT_COLOUR, densityColour,
  day: null, to: null, playing: false, frame: null,
};
window.aislake = state;

// What each layer draws from its features.
const LAYERS = {
  tracks: {
    title: "Tracks", on: true,
    style: (f) => ({ color: colourOf(f.properties.ship_type), weight: 3, opacity: state.frame ? 0.35 : 0.9,
                     renderer: renderers.svg }),
    // A segment of one position is a point.
    point: (f, latlng) => L.circleMarker(latlng, { radius: 3, weight: 1, color: colourOf(f.properties.ship_type),
      renderer: renderers.svg }),
    each: (f, layer) => layer.on("click", (e) => showVessel(f.properties.mmsi, e.latlng)),
  },
  traffic_density: {
    title: "Density (vessel hours per km² a day)", on: false,
    style: (f) => ({ stroke: false, fillColor: densityColour(f.properties.hours_per_km2),
                     fillOpacity: 0.65, interactive: false, renderer: renderers.density }),
  },
  ais_gaps: {
    title: "Gaps (went silent → reappeared)", on: true,
    style: () => ({ color: GAP_COLOUR, weight: 2, dashArray: "6 6", opacity: 0.9, renderer: renderers.gaps }),
    each: (f, layer) => layer.bindPopup(() => {
      const p = f.properties;
      return `<div class="gap-popup"><h3>Gap: ${escape(p.name || p.mmsi)}</h3>` +
        `MMSI ${p.mmsi}<br>silent ${escape(p.gap_start)} → ${escape(p.gap_end)} ` +
        `(${p.duration_hours.toFixed(1)} h, ${p.distance_nm.toFixed(1)} nm)</div>`;
    }),
  },
  port_visits: {
    title: "Port visits", on: true,
    point: (f, latlng) => L.circleMarker(latlng, { radius: 5, color: "#fff", weight: 1,
      fillColor: VISIT_COLOUR, fillOpacity: 0.9, renderer: renderers.points }),
    each: (f, layer) => layer.bindPopup(() => {
      const p = f.properties;
      return `<div class="visit-popup"><h3>${escape(p.port)}</h3>${escape(p.name || "")} ` +
        `(MMSI ${p.mmsi})<br>arrived ${escape(p.arrival)}<br>left ${escape(p.departure || "not yet")}` +
        `<br>${p.duration_hours.toFixed(1)} h</div>`;
    }),
  },
  events: {
    title: "Events (loitering, encounters, close quarters)", on: false,
    point: (f, latlng) => L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2,
      fillColor: EVENT_COLOURS[f.properties.kind], fillOpacity: 1, renderer: renderers.points }),
    each: (f, layer) => layer.bindPopup(() => {
      const p = f.properties;
      const what = { loitering: "Loitering", encounter: "Encounter", close_quarters: "Close quarters" }[p.kind];
      const detail = p.kind === "close_quarters"
        ? `closest ${escape(p.event_time)}: CPA ${p.cpa_nm.toFixed(2)} nm at ${p.sog.toFixed(1)} kn`
        : `from ${escape(p.event_time)} for ${p.hours.toFixed(1)} h at ${p.sog.toFixed(1)} kn`;
      return `<div class="event-popup"><h3>${what}</h3>MMSI ${escape(p.vessels)}<br>${detail}</div>`;
    }),
  },
  anchorages: {
    title: "Anchorages", on: true,
    point: (f, latlng) => L.circleMarker(latlng, { radius: 4, color: "#333", weight: 1,
      fillColor: ANCHORAGE_COLOUR, fillOpacity: 1, renderer: renderers.points }),
    each: (f, layer) => layer.bindTooltip(
      `${escape(f.properties.port)}: ${f.properties.stops} stops, ${f.properties.vessels} vessels`),
  },
};

const land = L.geoJSON(null, { style: { stroke: true, color: "#b9b09b", weight: 0.6,
  fillColor: LAND_COLOUR, fillOpacity: 1, interactive: false, renderer: renderers.land } }).addTo(map);
state.layers.land = land;

const overlays = {};
for (const [name, spec] of Object.entries(LAYERS)) {
  const layer = L.geoJSON(null, {
    style: spec.style, onEachFeature: spec.each, pointToLayer: spec.point,
  });
  state.layers[name] = layer;
  overlays[spec.title] = layer;
  if (spec.on) layer.addTo(map);
}
const ships = L.layerGroup();
state.layers.ships = ships;
overlays["Ships at the slider's time"] = ships;
L.control.layers(null, overlays, { collapsed: false }).addTo(map);
L.control.scale({ imperial: false }).addTo(map);

const legend = L.control({ position: "bottomright" });
legend.onAdd = () => {
  const div = L.DomUtil.create("div", "legend");
  div.id = "legend";
  return div;
};
legend.addTo(map);

function drawLegend() {
  const types = new Set();
  state.layers.tracks.eachLayer((l) => types.add(l.feature.properties.ship_type));
  const rows = [...types].sort().map((t) => `<div><i style="background:${colourOf(t)}"></i>${escape(t)}</div>`);
  if (map.hasLayer(state.layers.events)) {
    for (const [kind, colour] of Object.entries(EVENT_COLOURS)) {
      rows.push(`<div><i style="background:${colour};height:8px;width:8px;border-radius:4px"></i>${kind.replace("_", " ")}</div>`);
    }
  }
  rows.push(`<div><i style="background:${GAP_COLOUR};height:2px"></i>gap (dashed)</div>`);
  if (map.hasLayer(state.layers.traffic_density)) {
    rows.push(`<div>vessel hours per km² a day</div><div class="ramp" style="background:linear-gradient(to right,${DENSITY_RAMP.join(",")})"></div>` +
      `<div style="display:flex;justify-content:space-between"><span>${DENSITY_MIN}</span><span>${DENSITY_MAX}+</span></div>`);
  }
  $("legend").innerHTML = rows.join("");
}

function setStatus(text, error = false) {
  const el = $("status");
  el.textContent = text;
  el.classList.toggle("error", error);
  if (error) state.errors.push(text);
}

// Requests: one in flight per purpose; a newer one aborts the older.
const inflight = {};
async function getJSON(purpose, url) {
  if (inflight[purpose]) inflight[purpose].abort();
  const control = new AbortController();
  inflight[purpose] = control;
  state.busy += 1;
  try {
    const response = await fetch(url, { signal: control.signal });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || `${response.status} ${response.statusText}`);
    return body;
  } finally {
    state.busy -= 1;
    if (inflight[purpose] === control) delete inflight[purpose];
  }
}

function viewQuery(extra = {}) {
  const b = map.getBounds().pad(0.1);
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const bbox = [clamp(b.getWest(), -180, 179.9), clamp(b.getSouth(), -90, 89.9),
    clamp(b.getEast(), -179.9, 180), clamp(b.getNorth(), -89.9, 90)].map((v) => v.toFixed(5));
  const q = new URLSearchParams({ bbox: bbox.join(","), zoom: String(map.getZoom()), ...extra });
  return q.toString();
}

function daysQuery() {
  const q = { day: state.day };
  if (state.to && state.to > state.day) q.to = state.to;
  return q;
}

async function refreshLayer(name) {
  const layer = state.layers[name];
  if (!map.hasLayer(layer)) return;
  try {
    const data = await getJSON(name, `/api/layer/${name}?${viewQuery(daysQuery())}`);
    layer.clearLayers();
    layer.addData(data.features);
    state.counts[name] = data.features.length;
    state.truncated[name] = data.truncated;
  } catch (err) {
    if (err.name !== "AbortError") setStatus(`${name}: ${err.message}`, true);
  }
}

async function refreshLand() {
  try {
    const data = await getJSON("land", `/api/land?${viewQuery()}`);
    land.clearLayers();
    land.addData(data);
  } catch (err) {
    if (err.name !== "AbortError") setStatus(`land: ${err.message}`, true);
  }
}

async function refresh() {
  if (!state.day) return;
  const started = state.errors.length;
  await Promise.all([refreshLand(), ...Object.keys(LAYERS).map(refreshLayer),
    state.frame ? drawFrame() : Promise.resolve()]);
  drawLegend();
  if (state.errors.length === started) {
    const cut = Object.entries(state.truncated).filter(([, t]) => t).map(([n]) => n);
    const days = state.to && state.to > state.day ? `${state.day} to ${state.to}` : state.day;
    setStatus(`${days}: ${state.counts.tracks ?? 0} track segments in view` +
      (cut.length ? ` (${cut.join(", ")}: the largest shown, zoom in for all)` : ""));
  }
  location.hash = new URLSearchParams({ ...daysQuery(), z: map.getZoom(),
    lat: map.getCenter().lat.toFixed(4), lon: map.getCenter().lng.toFixed(4) }).toString();
  state.loaded = true;
}

async function fitDay() {
  // The day's tracks over the whole world (coarse), to frame them.
  const q = new URLSearchParams({ ...daysQuery(), bbox: "-180,-85,180,85", zoom: "2" });
  try {
    const data = await getJSON("fit", `/api/layer/tracks?${q}`);
    const bounds = L.geoJSON(data).getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] });
  } catch (err) {
    if (err.name !== "AbortError") setStatus(`fit: ${err.message}`, true);
  }
}

// The vessel's popup: what the registry says, the distance its tracks sailed, its visits.
async function showVessel(mmsi, latlng) {
  const popup = L.popup({ className: "vessel-popup", maxWidth: 340 }).setLatLng(latlng)
    .setContent("loading…").openOn(map);
  try {
    const v = await getJSON("vessel", `/api/vessel/${mmsi}?${new URLSearchParams(daysQuery())}`);
    const visits = v.visits.map((x) => `<li>${escape(x.port)}: ${escape(x.arrival.slice(11))}` +
      ` → ${escape(x.departure ? x.departure.slice(11) : "still there")}</li>`).join("");
    popup.setContent(`<h3 style="color:${colourOf(v.ship_type)}">${escape(v.name || "(no name)")}</h3>` +
      `<table><tr><td>MMSI</td><td>${v.mmsi}</td></tr>` +
      `<tr><td>type</td><td>${escape(v.ship_type)}</td></tr>` +
      `<tr><td>call sign</td><td>${escape(v.callsign || "")}</td></tr>` +
      `<tr><td>distance</td><td>${(v.distance_nm ?? 0).toFixed(1)} nm</td></tr>` +
      `<tr><td>destination</td><td>${escape(v.destination || "")}</td></tr></table>` +
      `<div>${v.visits.length} port visit${v.visits.length === 1 ? "" : "s"}</div><ul>${visits}</ul>`);
    return v;
  } catch (err) {
    if (err.name !== "AbortError") popup.setContent(`error: ${escape(err.message)}`);
    return null;
  }
}
state.showVessel = showVessel;

// Search a vessel by name or MMSI; picking one flies to its tracks and opens its popup.
let searchTimer = null;
let found = [];
$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 200);
});
$("search").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && found.length) pick(found[0]);
});
async function runSearch() {
  const text = $("search").value.trim();
  const list = $("results");
  if (text.length < 2) { list.hidden = true; return; }
  try {
    found = await getJSON("search", `/api/search?${new URLSearchParams({ q: text, ...daysQuery() })}`);
  } catch (err) {
    if (err.name !== "AbortError") setStatus(`search: ${err.message}`, true);
    return;
  }
  list.innerHTML = found.length ? "" : "<li>no vessel found</li>";
  for (const v of found) {
    const li = document.createElement("li");
    li.innerHTML = `<i style="color:${colourOf(v.ship_type)}">■</i> ${escape(v.name || "(no name)")} · ${v.mmsi} · ${escape(v.ship_type)}`;
    li.addEventListener("click", () => pick(v));
    list.appendChild(li);
  }
  list.hidden = false;
}
async function pick(v) {
  $("results").hidden = true;
  $("search").value = v.name || String(v.mmsi);
  if (v.lon0 === null || v.lon0 === undefined) { setStatus(`${v.mmsi}: no track on this day`, true); return; }
  const bounds = L.latLngBounds([v.lat0, v.lon0], [v.lat1, v.lon1]);
  map.flyToBounds(bounds, { padding: [60, 60], maxZoom: 12, duration: 0.6 });
  await new Promise((resolve) => map.once("moveend", resolve));
  await showVessel(v.mmsi, bounds.getCenter());
}

// The time slider: the ships at a moment, each with its last half hour behind it.
function minutesLabel(m) {
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}
async function drawFrame() {
  const minutes = Number($("time").value);
  state.frame = `${state.day}T${minutesLabel(minutes)}`;
  $("clock").textContent = `${minutesLabel(minutes)} UTC`;
  try {
    const data = await getJSON("ships", `/api/ships?${viewQuery({ at: state.frame })}`);
    ships.clearLayers();
    for (const f of data.features) {
      const p = f.properties;
      const colour = colourOf(p.ship_type);
      ships.addLayer(L.polyline(p.trail.map(([x, y]) => [y, x]), { color: colour, weight: 3,
        opacity: 0.8, renderer: renderers.ships, interactive: false }));
      ships.addLayer(L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]],
        { radius: 5, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 1, renderer: renderers.ships })
        .on("click", (e) => showVessel(p.mmsi, e.latlng)));
    }
    state.counts.ships = data.features.length;
  } catch (err) {
    if (err.name !== "AbortError") setStatus(`ships: ${err.message}`, true);
  }
}
async function startFrames() {
  if (!map.hasLayer(ships)) ships.addTo(map);
  state.layers.tracks.setStyle((f) => LAYERS.tracks.style(f));
  await drawFrame();
  state.layers.tracks.setStyle((f) => LAYERS.tracks.style(f));
}
$("time").addEventListener("input", () => {
  clearTimeout(state.timeTimer);
  state.timeTimer = setTimeout(startFrames, 80);
});
$("play").addEventListener("click", async () => {
  state.playing = !state.playing;
  $("play").innerHTML = state.playing ? "&#10074;&#10074;" : "&#9654;";
  while (state.playing) {
    const slider = $("time");
    slider.value = String((Number(slider.value) + 10) % 1440);
    const tick = new Promise((resolve) => setTimeout(resolve, 200));
    await startFrames();
    await tick;
  }
});

// Days: the ones the lake has built; a range is day to `to`.
async function loadDays() {
  const { days } = await getJSON("days", "/api/days");
  for (const id of ["day", "to"]) {
    $(id).innerHTML = (id === "to" ? '<option value="">—</option>' : "") +
      days.map((d) => `<option>${d}</option>`).join("");
  }
  return days;
}
$("day").addEventListener("change", () => { state.day = $("day").value; refresh(); });
$("to").addEventListener("change", () => { state.to = $("to").value || null; refresh(); });
$("fit").addEventListener("click", fitDay);
map.on("moveend", refresh);
map.on("overlayadd overlayremove", (e) => {
  if (e.layer === ships && e.type === "overlayremove") {
    state.frame = null;
    state.layers.tracks.setStyle((f) => LAYERS.tracks.style(f));
  }
  refresh();
});

(async function start() {
  let days;
  try {
    days = await loadDays();
  } catch (err) {
    setStatus(`days: ${err.message}`, true);
    return;
  }
  if (!days.length) {
    setStatus("the lake has no tracks yet: run `aislake demo` first", true);
    map.setView([56, 11], 6);
    return;
  }
  const hash = new URLSearchParams(location.hash.slice(1));
  state.day = days.includes(hash.get("day")) ? hash.get("day") : days[days.length - 1];
  state.to = days.includes(hash.get("to")) ? hash.get("to") : null;
  $("day").value = state.day;
  $("to").value = state.to || "";
  if (hash.get("z")) {
    map.setView([Number(hash.get("lat")), Number(hash.get("lon"))], Number(hash.get("z")));
  } else {
    map.setView([0, 0], 2);
    await fitDay();
  }
})();
