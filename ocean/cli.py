"""The `ocean` command. Each subcommand is a small function over parsed arguments; the
heavy ones import their extras (torch, raylib) only when called."""
import argparse
import sys

import ocean
from ocean.vector import check_seed


def bench_command(args):
    from ocean import bench
    unknown = [n for n in args.envs if n not in ocean.list_envs()]
    if unknown:
        raise SystemExit(f"unknown env {unknown[0]!r}; valid names: {', '.join(ocean.list_envs())}")
    bench.run(args.envs, num_envs=args.num_envs, seconds=args.seconds)


def train_command(args):
    from ocean.train.cli import train_main
    train_main(args.env, args.overrides)


def sweep_command(args):
    from ocean.sweep.cli import sweep_main
    sweep_main(args, args.overrides)


def eval_command(args):
    from ocean.train.cli import eval_main
    eval_main(args)


def play_command(args):
    from ocean import render
    stats = run_user_facing("play", render.play, args.env, checkpoint=args.checkpoint,
                            fps=args.fps, seed=args.seed, steps=args.steps, record=args.record,
                            **args.config)
    print(f"played {stats['steps']} steps in {stats['seconds']:.1f} s: {stats['fps']:.1f} FPS")
    if args.record:
        print(f"wrote {args.record}")


def render_command(args):
    from ocean import render
    path = run_user_facing("render", render.record, args.env, steps=args.steps, out=args.out,
                           checkpoint=args.checkpoint, fps=args.fps, seed=args.seed,
                           **args.config)
    print(f"wrote {path}")


def compare_command(args):
    from ocean.train.compare import CompareError, compare
    try:
        table, _ = compare(args.runs, threshold=args.threshold, out=args.out,
                           group_by=args.group_by)
    except CompareError as error:
        raise SystemExit(f"ocean compare: {error}") from None
    print(table)
    print(f"wrote {args.out}")


def run_user_facing(command, function, *args, **kwargs):
    """Errors a user can cause (bad name, config, checkpoint, output, no display) end the
    command with their message, not a traceback."""
    from ocean.render import RenderError
    try:
        return function(*args, **kwargs)
    except (ValueError, RenderError) as error:  # PolicyError is a ValueError
        raise SystemExit(f"ocean {command}: {error}")


