"""`ocean compare`: runs side by side on the wall-clock axis.

Reads run folders as `ocean train` writes them (config.json, metrics.csv), groups the runs
whose configs are equal apart from the seed (or by the keys given), and draws one figure of
two panels, each group's score against wall-clock seconds and against agent-steps: the
mean of its runs with a min-max band. A markdown table gives each group's seconds and
agent-steps to a score threshold, its score at the budget every run reached, its training
agent-steps/s and how many gradient samples the learner drew per agent-step.

The score is the rolling mean over the last ~100 finished episodes (rolling_scores): a row
of metrics.csv is the mean of the episodes that ended in one update, and that count swings
(envs that start together end together), so single rows are noisy. The same curve gives
the threshold times and the scores at the budget."""
import csv
import glob
import json
import math
import os
import pathlib
import statistics
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

import ocean
from ocean import registry
from ocean.train import config as train_config
from ocean.train.dashboard import fmt
from ocean.train.trainer import curve_key

WINDOW = 100  # episodes in the rolling mean
STEP, SECONDS, SCORE = range(3)  # the columns of a run's curve
# Keys that say where a run wrote and what it showed, not what it learned: runs differing
# only in these and the seed are one group.
BOOKKEEPING = {"train.seed", "runs_dir", "resume", "dashboard", "tensorboard",
               "train.log_interval", "train.checkpoint_interval"}


class CompareError(ValueError):
    """Input `ocean compare` cannot use; the message names the folder, file or key."""


def rolling_scores(rows, key="score", window=WINDOW):
    """[(step, seconds, mean `key` of the last `window` episodes)] from metrics rows, each
    update's mean weighted by its episode count; one point per update that ended one."""
    recent, out = [], []
    for row in rows:
        if row[key] in ("", None):
            continue
        recent.append((int(row["episodes"]), float(row[key])))
        while sum(n for n, _ in recent[1:]) >= window:
            recent.pop(0)
        total = sum(n for n, _ in recent)
        out.append((int(row["step"]), float(row["seconds"]), sum(n * s for n, s in recent) / total))
    return out


@dataclass
class Run:
    folder: pathlib.Path
    game: str
    config: dict        # config.json: the resolved config
    key: str            # the episode log the run is judged by (trainer.curve_key)
    curve: np.ndarray   # (points, 3): step, seconds, rolling score
    end: tuple          # (step, seconds) of the last update
    sps: float          # training agent-steps/s over the whole run
    samples_per_step: float


def run_folders(patterns):
    """Each argument as a folder, or the folders a glob matches (for a pattern the shell
    left alone, e.g. quoted or on Windows)."""
    folders = []
    for pattern in patterns:
        if os.path.exists(pattern) or not glob.has_magic(pattern):
            folders.append(pathlib.Path(pattern))
            continue
        matches = sorted(glob.glob(pattern))
        if not matches:
            raise CompareError(f"{pattern} matches no folder")
        folders += map(pathlib.Path, matches)
    return folders


def game_of(folder, config):
    """The game whose config keys are the run's env keys (config.json holds every one);
    where games share their keys, the folder's name (<game>-<stamp>) tells them apart."""
    env_keys = set(config["env"])
    games = [name for name in ocean.list_envs()
             if {key.name for key in registry.game(name).config} == env_keys]
    if len(games) > 1:
        games = [name for name in games if folder.name.startswith(f"{name}-")]
    if len(games) != 1:
        raise CompareError(f"{folder}: its env keys ({', '.join(sorted(env_keys))}) are not "
                           f"those of one of the games {', '.join(ocean.list_envs())}")
    return games[0]


def load_run(folder):
    """A Run from a run folder; CompareError saying why the folder is not one."""
    if not folder.is_dir():
        raise CompareError(f"{folder}: no such folder")
    missing = [name for name in ("config.json", "metrics.csv") if not (folder / name).is_file()]
    if missing:
        raise CompareError(f"{folder}: no {' or '.join(missing)}")
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CompareError(f"{folder / 'config.json'}: not readable JSON ({error})") from None
    if not (isinstance(config, dict) and isinstance(config.get("env"), dict)
            and isinstance(config.get("train"), dict)):
        raise CompareError(f"{folder / 'config.json'}: not a run config (no env and train "
                           f"sections)")
    game = game_of(folder, config)
    key = curve_key(registry.game(game).log_keys, config.get("metric", ""))
    path = folder / "metrics.csv"
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        if not rows:
            raise CompareError(f"{path}: no update recorded")
        curve = np.array(rolling_scores(rows, key), dtype=float).reshape(-1, 3)
        last = rows[-1]
        end, sps = (float(last["step"]), float(last["seconds"])), float(last["sps"])
        drawn = [float(row["samples_per_step"]) for row in rows
                 if row.get("samples_per_step") not in ("", None)]
    except CompareError:
        raise
    except (OSError, csv.Error, KeyError, ValueError, TypeError) as error:  # bytes, columns
        raise CompareError(f"{path}: not the metrics of an `ocean train {game}` run "
                           f"({type(error).__name__}: {error})") from None
    # a learner that writes the samples it really drew is believed over its config
    samples = statistics.mean(drawn) if drawn else train_config.samples_per_step(config)
    return Run(folder, game, config, key, curve, end, sps, samples)


