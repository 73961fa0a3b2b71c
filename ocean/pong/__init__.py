"""Pong against a scripted opponent. The rules, observation layout and config knobs are
documented at the top of pong.h; this file declares the spaces Python hands to users."""
import numpy as np
from gymnasium import spaces

OBS_LOW = np.array([0, 0, 0, 0, -1, -1, 0, 0], dtype=np.float32)
OBS_HIGH = np.ones(8, dtype=np.float32)


def observation_space(config):
    return spaces.Box(OBS_LOW, OBS_HIGH, dtype=np.float32)


def action_space(config):
    return spaces.Discrete(3)  # stay, up, down
