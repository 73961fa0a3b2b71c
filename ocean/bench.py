"""`ocean bench`: agent-steps per second of the raw batched C step and of the full
`env.step` from Python (random actions), and the share Python adds on top of C.
`ocean bench --backend multiprocess --workers 1,2`: env.step over worker processes, against
the serial env.step, per worker count, the backends taking turns (run_scaling)."""
import importlib
import os
import platform
import statistics
import time

import numpy as np

import ocean


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


def measure(name, num_envs, seconds, **config):
    """{'raw': agent-steps/s of the C loop, 'step': of env.step} for one config."""
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


def configs_for(name, num_envs):
    """The default config, plus any reference configs the game lists in BENCH_CONFIGS."""
    module = importlib.import_module(f"ocean.{name}")
    yield "default", num_envs, {}
    for config in getattr(module, "BENCH_CONFIGS", []):
        config = dict(config)
        envs = config.pop("num_envs", num_envs)
        yield " ".join(f"{k}={v}" for k, v in config.items()), envs, config


def run(names, num_envs=4096, seconds=3.0, out=print):
    names = names or ocean.list_envs()
    out(machine_line())
    out(f"{'env':<10} {'config':<28} {'agents':>7} {'raw C (M/s)':>12} "
        f"{'env.step (M/s)':>15} {'Python share':>13}")
    for name in names:
        for label, envs, config in configs_for(name, num_envs):
            r = measure(name, envs, seconds, **config)
            share = max(0.0, 1 - r["step"] / r["raw"])
            out(f"{name:<10} {label[:28]:<28} {r['agents']:>7} {r['raw'] / 1e6:>12.2f} "
                f"{r['step'] / 1e6:>15.2f} {share:>12.1%}")
        module = importlib.import_module(f"ocean.{name}")
        if hasattr(module, "bench_report"):
            for line in module.bench_report(seconds):
                out(f"  {line}")


def random_stepper(env):
    """(step, batches): step(n) calls env.step n times on random actions, taken in turn
    from the 32 fixed batches."""
    rng = np.random.default_rng(0)
    batches = rng.integers(0, env.single_action_space.n, size=(32, env.num_agents), dtype=np.int64)

    def full(n):
        for i in range(n):
            env.step(batches[i % 32])
    return full, batches


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
    from ocean.multiprocess import physical_cores
    names = names or ocean.list_envs()
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
