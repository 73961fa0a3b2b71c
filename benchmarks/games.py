"""Each game's speed on its reference configs beside the default, and Maze's generation rate.

The `ocean bench` table (raw C loop vs env.step, ocean/bench.py) with a row per config the game
is judged on besides its default (REFERENCE_CONFIGS), then Maze's generation rate alone.

    python benchmarks/games.py [ENV ...] [--num-envs N] [--seconds S]

REFERENCE_CONFIGS is the one list of those configs; benchmarks/multiprocess_scaling.py times
the same ones over worker processes.
"""
import argparse

import ocean
from ocean.bench import HEADER, machine_line, measure, rates, row

# Beside each game's default: configs where the work per agent-step differs. num_envs, where
# given, replaces --num-envs.
REFERENCE_CONFIGS = {
    # many snakes on one big grid: 4096 agents in 16 envs, against the default's small grids
    "snake": [dict(num_envs=16, num_snakes=256, width=640, height=360, num_food=4096,
                   vision=5),
              # crowded: 65536 snakes in a 258 x 258 interior leave about 1,000 cells free,
              # so respawns rarely find one at random (the worst case of snake.h's search)
              dict(num_envs=1, num_snakes=65536, width=260, height=260)],
    # the hard preset's maze (size 16, a key and a door), and a big maze where each reset
    # (a new maze) costs the most; max_steps follows from size
    "maze": [dict(size=16, keys=1), dict(size=32)],
}

GENERATION_SIZES = (8, 16, 32, 64)


def configs_for(name, num_envs):
    """(label, num_envs, config) of the default config, then of each reference config."""
    yield "default", num_envs, {}
    for config in REFERENCE_CONFIGS.get(name, []):
        config = dict(config)
        envs = config.pop("num_envs", num_envs)
        yield " ".join(f"{k}={v}" for k, v in config.items()), envs, config


def maze_generation(seconds, out=print):
    """Resets per second of maze generation alone at each size in GENERATION_SIZES. With
    max_steps=1 every step ends the episode, so each C step is one move and one reset (carve,
    loops, BFS, goal) and the reset dominates; the batch holds about 64K cells so every size
    does the same work per call. Median over calls."""
    out("maze generation alone (max_steps=1: every step draws a new maze)")
    for size in GENERATION_SIZES:
        num_envs = max(16, 65536 // size ** 2)
        with ocean.make("maze", num_envs=num_envs, seed=0, size=size, max_steps=1) as env:
            env.reset()

            def step(n):
                for _ in range(n):
                    env.step_raw()
            rate = rates(step, num_envs, seconds / len(GENERATION_SIZES), 1)
        out(f"  size {size:>2}: {rate:>12,.0f} resets/s  ({rate * size * size / 1e6:.0f}M "
            f"cells/s, {num_envs} envs)")


def parse_game_args(parser, argv=None, num_envs=4096):
    """Adds ENV ... and --num-envs (default num_envs) to parser and parses argv: args.envs is
    every game where none is named; an unknown name is a usage error."""
    parser.add_argument("envs", nargs="*", help=f"default: all of {ocean.list_envs()}")
    parser.add_argument("--num-envs", type=int, default=num_envs)
    args = parser.parse_args(argv)
    args.envs = args.envs or ocean.list_envs()
    unknown = [name for name in args.envs if name not in ocean.list_envs()]
    if unknown:
        parser.error(f"unknown env {unknown[0]!r}; valid names: {', '.join(ocean.list_envs())}")
    return args


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per config")
    args = parse_game_args(parser, argv)
    print(machine_line())
    print(HEADER)
    for name in args.envs:
        for label, num_envs, config in configs_for(name, args.num_envs):
            print(row(name, label, measure(name, num_envs, args.seconds, **config)), flush=True)
    if "maze" in args.envs:
        maze_generation(args.seconds)


if __name__ == "__main__":
    main()
