"""Where the multiprocess backend's time goes, next to what the machine allows.

    python benchmarks/multiprocess_costs.py [ENV] [--num-envs N] [--rounds R]

1. Hand-off: microseconds per env.step of one env per core, where stepping is nearly free,
   so what is left is the backend itself: serial, 1 worker (the parent spins on a core of
   its own), and one worker per core (the parent steps block 0 itself and spins for the
   other processes).
2. Ceiling: agent-steps/s of k independent processes stepping num_envs / k envs each (raw C
   on random actions, no synchronisation at all) against one process stepping num_envs,
   for k = the most workers that fit the cores: the most k workers could reach on this
   machine, next to the backend's own k-workers-vs-1 ratio measured in the same run.

Rows take turns (ocean.bench.backend_rates) so the machine's drift hits them alike."""
import argparse
import multiprocessing
import statistics
import time

import numpy as np

import ocean
from multiprocess_scaling import backend_rates, median_ratio
from ocean.bench import machine_line, random_stepper
from ocean.multiprocess import physical_cores

RESULT_TIMEOUT_S = 120


def raw_stepper(name, num_envs, seconds, ready, results):
    """A process that steps its own serial batch (raw C, random actions) for `seconds`,
    starting when every process of its round is ready."""
    env = ocean.make(name, num_envs=num_envs, seed=0)
    env.reset()
    _, batches = random_stepper(env)
    env._batch.step_raw()
    ready.wait()
    steps, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        np.copyto(env.actions, batches[steps % 32], casting="unsafe")
        env._batch.step_raw()
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
