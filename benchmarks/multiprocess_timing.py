"""How soon the multiprocess backend reacts, next to what docs/multiprocess.md promises.

    python benchmarks/multiprocess_timing.py [--rounds R]

The tests check that each reaction happens, with a hang guard of a minute; how soon it
happens depends on the machine and its load, so it is measured here, R rounds of each:

1. A killed worker: seconds from SIGKILL to the WorkerError of the next env.step, the env
   closed and its other workers reaped (promised: within a second). Both layouts: the
   parent stepping block 0, and every block a worker process.
2. close(): seconds until every worker has exited on its CLOSE; one still running
   CLOSE_TIMEOUT_S after it is killed instead (a round that kills one breaks the promise).
3. A killed parent (its whole process group, so its resource tracker too): seconds until
   a worker has unlinked the segment (promised: within IDLE_SLICE_S, how often an idle
   worker looks), and until every worker has exited.
4. The parent's spin back-off on the real kernel: with two busy processes per usable core,
   seconds of 1 ms spinning waits until the spinner stops spinning; it looks every LOOK_S.

Each row: the median and the worst round, and how many rounds kept the promise."""
import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import textwrap
import time

import numpy as np

import ocean
from ocean.bench import machine_line
from ocean.multiprocess import MultiprocessEnv, WorkerError, cores, physical_cores
from ocean.multiprocess.worker import IDLE_SLICE_S
from ocean.multiprocess.workers import CLOSE_TIMEOUT_S
from ocean.registry import game

GIVE_UP_S = 60      # a reaction this late is a hang: the round stops there
SPIN_WAIT_S = 1e-3  # one wait of the parent's, spinning


def make_env(all_processes):
    """Pong over max(2, physical cores) workers, stepping every env at once: the layout
    make() picks (the parent steps block 0), or every block a worker process."""
    workers = max(2, physical_cores())
    if not all_processes:
        return ocean.make("pong", num_envs=2 * workers, seed=0, backend="multiprocess",
                          num_workers=workers)
    record = game("pong")
    return MultiprocessEnv(record, 2 * workers, 0, record.resolve({}), workers, 2 * workers,
                           all_processes=True)


def killed_worker_seconds(all_processes):
    env = make_env(all_processes)
    try:
        if env.parent_block == all_processes:
            raise RuntimeError(f"expected parent_block={not all_processes}")
        env.reset()
        actions = np.zeros(env.num_agents, dtype=np.int32)
        start = time.monotonic()
        os.kill(env.workers[-1].pid, signal.SIGKILL)
        try:
            env.step(actions)
        except WorkerError:
            return time.monotonic() - start
        raise RuntimeError("env.step returned although a worker had been killed")
    finally:
        env.close()


def close_seconds():
    """(seconds close() took, whether every worker exited on its CLOSE)."""
    env = make_env(all_processes=True)
    env.reset()
    start = time.monotonic()
    env.close()
    return time.monotonic() - start, all(p.returncode == 0 for p in env.workers)


PARENT = """
import time, ocean
env = ocean.make("pong", num_envs={num_envs}, backend="multiprocess", num_workers={workers})
env.reset()
print(env.segment_name, *[p.pid for p in env.workers], flush=True)
time.sleep({give_up})
"""


def gone(pid):
    """True once pid has exited (a zombie counts: it runs no more)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_for(condition, start, what):
    """Seconds from start until condition() holds, looking every 0.1 ms; raises after
    GIVE_UP_S."""
    while not condition():
        if time.monotonic() - start > GIVE_UP_S:
            raise RuntimeError(f"{what}: not after {GIVE_UP_S} s")
        time.sleep(1e-4)
    return time.monotonic() - start


def killed_parent_seconds(rng):
    """(seconds until the segment is unlinked, until every worker has exited). The kill
    lands anywhere in the workers' IDLE_SLICE_S, as a real one would."""
    workers = max(2, physical_cores())
    script = textwrap.dedent(PARENT.format(num_envs=2 * workers, workers=workers,
                                           give_up=GIVE_UP_S))
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              text=True, start_new_session=True)
    segment, *pids = parent.stdout.readline().split() or [None]
    if segment is None:
        parent.kill()
        raise RuntimeError(f"the parent script failed: exit code {parent.wait()}")
    time.sleep(rng.uniform(0, IDLE_SLICE_S))
    os.killpg(parent.pid, signal.SIGKILL)
    parent.wait()  # the workers can notice from here on
    start = time.monotonic()
    unlinked = wait_for(lambda: not os.path.exists(f"/dev/shm/{segment}"), start,
                        "the segment of a killed parent")
    exited = wait_for(lambda: all(gone(int(pid)) for pid in pids), start,
                      "the workers of a killed parent")
    return unlinked, exited


BUSY = f"""
import time
end = time.monotonic() + {GIVE_UP_S}
print(flush=True)
while time.monotonic() < end:
    pass
"""


def spin_backoff_seconds():
    """Seconds of spinning waits, beside two busy processes per usable core, until the
    spinner backs off (None: not in GIVE_UP_S)."""
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY], stdout=subprocess.PIPE)
            for _ in range(2 * len(os.sched_getaffinity(0)))]
    try:
        for hog in hogs:
            hog.stdout.readline()  # busy from now on
        spinner = cores.Spinner(SPIN_WAIT_S)
        start = time.monotonic()
        while spinner.start():
            if time.monotonic() - start > GIVE_UP_S:
                return None
            end = time.monotonic() + SPIN_WAIT_S
            while time.monotonic() < end:
                pass
            spinner.stop()
        return time.monotonic() - start
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def row(what, seconds, promise, kept=None):
    """One line of the table; a None in seconds: the reaction never came."""
    worst = "never" if None in seconds else f"{max(seconds):.3f}"
    median = statistics.median(s if s is not None else float("inf") for s in seconds)
    kept = "-" if kept is None else f"{sum(kept)}/{len(kept)}"
    print(f"{what:<52} {median:>9.3f} {worst:>9} {promise:>18} {kept:>5}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(0)
    print(machine_line())
    print(f"physical cores {physical_cores()}, {args.rounds} rounds, pong, "
          f"{max(2, physical_cores())} workers")
    print(f"{'reaction':<52} {'median s':>9} {'worst s':>9} {'promise s':>18} {'kept':>5}")
    for all_processes, layout in ((False, "parent steps block 0"),
                                  (True, "every block a process")):
        seconds = [killed_worker_seconds(all_processes) for _ in range(args.rounds)]
        row(f"killed worker to WorkerError ({layout})", seconds, "< 1", [s < 1 for s in seconds])
    seconds, clean = zip(*[close_seconds() for _ in range(args.rounds)])
    row("close() until every worker exited", seconds, f"< {CLOSE_TIMEOUT_S:g}", clean)
    unlinked, exited = zip(*[killed_parent_seconds(rng) for _ in range(args.rounds)])
    row("killed parent until its segment is unlinked", unlinked, f"< {IDLE_SLICE_S:g}",
        [s < IDLE_SLICE_S for s in unlinked])
    row("killed parent until its workers exited", exited, "")
    if cores.run_delay() is None:
        print("no spin back-off: this kernel keeps no run delay (/proc/thread-self/schedstat)")
        return
    seconds = [spin_backoff_seconds() for _ in range(args.rounds)]
    row("spinning beside 2 busy processes per core", seconds,
        f"looks every {cores.Spinner.LOOK_S:g}", [s is not None for s in seconds])


if __name__ == "__main__":
    main()
