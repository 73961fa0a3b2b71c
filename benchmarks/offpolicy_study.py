"""The off-policy study (issue 21): which of PPO's experience-buffer options make it learn
faster per second of wall clock.

    python benchmarks/offpolicy_study.py [--seconds 300] [--breakout-seconds 900] [--seeds 3]
        [--variants NAME,...] [--best 3] [--games pong,breakout] [--runs runs/offpolicy]
        [--out docs] [--shard I/N] [FLAGS...]

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
so an interrupted study resumes (benchmarks/studies.py). The tables and figures come from
ocean compare's functions: <out>/offpolicy_study.md (machine, versions, budgets, one table
per game and the Pong ranking) and <out>/offpolicy_<game>.png.
"""
import argparse
import pathlib

from studies import THRESHOLDS, add_shard_argument, rank, report, run_game, write_report

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
    add_shard_argument(parser)
    args, flags = parser.parse_known_args(argv)
    args.flags = flags  # the rest: `ocean train` flags for every run
    chosen = [v for v in args.variants.split(",") if v]
    unknown = [v for v in chosen if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    variants = ["baseline", *(v for v in chosen if v != "baseline")]
    games = args.games.split(",")
    if args.shard[1] > 1 and len(games) > 1:  # Breakout's variants need all of Pong's runs
        parser.error("--shard runs one game: add --games pong or --games breakout")
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    lines = []
    if "pong" in games:
        groups = run_game("pong", variants, VARIANTS, args.seconds, args)
        if args.shard[1] > 1:
            return  # a shard trains; the run without --shard reports
        lines.append(report("offpolicy", "pong", groups, args.seconds, out))
        ranked = rank(groups, THRESHOLDS["pong"])
        lines.append("Pong's variants, best first: " + ", ".join(n for n, _ in ranked) + "\n")
        variants = ["baseline", *(name for name, _ in ranked[:args.best])]
    if "breakout" in games:
        groups = run_game("breakout", variants, VARIANTS, args.breakout_seconds, args)
        if args.shard[1] > 1:
            return
        lines.append(report("offpolicy", "breakout", groups, args.breakout_seconds, out))
    write_report("offpolicy", lines, out, argv)


if __name__ == "__main__":
    main()
