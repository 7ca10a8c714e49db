/* The side panels: the risk list (sortable, linked to the map), warnings, advice and
   sensors, drawn from the server's answers as they are. */
"use strict";

/** A sortable table: columns [{key, label, unit, kind}], rows [[...]], ids per row. */
Twin.Table = class {
  constructor(table, onRow) {
    this.table = table;
    this.onRow = onRow;
    this.sort = null; // {col, dir}
    this.selected = null;
  }

  show(columns, rows, ids) {
    this.columns = columns; this.rows = rows; this.ids = ids;
    this._render();
  }

  _render() {
    const { columns, table } = this;
    let order = this.rows.map((_, k) => k);
    if (this.sort) {
      const { col, dir } = this.sort;
      const kind = columns[col].kind;
      order.sort((a, b) => dir * compare(this.rows[a][col], this.rows[b][col], kind));
    }
    const head = Twin.el("tr", {}, ...columns.map((c, k) => {
      const th = Twin.el("th", { title: c.unit ? `${c.label} [${c.unit}]` : c.label,
        onclick: () => this._toggle(k) }, c.label + (c.unit ? ` [${c.unit}]` : ""));
      if (this.sort && this.sort.col === k) th.className = this.sort.dir < 0 ? "sorted-desc" : "sorted-asc";
      return th;
    }));
    const body = Twin.el("tbody");
    for (const k of order) {
      const row = this.rows[k];
      const tr = Twin.el("tr", { "data-id": this.ids[k],
        onclick: () => { this.select(this.ids[k]); this.onRow(this.ids[k], row); } },
        ...row.map((v, c) => Twin.el("td", {}, cell(v, columns[c].kind))));
      if (row.flagged) tr.classList.add("flagged");
      if (this.ids[k] === this.selected) tr.classList.add("selected");
      body.append(tr);
    }
    if (!order.length) {
      body.append(Twin.el("tr", {}, Twin.el("td", { class: "empty", colspan: columns.length },
        "nothing at risk")));
    }
    table.replaceChildren(Twin.el("thead", {}, head), body);
  }

  _toggle(col) {
    const dir = this.sort && this.sort.col === col ? -this.sort.dir : (this.columns[col].kind === "num" ? -1 : 1);
    this.sort = { col, dir };
    this._render();
  }

  select(id) {
    this.selected = id;
    for (const tr of this.table.querySelectorAll("tbody tr")) {
      tr.classList.toggle("selected", tr.dataset.id === String(id));
    }
  }
};

function compare(a, b, kind) {
  const na = a === null || a === undefined, nb = b === null || b === undefined;
  if (na || nb) return na && nb ? 0 : na ? 1 : -1;
  if (kind === "num") return a - b;
  return String(a).localeCompare(String(b));
}

function cell(v, kind) {
  if (kind === "num") return Twin.num(v);
  if (kind === "time") return Twin.time(v);
  return v === null || v === undefined ? "–" : String(v);
}

/** Warnings in force, most likely first, with their lead time. */
Twin.showWarnings = function (el, w, onNode) {
  el.replaceChildren();
  if (!w.active.length) {
    el.append(Twin.el("div", { class: "empty" }, `no warning in force (${w.count} messages so far)`));
    return;
  }
  for (const a of w.active) {
    const parts = [a.kind.replace("_", " ")];
    if (a.source) parts.push(a.source); // a rainfall warning's: observed or forecast rain
    if (a.probability !== null && a.probability !== undefined) parts.push(`p ${Twin.num(a.probability)}`);
    if (a.lead_min !== null && a.lead_min !== undefined) {
      parts.push(a.lead_min >= 0 ? `in ${Math.round(a.lead_min)} min (${Twin.time(a.expected_time)})`
        : `since ${Twin.time(a.expected_time)}`);
    }
    if (a.value !== null && a.value !== undefined) parts.push(a.unit ? Twin.num(a.value, a.unit) : `value ${Twin.num(a.value)}`);
    parts.push(a.status);
    el.append(Twin.el("div", { class: `warning kind-${a.kind}`, "data-element": a.element,
      onclick: () => onNode(a.element) }, Twin.el("b", {}, (a.gauge ? "gauge " : "") + (a.element || "–")), parts.join(" · ")));
  }
};

/** The advice of the latest cycle, every field as the advice file has it. */
Twin.showAdvice = function (table, adv) {
  if (!adv.items.length) {
    table.replaceChildren(Twin.el("tr", {}, Twin.el("td", { class: "empty" }, "no advice")));
    return;
  }
  const head = Twin.el("tr", {}, ...adv.columns.map((c) => Twin.el("th", {}, c.replaceAll("_", " "))));
  const rows = adv.items.map((it) => Twin.el("tr", {}, ...adv.columns.map((c) => {
    const v = it[c];
    if (typeof v === "number") return Twin.el("td", {}, Twin.num(v));
    if (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v)) return Twin.el("td", {}, Twin.time(v));
    return Twin.el("td", {}, v === null || v === undefined ? "–" : typeof v === "object" ? JSON.stringify(v) : v);
  })));
  table.replaceChildren(Twin.el("thead", {}, head), Twin.el("tbody", {}, ...rows));
};

/** Sensors with their latest observed and analysed values and QC flag. */
Twin.sensorRows = function (sensors) {
  const columns = [
    { key: "id", label: "sensor", kind: "text" }, { key: "element", label: "at", kind: "text" },
    { key: "observed", label: "observed", kind: "num" }, { key: "analysed", label: "analysed", kind: "num" },
    { key: "qc", label: "QC", kind: "text" },
  ];
  const rows = sensors.map((s) => {
    const r = [s.id, s.element, s.observed, s.analysed, s.flagged ? "flagged" : "ok"];
    r.flagged = s.flagged;
    return r;
  });
  return { columns, rows, ids: sensors.map((s) => s.id) };
};
