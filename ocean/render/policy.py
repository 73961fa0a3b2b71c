"""Which policy plays in `ocean play` and `ocean render`: the one place checkpoints plug in.

    policy = load_policy(env, game_module, checkpoint, seed)
    actions = policy(observations)          # (num_agents, ...) -> (num_agents,) integers

checkpoint:
    None         the game's scripted policy (`scripted_policy` in its package) if it has
                 one, else uniform random actions
    "scripted"   the game's scripted policy (an error if it has none)
    "random"     uniform random actions, seeded
    a file path  a trained policy. Loading one needs the trainer's checkpoint format (issue 5),
                 which has not landed: for now this raises a PolicyError saying so.
"""
import pathlib

import numpy as np


class PolicyError(ValueError):
    """A policy that cannot be loaded; the message says what to use instead."""


def load_policy(env, game_module, checkpoint=None, seed=None):
    scripted = getattr(game_module, "scripted_policy", None)
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
    # TODO(issue 5): build the policy with the trainer's checkpoint loader once it lands.
    raise PolicyError(f"cannot load {path}: loading trained checkpoints needs the trainer "
                      "(issue 5), which this version of ocean does not have yet; use "
                      "--checkpoint scripted or --checkpoint random")
