"""Where the multiprocess backend's time goes, next to what the machine allows.

    python benchmarks/multiprocess_costs.py [ENV] [--num-envs N] [--rounds R]

1. Hand-off: microseconds per env.step of one env per core, where stepping is nearly free,
   so what is left is the backend itself: serial, 1 worker (the parent spins on a core of
   its own), and one worker per core (the parent steps block 0 itself and spins for the
   other processes).
2. Layout: what the parent stepping block 0 buys, with one worker per core, against the
   same env with every block on a worker process (the parent sleeps while they step):
   microseconds per env.step, at one env per core and at num_envs.
3. Ceiling: agent-steps/s of k independent processes stepping num_envs / k envs each (raw C
   on random actions, no synchronisation at all) against one process stepping num_envs,
   for k = the most workers that fit the cores: the most k workers could reach on this
   machine, next to the backend's own k-workers-vs-1 ratio measured in the same run.

Rows take turns (multiprocess_scaling.backend_rates) so the machine's drift hits them alike."""
import argparse
import multiprocessing
import statistics
import time

import numpy as np

import ocean
from multiprocess_scaling import backend_rates, interleaved_rates, median_ratio
from ocean.bench import machine_line, random_stepper
from ocean.multiprocess import MultiprocessEnv, physical_cores
from ocean.registry import game

RESULT_TIMEOUT_S = 120


def raw_stepper(name, num_envs, seconds, ready, results):
    """A process that steps its own serial batch (raw C, random actions) for `seconds`,
    starting when every process of its round is ready."""
    env = ocean.make(name, num_envs=num_envs, seed=0)
    env.reset()
    _, batches = random_stepper(env)
    env.step_raw()
    ready.wait()
    steps, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        np.copyto(env.actions, batches[steps % 32], casting="unsafe")
        env.step_raw()
        steps += 1
    results.put(steps * env.num_agents / (time.perf_counter() - began))


def independent_rate(name, num_envs, processes, seconds=0.5):
    """Summed agent-steps/s of `processes` processes stepping num_envs / processes each."""
    context = multiprocessing.get_context("spawn")
    ready, results = context.Barrier(processes), context.Queue()
    workers = [context.Process(target=raw_stepper, daemon=True,
                               args=(name, num_envs // processes, seconds, ready, results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    total = sum(results.get(timeout=RESULT_TIMEOUT_S) for _ in workers)
    for worker in workers:
        worker.join()
    return total


def layout_step_times(name, num_envs, workers, seconds, rounds):
    """Per round, µs per env.step of the env make() builds and of the same env with every
    block on a worker process (both: `workers` workers stepping every env at once), or None
    where make()'s env steps no block in the parent either."""
    record = game(name)
    envs = [ocean.make(name, num_envs=num_envs, seed=0, backend="multiprocess",
                       num_workers=workers)]
    try:
        envs.append(MultiprocessEnv(record, num_envs, 0, record.resolve({}), workers,
                                    num_envs, all_processes=True))
        if not envs[0].parent_block:
            return None
        rates = interleaved_rates(envs, seconds, rounds)
        return [[1e6 * envs[0].num_agents / rate for rate in r] for r in rates]
    finally:
        for env in envs:
            env.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("env", nargs="?", default="pong", choices=ocean.list_envs())
    parser.add_argument("--num-envs", type=int, default=4096)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    cores = physical_cores()
    most = max(k for k in range(1, cores + 1) if args.num_envs % k == 0)
    print(machine_line())
    print(f"{args.env}, physical cores {cores}")

    counts = sorted({1, cores})
    rates, _ = backend_rates(args.env, cores, counts, 2.0, 15)
    labels = ["serial"] + [f"{c} worker{'s' if c > 1 else ''}" for c in counts]
    print(f"hand-off ({cores} envs, µs per env.step): " + "  ".join(
        f"{label} {1e6 * cores / statistics.median(r):.1f}" for label, r in zip(labels, rates)))

    for num_envs in sorted({cores, args.num_envs}):
        times = layout_step_times(args.env, num_envs, cores, 2.0, 15)
        if times is None:
            print(f"layout: with {cores} worker(s) the parent steps no block")
            break
        block, processes = times
        gains = [p / b for p, b in zip(processes, block)]
        print(f"layout ({num_envs} envs, {cores} workers, µs per env.step): parent steps "
              f"block 0 {statistics.median(block):.1f}, every block a process "
              f"{statistics.median(processes):.1f}: {statistics.median(gains):.2f}x "
              f"(rounds {min(gains):.2f}-{max(gains):.2f})")

    ceiling = []
    for _ in range(args.rounds):
        one = independent_rate(args.env, args.num_envs, 1)
        ceiling.append(independent_rate(args.env, args.num_envs, most) / one)
    (_, one, many), _ = backend_rates(args.env, args.num_envs, [1, most], 4.0, 15)
    print(f"{args.num_envs} envs: {most} independent processes vs 1: "
          f"{statistics.median(ceiling):.2f}x (the ceiling; rounds "
          f"{min(ceiling):.2f}-{max(ceiling):.2f}); backend {most} workers vs 1: "
          f"{median_ratio(many, one):.2f}x")


if __name__ == "__main__":
    main()
