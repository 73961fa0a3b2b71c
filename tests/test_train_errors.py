"""What a user who gets an input of `ocean train` or `eval` wrong is told: crafted
checkpoints that pass weights_only but hold the wrong things, devices torch cannot use, an
encoder that does not fit the observations, run folders that cannot be made, seeds out of
range, and what a total_steps below one batch does."""
import io
import math
import pathlib

import pytest
import torch

from conftest import fails
from ocean.config import ConfigError
from ocean.train import config as train_config
from ocean.train.checkpoint import CheckpointError, load_checkpoint
from ocean.train.trainer import train

torch.set_num_threads(1)  # two cores shared with the rest of the suite
TINY = {"train": {"num_envs": 8, "horizon": 16, "num_minibatches": 2, "update_epochs": 1,
                  "total_steps": 100_000},
        "policy": {"hidden": 16}, "env": {"max_score": 2}, "dashboard": False,
        "e3b": {"enabled": True, "dim": 8}}


def tiny(tmp_path, *layers):
    config = train_config.build("pong", [TINY, {"runs_dir": str(tmp_path)}, *layers])
    return train_config.validate("pong", config)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A real checkpoint of one update with E3B on: a payload with every field."""
    run = train("pong", tiny(tmp_path_factory.mktemp("runs")), out=io.StringIO(), max_updates=1)
    return run / "model.pt"


def crafted(saved, tmp_path, change):
    payload = load_checkpoint(saved)
    change(payload)
    path = tmp_path / "crafted.pt"
    torch.save(payload, path)
    return path


def set_weight(payload, value):
    payload["model"]["actor.weight"][0, 0] = value


# a change a crafted file makes -> what the error must say
BAD_FIELDS = {
    "another format": (lambda p: p.update(format="ocean-ppo/0"),
                       "not an Ocean ocean-ppo/1 or ocean-dqn/1 checkpoint .*'ocean-ppo/0'"),
    "config a string": (lambda p: p.update(config="pong"), "config must be a dict"),
    "no torch_rng": (lambda p: p.pop("torch_rng"), "torch_rng is missing"),
    "torch_rng of floats": (lambda p: p.update(torch_rng=torch.zeros(5056)),
                            "torch_rng must be a uint8 tensor"),
    "global_step a string": (lambda p: p.update(global_step="512"),
                             "global_step must be an integer >= 0, got '512'"),
    "negative global_step": (lambda p: p.update(global_step=-128),
                             "global_step must be an integer >= 0, got -128"),
    "NaN global_step": (lambda p: p.update(global_step=math.nan),
                        "global_step must be an integer >= 0, got nan"),
    "negative update": (lambda p: p.update(update=-1), "update must be an integer >= 0"),
    "no update": (lambda p: p.pop("update"), "update is missing"),
    "NaN weight": (lambda p: set_weight(p, math.nan), "model 'actor.weight' holds NaN"),
    "infinite weight": (lambda p: set_weight(p, math.inf), "model 'actor.weight' holds NaN or inf"),
    "weight a string": (lambda p: p["model"].update({"actor.bias": "0"}),
                        "model 'actor.bias' must be a tensor"),
    "optimizer a list": (lambda p: p.update(optimizer=[]), "optimizer must be a dict"),
    "NaN optimizer moment": (lambda p: p["optimizer"]["state"][0]["exp_avg"].fill_(math.nan),
                             "optimizer .*exp_avg.* holds NaN"),
    "e3b a string": (lambda p: p.update(e3b="on"), "e3b must be a dict"),
    "e3b negative count": (lambda p: p["e3b"]["std"].update(count=-5),
                           r"e3b std count must be an integer >= 0, got -5"),
    "e3b NaN std": (lambda p: p["e3b"]["std"].update(m2=math.nan),
                    r"e3b std m2 must be a finite number >= 0, got nan"),
}


@pytest.mark.parametrize("change, message", BAD_FIELDS.values(), ids=BAD_FIELDS.keys())
def test_a_checkpoint_with_a_wrong_field_names_it(saved, tmp_path, change, message):
    path = crafted(saved, tmp_path, change)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)


def test_every_problem_of_a_checkpoint_is_named_at_once(saved, tmp_path):
    path = crafted(saved, tmp_path, lambda p: p.update(global_step="x", update=-1, config=[]))
    with pytest.raises(CheckpointError) as error:
        load_checkpoint(path)
    assert all(key in str(error.value) for key in ("config", "global_step", "update"))


def wrong_shape(state, key):
    state[key] = torch.zeros(*state[key].shape[:-1], state[key].shape[-1] + 1)


# a state that is well formed but does not fit the network a resumed run builds
MISFITS = {
    "optimizer moment of another shape": (
        lambda p: wrong_shape(p["optimizer"]["state"][0], "exp_avg"),
        r"optimizer state does not fit.*exp_avg of parameter 0 has shape \(\d+, \d+\)"),
    "optimizer without its groups": (lambda p: p["optimizer"].update(param_groups=[]),
                                     "optimizer state does not fit"),
    "optimizer group without lr": (lambda p: p["optimizer"]["param_groups"][0].pop("lr"),
                                   "optimizer state does not fit.*lr"),
    "e3b model of another shape": (
        lambda p: wrong_shape(p["e3b"]["idm"], "encoder.net.0.weight"),
        "e3b state does not fit"),
    "e3b optimizer of another shape": (
        lambda p: wrong_shape(p["e3b"]["idm_optimizer"]["state"][0], "exp_avg_sq"),
        "e3b state does not fit.*exp_avg_sq of parameter 0 has shape"),
    "torch_rng not a generator state": (lambda p: p["torch_rng"].fill_(0),
                                        "torch_rng is not a torch RNG state"),
}


@pytest.mark.parametrize("change, message", MISFITS.values(), ids=MISFITS.keys())
def test_resuming_a_state_that_does_not_fit_is_a_checkpoint_error(saved, tmp_path, change,
                                                                   message):
    path = crafted(saved, tmp_path, change)
    config = tiny(tmp_path / "runs", {"resume": str(path)})
    with pytest.raises(CheckpointError, match=message) as error:
        train("pong", config, out=io.StringIO(), max_updates=1)
    assert str(path) in str(error.value)


def test_a_crafted_checkpoint_from_the_command_line(saved, tmp_path, capsys):
    path = str(crafted(saved, tmp_path, lambda p: p.update(global_step="512")))
    assert "global_step must be an integer" in fails(["eval", "--checkpoint", path], capsys)
    text = fails(["train", "pong", "--resume", path, "--runs-dir", str(tmp_path)], capsys)
    assert "global_step must be an integer" in text


def unusable_devices():
    """Device strings torch cannot parse, and GPUs this machine does not have: one past the
    GPUs torch sees (cuda:0 where it sees none), and plain cuda where it sees none."""
    devices = ["cuda:abc", "cuda:-1", "gpu", f"cuda:{torch.cuda.device_count()}"]
    return devices + ([] if torch.cuda.is_available() else ["cuda"])


@pytest.mark.parametrize("device", unusable_devices())
@pytest.mark.parametrize("command", ["train", "resume", "eval"])
def test_a_device_torch_cannot_use_is_named_not_blamed_on_the_checkpoint(saved, tmp_path,
                                                                        capsys, command,
                                                                        device):
    argv = {"train": ["train", "pong", "--runs-dir", str(tmp_path)],
            "resume": ["train", "pong", "--resume", str(saved), "--runs-dir", str(tmp_path)],
            "eval": ["eval", "--checkpoint", str(saved), "--episodes", "1"]}[command]
    text = fails([*argv, "--device", device], capsys)
    assert "corrupt" not in text and f"'{device}'" in text
    if device.startswith("cuda") and device[5:].isdigit() or device == "cuda":
        assert "torch sees" in text and "CUDA GPU" in text
    else:
        assert "device must be cpu, cuda or cuda:N" in text
    assert not list(tmp_path.iterdir())  # refused before a run folder was made


def test_the_grid_encoder_on_float_observations_is_a_config_error(capsys):
    """The grid encoder embeds each cell's byte code; Pong's observations are floats."""
    text = fails(["train", "pong", "--policy.encoder", "grid"], capsys)
    assert "policy.encoder grid" in text and "float32" in text and "--policy.encoder mlp" in text
    assert "Traceback" not in text


def unusable_runs_dirs(tmp_path):
    """Where no run folder can be made, whoever asks (tests run as root, whom a read-only
    mode does not stop): a file, a path under a file, and sysfs, where the kernel refuses
    everyone's mkdir."""
    file = tmp_path / "notes.txt"
    file.write_text("not a folder")
    return {"a file": (file, f"{file} is a file"),
            "under a file": (file / "runs", f"{file} is a file"),
            "sysfs": (pathlib.Path("/sys"), "/sys: cannot make a run folder there"),
            "under sysfs": (pathlib.Path("/sys/ocean-runs"), "cannot make a run folder")}


