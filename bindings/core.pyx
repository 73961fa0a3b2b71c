# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""The one batch driver for every game: C envs over rows of numpy buffers, stepped in one
C loop with the GIL released. Python (ocean/vector.py) validates config before anything here
runs; this module validates actions, because that is on the step path and must be cheap.

The envs read their actions from a buffer the Batch owns (stepped_actions), never from the
public env.actions: the checked actions are copied there, so nothing the caller writes
during a step reaches C. A Guard lets one thread at a time into a batch, and close() waits
for the call in progress before it frees the C envs."""

from cpython.pythread cimport (NOWAIT_LOCK, WAIT_LOCK, PyThread_acquire_lock,
                               PyThread_allocate_lock, PyThread_free_lock,
                               PyThread_get_thread_ident, PyThread_release_lock,
                               PyThread_type_lock)
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy
from posix.unistd cimport getpid

import numpy as np

cdef extern from "ocean.h" nogil:
    ctypedef struct OceanRows:
        void *obs
        const int32_t *actions
        float *rewards
        uint8_t *terminals
        uint8_t *truncations
        float *logs
    ctypedef struct OceanConfigKey:
        const char *name
        int kind
        double default_value
        double min
        double max
        const char *doc
    ctypedef struct OceanGame:
        const char *name
        size_t env_size
        const OceanConfigKey *config
        int num_config
        const char *const *log_keys
        int num_log
        int num_actions
        int (*num_agents)(const double *config)
        size_t (*obs_bytes)(const double *config)
        int (*init)(void *env, const OceanRows *rows, const double *config)
        void (*seed)(void *env, uint64_t seed, uint64_t index)
        void (*reset)(void *env)
        void (*step_batch)(void *envs, int num_envs) noexcept nogil
        void (*close)(void *env)
        void (*frame_size)(const double *config, int *width, int *height)
        void (*render)(const void *env, uint8_t *rgb, int width, int height) noexcept nogil

cdef extern from "games.h" nogil:
    const OceanGame *OCEAN_GAMES[]
    const int OCEAN_NUM_GAMES

CONFIG_KINDS = ("int", "float", "bool")
INT32, INT64 = np.dtype(np.int32), np.dtype(np.int64)


def games():
    """{name: {"config": [(key, kind, default, min, max, doc)], "log_keys": [...]}} from C."""
    out = {}
    cdef const OceanGame *game
    for g in range(OCEAN_NUM_GAMES):
        game = OCEAN_GAMES[g]
        config = []
        for k in range(game.num_config):
            key = game.config[k]
            config.append((key.name.decode(), CONFIG_KINDS[key.kind], key.default_value,
                           key.min, key.max, key.doc.decode()))
        log_keys = [game.log_keys[k].decode() for k in range(game.num_log)]
        out[game.name.decode()] = {"config": config, "log_keys": log_keys,
                                   "num_actions": game.num_actions}
    return out


def agents_per_env(str name, double[::1] config):
    """Agents (rows) one env of game `name` has under `config` (its values in table order)."""
    cdef const OceanGame *game = find_game(name)
    check_config_length(game, config)
    return game.num_agents(&config[0])


def obs_bytes(str name, double[::1] config):
    """Bytes of one agent's observation under `config`: what the game writes per row."""
    cdef const OceanGame *game = find_game(name)
    check_config_length(game, config)
    return game.obs_bytes(&config[0])


cdef int check_config_length(const OceanGame *game, double[::1] config) except -1:
    if config.shape[0] != game.num_config:
        raise ValueError(f"{game.name.decode()} takes {game.num_config} config values, "
                         f"got {config.shape[0]}")
    return 0


cdef const OceanGame *find_game(str name) except NULL:
    for g in range(OCEAN_NUM_GAMES):
        if OCEAN_GAMES[g].name.decode() == name:
            return OCEAN_GAMES[g]
    raise KeyError(name)


ctypedef fused action_t:
    int32_t
    int64_t


