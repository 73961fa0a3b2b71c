"""The `ocean` command. Each subcommand is a small function over parsed arguments; the
heavy ones import their extras (torch, raylib) only when called."""
import argparse
import sys

import ocean


def bench_command(args):
    from ocean import bench
    unknown = [n for n in args.envs if n not in ocean.list_envs()]
    if unknown:
        raise SystemExit(f"unknown env {unknown[0]!r}; valid names: {', '.join(ocean.list_envs())}")
    if args.backend == "multiprocess":
        bench.run_scaling(args.envs, args.workers or [1, 2], num_envs=args.num_envs,
                          seconds=args.seconds)
    elif args.workers:
        raise SystemExit("--workers needs --backend multiprocess")
    else:
        bench.run(args.envs, num_envs=args.num_envs, seconds=args.seconds)


def train_command(args):
    from ocean.train.cli import train_main
    train_main(args.env, args.overrides)


def eval_command(args):
    from ocean.train.cli import eval_main
    eval_main(args)


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_int_list(text):
    return [positive_int(part) for part in text.split(",")]


def positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="ocean", description="Fast RL environments in C.")
    commands = parser.add_subparsers(dest="command", required=True)

    bench = commands.add_parser("bench", help="agent-steps per second of each env")
    bench.add_argument("envs", nargs="*", help=f"envs to time (default: all of {ocean.list_envs()})")
    bench.add_argument("--num-envs", type=positive_int, default=4096)
    bench.add_argument("--seconds", type=positive_float, default=3.0, help="per measured config")
    bench.add_argument("--backend", choices=["serial", "multiprocess"], default="serial",
                       help="multiprocess: a scaling table of env.step per worker count")
    bench.add_argument("--workers", type=positive_int_list, default=None,
                       help="worker counts for --backend multiprocess, e.g. 1,2 (default 1,2)")
    bench.set_defaults(func=bench_command)

    train = commands.add_parser(
        "train", help="train PPO on an env (needs the [train] extra)",
        description="Train PPO. Flags after the env override its defaults "
                    "(ocean/<env>/train.toml): `ocean train pong --help` lists them.")
    train.add_argument("env", choices=ocean.list_envs())
    train.add_argument("overrides", nargs=argparse.REMAINDER,
                       help="--train.x / --policy.x / --env.x VALUE, --device, --resume PATH")
    train.set_defaults(func=train_command)

    evaluate = commands.add_parser("eval", help="run a trained checkpoint for N episodes")
    evaluate.add_argument("env", nargs="?", help="checked against the checkpoint's env")
    evaluate.add_argument("--checkpoint", required=True, help="a model.pt from a run folder")
    evaluate.add_argument("--episodes", type=positive_int, default=100)
    evaluate.add_argument("--num-envs", type=positive_int, default=None,
                          help="envs stepped together (default: min(episodes, 64))")
    evaluate.add_argument("--seed", type=int, default=1)
    evaluate.add_argument("--greedy", action="store_true", help="argmax instead of sampling")
    evaluate.add_argument("--device", default="cpu")
    evaluate.set_defaults(func=eval_command)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
