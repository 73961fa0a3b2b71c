"""The play window under a virtual X server (Xvfb), keys sent with xdotool. Every window runs
in its own process (tests/render_driver.py or the `ocean` command) so a raylib crash fails a
test instead of killing pytest. Nothing sleeps for a fixed time: each step waits, with a
deadline, for the status line or exit that proves it."""
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from PIL import ImageGrab

from conftest import ROOT
from xvfb import virtual_display

DEADLINE = 30  # seconds any one awaited condition may take on a loaded machine
PADDLE_STEP = 16 / 192  # paddle_speed 4 x frameskip 4, as a fraction of the court height
UP, STAY, DOWN = 1, 0, 2
AGENT, OPPONENT = (80, 208, 120), (232, 88, 80)  # pong.h's paddle colours


def without_display():
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}


@pytest.fixture(scope="module")
def display():
    """A fresh Xvfb (tests/xvfb.py) for this module's tests."""
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is needed for the window tests: bash .ci/setup installs it "
                        "(as root or with sudo)")
    try:
        with virtual_display(DEADLINE) as name:
            yield name
    except RuntimeError as error:
        pytest.fail(str(error))


class Window:
    """A subprocess with a window; its stdout lines (JSON) read on a thread."""

    def __init__(self, display, args):
        env = {**without_display(), "DISPLAY": display, "PYTHONPATH": str(ROOT)}
        self.display = display
        self.process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, condition, what):
        """Status lines until one satisfies condition; returns [those lines]."""
        seen, end = [], time.monotonic() + DEADLINE
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=max(0.0, end - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"window exited while waiting for {what}: "
                                     f"{self.process.wait()} {self.process.stderr.read()}")
            if not line.startswith("{"):
                raise AssertionError(f"not a status line: {line!r}")
            status = json.loads(line)
            seen.append(status)
            if condition(status):
                return seen
        raise AssertionError(f"no {what} within {DEADLINE} s; last: {seen[-3:]}")

    def xdotool(self, *args):
        subprocess.run(["xdotool", *args], env={**without_display(), "DISPLAY": self.display},
                       check=True, timeout=DEADLINE)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=DEADLINE)


@pytest.fixture
def window(display):
    opened = []

    def open_window(*args):
        opened.append(Window(display, args))
        return opened[-1]
    yield open_window
    for w in opened:
        w.close()


def check_continuous(lines):
    """Handover never pauses or resets the game: the paddle moves at most one step's worth
    between consecutive steps (a reset would jump it to the middle)."""
    paddles = np.array([status["paddle"] for status in lines])
    assert np.all(np.abs(np.diff(paddles)) <= PADDLE_STEP + 1e-6), paddles


def test_shift_hands_the_paddle_to_the_keyboard_and_back(window):
    game = window("tests/render_driver.py")
    # The policy pushes down: wait until the paddle rests at the bottom.
    log = game.wait_for(lambda s: s["paddle"] > 0.9 and not s["human"], "paddle at the bottom")
    game.xdotool("search", "--sync", "--name", "^Ocean: pong$", "windowfocus", "--sync")

    game.xdotool("keydown", "shift")  # Shift alone: the human holds the paddle still
    log += game.wait_for(lambda s: s["human"], "takeover")
    assert log[-1]["action"] == STAY

    game.xdotool("keydown", "Up")
    log += game.wait_for(lambda s: s["action"] == UP, "the human's up")
    moved = game.wait_for(lambda s: s["paddle"] < 0.5, "the paddle rising under the human")
    assert all(s["human"] and s["action"] == UP for s in moved), moved
    assert all(b["paddle"] < a["paddle"] for a, b in zip(moved, moved[1:])), moved
    log += moved

    game.xdotool("keyup", "Up")
    log += game.wait_for(lambda s: s["action"] == STAY, "Up released")
    game.xdotool("keyup", "shift")
    handover = game.wait_for(lambda s: not s["human"], "the policy back in control")
    assert handover[-1]["action"] == DOWN
    assert all(s["action"] == STAY for s in handover[:-1]), handover  # Shift still held
    back = game.wait_for(lambda s: s["paddle"] > 0.9, "the policy pushing the paddle down")
    assert all(not s["human"] and s["action"] == DOWN for s in back), back
    check_continuous(log + handover + back)

    game.xdotool("key", "Escape")  # closes the window: a clean exit
    game.wait_for(lambda s: "done" in s, "exit")
    assert game.process.wait(timeout=DEADLINE) == 0


def test_window_shows_the_games_frame(window):
    game = window("tests/render_driver.py")
    game.wait_for(lambda s: s["paddle"] > 0.9, "a few frames")
    screen = np.asarray(ImageGrab.grab(xdisplay=game.display).convert("RGB"))
    scale = 2  # pong's 320 x 384 frame fits the window twice over (window.py)
    for color in (AGENT, OPPONENT):  # each paddle: 4 x 20 court pixels, 2 frame px each
        rows, cols = np.nonzero((screen == color).all(axis=-1))
        assert len(rows), f"no {color} on screen"
        assert cols.max() + 1 - cols.min() == 4 * 2 * scale
        assert rows.max() + 1 - rows.min() == 20 * 2 * scale


def test_play_command_runs_and_reports_its_rate(window):
    game = window("-m", "ocean", "play", "pong", "--steps", "30", "--seed", "0", "frameskip=2")
    assert game.process.wait(timeout=DEADLINE) == 0, game.process.stderr.read()
    assert game.process.stdout.read() == ""  # the reader thread took it
    line = game.lines.get(timeout=DEADLINE)
    assert line.startswith("played 30 steps in") and line.rstrip().endswith("FPS"), line


def test_no_display_is_a_clean_error_before_raylib_loads():
    result = subprocess.run([sys.executable, "-m", "ocean", "play", "pong"], cwd=ROOT,
                            capture_output=True, text=True, timeout=DEADLINE,
                            env=without_display())
    assert result.returncode == 1, result
    assert "DISPLAY" in result.stderr and "xvfb-run" in result.stderr
    assert "Traceback" not in result.stderr
    probe = ("import sys\nfrom ocean.cli import main\ntry:\n    main(['play', 'pong'])\n"
             "except SystemExit:\n    print('raylib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, timeout=DEADLINE, env=without_display())
    assert result.stdout.strip() == "False", result


def test_unreachable_display_is_a_clean_error():
    # A display number nobody serves: raylib fails to open the window and we say so.
    env = {**without_display(), "DISPLAY": ":4093"}
    result = subprocess.run([sys.executable, "-m", "ocean", "play", "pong"], cwd=ROOT,
                            capture_output=True, text=True, timeout=DEADLINE, env=env)
    assert result.returncode == 1, result
    assert "could not open a window" in result.stderr and "Traceback" not in result.stderr
