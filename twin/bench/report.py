"""Benchmark results as JSON, a Markdown table (in the README) and plots.

>>> row = {"case": "x", "conduits": 10, "twin_s": 2.0, "swmm_s": 4.0, "speedup": 2.0,
...        "agrees": True}
>>> brief_cases({"cases": [row]})[0]["speedup"]
2.0
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

__all__ = [
    "BRIEF_KEYS",
    "brief_cases",
    "markdown_table",
    "ensemble_table",
    "plot_ensemble",
    "plot_scaling",
    "plot_throughput",
    "to_json",
    "update_readme",
    "write_json",
]

BRIEF_KEYS = ("case", "conduits", "twin_s", "swmm_s", "speedup", "agrees")
START, END = "<!-- BENCH:START -->", "<!-- BENCH:END -->"


def brief_cases(doc: dict) -> list[dict]:
    """Each case as ``case``, ``conduits``, ``twin_s``, ``swmm_s``, ``speedup``, ``agrees``
    (and ``error`` when a run failed or was not run)."""
    out = []
    for c in doc["cases"]:
        row = {k: c.get(k) for k in BRIEF_KEYS}
        row["agrees"] = bool(row["agrees"])
        if c.get("error"):
            row["error"] = c["error"]
        out.append(row)
    return out


def source_commit() -> str:
    """The short commit of the package's source tree that runs, ``+dirty`` when its
    ``twin/`` differs from that commit ("" outside a git checkout): what a recorded
    benchmark result was measured on."""
    import subprocess

    here = Path(__file__).resolve().parents[1]

    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=here)

    head = git("rev-parse", "--short", "HEAD")
    if head.returncode != 0:
        return ""
    dirty = git("diff", "--quiet", "HEAD", "--", str(here)).returncode != 0
    return head.stdout.strip() + ("+dirty" if dirty else "")


def _atomic_write(path: Path, text: str) -> Path:
    from twin.files import write_text

    return write_text(path, text)


def write_json(doc: dict, directory, name: str | None = None) -> Path:
    """Write ``doc`` to ``directory/<name>.json`` (default: ``bench-<date>``) atomically."""
    stamp = doc.get("created", "now")[:19].replace(":", "").replace("-", "")
    name = name or f"bench-{'quick-' if doc.get('quick') else ''}{stamp}"
    return _atomic_write(Path(directory) / f"{name}.json", to_json(doc) + "\n")


def to_json(doc: dict, indent: int | None = 1) -> str:
    """Strict JSON text of ``doc``: NaN and infinities become ``null``, numpy scalars
    plain numbers."""
    return json.dumps(_clean(doc), indent=indent, allow_nan=False)


def _clean(x):
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (bool, str, type(None))):
        return x
    if isinstance(x, int) and not hasattr(x, "dtype"):
        return x
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if f != f or f in (float("inf"), float("-inf")):
        return None
    return int(f) if hasattr(x, "dtype") and f.is_integer() and "int" in str(x.dtype) else f


def _num(x, fmt="{:.2f}") -> str:
    return "–" if x is None else fmt.format(x)


def _si(x) -> str:
    if x is None:
        return "–"
    for unit, f in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= f:
            return f"{x / f:.2f} {unit}"
    return f"{x:.0f}"


def accuracy_table(doc: dict) -> str:
    """Matched accuracy of the rows that judged it (``run_case(matched=True)``), or ""."""
    rows = [c for c in doc["cases"] if c.get("accuracy")]
    if not rows:
        return ""

    def cell(d):
        return (f"{1000 * d['depth_rmse_m']:.2f} / {1000 * d['flow_rmse_m3s']:.1f} / "
                f"{100 * d['peak_rel']:.3f} / {d['flood_m3']:.0f}")  # fmt: skip

    lines = [
        "Matched accuracy (issue 16): distance from SWMM at 1/8 of the file's step, as "
        "node-depth RMSE mm / link-flow RMSE L/s / mean peak-flow error % / flood volume "
        "error m3; twin must be at least as close as EPA SWMM at the file's step.",
        "",
        "| case | solver | EPA SWMM at file step | twin | twin steps | matched |",
        "| --- | --- | --- | --- | ---: | :---: |",
    ]
    for c in rows:
        a = c["accuracy"]
        steps = (c.get("twin") or {}).get("routing_steps")
        lines.append(
            f"| {c['case']} | {c.get('solver', 'swmm')} | {cell(a['swmm'])} | {cell(a['twin'])} "
            f"| {_num(steps, '{:,}')} | {'yes' if c.get('matched_accuracy') else '**no**'} |"
        )
    return "\n".join(lines)


def markdown_table(doc: dict) -> str:
    """The results as Markdown: cases, compile, surface, ensemble; machine and date."""
    m = doc.get("machine", {})
    lines = [
        f"Measured {doc.get('created', '?')} on {m.get('cpu', '?')} ({m.get('cores', '?')} "
        f"cores, load average {_load(m)}), SWMM {m.get('swmm', '?')}, numba "
        f"{m.get('numba', '?')}; median of {doc.get('repeats', '?')} alternating runs per "
        "engine, each in its own process. Speedup = SWMM time / twin time; "
        "**agrees** = twin passed the SWMM agreement check on that run (a run that does "
        "not agree does not count).",
        "",
        "| case | solver | conduits | sim h | SWMM s | twin s | speedup | agrees "
        "| spread SWMM / twin | link-steps/s SWMM / twin | peak MiB SWMM / twin |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: |",
    ]
    for c in doc["cases"]:
        s, t = c.get("swmm") or {}, c.get("twin") or {}
        agrees = "yes" if c.get("agrees") else "**no**"
        if c.get("error"):
            err = c["error"]
            agrees += f" ({err if len(err) <= 90 else err[:89] + '…'})"
        lines.append(
            f"| {c['case']} | {c.get('solver', 'swmm')} | {c['conduits']:,} "
            f"| {_num(c.get('duration_h'), '{:g}')} "
            f"| {_num(c.get('swmm_s'))} | {_num(c.get('twin_s'))} "
            f"| {_num(c.get('speedup'), '{:.2f}x')} | {agrees} "
            f"| {_spread(s)} / {_spread(t)} "
            f"| {_si(s.get('link_steps_per_s'))} / {_si(t.get('link_steps_per_s'))} "
            f"| {_num(s.get('peak_rss_mb'), '{:.0f}')} / {_num(t.get('peak_rss_mb'), '{:.0f}')} |"
        )
    acc = accuracy_table(doc)
    if acc:
        lines += ["", acc]
    lines += ["", *_extras(doc), _targets(doc)]
    ens = ensemble_table(doc)
    if ens:
        lines += ["", ens]
    return "\n".join(lines).rstrip() + "\n"


def ensemble_table(doc: dict) -> str:
    """The ensemble comparison as Markdown: one row per way of running the members.

    Empty when the document has no per-way rows (quick runs of older versions).
    """
    e = doc.get("ensemble") or {}
    rows = e.get("modes")
    if not rows:
        return ""
    checked = ", ".join(e.get("checked_members") or []) or "none"
    lines = [
        f"Ensemble: {e['members']} members of `{e['case']}` ({e.get('conduits', 0):,} "
        f"conduits, {_num(e.get('duration_h'), '{:g}')} h simulated each), perturbed "
        "forecasts (each member its own rainfall scale and delay); SWMM runs the same "
        f"members from their own `.inp` files. Members {checked} of every twin way are "
        "checked against SWMM's results for them. Start = starting the process pool or "
        'the cluster, timed apart ("in wall": the way starts its own inside the '
        "timing); kernel loading is in the wall time. Memory per member: SWMM, one "
        "process's peak; twin, the peaks of all its processes (client and workers) "
        "summed, divided by the members. CPU s: user + system time of every process of "
        "the way (SWMM's process or pool tasks; twin's client and workers), and SWMM "
        "sequential's CPU over it; solver: twin's dynamic-wave solver (newton's rows "
        "agree with SWMM but do not meet matched accuracy, so they do not count for "
        "issue 16's targets).",
        "",
        "| way | solver | processes | wall s | members/min | vs SWMM sequential | CPU s "
        "| CPU vs SWMM sequential | start s | peak MiB per member | agrees |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for r in rows:
        if r.get("engine") == "swmm":
            agrees = "reference"
        else:
            agrees = "yes" if r.get("agrees") else "**no**"
        if r.get("failed"):
            agrees += f" ({r['failed']} failed)"
        if r.get("error"):
            err = r["error"]
            agrees += f" ({err if len(err) <= 90 else err[:89] + '…'})"
        start = "in wall" if r.get("wall_s") and r.get("start_s") is None else _num(
            r.get("start_s"), "{:.1f}")  # fmt: skip
        lines.append(
            f"| {r['label']} | {r.get('solver') or '–'} | {r.get('processes') or '–'} "
            f"| {_num(r.get('wall_s'), '{:.1f}')} "
            f"| {_num(r.get('members_per_min'), '{:.1f}')} "
            f"| {_num(r.get('speedup'), '{:.2f}x')} | {_num(r.get('cpu_s'), '{:.1f}')} "
            f"| {_num(r.get('cpu_speedup'), '{:.2f}x')} | {start} "
            f"| {_num(r.get('peak_rss_mb_per_member'), '{:.0f}')} | {agrees} |"
        )
    return "\n".join(lines)


def _spread(e: dict) -> str:
    """``(max - min) / median`` of the samples; a dash for fewer than two."""
    if len(e.get("samples_s", ())) < 2:
        return "–"
    return _num(e.get("spread_pct"), "{:.0f}%")


def _targets(doc: dict) -> str:
    """Where the issue's targets stand, from the measured numbers only."""
    parts = []
    for c in doc["cases"]:
        if c["case"] in ("district-10k", "district-100k"):
            got = "not run" if c.get("speedup") is None else f"{c['speedup']:.2f}x"
            if c.get("speedup") is not None and not c.get("agrees"):
                got += " (disagrees)"
            parts.append(f"single run >= 3x at {c['case']}: {got}")
    e = doc.get("ensemble") or {}
    if e.get("speedup") is not None:
        way = f" ({e['mode']})" if e.get("mode") else ""
        got = f"{e['speedup']:.2f}x" + ("" if e.get("agrees", True) else " (disagrees)")
        parts.append(f"ensemble >= 10x SWMM sequential{way}: {got}")
    if e.get("worker_peak_rss_mb") and e.get("swmm_peak_rss_mb"):
        parts.append(
            f"memory per member <= SWMM's: {e['worker_peak_rss_mb']:.0f} vs "
            f"{e['swmm_peak_rss_mb']:.0f} MiB"
        )
    return "- targets: " + "; ".join(parts) + "." if parts else ""


