"""`ocean sweep --backend ray`: each trial is a Ray Tune trial, and Ocean's searcher is its
Tune Searcher, so trials spread over every machine of a Ray cluster.

A cluster: `ray start --head` on one machine (it prints the address to join), then
`ray start --address HEAD_IP:6379` on each of the others, all with the same Ocean installed
(`pip install ".[train,sweep]"`). Then, on any of them: `ocean sweep pong --backend ray
--address auto`. Without --address, Ray starts a one-machine instance for the sweep.

The driver (where `ocean sweep` runs) keeps the searcher and writes every sweep file; a
trial runs `ocean train` in a child process on the node Tune places it (one CPU each, more
with --train.num-workers), and reports its points back, so sweep.csv is complete wherever
the trials ran. Each trial's run folder is written under the sweep folder's path on the node
that ran it: on a filesystem the machines share, they all land in the sweep folder. Trials
run side by side: the searcher suggests from what has finished, not from the trials still
running.
"""
import json
import math

import ray
from ray import tune
from ray.tune.search import Searcher

from ocean.sweep.trial import run_trial


class OceanSearcher(Searcher):
    """Tune's view of a Sweep: suggest() asks it for the next trial; on_trial_complete()
    records the trial's points (or its failure) in it."""

    def __init__(self, sweep, display):
        super().__init__(metric="score", mode="max")
        self.sweep, self.display, self.trials = sweep, display, {}

    def __getstate__(self):
        """Tune pickles its searcher for a restore of its own; Ocean resumes from sweep.csv
        instead, so the live sweep and display stay out of the pickle."""
        return {k: v for k, v in self.__dict__.items() if k not in ("sweep", "display")}

    def save(self, checkpoint_path):  # nothing to save: see __getstate__
        pass

    def restore(self, checkpoint_path):
        pass

    def suggest(self, trial_id):
        trial = self.sweep.next_trial()
        if trial is None:
            return Searcher.FINISHED
        number, params = trial
        self.trials[trial_id] = trial
        self.display.started(number, params)
        limit, why = self.sweep.trial_limit()
        plan = self.sweep.plan
        return {"game": plan["game"], "overrides": plan["overrides"], "params": params,
                "folder": str(self.sweep.trial_folder(number).resolve()),
                "metric": plan["metric"], "points": plan["points"],
                "time_limit": limit if math.isfinite(limit) else None, "why": why}

    def on_trial_complete(self, trial_id, result=None, error=False):
        number, params = self.trials.pop(trial_id)
        if error or not result or "trial" not in result:
            outcome = {"points": [], "failed": "crashed (the Ray trial raised; see its "
                       "error.txt under ray/)", "run": "", "node": "", "seconds": 0.0}
        else:
            outcome = json.loads(result["trial"])
        self.sweep.record(number, params, outcome)
        self.display.update(self.sweep)


def ray_trial(config):
    """Runs on a Ray worker: one trial, its outcome reported as JSON."""
    limit = config["time_limit"]
    outcome = run_trial(config["game"], config["overrides"], config["params"],
                        config["folder"], config["metric"], config["points"],
                        math.inf if limit is None else limit, config["why"])
    outcome["node"] = ray.get_runtime_context().get_node_id()
    points = outcome["points"]
    tune.report({"score": points[-1][2] if points else math.nan,
                 "trial": json.dumps(outcome)})


def cpus_per_trial(sweep):
    train = sweep.trial_config(sweep.searcher.values(sweep.searcher.centre)).train
    return max(1, train.threads) + (train.num_workers if train.num_workers > 1 else 0)


def run_ray(sweep, address, display):
    """Run the sweep's trials on Ray until its limits or Ctrl-C; returns whether it
    stopped short of them."""
    if not ray.is_initialized():
        options = {"address": address} if address else {"include_dashboard": False}
        ray.init(log_to_driver=False, **options)
    try:
        trials = sweep.plan["trials"]
        left = sweep.remaining_seconds()
        tuner = tune.Tuner(
            tune.with_resources(ray_trial, {"cpu": cpus_per_trial(sweep)}),
            tune_config=tune.TuneConfig(
                search_alg=OceanSearcher(sweep, display),
                num_samples=-1 if trials is None else trials - sweep.next_number,
                time_budget_s=None if math.isinf(left) else left),
            run_config=tune.RunConfig(name="ray", storage_path=str(sweep.folder.resolve()),
                                      verbose=0))
        tuner.fit()
    finally:
        ray.shutdown()
    return sweep.wants_more()