def load_runs(patterns):
    """The runs, all of one game judged by one score; every folder that is not a run, and
    every run of another game, is named in the error."""
    runs, refused = [], []
    for folder in run_folders(patterns):
        try:
            runs.append(load_run(folder))
        except CompareError as error:
            refused.append(str(error))
    if refused:
        raise CompareError("not run folders of `ocean train` (config.json and metrics.csv):\n  "
                           + "\n  ".join(refused))
    for attribute, what in (("game", "games"), ("key", "scores (--metric)")):
        kinds = sorted({getattr(run, attribute) for run in runs})
        if len(kinds) > 1:
            named = "; ".join(f"{kind}: " + ", ".join(str(run.folder) for run in runs
                                                       if getattr(run, attribute) == kind)
                              for kind in kinds)
            raise CompareError(f"runs of different {what} cannot be compared: {named}")
    return runs


def flatten(config, prefix=""):
    """{"train.horizon": 64, ...}: a config's values by dotted key."""
    flat = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def show(value):
    return str(value).lower() if isinstance(value, bool) else str(value)


def order(value):
    """Sorts numbers by value and before anything else (horizon 8 before 16)."""
    if isinstance(value, (int, float)):
        return (0, value, "")
    return (1, 0, show(value))


def group_runs(runs, group_by=None):
    """[(label, runs)]: runs with equal configs apart from the seed (and BOOKKEEPING keys),
    or with equal values of the `group_by` keys. A label is the keys whose values differ
    between groups (all the group_by keys), e.g. "train.horizon=16"."""
    flats = [flatten(run.config) for run in runs]
    if group_by:
        group_by = [key.strip().replace("-", "_") for key in group_by]
        known = set().union(*flats)
        unknown = [key for key in group_by if key not in known]
        if unknown:
            raise CompareError(f"--group-by {', '.join(unknown)}: not a config key of these "
                               f"runs; their keys: {', '.join(sorted(known))}")
        keys = group_by
    else:
        keys = sorted(set().union(*flats) - BOOKKEEPING)
    groups = {}
    for run, flat in zip(runs, flats):
        identity = tuple(json.dumps(flat.get(key), sort_keys=True) for key in keys)
        groups.setdefault(identity, []).append((run, flat))
    if not group_by:  # name a group by what sets it apart
        keys = [key for i, key in enumerate(keys) if len({ident[i] for ident in groups}) > 1]

    def values(members):
        return [members[0][1].get(key) for key in keys]
    labelled = []
    for members in sorted(groups.values(), key=lambda m: [order(v) for v in values(m)]):
        label = ", ".join(f"{key}={show(v)}" for key, v in zip(keys, values(members)))
        labelled.append((label or "all runs", [run for run, _ in members]))
    return labelled


def group_curve(runs, column):
    """(x, mean, low, high) of the runs' scores against `column` (STEP or SECONDS), each
    run interpolated on the union of their x values; at each x only the runs whose curve
    covers it count, so a run that ended earlier leaves the band there. None: no points."""
    curves = [run.curve for run in runs if len(run.curve)]
    if not curves:
        return None
    grid = np.unique(np.concatenate([curve[:, column] for curve in curves]))
    scores = np.full((len(curves), len(grid)), np.nan)
    for row, curve in zip(scores, curves):
        x = curve[:, column]
        inside = (grid >= x[0]) & (grid <= x[-1])
        row[inside] = np.interp(grid[inside], x, curve[:, SCORE])
    return grid, np.nanmean(scores, 0), np.nanmin(scores, 0), np.nanmax(scores, 0)


def to_threshold(run, threshold, column):
    """The step or seconds of the first update whose rolling score reached `threshold`;
    inf when none did."""
    hits = np.flatnonzero(run.curve[:, SCORE] >= threshold)
    return float(run.curve[hits[0], column]) if len(hits) else math.inf


