/* The multiprocess backend's flags (csrc/sync.h) between real processes: a parent commands
 * forked workers over a MAP_SHARED mapping, as the backend does over its segment.
 *   - every command reaches its worker once, and what the parent wrote before commanding
 *     (actions, seeds) is what the worker reads; what the worker wrote before finishing is
 *     what the parent reads once the wait returns;
 *   - waiting for one group of every worker, and for whichever of several groups is done;
 *   - sleeping (futex) and spinning waiters: a sleeper is woken by the store it waits for,
 *     not by its slice running out (slices here are long, so a lost wake fails the test);
 *   - with nothing to wait for, both waits return after their slice: -1 and `seen`;
 *   - CLOSE ends a worker.
 * Usage: test_sync [all]. Prints "ok", or the failed checks (harness.h) and exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sync.h"
#include "harness.h"

enum { MAX_WORKERS = 3, PAYLOAD = 64 };
/* A wait that takes this long missed its wake: a wake takes microseconds, and a loaded
 * machine keeps a process off its core for milliseconds, not for seconds. */
static const double LONG_SLICE_S = 10.0;
static const double SHORT_SLICE_S = 0.01;
static const uint64_t BIG_SEED = UINT64_MAX - 2;  /* all 64 bits must come through */

typedef struct {
    int64_t rows[(MAX_WORKERS + 1) * OCEAN_ROW_WORDS];  /* workers' rows, then the shared one */
    int64_t actions[MAX_WORKERS];                      /* the parent writes, then commands */
    int64_t payload[MAX_WORKERS][PAYLOAD];             /* a worker writes, then finishes */
} Shared;

static int64_t *row_of(Shared *s, int w) { return &s->rows[w * OCEAN_ROW_WORDS]; }
static int64_t *shared_row(Shared *s, int workers) { return row_of(s, workers); }

/* A worker: ready, then run commands until CLOSE. STEP fills the payload from the action;
 * RESET copies the seed. Exits 0 on CLOSE, 2 if a wait outlived its slice. */
static int worker_main(Shared *s, int w, int workers, double spin_s) {
    int64_t *row = row_of(s, w), *shared = shared_row(s, workers);
    int64_t seen = 0;
    ocean_finish(row, shared, seen);
    for (;;) {
        int64_t request = ocean_wait_request(row, seen, 0.0, LONG_SLICE_S, spin_s);
        if (request == seen) return 2;
        seen = request;
        int64_t command = row[OCEAN_COMMAND];
        if (command == OCEAN_CLOSE) return 0;
        if (command == OCEAN_STEP) {
            for (int i = 0; i < PAYLOAD; i++) s->payload[w][i] = s->actions[w] * (i + 1);
        } else if (command == OCEAN_RESET) {
            s->payload[w][0] = row[OCEAN_HAS_SEED] ? row[OCEAN_SEED] : -1;
        }
        row[OCEAN_ENDED] = s->actions[w] % 7;
        ocean_finish(row, shared, seen);
    }
}

static int payload_ok(const Shared *s, int w) {
    for (int i = 0; i < PAYLOAD; i++)
        if (s->payload[w][i] != s->actions[w] * (i + 1)) return 0;
    return 1;
}

/* The parent's wait for group `g` of firsts (count workers each); fails on a missed wake. */
static int wait_any(Shared *s, int workers, const int32_t *firsts, int groups, int count,
                    double spin_s) {
    int g = ocean_wait_done(s->rows, shared_row(s, workers), firsts, groups, count, 0.0,
                            LONG_SLICE_S, spin_s);
    CHECK(g >= 0, "the wait outlived its %.1f s slice: a wake was lost", LONG_SLICE_S);
    return g;
}

/* `rounds` of commanding every worker: odd rounds wait for one group of all of them, even
 * rounds for each worker as its own group, in whichever order they finish. */
