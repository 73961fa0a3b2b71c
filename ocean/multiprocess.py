"""The multiprocess backend: one OceanEnv whose C envs are split over worker processes.

    env = ocean.make("pong", num_envs=4096, backend="multiprocess", num_workers=2)

Block w is the contiguous envs [w * k, (w + 1) * k), k = num_envs / num_workers; a worker
process steps it with the same `_core.Batch` the serial backend uses, seeded by global env
index, so both backends give bit-identical results. Every buffer (observations, actions,
rewards, flags, logs) and rows of control flags (one per worker, one shared) live in a
single shared-memory segment; a step copies the actions in, bumps each worker's flag and
waits on theirs (ocean/_sync: spin, then sleep until woken), then sums the logs of the
episodes that ended in the parent, in the serial backend's order: each worker lists its
block's ended rows, so the parent reads those rows and not every flag. Nothing is pickled
after start-up.

The parent steps block 0 itself when one batch is every env (batch_size == num_envs) and two
or more blocks fill the cores (1 < num_workers >= physical cores): it would only wait
meanwhile, and a parent asleep beside a worker on every core pays a wake-up each step and
then takes a core back from a worker (on a 2-core VM, 42-58 us: a third of a 4096-env Pong
step in two halves). It runs the block's command in its wait, through the code the workers
run, so nothing else changes: `parent_block` says whether it does, and `workers` holds the
processes, num_workers - parent_block of them. With smaller batches the parent has inference
to run while the workers step, and leaves every block to a process.

send/recv step batches of `batch_size` envs: a batch is a fixed group of consecutive workers,
so its rows are contiguous and recv returns views of the shared buffers, no copies. Env ids
are agent rows, like gymnasium's num_envs.

Workers are started with 'spawn': a fresh interpreter that inherits no threads, locks or
CUDA state from the parent (fork would, and a trainer has all three), and the default on
macOS and Windows anyway. The price is a second or so of imports per env, once, and the
usual rule for spawn: a script that makes envs at import time needs
`if __name__ == "__main__":`.

Faults: while waiting, the parent checks every WAIT_SLICE_S that its workers live; a dead
worker closes the env and raises WorkerError naming it. close(), garbage collection and
interpreter exit (weakref.finalize) stop every worker and unlink the segment; workers ignore
Ctrl-C (the parent's to handle) and exit by themselves if the parent dies.
"""
import ctypes
import multiprocessing
import numbers
import os
import secrets
import select
import signal
import threading
import time
import weakref
from multiprocessing import shared_memory

import numpy as np

from ocean import _core, _sync
from ocean.vector import OceanEnv, check_seed

BACKENDS = ("serial", "multiprocess")
START_METHOD = "spawn"
WAIT_SLICE_S = 0.02    # the parent checks its workers' liveness (and Ctrl-C) this often
IDLE_SLICE_S = 0.1     # an idle worker checks that its parent lives this often
START_TIMEOUT_S = 300  # spawn imports numpy and gymnasium: slow on a loaded machine
CLOSE_TIMEOUT_S = 1.0  # then workers that did not exit on request are killed
PARENT_SPIN_S = 1e-3   # a parent with a core of its own spins this long, then sleeps
CONTENDED_SHARE = 0.2  # a parent that waited this share of the time for its core...
SPIN_BACKOFF_S = 1.0   # ...sleeps at once for this long instead of spinning (Spinner)
WORKER_SPIN_S = 50e-6  # a worker spins this long for its next command (the parent's turn)
ALIGN = 64             # every buffer starts on its own cache line
BUFFERS = ("observations", "actions", "rewards", "terminals", "truncations", "logs")
SEGMENT_PREFIX = "ocean_"


