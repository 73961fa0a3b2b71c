/* harness.h: what the C tests share. Include it after the game header a test needs.
 *
 *   CHECK(cond, format, ...)    if cond is false: print where, the condition and the message
 *                               (stderr, so a later sanitizer abort cannot swallow it), count
 *                               a failure and go on; the run stops at HARNESS_MAX_FAILURES
 *   REQUIRE(cond, format, ...)  the same, then stop at once: for a check the next lines rely
 *                               on (an index, a loop's bound, a setup step)
 *   harness_main(argc, argv, modes, num_modes)
 *                               runs the mode argv[1] names (the first when there is none);
 *                               harness_arg(i, fallback) reads the i-th argument after it.
 *                               Exit status 0 when every check held, 1 when one failed, 2 for
 *                               an unknown mode.
 *   harness_config(game, config, overrides)
 *                               a game's default config, then (key index, value) pairs,
 *                               ended by -1
 *   harness_open(h, game, env, config, seed) / harness_close(h)
 *                               one env of a game over rows of its own (one per agent):
 *                               zeroed, init, seeded from (seed, 0), reset
 */
#ifndef OCEAN_TEST_HARNESS_H
#define OCEAN_TEST_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocean.h"

#define HARNESS_MAX_FAILURES 20
#define HARNESS_MAX_CONFIG 64

static int harness_failures = 0;

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static void harness_fail(int stop, const char *file, int line, const char *condition,
                         const char *format, ...) {
    va_list args;
    fprintf(stderr, "%s:%d: check failed: %s: ", file, line, condition);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\n");
    if (++harness_failures >= HARNESS_MAX_FAILURES || stop) {
        fprintf(stderr, "%d checks failed%s\n", harness_failures, stop ? "" : " (stopped)");
        exit(1);
    }
}

#define CHECK(cond, ...)                                                                     \
    do {                                                                                     \
        if (!(cond)) harness_fail(0, __FILE__, __LINE__, #cond, __VA_ARGS__);               \
    } while (0)

#define REQUIRE(cond, ...)                                                                   \
    do {                                                                                     \
        if (!(cond)) harness_fail(1, __FILE__, __LINE__, #cond, __VA_ARGS__);               \
    } while (0)

/* ---- main: a test is a few modes, each a function of no arguments. ---- */
typedef struct {
    const char *name;
    const char *args;     /* what harness_arg reads, for the usage line */
    void (*run)(void);
} HarnessMode;

static int harness_argc;      /* the arguments after the mode's name */
static char **harness_argv;

static inline double harness_arg(int i, double fallback) {
    return i < harness_argc ? atof(harness_argv[i]) : fallback;
}

static int harness_main(int argc, char **argv, const HarnessMode *modes, int num_modes) {
    const char *name = argc > 1 ? argv[1] : modes[0].name;
    int first = argc > 1 ? 2 : 1;
    harness_argc = argc - first;
    harness_argv = argv + first;
    for (int m = 0; m < num_modes; m++) {
        if (strcmp(name, modes[m].name) != 0) continue;
        modes[m].run();
        if (harness_failures) fprintf(stderr, "%d checks failed\n", harness_failures);
        return harness_failures != 0;
    }
    fprintf(stderr, "usage:\n");
    for (int m = 0; m < num_modes; m++)
        fprintf(stderr, "  %s %s%s%s\n", argv[0], modes[m].name, *modes[m].args ? " " : "",
                modes[m].args);
    return 2;
}

/* ---- one env over its own rows ---- */
typedef struct {
    const OceanGame *game;
    void *env;            /* the test's own game struct */
    OceanRows rows;       /* what init was handed: one row per agent */
    int32_t *actions;     /* rows.actions, for the test to write */
} HarnessEnv;

static inline void harness_config(const OceanGame *game, double *config,
                                  const double *overrides) {
    REQUIRE(game->num_config <= HARNESS_MAX_CONFIG, "%s has %d config keys", game->name,
            game->num_config);
    for (int k = 0; k < game->num_config; k++) config[k] = game->config[k].default_value;
    for (int i = 0; overrides && overrides[i] >= 0; i += 2)
        config[(int)overrides[i]] = overrides[i + 1];
}

static inline void harness_open(HarnessEnv *h, const OceanGame *game, void *env,
                                const double *config, uint64_t seed) {
    size_t agents = (size_t)game->num_agents(config);
    h->game = game;
    h->env = env;
    h->actions = calloc(agents, sizeof(int32_t));
    h->rows = (OceanRows){calloc(agents, game->obs_bytes(config)), h->actions,
                          calloc(agents, sizeof(float)), calloc(agents, 1), calloc(agents, 1),
                          calloc(agents * (size_t)(game->num_log + 1), sizeof(float))};
    REQUIRE(h->rows.obs && h->actions && h->rows.rewards && h->rows.terminals &&
            h->rows.truncations && h->rows.logs, "out of memory for %zu agents", agents);
    memset(env, 0, game->env_size);   /* as the driver's calloc leaves it */
    REQUIRE(game->init(env, &h->rows, config) == 0, "%s: init failed", game->name);
    game->seed(env, seed, 0);
    game->reset(env);
}

static inline void harness_close(HarnessEnv *h) {
    h->game->close(h->env);
    free(h->rows.obs);
    free(h->actions);
    free(h->rows.rewards);
    free(h->rows.terminals);
    free(h->rows.truncations);
    free(h->rows.logs);
}

#endif /* OCEAN_TEST_HARNESS_H */
