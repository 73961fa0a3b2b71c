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
                 where an episode ended (a DQN checkpoint: epsilon-greedy on its Q-values,
                 with the dqn.eval_epsilon it was trained with).
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
        from ocean.train.checkpoint import CheckpointError, load_policy as load_trained
    except ImportError:
        return {}
    try:
        return load_trained(checkpoint, name).env_config
    except CheckpointError:
        return {}


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
    return trained_policy(pathlib.Path(checkpoint), env)


def random_policy(num_actions, num_agents, seed=None):
    rng = np.random.default_rng(seed)
    return lambda observations: rng.integers(0, num_actions, num_agents)


def trained_policy(path, env):
    if not path.is_file():
        raise PolicyError(f"no checkpoint file at {path} (or use --checkpoint scripted/random)")
    try:  # torch only when a checkpoint plays: ocean play runs without the [train] extra
        import torch
        from ocean.train.checkpoint import CheckpointError, load_policy as load_trained
        from ocean.train.policy import sample_actions
    except ImportError as error:
        raise PolicyError(f"loading {path} needs the [train] extra (torch): {error}") from None
    try:  # built for the env's config, which KEY=VALUE overrides may have changed
        policy = load_trained(path, env.name, env_config=env.config).policy
    except CheckpointError as error:
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
