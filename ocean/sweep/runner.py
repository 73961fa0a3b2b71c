"""A sweep folder and what it knows, and the local runner (one trial after another).

The folder holds sweep.json (the plan: game, the flags every trial gets, the spaces, the
limits), sweep.csv (one row per observed point: trial, point, failed, reason, cost in
wall-clock seconds, agent_steps, score, each parameter, node, run folder), each trial's
folder (trial-NNN: its train.log and its run folder), best.toml and the plots. Every file is
rewritten whole after each trial, to a temp file renamed over the old one, so a crash or a
Ctrl-C never leaves half a file. --resume reads the plan and the rows back, replays the rows
into a new searcher and carries on: nothing observed is lost.

Rows of one trial: a point every so often along its learning curve (trial.py), then, if it
failed, one failed row saying why. Failed trials that were stopped (over budget,
interrupted, out of sweep time) keep the points they reached, and their failed row has the
seconds they ran as its cost: the cost model learns that config is at least that dear.
"""
import csv
import io
import json
import math
import os
import pathlib
import time

from ocean.config import ConfigError
from ocean.sweep.search import Searcher, pareto_front
from ocean.sweep.spaces import Space
from ocean.sweep.trial import run_trial, trial_flags
from ocean.train import config as train_config
from ocean.train.trainer import StopFlag

COLUMNS = ["trial", "point", "failed", "reason", "cost", "agent_steps", "score"]
STOPPED = ("over budget", "interrupted", "sweep out of time")


def write_atomic(path, data):
    path = pathlib.Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data if isinstance(data, bytes) else data.encode())
    os.replace(tmp, path)


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return json.dumps(value)  # ints, finite floats and strings are TOML as JSON writes them


