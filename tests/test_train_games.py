"""Every registered game trains: two PPO updates on a tiny batch, with the encoder its
observations call for (MLP for float vectors, grid for uint8 windows), with and without
the LSTM core."""
import io

import numpy as np
import pytest
import torch

import ocean
from ocean.train import config as train_config
from ocean.train.checkpoint import load_checkpoint
from ocean.train.trainer import build, train

torch.set_num_threads(1)  # two cores shared with the rest of the suite
TINY_ENV = {"snake": {"num_snakes": 4, "width": 12, "height": 12, "num_food": 4},
            "maze": {"size": 4}}


@pytest.mark.parametrize("lstm", [False, True], ids=["feedforward", "lstm"])
@pytest.mark.parametrize("name", ocean.list_envs())
def test_every_game_trains_two_updates(name, lstm, tmp_path):
    config = train_config.validate(name, train_config.build(name, [
        {"env": TINY_ENV.get(name, {}), "policy": {"hidden": 16, "channels": 4, "lstm": lstm},
         "train": {"num_envs": 4, "horizon": 8, "num_minibatches": 2, "update_epochs": 1},
         "dashboard": False, "runs_dir": str(tmp_path)}]))
    env, policy, _ = build(name, config)
    expected = "GridEncoder" if env.single_observation_space.dtype == np.uint8 else "MLPEncoder"
    assert type(policy.encoder).__name__ == expected
    env.close()
    run_dir = train(name, config, out=io.StringIO(), max_updates=2)
    saved = load_checkpoint(run_dir / "model.pt")
    assert saved["global_step"] == 2 * 8 * 4 * train_config.agents_per_env(name, config)
    assert saved["config"]["env"] == env.config  # every key's value, the game's defaults too
