"""The games: one record per game, built once, that everything else asks.

A record joins what C knows about a game (csrc/games.h: its config table, episode log keys,
number of actions, and agents per env for a config) with the game's Python package,
ocean/<game>/__init__.py, and the optional hooks that package may define. Nothing else in
Ocean imports a game package by name or looks a hook up: it asks `game(name)`.

Hooks a game package may define (only observation_space is required):

    observation_space(config) -> gymnasium.spaces.Box
        dtype and true bounds of one agent's observation (the C header writes them).
    derived_defaults(config) -> {key: value}
        defaults that depend on other keys, applied where the user left the key out
        (Maze: max_steps from size). Default: none.
    validate(config)
        rules between keys that a range cannot say; raise ConfigError naming the key.
        Default: none.
    grid_shape(config) -> (height, width)
        the trainer's grid encoder: the first h*w bytes of a uint8 observation are a window
        of cell codes, the rest extra bytes. Default: None (a 2-D observation is its own grid).
    action_echo(config) -> {byte index: value}
        observation bytes that repeat the action just taken, and a value to hide them with
        (E3B's inverse-dynamics model must not read a_t off s_t+1). Default: {}.
    scripted_policy(observations) -> actions
        the policy `ocean play` and `ocean render` show when no checkpoint is given.
        Default: None (they play random actions).
    HUMAN_KEYS = ((label, (raylib key names...), action), ...)
    HUMAN_IDLE_ACTION = action with Left Shift held and no key, or None (repeat the last)
        the keyboard takeover in `ocean play`. Default: no keys (no takeover), None.

What C already says is never restated in Python: the action space is Discrete(num_actions)
from the C descriptor, and agents per env come from the game's `<game>_num_agents(config)`.
"""
import dataclasses
import functools
import importlib
from typing import Callable, Optional

import numpy as np
from gymnasium import spaces

from ocean import _core
from ocean.config import ConfigError, check_value


@dataclasses.dataclass(frozen=True)
class ConfigKey:
    """One row of a game's C config table: the key, its kind (int, float or bool), default,
    inclusive range and a one-line doc."""
    name: str
    kind: str
    default: float
    min: float
    max: float
    doc: str


def _no_derived_defaults(config):
    return {}


def _no_rules(config):
    return None


def _no_echo(config):
    return {}


@dataclasses.dataclass(frozen=True)
class Game:
    name: str
    config: tuple            # ConfigKey rows, in the C table's order
    log_keys: tuple          # the episode log's fields (info keys), without the count
    num_actions: int         # Discrete(num_actions) per agent
    module: object           # ocean.<name>
    observation_space: Callable
    derived_defaults: Callable = _no_derived_defaults
    validate: Callable = _no_rules
    grid_shape: Optional[Callable] = None
    action_echo: Callable = _no_echo
    scripted_policy: Optional[Callable] = None
    human_keys: tuple = ()
    human_idle_action: Optional[int] = None

    def default_config(self):
        """{key: (default, min, max, doc)} as the C table declares them."""
        return {k.name: (k.default, k.min, k.max, k.doc) for k in self.config}

    def resolve(self, user_config):
        """Every config key's value: the user's over the C defaults, each checked against its
        range, then derived defaults for keys the user left out, then the rules between
        keys. Raises ConfigError naming the key."""
        known = [k.name for k in self.config]
        unknown = sorted(set(user_config) - set(known))
        if unknown:
            raise ConfigError(f"{self.name} has no config key {', '.join(map(repr, unknown))}; "
                              f"valid keys: {', '.join(known)}")
        resolved = {}
        for k in self.config:
            if k.name in user_config:
                value = user_config[k.name]
            else:  # the C table stores every default as a double
                value = bool(k.default) if k.kind == "bool" else k.default
            resolved[k.name] = check_value(self.name, k.name, k.kind, value, k.min, k.max, k.doc)
        derived = self.derived_defaults(resolved)
        resolved.update({key: value for key, value in derived.items() if key not in user_config})
        self.validate(resolved)
        return resolved

    def config_values(self, resolved):
        """A resolved config as the doubles C reads, in table order."""
        return np.array([float(resolved[k.name]) for k in self.config], dtype=np.float64)

    def agents_per_env(self, resolved):
        """Agent rows of one env under a resolved config (from C)."""
        return _core.agents_per_env(self.name, self.config_values(resolved))

    def action_space(self):
        return spaces.Discrete(self.num_actions)


HOOKS = {"derived_defaults": "derived_defaults", "validate": "validate",
         "grid_shape": "grid_shape", "action_echo": "action_echo",
         "scripted_policy": "scripted_policy", "human_keys": "HUMAN_KEYS",
         "human_idle_action": "HUMAN_IDLE_ACTION"}  # record field: name in the game package


@functools.cache
def games():
    """{name: Game} for every game in csrc/games.h, in its order; built on the first call."""
    records = {}
    for name, entry in _core.games().items():
        module = importlib.import_module(f"ocean.{name}")
        hooks = {field: getattr(module, attribute) for field, attribute in HOOKS.items()
                 if hasattr(module, attribute)}
        records[name] = Game(
            name=name, config=tuple(ConfigKey(*row) for row in entry["config"]),
            log_keys=tuple(entry["log_keys"]), num_actions=entry["num_actions"],
            module=module, observation_space=module.observation_space, **hooks)
    return records


def game(name):
    """The record of game `name`; ValueError listing the valid names otherwise."""
    records = games()
    if name not in records:
        raise ValueError(f"unknown env {name!r}; valid names: {', '.join(records)}")
    return records[name]
