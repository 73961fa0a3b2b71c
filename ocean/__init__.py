"""Ocean: reinforcement-learning environments in plain C, stepped in batches from Python.

    env = ocean.make("pong", num_envs=4096, seed=0)
"""
import importlib
import numbers

import numpy as np

from ocean import _core
from ocean.config import ConfigError, resolve_config
from ocean.multiprocess import MultiprocessEnv, check_backend
from ocean.vector import OceanEnv, check_seed

__all__ = ["make", "list_envs", "ConfigError", "OceanEnv", "MultiprocessEnv"]


def list_envs():
    """Names of every game, as registered in csrc/games.h."""
    return list(_core.games())


def default_config(name):
    """{key: (default, min, max, doc)} of a game's config."""
    return {key: (default, low, high, doc)
            for key, kind, default, low, high, doc in _game_entry(name)["config"]}


def make(name, num_envs=1, seed=None, backend="serial", num_workers=None, batch_size=None,
         **config):
    """A batched env of `num_envs` copies of game `name` (gymnasium VectorEnv; multi-agent
    games give num_envs * agents rows). seed=None draws one from the OS.
    backend="multiprocess" splits the envs into num_workers blocks (default: one per physical
    core), each stepped by a worker process (or, stepping every env at once on workers that
    fill the cores, block 0 by this one), same results; batch_size < num_envs for
    send()/recv() in batches (see ocean/multiprocess.py)."""
    entry = _game_entry(name)
    if isinstance(num_envs, bool) or not isinstance(num_envs, numbers.Integral) or num_envs < 1:
        raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
    num_workers, batch_size = check_backend(backend, int(num_envs), num_workers, batch_size)
    seed = check_seed(seed) if seed is not None else int(np.random.SeedSequence().entropy % 2**64)
    module = importlib.import_module(f"ocean.{name}")
    resolved = resolve_config(name, entry["config"], config)
    if hasattr(module, "derived_defaults"):  # defaults that depend on other (checked) keys
        derived = module.derived_defaults(resolved)
        resolved.update({key: value for key, value in derived.items() if key not in config})
    if hasattr(module, "validate"):
        module.validate(resolved)  # rules between keys, which a range cannot say
    values = np.array([float(v) for v in resolved.values()], dtype=np.float64)
    if backend == "multiprocess":
        return MultiprocessEnv(name, module, int(num_envs), seed, resolved, values, num_workers,
                               batch_size)
    return OceanEnv(name, module, int(num_envs), seed, resolved, values)


def _game_entry(name):
    games = _core.games()
    if name not in games:
        raise ValueError(f"unknown env {name!r}; valid names: {', '.join(games)}")
    return games[name]
