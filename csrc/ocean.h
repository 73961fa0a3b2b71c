/* ocean.h: the contract every Ocean game follows, and the C shared by all of them.
 *
 * A game is one header, ocean/<game>/<game>.h, holding one struct and these functions:
 *
 *   int  <game>_init(Game *env, const OceanRows *rows, const double *config);
 *   void <game>_reset(Game *env);     start a new episode, write the first observation
 *   void <game>_step(Game *env);      read actions, simulate, write rewards/flags/obs;
 *                                     auto-resets (same step) when an episode ends
 *   void <game>_render(const Game *env, OceanCanvas *canvas);   draw the state as RGB
 *   void <game>_close(Game *env);     free what init allocated
 *   int    <game>_num_agents(const double *config);   agents (rows) per env
 *   size_t <game>_obs_bytes(const double *config);    bytes of one agent's observation
 *   void   <game>_frame_size(const double *config, int *width, int *height);  render's canvas
 *
 * init copies the row pointers (this env's slice of the buffers Python allocated once),
 * reads its config (doubles, in the order of the game's OceanConfigKey table) and may
 * allocate; it returns 0 on success. Nothing after init allocates. The game's randomness
 * comes only from its own OceanRng field `rng`, seeded by the driver from (seed, env index),
 * so results never depend on batch layout or thread count.
 *
 * Episode logs: each agent owns one row of floats in a shared log buffer. A game views its
 * row(s) as its log struct (floats only, a count `n` last) and ADDS to it when an episode
 * ends; the driver sums rows into means and zeroes them. OCEAN_DEFINE_GAME at the end of a
 * game header builds the OceanGame descriptor the driver and the C bench use.
 *
 * Rendering: render draws the env's current state into a canvas of exactly the size
 * frame_size gives for its config (render.h, included here, is the rasteriser). It only reads
 * the env, touches no PRNG and must be valid any time after reset. One drawing path serves
 * env.render(), GIF recording and the window; none of it needs a display.
 */
#ifndef OCEAN_H
#define OCEAN_H

#include <stddef.h>
#include <stdint.h>

#include "render.h"

/* ---- PRNG: splitmix64. One 64-bit word of state, fast, passes BigCrush. ---- */
typedef struct { uint64_t state; } OceanRng;

static inline uint64_t ocean_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Distinct env indices give distinct streams for one seed (mix64 is a bijection). */
static inline void ocean_rng_seed(OceanRng *rng, uint64_t seed, uint64_t index) {
    rng->state = ocean_mix64(ocean_mix64(seed) + index);
}

static inline uint64_t ocean_rng_u64(OceanRng *rng) {
    rng->state += 0x9e3779b97f4a7c15ULL;
    return ocean_mix64(rng->state);
}

/* Uniform float in [0, 1): the top 24 bits, exactly representable. */
static inline float ocean_rng_float(OceanRng *rng) {
    return (float)(ocean_rng_u64(rng) >> 40) * (1.0f / 16777216.0f);
}

/* Uniform int in [0, n), n >= 1 (multiply-shift; bias below 2^-32). */
static inline int ocean_rng_int(OceanRng *rng, int n) {
    return (int)(((ocean_rng_u64(rng) >> 32) * (uint64_t)n) >> 32);
}

/* ---- Small helpers every game uses. ---- */

/* x limited to [lo, hi], lo <= hi. A max then a min: two selects (maxss, minss). */
static inline float ocean_clampf(float x, float lo, float hi) {
    x = x > lo ? x : lo;
    return x < hi ? x : hi;
}

static inline int ocean_clampi(int x, int lo, int hi) {
    x = x > lo ? x : lo;
    return x < hi ? x : hi;
}

/* Ask for the cache line holding `address` now, so it is on its way when it is read: only
 * a hint, it never changes a result. */
static inline void ocean_prefetch(const void *address) {
#if defined(__GNUC__)
    __builtin_prefetch(address);
#else
    (void)address;
#endif
}

/* ---- The rows of the shared buffers that belong to one env (its first agent's row). ---- */
typedef struct {
    void *obs;                 /* (agents, *obs_shape) of the game's obs dtype */
    const int32_t *actions;    /* (agents,) */
    float *rewards;            /* (agents,) */
    uint8_t *terminals;        /* (agents,) numpy bool, 0 or 1 */
    uint8_t *truncations;      /* (agents,) */
    float *logs;               /* (agents, log fields + 1) */
} OceanRows;

/* Points a game's row fields (obs, actions, rewards, terminals, truncations, and its log
 * field, `log` or `logs`) at the rows init was handed, whatever their element types. */
