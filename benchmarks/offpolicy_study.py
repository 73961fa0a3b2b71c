"""The off-policy study (issue 21): which of PPO's experience-buffer options make it learn
faster per second of wall clock.

    python benchmarks/offpolicy_study.py [--seconds 300] [--breakout-seconds 900] [--seeds 3]
        [--variants NAME,...] [--best 3] [--games pong,breakout] [--runs runs/offpolicy]
        [--out docs] [FLAGS...]

Every run is `ocean train <game>` with the game's defaults, the variant's flags and FLAGS,
`--train.total-steps` out of reach and `--train.max-seconds` the budget: each run gets the
same wall clock, and its learning rate decays to 0 over that budget. Pong first: every
variant (VARIANTS) with each seed, the runs alternating (seed 0 of every variant, then seed
1, in a rotated order) so that the machine's drift over hours hits all variants alike. Then
Breakout: the baseline against the best `--best` Pong variants (fewest median seconds to
the threshold, then the highest score at the budget). Before a game's runs, each variant
trains one update, so torch.compile's cache holds its graphs and no run pays a cold
compilation inside its budget.

Runs land in <runs>/<game>/<variant>/; a run already there (same seed, finished) is kept,
so an interrupted study resumes. The tables and figures come from ocean compare's functions
(ocean/train/compare.py): <out>/offpolicy_study.md (machine, versions, budgets, one table
per game and the Pong ranking) and <out>/offpolicy_<game>.png.
"""
import argparse
import datetime
import json
import math
import os
import pathlib
import statistics
import subprocess
import sys

import torch

from ocean.bench import machine_line
from ocean.train import compare

THRESHOLDS = {"pong": 18.0, "breakout": 200.0}
NO_LIMIT = 10**12  # agent-steps: the budget in seconds ends every run
CORRECTIONS = ["--train.vtrace-rho-clip", "1", "--train.vtrace-c-clip", "1",
               "--train.refresh-values"]
NO_RATIO_CLIP = ["--train.clip-coef", "0", "--train.vf-clip-coef", "0.2"]
# name: flags. Replay keeps replay_factor at update_epochs (the default): the same gradient
# work per update as the baseline, drawn from the last K rollouts instead of the newest.
VARIANTS = {
    "baseline": [],
    "prioritized": ["--train.prio-alpha", "0.8", "--train.prio-beta0", "0.2"],
    "replay-k2": ["--train.buffer-rollouts", "2"],
    "replay-k4": ["--train.buffer-rollouts", "4"],
    "replay-k2-corrected": ["--train.buffer-rollouts", "2", *CORRECTIONS],
    "replay-k4-corrected": ["--train.buffer-rollouts", "4", *CORRECTIONS],
    "munchausen-reward": ["--train.munchausen-alpha", "0.9"],
    "munchausen-soft": ["--train.munchausen-alpha", "0.9", "--train.munchausen-mode", "soft"],
    "kl-no-clip": [*NO_RATIO_CLIP, "--train.kl-coef", "1"],
    "no-clip": NO_RATIO_CLIP,
    **{f"horizon-{h}": ["--train.horizon", str(h)] for h in (8, 16, 32, 128)},
}


def finished_runs(folder):
    """{seed: run folder} of the finished runs (a final checkpoint) under `folder`."""
    runs = {}
    for config_path in sorted(folder.glob("*/config.json")):
        run = config_path.parent
        if (run / "model.pt").is_file() and (run / "metrics.csv").is_file():
            runs[json.loads(config_path.read_text())["train"]["seed"]] = run
    return runs


def train(game, flags, runs_dir, log, timeout):
    """One `ocean train` in its own process (a fresh interpreter for every run), its output
    into `log`."""
    command = [sys.executable, "-m", "ocean.cli", "train", game, *flags,
               "--runs-dir", str(runs_dir), "--no-dashboard", "--train.log-interval", "30"]
    runs_dir.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as out:
        print(" ".join(command), file=out, flush=True)
        subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=True,
                       timeout=timeout)


def warm_up(game, variants, args, scratch):
    """One update of each variant, compiled, so that the runs find their graphs cached."""
    for name in variants:
        train(game, [*VARIANTS[name], *args.flags, "--train.total-steps", "1",
                     "--train.compile", "always"], scratch / name, scratch / "warm-up.log",
              timeout=1800)


