"""`twin check` and `twin info` refuse what is not a network, without echoing it, and
`check` names referenced files that do not exist (issue 15, item 10)."""

from __future__ import annotations

import os

import pytest

from twin.cli import main
from twin.networks.check import check_network
from twin.networks.inp_reader import read_inp

PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        PASSWD.encode(),
        os.urandom(4096),
        b"[secret-token-abc]\nvalue\n",  # a bracketed first line: still not echoed
        b"\x00\x01\x02" * 100,
        b"[TITLE]\njust a title\n[OPTIONS]\nFLOW_UNITS CMS\n",  # sections, but no elements
    ],
    ids=["empty", "passwd", "random", "bracket", "binary", "no-elements"],
)
@pytest.mark.parametrize("command", ["check", "info"])
def test_not_a_network_is_one_line_exit_2(tmp_path, capsys, content, command):
    path = tmp_path / "thing.inp"
    path.write_bytes(content)
    rc = main([command, str(path)])
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("twin: error: "), out.err
    assert "not a SWMM" in lines[0]
    for secret in ("root:x", "secret-token", "daemon"):
        assert secret not in out.err and secret not in out.out
    assert "finding" not in out.out  # no "0 finding(s)"


NET = """[OPTIONS]
FLOW_UNITS CMS
[RAINGAGES]
RG INTENSITY 0:15 1.0 FILE "rain-missing.dat" STA1 MM
RG2 INTENSITY 0:15 1.0 TIMESERIES TS
[SUBCATCHMENTS]
S1 RG J1 1 50 100 1 0
S2 RG2 J1 1 50 100 1 0
[JUNCTIONS]
J1 10 2
[OUTFALLS]
O1 9 FREE
[CONDUITS]
C1 J1 O1 100 0.013 0 0
[XSECTIONS]
C1 CIRCULAR 1 0 0 0
[INFLOWS]
J1 FLOW TS2
[TIMESERIES]
TS 0:00 1
TS 1:00 0
TS2 FILE "inflow-here.dat"
[FILES]
USE INFLOWS "missing-interface.txt"
"""


def test_check_names_referenced_files_that_do_not_exist(tmp_path, capsys):
    (tmp_path / "inflow-here.dat").write_text("01/01/2024 00:00 1.0\n")
    path = tmp_path / "net.inp"
    path.write_text(NET)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # [FILES] is kept verbatim, with a warning
        net = read_inp(path)
    missing = {(f.kind, f.name) for f in check_network(net) if "does not exist" in f.message}
    assert missing == {("raingage", "RG"), ("network", "[FILES] USE INFLOWS")}
    rc = main(["check", str(path)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "rain-missing.dat" in out and "missing-interface.txt" in out
    assert "inflow-here.dat" not in out  # it exists
