"""`ocean eval`: run a checkpoint's policy for N episodes and summarise them in one line."""
import statistics
import sys

import numpy as np
import torch

import ocean
from ocean import registry
from ocean.train.checkpoint import load_policy
from ocean.train.policy import sample_actions
from ocean.train.rollout import EpisodeStats
from ocean.train.trainer import curve_key


def evaluate(path, episodes=100, num_envs=None, seed=1, greedy=False, device="cpu",
             env_name=None, out=sys.stdout):
    """Returns {'episodes', 'returns' (one per episode, in finishing order), and the means
    of the game's log keys}. Stops at the step where the episode count reaches `episodes`
    (episodes that finish together all count, so a few more may be reported)."""
    trained = load_policy(path, env_name, device)
    name, policy = trained.payload["env"], trained.policy.eval()
    # one env stepped in turn with the policy (serial: no halves to overlap)
    env = ocean.make(name, num_envs=num_envs or min(episodes, 64), seed=seed,
                     **trained.env_config)

    obs, _ = env.reset()
    obs = torch.from_numpy(obs)
    state = policy.initial_state(env.num_agents, torch.device(device))
    starts = torch.ones(env.num_agents, device=device)
    running = np.zeros(env.num_agents)
    returns, stats = [], EpisodeStats(env.game.log_keys)
    torch.manual_seed(seed)
    while stats.count < episodes:
        with torch.no_grad():
            logits, _, state = policy(obs.to(device), state, starts)
            actions = logits.argmax(-1) if greedy else sample_actions(logits)[0]
        _, rewards, terminals, truncations, info = env.step(actions.cpu())
        running += rewards
        done = terminals | truncations
        returns.extend(running[done].tolist())
        running[done] = 0
        starts = torch.from_numpy(done.astype(np.float32)).to(device)
        stats.add(info)
    env.close()
    return {"env": name, "returns": returns, "metric": trained.config.metric, **stats.means()}


def summary(result):
    """One line: the game's score (or return) mean, return mean ± std, and its rates."""
    returns = result["returns"]
    spread = statistics.stdev(returns) if len(returns) > 1 else 0.0
    keys = registry.game(result["env"]).log_keys
    main = curve_key(keys, result.get("metric", ""))
    parts = [f"mean {main.replace('episode_', '')} {result[main]:.2f}"
             + (f" ± {spread:.2f}" if main == "episode_return" else "")
             + f" over {result['episodes']} episodes"]
    if main != "episode_return":
        parts.append(f"return {statistics.fmean(returns):.2f} ± {spread:.2f}")
    for key in keys:
        if key in ("win", "success"):
            parts.append(f"{key} rate {result[key]:.1%}")
        elif key not in (main, "episode_return"):
            parts.append(f"{key.replace('_', ' ')} {result[key]:.4g}")
    return f"{result['env']}: " + " | ".join(parts)
