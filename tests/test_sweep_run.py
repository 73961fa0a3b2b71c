"""`ocean sweep` on a tiny Pong, trials as real `ocean train` child processes: the sweep
folder, best.toml back into `ocean train --config`, --resume, failed trials (a crash, over
budget), Ctrl-C, the curve points, and the command's errors."""
import csv
import json
import math
import os
import signal
import threading
import time

import pytest
import torch

from conftest import fails
from ocean.cli import main
from ocean.sweep.trial import curve_points, failure
from ocean.train import config as train_config

# each trial: 8 envs, at most 8192 agent-steps of a Pong that ends at 2 points
TINY = ["--train.num-envs", "8", "--train.num-minibatches", "2", "--train.update-epochs", "1",
        "--policy.hidden", "16", "--env.max-score", "2"]
SPACES = """
[sweep]
random_trials = 1
points = 3
[sweep.train.total_steps]
kind = "log"
integer = true
min = 2048
max = 8192
mean = 4096
[sweep.train.learning_rate]
kind = "log"
min = 1e-4
max = 1e-2
[sweep.train.horizon]
kind = "pow2"
min = 16
max = 64
mean = 32
"""
NAMES = ["train.total_steps", "train.learning_rate", "train.horizon"]


def read_csv(folder):
    with open(folder / "sweep.csv", newline="") as f:
        return list(csv.DictReader(f))


def only_sweep(cwd):
    (folder,) = (cwd / "sweeps").iterdir()
    return folder


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """One trial (the centre), then resumed to two."""
    cwd = tmp_path_factory.mktemp("sweep")
    spaces = cwd / "spaces.toml"
    spaces.write_text(SPACES)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        main(["sweep", "pong", "--trials", "1", "--sweep-config", str(spaces), *TINY])
        folder = only_sweep(cwd)
        first = read_csv(folder)
        main(["sweep", "pong", "--resume", str(folder), "--trials", "2"])
    return folder, first, read_csv(folder)


def test_the_sweep_folder_holds_every_file_and_trial(swept):
    folder, _, rows = swept
    for name in ("sweep.csv", "sweep.json", "best.toml", "front.png", "params.png"):
        assert (folder / name).is_file(), name
    assert not list(folder.rglob("*.tmp"))  # every write went through its rename
    assert (folder / "front.png").read_bytes()[:4] == b"\x89PNG"
    assert list(rows[0]) == ["trial", "point", "failed", "reason", "cost", "agent_steps",
                             "score", *NAMES, "node", "run"]
    assert sorted({int(r["trial"]) for r in rows}) == [0, 1]
    for trial in range(2):
        points = [r for r in rows if int(r["trial"]) == trial]
        assert [r["failed"] for r in points] == ["0"] * len(points) and 1 <= len(points) <= 3
        costs = [float(r["cost"]) for r in points]
        steps = [int(r["agent_steps"]) for r in points]
        assert costs == sorted(costs) and steps == sorted(steps)
        total, batch = int(points[0]["train.total_steps"]), 8 * int(points[0]["train.horizon"])
        assert total <= steps[-1] < total + batch  # the last point: the end (whole batches)
        assert all(math.isfinite(float(r["score"])) for r in points)
        run = folder / points[0]["run"]
        assert (run / "metrics.csv").is_file() and (run / "model.pt").is_file()
        assert run.parent == folder / f"trial-{trial:03d}"


def test_the_first_trial_is_the_centre(swept):
    _, rows, _ = swept
    centre = rows[0]
    assert int(centre["train.total_steps"]) == 4096 and int(centre["train.horizon"]) == 32
    assert float(centre["train.learning_rate"]) == \
        train_config.game_defaults("pong")["train"]["learning_rate"]


def test_resume_keeps_every_row_and_adds_trials(swept):
    folder, first, rows = swept
    assert rows[:len(first)] == first
    assert {r["trial"] for r in first} == {"0"}
    assert {r["trial"] for r in rows[len(first):]} == {"1"}
    plan = json.loads((folder / "sweep.json").read_text())
    assert plan["trials"] == 2 and plan["overrides"] == TINY


def test_best_toml_trains_as_the_best_trial_ran(swept):
    folder, _, rows = swept
    finals = {}
    for row in rows:
        finals[row["trial"]] = row
    best = max(finals.values(), key=lambda r: (float(r["score"]), -float(r["cost"])))
    config = train_config.parse("pong", ["--config", str(folder / "best.toml")])
    assert config.train.total_steps == int(best["train.total_steps"])
    assert config.train.learning_rate == float(best["train.learning_rate"])
    assert config.train.horizon == int(best["train.horizon"])
    assert config.train.num_envs == 8 and config.env.max_score == 2  # the trials' flags
    assert f"trial {best['trial']}," in (folder / "best.toml").read_text()


def test_a_crashing_trial_is_failed_and_the_sweep_goes_on(tmp_path, monkeypatch, capsys):
    """A device this machine lacks: the driver cannot know what the trial's machine has
    (a Ray trial may run on a GPU node), so the trial itself fails."""
    monkeypatch.chdir(tmp_path)
    device = f"cuda:{torch.cuda.device_count()}"
    main(["sweep", "pong", "--trials", "2", *TINY, "--device", device])
    rows = read_csv(only_sweep(tmp_path))
    assert [(r["trial"], r["failed"]) for r in rows] == [("0", "1"), ("1", "1")]
    assert all(r["reason"].startswith("crashed (exit 1)") and device in r["reason"]
               for r in rows)
    assert not (only_sweep(tmp_path) / "best.toml").exists()
    assert "no trial finished" in capsys.readouterr().out


