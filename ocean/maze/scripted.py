"""Scripted Maze policies over batches of observations: baselines for the difficulty table
(benchmarks/maze_difficulty.py) and for the tests. Numpy only."""
import numpy as np

from ocean.maze import DOOR, WALL

LEFT, STRAIGHT, RIGHT, BACK = 3, 0, 1, 2   # turns, added to a heading (0 up, clockwise)


def open_moves(obs, view):
    """(n, 4) bool: may each agent move up, right, down, left? A door is open only to an
    agent holding the key."""
    centre = (view // 2) * view + view // 2
    neighbours = obs[:, [centre - view, centre + 1, centre + view, centre - 1]]
    has_key = obs[:, -1:].astype(bool)
    return (neighbours != WALL) & ((neighbours != DOOR) | has_key)


def wall_follower(obs, view):
    """The left-hand rule from the observation alone: heading = previous action (up on an
    episode's first step); take the first open move of left, straight, right, back. Its
    moves always succeed, so the previous action is the heading. In a tree maze it walks the
    Euler tour: every tile within 4 * (cells - 1) steps."""
    moves = open_moves(obs, view)
    heading = obs[:, -2].astype(np.int64) % 4
    rows = np.arange(len(obs))
    actions = np.full(len(obs), -1, dtype=np.int64)
    for turn in (LEFT, STRAIGHT, RIGHT, BACK):
        direction = (heading + turn) % 4
        pick = moves[rows, direction] & (actions < 0)
        actions[pick] = direction[pick]
    return actions
