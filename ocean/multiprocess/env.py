"""MultiprocessEnv: an OceanEnv whose C envs are stepped by worker processes, and
check_backend, which validates make()'s backend arguments. How it works: docs/multiprocess.md."""
import functools
import math
import numbers
import os
import time
import weakref

import numpy as np

from ocean import _core, _sync
from ocean.multiprocess import cores, shared
from ocean.multiprocess.workers import WorkerError, Workers, shutdown
from ocean.vector import OceanEnv, check_seed

BACKENDS = ("serial", "multiprocess")
WAIT_SLICE_S = 0.02    # the parent checks its workers' liveness (and Ctrl-C) this often
START_TIMEOUT_S = 300  # a worker imports numpy and gymnasium: slow on a loaded machine
PARENT_SPIN_S = 1e-3   # a parent with a core of its own spins this long, then sleeps


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
        num_workers = max(d for d in range(1, cores.physical_cores() + 1) if num_envs % d == 0)
    check_positive("num_workers", num_workers)
    if num_envs % num_workers:
        envs_divisors = divisors(num_envs)
        below = max(d for d in envs_divisors if d < num_workers)
        above = [d for d in envs_divisors if d > num_workers][:1]
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
        valid = [per_worker * k for k in divisors(num_workers)]
        raise ValueError(
            f"batch_size={batch_size} must be a whole number of workers' blocks that divides "
            f"num_envs: with num_envs={num_envs} over {num_workers} workers ({per_worker} envs "
            f"each), valid batch sizes are {', '.join(map(str, valid))}")
    return int(num_workers), int(batch_size)


