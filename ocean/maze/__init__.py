"""Maze: a fresh procedurally generated maze every episode, seen through a small window, with
a single sparse reward at the goal. Built so that plain PPO stalls and an exploration bonus is
needed. The rules, observation layout and config knobs are documented at the top of maze.h;
this file declares the spaces, the rules between keys, the presets and the bench's extra line.
"""
import numpy as np
from gymnasium import spaces

from ocean.config import ConfigError

WALL, FLOOR, GOAL, KEY, DOOR = range(5)
NUM_ACTIONS = 4          # 0 up, 1 right, 2 down, 3 left
NO_ACTION = 4            # the "previous action" on an episode's first observation
STEPS_PER_CELL = 8       # default max_steps = STEPS_PER_CELL * size**2 (maze.h)


def observation_space(config):
    view = config["view"]
    high = np.full(view * view + 2, DOOR, dtype=np.uint8)
    high[-2] = NO_ACTION
    high[-1] = 1
    return spaces.Box(np.zeros_like(high), high, dtype=np.uint8)


def action_space(config):
    return spaces.Discrete(NUM_ACTIONS)


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


# Difficulty, for a fresh maze every episode and a sparse reward. Success rates of two
# scripted policies, measured with benchmarks-style runs (20k-60k episodes each): a uniform
# random walk, and the left-hand wall-follower (reactive: it needs only the window and the
# previous action, and in a tree it walks every tile within 4 * cells steps).
#   easy    random 36%,    wall-follower 60% (loops make it circle islands): plain PPO's turf
#   medium  random 0.003%, wall-follower 100%: PPO sees a reward every ~30k episodes and
#           stalls; an agent rewarded for novelty can learn to sweep the maze
#   hard    random  0 in 20k, wall-follower 100%: medium's sweep, twice as far, plus a key
PRESETS = {
    "easy": {"size": 6, "loops": 0.3, "view": 5, "max_steps": STEPS_PER_CELL * 6 ** 2,
             "fixed_layout": False, "keys": 0, "min_goal_distance": 1},
    "medium": {"size": 10, "loops": 0.0, "view": 5, "max_steps": STEPS_PER_CELL * 10 ** 2,
               "fixed_layout": False, "keys": 0, "min_goal_distance": 0},
    "hard": {"size": 16, "loops": 0.0, "view": 5, "max_steps": STEPS_PER_CELL * 16 ** 2,
             "fixed_layout": False, "keys": 1, "min_goal_distance": 0},
}
