"""The C sanitizer soak: every game stepped for many random agent-steps under AddressSanitizer
and UndefinedBehaviorSanitizer, through the C bench (csrc/bench.c built as
csrc/build/bench_sanitize). Any sanitizer report stops that run and fails the soak.

    python benchmarks/soak.py [ENV ...] [--steps 1e8] [--seed 0] [--num-envs 64]

For each game: its default config (rendering one env every 16th batch, so drawing is soaked
too), each of its reference configs in benchmarks/games.py, and a tenth of the steps with
one action in 8 any int32 (--wild-actions: Python refuses those, but C must never index
memory with one). The steps are split evenly over a game's configs. Prints a row per run
and exits non-zero if any run failed. Not part of the test suite (tests/test_c.py runs the
same driver for 10^6 steps): 10^8 agent-steps per game take minutes.
"""
import argparse
import os
import re
import subprocess
import sys
import time

from games import REFERENCE_CONFIGS, parse_game_args

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "csrc", "build", "bench_sanitize")
ASAN_OPTIONS = "detect_leaks=1:abort_on_error=1"
RENDER_EVERY = 16
WILD_SHARE = 0.1  # of each game's steps, with out-of-range actions
# the bench's line: "<game> <E> envs <A> agents <rate> agent-steps/s  (<B> batches, <N> episodes)"
BENCH_LINE = re.compile(r"(\d+) agents .*\((\d+) batches, (\d+) episodes\)")


def runs_for(name, steps, num_envs):
    """(label, bench arguments) of every run for game `name`, `steps` agent-steps in all."""
    configs = [("default", {})] + [
        (" ".join(f"{k}={v}" for k, v in c.items() if k != "num_envs"), c)
        for c in REFERENCE_CONFIGS.get(name, [])]
    per_config = int(steps * (1 - WILD_SHARE) / len(configs))
    for label, config in configs:
        envs = config.get("num_envs", num_envs)
        keys = [f"{k}={v}" for k, v in config.items() if k != "num_envs"]
        render = ["--render-every", str(RENDER_EVERY)] if not config else []
        yield label, ["--envs", str(envs), "--steps", str(per_config), *render, name, *keys]
    yield "default, wild actions", ["--envs", str(num_envs), "--steps",
                                    str(int(steps * WILD_SHARE)), "--wild-actions", name]


def soak(names, steps, seed, num_envs, out=print):
    """Runs every game's runs; returns the number that failed."""
    build = subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "csrc"),
                            "build/bench_sanitize"], capture_output=True, text=True)
    if build.returncode:
        out(build.stdout + build.stderr)
        return 1
    out(f"sanitizer soak: {steps:.3g} agent-steps per game, seed {seed}, ASan + UBSan")
    out(f"{'env':<10} {'config':<34} {'agent-steps':>12} {'episodes':>10} {'seconds':>8}  result")
    failed = 0
    for name in names:
        for label, args in runs_for(name, steps, num_envs):
            start = time.monotonic()
            result = subprocess.run([BENCH, "--seed", str(seed), *args], capture_output=True,
                                    text=True, env={**os.environ, "ASAN_OPTIONS": ASAN_OPTIONS})
            seconds = time.monotonic() - start
            found = BENCH_LINE.search(result.stdout)
            ok = found is not None and result.returncode == 0 \
                and "runtime error" not in result.stderr
            agents, batches, episodes = map(int, found.groups()) if found else (0, 0, 0)
            out(f"{name:<10} {label[:34]:<34} {agents * batches:>12,} {episodes:>10,} "
                f"{seconds:>8.1f}  {'ok' if ok else 'FAILED'}")
            if not ok:
                failed += 1
                out(result.stderr[-4000:])
    return failed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=float, default=1e8, help="agent-steps per game")
    parser.add_argument("--seed", type=int, default=0, help="seeds the actions and the envs")
    args = parse_game_args(parser, argv, num_envs=64)  # where a config names none
    failed = soak(args.envs, args.steps, args.seed, args.num_envs)
    print(f"{failed} run(s) failed" if failed else "no sanitizer reports")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