def _load(m: dict) -> str:
    la = m.get("load_average")
    return "?" if not la else f"{la[0]:.1f}"


def _extras(doc: dict) -> list[str]:
    out = []
    c = doc.get("compile")
    if c and "error" not in c:
        cold = "not measured" if c.get("cold_s") is None else f"{c['cold_s']:.1f} s"
        out.append(
            f"- numba compile: cold {cold} (empty cache), warm {c['warm_s']:.1f} s "
            f"(from the cache); `import twin` {c['import_s']:.1f} s. Not in the times above."
        )
    elif c:
        out.append(f"- numba compile: failed ({c['error']})")
    s = doc.get("surface")
    if s:
        out.append(
            f"- 2D surface: {_si(s['cell_steps_per_s'])} cell-steps/s ({s['cells']:,} cells of "
            f"{s['dx_m']:g} m, {s['substeps']} sub-steps for {s['sim_minutes']:g} min of "
            f"rain in {s['wall_s']:.1f} s)."
        )
    e = doc.get("ensemble")
    if e and e.get("modes"):
        pass  # the ensemble table follows
    elif e and "error" not in e:
        sp = e.get("speedup")
        out.append(
            f"- ensemble: {e['members']} members of {e['case']} in {e['wall_s']:.1f} s "
            f"({e['members_per_s']:.3f} members/s) vs SWMM sequential "
            f"{_num(e.get('swmm_sequential_s'), '{:.1f}')} s: "
            f"{_num(sp, '{:.2f}x')}; agrees {'yes' if e.get('agrees') else '**no**'}; "
            f"memory per member (largest worker) {e.get('worker_peak_rss_mb', 0):.0f} MiB vs "
            f"{_num(e.get('swmm_peak_rss_mb'), '{:.0f}')} MiB for a SWMM process."
        )
    elif e:
        out.append(f"- ensemble: not measured ({e['error']})")
    return out


