"""Plain PPO vs PPO+E3B on a Maze preset: same network, same step budget, a few seeds.

    PYTHONPATH=. python benchmarks/e3b_maze.py [--steps 40_000_000] [--seeds 0 1 2]

Both runs take `ocean train maze`'s settings (ocean/maze/train.toml) plus the preset's env
keys (default: explore); only --e3b.enabled differs. A seed's two runs train at the same
time, one per core. Prints, per run, the success rate and coverage over the episodes of the
last 20 updates, training agent-steps/s and minutes, then E3B's speed cost; writes
e3b_maze.png (success and coverage against agent-steps for both)."""
import argparse
import csv
import json
import pathlib
import subprocess
import sys

import ocean.maze


def start(preset, e3b, seed, steps, out, extra=()):
    """Launch one training run in its own process; finish() collects its metrics."""
    args = [sys.executable, "-m", "ocean", "train", "maze", "--no-dashboard",
            "--train.total-steps", str(steps), "--train.seed", str(seed),
            "--e3b.enabled", "true" if e3b else "false", "--runs-dir", str(out), *extra]
    for key, value in ocean.maze.PRESETS[preset].items():
        flag = f"--env.{key.replace('_', '-')}"
        if flag not in extra:  # the first of a repeated flag wins: let --train-args override
            args += [flag, str(value)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def metrics(folder):
    return [row for row in csv.DictReader(open(folder / "metrics.csv")) if row["success"]]


def finished_run(out, e3b, seed, steps):
    """The newest run folder under `out` trained with these settings (for --replot)."""
    for folder in sorted(pathlib.Path(out).glob("maze-*"), reverse=True):
        config = json.loads((folder / "config.json").read_text())
        if (config["e3b"]["enabled"], config["train"]["seed"],
                config["train"]["total_steps"]) == (e3b, seed, steps):
            return metrics(folder)
    raise SystemExit(f"no run in {out} with e3b={e3b}, seed {seed}, {steps:,} steps")


def finish(process):
    out, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"training failed ({' '.join(process.args)}):\n{err}")
    return metrics(pathlib.Path(out.strip().splitlines()[-1].split("run folder: ")[-1]))


def smoothed(rows, key, updates=20):
    """Per update: the mean of `key` over the episodes that ended in the last `updates`
    updates, each episode counted once (an update's row holds the mean of its episodes; envs
    that started together end together, so the count per update swings a lot)."""
    out = []
    for i in range(len(rows)):
        window = rows[max(0, i - updates + 1):i + 1]
        episodes = sum(int(r["episodes"]) for r in window)
        out.append(sum(float(r[key]) * int(r["episodes"]) for r in window) / episodes)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="explore", choices=sorted(ocean.maze.PRESETS))
    parser.add_argument("--steps", type=int, default=40_000_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default="bench-runs/e3b_maze")
    parser.add_argument("--png", default="e3b_maze.png")
    parser.add_argument("--train-args", nargs=argparse.REMAINDER, default=[],
                        help="passed to both runs, e.g. --train-args --e3b.coef 0.5")
    parser.add_argument("--replot", action="store_true",
                        help="no training: table and plot from the runs already in --out")
    args = parser.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, (success_axis, coverage_axis) = plt.subplots(1, 2, figsize=(10, 4))
    print(f"maze preset {args.preset}, {args.steps:,} agent-steps per run")
    print(f"{'method':<10} {'seed':>4} {'success':>8} {'coverage':>9} {'train SPS':>10} "
          f"{'minutes':>8}")
    sps = {}
    for seed in args.seeds:
        # the two runs of a seed train side by side, one core each (1 torch thread), so
        # they share the machine alike and their training speeds compare
        methods = ((False, "PPO"), (True, "PPO+E3B"))
        running = [None if args.replot else
                   start(args.preset, e3b, seed, args.steps, args.out, args.train_args)
                   for e3b, _ in methods]
        for (e3b, label), process in zip(methods, running):
            rows = finished_run(args.out, e3b, seed, args.steps) if args.replot \
                else finish(process)
            sps.setdefault(label, []).append(float(rows[-1]["sps"]))
            success, coverage = smoothed(rows, "success"), smoothed(rows, "coverage")
            print(f"{label:<10} {seed:>4} {success[-1]:>8.1%} {coverage[-1]:>9.2f} "
                  f"{float(rows[-1]['sps']):>10,.0f} {float(rows[-1]['seconds']) / 60:>8.1f}",
                  flush=True)
            steps = [int(r["step"]) for r in rows]
            colour = "tab:orange" if e3b else "tab:blue"
            success_axis.plot(steps, success, color=colour, alpha=0.7,
                              label=label if seed == args.seeds[0] else None)
            coverage_axis.plot(steps, coverage, color=colour, alpha=0.7)
    success_axis.set(xlabel="agent-steps", ylabel="success rate (last 20 updates)")
    coverage_axis.set(xlabel="agent-steps", ylabel="coverage (cells visited / cells)")
    success_axis.legend()
    figure.tight_layout()
    figure.savefig(args.png)
    plain, e3b = (sum(v) / len(v) for v in (sps["PPO"], sps["PPO+E3B"]))
    print(f"E3B training cost: {1 - e3b / plain:.0%} fewer agent-steps/s than plain PPO")
    print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