class WorkerProcess(multiprocessing.Process):
    """A multiprocessing.Process (what `env.workers` promises, for isinstance checks and
    monitoring) that always starts with START_METHOD, whatever the program's default is.
    A context's own Process class (SpawnProcess) is not a subclass of multiprocessing.Process,
    and setting the global start method would change the user's program: this borrows only
    the spawn context's launcher."""
    _start_method = START_METHOD
    _Popen = staticmethod(multiprocessing.get_context(START_METHOD).Process._Popen)
    _after_fork = staticmethod(multiprocessing.get_context(START_METHOD).Process._after_fork)


class WorkerError(RuntimeError):
    """A worker process died; the env it belonged to is closed."""


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


def check_backend(backend, num_envs, num_workers, batch_size):
    """Validate make()'s backend arguments. Returns (num_workers, batch_size), both None for
    the serial backend. num_workers=None: the largest divisor of num_envs that is at most the
    number of physical cores."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, "
                         f"got {backend!r}")
    if backend == "serial":
        for key, value in (("num_workers", num_workers), ("batch_size", batch_size)):
            if value is not None:
                raise ValueError(f"{key}={value!r} needs backend='multiprocess' (the serial "
                                 f"backend steps every env in this process)")
        return None, None
    if num_workers is None:
        num_workers = max(d for d in range(1, physical_cores() + 1) if num_envs % d == 0)
    check_positive("num_workers", num_workers)
    if num_envs % num_workers:
        divisors = [d for d in range(1, num_envs + 1) if num_envs % d == 0]
        below = max(d for d in divisors if d < num_workers)
        above = [d for d in divisors if d > num_workers][:1]
        multiples = sorted({num_envs - num_envs % num_workers, num_envs + num_workers
                            - num_envs % num_workers} - {0})
        raise ValueError(
            f"num_envs={num_envs} does not split evenly over num_workers={num_workers}: use "
            f"num_workers={' or '.join(map(str, [below] + above))} (divisors of {num_envs}), "
            f"or num_envs={' or '.join(map(str, multiples))} (multiples of {num_workers})")
    if batch_size is None:
        batch_size = num_envs
    check_positive("batch_size", batch_size)
    per_worker = num_envs // num_workers
    if num_envs % batch_size or batch_size % per_worker:
        valid = [per_worker * k for k in range(1, num_workers + 1) if num_workers % k == 0]
        raise ValueError(
            f"batch_size={batch_size} must be a whole number of workers' blocks that divides "
            f"num_envs: with num_envs={num_envs} over {num_workers} workers ({per_worker} envs "
            f"each), valid batch sizes are {', '.join(map(str, valid))}")
    return int(num_workers), int(batch_size)


def check_positive(key, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{key} must be a positive integer, got {value!r}")


def check_shared_memory(size, path="/dev/shm"):
    """Raise if Linux's shared-memory filesystem cannot hold `size` bytes: a segment larger
    than it is created anyway, and the first write past the space kills with SIGBUS."""
    if not os.path.isdir(path):
        return
    stats = os.statvfs(path)
    free = stats.f_bavail * stats.f_frsize
    if size > free:
        raise MemoryError(f"the multiprocess backend needs {size / 2**20:.1f} MiB of shared "
                          f"memory but {path} has {free / 2**20:.1f} MiB free: use fewer envs, "
                          f"or give it more (in Docker: --shm-size)")


def layout(specs):
    """Byte offsets of each (name, shape, dtype) in one segment, and its total size."""
    offsets, size = {}, 0
    for name, shape, dtype in specs:
        offsets[name] = size
        size += -(-int(np.prod(shape)) * np.dtype(dtype).itemsize // ALIGN) * ALIGN
    return offsets, size


class Mapping:
    """A segment's bytes, exposed to numpy (`np.asarray(Mapping(segment))`) with this object
    as the arrays' base: the segment stays mapped while any array over it lives, and is
    unmapped after the last one goes, so arrays a user still holds after close() stay valid.
    (Arrays made straight from segment.buf would make segment.close() fail instead.)"""

    def __init__(self, segment):
        self.segment = segment
        anchor = ctypes.c_char.from_buffer(segment.buf)
        address = ctypes.addressof(anchor)
        del anchor  # release the buffer export; the address stays valid while mapped
        self.__array_interface__ = {"data": (address, False), "shape": (segment.size,),
                                    "typestr": "|u1", "version": 3}

    def __del__(self):
        self.segment.close()


def views(segment, specs):
    """{name: numpy array} over the segment, laid out by `layout(specs)`."""
    whole = np.asarray(Mapping(segment))
    offsets, _ = layout(specs)
    arrays = {}
    for name, shape, dtype in specs:
        nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
        start = offsets[name]
        arrays[name] = whole[start:start + nbytes].view(dtype).reshape(shape)
    return arrays


def block_batch(game, worker, games_per_worker, config_values, arrays):
    """(the _core.Batch of block `worker` over the shared buffers in `arrays`, the block's
    rows of the ended list): what a worker steps, or the parent for block 0."""
    rows = arrays["actions"].shape[0] // (arrays["control"].shape[0] - 1)  # last row: shared
    block = slice(worker * rows, (worker + 1) * rows)
    batch = _core.Batch(game, games_per_worker, config_values,
                        *(arrays[name][block] for name in BUFFERS),
                        env_offset=worker * games_per_worker)
    return batch, arrays["ended"][block]


def worker_main(game, worker, games_per_worker, config_values, segment_name, specs):
    """A worker process: build the C envs of its block over the shared buffers, then run
    the parent's commands until CLOSE or until the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which closes us
    parent = os.getppid()
    arrays = views(shared_memory.SharedMemory(name=segment_name), specs)
    control = arrays["control"]
    batch, ended = block_batch(game, worker, games_per_worker, config_values, arrays)
    seen = 0
    _sync.finish(control, worker, seen)  # ready
    idle_since = time.monotonic()
    while True:
        request = _sync.wait_request(control, worker, seen, time.monotonic() - idle_since,
                                     IDLE_SLICE_S, WORKER_SPIN_S)
        if request == seen:
            if os.getppid() != parent:
                break  # orphaned: the parent died without closing us
            continue
        seen = request
        if not _sync.run(batch, control, worker, ended, seen):
            break  # CLOSE
        idle_since = time.monotonic()
    batch.close()


