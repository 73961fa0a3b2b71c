"""The on- vs off-policy study (issue 22): PPO against the DQN family on the same envs, each
run given the same wall clock, because wall clock is what a user pays.

    python benchmarks/onoff_study.py [--seconds 180] [--seeds 3] [--games pong]
        [--ppo-best "FLAGS"] [--methods NAME,...] [--runs runs/onoff] [--out docs]
        [--shard I/N] [FLAGS...]

Methods (METHODS): PPO with the game's defaults; PPO with --ppo-best's flags (the best of
the off-policy study, benchmarks/offpolicy_study.py) when given; Munchausen DQN with the
game's [dqn] defaults; DQN with n-step 3 and prioritized replay (no Munchausen term); and
Munchausen DQN at a lower and a higher replay ratio than its default. Every run is `ocean
train <game>` with `--train.max-seconds` the budget, the runs alternating seed by seed in a
rotated order (benchmarks/studies.py). Writes <out>/onoff_study.md: per method, seconds and
agent-steps to the threshold, score at the budget, gradient samples per agent-step and
training agent-steps/s (ocean compare's table), and <out>/onoff_<game>.png with both
x-axes. Also prints each method's best score over a random policy's, for the learner's bar
(M-DQN at least 15 points above random on Pong within the budget)."""
import argparse
import pathlib
import shlex
import statistics

import numpy as np

import ocean
from ocean.train import compare
from studies import THRESHOLDS, add_shard_argument, report, run_game, write_report

DQN = ["--algo", "dqn"]
METHODS = {
    "ppo": [],
    "mdqn": DQN,
    "dqn-n3-prioritized": [*DQN, "--dqn.n-step", "3", "--dqn.prio-alpha", "0.6",
                           "--dqn.munchausen-alpha", "0"],
    "mdqn-replay-0.25": [*DQN, "--dqn.replay-ratio", "0.25"],
    "mdqn-replay-2": [*DQN, "--dqn.replay-ratio", "2"],
}


def random_score(game, episodes=200, seed=0):
    """The mean episode score of uniformly random actions (the bar's reference)."""
    env = ocean.make(game, num_envs=64, seed=seed)
    env.reset()
    rng = np.random.default_rng(seed)
    key = compare.curve_key(env.game.log_keys)
    total, count = 0.0, 0
    while count < episodes:
        info = env.step(rng.integers(0, env.single_action_space.n, env.num_agents))[-1]
        if info:
            total += info[key] * info["episodes"]
            count += info["episodes"]
    env.close()
    return total / count


def bar_lines(groups, baseline):
    """Each method's final score (the last point of each run's curve) over random's."""
    lines = [f"Random policy: mean score {baseline:.2f}. Final scores over it (per seed):\n"]
    for name, runs in groups:
        finals = [run.curve[-1][2] - baseline if len(run.curve) else float("nan")
                  for run in runs]
        lines.append(f"- {name}: " + ", ".join(f"{f:+.1f}" for f in finals)
                     + f" (median {statistics.median(finals):+.1f})")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180, help="budget per run")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--games", default="pong")
    parser.add_argument("--ppo-best", default="", help="flags of the best PPO variant")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--runs", default="runs/onoff")
    parser.add_argument("--out", default="docs")
    add_shard_argument(parser)
    args, flags = parser.parse_known_args(argv)
    args.flags = flags  # the rest: `ocean train` flags for every run
    table = dict(METHODS)
    if args.ppo_best:
        table["ppo-best"] = shlex.split(args.ppo_best)
    methods = [m for m in args.methods.split(",") if m] + (["ppo-best"] if args.ppo_best else [])
    unknown = [m for m in methods if m not in table]
    if unknown:
        parser.error(f"unknown methods {', '.join(unknown)}; known: {', '.join(table)}")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["Methods and their flags: " + "; ".join(
        f"`{m}` {' '.join(table[m]) or '(the defaults)'}" for m in methods) + "\n"]
    for game in args.games.split(","):
        groups = run_game(game, methods, table, args.seconds, args)
        if args.shard[1] > 1:
            continue  # a shard trains; the run without --shard reports
        lines.append(report("onoff", game, groups, args.seconds, out))
        lines.extend(bar_lines(groups, random_score(game)))
        lines.append("")
    if args.shard[1] == 1:
        write_report("onoff", lines, out, argv)


if __name__ == "__main__":
    main()
