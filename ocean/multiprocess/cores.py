"""The machine's cores, as the multiprocess backend sees them: how many physical cores this
process may use (the default number of workers, and whether the parent steps a block), and
whether the parent may spin while it waits for its workers (Spinner)."""
import os
import threading
import time

CONTENDED_SHARE = 0.2  # a parent that waited this share of the time for its core...
SPIN_BACKOFF_S = 1.0   # ...sleeps at once for this long instead of spinning (Spinner)


def physical_cores():
    """Cores this process may run on, hyper-threads counted once (from /proc/cpuinfo on
    Linux; elsewhere every logical CPU counts)."""
    try:
        allowed = os.sched_getaffinity(0)
    except AttributeError:
        allowed = set(range(os.cpu_count() or 1))
    cores, cpu = set(), {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in list(f) + [""]:
                key, _, value = line.partition(":")
                if key.strip():
                    cpu[key.strip()] = value.strip()
                    continue
                if {"processor", "physical id", "core id"} <= cpu.keys() \
                        and int(cpu["processor"]) in allowed:
                    cores.add((cpu["physical id"], cpu["core id"]))
                cpu = {}
    except (OSError, ValueError):
        pass
    return len(cores) or len(allowed)


def run_delay():
    """Seconds this thread has spent ready to run but waiting for a CPU (Linux's schedstat;
    None where it is not kept)."""
    try:
        with open("/proc/thread-self/schedstat", "rb") as f:
            return int(f.read().split()[1]) * 1e-9
    except (OSError, ValueError, IndexError):
        return None


class Spinner:
    """How long the parent spins before it sleeps. Spinning answers a flag within a
    microsecond where sleeping costs a wake-up (tens of microseconds, more in a VM), but
    only pays on a core nobody else wants. Being taken off the core says little by itself
    (kernel threads do it dozens of times a second, for microseconds); how long this thread
    then waited for its core again says who wants it: when that is CONTENDED_SHARE of the
    time since the last look (every LOOK_S at most), the parent sleeps at once for
    SPIN_BACKOFF_S, then tries spinning again. A look more than 2 * LOOK_S after the last
    (the parent did other work between waits), from another thread, or where the kernel
    keeps no run delay (`delay` returns None) decides nothing. (Workers spin briefly and
    always: the parent, woken when they finish, takes a spinning worker's core by design.)"""

    LOOK_S = 0.05

    def __init__(self, spin_s, delay=run_delay, clock=time.monotonic):
        self.spin_s, self.resume, self.run_delay, self.clock = spin_s, 0.0, delay, clock
        self.rebase(clock(), delay())

    def rebase(self, now, delay):
        self.since, self.delay, self.thread = now, delay, threading.get_ident()

    def start(self):
        """The spin for the wait about to begin."""
        return self.spin_s if self.spin_s and self.clock() >= self.resume else 0.0

    def stop(self):
        """After a wait: every LOOK_S, back off if the core was contended since the last look."""
        now = self.clock()
        if not self.spin_s or now - self.since < self.LOOK_S:
            return
        delay = self.run_delay()
        comparable = (delay is not None and self.delay is not None
                      and now - self.since <= 2 * self.LOOK_S
                      and threading.get_ident() == self.thread)
        if comparable and delay - self.delay > CONTENDED_SHARE * (now - self.since):
            self.resume = now + SPIN_BACKOFF_S
        self.rebase(now, delay)