def test_a_trial_over_its_limit_is_stopped_and_failed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    main(["sweep", "pong", "--trials", "2", "--max-trial-minutes", "0.0001", *TINY,
          "--train.total-steps", "100_000_000"])
    rows = read_csv(only_sweep(tmp_path))
    assert {r["trial"] for r in rows} == {"0", "1"}
    assert [r["reason"] for r in rows if r["failed"] == "1"] == ["over budget"] * 2


def test_ctrl_c_stops_the_sweep_after_saving_the_trial(tmp_path, monkeypatch, capsys):
    """Ctrl-C reaches the sweep only (a trial runs in its own session); the sweep passes
    it on, the trial saves its checkpoint, and its points are written before it stops.
    The Ctrl-C comes from a thread once the trial has logged an update: Python runs the
    handler in the main thread, in the sweep, as it would for a terminal's."""
    monkeypatch.chdir(tmp_path)

    def press_ctrl_c():
        deadline = time.monotonic() + 120
        while not any(len(p.read_text().splitlines()) >= 2  # the header and one update
                      for p in tmp_path.glob("sweeps/*/trial-000/*/metrics.csv")):
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)
    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    try:
        main(["sweep", "pong", "--trials", "3", *TINY, "--train.total-steps", "100_000_000"])
    finally:
        presser.join()
    folder = only_sweep(tmp_path)
    rows = read_csv(folder)
    assert {r["trial"] for r in rows} == {"0"}
    assert rows[-1]["reason"] == "interrupted" and rows[0]["failed"] == "0"
    assert (folder / rows[0]["run"] / "model.pt").is_file()
    assert f"--resume {folder.relative_to(tmp_path)}" in capsys.readouterr().out


def test_curve_points_score_the_recent_episodes():
    def row(seconds, step, episodes, score):
        return {"seconds": seconds, "step": step, "episodes": episodes, "score": score}
    rows = [row(1.0, 100, 0, None), row(2.0, 200, 60, 1.0), row(3.0, 300, 60, 3.0),
            row(4.0, 400, 0, None), row(5.0, 500, 50, 5.0)]
    # at 3 s: 120 episodes, mean 2; at 5 s the oldest 60 drop (110 >= 100 remain)
    assert curve_points(rows, "score", points=5, window=100) == [
        (2.0, 200, 1.0), (3.0, 300, 2.0), (4.0, 400, 2.0),
        (5.0, 500, (60 * 3.0 + 50 * 5.0) / 110)]
    assert curve_points(rows, "score", points=1, window=100)[-1][0] == 5.0
    assert curve_points(rows[:1], "score") == []


def test_failure_reasons(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("Traceback\nValueError: boom\n")
    ok = [{"loss": 1.0, "policy": 0.1}]
    assert failure(0, ok, [(1.0, 10, 0.0)], log) == ""
    assert failure(0, ok, [], log) == "no episode finished"
    assert failure(1, ok, [], log) == "crashed (exit 1): ValueError: boom"
    assert failure(0, [{"loss": float("nan")}], [(1.0, 10, 0.0)], log) == "nan"


@pytest.mark.parametrize("argv, message", [
    (["--runs-dir", "x"], "--runs-dir is not a trial flag"),
    (["--address", "auto"], "--address joins a Ray cluster: add --backend ray"),
    (["--resume", "nowhere"], "no sweep.json there"),
    (["--train.total-steps", "10", "--train.learning-rate", "1e-3", "--train.num-envs", "8",
      "--train.horizon", "8", "--train.num-minibatches", "1", "--train.update-epochs", "1",
      "--train.gamma", "0.9", "--train.gae-lambda", "0.9", "--train.ent-coef", "0",
      "--policy.hidden", "8"], "every swept parameter is fixed by a flag"),
    (["--train.lerning-rate", "1e-3"], "--train.learning-rate"),
])
def test_command_errors_say_what_to_do(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert message in fails(["sweep", "pong", *argv], capsys)
    assert not (tmp_path / "sweeps").exists()


def test_a_bad_sweep_config_names_the_parameter(capsys, tmp_path):
    path = tmp_path / "spaces.toml"
    path.write_text("[sweep.train.learning_rte]\nkind = 'log'\nmin = 1e-4\nmax = 1e-2\n")
    text = fails(["sweep", "pong", "--sweep-config", str(path)], capsys)
    assert "learning_rte" in text and "did you mean train.learning_rate" in text
    path.write_text("[train]\nlearning_rate = 1e-3\n")
    assert "has no [sweep] table" in fails(["sweep", "pong", "--sweep-config", str(path)],
                                           capsys)


def test_resume_refuses_another_game_or_other_flags(swept, capsys):
    folder = swept[0]
    assert "is a sweep of pong, not breakout" in fails(
        ["sweep", "breakout", "--resume", str(folder)], capsys)
    assert "drop --train.horizon 16" in fails(
        ["sweep", "pong", "--resume", str(folder), "--train.horizon", "16"], capsys)
