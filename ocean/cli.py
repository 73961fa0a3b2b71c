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
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
