"""Whole runs on a tiny Pong: the run folder, checkpoints (round trip, resume, corrupt or
mismatched files), Ctrl-C, and `ocean eval`."""
import csv
import dataclasses
import io
import pathlib
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch

from ocean.train import config as train_config
from ocean import registry
from ocean.cli import main
from ocean.train.checkpoint import (CheckpointError, load_checkpoint, load_policy, restore,
                                    save_checkpoint)
from ocean.train.evaluate import evaluate, summary
from ocean.train.trainer import build, train
from ocean.train.update import UPDATE_KEYS

torch.set_num_threads(1)  # two cores shared with the rest of the suite
ROOT = pathlib.Path(__file__).resolve().parent.parent
TINY = {"train": {"num_envs": 8, "horizon": 16, "num_minibatches": 2, "update_epochs": 2,
                  "total_steps": 100_000, "checkpoint_interval": 256},
        "policy": {"hidden": 16}, "env": {"max_score": 2}, "dashboard": False}


def tiny(tmp_path, **sections):
    layers = [TINY, {"runs_dir": str(tmp_path)}, *sections.values()]
    return train_config.validate("pong", train_config.build("pong", layers))


def rows(run_dir):
    with open(run_dir / "metrics.csv") as f:
        return list(csv.DictReader(f))


def params(path):
    return load_checkpoint(path)["model"]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """4 updates of 128 agent-steps, checkpoints every 256."""
    tmp = tmp_path_factory.mktemp("runs")
    return train("pong", tiny(tmp), out=io.StringIO(), max_updates=4)


def test_run_folder_has_config_metrics_checkpoints_and_curve(first_run):
    for name in ("config.json", "metrics.csv", "curve.png", "model.pt",
                 "model_000000000256.pt", "model_000000000512.pt"):
        assert (first_run / name).is_file(), name
    assert [int(r["step"]) for r in rows(first_run)] == [128, 256, 384, 512]
    assert not list(first_run.glob("*.tmp"))
    saved = load_checkpoint(first_run / "model.pt")
    assert saved["global_step"] == 512 and saved["config"]["train"]["num_envs"] == 8


def test_every_number_of_a_row_reaches_metrics_csv(first_run):
    """metrics.csv refuses a key it has no column for, so a finished run wrote each number
    the loop computed; here each column but the episode means (empty in an update where no
    episode finished) has a value in every row."""
    written = rows(first_run)
    assert {*UPDATE_KEYS, "learning_rate", "sps", "learn_seconds"} <= written[0].keys()
    assert not [k for k in written[0] if k.startswith("e3b")]  # E3B is off
    episode_means = registry.game("pong").log_keys
    for row in written:
        assert [k for k, v in row.items() if v == "" and k not in episode_means] == []


def test_checkpoint_round_trip_restores_model_optimizer_and_rng(tmp_path):
    config = tiny(tmp_path)
    env, policy, optimizer = build("pong", config)
    policy(torch.randn(4, 8))[1].sum().backward()
    optimizer.step()  # so the optimiser has state to save
    save_checkpoint(tmp_path / "c.pt", policy, optimizer, train_config.to_dict(config), "pong",
                    1234, 7)
    expected_draw = torch.rand(3)
    env2, policy2, optimizer2 = build("pong", tiny(tmp_path, policy={"policy": {}}))
    payload = load_checkpoint(tmp_path / "c.pt")
    restore(payload, policy2, optimizer2, env_name="pong")
    for (name, a), b in zip(policy.state_dict().items(), policy2.state_dict().values()):
        assert torch.equal(a, b), name
    assert str(optimizer.state_dict()) == str(optimizer2.state_dict())
    assert torch.equal(torch.rand(3), expected_draw)
    assert (payload["global_step"], payload["update"]) == (1234, 7)
    env.close(), env2.close()


def test_resume_continues_step_count_and_schedule_deterministically(first_run, tmp_path):
    """Resuming the mid-run checkpoint twice gives identical runs, which pick up the
    step count and the learning-rate schedule where the uninterrupted run had them."""
    resumed = []
    for _ in range(2):
        config = tiny(tmp_path, resume={"resume": str(first_run / "model_000000000256.pt")})
        resumed.append(train("pong", config, out=io.StringIO(), max_updates=2))
    first, second = (rows(r) for r in resumed)
    assert first == [{**a, **{k: b[k] for k in a if k.endswith("seconds") or k == "sps"}}
                     for a, b in zip(second, first)]  # identical but for timings
    original = rows(first_run)[2:]
    assert [r["step"] for r in first] == [r["step"] for r in original] == ["384", "512"]
    assert [r["learning_rate"] for r in first] == [r["learning_rate"] for r in original]
    a, b = params(resumed[0] / "model.pt"), params(resumed[1] / "model.pt")
    assert all(torch.equal(a[k], b[k]) for k in a)
    start = params(first_run / "model_000000000256.pt")
    assert not all(torch.equal(a[k], start[k]) for k in a)  # it did train