def divisors(n):
    """Every divisor of n, increasing. They come in pairs d, n // d with d <= sqrt(n), so
    looking up to sqrt(n) finds them all: 46,341 looks for a prime near 2**31, not 2**31."""
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return small + [n // d for d in reversed(small) if d * d != n]


def check_positive(key, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{key} must be a positive integer, got {value!r}")


def one_thread(method):
    """Run an env method inside its guard: one thread at a time (another's call raises), and
    close() from another thread waits for it. A closed env says why first (a worker died,
    or close() was called)."""
    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        self._check_open()
        with self._guard:
            return method(self, *args, **kwargs)
    return guarded


class MultiprocessEnv(OceanEnv):
    """OceanEnv over worker processes, bit-identical to the serial backend; adds
    async_reset, send and recv for stepping in batches of batch_size envs. Block w, the envs
    [w * k, (w + 1) * k) for k = num_envs / num_workers, is stepped by one worker process,
    or by the parent itself for block 0 where `parent_block` is True. `workers` holds the
    processes (subprocess.Popen: pid, poll(), returncode), one per block but the parent's.
    all_processes=True puts every block on a process whatever the cores (benchmarks compare
    the layouts; make() never sets it)."""

    def __init__(self, game, num_games, seed, config, num_workers, batch_size,
                 all_processes=False):
        self._init_spaces(game, num_games, config)
        self._guard = _core.Guard(game.name)
        config_values = game.config_values(config)
        self.num_workers, self.batch_size = num_workers, batch_size
        self.closed, self._failure = False, None
        self._seed, self._needs_reset = seed, True
        specs = shared.segment_specs(num_workers, self.num_agents,
                                     self.single_observation_space, len(game.log_keys))
        segment, arrays = shared.create(specs)
        self.segment_name = segment.name
        self._control, ended = arrays["control"], arrays["ended"]
        self._control[:num_workers, _sync.DONE] = -1  # a worker sets 0 when ready
        for key in shared.BUFFERS:
            setattr(self, key, arrays[key])
        # Stepping every env at once on workers that fill the cores, the parent steps block 0
        # rather than sleep beside them: a sleeper pays a wake-up each step, then takes a
        # core back from a worker (docs/multiprocess.md measures it).
        machine_cores = cores.physical_cores()
        self.parent_block = (batch_size == num_games and 1 < num_workers
                             and num_workers >= machine_cores and not all_processes)
        self._workers = Workers(first_block=int(self.parent_block))
        self.workers = self._workers.processes
        self._finalizer = weakref.finalize(self, shutdown, self._workers, self._control, segment)

        self._log_sums = np.zeros(len(game.log_keys) + 1)
        # The workers' envs read stepped_actions, which the parent fills with checked
        # actions and the user is not handed: a write to env.actions after send() cannot
        # reach them.
        self._rows = _core.SharedRows(self.actions, self.logs, ended,
                                      self._control[:-1, _sync.ENDED], self._log_sums,
                                      game.num_actions, list(game.log_keys),
                                      stepped_actions=arrays["stepped_actions"])
        # Batch b: workers [b * workers_per_batch, ...), rows [b * rows, (b + 1) * rows).
        num_batches = num_games // batch_size
        self._workers_per_batch = workers_per_batch = num_workers // num_batches
        rows = self.num_agents // num_batches
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
        # The parent spins while it waits only with a core of its own: spinning beside
        # workers that need every core takes time from them.
        processes = num_workers - self.parent_block
        self._spinner = cores.Spinner(PARENT_SPIN_S if processes < machine_cores else 0.0)

        games_per_block = num_games // num_workers
        self._parent_batch = None
        try:
            if self.parent_block:
                self._parent_batch, self._parent_ended = shared.block_batch(
                    game.name, 0, games_per_block, config_values, arrays)
                self._control[0, _sync.DONE] = 0  # ready
            for block in range(int(self.parent_block), num_workers):
                self._workers.start({
                    "segment": segment.name, "specs": specs, "game": game.name,
                    "block": block, "games_per_block": games_per_block,
                    "config": config_values.tolist(), "parent": os.getpid()})
            self._wait(self._all, num_workers, "starting", START_TIMEOUT_S)
        except BaseException:
            self._finalizer()
            self.closed = True
            raise

    def render(self, index=0, out=None):
        """The game state lives in the worker processes (all of it but the parent's block,
        if any); drawing it is not wired through the shared-memory protocol, so this says what
        to do instead of failing obscurely."""
        raise NotImplementedError(
            f"{self.name}: render() needs the serial backend (the game state lives in the "
            "workers); make a serial env with the same seed to watch or record it")

    # ---- synchronous API: the serial backend's, same results ----

    @one_thread
    def reset(self, *, seed=None, options=None):
        """As OceanEnv.reset. Batches still stepping after send() are waited for and
        dropped."""
        self.async_reset(seed, options)
        self._drain()
        return self.observations, {}

    @one_thread
    def step(self, actions):
        """As OceanEnv.step: every env steps (across the workers) on `actions`."""
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

    @one_thread
    def async_reset(self, seed=None, options=None):
        """Start resetting every env (seed as in reset()); recv() then returns them batch by
        batch. Batches still stepping after send() are waited for and dropped."""
        if options:
            raise ValueError(f"{self.name}: unknown reset options {sorted(options)}")
        if seed is not None:
            seed = check_seed(seed)
        self._check_workers("resetting")
        self._drain()
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
        self._pending = list(range(len(self._batch_firsts)))

    @one_thread
    def recv(self):
        """Wait for a batch that finished its reset or step and return (observations, rewards,
        terminals, truncations, info, env_ids): views of the shared buffers at rows env_ids
        (one per agent, increasing and contiguous); info holds the means of the batch's
        episodes that finished this step, as step() does.

        Batches come in rounds: the first to finish among those not yet returned this round
        (the oldest sent, if several have), so while every batch received is sent back, each
        num_envs / batch_size calls return every env exactly once."""
        if self._needs_reset:
            raise RuntimeError(f"{self.name}: call reset() or async_reset() before recv()")
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

    @one_thread
    def send(self, actions, env_ids=None):
        """Step the batch whose env_ids recv() returned, on `actions` (one per row of it);
        returns at once. env_ids=None: the batch recv() returned last. (With one batch of
        every env, a block the parent steps itself steps in the next recv().)"""
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
        """Raise WorkerError (closing the env) if a worker has exited."""
        index = self._workers.exited()
        if index is None:
            return
        then = ("its envs are lost, so the env is closed (make a new one)"
                if doing != "starting" else
                "its error is printed above (workers write to this process's stderr)")
        worker = self._workers.describe(index, self.num_games // self.num_workers)
        self._fail(f"{self.name}: {worker} while {doing}; {then}")

    def _fail(self, message):
        self._failure = message
        self.close()
        raise WorkerError(message)

    def _check_open(self):
        if self.closed:
            raise (WorkerError(self._failure) if self._failure
                   else RuntimeError(f"{self.name}: this env is closed"))

    def close_extras(self, **kwargs):
        # Wait for a call another thread has in progress (a worker that died, found by
        # this thread's own call, closes without waiting for itself).
        self._guard.close()
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
