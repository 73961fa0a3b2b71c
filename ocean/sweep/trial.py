"""One trial: `ocean train` in a child process with the trial's parameters as flags, so a
crash or a hang cannot take the sweep down. Its run folder and log land in the trial's own
folder; a trial over its time limit gets Ctrl-C (the trainer saves a checkpoint and stops),
and is killed if it has not stopped GRACE_SECONDS later. Its learning curve comes back from
the run's metrics.csv as (cost, agent-steps, score) points."""
import csv
import ctypes
import json
import math
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

from ocean.train.dashboard import EPISODE_WINDOW

GRACE_SECONDS = 30.0  # for the update under way and the checkpoint after a Ctrl-C
POLL_SECONDS = 0.2

try:  # Linux: a trial gets Ctrl-C when the process that started it dies (a killed worker)
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def stop_with_parent():
    if _prctl is not None:
        _prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG


def trial_flags(params):
    """{"train.learning_rate": 0.001} -> ["--train.learning-rate", "0.001"]"""
    flags = []
    for name, value in params.items():
        flags += [f"--{name.replace('_', '-')}", repr(value)]
    return flags


def run_trial(game, overrides, params, folder, metric, points=5, time_limit=math.inf,
              deadline_reason="", interrupted=lambda: False):
    """Train one trial in `folder`, scored by the episode log `metric` at up to `points`
    points along its curve; returns {"points", "failed", "run", "node", "seconds"}.
    `failed` is "" or why: over budget, interrupted, crashed, nan, no episode finished.
    time_limit: wall-clock seconds (`deadline_reason` names the limit that set it);
    interrupted(): polled, true stops the trial as Ctrl-C would."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "ocean", "train", game, *overrides, *trial_flags(params),
               "--runs-dir", str(folder), "--no-dashboard"]
    began, failed = time.monotonic(), ""
    with open(folder / "train.log", "w") as log:
        log.write(" ".join(command) + "\n")
        log.flush()
        child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True,
                                 preexec_fn=stop_with_parent)
        try:
            while child.poll() is None:
                if time.monotonic() - began > time_limit:
                    failed = deadline_reason or "over budget"
                elif interrupted():
                    failed = "interrupted"
                if failed:
                    stop(child)
                    break
                time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:  # a second Ctrl-C: no time to save, keep what it logged
            signal_group(child, signal.SIGKILL)
            child.wait()
            failed = "interrupted"
    seconds = time.monotonic() - began
    runs = sorted(p for p in folder.iterdir() if p.is_dir())
    rows = read_metrics(runs[-1] / "metrics.csv") if runs else []
    curve = curve_points(rows, metric, points)
    if not failed:
        failed = failure(child.returncode, rows, curve, folder / "train.log")
    elif rows and rows[-1]["step"] >= total_steps(runs[-1]):
        failed = ""  # it trained to the end: the stop came during its last checkpoint
    return {"points": curve, "failed": failed, "run": str(runs[-1]) if runs else "",
            "node": socket.gethostname(), "seconds": seconds}


def total_steps(run):
    return json.loads((run / "config.json").read_text())["train"]["total_steps"]


def stop(child):
    """Ctrl-C to the trial's process group (its env workers included), as a terminal
    would; kill it if it has not saved and stopped after GRACE_SECONDS."""
    signal_group(child, signal.SIGINT)
    try:
        child.wait(GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        signal_group(child, signal.SIGKILL)
        child.wait()


def signal_group(child, signum):
    try:
        os.killpg(child.pid, signum)
    except ProcessLookupError:  # it has just exited
        pass


def failure(returncode, rows, points, log_path):
    losses = [row.get("loss") for row in rows]  # other columns may be nan by design
    if any(value is not None and not math.isfinite(value) for value in losses):
        return "nan"
    if returncode != 0:
        lines = [line for line in log_path.read_text(errors="replace").splitlines()
                 if line.strip()]
        last = lines[-1].strip() if lines else ""
        return "nan" if "nan" in last.lower().split() else \
            f"crashed (exit {returncode}): {last[:200]}"
    return "" if points else "no episode finished"


def read_metrics(path):
    """metrics.csv rows as dicts of floats (None where a cell is empty)."""
    if not pathlib.Path(path).exists():
        return []
    with open(path, newline="") as f:
        return [{key: float(value) if value not in ("", None) else None
                 for key, value in row.items()} for row in csv.DictReader(f)]


def curve_points(rows, key, points=5, window=EPISODE_WINDOW):
    """Up to `points` (seconds, agent-steps, score) along a run, evenly spaced in time, the
    last at its end. A point's score is the mean of `key` over the most recent episodes,
    at least `window` of them (fewer only before that many have finished)."""
    scored, recent = [], []
    for row in rows:
        if row.get("episodes") and row.get(key) is not None:
            recent.append((row["episodes"], row[key]))
            while sum(n for n, _ in recent[1:]) >= window:
                recent.pop(0)
        if recent:
            mean = sum(n * v for n, v in recent) / sum(n for n, _ in recent)
            scored.append((row["seconds"], int(row["step"]), mean))
    if not scored:
        return []
    end = scored[-1][0]
    picked = []
    for k in range(1, points + 1):
        at = max((p for p in scored if p[0] <= end * k / points), default=None,
                 key=lambda p: p[0])
        if at is not None and at not in picked:
            picked.append(at)
    return picked