def damaged_copies(data, seed):
    """Ways a checkpoint file gets damaged, drawn from `seed`: cut short, random bytes, a
    real checkpoint with bytes flipped, and a real zip header over random bytes (so the
    unpickler, not the zip reader, meets the garbage)."""
    rng = np.random.default_rng(seed)
    flipped = bytearray(data)
    for i in rng.integers(0, len(data), size=16):
        flipped[i] ^= int(rng.integers(1, 256))
    noise = rng.integers(0, 256, size=4096, dtype=np.uint8).tobytes()
    return {"truncate": data[:int(rng.integers(0, len(data)))], "garbage": noise,
            "flipped": bytes(flipped), "zip header": data[:64] + noise}


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")  # torch's, on random bytes
def test_corrupt_checkpoint_is_a_clear_error(first_run, tmp_path):
    """Whatever the damage, loading raises CheckpointError (the cause chained), never the
    unpickler's own IndexError or the like; seeded, so a failure reproduces."""
    data = (first_run / "model.pt").read_bytes()
    path = tmp_path / "broken.pt"
    for seed in range(60):
        for damage, broken in {"empty": b"", **damaged_copies(data, seed)}.items():
            path.write_bytes(broken)
            try:
                load_checkpoint(path)
            except CheckpointError as error:
                assert error.__cause__ is not None or "not an Ocean" in str(error), damage
            else:  # a flip may land where it changes nothing that matters
                assert damage == "flipped", f"{damage} (seed {seed}) loaded"


class TouchOnLoad:
    """Unpickling this calls Path.touch(marker): code a checkpoint must never run."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_checkpoint_with_code_is_refused_without_running_it(first_run, tmp_path):
    payload = load_checkpoint(first_run / "model.pt")
    marker = tmp_path / "code-ran"
    payload["config"] = TouchOnLoad(marker)  # a complete checkpoint but for this
    torch.save(payload, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="truncated, corrupt or not an Ocean checkpoint"):
        load_checkpoint(tmp_path / "evil.pt")
    assert not marker.exists()


def test_mismatched_checkpoint_names_what_differs(first_run, tmp_path):
    payload = load_checkpoint(first_run / "model.pt")
    env, policy, optimizer = build("pong", tiny(tmp_path, wider={"policy": {"hidden": 32}}))
    with pytest.raises(CheckpointError, match="does not fit this policy"):
        restore(payload, policy, optimizer, env_name="pong")
    with pytest.raises(CheckpointError, match="trained on 'pong', not 'snake'"):
        restore(payload, policy, optimizer, env_name="snake")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")
    env.close()


def test_load_policy_gives_the_saved_network_config_and_env_config(first_run, tmp_path):
    path = first_run / "model.pt"
    trained = load_policy(path, "pong")
    saved = load_checkpoint(path)
    assert trained.config.policy.hidden == 16 and trained.config.train.num_envs == 8
    assert trained.env_config == saved["config"]["env"] and trained.env_config["max_score"] == 2
    for key, value in trained.policy.state_dict().items():
        assert torch.equal(value, saved["model"][key]), key
    with pytest.raises(CheckpointError, match="trained on 'pong', not 'snake'"):
        load_policy(path, "snake")
    wider = dataclasses.replace(trained.config.policy, hidden=32)
    with pytest.raises(CheckpointError, match="does not fit this policy"):
        load_policy(path, policy_config=wider)
    saved["config"]["train"]["lr"] = 1e-3  # a key this version does not know
    torch.save(saved, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match=r"saved config does not fit.*no key 'lr'"):
        load_policy(tmp_path / "other.pt")


def test_resume_refuses_flags_that_change_the_network(first_run, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "pong", "--resume", str(first_run / "model.pt"), "--policy.hidden", "32",
              "--runs-dir", str(tmp_path)])
    assert "does not fit this policy" in str(exit_info.value)


def test_eval_summarises_episodes(first_run):
    result = evaluate(first_run / "model.pt", episodes=6, num_envs=3)
    assert result["episodes"] >= 6 and len(result["returns"]) == result["episodes"]
    assert -2 <= result["score"] <= 2  # max_score 2, saved in the checkpoint's config
    line = summary(result)
    assert line.startswith("pong: mean score ") and f"over {result['episodes']} episodes" in line
    assert "win rate" in line


def test_ctrl_c_saves_a_checkpoint_and_exits_cleanly(tmp_path):
    command = [sys.executable, "-m", "ocean", "train", "pong", "--runs-dir", str(tmp_path),
               "--train.num-envs", "8", "--train.horizon", "16", "--train.threads", "1",
               "--policy.hidden", "16", "--no-dashboard", "--train.checkpoint-interval",
               "1000000000"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob("*/metrics.csv")) or len(rows(next(tmp_path.glob("*")))) < 2:
        assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    run_dir = next(tmp_path.glob("pong-*"))
    saved = load_checkpoint(run_dir / "model.pt")
    assert "stopped by Ctrl-C" in output and saved["global_step"] >= 256
    assert saved["global_step"] == int(rows(run_dir)[-1]["step"])