cdef Py_ssize_t first_bad_action(const action_t *src, Py_ssize_t n,
                                 int num_actions) noexcept nogil:
    """-1, or the index of the first action outside 0..num_actions-1. One branch-free pass
    (the compiler vectorises it) says whether there is one; only then is it looked for.
    Negative actions wrap to huge unsigned values, so one comparison catches both ends."""
    cdef Py_ssize_t i
    cdef uint64_t limit = <uint64_t>num_actions, bad = 0
    for i in range(n):
        bad |= <uint64_t>src[i] >= limit
    if bad:
        for i in range(n):
            if <uint64_t>src[i] >= limit:
                return i
    return -1


cdef int copy_actions_into(actions, int32_t[::1] dst, int num_actions) except -1:
    """Check `actions` (any integer dtype, shape (len(dst),)) and copy it into dst. Raises
    before writing anything, naming the first bad index and value."""
    cdef Py_ssize_t bad, i, n = dst.shape[0]
    cdef const int32_t[::1] src32
    cdef const int64_t[::1] src64
    if type(actions) is not np.ndarray:
        actions = np.asarray(actions)
    dtype = actions.dtype
    if dtype is not INT32 and dtype is not INT64 and dtype.kind not in "iu":
        raise TypeError(f"actions must have an integer dtype, got {actions.dtype}")
    if actions.ndim != 1 or actions.shape[0] != n:
        raise ValueError(f"actions must have shape ({n},), got {actions.shape}")
    if dtype is not INT32 and dtype is not INT64:
        if actions.dtype.kind == "u" and actions.size and actions.max() > np.iinfo(np.int64).max:
            raise_bad_action(actions, np.argmax(actions > np.iinfo(np.int64).max), num_actions)
        actions = actions.astype(np.int64, copy=False)
    if n == 0:
        return 0
    actions = np.ascontiguousarray(actions)  # itself unless strided (a slice with a step)
    if actions.dtype is INT32:
        src32 = actions
        with nogil:
            bad = first_bad_action(&src32[0], n, num_actions)
            if bad < 0:
                memcpy(&dst[0], &src32[0], n * sizeof(int32_t))
    else:
        src64 = actions
        with nogil:
            bad = first_bad_action(&src64[0], n, num_actions)
            if bad < 0:
                for i in range(n):
                    dst[i] = <int32_t>src64[i]
    if bad >= 0:
        raise_bad_action(actions, bad, num_actions)
    return 0


cdef int take_actions(actions, int32_t[::1] stepped, int32_t[::1] shown,
                      int num_actions) except -1:
    """Check `actions` and copy them into `stepped`, what the envs read, then into `shown`
    (the public env.actions, a record of the last step's actions)."""
    copy_actions_into(actions, stepped, num_actions)
    if stepped.shape[0]:
        memcpy(&shown[0], &stepped[0], stepped.shape[0] * sizeof(int32_t))
    return 0


def raise_bad_action(actions, Py_ssize_t index, int num_actions):
    raise ValueError(f"action {actions[index]} at index {index} is out of range: "
                     f"valid actions are 0..{num_actions - 1}")


cdef inline double add_row(float[:, ::1] logs, double[::1] sums, Py_ssize_t a) noexcept nogil:
    """Add agent a's log row (an episode that ended) into sums and zero it; returns its
    episode count, the last column."""
    cdef Py_ssize_t k, width = logs.shape[1]
    cdef double episodes = logs[a, width - 1]
    for k in range(width):
        sums[k] += logs[a, k]
        logs[a, k] = 0
    return episodes


cdef double collect_rows(float[:, ::1] logs, double[::1] sums, const uint8_t[::1] terminals,
                        const uint8_t[::1] truncations) noexcept nogil:
    """Add the log rows of agents whose episode ended this step into sums, zeroing them. A
    game logs only at an episode's end, when it sets one of the flags, so the flags (bytes,
    contiguous) say which rows to read. The count is the last column."""
    cdef Py_ssize_t a
    cdef double episodes = 0
    for a in range(logs.shape[0]):
        if terminals[a] | truncations[a]:
            episodes += add_row(logs, sums, a)
    return episodes