def update_readme(readme, table: str, heading: str = "## Performance") -> Path:
    """Put ``table`` between the BENCH markers of ``readme``; add them if absent.

    Absent markers go at the end of the file under ``heading`` (added if missing);
    nothing outside the markers changes otherwise.
    """
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    block = f"{START}\n{table.rstrip()}\n{END}"
    if START in text and END in text:
        pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), flags=re.S)
        text = pattern.sub(lambda _m: block, text, count=1)
    else:
        if not re.search(rf"^{re.escape(heading)}\s*$", text, flags=re.M):
            text = text.rstrip("\n") + f"\n\n{heading}\n"
        text = text.rstrip("\n") + f"\n\n{block}\n"
    return _atomic_write(readme, text)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path) -> Path:
    plt = _pyplot()
    fig.tight_layout()
    path = Path(path)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format=path.suffix.lstrip(".") or "png")
    finally:
        plt.close(fig)
    from twin.files import write_bytes

    return write_bytes(path, buf.getbuffer())


def plot_scaling(doc: dict, path) -> Path:
    """Log-log wall time against conduits for both engines (cases both ran).

    4 h runs are joined by lines; shorter runs (the 1 h 100k district) are squares
    labelled with their simulated hours.  Points whose twin run did not agree with
    SWMM are drawn hollow; cases that did not run on both engines are named in a note.
    """
    plt = _pyplot()
    both = [c for c in doc["cases"] if c.get("swmm_s") and c.get("twin_s")]
    rows = sorted((c for c in both if c.get("duration_h") == 4.0), key=lambda c: c["conduits"])
    short = [c for c in both if c.get("duration_h") != 4.0]
    skipped = [c for c in doc["cases"] if not (c.get("swmm_s") and c.get("twin_s"))]
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=120)
    for key, label, color in (("swmm_s", "EPA SWMM 5.2.4", "tab:gray"), ("twin_s", "twin",
                                                                          "tab:blue")):  # fmt: skip
        pts = [(c["conduits"], c[key], c.get("agrees")) for c in rows if c.get(key)]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "-", color=color, label=label)
        for x, y, ok in pts:
            hollow = key == "twin_s" and not ok
            ax.plot(x, y, "o", color=color, mfc="white" if hollow else color)
        for c in short:
            hollow = key == "twin_s" and not c.get("agrees")
            ax.plot(c["conduits"], c[key], "s", color=color, mfc="white" if hollow else color)
    for c in rows:
        ax.annotate(c["case"], (c["conduits"], c["twin_s"]), textcoords="offset points",
                    xytext=(4, 6), fontsize=7, color="tab:blue")  # fmt: skip
    for c in short:
        ax.annotate(f"{c['case']} ({c['duration_h']:g} h)", (c["conduits"], c["twin_s"]),
                    textcoords="offset points", xytext=(-4, 8), ha="right", fontsize=7,
                    color="tab:blue")  # fmt: skip
    if skipped:
        note = "not both run: " + ", ".join(c["case"] for c in skipped)
        ax.text(0.99, 0.02, note, transform=ax.transAxes, ha="right", fontsize=7, color="0.3")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("conduits")
    ax.set_ylabel("wall time of a run [s] (lines: 4 h storm)")
    ax.set_title("Scaling (hollow: twin disagreed with SWMM)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return _save(fig, path)


def plot_throughput(doc: dict, path) -> Path:
    """Link-steps per second of both engines per case (bars)."""
    plt = _pyplot()
    rows = [c for c in doc["cases"] if (c.get("swmm") or c.get("twin"))]
    fig, ax = plt.subplots(figsize=(7.0, 4.2), dpi=120)
    width = 0.4
    for k, (key, label, color) in enumerate((("swmm", "EPA SWMM 5.2.4", "tab:gray"),
                                             ("twin", "twin", "tab:blue"))):  # fmt: skip
        vals = [((c.get(key) or {}).get("link_steps_per_s") or 0.0) for c in rows]
        ax.bar([i + (k - 0.5) * width for i in range(len(rows))], vals, width, label=label,
               color=color)  # fmt: skip
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([c["case"] for c in rows], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("link-steps per second")
    ax.set_title("Routing throughput (links x routing steps / wall time)", fontsize=10)
    ax.legend()
    ax.grid(True, axis="y", which="both", alpha=0.3)
    return _save(fig, path)


def plot_ensemble(doc: dict, path) -> Path:
    """Members per minute of each way of running the ensemble (horizontal bars).

    SWMM grey, twin blue; a twin way that did not agree with SWMM (or lost members)
    is hatched and says so; a way that did not run is named with no bar.
    """
    plt = _pyplot()
    e = doc.get("ensemble") or {}
    rows = e.get("modes") or []
    fig, ax = plt.subplots(figsize=(7.0, 0.6 * max(len(rows), 1) + 1.6), dpi=120)
    for i, r in enumerate(rows):
        rate = r.get("members_per_min") or 0.0
        bad = r.get("engine") == "twin" and not r.get("agrees")
        ax.barh(i, rate, color="tab:gray" if r.get("engine") == "swmm" else "tab:blue",
                hatch="//" if bad else None, edgecolor="white" if bad else None)  # fmt: skip
        if r.get("wall_s"):
            text = f" {rate:.1f}/min"
            if r.get("speedup") is not None and r["mode"] != "swmm-sequential":
                text += f" ({r['speedup']:.2f}x SWMM seq.)"
            text += " - disagrees" if bad else ""
        else:
            text = " did not run"
        ax.text(rate, i, text, va="center", fontsize=7)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r["label"] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("members per minute")
    top = max((r.get("members_per_min") or 0.0 for r in rows), default=0.0)
    ax.set_xlim(0.0, 1.8 * top if top > 0 else 1.0)
    title = f"Ensemble: {e.get('members', '?')} members of {e.get('case', '?')}"
    ax.set_title(title + f", {_num(e.get('duration_h'), '{:g}')} h each", fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    return _save(fig, path)
