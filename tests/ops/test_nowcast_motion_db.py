"""The radar nowcast's optical flow on the frames' dB (``motion_input="db"``, round 16):
against the generator's own motion of the radar twin experiment's storm field."""

import numpy as np
import pytest

import twin
from twin.engine.options import SimOptions
from twin.errors import InputError
from twin.ops.nowcast import (
    MOTION,
    SPREAD_FRAMES,
    WATCH_MOTION_INPUT,
    RadarRain,
    motion_frames,
    watch_motion_input_default,
)

pytest.importorskip("pysteps")


def _storm_radar(seed):
    """``(net, start, radar frames, true motion (u, v) [cells per frame])``: the radar twin
    experiment's advected, evolving storm of ``seed`` on the small town's 64 x 64 grid of
    1-km cells, as its noisy radar sees it."""
    from twin.validation.radar_twin import draw, radar_view, storm_frames

    net = twin.load_network("small")
    storm = draw(seed)
    frames = storm_frames(net, storm, seed=seed)
    true = storm.speed_mps * 300.0 / 1000.0 * np.array([np.cos(storm.direction_rad),
                                                        np.sin(storm.direction_rad)])  # fmt: skip
    return net, SimOptions.from_network(net).start, radar_view(frames, seed=seed), true


def _motion_near_town(radar, now_s):
    """The nowcast's 5-pair motion (u, v) [cells per frame] averaged over the cells within
    20 km of the town where the last frame rains."""
    from pysteps import motion

    past, recent = radar._past(now_s), radar._past(now_s, SPREAD_FRAMES)
    v, _ = radar._motion(motion.get_method(MOTION), past, recent)
    ny, nx = v.shape[1:]
    yy, xx = np.mgrid[0:ny, 0:nx]
    near = np.hypot(yy - (ny - 1) / 2.0, xx - (nx - 1) / 2.0) <= 20.0
    return v[:, near & (recent[-1] > radar.threshold)].mean(axis=1)


def test_db_motion_follows_the_generated_storm():
    """Seed 15 (13.7 m/s toward 31 deg): over 00:50-01:10 the flow of the rate's 5 pairs
    pointed backwards (direction error 144-150 deg, one pair's Proesmans flow diverging to
    -20 to -27 cells per frame); on the dB the motion is within 3 % and 5 deg of the
    generator's (benchmarks/results/watch-motion-seen.json)."""
    net, start, frames, true = _storm_radar(15)
    db = RadarRain(frames, net, start, motion_pairs=5, motion_input="db")
    sp = float(np.hypot(*true))
    for now_min in (50, 60, 70):
        est = _motion_near_town(db, now_min * 60.0)
        along = float(est @ true) / sp**2
        angle = np.degrees(np.arctan2(est[1], est[0]) - np.arctan2(true[1], true[0]))
        assert 0.9 <= along <= 1.1, (now_min, along)
        assert abs((angle + 180.0) % 360.0 - 180.0) <= 8.0, (now_min, angle)


def test_rate_is_the_default_and_db_is_decibels():
    net, start, frames, _ = _storm_radar(1)
    assert RadarRain(frames, net, start).motion_input == "rate"  # as before round 16
    # twin watch's since round 16 with the extrapolation (held-out seeds 34-36); STEPS as before
    assert watch_motion_input_default("extrapolation") == WATCH_MOTION_INPUT == "db"
    assert watch_motion_input_default("steps") == "rate"
    assert watch_motion_input_default("extrapolation", "rate") == "rate"
    f = np.array([[[10.0, 100.0], [0.05, np.nan]]])
    assert np.array_equal(motion_frames(f, "rate"), f, equal_nan=True)
    assert np.allclose(motion_frames(f, "db", 0.1), [[[10.0, 20.0], [-15.0, -15.0]]])
    assert np.allclose(motion_frames(f, "db", 20.0), [[[-15.0, 20.0], [-15.0, -15.0]]])
    with pytest.raises(InputError, match="motion input"):
        RadarRain(frames, net, start, motion_input="log")
    with pytest.raises(InputError, match="motion input"):
        motion_frames(f, "dbz")


def test_twin_watch_motion_input_runs_and_needs_the_radar(tmp_path):
    """``twin watch --radar DIR --motion-input db`` runs; ``--motion-input`` without
    ``--radar`` is one line naming the option, exit 2, nothing written."""
    import subprocess
    import sys

    from tests.radar_cells import passing_cell_folder
    from twin.cli import main

    folder = passing_cell_folder(tmp_path / "radar")
    (tmp_path / "s.toml").write_text(
        '[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = 0.01\n'
    )
    rows = "".join(f"2024-07-15T00:{k:02d}:00,L1,0.06\n" for k in range(1, 11))
    (tmp_path / "a.csv").write_text("time,sensor,value\n" + rows)
    out = tmp_path / "out"
    args = ["watch", "small", "--sensors", str(tmp_path / "s.toml"), "--observations",
            str(tmp_path / "a.csv"), "--radar", str(folder), "--motion-input", "db",
            "--replay", "--members", "2", "--horizon-min", "10", "-o", str(out)]  # fmt: skip
    assert main(args) == 0
    assert (out / "watch.json").exists()
    bad = ["watch", "small", "--sensors", str(tmp_path / "s.toml"), "--motion-input", "db",
           "-o", str(tmp_path / "w")]  # fmt: skip
    r = subprocess.run([sys.executable, "-m", "twin.cli", *bad], capture_output=True,
                       text=True, timeout=120)  # fmt: skip
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "--motion-input" in lines[0], r.stderr
    assert not (tmp_path / "w").exists()
