/* sync.h: the flags the multiprocess backend's parent and its workers hand commands over by.
 *
 * The flags are int64 words in shared memory (ocean/multiprocess/shared.py lays them out):
 * one row of OCEAN_ROW_WORDS per worker, then one shared row. The parent writes a worker's
 * command (and SEED / HAS_SEED for a reset) and bumps its REQUEST; the worker carries it
 * out, sets DONE to that REQUEST and adds one to the shared COMPLETIONS. Flag stores are
 * release (or sequentially consistent) stores and waits acquire loads, so everything
 * written before a flag (actions, observations) is visible to whoever sees it.
 *
 *   ocean_command(row, code)              parent: give one worker a command
 *   ocean_wait_request(row, seen, ...)    worker: wait for a REQUEST other than `seen`
 *   ocean_finish(row, shared, request)    worker: the command of `request` is done
 *   ocean_wait_done(rows, shared, ...)    parent: wait for a group of workers to be done
 *
 * A wait spins on its flag with the CPU's pause hint while the time waited is under
 * `spin_s` (the caller's choice: a spin only pays where the waiter has a core to itself),
 * then sleeps: on Linux in the kernel (futex) until the other side's flag store wakes it,
 * which it does only when the sleeper has said it sleeps, so a busy loop makes no system
 * calls; elsewhere it yields the core until OCEAN_YIELD_S, then sleeps in steps of 1/32 of
 * the time waited (at most OCEAN_MAX_SLEEP_S). The parent is woken once per step, by the
 * worker whose finish completes what it waits for, not by each. Every wait returns after
 * `slice_s` at the latest, so the caller can check that the other side lives and let
 * Python handle signals (Ctrl-C).
 *
 * The futex is the process-shared kind: the words may be mapped at different addresses in
 * different processes. Needs the POSIX and Linux declarations (the includer defines
 * _GNU_SOURCE, or compiles without a strict -std). No allocation, no globals.
 */
#ifndef OCEAN_SYNC_H
#define OCEAN_SYNC_H

#include <sched.h>
#include <stdint.h>
#include <time.h>
#ifdef __linux__
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Columns of a worker's row: the parent writes the first cache line, the worker the second,
 * so neither side's stores evict the line the other is spinning on. */
enum {
    OCEAN_REQUEST = 0,   /* parent: bumped once per command */
    OCEAN_COMMAND = 1,   /* parent: an OceanCommand */
    OCEAN_SEED = 2,      /* parent: a reset's seed (all 64 bits), if HAS_SEED */
    OCEAN_HAS_SEED = 3,
    OCEAN_DONE = 8,      /* worker: the last REQUEST it finished */
    OCEAN_SLEEPING = 9,  /* worker: asleep on REQUEST, so a command must wake it */
    OCEAN_ENDED = 10,    /* worker: how many of its rows ended an episode in that command */
    OCEAN_ROW_WORDS = 16
};

/* Columns of the shared row, after the workers' rows. */
enum {
    OCEAN_COMPLETIONS = 0,     /* commands finished by any worker, ever */
    OCEAN_PARENT_WAKE_AT = 8   /* the COMPLETIONS the sleeping parent waits for; 0: awake */
};

typedef enum { OCEAN_STEP = 1, OCEAN_RESET = 2, OCEAN_CLOSE = 3 } OceanCommand;

#ifndef __linux__
static const double OCEAN_YIELD_S = 1e-3, OCEAN_MAX_SLEEP_S = 1e-3;
#endif

/* Pause hints between two looks at a flag while spinning. */
enum { OCEAN_PAUSES_PER_SPIN = 32 };

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
    for (int i = 0; i < OCEAN_PAUSES_PER_SPIN; i++) {
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
    (void)word;
    (void)expected;
    if (waited < OCEAN_YIELD_S) {
        sched_yield();
        return;
    }
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

/* Parent side: give the worker of `row` the command `code` (write SEED and HAS_SEED first
 * for a reset). */
static inline void ocean_command(int64_t *row, int64_t code) {
    row[OCEAN_COMMAND] = code;
    __atomic_store_n(&row[OCEAN_REQUEST], row[OCEAN_REQUEST] + 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&row[OCEAN_SLEEPING], __ATOMIC_SEQ_CST)) ocean_wake(&row[OCEAN_REQUEST]);
}

