"""Corrupted .inp files: the reader raises InputError or succeeds, never anything else."""

from __future__ import annotations

import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corpus import PYSWMM_DATA
from twin.errors import InputError
from twin.networks.inp_reader import read_inp_text

SOURCES = [
    (Path(__file__).parent / "data" / "features_si.inp").read_text(),
    (PYSWMM_DATA / "model_full_features.inp").read_text(),
    (PYSWMM_DATA / "model_storage_pump.inp").read_text(),
    (PYSWMM_DATA / "model_lids.inp").read_text(),
    # [TRANSECTS] and culvert codes (issue 19)
    (Path(__file__).parents[1] / "engine" / "data" / "transects.inp").read_text(),
    (Path(__file__).parents[1] / "engine" / "data" / "culverts.inp").read_text(),
    # [HYDROGRAPHS] (both line forms) and [RDII] (issue 19)
    (Path(__file__).parents[1] / "engine" / "data" / "rdii_us.inp").read_text(),
    (Path(__file__).parents[1] / "engine" / "data" / "adjustments_us.inp").read_text(),
    # [AQUIFERS] and [GROUNDWATER] (issue 19)
    (Path(__file__).parents[1] / "engine" / "data" / "groundwater_us.inp").read_text(),
    (Path(__file__).parents[1] / "engine" / "data" / "groundwater_cms.inp").read_text(),
    (Path(__file__).parents[1] / "engine" / "data" / "groundwater_gwf.inp").read_text(),
    # [STREETS] (issue 19)
    (Path(__file__).parents[1] / "engine" / "data" / "streets.inp").read_text(),
    # [LID_CONTROLS] and [LID_USAGE] (issue 19)
    (Path(__file__).parents[1] / "engine" / "data" / "lids_us.inp").read_text(),
    (Path(__file__).parents[1] / "engine" / "data" / "lids_si.inp").read_text(),
    # LIDs with [ADJUSTMENTS] patterns, over aquifers, clogging with regeneration and a
    # report file, drain outlet and pervious share on one [LID_USAGE] line; SI climate file
    (Path(__file__).parents[1] / "engine" / "data" / "lids_adjust.inp").read_text(),
    (Path(__file__).parents[1] / "engine" / "data" / "lids_groundwater.inp").read_text(),
    (Path(__file__).parents[1] / "engine" / "data" / "lids_clogging.inp")
    .read_text()
    .replace("P1 Pave 1 1000 30 0 100 0", 'P1 Pave 1 1000 30 0 100 0 "pave report.txt" J1 10'),
    (Path(__file__).parents[1] / "engine" / "data" / "evaporation_climate_si.inp").read_text(),
]
JUNK = [
    "abc",
    "-1",
    "1e999",
    "nan",
    "*",
    '"',
    '""',
    "[",
    "[JUNCTIONS]",
    ";",
    "0",
    "-0.0",
    "1/1/2000",
    "25:61",
    "YES",
    "\t",
    "\x00",
    "\u00e9t\u00e9",
    "1e-400",
    "99999999999999999",
]
KINDS = [
    "delete_token",
    "duplicate_token",
    "swap_tokens",
    "junk_token",
    "cut_line",
    "insert_bytes",
    "delete_line",
    "duplicate_line",
    "swap_lines",
]


def mutate(text: str, data) -> str:
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(1, 4), label="n_mutations")):
        kind = data.draw(st.sampled_from(KINDS), label="kind")
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        toks = lines[i].split()
        if kind == "insert_bytes":
            raw = data.draw(st.binary(min_size=1, max_size=8), label="bytes")
            pos = data.draw(st.integers(0, len(lines[i])), label="pos")
            lines[i] = lines[i][:pos] + raw.decode("latin-1") + lines[i][pos:]
        elif kind == "cut_line":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])), label="cut")]
        elif kind == "delete_line":
            del lines[i]
        elif kind == "duplicate_line":
            lines.insert(i, lines[i])
        elif kind == "swap_lines":
            k = data.draw(st.integers(0, len(lines) - 1), label="other")
            lines[i], lines[k] = lines[k], lines[i]
        elif toks:
            a = data.draw(st.integers(0, len(toks) - 1), label="tok")
            if kind == "delete_token":
                del toks[a]
            elif kind == "duplicate_token":
                toks.insert(a, toks[a])
            elif kind == "swap_tokens":
                b = data.draw(st.integers(0, len(toks) - 1), label="tok2")
                toks[a], toks[b] = toks[b], toks[a]
            else:
                toks[a] = data.draw(st.sampled_from(JUNK), label="junk")
            lines[i] = "  ".join(toks)
        if not lines:
            lines = [""]
    return "\n".join(lines)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(src=st.sampled_from(range(len(SOURCES))), data=st.data())
def test_corrupted_files_raise_only_input_error(src, data):
    text = mutate(SOURCES[src], data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            net = read_inp_text(text, source="fuzz.inp")
        except InputError as e:
            assert e.file == "fuzz.inp" and str(e)
            return
    assert net.n_nodes == len(net.nodes.name)


def test_mutations_do_make_errors():
    """The fuzzer reaches the error paths (guard against a vacuous test)."""
    bad = SOURCES[1].replace("244.63", "2x44")
    try:
        read_inp_text(bad, source="fuzz.inp")
    except InputError as e:
        assert e.field == "Length"
    else:
        raise AssertionError("junk length accepted")
