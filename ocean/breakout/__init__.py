"""Atari-like Breakout. The rules, observation layout and config knobs are documented at the
top of breakout.h; this file declares the observation space and the play hooks."""
import numpy as np
from gymnasium import spaces

HEADER_LOW = np.array([0, 0, 0, 0, -1, -1, 0, 0], dtype=np.float32)
ROW_POINTS = (7, 7, 4, 4, 1, 1)  # per brick, from the top row down (breakout.h)


def observation_space(config):
    bricks = config["rows"] * config["columns"]
    low = np.concatenate([HEADER_LOW, np.zeros(bricks, dtype=np.float32)])
    return spaces.Box(low, np.ones_like(low), dtype=np.float32)



def brick_points(config):
    """Points of each brick, in observation order (row-major from the top row)."""
    return np.repeat(np.array(ROW_POINTS[:config["rows"]], dtype=np.float32), config["columns"])

# `ocean play breakout`: hold Left Shift and steer the paddle.
HUMAN_KEYS = (("left", ("LEFT", "A"), 1), ("right", ("RIGHT", "D"), 2))
HUMAN_IDLE_ACTION = 0

PADDLE_DEAD_ZONE = 2 / 144  # court widths: don't jitter when the ball is level


def scripted_policy(observations):
    """Move the paddle's centre under the ball: what `ocean play breakout` shows until a
    trained policy is loaded. observations: (agents, 8 + bricks) -> actions (agents,)."""
    gap = observations[:, 2] - observations[:, 0]
    return np.where(gap < -PADDLE_DEAD_ZONE, 1, np.where(gap > PADDLE_DEAD_ZONE, 2, 0))
