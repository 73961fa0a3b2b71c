"""Where the multiprocess backend's time goes, next to what the machine allows.

    python benchmarks/multiprocess_costs.py [ENV] [--num-envs N] [--rounds R]

1. Hand-off: microseconds per env.step at a batch of 2 envs, where stepping is free, so
   what is left is the backend itself: serial, 1 worker (the parent spins on a core of its
   own), and one worker per core (the parent sleeps, and every step wakes it and takes a
   core from a worker).
2. Ceiling: agent-steps/s of independent processes stepping num_envs / k envs each (raw C,
   no synchronisation at all) against one process stepping num_envs, for k = 1 and every
   core: the most k workers could reach on this machine, against the backend's own ratio
   (the `ocean bench --backend multiprocess` table) in the same run.

Rows take turns (see ocean.bench.interleaved_rates) so the machine's drift hits them alike."""
import argparse
import multiprocessing
import statistics
import time

import ocean
from ocean.bench import interleaved_rates, machine_line, median_ratio
from ocean.multiprocess import physical_cores


def handoff_us(name, rounds):
    """Median µs per env.step of 2 envs: serial, 1 worker, one worker per core."""
    counts = sorted({1, physical_cores()})
    envs = [ocean.make(name, num_envs=2, seed=0)]
    try:
        for count in counts:
            envs.append(ocean.make(name, num_envs=2, seed=0, backend="multiprocess",
                                   num_workers=count))
        rates = interleaved_rates(envs, 2.0, rounds)
    finally:
        for env in envs:
            env.close()
    labels = ["serial"] + [f"{c} worker{'s' if c > 1 else ''}" for c in counts]
    return {label: 1e6 * 2 / statistics.median(r) for label, r in zip(labels, rates)}


def raw_stepper(name, num_envs, seconds, start, results):
    """A process that steps its own serial batch (raw C) from `start` for `seconds`."""
    env = ocean.make(name, num_envs=num_envs, seed=0)
    env.reset()
    env._batch.step_raw()
    while time.time() < start:
        pass
    steps, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        env._batch.step_raw()
        steps += 1
    results.put(steps * env.num_agents / (time.perf_counter() - began))


def independent_rate(name, num_envs, processes, seconds=0.5):
    """Summed agent-steps/s of `processes` processes stepping num_envs / processes each."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start = time.time() + 1.0  # let every process import and build its envs first
    workers = [context.Process(target=raw_stepper, args=(name, num_envs // processes, seconds,
                                                         start, results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    total = sum(results.get() for _ in workers)
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
    print(machine_line())
    print(f"{args.env}, physical cores {cores}")

    print("hand-off (2 envs, µs per env.step):  "
          + "  ".join(f"{k} {v:.1f}" for k, v in handoff_us(args.env, 15).items()))

    ceiling = []
    for _ in range(args.rounds):
        one = independent_rate(args.env, args.num_envs, 1)
        ceiling.append(independent_rate(args.env, args.num_envs, cores) / one)
    envs = [ocean.make(args.env, num_envs=args.num_envs, seed=0, backend="multiprocess",
                       num_workers=count) for count in (1, cores)]
    try:
        one, many = interleaved_rates(envs, 4.0, 15)
    finally:
        for env in envs:
            env.close()
    print(f"{args.num_envs} envs: {cores} independent processes vs 1: "
          f"{statistics.median(ceiling):.2f}x (the ceiling; rounds "
          f"{min(ceiling):.2f}-{max(ceiling):.2f}); backend {cores} workers vs 1: "
          f"{median_ratio(many, one):.2f}x")


if __name__ == "__main__":
    main()
