"""`twin serve` on bad input (one line, exit 2) and its door: token, read-only, no CDN."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

import twin

TOKEN = "s3cret-token-for-tests"


def _serve(*args, timeout=60):
    cmd = [sys.executable, "-m", "twin.cli", "serve", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _one_error_line(r, *words):
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("twin: error: "), r.stderr
    for w in words:
        assert w in lines[0], lines[0]


def _get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers


def test_not_a_results_file_or_watch_folder(tmp_path):
    text = tmp_path / "notes.nc"
    text.write_text("not a netcdf file\n")
    _one_error_line(_serve(text, "--port", "0"), "notes.nc", "not a readable NetCDF")
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_error_line(
        _serve(empty, "--port", "0"), "empty", "not a results file, ensemble file or watch folder"
    )
    _one_error_line(_serve(tmp_path / "missing.nc", "--port", "0"), "missing.nc", "no such file")


def test_watch_folder_without_its_network(tmp_path):
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "warnings.jsonl").write_text("")
    _one_error_line(_serve(folder, "--port", "0"), "--network")


def test_newer_results_schema(results_file, tmp_path):
    ds = twin.open_results(results_file).load()
    ds.attrs["results_schema"] = "sewer-twin results 9"
    newer = tmp_path / "newer.nc"
    ds.to_netcdf(newer, engine="h5netcdf")
    _one_error_line(_serve(newer, "--port", "0"), "newer.nc", "newer sewer-twin", "results 9")


def test_port_in_use(results_file):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        _one_error_line(_serve(results_file, "--port", port), f"port {port}", "in use")


def test_network_bind_needs_a_token(results_file):
    _one_error_line(_serve(results_file, "--host", "0.0.0.0", "--port", "0"), "--token")
    _one_error_line(_serve(results_file, "--token", "short", "--port", "0"), "--token")


def test_token_and_read_only(results_file, serve):
    s = serve(results_file, "--host", "0.0.0.0", "--token", TOKEN)
    base = f"http://127.0.0.1:{s.port}"
    for path in ("/", "/api/meta", "/api/network", "/static/js/main.js",
                 "/static/vendor/leaflet/leaflet.js", "/api/events"):  # fmt: skip
        status, body, _ = _get(base + path)
        assert status == 401, path
    assert _get(base + "/api/meta", {"Authorization": "Bearer wrong-token-xxxx"})[0] == 401
    assert _get(base + "/api/meta", {"Authorization": f"Bearer {TOKEN}"})[0] == 200
    status, page, headers = _get(f"{base}/?token={TOKEN}")
    assert status == 200 and "twin_token=" in headers["set-cookie"]
    assert "HttpOnly" in headers["set-cookie"]
    cookie = headers["set-cookie"].split(";")[0]
    assert _get(base + "/static/js/main.js", {"Cookie": cookie})[0] == 200
    # read-only: nothing but GET and HEAD
    req = urllib.request.Request(base + "/api/meta", data=b"{}", method="POST",
                                 headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 405
    # every asset of the page is its own: no address of another site in it
    assert b"http" not in page.replace(b'charset="utf-8"', b"")
    assert "default-src 'self'" in headers["content-security-policy"]
