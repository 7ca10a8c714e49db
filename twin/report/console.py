"""The summary report as rich tables that fit the terminal without cutting a value.

Numbers, times and element names are never shortened (widths are counted in terminal
cells, so a Korean name takes two per character).  A table wider than the
console first wraps its headers (at spaces) and its free text (titles, paths, error
messages); when even that does not fit, its columns go into several tables one
under the other, each repeating the name column, as R and pandas print a wide
frame.  A console too narrow for a name beside even one value gets the table as
records (the name on a line, then a line per value).  Only a single word longer than
the whole console (a very long file path) is folded onto a second line, never cut.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import xarray as xr
from rich.cells import cell_len

from twin.report.table_data import Column, Table
from twin.report.tables import report_tables
from twin.report.text import format_cell, is_numeric

__all__ = ["print_report", "column_widths", "column_blocks", "fits"]

#: Width a column adds beside its text: one space of padding each side and a rule.
COLUMN_OVERHEAD = 3


class Width(NamedTuple):
    """A column's text width: ``natural`` on one line; ``least`` with headers and free
    text wrapped at spaces; ``hard`` the least with words longer than the console
    folded.  Numbers, times and element names are whole in all three."""

    natural: int
    least: int
    hard: int


_TOKEN = re.compile(r"^[-+]?(\d[\d,]*\.?\d*(e[-+]?\d+)?|\d{4}-\d\d-\d\d[ T][\d:.]+)$")


def _is_free_text(col: Column) -> bool:
    """Text that may wrap at spaces (labels, titles, paths, messages), unlike numbers,
    times and the names and kinds of elements."""
    return col.fmt in ("s", "v") and col.name not in ("Name", "Type")


def _longest_word(text: str) -> int:
    return max((cell_len(w) for w in text.split()), default=0)


def column_widths(table: Table, cells: list[list[str]]) -> list[Width]:
    """:class:`Width` of each column of ``table`` showing the formatted ``cells``."""
    out = []
    for j, c in enumerate(table.columns):
        values = [r[j] for r in cells]
        unit = f"[{c.unit}]" if c.unit else ""
        natural = max(cell_len(c.name), cell_len(unit), *(cell_len(v) for v in values))
        header = max(_longest_word(c.name), cell_len(unit), 1)
        if _is_free_text(c):
            # a number or a time in a text column keeps its characters together
            hard = max((cell_len(v) for v in values if _TOKEN.match(v)), default=1)
            least = max(header, hard, *(_longest_word(v) for v in values))
            hard = max(hard, min(header, 8))
        else:
            least = hard = max(header, *(cell_len(v) for v in values))
        out.append(Width(natural, least, hard))
    return out


def _key_columns(table: Table) -> list[int]:
    """The columns every block repeats: up to and including ``Name`` in the first two."""
    names = [c.name for c in table.columns[:2]]
    return list(range(names.index("Name") + 1)) if "Name" in names else [0]


def _span(widths) -> int:
    return sum(widths) + COLUMN_OVERHEAD * len(widths) + 1


def _fit(natural: list[int], least: list[int], room: int) -> list[int]:
    """Widths between ``least`` and ``natural`` whose table spans at most ``room``
    (the widest column that can give way does, one character at a time); ``least``
    when nothing fits."""
    widths = list(natural)
    while _span(widths) > room:
        can = [k for k in range(len(widths)) if widths[k] > least[k]]
        if not can:
            break
        widths[max(can, key=lambda k: widths[k])] -= 1
    return widths


def column_blocks(
    table: Table, widths: list[Width], room: int
) -> list[tuple[list[int], list[int]]]:
    """Split the columns of ``table`` into blocks that each span at most ``room``
    characters: ``[(column indices, their widths), ...]``, the key columns in each."""
    keys = _key_columns(table)
    rest = [j for j in range(len(table.columns)) if j not in keys]
    least = [w.least for w in widths]
    blocks, current = [], []
    for j in rest:
        trial = keys + current + [j]
        if current and _span([least[k] for k in trial]) > room:
            blocks.append(current)
            current = []
        current.append(j)
    if current or not blocks:
        blocks.append(current)
    out = []
    for block in blocks:
        cols = keys + block
        fitted = _fit([widths[k].natural for k in cols], [least[k] for k in cols], room)
        # a word wider than the whole console is folded onto the next line
        fitted = _fit(fitted, [widths[k].hard for k in cols], room)
        out.append((cols, fitted))
    return out


def fits(blocks, room: int) -> bool:
    """True when every block of :func:`column_blocks` spans at most ``room``."""
    return all(_span(widths) <= room for _, widths in blocks)


def _print_records(console, table: Table, cells, caption) -> None:
    """The table as one record per row (name, then a line per value): for a console
    too narrow for a name beside even one value."""
    from rich.text import Text

    console.print(Text(table.title, style="italic"))
    keys = _key_columns(table)
    for r in cells:
        console.print(Text(" ".join(r[j] for j in keys), style="bold"))
        for j, c in enumerate(table.columns):
            if j not in keys:
                unit = f" [{c.unit}]" if c.unit else ""
                console.print(Text(f"  {c.name}{unit}: {r[j]}"))
    if caption:
        console.print(Text(caption))


def _rich_table(table: Table, cells, cols, widths, title, caption):
    from rich.table import Table as RichTable
    from rich.text import Text

    rich = RichTable(title=title, caption=caption, title_justify="left", caption_justify="left")
    for j, w in zip(cols, widths, strict=True):
        c = table.columns[j]
        header = Text(f"{c.name}\n[{c.unit}]" if c.unit else c.name)
        rich.add_column(header, justify="right" if is_numeric(c) else "left", width=w,
                        overflow="fold")  # fmt: skip
    for r in cells:
        rich.add_row(*(Text(r[j]) for j in cols))
    return rich


def print_report(ds: xr.Dataset, console=None, top: int | None = 20) -> None:
    """Print the summary report as rich tables (at most ``top`` rows per ranked table),
    fitted to the console's width without cutting a value.

    Parameters
    ----------
    ds : xarray.Dataset
        One run's results or an ensemble's.
    console : rich.console.Console, optional
        Where to print (a new Console on standard output by default).
    top : int or None
        Rows per per-element table; ``None`` prints them all.
    """
    from rich.console import Console

    console = console or Console()
    for table in report_tables(ds):
        rows, hidden = table.rows, 0
        if top is not None and table.ranked and len(rows) > top:
            rows, hidden = rows[:top], len(rows) - top
        caption = table.note
        if hidden:
            caption = (caption + " " if caption else "") + f"({hidden} more rows)"
        if not rows:
            console.print(f"[bold]{table.title}[/bold]: {table.note or 'nothing to report.'}")
            continue
        cells = [[format_cell(v, c.fmt) for v, c in zip(r, table.columns, strict=True)]
                 for r in rows]  # fmt: skip
        blocks = column_blocks(table, column_widths(table, cells), console.width)
        if not fits(blocks, console.width):
            _print_records(console, table, cells, caption)
            continue
        for k, (cols, widths) in enumerate(blocks):
            title = table.title if len(blocks) == 1 else f"{table.title} ({k + 1}/{len(blocks)})"
            last = k == len(blocks) - 1
            console.print(_rich_table(table, cells, cols, widths, title,
                                      caption or None if last else None))  # fmt: skip