@pytest.mark.parametrize("case", ["a file", "under a file", "sysfs", "under sysfs"])
def test_a_runs_dir_that_cannot_hold_runs_is_refused_first(tmp_path, capsys, case):
    runs_dir, message = unusable_runs_dirs(tmp_path)[case]
    text = fails(["train", "pong", "--runs-dir", str(runs_dir)], capsys)
    assert "--runs-dir" in text and message in text
    # before the resumed checkpoint is loaded, so before any env is built for it
    config = tiny(tmp_path, {"runs_dir": str(runs_dir), "resume": str(tmp_path / "none.pt")})
    with pytest.raises(ConfigError, match=message):
        train("pong", config, out=io.StringIO(), max_updates=1)
    assert (tmp_path / "notes.txt").read_text() == "not a folder"


@pytest.mark.parametrize("command", ["eval", "render"])
@pytest.mark.parametrize("seed", ["-1", str(2**64), "1.5"])
def test_a_seed_out_of_range_is_named(saved, tmp_path, capsys, command, seed):
    argv = {"eval": ["eval", "--checkpoint", str(saved), "--episodes", "1"],
            "render": ["render", "pong", "--steps", "1", "--out", str(tmp_path / "x.png")]}
    text = fails([*argv[command], "--seed", seed], capsys)
    assert f"--seed: must be an integer in [0, 2**64), got {seed!r}" in text


