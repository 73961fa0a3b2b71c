"""Pong learning benchmark: `ocean train pong` with its default config, one run per seed.

    python benchmarks/train_pong.py [--seeds 0 1 2] [--threads 1] [--out bench-runs] [FLAGS]

FLAGS are `ocean train pong` overrides (e.g. --policy.hidden 32) applied to every seed.

Prints the machine, versions and config, then one row per seed: training agent-steps/s,
wall-clock seconds, the first time the mean score (over the last ~100 finished episodes)
reached 18, and the final mean score (CPU seconds too: on a loaded machine wall-clock
over-states the time an idle one needs); writes the learning curves of every seed to
<out>/train_pong.png. The bar (issue 7): mean score >= 18 within 10 minutes on 2 cores.
"""
import argparse
import csv
import pathlib
import sys
import time

import torch

from ocean.bench import machine_line
from ocean.train import config as train_config
from ocean.train.compare import WINDOW, rolling_scores
from ocean.train.trainer import train

BAR = 18.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--out", default="bench-runs")
    args, overrides = parser.parse_known_args(argv)
    args.overrides = overrides  # flags for `ocean train pong`, e.g. --policy.hidden 32

    base = train_config.parse("pong", args.overrides)
    print(machine_line())
    print(f"torch {torch.__version__}, {args.threads} torch threads | pong defaults "
          f"{train_config.defaults_path('pong')}: {base.train}")
    results = []
    for seed in args.seeds:
        config = train_config.parse("pong", [*args.overrides, "--train.seed", str(seed),
                                             "--train.threads", str(args.threads),
                                             "--runs-dir", args.out, "--no-dashboard",
                                             "--train.log-interval", "30"])
        begin, cpu = time.perf_counter(), time.process_time()
        run_dir = train("pong", config, out=sys.stderr)
        wall, cpu = time.perf_counter() - begin, time.process_time() - cpu
        with open(run_dir / "metrics.csv") as f:
            rows = list(csv.DictReader(f))
        curve = rolling_scores(rows)
        reached = next(((step, sec) for step, sec, score in curve if score >= BAR), None)
        results.append({"seed": seed, "curve": curve, "sps": float(rows[-1]["sps"]),
                        "wall": wall, "cpu": cpu, "steps": int(rows[-1]["step"]),
                        "reached": reached,
                        "final": curve[-1][2] if curve else float("nan"), "run": run_dir})

    print(f"{'seed':>4} {'steps':>12} {'train SPS':>10} {'wall s':>7} {'CPU s':>7} "
          f"{f'score>={BAR:g} at s':>15} {'at step':>12} {'final score':>12}  run")
    for r in results:
        at_s, at_step = (f"{r['reached'][1]:.0f}", f"{r['reached'][0]:,}") if r["reached"] \
            else ("never", "-")
        print(f"{r['seed']:>4} {r['steps']:>12,} {r['sps']:>10,.0f} {r['wall']:>7.0f} "
              f"{r['cpu']:>7.0f} {at_s:>15} {at_step:>12} {r['final']:>12.2f}  {r['run']}")
    plot(results, pathlib.Path(args.out) / "train_pong.png")


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for r in results:
        steps, seconds, scores = zip(*r["curve"]) if r["curve"] else ((), (), ())
        axes[0].plot(steps, scores, label=f"seed {r['seed']}")
        axes[1].plot(seconds, scores, label=f"seed {r['seed']}")
    for ax, label in zip(axes, ("agent-steps", "wall-clock seconds")):
        ax.axhline(BAR, color="gray", linestyle="--", linewidth=1)
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"mean score (last {WINDOW} episodes)")
    axes[1].legend()
    fig.suptitle("Pong: PPO, default config")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    print(f"curves: {path}")


if __name__ == "__main__":
    main()
