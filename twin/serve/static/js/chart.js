/* Hydrographs with uPlot: lines, observed points, the members' or the forecast's band,
   and a vertical mark at the slider's time. */
"use strict";

Twin.Chart = class {
  constructor(el) {
    this.el = el;
    this.plot = null;
  }

  /**
   * @param {object} d  {t: [POSIX s], unit, lines: [{label, values, color, dash, points}],
   *                     bands: [{label, lo, hi, color}], now}
   */
  draw(d) {
    if (this.plot) { this.plot.destroy(); this.plot = null; }
    this.el.replaceChildren();
    if (!d || !d.t || !d.t.length) {
      this.el.append(Twin.el("div", { class: "empty" }, "no values yet"));
      return;
    }
    const tz = (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); // the file's clock
    const hhmm = uPlot.fmtDate("{HH}:{mm}");
    const full = uPlot.fmtDate("{YYYY}-{MM}-{DD} {HH}:{mm}");
    const series = [{ value: (u, v) => (v === null ? "–" : full(tz(v))) }];
    const data = [d.t];
    const bands = [];
    const hidden = []; // legend rows not shown (a band's lower edge)
    for (const b of d.bands || []) {
      const hi = series.length;
      series.push({ label: b.label, stroke: "transparent", width: 0, points: { show: false },
        spanGaps: true });
      data.push(b.hi);
      series.push({ label: b.label + " (low)", stroke: "transparent", width: 0,
        points: { show: false }, spanGaps: true });
      hidden.push(hi + 1);
      data.push(b.lo);
      bands.push({ series: [hi, hi + 1], fill: b.color });
    }
    for (const s of d.lines || []) {
      const spec = { label: s.label, stroke: s.color, width: 1.6, spanGaps: true,
        value: (u, v) => Twin.num(v) };
      if (s.dash) spec.dash = [6, 4];
      if (s.points) {
        spec.paths = () => null;
        spec.points = { show: true, size: 5, fill: s.color, stroke: s.color };
      } else {
        spec.points = { show: false };
      }
      series.push(spec);
      data.push(s.values);
    }
    const axis = { stroke: "#8b98a5", grid: { stroke: "#2f3842", width: 1 },
      ticks: { stroke: "#2f3842" } };
    const now = d.now;
    const opts = {
      width: Math.max(this.el.clientWidth, 300), height: 220, series, bands,
      tzDate: tz,
      scales: { x: { time: true } },
      axes: [{ ...axis, values: (u, ticks) => ticks.map((v) => hhmm(tz(v))) },
        { ...axis, label: d.unit || "", size: 50 }],
      legend: { live: true },
      cursor: { points: { size: 6 } },
      hooks: { draw: [(u) => {
        if (now === null || now === undefined) return;
        const x = u.valToPos(now, "x", true);
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = "#ffffff88"; ctx.setLineDash([3, 3]); ctx.lineWidth = 1;
        ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke(); ctx.restore();
      }] },
    };
    this.plot = new uPlot(opts, data, this.el);
    const rows = this.plot.root.querySelectorAll(".u-legend .u-series");
    for (const k of hidden) if (rows[k]) rows[k].style.display = "none";
  }
};
