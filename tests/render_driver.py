"""Runs `ocean.render.play` for the window tests (tests/test_render_window.py), in its own
process so a raylib crash cannot take pytest down. The policy always pushes Pong's paddle
down, so whatever moves it up is the human. After every step it prints one JSON line: the
step, who was in control, the action that reached the env's buffer for agent 0, and agent
0's paddle height (observation 0). Exits when the window closes (Escape)."""
import json
import sys

import numpy as np

import ocean.render

DOWN = 2


def always_down(observations):
    return np.full(len(observations), DOWN)


def report(env, human):
    print(json.dumps({"human": bool(human), "action": int(env.actions[0]),
                      "paddle": float(env.observations[0, 0])}), flush=True)


if __name__ == "__main__":
    stats = ocean.render.play("pong", policy=always_down, seed=0, on_step=report,
                              max_score=1000)  # no episode ends (and resets) mid-test
    print(json.dumps({"done": stats["steps"]}), flush=True)
    sys.exit(0)