def config_override(text):
    """key=value with an int, float or true/false value; the game validates key and range."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"config overrides are key=value, got {text!r}")
    lowered = value.lower()
    if lowered in ("true", "false"):
        return key, lowered == "true"
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"{key}: value must be a number or true/false, got {value!r}")


def non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def seed_value(text):
    """A seed as make() takes it (ocean.vector.check_seed): refused here, before a
    checkpoint is loaded or an env made."""
    try:
        return check_seed(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer in [0, 2**64), "
                                         f"got {text!r}") from None


def positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="ocean", description="Fast RL environments in C.")
    commands = parser.add_subparsers(dest="command", required=True)

    bench = commands.add_parser(
        "bench", help="agent-steps per second of each env: raw C loop vs env.step",
        description="Agent-steps per second of each env's default config: the raw C loop and "
                    "env.step from Python. Other configs and the multiprocess scaling study: "
                    "the scripts in benchmarks/.")
    bench.add_argument("envs", nargs="*", help=f"envs to time (default: all of {ocean.list_envs()})")
    bench.add_argument("--num-envs", type=positive_int, default=4096)
    bench.add_argument("--seconds", type=positive_float, default=3.0, help="per env")
    bench.set_defaults(func=bench_command)

    train = commands.add_parser(
        "train", help="train PPO (or DQN: --algo dqn) on an env (needs the [train] extra)",
        description="Train PPO, or Munchausen DQN with --algo dqn. Flags after the env "
                    "override its defaults (ocean/<env>/train.toml): `ocean train pong "
                    "--help` lists them.")
    train.add_argument("env", choices=ocean.list_envs())
    train.add_argument("overrides", nargs=argparse.REMAINDER,
                       help="--algo dqn, --train.x / --policy.x / --dqn.x / --env.x VALUE, "
                            "--device, --resume PATH")
    train.set_defaults(func=train_command)

    sweep = commands.add_parser(
        "sweep", allow_abbrev=False,
        help="search hyperparameters: many `ocean train` runs (needs the [train] extra; "
             "--backend ray the [sweep] extra)",
        description="Search the spaces of the game's train.toml [sweep] table (or "
                    "--sweep-config FILE) for configs that reach a high score in little "
                    "wall-clock time. Flags after the env that are not the sweep's own go to "
                    "every trial, as in `ocean train` (--train.total-steps 5_000_000 fixes "
                    "each trial's budget and takes it out of the search). Writes "
                    "sweeps/<env>-<stamp>/: sweep.csv, best.toml, front.png, params.png and "
                    "every trial's run folder.")
    sweep.add_argument("env", choices=ocean.list_envs())
    sweep.add_argument("--trials", type=positive_int, default=None, metavar="N",
                       help="stop after this many trials in all (default: no limit)")
    sweep.add_argument("--max-minutes", type=positive_float, default=None, metavar="M",
                       help="stop after this much wall clock in all (default: no limit; "
                            "without either limit the sweep runs until Ctrl-C)")
    sweep.add_argument("--max-trial-minutes", type=positive_float, default=None, metavar="T",
                       help="stop a trial after this long, recorded as failed; the search "
                            "suggests nothing it predicts to take longer")
    sweep.add_argument("--resume", default=None, metavar="DIR",
                       help="continue the sweep in DIR: its rows are replayed into the search")
    sweep.add_argument("--sweep-config", default=None, metavar="FILE",
                       help="a TOML file whose [sweep] table replaces the game's")
    sweep.add_argument("--backend", choices=("local", "ray"), default="local",
                       help="local: one trial after another here; ray: trials as Ray Tune "
                            "trials (the [sweep] extra)")
    sweep.add_argument("--address", default=None, metavar="ADDR",
                       help="the Ray cluster to join: 'auto' or head-ip:6379 (a cluster "
                            "started with `ray start --head`); default: a Ray instance here")
    sweep.set_defaults(func=sweep_command)

    evaluate = commands.add_parser("eval", help="run a trained checkpoint for N episodes")
    evaluate.add_argument("env", nargs="?", help="checked against the checkpoint's env")
    evaluate.add_argument("--checkpoint", required=True, help="a model.pt from a run folder")
    evaluate.add_argument("--episodes", type=positive_int, default=100)
    evaluate.add_argument("--num-envs", type=positive_int, default=None,
                          help="envs stepped together (default: min(episodes, 64))")
    evaluate.add_argument("--seed", type=seed_value, default=1)
    evaluate.add_argument("--greedy", action="store_true",
                          help="argmax instead of sampling (a DQN checkpoint: argmax Q instead "
                               "of epsilon-greedy with its dqn.eval_epsilon)")
    evaluate.add_argument("--device", default="cpu")
    evaluate.set_defaults(func=eval_command)

    play = commands.add_parser("play", help="watch a policy play in a window; hold Left Shift "
                                            "to take over (needs the [render] extra)")
    add_game_arguments(play)
    play.add_argument("--fps", type=non_negative_int, default=60,
                      help="agent-steps (= frames) per second; 0: as fast as it goes")
    play.add_argument("--steps", type=positive_int, default=None,
                      help="quit after this many agent-steps (default: when the window closes)")
    play.add_argument("--record", default=None, metavar="FILE",
                      help="also write what was shown to FILE (.gif, or .png of the last frame)")
    play.set_defaults(func=play_command)

    render = commands.add_parser("render", help="record a policy playing to a GIF or PNG, "
                                                "no display needed (needs Pillow)")
    add_game_arguments(render)
    render.add_argument("--steps", type=non_negative_int, required=True, help="agent-steps")
    render.add_argument("--out", required=True, metavar="FILE",
                        help=".gif: every frame; .png: the last frame")
    render.add_argument("--fps", type=positive_int, default=30, help="GIF playback rate")
    render.set_defaults(func=render_command)

    compare = commands.add_parser(
        "compare", help="learning curves of runs against wall clock and agent-steps, and a "
                        "table (needs the [train] extra)",
        description="Group run folders by config (equal apart from the seed), draw each "
                    "group's score against wall-clock seconds and agent-steps (mean of its "
                    "runs, min-max band) and print a markdown table: time and agent-steps to "
                    "--threshold, score at the budget every run reached, training speed, "
                    "gradient samples per agent-step.")
    compare.add_argument("runs", nargs="+", help="run folders, e.g. runs/pong-*")
    compare.add_argument("--threshold", type=float, default=None,
                         help="the score whose first crossing the table times")
    compare.add_argument("--out", default="compare.png", metavar="FILE",
                         help="the figure (.png, .svg, .pdf, ...)")
    compare.add_argument("--group-by", type=key_list, default=None, metavar="KEY,...",
                         help="group by these config keys instead, e.g. train.horizon")
    compare.set_defaults(func=compare_command)
    return parser


def key_list(text):
    keys = [key for key in text.split(",") if key.strip()]
    if not keys:
        raise argparse.ArgumentTypeError(f"expected config keys separated by commas, "
                                         f"got {text!r}")
    return keys


def add_game_arguments(parser):
    parser.add_argument("env", help=f"one of {ocean.list_envs()}")
    parser.add_argument("config", nargs="*", type=config_override, metavar="KEY=VALUE",
                        help="config overrides, e.g. frameskip=1")
    parser.add_argument("--checkpoint", default=None, metavar="P",
                        help="the policy: 'scripted' (the game's own, default when it has "
                             "one), 'random', or a trained checkpoint file (needs the trainer)")
    parser.add_argument("--seed", type=seed_value, default=None)


def main(argv=None):
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "sweep":  # the rest are every trial's `ocean train` flags
        args.overrides, extra = extra, []
    options = [text for text in extra if text.startswith("-")]
    if options:
        parser.error(f"unrecognized arguments: {' '.join(options)}")
    if hasattr(args, "config"):  # KEY=VALUE overrides may come after the options too
        try:
            args.config = dict(args.config + [config_override(text) for text in extra])
        except argparse.ArgumentTypeError as error:
            parser.error(str(error))
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
