# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Flags in shared memory between the multiprocess backend's parent and its workers.

Each worker has one row of a shared int64 array (ocean/multiprocess.py lays it out): the
parent writes a command and then bumps REQUEST; the worker runs it and then sets DONE to that
REQUEST. The bump and the DONE store are release stores and the waits acquire loads, so
everything written before a flag (actions, observations) is visible to whoever sees it.

A wait spins on the flag with the CPU's pause hint for SPIN_S, then yields the core until
YIELD_S, then sleeps in steps of 1/32 of the time waited so far (at most MAX_SLEEP_S): a fast
step is picked up within microseconds, a slow one a few percent late at most, and a long idle
costs almost no CPU. Every wait
returns after `slice_s` at the latest, so the caller can check that the other side is alive
and let Python handle signals (Ctrl-C)."""

from libc.stdint cimport int32_t, int64_t

cdef extern from *:
    """
    #include <sched.h>
    #include <time.h>

    enum { C_REQUEST = 0, C_COMMAND = 1, C_SEED = 2, C_HAS_SEED = 3, C_DONE = 8, C_ROW_WORDS = 16 };

    static inline int64_t ocean_load_acquire(const int64_t *p) {
        return __atomic_load_n(p, __ATOMIC_ACQUIRE);
    }
    static inline void ocean_store_release(int64_t *p, int64_t v) {
        __atomic_store_n(p, v, __ATOMIC_RELEASE);
    }
    static inline void ocean_cpu_relax(void) {
    #if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
    #elif defined(__aarch64__)
        __asm__ __volatile__("yield");
    #endif
    }
    static inline double ocean_now(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
    }
    static inline void ocean_sleep(double seconds) {
        struct timespec t;
        t.tv_sec = (time_t)seconds;
        t.tv_nsec = (long)((seconds - (double)t.tv_sec) * 1e9);
        nanosleep(&t, NULL);
    }
    """
    enum: C_REQUEST, C_COMMAND, C_SEED, C_HAS_SEED, C_DONE, C_ROW_WORDS
    int64_t ocean_load_acquire(const int64_t *p) nogil
    void ocean_store_release(int64_t *p, int64_t v) nogil
    void ocean_cpu_relax() nogil
    double ocean_now() nogil
    void ocean_sleep(double seconds) nogil
    int sched_yield() nogil

# Columns of a worker's row. The parent writes the first cache line, the worker the second,
# so neither side's writes evict the line the other is spinning on.
REQUEST, COMMAND, SEED, HAS_SEED, DONE, ROW_WORDS = (
    C_REQUEST, C_COMMAND, C_SEED, C_HAS_SEED, C_DONE, C_ROW_WORDS)

cdef double SPIN_S = 50e-6
cdef double YIELD_S = 1e-3
cdef double MAX_SLEEP_S = 1e-3


cdef inline void pause(double waited) noexcept nogil:
    """One back-off step after `waited` seconds without the flag."""
    cdef int i
    if waited < SPIN_S:
        for i in range(32):
            ocean_cpu_relax()
    elif waited < YIELD_S:
        sched_yield()
    else:
        ocean_sleep(min(MAX_SLEEP_S, waited / 32))


def command(int64_t[:, ::1] rows, int first, int count, int64_t code):
    """Give workers first..first+count-1 the command `code` (write the other columns it
    reads, such as SEED, before calling)."""
    cdef int64_t *row
    for w in range(first, first + count):
        row = &rows[w, 0]
        row[C_COMMAND] = code
        ocean_store_release(&row[C_REQUEST], row[C_REQUEST] + 1)


cdef inline bint group_done(int64_t[:, ::1] rows, int first, int count) noexcept nogil:
    cdef int w
    cdef int64_t *row
    for w in range(first, first + count):
        row = &rows[w, 0]
        if ocean_load_acquire(&row[C_DONE]) != row[C_REQUEST]:
            return False
    return True


cdef int wait_done_nogil(int64_t[:, ::1] rows, const int32_t[::1] firsts, int count,
                         double waited, double slice_s) noexcept nogil:
    cdef double start = ocean_now(), now = start
    cdef int g
    while True:
        for g in range(firsts.shape[0]):
            if group_done(rows, firsts[g], count):
                return g
        if now - start >= slice_s:
            return -1
        pause(waited + now - start)
        now = ocean_now()


def wait_done(int64_t[:, ::1] rows, const int32_t[::1] firsts, int count, double waited,
              double slice_s):
    """Wait until, for one of the groups of `count` workers starting at `firsts`, every
    worker has finished its last command. Returns that group's index in firsts (the first
    such, in the given order), or -1 once slice_s has passed. `waited` is how long the
    caller has waited already, which sets the back-off."""
    cdef int group
    with nogil:
        group = wait_done_nogil(rows, firsts, count, waited, slice_s)
    return group


cdef int64_t wait_request_nogil(int64_t *request_word, int64_t seen, double waited,
                                double slice_s) noexcept nogil:
    cdef double start = ocean_now(), now = start
    cdef int64_t request
    while True:
        request = ocean_load_acquire(request_word)
        if request != seen or now - start >= slice_s:
            return request
        pause(waited + now - start)
        now = ocean_now()


def wait_request(int64_t[:, ::1] rows, int worker, int64_t seen, double waited,
                 double slice_s):
    """Worker side: wait until REQUEST differs from `seen`; returns it (== seen once
    slice_s has passed without a request)."""
    cdef int64_t request
    with nogil:
        request = wait_request_nogil(&rows[worker, C_REQUEST], seen, waited, slice_s)
    return request


def finish(int64_t[:, ::1] rows, int worker, int64_t request):
    """Worker side: publish that the command of `request` is done (results written)."""
    ocean_store_release(&rows[worker, C_DONE], request)
