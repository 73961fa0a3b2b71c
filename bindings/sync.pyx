# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Flags in shared memory between the multiprocess backend's parent and its workers.

`rows` is a shared int64 array (ocean/multiprocess.py lays it out): one row per worker, then
one shared row. The parent writes a worker's command and then bumps its REQUEST; the worker
runs it, sets DONE to that REQUEST and adds one to the shared COMPLETIONS. Flag stores are
release (or sequentially consistent) stores and waits acquire loads, so everything written
before a flag (actions, observations) is visible to whoever sees it.

A wait spins on the flag with the CPU's pause hint for `spin_s` (the caller's choice: a
spin only pays where the waiter has a core to itself), then sleeps: on Linux in the kernel
(futex) until the other side's flag store wakes it, which it does only when the sleeper has
said it sleeps, so a busy loop makes no system calls; elsewhere it yields the core until
YIELD_S, then sleeps in steps of 1/32 of the time waited (at most MAX_SLEEP_S). The parent
is woken once per step, by the worker whose finish can complete what it waits for, not by
each. Every wait returns after `slice_s` at the latest, so the caller can check that the
other side is alive and let Python handle signals (Ctrl-C)."""

from libc.stdint cimport int32_t, int64_t, uint64_t

cdef extern from *:
    """
    #include <sched.h>
    #include <time.h>
    #ifdef __linux__
    #include <limits.h>
    #include <linux/futex.h>
    #include <sys/syscall.h>
    #include <unistd.h>
    #endif

    /* Columns of a worker's row: the parent writes the first cache line, the worker the
     * second, so neither side's stores evict the line the other is spinning on. */
    enum { C_REQUEST = 0, C_COMMAND = 1, C_SEED = 2, C_HAS_SEED = 3,
           C_DONE = 8, C_SLEEPING = 9, C_ENDED = 10, C_ROW_WORDS = 16 };
    /* Columns of the shared row, after the workers' rows. */
    enum { C_COMPLETIONS = 0, C_PARENT_WAKE_AT = 8 };

    #ifndef __linux__
    static const double OCEAN_YIELD_S = 1e-3, OCEAN_MAX_SLEEP_S = 1e-3;
    #endif

    static inline double ocean_now(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
    }

    static inline struct timespec ocean_timespec(double seconds) {
        struct timespec t;
        t.tv_sec = (time_t)seconds;
        t.tv_nsec = (long)((seconds - (double)t.tv_sec) * 1e9);
        return t;
    }

    static inline void ocean_spin(void) {
        for (int i = 0; i < 32; i++) {
    #if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
    #elif defined(__aarch64__)
            __asm__ __volatile__("yield");
    #endif
        }
    }

    #ifdef __linux__
    /* A futex is 32 bits: the low half of the int64 flag. */
    static inline uint32_t *ocean_low_half(int64_t *word) {
        return (uint32_t *)word + (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__);
    }
    #endif

    /* Sleep while the low half of *word equals expected's, at most `timeout` seconds (less
     * where there is no futex); a wake or a signal ends it early. */
    static inline void ocean_block(int64_t *word, int64_t expected, double timeout,
                                   double waited) {
    #ifdef __linux__
        struct timespec t = ocean_timespec(timeout);
        (void)waited;
        syscall(SYS_futex, ocean_low_half(word), FUTEX_WAIT, (uint32_t)expected, &t, NULL, 0);
    #else
        (void)word; (void)expected;
        if (waited < OCEAN_YIELD_S) { sched_yield(); return; }
        double s = waited / 32 < OCEAN_MAX_SLEEP_S ? waited / 32 : OCEAN_MAX_SLEEP_S;
        struct timespec t = ocean_timespec(s < timeout ? s : timeout);
        nanosleep(&t, NULL);
    #endif
    }

    static inline void ocean_wake(int64_t *word) {
    #ifdef __linux__
        syscall(SYS_futex, ocean_low_half(word), FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    #else
        (void)word;
    #endif
    }

    static void ocean_command(int64_t *row, int64_t code) {
        row[C_COMMAND] = code;
        __atomic_store_n(&row[C_REQUEST], row[C_REQUEST] + 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&row[C_SLEEPING], __ATOMIC_SEQ_CST)) ocean_wake(&row[C_REQUEST]);
    }

    /* How many workers of the group have not finished their last command. */
    static int ocean_group_left(int64_t *rows, int first, int count) {
        int left = 0;
        for (int w = first; w < first + count; w++) {
            int64_t *row = rows + (size_t)w * C_ROW_WORDS;
            left += __atomic_load_n(&row[C_DONE], __ATOMIC_ACQUIRE) != row[C_REQUEST];
        }
        return left;
    }

    /* The index in firsts of a group of `count` workers that are all done, or -1 after
     * slice_s. No group can be done before the fewest workers any group still waits for
     * have finished, so the parent sleeps until the completion count reaches that target
     * (PARENT_WAKE_AT) and the worker whose finish reaches it wakes the parent: one wake
     * per step, not one per worker. The count is read before the flags: a worker the flags
     * show unfinished adds to it later, so the target is reached. */
    static int ocean_wait_done(int64_t *rows, int64_t *shared, const int32_t *firsts,
                               int num_groups, int count, double waited, double slice_s,
                               double spin_s) {
        double start = ocean_now();
        for (;;) {
            int64_t completions = __atomic_load_n(&shared[C_COMPLETIONS], __ATOMIC_SEQ_CST);
            int fewest = count;
            for (int g = 0; g < num_groups; g++) {
                int left = ocean_group_left(rows, firsts[g], count);
                if (left == 0) return g;
                if (left < fewest) fewest = left;
            }
            double elapsed = ocean_now() - start;
            if (elapsed >= slice_s) return -1;
            if (waited + elapsed < spin_s) { ocean_spin(); continue; }
            int64_t target = completions + fewest;
            __atomic_store_n(&shared[C_PARENT_WAKE_AT], target, __ATOMIC_SEQ_CST);
            int64_t now = __atomic_load_n(&shared[C_COMPLETIONS], __ATOMIC_SEQ_CST);
            if (now < target)
                ocean_block(&shared[C_COMPLETIONS], now, slice_s - elapsed, waited + elapsed);
            __atomic_store_n(&shared[C_PARENT_WAKE_AT], 0, __ATOMIC_SEQ_CST);
        }
    }

    /* Worker side: REQUEST once it differs from `seen`, or `seen` after slice_s. */
    static int64_t ocean_wait_request(int64_t *row, int64_t seen, double waited,
                                      double slice_s, double spin_s) {
        double start = ocean_now();
        for (;;) {
            int64_t request = __atomic_load_n(&row[C_REQUEST], __ATOMIC_ACQUIRE);
            if (request != seen) return request;
            double elapsed = ocean_now() - start;
            if (elapsed >= slice_s) return seen;
            if (waited + elapsed < spin_s) { ocean_spin(); continue; }
            __atomic_store_n(&row[C_SLEEPING], 1, __ATOMIC_SEQ_CST);
            if (__atomic_load_n(&row[C_REQUEST], __ATOMIC_SEQ_CST) == seen)
                ocean_block(&row[C_REQUEST], seen, slice_s - elapsed, waited + elapsed);
            __atomic_store_n(&row[C_SLEEPING], 0, __ATOMIC_SEQ_CST);
        }
    }

    /* Worker side: the command of `request` is done (its results written). */
    static void ocean_finish(int64_t *row, int64_t *shared, int64_t request) {
        __atomic_store_n(&row[C_DONE], request, __ATOMIC_RELEASE);
        int64_t completions = __atomic_add_fetch(&shared[C_COMPLETIONS], 1, __ATOMIC_SEQ_CST);
        int64_t target = __atomic_load_n(&shared[C_PARENT_WAKE_AT], __ATOMIC_SEQ_CST);
        if (target && completions >= target) ocean_wake(&shared[C_COMPLETIONS]);
    }
    """
    enum: C_REQUEST, C_COMMAND, C_SEED, C_HAS_SEED, C_DONE, C_ENDED, C_ROW_WORDS
    void ocean_command(int64_t *row, int64_t code) nogil
    int ocean_wait_done(int64_t *rows, int64_t *shared, const int32_t *firsts, int num_groups,
                        int count, double waited, double slice_s, double spin_s) nogil
    int64_t ocean_wait_request(int64_t *row, int64_t seen, double waited, double slice_s,
                               double spin_s) nogil
    void ocean_finish(int64_t *row, int64_t *shared, int64_t request) nogil

REQUEST, COMMAND, SEED, HAS_SEED, DONE, ENDED, ROW_WORDS = (
    C_REQUEST, C_COMMAND, C_SEED, C_HAS_SEED, C_DONE, C_ENDED, C_ROW_WORDS)
STEP, RESET, CLOSE = 1, 2, 3  # commands


def run(batch, int64_t[:, ::1] rows, int worker, int32_t[::1] ended, int64_t request):
    """Carry out worker `worker`'s command of request `request` on `batch` (its _core.Batch):
    for STEP or RESET, write the rows whose episodes ended into `ended` and their count into
    ENDED, publish that it is done and return True; for CLOSE return False. The command is
    read once, here: close() may overwrite it at any time. The parent runs this for the block
    it steps itself: compiled code that runs no Python bytecode, so a Ctrl-C lands before it
    or after it, never between the step and its flag."""
    cdef int64_t *row = &rows[worker, 0]
    cdef int64_t command = row[C_COMMAND]
    if command == STEP:
        batch.step_raw()
    elif command == RESET:
        if row[C_HAS_SEED]:
            batch.seed(<uint64_t>row[C_SEED])
        batch.reset()
    else:
        return False
    row[C_ENDED] = batch.list_ended(ended)
    ocean_finish(row, &rows[rows.shape[0] - 1, 0], request)
    return True


def command(int64_t[:, ::1] rows, int first, int count, int64_t code):
    """Give workers first..first+count-1 the command `code` (write the other columns it
    reads, such as SEED, before calling)."""
    for w in range(first, first + count):
        ocean_command(&rows[w, 0], code)


def wait_done(int64_t[:, ::1] rows, const int32_t[::1] firsts, int count, double waited,
              double slice_s, double spin_s):
    """Wait until, for one of the groups of `count` workers starting at `firsts`, every
    worker has finished its last command. Returns that group's index in firsts (the first
    such, in the given order), or -1 once slice_s has passed. `waited` is how long the
    caller has waited already (it spins while waited < spin_s, then sleeps)."""
    cdef int group
    cdef int64_t *shared = &rows[rows.shape[0] - 1, 0]
    with nogil:
        group = ocean_wait_done(&rows[0, 0], shared, &firsts[0], <int>firsts.shape[0], count,
                                waited, slice_s, spin_s)
    return group


def wait_request(int64_t[:, ::1] rows, int worker, int64_t seen, double waited,
                 double slice_s, double spin_s):
    """Worker side: wait until REQUEST differs from `seen`; returns it (== seen once
    slice_s has passed without a request). Spins while waited < spin_s, then sleeps."""
    cdef int64_t request
    with nogil:
        request = ocean_wait_request(&rows[worker, 0], seen, waited, slice_s, spin_s)
    return request


def finish(int64_t[:, ::1] rows, int worker, int64_t request):
    """Worker side: publish that the command of `request` is done (results written)."""
    ocean_finish(&rows[worker, 0], &rows[rows.shape[0] - 1, 0], request)
