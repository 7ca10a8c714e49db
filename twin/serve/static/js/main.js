/* The page: load the board, wire the controls, follow new cycles (server-sent events). */
"use strict";

const S = Twin.state = {
  meta: null, net: null, t: 0, nodeField: null, linkField: null, follow: true,
  selected: null, frameSeq: 0, fields: {},
};

async function boot() {
  [S.meta, S.net] = await Promise.all([Twin.api("/api/meta"), Twin.api("/api/network")]);
  for (const f of S.meta.fields) S.fields[f.key] = f;
  document.getElementById("title").textContent = S.meta.title;
  document.title = `sewer-twin · ${S.meta.title}`;
  S.map = new Twin.Map(document.getElementById("map"), S.net, (kind, i) => pick(kind, i, false));
  S.chart = new Twin.Chart(document.getElementById("chart"));
  S.risk = new Twin.Table(document.getElementById("risk"), (i) => pick("node", i, true));
  S.sensors = new Twin.Table(document.getElementById("sensors"), (id) => pickSensor(id));
  controls();
  S.t = S.meta.now;
  applyMeta();
  await showTime();
  await panels(S.meta.kind !== "watch"); // a watch cycle drew its risk list and sensors
  if (S.meta.kind === "watch") listen();
  new ResizeObserver(() => S.map.map.invalidateSize()).observe(document.getElementById("map"));
  S.map.fit();
  Twin.readyAt = performance.now();
  document.body.dataset.now = S.meta.times[S.meta.now] || "";
  document.body.dataset.ready = "true";
}

function controls() {
  const fill = (sel, element, preferred) => {
    const fs = S.meta.fields.filter((f) => f.element === element);
    sel.replaceChildren(...fs.map((f) => Twin.el("option", { value: f.key }, f.label)));
    const pick = preferred.find((k) => fs.some((f) => f.key === k)) || (fs[0] && fs[0].key);
    sel.value = pick;
    return pick;
  };
  const nodeSel = document.getElementById("node-field");
  const linkSel = document.getElementById("link-field");
  S.nodeField = fill(nodeSel, "node", ["flood_probability", "depth"]);
  S.linkField = fill(linkSel, "link", ["capacity", "flow"]);
  nodeSel.addEventListener("change", () => { S.nodeField = nodeSel.value; showTime(); });
  linkSel.addEventListener("change", () => { S.linkField = linkSel.value; showTime(); });
  const slider = document.getElementById("slider");
  slider.addEventListener("input", () => {
    S.t = Number(slider.value);
    S.follow = S.t === S.meta.times.length - 1;
    document.getElementById("follow").checked = S.follow;
    showTime();
  });
  const follow = document.getElementById("follow");
  follow.addEventListener("change", () => {
    S.follow = follow.checked;
    if (S.follow) { S.t = S.meta.now; applyMeta(); showTime(); }
  });
  document.getElementById("surface-toggle").addEventListener("change", () => showSurface());
  const watch = S.meta.kind === "watch";
  document.getElementById("follow-label").hidden = !watch;
  document.getElementById("now-box").hidden = !watch;
  if (S.meta.surface) {
    document.getElementById("surface-label").hidden = false;
    document.getElementById("surface-name").textContent = S.meta.surface.label;
  }
  for (const p of ["warnings", "advice", "sensors"]) {
    document.getElementById(`${p}-panel`).hidden = !S.meta.panels[p];
  }
}

function applyMeta() {
  const slider = document.getElementById("slider");
  const n = S.meta.times.length;
  slider.max = Math.max(n - 1, 0);
  slider.disabled = n < 2;
  if (S.t > n - 1) S.t = Math.max(n - 1, 0);
  slider.value = S.t;
  const now = S.meta.times[S.meta.now];
  document.getElementById("now").textContent = now ? now.replace("T", " ") : "waiting for the first cycle";
  document.getElementById("now").dataset.iso = now || "";
}

/** Colour the map for the slider's time (only the latest request's answer is drawn). */
async function showTime() {
  const seq = ++S.frameSeq;
  const t = S.t;
  const iso = S.meta.times[t];
  document.getElementById("time-label").textContent = iso ? iso.replace("T", " ") : "–";
  const watch = S.meta.kind === "watch"; // a cycle has its own risk list and sensor values
  const [frame] = await Promise.all([
    Twin.api(`/api/frame?t=${t}&node=${S.nodeField}&link=${S.linkField}`),
    watch ? risk() : null, watch ? sensorsPanel() : null]);
  if (seq !== S.frameSeq) return;
  S.map.colourNodes(frame.node || null, S.fields[S.nodeField]);
  S.map.colourLinks(frame.link || null, S.fields[S.linkField]);
  S.frameT = t;
  document.getElementById("map").dataset.frame = String(t);
  showSurface();
  if (S.selected) chart();
}