TWO_THREADS = ("{}: env used from two threads at once: another thread is inside its step(), "
               "reset() or render(); give each thread its own env, or hold a lock around "
               "every call")


cdef class Guard:
    """One thread at a time inside an env's calls (step, reset, render...; a thread may nest
    its own), and a close() that waits for the call in progress. A second thread's call
    raises RuntimeError at once rather than wait: two trainers sharing an env by mistake
    would otherwise interleave their steps silently. Once close() has begun, every call
    raises "closed". Entering takes a lock without waiting for it: nothing beside a step."""
    cdef PyThread_type_lock lock
    cdef unsigned long holder
    cdef int depth, pid
    cdef readonly bint closing
    cdef readonly str name

    def __cinit__(self, str name):
        self.name, self.pid = name, getpid()
        self.lock = PyThread_allocate_lock()
        if self.lock == NULL:
            raise MemoryError("could not allocate a lock")

    def __dealloc__(self):
        if self.lock != NULL:
            PyThread_free_lock(self.lock)

    cdef int enter(self) except -1:
        cdef unsigned long me = <unsigned long>PyThread_get_thread_ident()
        if self.closing:
            raise RuntimeError(f"{self.name}: this env is closed")
        if self.depth and self.holder == me:
            self.depth += 1
            return 0
        if not PyThread_acquire_lock(self.lock, NOWAIT_LOCK):
            raise RuntimeError(TWO_THREADS.format(self.name))
        self.holder, self.depth = me, 1
        return 0

    cdef void leave(self) noexcept:
        self.depth -= 1
        if self.depth == 0:
            PyThread_release_lock(self.lock)

    def __enter__(self):
        self.enter()
        return self

    def __exit__(self, *exc_info):
        self.leave()
        return False

    def close(self):
        """Refuse every later call, then wait until no other thread is inside one. Returns
        True if the calling thread is itself inside a call (nothing to wait for: it is the
        caller's to finish), else False."""
        self.closing = True
        if self.depth and self.holder == <unsigned long>PyThread_get_thread_ident():
            return True
        if getpid() != self.pid:
            return False  # a forked copy: a thread inside a call was not copied with it
        with nogil:
            PyThread_acquire_lock(self.lock, WAIT_LOCK)
            PyThread_release_lock(self.lock)
        return False