static void run_workers(int workers, int rounds, double spin_s) {
    Shared *s = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    REQUIRE(s != MAP_FAILED, "mmap: %s", strerror(errno));
    pid_t pids[MAX_WORKERS];
    for (int w = 0; w < workers; w++) {
        row_of(s, w)[OCEAN_DONE] = -1;  /* the worker sets 0 when ready */
        pids[w] = fork();
        REQUIRE(pids[w] >= 0, "fork: %s", strerror(errno));
        if (pids[w] == 0) _exit(worker_main(s, w, workers, spin_s));
    }
    const int32_t all[1] = {0};
    if (wait_any(s, workers, all, 1, workers, spin_s) < 0) goto close;

    for (int w = 0; w < workers; w++) {  /* a reset carries its seed */
        row_of(s, w)[OCEAN_SEED] = (int64_t)BIG_SEED;
        row_of(s, w)[OCEAN_HAS_SEED] = 1;
        ocean_command(row_of(s, w), OCEAN_RESET);
    }
    if (wait_any(s, workers, all, 1, workers, spin_s) < 0) goto close;
    for (int w = 0; w < workers; w++)
        CHECK((uint64_t)s->payload[w][0] == BIG_SEED, "worker %d read seed %lld", w,
              (long long)s->payload[w][0]);

    for (int r = 0; r < rounds && !harness_failures; r++) {
        for (int w = 0; w < workers; w++) {
            s->actions[w] = 1000 * r + w;
            ocean_command(row_of(s, w), OCEAN_STEP);
        }
        if (r % 2) {
            if (wait_any(s, workers, all, 1, workers, spin_s) < 0) break;
            for (int w = 0; w < workers; w++)
                CHECK(payload_ok(s, w), "round %d: worker %d's payload is stale", r, w);
        } else {
            int32_t firsts[MAX_WORKERS];
            for (int w = 0; w < workers; w++) firsts[w] = w;
            for (int left = workers; left > 0; left--) {
                int g = wait_any(s, workers, firsts, left, 1, spin_s);
                if (g < 0) break;
                int w = firsts[g];
                CHECK(row_of(s, w)[OCEAN_DONE] == row_of(s, w)[OCEAN_REQUEST],
                      "round %d: worker %d returned before it was done", r, w);
                CHECK(payload_ok(s, w), "round %d: worker %d's payload is stale", r, w);
                CHECK(row_of(s, w)[OCEAN_ENDED] == s->actions[w] % 7,
                      "round %d: worker %d's ENDED is stale", r, w);
                firsts[g] = firsts[left - 1];
            }
        }
        int64_t completions = shared_row(s, workers)[OCEAN_COMPLETIONS];
        CHECK(completions == (int64_t)workers * (r + 3),  /* ready, reset, then one a round */
              "round %d: %lld completions", r, (long long)completions);
    }
close:
    for (int w = 0; w < workers; w++) ocean_command(row_of(s, w), OCEAN_CLOSE);
    for (int w = 0; w < workers; w++) {
        int status;
        waitpid(pids[w], &status, 0);
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "worker %d (%d workers, spin %g s) ended with status %d", w, workers, spin_s,
              status);
    }
    munmap(s, sizeof(Shared));
}

/* With nobody to answer, each wait gives up after its slice, sleeping or spinning. */
static void waits_time_out(double spin_s) {
    Shared s = {0};
    row_of(&s, 0)[OCEAN_REQUEST] = 1;  /* commanded, never done */
    const int32_t first[1] = {0};
    double start = ocean_now();
    int g = ocean_wait_done(s.rows, shared_row(&s, 1), first, 1, 1, 0.0, SHORT_SLICE_S, spin_s);
    CHECK(g == -1 && ocean_now() - start >= SHORT_SLICE_S,
          "wait_done returned %d before its slice ran out", g);
    start = ocean_now();
    int64_t seen = ocean_wait_request(row_of(&s, 0), 1, 0.0, SHORT_SLICE_S, spin_s);
    CHECK(seen == 1 && ocean_now() - start >= SHORT_SLICE_S,
          "wait_request returned %lld before its slice ran out", (long long)seen);
    CHECK(s.rows[OCEAN_SLEEPING] == 0, "a waiter that gave up still says it sleeps");
}

static void run_all(void) {
    waits_time_out(0.0);
    waits_time_out(1.0);
    run_workers(MAX_WORKERS, 2000, 0.0);   /* every wait sleeps: futex wait and wake */
    run_workers(MAX_WORKERS, 1000, 50e-6); /* short spins, then sleep: the backend's mix */
    run_workers(1, 2000, 1e-3);            /* parent and worker spin, each on a core */
    if (harness_failures == 0) printf("ok\n");
}

int main(int argc, char **argv) {
    static const HarnessMode modes[] = {{"all", "", run_all}};
    return harness_main(argc, argv, modes, (int)OCEAN_COUNT(modes));
}
