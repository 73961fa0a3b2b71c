"""Maze: a fresh procedurally generated maze every episode, seen through a small window, with
a single sparse reward at the goal. Built so that plain PPO stalls and an exploration bonus is
needed. The rules, observation layout and config knobs are documented at the top of maze.h;
this file declares the observation space, the rules between keys, the presets and the
hooks the trainer and `ocean play` use.
"""
import numpy as np
from gymnasium import spaces

from ocean.config import ConfigError

WALL, FLOOR, GOAL, KEY, DOOR = range(5)
NO_ACTION = 4            # the "previous action" on an episode's first observation
                         # (actions: 0 up, 1 right, 2 down, 3 left)
STEPS_PER_CELL = 8       # default max_steps = STEPS_PER_CELL * size**2 (maze.h)


def observation_space(config):
    view = config["view"]
    high = np.full(view * view + 2 + 2 * bool(config["position"]), DOOR, dtype=np.uint8)
    high[view * view] = NO_ACTION
    high[view * view + 1] = 1
    high[view * view + 2:] = 2 * config["size"] - 1   # position: tile x, y
    return spaces.Box(np.zeros_like(high), high, dtype=np.uint8)



def grid_shape(config):
    """The window part of an observation (the trainer's grid encoder reads the 2 bytes after
    it, previous action and the key flag, as extras)."""
    return config["view"], config["view"]


def action_echo(config):
    """Observation bytes that repeat the action just taken, and the value to hide them with:
    E3B's inverse-dynamics model must not read a_t off s_t+1 (it would learn nothing else and
    the bonus would collapse), so it sees NO_ACTION there instead."""
    return {config["view"] ** 2: NO_ACTION}


def derived_defaults(config):
    """Defaults that depend on other keys: max_steps scales with the number of cells."""
    return {"max_steps": STEPS_PER_CELL * config["size"] ** 2}


def validate(config):
    if config["view"] % 2 == 0:
        raise ConfigError(f"maze config 'view' must be odd (the agent sits in the middle), "
                          f"got {config['view']}")
    cells = config["size"] ** 2
    if config["min_goal_distance"] > cells - 1:
        raise ConfigError(f"maze config 'min_goal_distance' must be at most size**2 - 1 = "
                          f"{cells - 1} (no path in a {config['size']}x{config['size']} maze is "
                          f"longer), got {config['min_goal_distance']}")


# What each preset is for, and how often scripted policies solve it: docs/maze.md.
PRESETS = {
    "easy": {"size": 6, "loops": 0.3, "view": 5, "max_steps": STEPS_PER_CELL * 6 ** 2,
             "fixed_layout": False, "keys": 0, "min_goal_distance": 1},
    "medium": {"size": 10, "loops": 0.0, "view": 5, "max_steps": STEPS_PER_CELL * 10 ** 2,
               "fixed_layout": False, "keys": 0, "min_goal_distance": 0},
    "hard": {"size": 16, "loops": 0.0, "view": 5, "max_steps": STEPS_PER_CELL * 16 ** 2,
             "fixed_layout": False, "keys": 1, "min_goal_distance": 0},
    "explore": {"size": 7, "loops": 0.0, "view": 5, "max_steps": STEPS_PER_CELL * 7 ** 2,
                "fixed_layout": False, "keys": 0, "min_goal_distance": 0, "position": True},
}

# `ocean play maze`: hold Left Shift and walk; actions are 0 up, 1 right, 2 down, 3 left.
HUMAN_KEYS = (("up", ("UP", "W"), 0), ("right", ("RIGHT", "D"), 1), ("down", ("DOWN", "S"), 2),
              ("left", ("LEFT", "A"), 3))
HUMAN_IDLE_ACTION = None


def scripted_policy(observations):
    """The left-hand wall-follower (ocean/maze/scripted.py): it reaches the goal of every
    tree maze, the baseline `ocean play maze` shows until a trained policy is loaded."""
    from ocean.maze.scripted import wall_follower
    size = observations.shape[1]
    view = next(v for v in range(3, 32, 2) if v * v + 2 in (size, size - 2))  # position: +2
    return wall_follower(observations, view)
