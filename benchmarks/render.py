"""What seeing a game costs: env.render() per frame, GIF recording per frame, and the whole
`ocean play` loop (policy, step, render, texture upload, draw) in frames per second.

    python benchmarks/render.py [ENV ...] [--repeats N]

Frame costs are the median over repeats of a timed batch of frames, next to one env.step of
the same single env as a reference. The play rows run `ocean play` in a subprocess: on the
display in DISPLAY, or, where there is none, under `xvfb-run` on a private Xvfb, as a user
without a screen runs it (software OpenGL: a real GPU only makes the draw cheaper).
"uncapped" is --fps 0, the loop's ceiling; "--fps 60" is the default, what a user sees.
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import ocean  # noqa: E402
from ocean.render.record import Recorder  # noqa: E402

XVFB_RUN = ["xvfb-run", "--auto-servernum"]  # its default screen: 1280x1024, 24-bit colour


def per_frame_us(function, frames, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(frames):
            function()
        times.append((time.perf_counter() - start) / frames * 1e6)
    return statistics.median(times)


def frame_costs(name, repeats):
    env = ocean.make(name, num_envs=1, seed=0)
    obs, _ = env.reset()
    rng = np.random.default_rng(0)
    for _ in range(100):  # leave the start position
        obs, *_ = env.step(rng.integers(0, env.single_action_space.n, env.num_agents))
    actions = np.zeros(env.num_agents, dtype=np.int32)
    out = np.empty(env.frame_shape, dtype=np.uint8)
    recorder = Recorder("unused.gif", 30)
    rows = {
        "env.step (reference)": per_frame_us(lambda: env.step(actions), 2000, repeats),
        "env.render() new array": per_frame_us(lambda: env.render(0), 2000, repeats),
        "env.render(out=...)": per_frame_us(lambda: env.render(0, out=out), 2000, repeats),
        "GIF recorder, per frame": per_frame_us(lambda: recorder.add(out), 50, repeats),
    }
    env.close()
    return env.frame_shape, rows


def play_launcher():
    """(what `ocean play` is launched under, where it shows): nothing on DISPLAY, else xvfb-run."""
    if os.environ.get("DISPLAY"):
        return [], f"DISPLAY {os.environ['DISPLAY']}"
    if shutil.which("xvfb-run") is None:
        raise SystemExit("no DISPLAY, and no xvfb-run to make one: apt-get install xvfb")
    return XVFB_RUN, "Xvfb via xvfb-run (software OpenGL)"


def play_fps(name, launcher, fps, steps):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([*launcher, sys.executable, "-m", "ocean", "play", name, "--fps",
                             str(fps), "--steps", str(steps), "--seed", "0"], env=env,
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    match = re.search(r"([\d.]+) FPS", result.stdout)
    if result.returncode != 0 or not match:
        raise SystemExit(f"ocean play failed: {result.stdout}{result.stderr}")
    return float(match.group(1))


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("envs", nargs="*", default=ocean.list_envs())
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from importlib.metadata import version
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, {platform.system()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"raylib {version('raylib')}, pillow {version('pillow')}")
    print(f"config: defaults, 1 env, median of {args.repeats} repeats\n")
    print(f"{'env':8} {'frame':>11}  {'what':28} {'cost':>14}")
    for name in args.envs:
        shape, rows = frame_costs(name, args.repeats)
        size = f"{shape[1]}x{shape[0]}"
        for what, us in rows.items():
            print(f"{name:8} {size:>11}  {what:28} {us:10.1f} us")
    launcher, kind = play_launcher()
    print(f"\n`ocean play` loop on {kind}, median of {args.repeats} runs")
    print(f"{'env':8} {'uncapped (--fps 0)':>20} {'--fps 60 (default)':>20}")
    for name in args.envs:
        uncapped = statistics.median(play_fps(name, launcher, 0, 300)
                                     for _ in range(args.repeats))
        capped = statistics.median(play_fps(name, launcher, 60, 120)
                                   for _ in range(args.repeats))
        print(f"{name:8} {uncapped:16.0f} FPS {capped:16.1f} FPS")


if __name__ == "__main__":
    main()
