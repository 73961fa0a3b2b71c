"""The play window: raylib through pyray, one per process. Importing this module loads raylib;
ocean.render.play() checks for a display before it does (raylib crashes on GL calls without
a window).

raylib's example shape: init; loop of read keys -> act -> step -> draw; close. The game draws
its frame in C (env.render into one preallocated array); the window uploads it to a texture,
scales it by a whole number, and draws a HUD below it: who is in control and the keys, the
episode, its return, the last episode's score, FPS.
"""
import logging
import time

import numpy as np

logging.getLogger("raylib").setLevel(logging.ERROR)  # it logs a banner on import
import pyray as rl  # noqa: E402  (after quieting its logger)

from ocean.render import DisplayError  # noqa: E402
from ocean.render.controls import TAKEOVER_KEY  # noqa: E402

MAX_WINDOW = (1600, 900)       # the frame is scaled by the largest whole number that fits
MIN_WIDTH = 640                # room for the HUD text
HUD_FONT = 20
HUD_PAD = 8
HUD_HEIGHT = 2 * HUD_FONT + 3 * HUD_PAD
BACKGROUND = rl.Color(12, 14, 20, 255)
POLICY_COLOR = rl.Color(200, 204, 214, 255)
HUMAN_COLOR = rl.Color(255, 208, 64, 255)


def frame_scale(width, height):
    return max(1, min(MAX_WINDOW[0] // width, (MAX_WINDOW[1] - HUD_HEIGHT) // height))


def run(env, policy, controls, *, title, fps=60, steps=None, recorder=None, on_step=None):
    """Play env 0 of `env` (already made, not yet reset) in a window until it is closed (or
    `steps` agent-steps). One agent-step per drawn frame, at most `fps` a second (0: as fast
    as it goes). Returns {"steps", "seconds", "fps"}: the whole loop's measured rate."""
    height, width, _ = env.frame_shape
    scale = frame_scale(width, height)
    window_width = max(MIN_WIDTH, width * scale)
    rl.set_trace_log_level(rl.LOG_WARNING)
    rl.init_window(window_width, height * scale + HUD_HEIGHT, title)
    if not rl.is_window_ready():
        raise DisplayError("could not open a window: is the X server in DISPLAY running and "
                           "reachable?")
    try:
        return _loop(env, policy, controls, fps, steps, recorder, on_step, scale, window_width)
    finally:
        rl.close_window()


def _loop(env, policy, controls, fps, steps, recorder, on_step, scale, window_width):
    height, width, _ = env.frame_shape
    observations, _ = env.reset()
    frame = env.render(0)  # drawn into in place from now on
    buffer = rl.ffi.from_buffer(frame)  # keeps frame's memory borrowed while pixels is used
    pixels = rl.ffi.cast("void *", buffer)
    image = rl.Image(pixels, width, height, 1, rl.PixelFormat.PIXELFORMAT_UNCOMPRESSED_R8G8B8)
    texture = rl.load_texture_from_image(image)
    source = rl.Rectangle(0, 0, width, height)
    target = rl.Rectangle((window_width - width * scale) // 2, 0, width * scale, height * scale)
    key_codes = {name: key_code(name) for name in controls.key_names}
    takeover = key_codes[TAKEOVER_KEY]
    pace = Pace(fps)
    hud = Hud(controls)
    step, start = 0, time.perf_counter()
    while not rl.window_should_close() and (steps is None or step < steps):
        # read keys -> act
        human = controls.enabled and rl.is_key_down(takeover)
        actions = np.array(policy(observations), dtype=np.int64)
        if human:
            held = {name for name, code in key_codes.items() if rl.is_key_down(code)}
            actions[0] = controls.action(held, last_action=int(env.actions[0]))
        # step
        observations, rewards, terminals, truncations, info = env.step(actions)
        step += 1
        hud.update(rewards[0], terminals[0] or truncations[0], info)
        if on_step is not None:
            on_step(env, human)
        # draw
        env.render(0, out=frame)
        if recorder is not None:
            recorder.add(frame)
        rl.update_texture(texture, pixels)
        rl.begin_drawing()
        rl.clear_background(BACKGROUND)
        rl.draw_texture_pro(texture, source, target, rl.Vector2(0, 0), 0, rl.WHITE)
        hud.draw(height * scale, window_width, human, rl.get_fps())
        rl.end_drawing()
        pace.wait()
    seconds = time.perf_counter() - start
    rl.unload_texture(texture)
    return {"steps": step, "seconds": seconds, "fps": step / seconds if seconds > 0 else 0.0}


def key_code(name):
    code = getattr(rl.KeyboardKey, f"KEY_{name}", None)
    if code is None:
        raise ValueError(f"no raylib key KEY_{name} (a game's HUMAN_KEYS use raylib's key names "
                         "without KEY_, e.g. UP, W, SPACE)")
    return code


class Pace:
    """Holds the loop to `fps` frames a second (0: no limit) against an absolute schedule:
    raylib's own limiter waits per frame, so every late wake-up on a busy machine is lost for
    good (57 instead of 60 FPS here); a schedule makes the next wait shorter instead."""

    def __init__(self, fps):
        self.period = 1 / fps if fps else 0.0
        self.deadline = time.perf_counter()

    def wait(self):
        if not self.period:
            return
        self.deadline += self.period
        delay = self.deadline - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        elif delay < -self.period:  # far behind (a stall): start afresh rather than rush
            self.deadline = time.perf_counter()


class Hud:
    """Episode bookkeeping for agent 0 and the two lines of text under the frame."""

    def __init__(self, controls):
        self.controls = controls
        self.episode, self.episode_return, self.last_score = 1, 0.0, None

    def update(self, reward, done, info):
        self.episode_return += float(reward)
        if done:
            self.episode += 1
            self.episode_return = 0.0
            if "score" in info:
                self.last_score = info["score"]

    def draw(self, top, width, human, fps):
        if human:
            control, color = f"HUMAN  {self.controls.help_text()}", HUMAN_COLOR
        elif self.controls.enabled:
            control, color = "POLICY  (hold Left Shift to take over)", POLICY_COLOR
        else:
            control, color = f"POLICY  ({self.controls.help_text()})", POLICY_COLOR
        y = top + HUD_PAD
        rl.draw_text(control, HUD_PAD, y, HUD_FONT, color)
        last = "" if self.last_score is None else f"   last score {self.last_score:g}"
        status = f"episode {self.episode}   return {self.episode_return:+g}{last}"
        rl.draw_text(status, HUD_PAD, y + HUD_FONT + HUD_PAD, HUD_FONT, POLICY_COLOR)
        fps_text = f"{fps} FPS"
        rl.draw_text(fps_text, width - HUD_PAD - rl.measure_text(fps_text, HUD_FONT),
                     y + HUD_FONT + HUD_PAD, HUD_FONT, POLICY_COLOR)