def test_total_steps_below_one_batch_says_the_run_does_one_batch(saved, tmp_path):
    """A run is whole updates of agents x horizon agent-steps: the 8 x 16 = 128 here."""
    out = io.StringIO()
    run = train("pong", tiny(tmp_path, {"train": {"total_steps": 100}}), out=out)
    assert ("train.total_steps 100 is below one batch of 128 agent-steps (8 agents x 16 "
            "horizon): the run will do one update, of 128 agent-steps") in out.getvalue()
    assert load_checkpoint(run / "model.pt")["global_step"] == 128
    out = io.StringIO()  # resumed at step 128, 72 steps short of 200
    run = train("pong", tiny(tmp_path, {"train": {"total_steps": 200}, "resume": str(saved)}),
                out=out)
    assert ("train.total_steps 200 is below one batch past the resumed step 128 (8 agents x "
            "16 horizon): the run will do one update, of 128 agent-steps") in out.getvalue()
    assert load_checkpoint(run / "model.pt")["global_step"] == 256


def test_resuming_a_run_that_reached_total_steps_says_to_raise_it(saved, tmp_path, capsys):
    text = fails(["train", "pong", "--resume", str(saved), "--train.total-steps", "128",
                  "--runs-dir", str(tmp_path)], capsys)
    assert "has trained 128 agent-steps of train.total_steps 128" in text
    assert "--train.total-steps" in text and not list(tmp_path.iterdir())
