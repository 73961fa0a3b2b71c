"""`ocean bench`: agent-steps per second of the raw batched C step (`env.step_raw`) and of the
full `env.step` from Python, on random actions, and the share Python adds on top of C, for
each game's default config. Other configs, Maze's generation rate and the multiprocess
scaling study are scripts in benchmarks/ that print their tables with these functions."""
import os
import platform
import statistics
import time

import numpy as np

import ocean

HEADER = (f"{'env':<10} {'config':<28} {'agents':>7} {'raw C (M/s)':>12} "
          f"{'env.step (M/s)':>15} {'Python share':>13}")


def machine_line():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} logical cores | Python {platform.python_version()}, "
            f"numpy {np.__version__}")


def rates(step, num_agents, seconds, chunk_steps):
    """Median agent-steps/s over chunks of chunk_steps calls, after one warm-up chunk."""
    step(chunk_steps)
    samples, deadline = [], time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 3:
        start = time.perf_counter()
        step(chunk_steps)
        samples.append(chunk_steps * num_agents / (time.perf_counter() - start))
    return statistics.median(samples)


def random_stepper(env):
    """(step, batches): step(n) calls env.step n times on random actions, taken in turn
    from the 32 fixed batches."""
    rng = np.random.default_rng(0)
    batches = rng.integers(0, env.single_action_space.n, size=(32, env.num_agents), dtype=np.int64)

    def full(n):
        for i in range(n):
            env.step(batches[i % 32])
    return full, batches


def measure(name, num_envs, seconds, **config):
    """{'raw': agent-steps/s of the C loop, 'step': of env.step, 'agents'} for one config."""
    env = ocean.make(name, num_envs=num_envs, seed=0, **config)
    env.reset()
    full, batches = random_stepper(env)
    chunk = max(1, int(2e6 // env.num_agents))

    def raw(n):  # fresh actions into the buffer, then the C loop alone
        for i in range(n):
            np.copyto(env.actions, batches[i % 32], casting="unsafe")
            env.step_raw()

    result = {"raw": rates(raw, env.num_agents, seconds / 2, chunk),
              "step": rates(full, env.num_agents, seconds / 2, chunk),
              "agents": env.num_agents}
    env.close()
    return result


def row(name, label, result):
    """One line of the table under HEADER for measure()'s result."""
    share = max(0.0, 1 - result["step"] / result["raw"])
    return (f"{name:<10} {label[:28]:<28} {result['agents']:>7} {result['raw'] / 1e6:>12.2f} "
            f"{result['step'] / 1e6:>15.2f} {share:>12.1%}")


def run(names, num_envs=4096, seconds=3.0, out=print):
    """The machine, then one row per game (all of them if names is empty), default config."""
    out(machine_line())
    out(HEADER)
    for name in names or ocean.list_envs():
        out(row(name, "default", measure(name, num_envs, seconds)))