def shutdown(owner, workers, first, control, segment):
    """Stop every worker (workers[i] steps block first + i) and unlink the segment.
    weakref.finalize runs it once: from close(), when the env is garbage collected, or at
    interpreter exit. A process forked from the owner inherits the finaliser but not the
    workers, and leaves them alone."""
    if os.getpid() != owner:
        return
    for w, process in enumerate(workers, first):
        if process.exitcode is None:
            _sync.command(control, w, 1, _sync.CLOSE)
    deadline = time.monotonic() + CLOSE_TIMEOUT_S
    for process in workers:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in workers:
        if process.exitcode is None:
            process.kill()
            process.join()
    try:
        segment.unlink()
    except FileNotFoundError:
        pass


class MultiprocessEnv(OceanEnv):
    """OceanEnv over worker processes (see the module docstring). Adds async_reset, send and
    recv; `workers` is the list of multiprocessing.Process, for monitoring (one per block but
    the parent's own, where `parent_block`)."""

    def render(self, index=0, out=None):
        """The game state lives in the worker processes (all of it but the parent's block,
        if any); drawing it is not wired through the shared-memory protocol, so this says what
        to do instead of failing obscurely."""
        raise NotImplementedError(
            f"{self.name}: render() needs the serial backend (the game state lives in the "
            "workers); make a serial env with the same seed to watch or record it")

    def __init__(self, game, num_games, seed, config, num_workers, batch_size):
        self._init_spaces(game, num_games, config)
        name, config_values = game.name, game.config_values(config)
        self.num_workers, self.batch_size = num_workers, batch_size
        self.closed, self._failure = False, None
        self._seed, self._needs_reset = seed, True
        n, space = self.num_agents, self.single_observation_space
        num_log = len(game.log_keys)
        specs = [("control", (num_workers + 1, _sync.ROW_WORDS), np.int64),
                 ("observations", (n, *space.shape), space.dtype),
                 ("actions", (n,), np.int32), ("rewards", (n,), np.float32),
                 ("terminals", (n,), np.bool_), ("truncations", (n,), np.bool_),
                 ("logs", (n, num_log + 1), np.float32), ("ended", (n,), np.int32)]
        size = layout(specs)[1]
        check_shared_memory(size)
        segment = shared_memory.SharedMemory(
            create=True, size=size,
            name=f"{SEGMENT_PREFIX}{os.getpid()}_{secrets.token_hex(4)}")
        self.segment_name = segment.name
        arrays = views(segment, specs)
        self._control, ended = arrays["control"], arrays["ended"]
        self._control[:num_workers, _sync.DONE] = -1  # a worker sets 0 when ready
        for key in BUFFERS:
            setattr(self, key, arrays[key])
        self.workers = []
        # One batch of every env on workers that fill the cores: the parent steps block 0
        # rather than sleep beside them (see the module docstring).
        cores = physical_cores()
        self.parent_block = batch_size == num_games and 1 < num_workers and num_workers >= cores
        first_process = int(self.parent_block)
        self._finalizer = weakref.finalize(self, shutdown, os.getpid(), self.workers,
                                           first_process, self._control, segment)

        self._log_sums = np.zeros(num_log + 1)
        self._rows = _core.SharedRows(self.actions, self.logs, ended,
                                      self._control[:-1, _sync.ENDED], self._log_sums,
                                      game.num_actions, list(game.log_keys))
        # Batch b: workers [b * workers_per_batch, ...), rows [b * rows, (b + 1) * rows).
        num_batches = num_games // batch_size
        self._workers_per_batch = workers_per_batch = num_workers // num_batches
        rows = n // num_batches
        self._batch_firsts = [np.array([b * workers_per_batch], dtype=np.int32)
                              for b in range(num_batches)]
        self._batch_rows = [slice(b * rows, (b + 1) * rows) for b in range(num_batches)]
        self._batch_ids = [np.arange(b * rows, (b + 1) * rows) for b in range(num_batches)]
        for ids in self._batch_ids:
            ids.flags.writeable = False
        self._all = np.zeros(1, dtype=np.int32)
        self._pending = []     # batches stepping or resetting, in the order they were sent
        self._received = []    # batches recv() returned whose actions send() has not taken
        self._round = set()    # batches recv() returned since every batch was last returned
        self._sentinels = select.poll()  # a worker's sentinel is readable once it has exited
        # The parent spins while it waits only with a core of its own: spinning beside
        # workers that need every core takes time from them.
        processes = num_workers - first_process
        self._spinner = Spinner(PARENT_SPIN_S if processes < cores else 0.0)

        games_per_worker = num_games // num_workers
        self._parent_batch = None
        try:
            if self.parent_block:
                self._parent_batch, self._parent_ended = block_batch(
                    name, 0, games_per_worker, config_values, arrays)
                self._control[0, _sync.DONE] = 0  # ready
            for w in range(first_process, num_workers):
                process = WorkerProcess(
                    target=worker_main, name=f"ocean-{name}-worker-{len(self.workers)}",
                    daemon=True,
                    args=(name, w, games_per_worker, config_values, segment.name, specs))
                process.start()
                self.workers.append(process)
                self._sentinels.register(process.sentinel, select.POLLIN)
            self._wait(self._all, num_workers, "starting", START_TIMEOUT_S)
        except BaseException:
            self._finalizer()
            self.closed = True
            raise

    # ---- synchronous API: the serial backend's, same results ----

    def reset(self, *, seed=None, options=None):
        """As OceanEnv.reset. Batches still stepping after send() are waited for and
        dropped."""
        self._check_open()
        if options:
            raise ValueError(f"{self.name}: unknown reset options {sorted(options)}")
        if seed is not None:
            seed = check_seed(seed)
        self._check_workers("resetting")
        self._drain()
        self._command_reset(seed)
        self._pending = list(range(len(self._batch_firsts)))
        self._drain()
        return self.observations, {}

    def step(self, actions):
        """As OceanEnv.step: every env steps (across the workers) on `actions`."""
        self._check_open()
        if self._needs_reset:
            raise RuntimeError(f"{self.name}: call reset() before step()")
        if self._pending:
            raise RuntimeError(f"{self.name}: {len(self._pending)} batch(es) sent with send() "
                               f"or async_reset() are still pending; recv() them (or reset()) "
                               f"before step()")
        self._rows.copy_actions(actions, 0, self.num_agents)
        self._received.clear()
        self._round.clear()
        self._pending = list(range(len(self._batch_firsts)))  # until the wait returns
        _sync.command(self._control, 0, self.num_workers, _sync.STEP)
        self._wait(self._all, self.num_workers, "stepping")
        self._pending = []
        info = self._rows.collect(0, self.num_workers)
        return self.observations, self.rewards, self.terminals, self.truncations, info

    # ---- asynchronous API: batches of batch_size envs, as they finish ----

    def async_reset(self, seed=None):
        """Start resetting every env; recv() then returns them batch by batch."""
        self._check_open()
        if seed is not None:
            seed = check_seed(seed)
        self._check_workers("resetting")
        self._drain()
        self._command_reset(seed)
        self._pending = list(range(len(self._batch_firsts)))

    def recv(self):
        """Wait for a batch that finished its reset or step and return (observations, rewards,
        terminals, truncations, info, env_ids): views of the shared buffers at rows env_ids
        (one per agent, increasing and contiguous); info holds the means of the batch's
        episodes that finished this step, as step() does.

        Batches come in rounds: the first to finish among those not yet returned this round
        (the oldest sent, if several have), so while every batch received is sent back, each
        num_envs / batch_size calls return every env exactly once."""
        self._check_open()
        self._check_workers("stepping")
        if not self._pending:
            raise RuntimeError(f"{self.name}: nothing to recv(): every batch was received; "
                               f"send() actions for one first (or async_reset())")
        candidates = [b for b in self._pending if b not in self._round] or self._pending
        firsts = np.concatenate([self._batch_firsts[b] for b in candidates])
        batch = candidates[self._wait(firsts, self._workers_per_batch, "stepping")]
        self._pending.remove(batch)
        self._received.append(batch)
        self._round.add(batch)
        if len(self._round) == len(self._batch_firsts):
            self._round.clear()
        rows, first = self._batch_rows[batch], int(self._batch_firsts[batch][0])
        info = self._rows.collect(first, first + self._workers_per_batch)
        return (self.observations[rows], self.rewards[rows], self.terminals[rows],
                self.truncations[rows], info, self._batch_ids[batch])

    def send(self, actions, env_ids=None):
        """Step the batch whose env_ids recv() returned, on `actions` (one per row of it);
        returns at once. env_ids=None: the batch recv() returned last. (With one batch of
        every env, a block the parent steps itself steps in the next recv().)"""
        self._check_open()
        self._check_workers("stepping")
        if self._needs_reset:
            raise RuntimeError(f"{self.name}: call reset() or async_reset() before send()")
        batch = self._batch_of(env_ids)
        rows = self._batch_rows[batch]
        self._rows.copy_actions(actions, rows.start, rows.stop)
        self._received.remove(batch)
        self._pending.append(batch)
        _sync.command(self._control, int(self._batch_firsts[batch][0]),
                      self._workers_per_batch, _sync.STEP)

    def _batch_of(self, env_ids):
        if env_ids is None:
            if not self._received:
                raise RuntimeError(f"{self.name}: no batch to send(): recv() one first")
            return self._received[-1]
        for batch in self._received:
            ids = self._batch_ids[batch]
            if env_ids is ids or np.array_equal(env_ids, ids):
                return batch
        ids = np.asarray(env_ids).ravel()
        shown = f"{ids[:4].tolist()}{'...' if ids.size > 4 else ''} ({ids.size} ids)"
        expected = [f"{self._batch_ids[b][0]}..{self._batch_ids[b][-1]}" for b in self._received]
        raise ValueError(f"{self.name}: env_ids {shown} are not a batch recv() returned and "
                         f"send() has not taken; expected the env_ids of one of: "
                         f"{', '.join(expected) or 'none (recv() a batch first)'}")

    # ---- plumbing ----

    def _command_reset(self, seed):
        if seed is None and self._needs_reset:
            seed = self._seed  # make()'s seed, used by the first reset only
        self._seed = None
        self._control[:-1, _sync.HAS_SEED] = seed is not None
        self._control[:-1, _sync.SEED] = np.uint64(seed or 0).astype(np.int64)
        self._log_sums[:] = 0
        self._received.clear()
        self._round.clear()
        _sync.command(self._control, 0, self.num_workers, _sync.RESET)
        self._needs_reset = False

    def _drain(self):
        """Wait for every pending batch and drop its results."""
        while self._pending:
            firsts = np.concatenate([self._batch_firsts[b] for b in self._pending])
            self._pending.pop(self._wait(firsts, self._workers_per_batch, "stepping"))

    def _wait(self, firsts, count, doing, timeout=None):
        """Index in firsts of a group of `count` workers that is done; checks every
        WAIT_SLICE_S that the workers live (and lets Ctrl-C through). First the parent
        carries out a command it gave its own block, if any."""
        if self.parent_block:
            request = self._control[0, _sync.REQUEST]
            if self._control[0, _sync.DONE] != request:
                _sync.run(self._parent_batch, self._control, 0, self._parent_ended, request)
        start = time.monotonic()
        spin = self._spinner.start()
        waited = 0.0
        while True:
            group = _sync.wait_done(self._control, firsts, count, waited, WAIT_SLICE_S, spin)
            if group >= 0:
                break
            self._check_workers(doing)
            waited = time.monotonic() - start
            if timeout is not None and waited > timeout:
                self._fail(f"{self.name}: workers did not finish {doing} within {timeout} s")
        self._spinner.stop()
        return group

    def _check_workers(self, doing):
        """Raise WorkerError (closing the env) if a worker has exited: one poll() over their
        sentinels, a microsecond or two."""
        if not self._sentinels.poll(0):
            return
        per = self.num_games // self.num_workers
        for w, process in enumerate(self.workers):
            if process.exitcode is None and process.sentinel in dict(self._sentinels.poll(0)):
                process.join(CLOSE_TIMEOUT_S)  # its sentinel closes just before it is reapable
            code = process.exitcode
            if code is not None:
                how = (f"was killed by {signal.Signals(-code).name}" if code < 0
                       else f"exited with code {code}")
                then = ("its envs are lost, so the env is closed (make a new one)"
                        if doing != "starting" else
                        "see its traceback above (workers are spawned and import the main "
                        "script: one that makes envs at import time needs "
                        "`if __name__ == '__main__':`)")
                block = w + self.parent_block
                self._fail(f"{self.name}: worker {w} (pid {process.pid}, envs {block * per}.."
                           f"{(block + 1) * per - 1}) {how} while {doing}; {then}")

    def _fail(self, message):
        self._failure = message
        self.close()
        raise WorkerError(message)

    def _check_open(self):
        if self.closed:
            raise (WorkerError(self._failure) if self._failure
                   else RuntimeError(f"{self.name}: this env is closed"))

    def close_extras(self, **kwargs):
        self._finalizer()
        if self._parent_batch is not None:
            self._parent_batch.close()
        self._pending, self._received = [], []
        self._round.clear()
        self._needs_reset = True

    def __repr__(self):
        return (f"MultiprocessEnv({self.name!r}, num_games={self.num_games}, "
                f"num_agents={self.num_agents}, num_workers={self.num_workers}, "
                f"batch_size={self.batch_size})")