def run_game(game, variants, seconds, args):
    """Every variant x seed of `game` not yet run, alternating; returns [(name, runs)]."""
    root = pathlib.Path(args.runs) / game
    warm_up(game, variants, args, root / "warm-up")
    for round_index, seed in enumerate(range(args.seeds)):
        shift = round_index % len(variants)
        for name in variants[shift:] + variants[:shift]:
            folder = root / name
            if seed in finished_runs(folder):
                continue
            flags = [*VARIANTS[name], *args.flags, "--train.seed", str(seed),
                     "--train.total-steps", str(NO_LIMIT),
                     "--train.checkpoint-interval", str(NO_LIMIT),
                     "--train.max-seconds", str(seconds)]
            print(f"{game} {name} seed {seed} ({seconds:g} s)", flush=True)
            train(game, flags, folder, folder / "train.log", timeout=2 * seconds + 1800)
    return [(name, [compare.load_run(run) for seed, run in
                    sorted(finished_runs(root / name).items()) if seed < args.seeds])
            for name in variants]


def rank(groups, threshold):
    """The groups but the baseline, best first: fewest median seconds to the threshold (a
    run that never reached it counts as infinitely late), then highest mean score at the
    wall-clock budget every run reached."""
    budget = min(run.end[compare.SECONDS] for _, runs in groups for run in runs)

    def key(group):
        _, runs = group
        seconds = statistics.median(compare.to_threshold(run, threshold, compare.SECONDS)
                                    for run in runs)
        scores = [compare.score_at(run, budget, compare.SECONDS) for run in runs]
        scores = [s for s in scores if not math.isnan(s)]
        return seconds, -(statistics.mean(scores) if scores else -math.inf)
    return sorted((g for g in groups if g[0] != "baseline"), key=key)


def report(game, groups, seconds, out):
    """The figure into <out>/offpolicy_<game>.png; returns the markdown section."""
    threshold = THRESHOLDS[game]
    figure = out / f"offpolicy_{game}.png"
    compare.save(compare.plot(groups, threshold), figure)
    runs = sum(len(r) for _, r in groups)
    return (f"## {game.capitalize()}\n\n{len(groups)} variants, {runs} runs of {seconds:g} s "
            f"each. ![{game}]({figure.name})\n\n{compare.table(groups, threshold)}\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300, help="Pong's budget per run")
    parser.add_argument("--breakout-seconds", type=float, default=900)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help="Pong's variants (the baseline is always run)")
    parser.add_argument("--best", type=int, default=3, help="Pong's best, run on Breakout")
    parser.add_argument("--games", default="pong,breakout")
    parser.add_argument("--runs", default="runs/offpolicy")
    parser.add_argument("--out", default="docs")
    args, flags = parser.parse_known_args(argv)
    args.flags = flags  # the rest: `ocean train` flags for every run
    chosen = [v for v in args.variants.split(",") if v]
    unknown = [v for v in chosen if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    variants = ["baseline", *(v for v in chosen if v != "baseline")]
    games = args.games.split(",")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    lines = [f"# Off-policy study: results\n\nWritten by `python benchmarks/offpolicy_study.py "
             f"{' '.join(argv if argv is not None else sys.argv[1:])}` on "
             f"{datetime.date.today()}.\n\n{machine_line()}; torch {torch.__version__}.\n"]
    if "pong" in games:
        groups = run_game("pong", variants, args.seconds, args)
        lines.append(report("pong", groups, args.seconds, out))
        ranked = rank(groups, THRESHOLDS["pong"])
        lines.append("Pong's variants, best first: " + ", ".join(n for n, _ in ranked) + "\n")
        variants = ["baseline", *(name for name, _ in ranked[:args.best])]
    if "breakout" in games:
        groups = run_game("breakout", variants, args.breakout_seconds, args)
        lines.append(report("breakout", groups, args.breakout_seconds, out))
    path, temporary = out / "offpolicy_study.md", out / "offpolicy_study.md.tmp"
    temporary.write_text("\n".join(lines))
    os.replace(temporary, path)  # never half a report
    print("\n".join(lines))
    print(f"written: {path}")


if __name__ == "__main__":
    main()
