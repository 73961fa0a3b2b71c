"""Which policy plays in `ocean play` and `ocean render`: the one place checkpoints plug in.

    policy = load_policy(env, checkpoint, seed)
    actions = policy(observations)          # (num_agents, ...) -> (num_agents,) integers

checkpoint:
    None         the game's scripted policy (`scripted_policy` in its package) if it has
                 one, else uniform random actions
    "scripted"   the game's scripted policy (an error if it has none)
    "random"     uniform random actions, seeded
    a file path  a trained checkpoint from `ocean train` (needs the [train] extra); it plays
                 sampled actions, its LSTM state (if any) carried across steps and zeroed
                 where an episode ended.
"""
import pathlib

import numpy as np


class PolicyError(ValueError):
    """A policy that cannot be loaded; the message says what to use instead."""


def trained_env_config(checkpoint, name):
    """The config of env `name` a checkpoint file was trained with ({} for anything else: a
    file that is not a readable checkpoint of `name` is load_policy's to explain). `ocean
    play ENV --checkpoint FILE` plays the maze it learned unless KEY=VALUE overrides say
    otherwise."""
    if checkpoint in (None, "scripted", "random") or not pathlib.Path(checkpoint).is_file():
        return {}
    try:
        from ocean.train.checkpoint import CheckpointError, load_checkpoint
    except ImportError:
        return {}
    try:
        payload = load_checkpoint(checkpoint)
        env_config = payload["config"].get("env", {}) if payload["env"] == name else {}
    except (CheckpointError, AttributeError):
        return {}
    return dict(env_config) if isinstance(env_config, dict) else {}


def load_policy(env, checkpoint=None, seed=None):
    scripted = env.game.scripted_policy
    if checkpoint is None:
        checkpoint = "scripted" if scripted is not None else "random"
    if checkpoint == "scripted":
        if scripted is None:
            raise PolicyError(f"{env.name} has no scripted policy; use --checkpoint random "
                              "or a trained checkpoint")
        return scripted
    if checkpoint == "random":
        return random_policy(env.single_action_space.n, env.num_agents, seed)
    return load_checkpoint(pathlib.Path(checkpoint), env)


def random_policy(num_actions, num_agents, seed=None):
    rng = np.random.default_rng(seed)
    return lambda observations: rng.integers(0, num_actions, num_agents)


def load_checkpoint(path, env):
    if not path.is_file():
        raise PolicyError(f"no checkpoint file at {path} (or use --checkpoint scripted/random)")
    try:
        import torch
        from ocean.train import checkpoint, config as train_config
        from ocean.train.policy import make_policy, sample_actions
    except ImportError as error:
        raise PolicyError(f"loading {path} needs the [train] extra (torch): {error}") from None
    try:
        payload = checkpoint.load_checkpoint(path)
        if payload["env"] != env.name:
            raise checkpoint.CheckpointError(f"{path} was trained on {payload['env']!r}, "
                                             f"not {env.name!r}")
        config = train_config.build(env.name, [payload["config"]], where=str(path))
        policy = make_policy(env.single_observation_space, int(env.single_action_space.n),
                             config.policy, env.game, env.config)
        checkpoint.restore(payload, policy, env_name=env.name, path=path)
    except (checkpoint.CheckpointError, train_config.ConfigError) as error:
        raise PolicyError(str(error)) from None
    policy.eval()
    state = policy.initial_state(env.num_agents, torch.device("cpu"))
    first_call = True

    def act(observations):
        """observations came from the env's last reset or step: an agent whose episode that
        step ended starts a new one, so its LSTM state is zeroed."""
        nonlocal state, first_call
        done = np.ones(env.num_agents) if first_call else env.terminals | env.truncations
        first_call = False
        with torch.no_grad():
            logits, _, state = policy(torch.from_numpy(observations), state,
                                      torch.from_numpy(done.astype(np.float32)))
        return sample_actions(logits)[0].numpy()
    return act