class Sweep:
    def __init__(self, folder, plan, rows=()):
        self.folder, self.plan = pathlib.Path(folder), plan
        self.spaces = [Space(**space) for space in plan["spaces"]]
        self.names = [space.name for space in self.spaces]
        self.next_number = max((row["trial"] for row in rows), default=-1) + 1
        max_minutes = plan["max_trial_minutes"]
        self.searcher = Searcher(self.spaces, max_cost=max_minutes * 60 if max_minutes
                                 else math.inf, noise=plan["noise"],
                                 random_trials=plan["random_trials"], seed=plan["seed"],
                                 started=self.next_number)
        self.rows = []
        for row in rows:
            self.add(row)
        self.session_start = time.monotonic()
        self.elapsed_before = plan.get("elapsed", 0.0)

    @classmethod
    def create(cls, folder, plan):
        folder = pathlib.Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        sweep = cls(folder, plan)
        sweep.save()
        return sweep

    @classmethod
    def load(cls, folder, updates=None):
        """The sweep in `folder`, its plan's limits changed by `updates`."""
        folder = pathlib.Path(folder)
        path = folder / "sweep.json"
        if not path.is_file():
            raise ConfigError(f"--resume {folder}: no sweep.json there (is it a sweep "
                              f"folder, made by ocean sweep?)")
        plan = {**json.loads(path.read_text()), **(updates or {})}
        spaces = [Space(**space) for space in plan["spaces"]]
        csv_path = folder / "sweep.csv"
        rows = read_rows(csv_path, spaces) if csv_path.exists() else []
        return cls(folder, plan, rows)

    # -- limits --------------------------------------------------------------------------
    def elapsed(self):
        return self.elapsed_before + time.monotonic() - self.session_start

    def remaining_seconds(self):
        minutes = self.plan["max_minutes"]
        return minutes * 60 - self.elapsed() if minutes else math.inf

    def wants_more(self):
        trials = self.plan["trials"]
        return (trials is None or self.next_number < trials) and self.remaining_seconds() > 0

    def trial_limit(self):
        """(seconds, why) a trial started now may run: its own limit or the sweep's."""
        own = self.plan["max_trial_minutes"]
        own = own * 60 if own else math.inf
        left = self.remaining_seconds()
        return (own, "over budget") if own <= left else (left, "sweep out of time")

    # -- trials ---------------------------------------------------------------------------
    def trial_config(self, params):
        """The run config a trial gets: the plan's flags, then its parameters."""
        return train_config.parse(self.plan["game"],
                                  [*self.plan["overrides"], *trial_flags(params)])

    def next_trial(self):
        """(number, params) of the next trial to run, or None when the sweep is done. A
        suggestion that makes an invalid config (a num_minibatches that does not divide the
        batch) is recorded as a failed trial without running."""
        while self.wants_more():
            number, params = self.next_number, self.searcher.suggest()
            self.next_number += 1
            try:
                self.trial_config(params)
            except ConfigError as error:
                self.record(number, params, {"points": [], "failed": f"invalid config: "
                                             f"{error}", "run": "", "node": "", "seconds": 0})
                continue
            return number, params
        return None

    def trial_folder(self, number):
        return self.folder / f"trial-{number:03d}"

    def record(self, number, params, result):
        """The trial's rows, observed by the searcher; then every file is saved."""
        run, folder = result["run"], self.folder.resolve()
        if run and pathlib.Path(run).resolve().is_relative_to(folder):
            run = str(pathlib.Path(run).resolve().relative_to(folder))
        common = {**params, "node": result["node"], "run": run}
        points = result["points"]
        for k, (cost, steps, score) in enumerate(points):
            self.add({"trial": number, "point": k, "failed": 0, "reason": "", "cost": cost,
                      "agent_steps": steps, "score": score, **common})
        if result["failed"]:
            stopped = result["failed"] in STOPPED
            self.add({"trial": number, "point": len(points), "failed": 1,
                      "reason": result["failed"],
                      "cost": result["seconds"] if stopped else None,
                      "agent_steps": points[-1][1] if points else None, "score": None,
                      **common})
        self.save()

    def add(self, row):
        self.rows.append(row)
        params = {name: row[name] for name in self.names}
        if row["failed"]:
            self.searcher.observe(params, None, row["cost"], failed=True)
        else:
            self.searcher.observe(params, row["score"], row["cost"],
                                  agent_steps=row["agent_steps"])

    # -- what it found ------------------------------------------------------------------
    def points(self):
        return [row for row in self.rows if not row["failed"]]

    def front(self):
        points = self.points()
        return [points[i] for i in pareto_front([r["cost"] for r in points],
                                                [r["score"] for r in points])]

    def finished(self):
        """The last point of each trial that ran to its end."""
        failed = {row["trial"] for row in self.rows if row["failed"]}
        last = {}
        for row in self.points():
            if row["trial"] not in failed:
                last[row["trial"]] = row
        return list(last.values())

    def best(self):
        """The finished trial with the highest final score (the cheaper on a tie)."""
        return max(self.finished(), key=lambda r: (r["score"], -r["cost"]), default=None)

    # -- files ----------------------------------------------------------------------------
    def save(self):
        from ocean.sweep.report import plot_front, plot_params  # matplotlib: once per save
        self.plan["elapsed"] = self.elapsed()
        write_atomic(self.folder / "sweep.json", json.dumps(self.plan, indent=2) + "\n")
        text = io.StringIO()
        writer = csv.DictWriter(text, COLUMNS + self.names + ["node", "run"])
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()}
                         for row in self.rows)
        write_atomic(self.folder / "sweep.csv", text.getvalue())
        best = self.best()
        if best is not None:
            write_atomic(self.folder / "best.toml", self.best_toml(best))
        if self.rows:
            plot_front(self, self.folder / "front.png")
            plot_params(self, self.folder / "params.png")

    def best_toml(self, row):
        game = self.plan["game"]
        config = train_config.to_dict(self.trial_config({n: row[n] for n in self.names}))
        lines = [f"# ocean sweep {game}: trial {row['trial']}, mean {self.plan['metric']} "
                 f"{row['score']:.4g} after {row['cost']:.1f} s of training "
                 f"({row['agent_steps']:,} agent-steps); its run: {row['run']}",
                 f"# ocean train {game} --config {self.folder / 'best.toml'}"]
        for section in ("train", "policy", "e3b", "env"):
            lines += ["", f"[{section}]"]
            lines += [f"{key} = {toml_value(value)}" for key, value in config[section].items()
                      if value is not None]
        return "\n".join(lines) + "\n"


def read_rows(path, spaces):
    """sweep.csv's rows, typed as record() made them."""
    def number(text, kind=float):
        return None if text == "" else kind(float(text))
    rows = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            typed = {"trial": int(row["trial"]), "point": int(row["point"]),
                     "failed": int(row["failed"]), "reason": row["reason"],
                     "cost": number(row["cost"]), "agent_steps": number(row["agent_steps"], int),
                     "score": number(row["score"]), "node": row["node"], "run": row["run"]}
            for space in spaces:
                integral = space.kind == "pow2" or space.integer
                typed[space.name] = number(row[space.name], int if integral else float)
            rows.append(typed)
    return rows


def run_local(sweep, display):
    """Trials one after another in child processes until the plan's limits or Ctrl-C (the
    running trial saves its checkpoint, its points are recorded, and the sweep stops)."""
    with StopFlag() as flag:
        while not flag.stop:
            trial = sweep.next_trial()
            if trial is None:
                break
            number, params = trial
            display.started(number, params)
            limit, why = sweep.trial_limit()
            result = run_trial(sweep.plan["game"], sweep.plan["overrides"], params,
                               sweep.trial_folder(number), sweep.plan["metric"],
                               sweep.plan["points"], limit, why, lambda: flag.stop)
            sweep.record(number, params, result)
            display.update(sweep)
    return flag.stop
