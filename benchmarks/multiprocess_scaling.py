"""How env.step scales over worker processes: each worker count against the serial env.step.

The multiprocess backend per worker count against the serial env, for each game's default and
reference configs (games.py).

    python benchmarks/multiprocess_scaling.py [ENV ...] [--workers 1,2] [--num-envs N]
                                              [--seconds S] [--rounds R]

The backends take turns in rounds (interleaved_rates), so a drift in the machine's speed hits
them alike; each ratio is the median of the per-round ratios.
"""
import argparse
import os
import statistics
import time

import ocean
from games import configs_for, parse_game_args
from ocean.bench import machine_line, random_stepper
from ocean.multiprocess import physical_cores


def interleaved_rates(envs, seconds, rounds):
    """Agent-steps/s of env.step for each env, per round: the envs take turns, a chunk of
    steps each (about seconds / rounds long), so a drift in the machine's speed (other jobs,
    a VM's neighbours) hits all of them alike and a per-round ratio cancels it. Each round
    starts one env later, so none always follows the same other."""
    steppers = [random_stepper(env)[0] for env in envs]
    chunks = []
    for env, step in zip(envs, steppers):
        env.reset()
        step(1)
        start, n, done = time.perf_counter(), 1, 0
        while time.perf_counter() - start < 0.05:  # warm up, and time a step
            step(n)
            done, n = done + n, 2 * n
        chunks.append(max(1, int(done * seconds / rounds / (time.perf_counter() - start))))
    samples = [[] for _ in envs]
    for round_ in range(rounds):
        for turn in range(len(envs)):
            k = (round_ + turn) % len(envs)
            start = time.perf_counter()
            steppers[k](chunks[k])
            samples[k].append(chunks[k] * envs[k].num_agents / (time.perf_counter() - start))
    return samples


def backend_rates(name, num_envs, counts, seconds, rounds, **config):
    """(interleaved_rates, num_agents) of the serial env and of the multiprocess one with
    each worker count in counts, in that order."""
    envs = []
    try:
        envs.append(ocean.make(name, num_envs=num_envs, seed=0, **config))
        for count in counts:
            envs.append(ocean.make(name, num_envs=num_envs, seed=0, backend="multiprocess",
                                   num_workers=count, **config))
        return interleaved_rates(envs, seconds, rounds), envs[0].num_agents
    finally:
        for env in envs:
            env.close()


def median_ratio(rates, reference):
    return statistics.median(a / b for a, b in zip(rates, reference))


def run_scaling(names, workers, num_envs=4096, seconds=3.0, rounds=15, out=print):
    """One row per worker count (and one serial reference) for every game and config:
    agent-steps/s of env.step (the median round), and the median of the per-round ratios to
    serial and to the first worker count (see interleaved_rates)."""
    out(machine_line())
    cores = physical_cores()
    out(f"physical cores {cores} (from {max(2, cores)} workers on, the parent steps a "
        f"block), load average {os.getloadavg()[0]:.2f}; backends take turns over {rounds} "
        f"rounds; ratios are per-round medians")
    base = f"vs {workers[0]} worker{'s' if workers[0] > 1 else ''}"
    out(f"{'env':<10} {'config':<28} {'agents':>7} {'backend':<12} {'M steps/s':>10} "
        f"{'vs serial':>10} {base:>15}")
    for name in names:
        for label, num, config in configs_for(name, num_envs):
            counts = [c for c in workers if num % c == 0]
            (serial, *rates), agents = backend_rates(name, num, counts, seconds, rounds,
                                                     **config)
            out(f"{name:<10} {label[:28]:<28} {agents:>7} {'serial':<12} "
                f"{statistics.median(serial) / 1e6:>10.2f} {1:>9.2f}x")
            by_count = dict(zip(counts, rates))
            for count in workers:
                backend = f"{count} worker{'s' if count > 1 else ''}"
                if count not in by_count:
                    out(f"{'':<10} {'':<28} {agents:>7} {backend:<12} "
                        f"{'n/a: num_envs=' + str(num) + ' does not split':>37}")
                    continue
                first = by_count.get(workers[0])
                versus_first = (f"{median_ratio(by_count[count], first):>14.2f}x" if first
                                else f"{'':>15}")
                out(f"{'':<10} {'':<28} {agents:>7} {backend:<12} "
                    f"{statistics.median(by_count[count]) / 1e6:>10.2f} "
                    f"{median_ratio(by_count[count], serial):>9.2f}x {versus_first}")


def worker_counts(text):
    counts = [int(part) for part in text.split(",")]
    if min(counts) < 1:
        raise argparse.ArgumentTypeError(f"worker counts must be positive, got {text}")
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=worker_counts, default=[1, 2],
                        help="worker counts, e.g. 1,2")
    parser.add_argument("--seconds", type=float, default=3.0, help="per backend and config")
    parser.add_argument("--rounds", type=int, default=15)
    args = parse_game_args(parser, argv)
    run_scaling(args.envs, args.workers, num_envs=args.num_envs, seconds=args.seconds,
                rounds=args.rounds)


if __name__ == "__main__":
    main()
