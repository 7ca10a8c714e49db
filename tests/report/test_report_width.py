"""The terminal report never cuts a number or a name, at any width.

A real run of the small district under a storm that floods it, with some nodes renamed
to long and Korean names (two terminal cells per character) and large volumes, and a
real ensemble, printed at 40, 80 and 200 columns: every line fits, nothing ends in an
ellipsis, and every name, number and time of every table shows whole in one cell.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from rich.cells import cell_len
from rich.console import Console

import twin
from twin.ensemble import perturbed_forecast, run_ensemble
from twin.report import print_report, report_tables
from twin.report.console import column_blocks, column_widths
from twin.report.text import format_cell
from twin.scenarios import Scenario

WIDTHS = (40, 80, 200)
_TOKEN = re.compile(r"^[-+]?\d[\d.e+-]*$|^\d{4}-\d\d-\d\d[ T][\d:]+$")


@pytest.fixture(scope="module")
def run():
    storm = Scenario.preset("gangnam-110mmh")
    ds = twin.simulate(storm.apply(twin.load_network("small-conduits")), end_hours=1.5)
    names = ds["node"].values.astype(object)
    names[:3] = ["맨홀-강남대로-001", "a-rather-long-manhole-name-0002", "MH_with|pipe"]
    ds = ds.assign_coords(node=names)
    ds["node_flood_volume"] = ds["node_flood_volume"] * 1061.123  # volumes in the 10^5 m3
    assert (ds["node_flood_volume"] > 1e4).any()
    return ds


@pytest.fixture(scope="module")
def ensemble():
    net = twin.load_network("small-conduits")
    members = perturbed_forecast(Scenario.preset("gangnam-110mmh"), 2, sigma=0.4, seed=2)
    return run_ensemble(net, members, scheduler="serial", progress=False, end_hours=1)


def _printed(ds, width, top=None) -> str:
    buf = io.StringIO()
    print_report(ds, console=Console(file=buf, width=width), top=top)
    return buf.getvalue()


def _shown_cells(out: str) -> set[str]:
    """The text of every table cell, and of every record line ("  Label [unit]: value")."""
    shown = set()
    for line in out.splitlines():
        if "│" in line or "┃" in line:
            shown |= {part.strip() for part in re.split("[│┃]", line)}
        else:
            shown.add(line.strip())
            record = re.match(r"^  [^:]+: (.*)$", line)
            if record:
                shown.add(record.group(1).strip())
    return shown


def _whole_values(ds, top=None):
    """Every cell that must show whole: names, kinds, numbers, times."""
    for table in report_tables(ds):
        rows = table.rows[:top] if top and table.ranked else table.rows
        for row in rows:
            for value, col in zip(row, table.columns, strict=True):
                text = format_cell(value, col.fmt)
                if col.fmt not in ("s", "v") or col.name in ("Name", "Type") or _TOKEN.match(text):
                    yield table.title, text


@pytest.mark.parametrize("width", WIDTHS)
def test_every_name_and_number_shows_whole(run, width):
    out = _printed(run, width)
    assert "…" not in out and "..." not in out
    assert max(cell_len(line) for line in out.splitlines()) <= width
    shown = _shown_cells(out)
    missing = [(t, v) for t, v in _whole_values(run) if v not in shown]
    assert not missing, missing[:5]
    assert "맨홀-강남대로-001" in shown and "a-rather-long-manhole-name-0002" in shown


@pytest.mark.parametrize("width", WIDTHS)
def test_ensemble_report_shows_whole_values(ensemble, width):
    out = _printed(ensemble, width, top=10)
    assert "…" not in out
    assert max(cell_len(line) for line in out.splitlines()) <= width
    shown = _shown_cells(out)
    missing = [(t, v) for t, v in _whole_values(ensemble, top=10) if v not in shown]
    assert not missing, missing[:5]
    assert "Manholes at Risk" in out


def test_wide_consoles_keep_each_table_whole_and_narrow_ones_split_it(run):
    wide, narrow = _printed(run, 200), _printed(run, 40)
    assert "(1/" not in wide  # every table fits in 200 columns
    assert "Link Flow Summary (1/" in narrow and "Link Flow Summary (2/" in narrow
    # each block repeats the names, so every part can be read on its own
    section = narrow[narrow.index("Link Flow Summary (1/") : narrow.index("Conduit Surcharge")]
    blocks = re.split(r"Link Flow Summary \(\d/\d\)", section)[1:]
    assert len(blocks) > 1 and all(str(run["link"].values[5]) in b for b in blocks)


def test_free_text_wraps_and_a_path_longer_than_the_console_folds(run):
    ds = run.copy()
    ds.attrs["source"] = "/a/very/long/folder/name/that/is/wider/than/forty/columns/net.inp"
    out = _printed(ds, 40)
    assert max(cell_len(line) for line in out.splitlines()) <= 40
    rows = [re.split("│", ln)[1:3] for ln in out.splitlines() if ln.startswith("│")]
    start = next(k for k, (label, _) in enumerate(rows) if label.strip() == "Input file")
    pieces = [rows[start][1]]
    for label, value in rows[start + 1 :]:
        if label.strip():
            break
        pieces.append(value)
    assert len(pieces) > 1  # folded onto several lines ...
    assert "".join(p.strip() for p in pieces) == ds.attrs["source"]  # ... and whole


def test_too_narrow_for_a_name_beside_a_value_prints_records(run):
    out = _printed(run, 40)
    long_name = "a-rather-long-manhole-name-0002"
    section = out[out.index("Node Depth Summary") : out.index("Node Inflow Summary")]
    assert "┃" not in section  # records, not a table
    lines = section.splitlines()
    k = lines.index(long_name)
    depth = run["node_max_depth"].sel(node=long_name).item()
    assert f"  Maximum Depth [m]: {depth:.3f}" in lines[k + 1 : k + 7]


def test_blocks_fit_the_room_and_keep_the_key_columns(run):
    for table in report_tables(run):
        cells = [[format_cell(v, c.fmt) for v, c in zip(r, table.columns, strict=True)]
                 for r in table.rows]  # fmt: skip
        if not cells:
            continue
        widths = column_widths(table, cells)
        for room in (30, 40, 80, 200):
            blocks = column_blocks(table, widths, room)
            seen = sorted({j for cols, _ in blocks for j in cols})
            assert seen == list(range(len(table.columns)))
            for cols, fitted in blocks:
                assert cols[0] == 0
                for j, w in zip(cols, fitted, strict=True):
                    assert w >= widths[j].hard  # numbers and names never narrower
                if all(widths[j].least == widths[j].hard for j in cols):
                    assert sum(fitted) + 3 * len(fitted) + 1 <= max(room, _least_span(widths))


def _least_span(widths) -> int:
    return int(np.sum([w.hard for w in widths])) + 3 * len(widths) + 1
