"""The trainer on the multiprocess backend (train.num_workers > 1): a whole run, and the
overlapped rollout (one half of the agents steps while the policy infers on the other)
checked against a serial env replaying its actions."""
import io
import os

import numpy as np
import pytest
import torch

import ocean
from ocean.multiprocess.workers import WORKER_MODULE
from ocean.train import config as train_config
from ocean.train.policy import make_policy
from ocean.train.rollout import OverlapCollector, Rollout
from ocean.train.trainer import train

torch.set_num_threads(1)  # two cores shared with the rest of the suite


def own_segments():
    return [n for n in os.listdir("/dev/shm") if n.startswith(f"ocean_{os.getpid()}_")]


def own_children():
    """{pid: command line} of this process's child processes. A worker is one (started as
    `python -m ocean.multiprocess.worker`) until it is reaped; one that has exited but was
    not waited for (a zombie) has an empty command line."""
    children = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except (FileNotFoundError, ProcessLookupError):
            continue  # exited while we looked
        if parent == os.getpid():
            children[int(pid)] = command
    return children


@pytest.fixture(autouse=True)
def no_leftover_workers():
    """Every worker process the test started is stopped and reaped, and every shared-memory
    segment unlinked. (Besides workers, these tests start only multiprocessing's resource
    tracker, which serves this process until it exits.)"""
    before = own_children()
    yield
    left = {pid: command for pid, command in own_children().items()
            if pid not in before and (WORKER_MODULE in command or command == "")}
    assert left == {}, f"workers left running, or exited and not reaped (no command): {left}"
    assert own_segments() == []


def test_two_workers_train_two_updates_and_clean_up(tmp_path):
    config = train_config.validate("pong", train_config.build("pong", [{
        "train": {"num_envs": 8, "horizon": 16, "num_minibatches": 2, "update_epochs": 1,
                  "num_workers": 2},
        "policy": {"hidden": 16}, "dashboard": False, "runs_dir": str(tmp_path)}]))
    run_dir = train("pong", config, out=io.StringIO(), max_updates=2)
    lines = (run_dir / "metrics.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == ["128", "256"]
    assert (run_dir / "model.pt").is_file()


@pytest.mark.parametrize("num_workers", [3, 4])
def test_num_workers_must_split_the_envs_into_two_halves(num_workers):
    config = train_config.build("pong", [{"train": {"num_envs": 6, "num_workers": num_workers,
                                                    "num_minibatches": 2}}])
    with pytest.raises(train_config.ConfigError,
                       match=f"train.num_workers \\({num_workers}\\) must be 1, or an even"):
        train_config.validate("pong", config)


@pytest.mark.parametrize("name, env_config, lstm", [
    ("snake", {"num_snakes": 2, "width": 8, "height": 8, "num_food": 2}, False),
    ("pong", {"max_score": 1}, True),
], ids=["snake", "pong-lstm"])
def test_overlapped_rollout_replays_on_a_serial_env(name, env_config, lstm):
    """Two rollouts on 4 workers (so a half is two workers' blocks): stepping a serial env
    with the same seed on the rollout's actions gives back its observations, rewards and
    flags, and the stored values are what the policy computes over the whole rollout from
    its start state (so each half's recurrent state was carried for the right agents)."""
    num_envs, horizon, seed = 8, 48, 5
    multi = ocean.make(name, num_envs=num_envs, seed=seed, backend="multiprocess",
                       num_workers=4, batch_size=num_envs // 2, **env_config)
    serial = ocean.make(name, num_envs=num_envs, seed=seed, **env_config)
    try:
        policy_config = train_config.PolicyConfig(hidden=16, channels=4, lstm=lstm)
        policy = make_policy(multi.single_observation_space, int(multi.single_action_space.n),
                             policy_config, multi.game, multi.config)
        collector = OverlapCollector(multi, policy, "cpu")
        rollout = Rollout.allocate(horizon, multi.num_agents, multi.single_observation_space.shape,
                                   torch.from_numpy(multi.observations).dtype, "cpu")
        expected_obs, _ = serial.reset()
        starts = np.ones(serial.num_agents, dtype=np.float32)
        ends = 0
        for _ in range(2):
            collector.collect(rollout)
            for t in range(horizon):
                assert np.array_equal(rollout.obs[t].numpy(), expected_obs), f"obs, step {t}"
                assert np.array_equal(rollout.starts[t].numpy(), starts), f"starts, step {t}"
                _, rewards, terminals, truncations, _ = serial.step(rollout.actions[t])
                assert np.array_equal(rollout.rewards[t].numpy(), rewards), f"step {t}"
                assert np.array_equal(rollout.terminals[t].numpy(), terminals), f"step {t}"
                assert np.array_equal(rollout.truncations[t].numpy(), truncations), f"step {t}"
                starts = (terminals | truncations).astype(np.float32)
                ends += int(starts.sum())
            assert np.array_equal(collector.obs.numpy(), expected_obs)  # next rollout's first
            with torch.no_grad():
                _, values, _ = policy(rollout.obs.flatten(0, 1), rollout.start_state,
                                      rollout.starts.flatten())
            assert torch.allclose(values.view(horizon, -1), rollout.values, atol=1e-5)
        assert ends > 0, "no episode ended: the flags and starts above proved little"
        assert len(set(rollout.actions.flatten().tolist())) > 1
    finally:
        multi.close()
        serial.close()