cdef class SharedRows:
    """The multiprocess parent's side of the shared buffers: checks actions and copies them
    into a range of agent rows of the stepped actions (what the workers' envs read; the user
    is not handed them) and of the public env.actions, and sums the logs of the episodes a
    range of workers saw end, as Batch.step does, with the views made once (made per call,
    they cost microseconds of Pong's step).
    Each worker lists the rows of its block that ended (Batch.list_ended) and their count
    (ended_counts[w]), so the parent reads only those rows, not every flag, which the worker
    wrote on another core; it reads them in increasing order, as Batch.step sums them, so
    the info's floating-point sums are the serial backend's to the bit."""
    cdef int32_t[::1] actions_view, stepped_view, ended
    cdef const int64_t[:] ended_counts
    cdef float[:, ::1] logs_view
    cdef double[::1] sums
    cdef Py_ssize_t rows_per_worker
    cdef int num_actions
    cdef list log_keys

    def __cinit__(self, actions, logs, int32_t[::1] ended, const int64_t[:] ended_counts,
                  double[::1] sums, int num_actions, list log_keys, stepped_actions=None):
        if stepped_actions is None:
            stepped_actions = np.zeros_like(actions)
        self.actions_view, self.stepped_view = actions, stepped_actions
        self.logs_view, self.sums = logs, sums
        if ended_counts.shape[0] < 1 or ended.shape[0] % ended_counts.shape[0] \
                or logs.shape[0] != ended.shape[0] or actions.shape[0] != ended.shape[0] \
                or stepped_actions.shape[0] != ended.shape[0]:
            raise ValueError("SharedRows: actions, logs and ended need one row per agent, "
                             "split evenly over ended_counts' workers")
        self.ended, self.ended_counts = ended, ended_counts
        self.rows_per_worker = ended.shape[0] // ended_counts.shape[0]
        self.num_actions, self.log_keys = num_actions, log_keys

    def copy_actions(self, actions, Py_ssize_t start, Py_ssize_t stop):
        """Check actions and copy them into rows start..stop-1 (stepped, then public)."""
        take_actions(actions, self.stepped_view[start:stop], self.actions_view[start:stop],
                     self.num_actions)

    def collect(self, Py_ssize_t first_worker, Py_ssize_t stop_worker):
        """The info dict of the episodes that workers first_worker..stop_worker-1 saw end
        (their means), or {}."""
        cdef double episodes = 0
        cdef Py_ssize_t w, i, base, count, row
        cdef bint corrupt = False
        if not 0 <= first_worker <= stop_worker <= self.ended_counts.shape[0]:
            raise IndexError(f"workers {first_worker}..{stop_worker - 1} out of range")
        with nogil:  # the lists come from other processes: check them before indexing
            for w in range(first_worker, stop_worker):
                base, count = w * self.rows_per_worker, self.ended_counts[w]
                corrupt = not 0 <= count <= self.rows_per_worker
                i = 0
                while not corrupt and i < count:
                    row = self.ended[base + i]
                    corrupt = not 0 <= row < self.rows_per_worker
                    if not corrupt:
                        episodes += add_row(self.logs_view, self.sums, base + row)
                    i += 1
                if corrupt:
                    break
        if corrupt:
            raise RuntimeError(f"worker {w}'s list of ended rows is corrupt")
        if episodes == 0:
            return {}
        return info_from_sums(self.log_keys, self.sums, episodes)


def info_from_sums(list log_keys, double[::1] sums, double episodes):
    """Means of the collected logs, a new dict; zeroes sums."""
    info = {}
    if episodes > 0:
        for k, key in enumerate(log_keys):
            info[key] = sums[k] / episodes
        info["episodes"] = int(episodes)
    for k in range(sums.shape[0]):
        sums[k] = 0
    return info


