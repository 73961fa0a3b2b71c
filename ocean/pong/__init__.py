"""Pong against a scripted opponent. The rules, observation layout and config knobs are
documented at the top of pong.h; this file declares the observation space and the play hooks."""
import numpy as np
from gymnasium import spaces

OBS_LOW = np.array([0, 0, 0, 0, -1, -1, 0, 0], dtype=np.float32)
OBS_HIGH = np.ones(8, dtype=np.float32)


def observation_space(config):
    return spaces.Box(OBS_LOW, OBS_HIGH, dtype=np.float32)



# `ocean play pong`: while Left Shift is held these keys (raylib names, first held wins) drive
# the agent's paddle: (label, keys, action). With Shift held and none of them, it stays.
HUMAN_KEYS = (("up", ("UP", "W"), 1), ("down", ("DOWN", "S"), 2))
HUMAN_IDLE_ACTION = 0

PADDLE_DEAD_ZONE = 2 / 192  # court heights: don't jitter when the ball is level


def scripted_policy(observations):
    """Move the paddle towards the ball's height: the policy `ocean play pong` shows until a
    trained one is loaded. observations: (agents, 8) -> actions (agents,)."""
    gap = observations[:, 3] - observations[:, 0]
    return np.where(gap < -PADDLE_DEAD_ZONE, 1, np.where(gap > PADDLE_DEAD_ZONE, 2, 0))