def score_at(run, budget, column):
    """The rolling score the run had at `budget` (of STEP or SECONDS): its last point at or
    before it; nan when no episode had ended by then."""
    before = run.curve[run.curve[:, column] <= budget]
    return float(before[-1, SCORE]) if len(before) else math.nan


def amount(value):
    return "not reached" if value == math.inf else fmt(value)


def spread(values, centre=statistics.median):
    """"centre (min to max)" of the values, nan left out; one value when all are equal."""
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "-"
    low, mid, high = min(values), centre(values), max(values)
    return amount(mid) if low == high else f"{amount(mid)} ({amount(low)} to {amount(high)})"


def reached(values):
    """The threshold cell: median (range) of the runs, a run that never reached it counted
    as infinitely late, and how many reached it."""
    hits = sum(math.isfinite(v) for v in values)
    if not hits:
        return "not reached"
    return spread(values) + ("" if hits == len(values) else f", {hits}/{len(values)} reached")


def table(groups, threshold=None):
    """The markdown table of the groups (see the module docstring)."""
    runs = [run for _, members in groups for run in members]
    key = runs[0].key
    budget = (min(run.end[STEP] for run in runs), min(run.end[SECONDS] for run in runs))
    header = ["group", "runs"]
    if threshold is not None:
        header += [f"seconds to {key} >= {threshold:g}", f"agent-steps to {key} >= {threshold:g}"]
    header += [f"{key} at {fmt(budget[SECONDS])} s", f"{key} at {fmt(budget[STEP])} agent-steps",
               "training agent-steps/s", "gradient samples per agent-step"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, members in groups:
        cells = [label, str(len(members))]
        if threshold is not None:
            cells += [reached([to_threshold(run, threshold, column) for run in members])
                      for column in (SECONDS, STEP)]
        cells += [spread([score_at(run, budget[column], column) for run in members],
                         statistics.mean) for column in (SECONDS, STEP)]
        cells += [spread([run.sps for run in members]),
                  spread([run.samples_per_step for run in members])]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(f"\nper group: median of its runs (min to max); {key}: the mean of the last "
                 f"{WINDOW} episodes, averaged over the runs (min to max), at the budget every "
                 f"run reached")
    return "\n".join(lines)


LINE_STYLES = ("-", "--", ":", "-.")


def plot(groups, threshold=None):
    """The figure: each group's mean score with its min-max band against wall-clock
    seconds (left) and agent-steps (right)."""
    runs = [run for _, members in groups for run in members]
    fig = Figure(figsize=(12, 4.5))  # no pyplot: no GUI backend, nothing global to close
    axes = fig.subplots(1, 2, sharey=True)
    for i, (label, members) in enumerate(groups):
        for ax, column in zip(axes, (SECONDS, STEP)):
            curve = group_curve(members, column)
            if curve is None:
                continue
            x, mean, low, high = curve
            # ten colours; past ten groups the line style tells groups of one colour apart
            style = dict(color=f"C{i % 10}", linestyle=LINE_STYLES[i // 10 % len(LINE_STYLES)])
            ax.plot(x, mean, **style, label=f"{label} ({len(members)} runs)")
            ax.fill_between(x, low, high, color=style["color"], alpha=0.2, linewidth=0)
    for ax, label in zip(axes, ("wall-clock seconds", "agent-steps")):
        if threshold is not None:
            ax.axhline(threshold, color="gray", linestyle="--", linewidth=1)
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"{runs[0].key} (mean of the last {WINDOW} episodes)")
    if axes[0].lines:
        axes[0].legend(fontsize="small")
    fig.suptitle(f"{runs[0].game}: mean of each group's runs, band min-max")
    fig.tight_layout()
    return fig


def check_out(out):
    """A figure path whose folder exists and whose suffix matplotlib writes."""
    path = pathlib.Path(out)
    if not path.parent.is_dir():
        raise CompareError(f"--out {out}: the folder {path.parent} does not exist")
    formats = Figure().canvas.get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        raise CompareError(f"--out {out}: the file name must end in one of "
                           f"{', '.join('.' + f for f in sorted(formats))}")
    return path


def save(fig, path):
    """Written to a temp file beside `path`, then renamed: never half a figure."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        fig.savefig(tmp, format=path.suffix[1:].lower(), dpi=100)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def compare(patterns, threshold=None, out="compare.png", group_by=None):
    """Load, group, write the figure to `out`; returns (markdown table, figure)."""
    path = check_out(out)
    groups = group_runs(load_runs(patterns), group_by)
    fig = plot(groups, threshold)
    save(fig, path)
    return table(groups, threshold), fig
