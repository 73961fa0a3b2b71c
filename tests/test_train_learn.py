"""PPO learns: a tiny Pong (first to 5 points, the opponent paddle never moves) trained for
300k agent-steps (about 15 s on one core) beats what a random policy scores."""
import io

import numpy as np
import torch

import ocean
from ocean.train import config as train_config
from ocean.train.evaluate import evaluate
from ocean.train.rollout import EpisodeStats
from ocean.train.trainer import train

torch.set_num_threads(1)  # two cores shared with the rest of the suite
ENV = {"max_score": 5, "opponent_speed": 0}
THRESHOLD = 0.0  # mean score (points won - lost) over 200 episodes


def random_policy_score(episodes=200):
    env = ocean.make("pong", num_envs=64, seed=1, **ENV)
    env.reset()
    rng = np.random.default_rng(1)
    stats = EpisodeStats(env.game.log_keys)
    while stats.count < episodes:
        stats.add(env.step(rng.integers(0, 3, env.num_agents))[4])
    env.close()
    return stats.means()["score"]


def test_ppo_beats_a_random_policy_on_tiny_pong(tmp_path):
    config = train_config.validate("pong", train_config.build("pong", [{
        "env": ENV, "policy": {"hidden": 32}, "dashboard": False, "runs_dir": str(tmp_path),
        "train": {"num_envs": 64, "horizon": 32, "total_steps": 300_000, "learning_rate": 3e-3,
                  "update_epochs": 2, "num_minibatches": 4, "seed": 0}}]))
    run_dir = train("pong", config, out=io.StringIO())
    trained = evaluate(run_dir / "model.pt", episodes=200, num_envs=64)["score"]
    random = random_policy_score()  # about -1.5
    assert random < THRESHOLD < trained, (random, trained)
