"""What a sweep shows: the plots (score against cost with the Pareto front; score against
each parameter) and the live table of trials, the front and the best."""
import io
import math
import time

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

SHOWN_TRIALS = 10  # the table's most recent trials
PLAIN = FuncFormatter(lambda value, _: f"{value:g}")  # 64 and 0.001, not 2^6 and 10^-3


def save_figure(fig, path):
    from ocean.sweep.runner import write_atomic
    data = io.BytesIO()
    fig.savefig(data, format="png", dpi=100)
    write_atomic(path, data.getvalue())


def plot_front(sweep, path):
    """Every point of every trial, cost against score, and the front drawn as a staircase:
    the best score reached at or below each cost."""
    points, front = sweep.points(), sweep.front()
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    if points:
        ax.scatter([r["cost"] for r in points], [r["score"] for r in points], s=14,
                   c=[r["trial"] for r in points], cmap="viridis", label="points (colour: trial)")
        ax.step([r["cost"] for r in front], [r["score"] for r in front], where="post",
                color="crimson", marker="o", label="Pareto front")
        ax.set_xscale("log")
        costs = [r["cost"] for r in points]
        ax.xaxis.set_major_formatter(PLAIN)  # and label 2..9 too when under two decades
        ax.xaxis.set_minor_formatter(PLAIN if max(costs) < 100 * min(costs) else NullFormatter())
        ax.legend(loc="best")
    ax.set_xlabel("cost: wall-clock seconds of training")
    ax.set_ylabel(f"mean {sweep.plan['metric']}")
    ax.set_title(f"ocean sweep {sweep.plan['game']}: {sweep.next_number} trials")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, path)


def plot_params(sweep, path):
    """One scatter per parameter: each finished trial's final score against the value it
    ran with, coloured by its cost; log axes where the space is (1 - value for log1m)."""
    finished, spaces = sweep.finished(), sweep.spaces
    columns = min(3, max(1, len(spaces)))
    rows = max(1, math.ceil(len(spaces) / columns))
    fig = Figure(figsize=(4 * columns, 3.2 * rows))
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, space in zip(axes, spaces):
        values = [r[space.name] for r in finished]
        if space.kind == "log1m":
            values = [1 - v for v in values]
        if finished:
            dots = ax.scatter(values, [r["score"] for r in finished],
                              c=[r["cost"] for r in finished], cmap="plasma", s=18)
            fig.colorbar(dots, ax=ax, label="seconds")
        if space.kind != "linear":
            ax.set_xscale("log", base=2 if space.kind == "pow2" else 10)
            ax.xaxis.set_major_formatter(PLAIN)
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"1 - {space.name}" if space.kind == "log1m" else space.name)
        ax.set_ylabel(f"final mean {sweep.plan['metric']}")
        ax.grid(alpha=0.3)
    for ax in axes[len(spaces):]:
        ax.set_visible(False)
    fig.tight_layout()
    save_figure(fig, path)


def fmt(value):
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.4g}"


def seconds(value):
    return "-" if value is None else f"{value:.1f}"


class SweepDisplay:
    """A live rich view on a terminal; elsewhere one plain line per trial."""

    def __init__(self, sweep, console=None, live=None):
        self.sweep, self.console = sweep, console or Console()
        self.live_mode = self.console.is_terminal if live is None else live
        self.running, self.live = {}, None  # trial number: (params, start time)
        self.printed = {row["trial"] for row in sweep.rows}  # a resumed sweep's trials
        if self.live_mode:
            self.live = Live(self, console=self.console, refresh_per_second=1)
            self.live.start()

    def started(self, number, params):
        self.running[number] = (params, time.monotonic())

    def update(self, sweep):
        """After a trial is recorded: plain mode prints each trial not printed yet (those
        recorded without running included)."""
        recorded = sorted({row["trial"] for row in sweep.rows})
        for number in recorded:
            self.running.pop(number, None)
        if self.live is None:
            for number in recorded:
                if number not in self.printed:
                    self.printed.add(number)
                    self.console.print(self.line(number), highlight=False)

    def trial(self, number):
        """(outcome, its last point or {}, its parameters) of one trial."""
        rows = [r for r in self.sweep.rows if r["trial"] == number]
        points = [r for r in rows if not r["failed"]]
        outcome = f"failed: {rows[-1]['reason']}" if rows[-1]["failed"] else "ok"
        return outcome, (points[-1] if points else {}), rows[-1]

    def line(self, number):
        outcome, point, row = self.trial(number)
        params = " ".join(f"{n.split('.', 1)[1]}={fmt(row[n])}" for n in self.sweep.names)
        if point:
            outcome += (f", {self.sweep.plan['metric']} {fmt(point['score'])} after "
                        f"{point['cost']:.1f} s")
        best = self.sweep.best()
        tail = f" | best: trial {best['trial']}, {fmt(best['score'])}" if best else ""
        return f"trial {number}: {outcome} | {params}{tail}"

    def __rich__(self):
        sweep, names = self.sweep, self.sweep.names
        trials = Table(title=f"ocean sweep {sweep.plan['game']} -> {sweep.folder}")
        for column in ("trial", "outcome", sweep.plan["metric"], "seconds", "agent-steps",
                       *(n.split(".", 1)[1] for n in names)):
            trials.add_column(column, justify="right")
        numbers = sorted({row["trial"] for row in sweep.rows})
        for number in numbers[-SHOWN_TRIALS:]:
            outcome, point, row = self.trial(number)
            trials.add_row(str(number), outcome, fmt(point.get("score")),
                           seconds(point.get("cost")), fmt(point.get("agent_steps")),
                           *(fmt(row[n]) for n in names))
        for number, (params, began) in self.running.items():
            trials.add_row(str(number), f"running {time.monotonic() - began:.0f} s", "", "",
                           "", *(fmt(params[n]) for n in names))
        front = Table(title="Pareto front: the best score at each cost")
        for column in ("seconds", sweep.plan["metric"], "trial", "agent-steps"):
            front.add_column(column, justify="right")
        for row in sweep.front():
            front.add_row(seconds(row["cost"]), fmt(row["score"]), str(row["trial"]),
                          fmt(row["agent_steps"]))
        best = sweep.best()
        text = (f"best: trial {best['trial']}, {fmt(best['score'])} after "
                f"{best['cost']:.1f} s -> {sweep.folder / 'best.toml'}" if best
                else "best: no trial has finished yet")
        return Group(trials, front, text)

    def close(self):
        if self.live is not None:
            self.live.stop()
            self.live = None
