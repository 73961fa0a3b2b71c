"""Seeing the games (the [render] extra: raylib for the window, Pillow for files).

    ocean.render.play("pong", seed=0)                        a window; hold Left Shift to play
    ocean.render.record("pong", steps=600, out="pong.gif")   no display needed

Every frame is drawn by the game itself in C (env.render); this package only shows, records
and hands the keyboard to a human. Only window.py imports raylib, and play() checks for a
display before importing it: raylib crashes on GL calls when it has no window.
"""
import importlib
import os

import numpy as np

import ocean
from ocean.render.controls import Controls
from ocean.render.policy import PolicyError, load_policy, trained_env_config
from ocean.render.record import Recorder, check_output

__all__ = ["play", "record", "RenderError", "DisplayError", "PolicyError"]

DEFAULT_GIF_FPS = 30


class RenderError(RuntimeError):
    """Seeing a game failed for a reason the user can fix; the message says how."""


class DisplayError(RenderError):
    """No display to open a window on."""


def require_extra(module, what):
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise RenderError(f"{what} needs the [render] extra ({error}): "
                          "pip install 'ocean-envs[render]'") from error


def require_display(environ=None):
    environ = os.environ if environ is None else environ
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        raise DisplayError(
            "no display to open a window on: DISPLAY is not set. Run it in a desktop session, "
            "set DISPLAY to a running X server (e.g. DISPLAY=:0), or use a "
            "virtual one: xvfb-run ocean play ...  To record without a display: "
            "ocean render ENV --steps N --out FILE.gif")


def play(name, *, checkpoint=None, policy=None, fps=60, seed=None, steps=None, record=None,
         on_step=None, **config):
    """Play env 0 of game `name` in a window: the policy acts, and while Left Shift is held the
    keyboard drives agent 0. policy: a callable observations -> actions, or loaded from
    `checkpoint` (see ocean.render.policy). fps: agent-steps (= frames) per second, 0 for as
    fast as it goes. steps: stop after that many (default: when the window closes). record:
    a .gif/.png path for what was shown. on_step(env, human): called after every step.
    Returns {"steps", "seconds", "fps"}."""
    require_display()
    env, policy = _setup(name, checkpoint, policy, seed, config)
    try:
        controls = Controls.for_game(env.game)
        recorder = None
        if record is not None:
            require_extra("PIL.Image", "recording")
            recorder = Recorder(record, fps or 60)
        window = require_extra("ocean.render.window", "ocean play")  # loads raylib: only now
        stats = window.run(env, policy, controls, title=f"Ocean: {name}", fps=fps, steps=steps,
                           recorder=recorder, on_step=on_step)
    finally:
        env.close()
    if recorder is not None:
        recorder.save()
    return stats


def record(name, *, steps, out, checkpoint=None, policy=None, fps=DEFAULT_GIF_FPS, seed=None,
           **config):
    """Run env 0 of `name` for `steps` agent-steps and write `out`: a .gif of every frame (the
    first after reset, then one per step) played at `fps`, or a .png of the last. Returns
    the path written."""
    path = check_output(out)
    require_extra("PIL.Image", "recording")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    env, policy = _setup(name, checkpoint, policy, seed, config)
    try:
        recorder = Recorder(path, fps)
        frame = np.empty(env.frame_shape, dtype=np.uint8)
        observations, _ = env.reset()
        recorder.add(env.render(0, out=frame))
        for _ in range(steps):
            observations, *_ = env.step(policy(observations))
            recorder.add(env.render(0, out=frame))  # a PNG recorder keeps only the last
    finally:
        env.close()
    return recorder.save()


def _setup(name, checkpoint, policy, seed, config):
    if policy is None:  # a checkpoint's own env config, under the caller's overrides
        config = {**trained_env_config(checkpoint, name), **config}
    env = ocean.make(name, num_envs=1, seed=seed, **config)
    try:
        if policy is None:
            policy = load_policy(env, checkpoint, seed)
    except BaseException:
        env.close()
        raise
    return env, policy
