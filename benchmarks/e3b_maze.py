"""Plain PPO vs PPO+E3B on a Maze preset: same network, same step budget, a few seeds.

    PYTHONPATH=. python benchmarks/e3b_maze.py --steps 20_000_000 --seeds 0 1 2 [--preset medium]

Prints a table of final success rate, coverage, training agent-steps/s and minutes per run and
writes e3b_maze.png (success and coverage against agent-steps for both). A seed's two runs
train at the same time, one per core."""
import argparse
import csv
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


def finish(process):
    out, err = process.communicate()
    if process.returncode:
        raise SystemExit(f"training failed ({' '.join(process.args)}):\n{err}")
    folder = pathlib.Path(out.strip().splitlines()[-1].split("run folder: ")[-1])
    return [row for row in csv.DictReader(open(folder / "metrics.csv")) if row["success"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="explore", choices=sorted(ocean.maze.PRESETS))
    parser.add_argument("--steps", type=int, default=20_000_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", default="bench-runs/e3b_maze")
    parser.add_argument("--png", default="e3b_maze.png")
    parser.add_argument("--train-args", nargs=argparse.REMAINDER, default=[],
                        help="passed to both runs, e.g. --train-args --e3b.coef 0.5")
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
        running = [start(args.preset, e3b, seed, args.steps, args.out, args.train_args)
                   for e3b, _ in methods]
        for (e3b, label), process in zip(methods, running):
            rows = finish(process)
            sps.setdefault(label, []).append(float(rows[-1]["sps"]))
            last = rows[-10:]  # the last updates that finished episodes
            mean = lambda key: sum(float(r[key]) for r in last) / len(last)  # noqa: E731
            print(f"{label:<10} {seed:>4} {mean('success'):>8.1%} {mean('coverage'):>9.2f} "
                  f"{float(rows[-1]['sps']):>10,.0f} {float(rows[-1]['seconds']) / 60:>8.1f}",
                  flush=True)
            steps = [int(r["step"]) for r in rows]
            colour = "tab:orange" if e3b else "tab:blue"
            success_axis.plot(steps, [float(r["success"]) for r in rows], color=colour,
                              alpha=0.7, label=label if seed == args.seeds[0] else None)
            coverage_axis.plot(steps, [float(r["coverage"]) for r in rows], color=colour,
                               alpha=0.7)
    success_axis.set(xlabel="agent-steps", ylabel="success rate")
    coverage_axis.set(xlabel="agent-steps", ylabel="coverage")
    success_axis.legend()
    figure.tight_layout()
    figure.savefig(args.png)
    plain, e3b = (sum(v) / len(v) for v in (sps["PPO"], sps["PPO+E3B"]))
    print(f"E3B training cost: {1 - e3b / plain:.0%} fewer agent-steps/s than plain PPO")
    print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