/* How many workers of the group have not finished their last command. */
static inline int ocean_group_left(int64_t *rows, int first, int count) {
    int left = 0;
    for (int w = first; w < first + count; w++) {
        int64_t *row = rows + (size_t)w * OCEAN_ROW_WORDS;
        left += __atomic_load_n(&row[OCEAN_DONE], __ATOMIC_ACQUIRE) != row[OCEAN_REQUEST];
    }
    return left;
}

/* Parent side: the index in firsts of a group of `count` workers (rows firsts[g] ..
 * firsts[g] + count - 1) that are all done, or -1 after slice_s. `waited`: how long the
 * caller has waited already (it spins while waited < spin_s). No group can be done before
 * the fewest workers any group still waits for have finished, so the parent sleeps until
 * the completion count reaches that target (PARENT_WAKE_AT) and the worker whose finish
 * reaches it wakes the parent: one wake per step, not one per worker. The count is read
 * before the flags: a worker the flags show unfinished adds to it later, so the target is
 * reached. */
static inline int ocean_wait_done(int64_t *rows, int64_t *shared, const int32_t *firsts,
                                  int num_groups, int count, double waited, double slice_s,
                                  double spin_s) {
    double start = ocean_now();
    for (;;) {
        int64_t completions = __atomic_load_n(&shared[OCEAN_COMPLETIONS], __ATOMIC_SEQ_CST);
        int fewest = count;
        for (int g = 0; g < num_groups; g++) {
            int left = ocean_group_left(rows, firsts[g], count);
            if (left == 0) return g;
            if (left < fewest) fewest = left;
        }
        double elapsed = ocean_now() - start;
        if (elapsed >= slice_s) return -1;
        if (waited + elapsed < spin_s) {
            ocean_spin();
            continue;
        }
        int64_t target = completions + fewest;
        __atomic_store_n(&shared[OCEAN_PARENT_WAKE_AT], target, __ATOMIC_SEQ_CST);
        int64_t now = __atomic_load_n(&shared[OCEAN_COMPLETIONS], __ATOMIC_SEQ_CST);
        if (now < target)
            ocean_block(&shared[OCEAN_COMPLETIONS], now, slice_s - elapsed, waited + elapsed);
        __atomic_store_n(&shared[OCEAN_PARENT_WAKE_AT], 0, __ATOMIC_SEQ_CST);
    }
}

/* Worker side: REQUEST once it differs from `seen`, or `seen` after slice_s. */
static inline int64_t ocean_wait_request(int64_t *row, int64_t seen, double waited,
                                         double slice_s, double spin_s) {
    double start = ocean_now();
    for (;;) {
        int64_t request = __atomic_load_n(&row[OCEAN_REQUEST], __ATOMIC_ACQUIRE);
        if (request != seen) return request;
        double elapsed = ocean_now() - start;
        if (elapsed >= slice_s) return seen;
        if (waited + elapsed < spin_s) {
            ocean_spin();
            continue;
        }
        __atomic_store_n(&row[OCEAN_SLEEPING], 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&row[OCEAN_REQUEST], __ATOMIC_SEQ_CST) == seen)
            ocean_block(&row[OCEAN_REQUEST], seen, slice_s - elapsed, waited + elapsed);
        __atomic_store_n(&row[OCEAN_SLEEPING], 0, __ATOMIC_SEQ_CST);
    }
}

/* Worker side: the command of `request` is done (its results written). */
static inline void ocean_finish(int64_t *row, int64_t *shared, int64_t request) {
    __atomic_store_n(&row[OCEAN_DONE], request, __ATOMIC_RELEASE);
    int64_t completions = __atomic_add_fetch(&shared[OCEAN_COMPLETIONS], 1, __ATOMIC_SEQ_CST);
    int64_t target = __atomic_load_n(&shared[OCEAN_PARENT_WAKE_AT], __ATOMIC_SEQ_CST);
    if (target && completions >= target) ocean_wake(&shared[OCEAN_COMPLETIONS]);
}

#endif /* OCEAN_SYNC_H */
