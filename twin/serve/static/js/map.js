/* The plan map: Leaflet on the network's own coordinates (CRS.Simple, metres), no
   basemap; pipes and manholes drawn on one canvas, coloured by the chosen fields. */
"use strict";

Twin.Map = class {
  /**
   * @param {HTMLElement} el
   * @param {object} net  /api/network: nodes {name, kind, x, y}, links {name, kind, path}, bounds
   * @param {function} onPick  called with ("node"|"link", index)
   */
  constructor(el, net, onPick) {
    this.net = net;
    this.onPick = onPick;
    this.map = L.map(el, {
      crs: L.CRS.Simple, preferCanvas: true, zoomSnap: 0.25, zoomDelta: 0.5,
      minZoom: -20, maxZoom: 10, attributionControl: false,
    });
    this.map.createPane("surface").style.zIndex = 350;
    this.renderer = L.canvas({ padding: 0.3, tolerance: 4 });
    this.tip = L.tooltip({ direction: "top", offset: [0, -6], opacity: 0.95 });
    this.nodeValues = null; this.linkValues = null;
    this._drawLinks();
    this._drawNodes();
    this.fit();
    this.legend = L.control({ position: "bottomleft" });
    this.legend.onAdd = () => L.DomUtil.create("div", "legend");
    this.legend.addTo(this.map);
    this.highlight = null;
    this.surface = null;
  }

  _drawLinks() {
    const links = this.net.links;
    this.linkLayers = new Array(links.name.length);
    this.linkGroup = L.featureGroup();
    for (let j = 0; j < links.name.length; j++) {
      const p = links.path[j];
      if (!p.length) continue;
      const pts = [];
      for (let k = 0; k < p.length; k += 2) pts.push([p[k + 1], p[k]]);
      const line = L.polyline(pts, { renderer: this.renderer, color: "#6c7a89", weight: 2.5,
        opacity: 0.95, interactive: true });
      line._twin = j;
      this.linkLayers[j] = line;
      this.linkGroup.addLayer(line);
    }
    this._events(this.linkGroup, "link");
    this.linkGroup.addTo(this.map);
  }

  _drawNodes() {
    const n = this.net.nodes;
    this.nodeLayers = new Array(n.name.length);
    this.nodeGroup = L.featureGroup();
    for (let i = 0; i < n.name.length; i++) {
      if (n.x[i] === null || n.y[i] === null) continue;
      const kind = n.kind[i];
      const r = kind === "storage" ? 7 : kind === "outfall" ? 5 : 3.5;
      const m = L.circleMarker([n.y[i], n.x[i]], { renderer: this.renderer, radius: r,
        weight: kind === "junction" ? 0.6 : 2, color: kind === "outfall" ? "#4cc9f0" : "#0b0d10",
        fillColor: "#59636e", fillOpacity: 0.95 });
      m._twin = i;
      this.nodeLayers[i] = m;
      this.nodeGroup.addLayer(m);
    }
    this._events(this.nodeGroup, "node");
    this.nodeGroup.addTo(this.map);
  }

  _events(group, kind) {
    group.on("mouseover", (e) => {
      const i = e.layer._twin;
      this.tip.setLatLng(e.latlng).setContent(this.tipText(kind, i)).addTo(this.map);
    });
    group.on("mouseout", () => this.tip.remove());
    group.on("click", (e) => { L.DomEvent.stop(e); this.onPick(kind, e.layer._twin); });
  }

  tipText(kind, i) {
    const names = kind === "node" ? this.net.nodes : this.net.links;
    const field = kind === "node" ? this.nodeField : this.linkField;
    const vals = kind === "node" ? this.nodeValues : this.linkValues;
    let s = `<b>${Twin.esc(names.name[i])}</b> ${Twin.esc(names.kind[i])}`;
    if (field && vals) s += `<br>${Twin.esc(field.label)}: ${Twin.num(vals[i], field.unit)}`;
    return s;
  }

  /** Colour the manholes (values in the network's node order) by a field. */
  colourNodes(values, field) {
    this.nodeValues = values; this.nodeField = field;
    for (let i = 0; i < this.nodeLayers.length; i++) {
      const m = this.nodeLayers[i];
      if (!m) continue;
      const c = Twin.colour(values ? values[i] : null, field);
      if (m.options.fillColor !== c) m.setStyle({ fillColor: c });
    }
    this._legend();
  }

  /** Colour the pipes (values in the network's link order) by a field. */
  colourLinks(values, field) {
    this.linkValues = values; this.linkField = field;
    for (let j = 0; j < this.linkLayers.length; j++) {
      const l = this.linkLayers[j];
      if (!l) continue;
      const c = Twin.colour(values ? values[j] : null, field);
      if (l.options.color !== c) l.setStyle({ color: c });
    }
    this._legend();
  }

  _legend() {
    const div = this.legend.getContainer();
    if (!div) return;
    div.replaceChildren();
    for (const [what, f] of [["manholes", this.nodeField], ["pipes", this.linkField]]) {
      if (!f) continue;
      const bar = Twin.el("div", { class: "bar" });
      bar.style.background = `linear-gradient(to right, ${f.colors.join(",")})`;
      div.append(Twin.el("div", { class: "name" }, `${what}: ${f.label}${f.unit ? " [" + f.unit + "]" : ""}`),
        bar, Twin.el("div", { class: "ends" }, Twin.el("span", {}, Twin.num(f.vmin)),
          Twin.el("span", {}, Twin.num(f.vmax) + (f.vmax < 1.001 && f.vmin === 0 && !f.unit ? "" : "+"))));
    }
  }

  /** Mark the chosen element (and bring it into view when asked). */
  select(kind, i, pan) {
    if (this.highlight) this.highlight.remove();
    this.highlight = null;
    const layer = kind === "node" ? this.nodeLayers[i] : this.linkLayers[i];
    if (!layer) return;
    if (kind === "node") {
      // on the map's own canvas: a layer on another renderer would add a canvas over
      // the map that takes the mouse away from the network
      this.highlight = L.circleMarker(layer.getLatLng(), { renderer: this.renderer, radius: 11,
        color: "#ffffff", weight: 2.5, fill: false, interactive: false });
    } else {
      this.highlight = L.polyline(layer.getLatLngs(), { renderer: this.renderer,
        color: "#ffffff", weight: 7, opacity: 0.5, interactive: false });
    }
    this.highlight.addTo(this.map);
    const c = kind === "node" ? layer.getLatLng() : layer.getBounds().getCenter();
    if (pan) this.map.panInside(c, { padding: [30, 30] }); // only as far as needed
  }

  /** Show (url) or hide (null) the street flooding picture over [x0, y0, x1, y1]. */
  showSurface(url, bounds) {
    if (!url) { if (this.surface) this.surface.remove(); this.surface = null; return; }
    const b = [[bounds[1], bounds[0]], [bounds[3], bounds[2]]];
    if (!this.surface) {
      this.surface = L.imageOverlay(url, b, { pane: "surface", opacity: 0.85, interactive: false });
      this.surface.addTo(this.map);
    } else if (this.surface._url !== url) {
      this.surface.setUrl(url);
    }
  }

  /** Show the whole network. */
  fit() {
    const [x0, y0, x1, y1] = this.net.bounds;
    this.map.invalidateSize();
    this.map.fitBounds([[y0, x0], [y1, x1]], { padding: [12, 12] });
  }

  /** Manholes drawn on the map now (the tests count them). */
  nodeCount() {
    return this.nodeLayers.filter((m) => m && this.map.hasLayer(m)).length;
  }
};
