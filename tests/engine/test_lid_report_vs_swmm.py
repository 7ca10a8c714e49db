"""SWMM's detailed LID report files ([LID_USAGE] RptFile) against the ones EPA SWMM 5.2 writes.

``lids_us.inp`` (``tests/engine/data``: every LID type, two storms with dry hours
between, so that SWMM's shortening of dry stretches acts) and ``lids_si.inp`` (SI
units), with a report file named for each of their units: SWMM and twin each write
their own set, compared byte for byte (heading, units, every row's date, elapsed hours,
rates, levels and moisture).  A relative name resolves against the working directory as
SWMM's ``fopen`` does; a file in a missing folder is refused naming file, line, section
and field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import twin

DATA = Path(__file__).parent / "data"


def _with_report_files(text: str, name_of) -> str:
    """``text`` with every [LID_USAGE] line naming the file ``name_of(i)`` (i-th unit)."""
    head, tail = text.split("[LID_USAGE]\n", 1)
    usage, rest = tail.split("\n[", 1)
    lines = []
    for i, line in enumerate(ln for ln in usage.splitlines() if ln.split()):
        toks = line.split()
        toks += ["*"] * max(0, 10 - len(toks))
        toks[8] = f'"{name_of(i)}"'
        lines.append(" ".join(toks))
    return head + "[LID_USAGE]\n" + "\n".join(lines) + "\n[" + rest


@pytest.mark.swmm
@pytest.mark.parametrize(("model", "units"), [("lids_us.inp", 10), ("lids_si.inp", 5)])
def test_lid_report_files_are_swmms_byte_for_byte(tmp_path, model, units):
    from twin.validation.swmm_run import run_swmm

    text = (DATA / model).read_text()
    for who in ("swmm", "twin"):
        (tmp_path / who).mkdir()
        inp = tmp_path / f"{who}.inp"
        inp.write_text(_with_report_files(text, lambda i, w=who: tmp_path / w / f"unit {i}.txt"))
    run_swmm(tmp_path / "swmm.inp")
    twin.simulate(twin.load_network(tmp_path / "twin.inp"))
    theirs = sorted((tmp_path / "swmm").iterdir())
    assert len(theirs) == units
    rows = []
    for path in theirs:
        ref = path.read_bytes()
        ours = (tmp_path / "twin" / path.name).read_bytes()
        assert ours == ref, path.name
        rows.append(ref.count(b"\n"))
    assert min(rows) > 100 and min(rows) < 0.5 * max(rows)  # dry stretches shortened


def test_a_relative_report_file_is_opened_as_swmm_opens_it(tmp_path, monkeypatch):
    """Relative to the working directory (not the input file's folder); a missing
    folder is refused with the file, line, section and field named."""
    from twin.errors import InputError

    text = (DATA / "lids_si.inp").read_text()
    old = "A3 Trench 1 500 15 0 70 0"
    (tmp_path / "model").mkdir()
    (tmp_path / "run" / "lid").mkdir(parents=True)
    inp = tmp_path / "model" / "m.inp"
    inp.write_text(text.replace(old, old + " lid/trench.txt"))
    monkeypatch.chdir(tmp_path / "run")
    twin.simulate(twin.load_network(inp), end_hours=2.0)
    rows = (tmp_path / "run" / "lid" / "trench.txt").read_text().splitlines()
    assert rows[3] == "LID Unit: Trench in Subcatchment A3"
    assert rows[-1].startswith(" 09/10/2022 02:00:00\t    2.000\t")
    assert not (tmp_path / "model" / "lid").exists()
    inp.write_text(text.replace(old, old + " nowhere/trench.txt"))
    with pytest.raises(InputError, match="nowhere") as err:
        twin.simulate(twin.load_network(inp), end_hours=0.1)
    e = err.value
    line = text.splitlines().index(old) + 1
    assert (Path(e.file).name, e.line, e.section, e.field) == ("m.inp", line, "LID_USAGE",
                                                               "RptFile")  # fmt: skip
