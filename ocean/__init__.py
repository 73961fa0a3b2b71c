"""Ocean: reinforcement-learning environments in plain C, stepped in batches from Python.

    env = ocean.make("pong", num_envs=4096, seed=0)
"""
import numbers

import numpy as np

from ocean.config import ConfigError
from ocean.multiprocess import MultiprocessEnv, WorkerError, check_backend
from ocean.registry import game, games
from ocean.vector import OceanEnv, check_seed

MAX_ROWS = 2**31 - 1  # envs and agent rows are counted in 32-bit ints in C

__all__ = ["make", "list_envs", "default_config", "resolve_config", "ConfigError",
           "OceanEnv", "MultiprocessEnv", "WorkerError"]


def list_envs():
    """Names of every game, as registered in csrc/games.h."""
    return list(games())


def default_config(name):
    """{key: (default, min, max, doc)} of a game's config, from its C header."""
    return game(name).default_config()


def resolve_config(name, **config):
    """Every config key of game `name` with its value: `config` over the game's defaults,
    each checked against its range, defaults derived from other keys (Maze's max_steps from
    size) and the rules between keys. What make() builds; raises ConfigError naming the key."""
    return game(name).resolve(config)


def make(name, num_envs=1, seed=None, backend="serial", num_workers=None, batch_size=None,
         **config):
    """A batched env of `num_envs` copies of game `name` (gymnasium VectorEnv; multi-agent
    games give num_envs * agents rows). seed=None draws one from the OS.
    backend="multiprocess" splits the envs over num_workers processes (default: one per
    physical core), same results; batch_size < num_envs for send()/recv() in batches (see
    docs/multiprocess.md)."""
    record = game(name)
    if isinstance(num_envs, (bool, np.bool_)) or not isinstance(num_envs, numbers.Integral) \
            or not 1 <= num_envs <= MAX_ROWS:
        raise ValueError(f"num_envs must be a positive integer, at most 2**31 - 1 (C counts "
                         f"envs in 32 bits), got {num_envs!r}")
    num_workers, batch_size = check_backend(backend, int(num_envs), num_workers, batch_size)
    seed = check_seed(seed) if seed is not None else int(np.random.SeedSequence().entropy % 2**64)
    resolved = record.resolve(config)
    rows = int(num_envs) * record.agents_per_env(resolved)
    if rows > MAX_ROWS:
        raise ValueError(f"num_envs={num_envs} of {name} makes {rows} agent rows "
                         f"({rows // num_envs} per env), more than the 2**31 - 1 an env can "
                         f"hold; use at most {MAX_ROWS // (rows // num_envs)} envs")
    if backend == "multiprocess":
        return MultiprocessEnv(record, int(num_envs), seed, resolved, num_workers, batch_size)
    return OceanEnv(record, int(num_envs), seed, resolved)