cdef class Batch:
    """num_envs C envs of one game, each pointed at its rows of the given buffers.

    env_offset is the global index of the first env: seeds come from (seed, global index),
    so a block of envs in a worker process steps exactly as it would in one big batch.
    The envs read their actions from stepped_actions: a buffer of the Batch's own unless one
    is given (a worker's rows of the shared segment, which its parent fills); `actions` is
    the public one, where step() records what it stepped and step_raw() reads from."""
    cdef const OceanGame *game
    cdef char *envs
    cdef int num_envs, num_inited, num_actions
    cdef uint64_t env_offset
    cdef readonly object obs, actions, stepped_actions, rewards, terminals, truncations, logs
    cdef readonly list log_keys
    cdef readonly int frame_width, frame_height
    cdef readonly Guard guard
    cdef double[::1] log_sums
    cdef int32_t[::1] actions_view, stepped_view
    cdef float[:, ::1] logs_view
    cdef const uint8_t[::1] terminals_view, truncations_view

    def __cinit__(self, str game_name, int num_envs, double[::1] config, obs, actions, rewards,
                  terminals, truncations, logs, uint64_t env_offset=0, stepped_actions=None):
        self.game = find_game(game_name)
        self.guard = Guard(game_name)
        check_config_length(self.game, config)
        # The C side trusts these sizes: check them against what the game says it writes.
        cdef int agents = self.game.num_agents(&config[0])
        cdef size_t obs_bytes = self.game.obs_bytes(&config[0])
        if num_envs < 1 or obs.nbytes != <size_t>num_envs * agents * obs_bytes:
            raise ValueError(f"{game_name}: observation buffer has {obs.nbytes} bytes, "
                             f"the game writes {num_envs} x {agents} x {obs_bytes}")
        if stepped_actions is None:
            stepped_actions = np.zeros_like(actions)
        for buffer in (obs, actions, stepped_actions, rewards, terminals, truncations, logs):
            if not buffer.flags.c_contiguous or buffer.shape[0] != num_envs * agents:
                raise ValueError(f"{game_name}: buffers must be C-contiguous, one row per agent")
        if logs.shape[1] != self.game.num_log + 1 or actions.dtype != np.int32 \
                or stepped_actions.dtype != np.int32:
            raise ValueError(f"{game_name}: wrong log width or action dtype")
        self.obs, self.actions, self.rewards = obs, actions, rewards
        self.terminals, self.truncations, self.logs = terminals, truncations, logs
        self.stepped_actions = stepped_actions
        self.actions_view, self.stepped_view = actions, stepped_actions
        self.logs_view = logs
        self.terminals_view = terminals.view(np.uint8)
        self.truncations_view = truncations.view(np.uint8)
        self.num_envs, self.num_actions, self.env_offset = num_envs, self.game.num_actions, env_offset
        self.log_keys = [self.game.log_keys[k].decode() for k in range(self.game.num_log)]
        self.log_sums = np.zeros(self.game.num_log + 1)
        self.game.frame_size(&config[0], &self.frame_width, &self.frame_height)
        if self.frame_width < 1 or self.frame_height < 1:
            raise ValueError(f"{game_name}: frame size {self.frame_width} x {self.frame_height}")
        self.envs = <char *>calloc(num_envs, self.game.env_size)
        if self.envs == NULL:
            raise MemoryError(f"could not allocate {num_envs} {game_name} envs")

        cdef char *obs_base = <char *><size_t>obs.ctypes.data
        cdef int32_t *actions_base = <int32_t *><size_t>stepped_actions.ctypes.data
        cdef float *rewards_base = <float *><size_t>rewards.ctypes.data
        cdef uint8_t *terminals_base = <uint8_t *><size_t>terminals.ctypes.data
        cdef uint8_t *truncations_base = <uint8_t *><size_t>truncations.ctypes.data
        cdef float *logs_base = <float *><size_t>logs.ctypes.data
        cdef Py_ssize_t i, log_width = logs.shape[1]
        cdef OceanRows rows
        for i in range(num_envs):
            rows.obs = obs_base + i * agents * obs_bytes
            rows.actions = actions_base + i * agents
            rows.rewards = rewards_base + i * agents
            rows.terminals = terminals_base + i * agents
            rows.truncations = truncations_base + i * agents
            rows.logs = logs_base + i * agents * log_width
            if self.game.init(self.env_at(i), &rows, &config[0]) != 0:
                raise MemoryError(f"{game_name} env {i} failed to initialise (out of memory?)")
            self.num_inited = i + 1

    cdef inline void *env_at(self, Py_ssize_t i) noexcept:
        return self.envs + i * self.game.env_size

    def reset(self, seed=None):
        """Start a new episode in every env and forget unfinished logs; with a seed (an
        integer in [0, 2**64)), first reseed every env from (seed, global env index)."""
        cdef Py_ssize_t i
        cdef uint64_t value = 0 if seed is None else seed
        self.guard.enter()
        try:
            self.check_open()
            if seed is not None:
                for i in range(self.num_envs):
                    self.game.seed(self.env_at(i), value, self.env_offset + i)
            for i in range(self.num_envs):
                self.game.reset(self.env_at(i))
            self.logs[...] = 0
            self.log_sums[:] = 0
        finally:
            self.guard.leave()

    cdef int check_open(self) except -1:
        if self.envs == NULL:
            raise RuntimeError(f"{self.guard.name}: this env is closed")
        return 0

    def step_raw(self):
        """Step every env on the actions in the public buffer: checked and copied where the
        envs read them (one vectorised pass each), then the C loop. No episode info."""
        self.guard.enter()
        try:
            self.check_open()
            copy_actions_into(self.actions, self.stepped_view, self.num_actions)
            with nogil:
                self.game.step_batch(self.envs, self.num_envs)
        finally:
            self.guard.leave()

    def step_checked(self):
        """Step every env on stepped_actions as they stand: whoever wrote them checked them
        (a multiprocess parent, before it handed the step over). The games never index
        memory with an action anyway."""
        self.guard.enter()
        try:
            self.check_open()
            with nogil:
                self.game.step_batch(self.envs, self.num_envs)
        finally:
            self.guard.leave()

    def list_ended(self, int32_t[::1] ended):
        """Write the rows (agent indices) whose episode ended in the last step or reset into
        `ended`, in increasing order; returns how many. A multiprocess worker publishes this
        so its parent reads only those rows (SharedRows.collect)."""
        cdef Py_ssize_t a, count = 0
        if ended.shape[0] != self.terminals_view.shape[0]:
            raise ValueError(f"ended must have {self.terminals_view.shape[0]} rows")
        with nogil:
            for a in range(self.terminals_view.shape[0]):
                if self.terminals_view[a] | self.truncations_view[a]:
                    ended[count] = <int32_t>a
                    count += 1
        return count

    def step(self, actions):
        """Validate and copy actions, step the batch, return the info dict of finished
        episodes' means (empty when none finished)."""
        cdef double episodes
        self.guard.enter()
        try:
            self.check_open()
            take_actions(actions, self.stepped_view, self.actions_view, self.num_actions)
            with nogil:
                self.game.step_batch(self.envs, self.num_envs)
                episodes = collect_rows(self.logs_view, self.log_sums, self.terminals_view,
                                        self.truncations_view)
            if episodes == 0:
                return {}
            return info_from_sums(self.log_keys, self.log_sums, episodes)
        finally:
            self.guard.leave()

    def render(self, Py_ssize_t index, out=None):
        """Draw env `index` (0 <= index < num_envs) into a (frame_height, frame_width, 3)
        uint8 array: `out` if given (C-contiguous, that shape), else a new one. Reads the env
        only; the caller makes sure it has been reset."""
        self.guard.enter()
        try:
            return self.render_into(index, out)
        finally:
            self.guard.leave()

    cdef render_into(self, Py_ssize_t index, out):
        self.check_open()
        if not 0 <= index < self.num_envs:
            raise IndexError(f"env index {index} is out of range: this batch has "
                             f"{self.num_envs} envs, valid indices are 0..{self.num_envs - 1}")
        shape = (self.frame_height, self.frame_width, 3)
        if out is None:
            out = np.empty(shape, dtype=np.uint8)
        elif (type(out) is not np.ndarray or out.dtype != np.uint8 or out.shape != shape
              or not out.flags.c_contiguous or not out.flags.writeable):
            raise ValueError(f"out must be a writeable C-contiguous uint8 array of shape "
                             f"{shape}, got {getattr(out, 'dtype', type(out).__name__)} "
                             f"{getattr(out, 'shape', '')}")
        cdef uint8_t[:, :, ::1] pixels = out
        cdef const void *env = self.env_at(index)
        with nogil:
            self.game.render(env, &pixels[0, 0, 0], self.frame_width, self.frame_height)
        return out

    def close(self):
        """Free the C envs, once no other thread is inside a call (it waits for the one in
        progress); every later call raises "closed"."""
        if self.guard.close():
            raise RuntimeError(f"{self.guard.name}: close() called from inside this env's own "
                               f"step, reset or render; close it after that call returns")
        self.free_envs()

    cdef void free_envs(self) noexcept:
        cdef Py_ssize_t i
        if self.envs != NULL:
            for i in range(self.num_inited):
                self.game.close(self.env_at(i))
            free(self.envs)
            self.envs = NULL

    def __dealloc__(self):
        self.free_envs()  # nothing else holds the batch: no call can be in progress
