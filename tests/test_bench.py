"""`ocean bench` and the benchmark scripts print their tables. What the numbers are is the
benchmarks' business, not the tests': these check the rows and columns, never a speed."""
import subprocess
import sys

import pytest

from conftest import ROOT
from ocean.cli import main


def script(name, *args):
    """The stdout lines of `python benchmarks/<name> ARGS`, which must succeed."""
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / name), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_bench_prints_raw_c_against_env_step(capsys):
    main(["bench", "pong", "--seconds", "0.05"])
    machine, header, *rows = capsys.readouterr().out.splitlines()
    assert "logical cores" in machine and "Python" in machine
    assert header.split() == ["env", "config", "agents", "raw", "C", "(M/s)", "env.step",
                              "(M/s)", "Python", "share"]
    (row,) = rows
    name, config, agents, raw, step, share = row.split()
    assert (name, config, agents) == ("pong", "default", "4096")
    assert float(raw) > 0 and float(step) > 0 and share.endswith("%")


def test_bench_times_every_game_by_default(capsys):
    main(["bench", "--seconds", "0.01"])
    rows = capsys.readouterr().out.splitlines()[2:]
    assert [row.split()[:2] for row in rows] == [[name, "default"] for name in
                                                 ["pong", "breakout", "snake", "maze"]]


@pytest.mark.parametrize("args, message", [
    (["--backend", "multiprocess"], "unrecognized arguments: --backend"),
    (["--workers", "1,2"], "unrecognized arguments: --workers"),
])
def test_bench_has_no_multiprocess_study(capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "pong", *args])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_bench_unknown_env_lists_the_valid_names():
    with pytest.raises(SystemExit, match="unknown env 'pongg'; valid names: pong, breakout"):
        main(["bench", "pongg"])


def test_games_script_times_reference_configs_and_maze_generation():
    lines = script("games.py", "snake", "maze", "--num-envs", "1024", "--seconds", "0.01")
    rows = [line.split()[:3] for line in lines[2:8]]
    assert rows == [["snake", "default", "16384"],  # 16 snakes per env
                    ["snake", "num_snakes=256", "width=640"],  # 16 envs, whatever --num-envs
                    ["snake", "num_snakes=65536", "width=260"],  # 1 env, crowded
                    ["maze", "default", "1024"], ["maze", "size=16", "keys=1"],
                    ["maze", "size=32", "1024"]]
    assert lines[8].startswith("maze generation alone")
    for size, line in zip((8, 16, 32, 64), lines[9:]):
        assert line.split()[:2] == ["size", f"{size}:"] and "resets/s" in line
    assert len(lines) == 13


def test_multiprocess_scaling_prints_a_row_per_worker_count():
    lines = script("multiprocess_scaling.py", "pong", "--workers", "1,2,3",
                   "--seconds", "0.01", "--rounds", "3")
    rows = lines[3:]  # after the machine, cores and header lines
    assert len(rows) == 4 and rows[0].split()[:4] == ["pong", "default", "4096", "serial"]
    assert " 1 worker " in rows[1] and rows[1].endswith("1.00x")  # against itself
    assert " 2 workers " in rows[2]
    assert " 3 workers " in rows[3] and "does not split" in rows[3]  # 4096 over 3


def test_multiprocess_timing_prints_a_row_per_reaction():
    lines = script("multiprocess_timing.py", "--rounds", "1")
    assert lines[2].split()[:3] == ["reaction", "median", "s"]
    rows = lines[3:]  # after the machine, setup and header lines
    assert [row[:52].rstrip() for row in rows] == [
        "killed worker to WorkerError (parent steps block 0)",
        "killed worker to WorkerError (every block a process)",
        "close() until every worker exited", "killed parent until its segment is unlinked",
        "killed parent until its workers exited", "spinning beside 2 busy processes per core"]
    assert all(float(row[52:].split()[0]) >= 0 for row in rows)
