/* Small helpers shared by the page's scripts: requests, colours, formatting. */
"use strict";

const Twin = window.Twin = {};

/** GET a JSON answer of the page's own server (the access cookie goes along). */
Twin.api = async function (path) {
  const r = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return r.json();
};

/** Show a problem in the corner (and keep working). */
Twin.status = function (text) {
  const el = document.getElementById("status");
  el.textContent = text || "";
  el.hidden = !text;
};

/** The colour of value v on a field's scale (its vmin..vmax over its palette). */
Twin.colour = function (v, field) {
  if (v === null || v === undefined || Number.isNaN(v)) return "#59636e";
  const c = field.colors;
  let f = (v - field.vmin) / ((field.vmax - field.vmin) || 1);
  f = Math.min(1, Math.max(0, f));
  return c[Math.round(f * (c.length - 1))];
};

/** A number for a person: 3 significant figures, thousands kept whole. */
Twin.num = function (v, unit) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  const a = Math.abs(v);
  let s;
  if (a === 0) s = "0";
  else if (a >= 1000) s = Math.round(v).toLocaleString("en");
  else if (a >= 0.01) s = String(Number(v.toPrecision(3)));
  else s = v.toExponential(1);
  return unit ? `${s} ${unit}` : s;
};

/** ISO time text as "MM-DD HH:MM" (the file's clock, shown as written). */
Twin.time = function (iso) {
  if (!iso) return "–";
  return iso.slice(5, 10) + " " + iso.slice(11, 16);
};

Twin.esc = function (s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;",
    '"': "&quot;", "'": "&#39;" })[c]);
};

/** Build an element: tag, {attributes}, children (strings or nodes). */
Twin.el = function (tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};
