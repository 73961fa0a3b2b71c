"""What a run shows and records: a live rich panel on a terminal (plain log lines when
stdout is not one), a metrics CSV with one row per update, and the learning-curve PNG."""
import csv
import math
import sys
import time

from matplotlib.figure import Figure
from rich.console import Console
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from ocean.train.e3b import E3B_KEYS
from ocean.train.update import UPDATE_KEYS

LEARNING_KEYS = ("learning_rate", *UPDATE_KEYS)  # a row's numbers from the update
TIME_KEYS = ("env", "inference", "learn")
EPISODE_WINDOW = 100  # the dashboard shows means over at least this many recent episodes


def fmt(value, digits=3):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int) or (isinstance(value, float) and abs(value) >= 1000):
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def duration(seconds):
    if seconds is None or not math.isfinite(seconds):
        return "-"
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class MetricsLog:
    """metrics.csv: fixed columns, one row per update; episode columns are empty in
    updates where no episode finished. A row key without a column is an error, never
    silently dropped. learning_keys: the learner's numbers (PPO's by default)."""

    def __init__(self, path, episode_keys, extra_keys=(), learning_keys=LEARNING_KEYS):
        self.episode_keys = list(episode_keys)
        self.columns = (["step", "seconds", "sps", "episodes", *self.episode_keys,
                         *learning_keys, *extra_keys] + [f"{k}_seconds" for k in TIME_KEYS])
        self.file = open(path, "w", newline="")
        self.writer = csv.DictWriter(self.file, self.columns)
        self.writer.writeheader()
        self.rows = []

    def add(self, row):
        self.writer.writerow(row)
        self.file.flush()
        self.rows.append(row)

    def close(self):
        self.file.close()


def plot_curve(rows, key, path, title):
    """`key` (e.g. score) against agent-steps and against wall-clock seconds."""
    points = [(r["step"], r["seconds"], r[key]) for r in rows
              if r.get(key) is not None and r.get(key) != ""]
    fig = Figure(figsize=(10, 3.6))  # no pyplot: no GUI backend, nothing global to close
    axes = fig.subplots(1, 2, sharey=True)
    if points:
        steps, seconds, values = zip(*points)
        axes[0].plot(steps, values)
        axes[1].plot(seconds, values)
    axes[0].set_xlabel("agent-steps")
    axes[1].set_xlabel("wall-clock seconds")
    axes[0].set_ylabel(f"mean episode {key}")
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def labelled(row, keys):
    """(label, formatted value) of each of `keys` the row has: the update's numbers, and
    E3B's when the run has it."""
    return [(key.replace("_", " "), fmt(row[key])) for key in keys if key in row]


class Dashboard:
    """update(row) after every update; close() at the end. learning_keys: the learner's
    numbers it shows (PPO's and E3B's by default)."""

    def __init__(self, title, total_steps, episode_keys, live=None, log_interval=5.0,
                 out=sys.stdout, learning_keys=(*LEARNING_KEYS, *E3B_KEYS)):
        self.title, self.total_steps = title, total_steps
        self.learning_keys = tuple(learning_keys)
        self.episode_keys, self.out, self.log_interval = list(episode_keys), out, log_interval
        self.live_mode = out.isatty() if live is None else live
        self.last_episode, self.recent = {}, []  # means over the last EPISODE_WINDOW episodes
        self.last_line = -math.inf
        self.live, self.last_row = None, None
        if self.live_mode:
            self.live = Live(console=Console(file=out), refresh_per_second=4, transient=False)
            self.live.start()

    def update(self, row, force=False):
        if row.get("episodes"):
            self.recent.append((row["episodes"], {k: row[k] for k in self.episode_keys}))
            while sum(n for n, _ in self.recent[1:]) >= EPISODE_WINDOW:
                self.recent.pop(0)
            total = sum(n for n, _ in self.recent)
            self.last_episode = {k: sum(n * means[k] for n, means in self.recent) / total
                                 for k in self.episode_keys}
            self.last_episode["episodes"] = total
        if self.live is not None:
            self.live.update(self.panel(row))
        elif force or time.monotonic() - self.last_line >= self.log_interval:
            self.last_line = time.monotonic()
            self.last_row = row
            print(self.line(row), file=self.out, flush=True)

    def eta(self, row):
        return max(0, self.total_steps - row["step"]) / row["sps"] if row["sps"] else None

    def line(self, row):
        episode = " ".join(f"{k} {fmt(v)}" for k, v in self.last_episode.items()
                           if k != "episodes")
        times = "/".join(f"{row[f'{k}_seconds'] / max(row['seconds'], 1e-9):.0%}"
                         for k in TIME_KEYS)
        learning = " ".join(f"{k} {v}" for k, v in labelled(row, self.learning_keys))
        return (f"step {fmt(row['step'])}/{fmt(self.total_steps)} "
                f"{fmt(row['sps'])} sps | {duration(row['seconds'])} eta {duration(self.eta(row))}"
                f" | {episode or 'no episode finished yet'} | {learning} "
                f"| env/inference/learn {times}")

    def panel(self, row):
        grid = Table.grid(padding=(0, 3))
        for _ in range(3):
            grid.add_column(justify="left")
        progress = row["step"] / self.total_steps if self.total_steps else 0
        run = [("steps", f"{fmt(row['step'])} ({progress:.0%})"), ("SPS", fmt(row["sps"])),
               ("elapsed", duration(row["seconds"])), ("ETA", duration(self.eta(row)))]
        episode = [(k.replace("_", " "), fmt(v)) for k, v in self.last_episode.items()] \
            or [("episodes", "none yet")]
        learning = labelled(row, self.learning_keys)
        total = max(row["seconds"], 1e-9)
        times = [(k, f"{row[f'{k}_seconds']:.1f}s ({row[f'{k}_seconds'] / total:.0%})")
                 for k in TIME_KEYS]
        columns = [run + times, episode, learning]

        def block(pairs):
            table = Table.grid(padding=(0, 1))
            table.add_column(style="bold cyan")
            table.add_column(justify="right")
            for name, value in pairs:
                table.add_row(name, value)
            return table
        grid.add_row(*(block(c) for c in columns))
        return Panel(grid, title=self.title, subtitle="Ctrl-C saves a checkpoint and stops")

    def close(self, row=None):
        if row is not None and (self.live is not None or self.last_row is not row):
            self.update(row, force=True)
        if self.live is not None:
            self.live.stop()
            self.live = None