#define OCEAN_BIND_ROWS(env, rows, log_field)                                                \
    do {                                                                                      \
        (env)->obs = (void *)(rows)->obs;                                                    \
        (env)->actions = (rows)->actions;                                                    \
        (env)->rewards = (rows)->rewards;                                                    \
        (env)->terminals = (rows)->terminals;                                                \
        (env)->truncations = (rows)->truncations;                                            \
        (env)->log_field = (void *)(rows)->logs;                                             \
    } while (0)

/* ---- Config: every knob has a default and an inclusive range; Python validates. ---- */
enum { OCEAN_INT = 0, OCEAN_FLOAT = 1, OCEAN_BOOL = 2 };

typedef struct {
    const char *name;
    int kind;
    double default_value, min, max;
    const char *doc;
} OceanConfigKey;

/* ---- The descriptor the driver steps through. ---- */
typedef struct {
    const char *name;
    size_t env_size;
    const OceanConfigKey *config;
    int num_config;
    const char *const *log_keys;   /* the log struct's fields, without the count */
    int num_log;
    int num_actions;               /* Discrete(num_actions) per agent */
    int (*num_agents)(const double *config);
    size_t (*obs_bytes)(const double *config);
    int (*init)(void *env, const OceanRows *rows, const double *config);
    void (*seed)(void *env, uint64_t seed, uint64_t index);
    void (*reset)(void *env);
    void (*step_batch)(void *envs, int num_envs);   /* the hot loop, game step inlined */
    void (*close)(void *env);
    void (*frame_size)(const double *config, int *width, int *height);
    void (*render)(const void *env, uint8_t *rgb, int width, int height);  /* height x width x 3 */
} OceanGame;

#define OCEAN_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* Builds `const OceanGame <prefix>_game` from a game's functions (by their names above,
 * <prefix>_render and <prefix>_frame_size included), config table, log keys and number of
 * discrete actions.
 * The log struct must be exactly its keys plus the count `n`, all floats. */
#define OCEAN_DEFINE_GAME(prefix, Type, LogType, config_table, log_keys, actions)            \
    static inline void prefix##_prefetch(const Type *env) { (void)env; }                    \
    OCEAN_DEFINE_GAME_PREFETCHING(prefix, Type, LogType, config_table, log_keys, actions)

/* The same, for a game whose step reads memory outside its struct (a tile grid, say) at an
 * address the struct knows. The game defines `void <prefix>_prefetch(const Type *env)`,
 * which only calls ocean_prefetch for those lines; step_batch calls it for the env
 * OCEAN_PREFETCH_AHEAD places ahead, so that env's lines are on their way while this one
 * steps. Worth it once a batch's grids outgrow the cache: Maze at 4096 envs, 1.5x. */
#define OCEAN_PREFETCH_AHEAD 4
#define OCEAN_DEFINE_GAME_PREFETCHING(prefix, Type, LogType, config_table, log_keys, actions) \
    _Static_assert(sizeof(LogType) == (OCEAN_COUNT(log_keys) + 1) * sizeof(float),          \
                   #LogType " must be floats: one per log key, then the count n");            \
    static int prefix##_init_any(void *env, const OceanRows *rows, const double *config) {  \
        return prefix##_init((Type *)env, rows, config);                                     \
    }                                                                                         \
    static void prefix##_seed_any(void *env, uint64_t seed, uint64_t index) {               \
        ocean_rng_seed(&((Type *)env)->rng, seed, index);                                    \
    }                                                                                         \
    static void prefix##_reset_any(void *env) { prefix##_reset((Type *)env); }              \
    static void prefix##_step_batch(void *envs, int num_envs) {                             \
        Type *typed = (Type *)envs;                                                          \
        for (int i = 0; i < num_envs; i++) {                                                 \
            if (i + OCEAN_PREFETCH_AHEAD < num_envs)                                         \
                prefix##_prefetch(&typed[i + OCEAN_PREFETCH_AHEAD]);                         \
            prefix##_step(&typed[i]);                                                        \
        }                                                                                     \
    }                                                                                         \
    static void prefix##_close_any(void *env) { prefix##_close((Type *)env); }              \
    static void prefix##_render_any(const void *env, uint8_t *rgb, int width, int height) { \
        OceanCanvas canvas = {rgb, width, height};                                           \
        prefix##_render((const Type *)env, &canvas);                                         \
    }                                                                                         \
    static const OceanGame prefix##_game = {                                                 \
        #prefix, sizeof(Type), config_table, (int)OCEAN_COUNT(config_table),                 \
        log_keys, (int)OCEAN_COUNT(log_keys), actions, prefix##_num_agents,                  \
        prefix##_obs_bytes, prefix##_init_any, prefix##_seed_any,                            \
        prefix##_reset_any, prefix##_step_batch, prefix##_close_any, prefix##_frame_size,    \
        prefix##_render_any,                                                                  \
    }

#endif /* OCEAN_H */
