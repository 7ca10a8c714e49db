"""`twin watch` numbers out of range: one line, exit 2, nothing written."""

import pytest

from twin.cli import main


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [
        ("--members", "0", "members"),
        ("--members", "1000000000", "members"),
        ("--cycle-min", "0", "cycle_min"),
        ("--cycle-min", "inf", "cycle_min"),
        ("--horizon-min", "nan", "horizon_min"),
        ("--horizon-min", "1e300", "horizon_min"),
        ("--horizon-min", "-5", "horizon_min"),
    ],
)
def test_watch_numbers_out_of_range_are_one_line(tmp_path, capsys, option, value, field):
    sensors = tmp_path / "s.toml"
    sensors.write_text('[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = 0.01\n')
    out = tmp_path / "out"
    code = main(["watch", "small", "--sensors", str(sensors), option, value, "-o", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith("twin: error:") and f"'{field}'" in err[0], err
    assert not out.exists()


@pytest.mark.parametrize("other", ["--no-assimilation", "--nudging", "--advise"])
def test_conduit_estimation_needs_the_ensemble_filter(tmp_path, capsys, other):
    sensors = tmp_path / "s.toml"
    sensors.write_text('[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = 0.01\n')
    out = tmp_path / "out"
    code = main(["watch", "small", "--sensors", str(sensors), "--conduits", other, "-o", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "'--conduits'" in err[0], err
    assert not out.exists()


@pytest.mark.parametrize("other", ["--no-assimilation", "--nudging"])
def test_a_robust_observation_error_needs_the_ensemble_filter(tmp_path, capsys, other):
    sensors = tmp_path / "s.toml"
    sensors.write_text('[[sensor]]\nid = "L1"\nnode = "MH000031"\nquantity = "depth"\nsd = 0.01\n')
    out = tmp_path / "out"
    code = main(["watch", "small", "--sensors", str(sensors), "--obs-error", "huber", other,
                 "-o", str(out)])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "'--obs-error'" in err[0], err
    assert not out.exists()