function showSurface() {
  const on = S.meta.surface && document.getElementById("surface-toggle").checked;
  const t = S.meta.surface && S.meta.surface.per_time ? S.t : 0;
  S.map.showSurface(on ? `/api/surface.png?t=${t}&v=${S.meta.version}` : null,
    S.meta.surface && S.meta.surface.bounds);
}

async function risk() {
  const t = S.t;
  const r = await Twin.api(`/api/risk?t=${t}`);
  if (t !== S.t) return;
  S.riskData = r;
  S.risk.show(r.columns, r.rows, r.index);
  document.getElementById("risk-note").textContent = r.now ? `cycle ${Twin.time(r.now)}` : "";
}

async function panels(all = true) {
  const jobs = all ? [risk(), sensorsPanel()] : [];
  if (S.meta.panels.warnings) jobs.push(Twin.api("/api/panel/warnings").then((w) => {
    Twin.showWarnings(document.getElementById("warnings"), w, (name) => {
      const i = S.net.nodes.name.indexOf(name);
      if (i >= 0) pick("node", i, true);
    });
    document.getElementById("warnings-note").textContent = `${w.active.length} in force`;
  }));
  if (S.meta.panels.advice) jobs.push(Twin.api("/api/panel/advice").then((a) =>
    Twin.showAdvice(document.getElementById("advice"), a)));
  await Promise.all(jobs);
}

/** The sensors at the slider's cycle: latest observed and analysed values, QC flags. */
async function sensorsPanel() {
  if (!S.meta.panels.sensors) return;
  const t = S.t;
  const s = await Twin.api(`/api/panel/sensors?t=${t}`);
  if (t !== S.t) return;
  const r = Twin.sensorRows(s);
  S.sensorList = s;
  S.sensors.show(r.columns, r.rows, r.ids);
  document.getElementById("sensors").dataset.t = String(t);
}

function pick(kind, i, pan) {
  S.selected = { kind, i, name: kind === "node" ? S.net.nodes.name[i] : S.net.links.name[i] };
  S.map.select(kind, i, pan);
  if (kind === "node") S.risk.select(i);
  chart();
}

function pickSensor(id) {
  const s = (S.sensorList || []).find((x) => x.id === id);
  S.selected = { kind: "sensor", name: id };
  if (s && s.kind === "node" && s.index !== null) S.map.select("node", s.index, true);
  chart();
}

async function chart() {
  const sel = S.selected;
  const d = await Twin.api(`/api/series/${sel.kind}?name=${encodeURIComponent(sel.name)}&t=${S.t}`);
  if (S.selected !== sel) return;
  document.getElementById("detail-title").textContent = d.title;
  if (d.now === undefined || d.now === null) d.now = timeOf(S.meta.times[S.t]);
  S.chart.draw(d);
}

function timeOf(iso) {
  return iso ? Date.parse(iso + "Z") / 1000 : null;
}

/** Follow the watch folder: a "cycle" event brings the new times, then the rest. */
function listen() {
  const live = document.getElementById("live");
  const es = new EventSource("/api/events");
  es.onopen = () => { live.className = "live-on"; live.textContent = "live"; };
  es.onerror = () => { live.className = "live-lost"; live.textContent = "reconnecting"; };
  let running = null, again = false;
  const update = async () => {
    S.meta = await Twin.api("/api/meta");
    for (const f of S.meta.fields) S.fields[f.key] = f;
    if (S.follow) S.t = S.meta.now;
    applyMeta();
    await Promise.all([showTime(), panels(false)]); // showTime redraws the risk and sensors
    document.body.dataset.version = String(S.meta.version);
    document.body.dataset.now = S.meta.times[S.meta.now] || ""; // everything drawn
  };
  es.addEventListener("cycle", (e) => {
    if (JSON.parse(e.data).version === S.meta.version) return;
    if (running) { again = true; return; } // one update at a time, the latest last
    running = (async () => {
      do { again = false; await update(); } while (again);
    })().catch((err) => Twin.status(`update failed: ${err.message}`)).finally(() => { running = null; });
  });
}

window.addEventListener("error", (e) => Twin.status(`page error: ${e.message}`));
boot().catch((err) => { Twin.status(`could not load: ${err.message}`); console.error(err); });
