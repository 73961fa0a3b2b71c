/* bench.c: the C loop alone, no Python. For every registered game (or those named on the
 * command line) at default config: init num_envs envs over malloc'd buffers, then step with
 * fresh random actions each step and print agent-steps per second.
 *
 *   bench [--envs N] [--steps AGENT_STEPS] [--render-every B] [--wild-actions] [--seed S]
 *         [game ...] [key=value ...]
 *
 * key=value sets a config key of every game that has it (e.g. `bench snake width=640`);
 * values are not range-checked here, so stay inside the game's table.
 *
 * Built with -fsanitize=address,undefined (make -C csrc sanitize) it is the crash test:
 * every game, 10^6 random agent-steps, and any sanitizer report fails the run. With
 * --render-every B it also renders one env (the next one, in turn) after every B-th batch,
 * so the crash test covers each game's drawing too; the timed bench leaves it off. With
 * --wild-actions one action in WILD_ONE_IN is any int32 instead: Python refuses those, but a
 * game must not index memory with one should it reach C. --seed S seeds the actions (and the
 * envs, from (S, env index)); default 0. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "games.h"

#define WILD_ONE_IN 8

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
    int num_envs, wild_actions;
    long agent_steps, render_every;
    uint64_t seed;
} BenchOptions;

static int run(const OceanGame *game, const BenchOptions *opt, int argc, char **argv) {
    int num_envs = opt->num_envs;
    double config[64];
    for (int k = 0; k < game->num_config; k++) {
        config[k] = game->config[k].default_value;
        size_t len = strlen(game->config[k].name);
        for (int i = 1; i < argc; i++)
            if (!strncmp(argv[i], game->config[k].name, len) && argv[i][len] == '=')
                config[k] = atof(argv[i] + len + 1);
    }
    int agents = game->num_agents(config);
    size_t obs_bytes = game->obs_bytes(config), total = (size_t)num_envs * (size_t)agents;
    int log_width = game->num_log + 1;
    char *envs = calloc((size_t)num_envs, game->env_size);
    unsigned char *obs = calloc(total, obs_bytes);
    int32_t *actions = calloc(total, sizeof(int32_t));
    float *rewards = calloc(total, sizeof(float));
    uint8_t *terminals = calloc(total, 1), *truncations = calloc(total, 1);
    float *logs = calloc(total * (size_t)log_width, sizeof(float));
    int frame_width, frame_height;
    game->frame_size(config, &frame_width, &frame_height);
    uint8_t *frame = malloc((size_t)frame_width * (size_t)frame_height * 3);
    if (!envs || !obs || !actions || !rewards || !terminals || !truncations || !logs || !frame) {
        fprintf(stderr, "%s: out of memory\n", game->name);
        return 1;
    }
    for (int i = 0; i < num_envs; i++) {
        size_t row = (size_t)i * (size_t)agents;
        OceanRows rows = {obs + row * obs_bytes, actions + row, rewards + row, terminals + row,
                          truncations + row, logs + row * (size_t)log_width};
        void *env = envs + (size_t)i * game->env_size;
        if (game->init(env, &rows, config) != 0) {
            fprintf(stderr, "%s: init failed\n", game->name);
            return 1;
        }
        game->seed(env, opt->seed, (uint64_t)i);
        game->reset(env);
    }
    OceanRng rng;
    ocean_rng_seed(&rng, 42, opt->seed);
    long batches = opt->agent_steps / (long)total + 1, render_every = opt->render_every;
    double episodes = 0, start = now();
    for (long b = 0; b < batches; b++) {
        for (size_t a = 0; a < total; a++) {
            actions[a] = ocean_rng_int(&rng, game->num_actions);
            if (opt->wild_actions && ocean_rng_int(&rng, WILD_ONE_IN) == 0)
                actions[a] = (int32_t)(uint32_t)ocean_rng_u64(&rng);
        }
        game->step_batch(envs, num_envs);
        for (size_t a = 0; a < total; a++) {
            float *row = logs + a * (size_t)log_width;
            episodes += row[log_width - 1];
            row[log_width - 1] = 0;
        }
        if (render_every > 0 && b % render_every == 0) {
            long which = (b / render_every) % num_envs;
            game->render(envs + (size_t)which * game->env_size, frame, frame_width, frame_height);
        }
    }
    double seconds = now() - start;
    printf("%-10s %6d envs %7zu agents %12.0f agent-steps/s  (%ld batches, %.0f episodes)\n",
           game->name, num_envs, total, (double)batches * (double)total / seconds, batches,
           episodes);
    for (int i = 0; i < num_envs; i++) game->close(envs + (size_t)i * game->env_size);
    free(envs); free(obs); free(actions); free(rewards); free(terminals); free(truncations);
    free(logs); free(frame);
    return 0;
}

int main(int argc, char **argv) {
    BenchOptions opt = {4096, 0, 50000000, 0, 0};
    int named = 0, failed = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--envs") && i + 1 < argc) opt.num_envs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc) opt.agent_steps = atol(argv[++i]);
        else if (!strcmp(argv[i], "--render-every") && i + 1 < argc)
            opt.render_every = atol(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            opt.seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--wild-actions")) opt.wild_actions = 1;
        else if (!strchr(argv[i], '=')) named = 1;
    }
    if (opt.num_envs < 1 || opt.agent_steps < 1 || opt.render_every < 0) {
        fprintf(stderr, "usage: bench [--envs N] [--steps AGENT_STEPS] [--render-every B] "
                        "[--wild-actions] [--seed S] [game ...] [key=value ...]\n");
        return 2;
    }
    for (int g = 0; g < OCEAN_NUM_GAMES; g++) {
        int wanted = !named;
        for (int i = 1; i < argc && !wanted; i++) {
            if (!strcmp(argv[i], "--envs") || !strcmp(argv[i], "--steps") ||
                !strcmp(argv[i], "--render-every") || !strcmp(argv[i], "--seed")) {
                i++;
                continue;
            }
            wanted = !strcmp(argv[i], OCEAN_GAMES[g]->name);
        }
        if (wanted) failed |= run(OCEAN_GAMES[g], &opt, argc, argv);
    }
    return failed;
}
