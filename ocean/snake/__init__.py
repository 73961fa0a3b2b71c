"""Multi-agent Snake: many snakes on one grid, one agent per snake. The rules, observation
codes and config knobs are documented at the top of snake.h; this file declares the observation
space, the rule between config keys that a range cannot say and the play hooks."""
import numpy as np
from gymnasium import spaces

from ocean.config import ConfigError

OBS_MAX = 6  # another snake's body: the largest code snake.h writes (SNAKE_OBS_MAX)


def observation_space(config):
    side = 2 * config["vision"] + 1
    return spaces.Box(0, OBS_MAX, shape=(side, side), dtype=np.uint8)




def validate(config):
    """Every snake and every food item needs its own cell inside the walls at reset."""
    width, height = config["width"], config["height"]
    cells = (width - 2) * (height - 2)
    where = f"a {width} x {height} grid has {cells} free cells inside its walls"
    if config["num_snakes"] > cells:
        raise ConfigError(f"snake config 'num_snakes' is {config['num_snakes']}, but {where}; "
                          f"use at most {cells} snakes or a larger grid")
    if config["num_snakes"] + config["num_food"] > cells:
        raise ConfigError(f"snake config 'num_food' is {config['num_food']} with "
                          f"{config['num_snakes']} snakes, but {where}; use at most "
                          f"{cells - config['num_snakes']} food or a larger grid")

# `ocean play snake`: hold Left Shift and steer agent 0's snake (highlighted green); with
# Shift held and no arrow it keeps its last direction.
HUMAN_KEYS = (("up", ("UP", "W"), 0), ("down", ("DOWN", "S"), 1), ("left", ("LEFT", "A"), 2),
              ("right", ("RIGHT", "D"), 3))
HUMAN_IDLE_ACTION = None
