/* test_snake.c: Snake's rules and invariants, checked on its internal state.
 *
 *   test_snake invariants [AGENT_STEPS]   random runs; after every step: each cell holds at
 *                                          most one thing, every body is a connected chain of
 *                                          its stored length, the food count is right, and
 *                                          every observation equals a slow reference
 *   test_snake rules                       scripted scenes: eating, deaths, head-ons, tails
 *
 * The reference observation is built from an owner map (which snake's chain covers each
 * cell, found by walking every chain) and plain coordinates, not from the grid codes and
 * wall padding the game reads. A failed check prints what and where; the exit status is 1. */
#include "ocean/snake/snake.h"
#include "harness.h"

/* One env over its own rows, and the reference's work arrays. */
typedef struct {
    Snake env;
    HarnessEnv rows;
    int *owner;        /* reference: snake covering each cell, -1 for none */
    int *lengths;      /* lengths before the last step */
} Harness;

static void open_env(Harness *h, const double *config, uint64_t seed) {
    harness_open(&h->rows, &snake_game, &h->env, config, seed);
    h->owner = malloc((size_t)h->env.grid_cells * sizeof(int));
    h->lengths = calloc((size_t)h->env.num_snakes, sizeof(int));
    REQUIRE(h->owner && h->lengths, "out of memory");
}

static void close_env(Harness *h) {
    harness_close(&h->rows);
    free(h->owner);
    free(h->lengths);
}

static int cell_at(const Snake *env, int x, int y) {  /* x, y: grid coordinates, walls at 0 */
    return (y + env->vision) * env->stride + x + env->vision;
}

static int interior(const Snake *env, int x, int y) {
    return x >= 1 && x <= env->width - 2 && y >= 1 && y <= env->height - 2;
}

/* Walks every chain, filling h->owner; checks the whole grid. */
static void check_state(Harness *h) {
    const Snake *env = &h->env;
    for (int i = 0; i < env->grid_cells; i++) h->owner[i] = -1;
    long body_cells = 0;
    for (int s = 0; s < env->num_snakes; s++) {
        const SnakeAgent *snake = &env->snakes[s];
        CHECK(snake->length >= 1, "snake %d has length %d", s, snake->length);
        int cell = snake->tail, count = 0;
        for (;;) {
            REQUIRE(cell >= 0 && cell < env->grid_cells, "snake %d leaves the grid", s);
            CHECK(h->owner[cell] == -1, "cell %d holds snakes %d and %d", cell, h->owner[cell], s);
            h->owner[cell] = s;
            count++;
            uint8_t code = env->grid[cell];
            if (cell == snake->head) {
                CHECK(code == SNAKE_CELL_HEAD, "snake %d: head cell code %d", s, code);
                break;
            }
            REQUIRE(code >= SNAKE_CELL_BODY && code < SNAKE_CELL_BODY + 4,
                    "snake %d: segment %d has code %d", s, count, code);
            REQUIRE(count < snake->length, "snake %d: chain longer than its length %d", s,
                    snake->length);
            cell += env->offset[code - SNAKE_CELL_BODY];  /* one step: a connected chain */
        }
        CHECK(count == snake->length, "snake %d: chain of %d cells, stored length %d", s, count,
              snake->length);
        body_cells += count;
    }
    long food = 0, empty = 0, owned = 0;
    for (int y = -env->vision; y < env->height + env->vision; y++)
        for (int x = -env->vision; x < env->width + env->vision; x++) {
            int cell = cell_at(env, x, y);
            uint8_t code = env->grid[cell];
            if (!interior(env, x, y)) {
                CHECK(code == SNAKE_CELL_WALL, "(%d, %d) outside the walls holds %d", x, y, code);
                continue;
            }
            CHECK(code != SNAKE_CELL_WALL && code < SNAKE_CELL_CLAIMED,
                  "(%d, %d) holds code %d", x, y, code);
            if (code == SNAKE_CELL_FOOD) food++;
            if (code == SNAKE_CELL_EMPTY) empty++;
            if (code == SNAKE_CELL_HEAD || code >= SNAKE_CELL_BODY) {
                CHECK(h->owner[cell] >= 0, "(%d, %d): code %d on no snake's chain", x, y, code);
                owned++;
            } else {
                CHECK(h->owner[cell] == -1, "(%d, %d): code %d on snake %d's chain", x, y, code,
                      h->owner[cell]);
            }
        }
    CHECK(owned == body_cells, "%ld snake cells in the grid, %ld on chains", owned, body_cells);
    CHECK(food == env->food_count, "%ld food cells, food_count %d", food, env->food_count);
    /* Topping up looks at random: food lags below num_food only where empty cells are too
     * rare for SNAKE_RANDOM_TRIES looks to find one (a miss with a quarter of the grid empty:
     * 1 in 10^8). */
    CHECK(env->food_count >= env->num_food || 4 * empty < env->grid_cells,
          "food %d below num_food %d with %ld of %d cells empty", env->food_count,
          env->num_food, empty, env->grid_cells);
}

/* The observation a snake should see, from the owner map and coordinates alone. */
static uint8_t reference_code(const Harness *h, int s, int x, int y) {
    const Snake *env = &h->env;
    if (!interior(env, x, y)) return SNAKE_OBS_WALL;
    int cell = cell_at(env, x, y), owner = h->owner[cell];
    if (owner == s) return cell == env->snakes[s].head ? SNAKE_OBS_OWN_HEAD : SNAKE_OBS_OWN_BODY;
    if (owner >= 0)
        return cell == env->snakes[owner].head ? SNAKE_OBS_OTHER_HEAD : SNAKE_OBS_OTHER_BODY;
    return env->grid[cell] == SNAKE_CELL_FOOD ? SNAKE_OBS_FOOD : SNAKE_OBS_EMPTY;
}

static void check_observations(const Harness *h, long *seen) {
    const Snake *env = &h->env;
    int side = env->window, v = env->vision;
    for (int s = 0; s < env->num_snakes; s++) {
        int head = env->snakes[s].head;
        int hx = head % env->stride - v, hy = head / env->stride - v;
        const uint8_t *obs = h->env.obs + (size_t)s * (size_t)(side * side);
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                uint8_t want = reference_code(h, s, hx + c - v, hy + r - v);
                CHECK(obs[r * side + c] == want, "snake %d sees %d at row %d col %d, want %d", s,
                      obs[r * side + c], r, c, want);
                seen[want]++;
            }
    }
}

/* Rewards, flags and lengths of the last step against the lengths before it. */
static void check_outcomes(const Harness *h) {
    const Snake *env = &h->env;
    for (int s = 0; s < env->num_snakes; s++) {
        const SnakeAgent *snake = &env->snakes[s];
        CHECK(h->env.truncations[s] == 0, "snake %d truncated", s);
        if (h->env.terminals[s]) {
            CHECK(h->env.terminals[s] == 1 && h->env.rewards[s] == env->death_reward,
                  "snake %d: terminal %d reward %g", s, h->env.terminals[s], h->env.rewards[s]);
            CHECK(snake->length == 1 && snake->episode_length == 0, "snake %d respawned at %d", s,
                  snake->length);
        } else if (h->env.rewards[s] == env->food_reward) {
            CHECK(snake->length == h->lengths[s] + 1, "snake %d ate: length %d -> %d", s,
                  h->lengths[s], snake->length);
        } else {
            CHECK(h->env.rewards[s] == 0 && snake->length == h->lengths[s],
                  "snake %d: reward %g, length %d -> %d", s, h->env.rewards[s], h->lengths[s],
                  snake->length);
        }
    }
}

/* Random actions, mostly repeating the last one so snakes cross the grid and grow. */
static void random_run(double *config, long agent_steps, uint64_t seed) {
    Harness h;
    open_env(&h, config, seed);
    OceanRng rng;
    ocean_rng_seed(&rng, seed, 1);
    long seen[SNAKE_OBS_MAX + 1] = {0}, deaths = 0, meals = 0;
    int longest = 0;
    check_state(&h);
    check_observations(&h, seen);
    int snakes = h.env.num_snakes;
    for (long step = 0; step < agent_steps / snakes; step++) {
        for (int s = 0; s < snakes; s++) {
            h.lengths[s] = h.env.snakes[s].length;
            if (ocean_rng_float(&rng) < 0.3f)
                h.rows.actions[s] = ocean_rng_int(&rng, SNAKE_NUM_ACTIONS);
        }
        snake_step(&h.env);
        check_state(&h);
        check_outcomes(&h);
        check_observations(&h, seen);
        for (int s = 0; s < snakes; s++) {
            deaths += h.env.terminals[s];
            meals += h.env.rewards[s] == h.env.food_reward;
            if (h.env.snakes[s].length > longest) longest = h.env.snakes[s].length;
        }
    }
    printf("%dx%d, %d snakes, %d food, vision %d: %ld deaths, %ld meals, longest %d; codes seen:",
           h.env.width, h.env.height, snakes, h.env.num_food, h.env.vision, deaths, meals,
           longest);
    for (int c = 0; c <= SNAKE_OBS_MAX; c++) {
        printf(" %ld", seen[c]);
        CHECK(seen[c] > 0, "observation code %d never seen", c);
    }
    printf("\n");
    CHECK(deaths > 0 && meals > 0, "the run should see deaths and meals");
    close_env(&h);
}

static void run_invariants(void) {
    long agent_steps = (long)harness_arg(0, 1000000);
    double config[HARNESS_MAX_CONFIG];
    harness_config(&snake_game, config, NULL);
    /* Crowded: many collisions of every kind. */
    config[SNAKE_WIDTH] = 20, config[SNAKE_HEIGHT] = 14, config[SNAKE_NUM_SNAKES] = 24;
    config[SNAKE_NUM_FOOD] = 24, config[SNAKE_VISION] = 3;
    random_run(config, agent_steps, 1);
    /* The widest window (three copy chunks a row), on the default grid. */
    harness_config(&snake_game, config, NULL);
    config[SNAKE_VISION] = SNAKE_CONFIG[SNAKE_VISION].max;
    random_run(config, agent_steps / 20, 2);
    /* A grid that fills up: food cannot always be topped up, respawns may land on food. */
    config[SNAKE_WIDTH] = 7, config[SNAKE_HEIGHT] = 6, config[SNAKE_NUM_SNAKES] = 4;
    config[SNAKE_NUM_FOOD] = 14, config[SNAKE_VISION] = 1, config[SNAKE_DEATH_FOOD_PROB] = 1;
    random_run(config, agent_steps / 10, 3);
    /* Snakes fill the grid: random looks fail, respawns sweep it for a cell. */
    config[SNAKE_WIDTH] = 6, config[SNAKE_HEIGHT] = 6, config[SNAKE_NUM_SNAKES] = 14;
    config[SNAKE_NUM_FOOD] = 2, config[SNAKE_DEATH_FOOD_PROB] = 0.5;
    random_run(config, agent_steps / 10, 4);
}

/* ---- Scripted scenes on an empty grid with no food top-up. ---- */

static void scene_open(Harness *h, int num_snakes) {
    double config[HARNESS_MAX_CONFIG];
    harness_config(&snake_game, config, NULL);
    config[SNAKE_WIDTH] = 12, config[SNAKE_HEIGHT] = 10, config[SNAKE_NUM_SNAKES] = num_snakes;
    config[SNAKE_DEATH_FOOD_PROB] = 0;
    open_env(h, config, 7);
    Snake *env = &h->env;
    for (int y = 1; y < env->height - 1; y++)
        for (int x = 1; x < env->width - 1; x++) env->grid[cell_at(env, x, y)] = SNAKE_CELL_EMPTY;
    env->food_count = 0;
    env->num_food = 0;  /* no food appears but what a scene places */
}

/* Snake s: tail at (x, y), then one segment per move in `moves` ("UDLR"); the last is the
 * head. `dir` is the last move (for a lone head, the way it last went). */
static void place(Harness *h, int s, int x, int y, const char *moves, int dir) {
    Snake *env = &h->env;
    SnakeAgent *snake = &env->snakes[s];
    int cell = cell_at(env, x, y);
    REQUIRE(env->grid[cell] == SNAKE_CELL_EMPTY, "scene places snake %d on a used cell", s);
    snake->tail = cell;
    snake->length = 1;
    for (const char *m = moves; *m; m++) {
        int d = (int)(strchr("UDLR", *m) - "UDLR");
        env->grid[cell] = (uint8_t)(SNAKE_CELL_BODY + d);
        cell += env->offset[d];
        REQUIRE(env->grid[cell] == SNAKE_CELL_EMPTY, "scene places snake %d on a used cell", s);
        snake->length++;
        dir = d;
    }
    env->grid[cell] = SNAKE_CELL_HEAD;
    snake->head = cell;
    snake->dir = dir;
    snake->episode_length = snake->food_eaten = 0;
    snake->episode_return = 0;
}

static void put_food(Harness *h, int x, int y) {
    h->env.grid[cell_at(&h->env, x, y)] = SNAKE_CELL_FOOD;
    h->env.food_count++;
}

/* Step with the given actions (one per snake), then check the whole state. */
static void step(Harness *h, const char *actions) {
    for (int s = 0; s < h->env.num_snakes; s++) {
        h->rows.actions[s] = (int32_t)(strchr("UDLR", actions[s]) - "UDLR");
        h->lengths[s] = h->env.snakes[s].length;
    }
    snake_step(&h->env);
    check_state(h);
    check_outcomes(h);
    long seen[SNAKE_OBS_MAX + 1] = {0};
    check_observations(h, seen);
}

static int head_at(const Harness *h, int s, int x, int y) {
    return h->env.snakes[s].head == cell_at(&h->env, x, y);
}

static void expect_alive(const Harness *h, int s, int x, int y, int length) {
    CHECK(!h->env.terminals[s] && head_at(h, s, x, y) && h->env.snakes[s].length == length,
          "snake %d: terminal %d, length %d, head %s (%d, %d)", s, h->env.terminals[s],
          h->env.snakes[s].length, head_at(h, s, x, y) ? "at" : "not at", x, y);
}

static void expect_dead(const Harness *h, int s) {
    CHECK(h->env.terminals[s] == 1 && h->env.rewards[s] == h->env.death_reward,
          "snake %d should have died: terminal %d reward %g", s, h->env.terminals[s],
          h->env.rewards[s]);
}

static int count_obs(const Harness *h, int s, uint8_t code) {
    int side = h->env.window, n = 0;
    const uint8_t *obs = h->env.obs + (size_t)s * (size_t)(side * side);
    for (int i = 0; i < side * side; i++) n += obs[i] == code;
    return n;
}

static void scene_eating(void) {
    Harness h;
    scene_open(&h, 1);
    place(&h, 0, 3, 4, "RR", SNAKE_RIGHT);  /* tail (3,4), head (5,4) */
    put_food(&h, 6, 4);
    step(&h, "R");
    CHECK(h.env.rewards[0] == h.env.food_reward, "eating pays %g", h.env.rewards[0]);
    expect_alive(&h, 0, 6, 4, 4);
    CHECK(h.env.snakes[0].tail == cell_at(&h.env, 3, 4) && h.env.food_count == 0, "tail stays");
    CHECK(count_obs(&h, 0, SNAKE_OBS_OWN_BODY) == 3, "window shows 3 own body cells");
    step(&h, "D");  /* no food: same length, the tail moves */
    CHECK(h.env.rewards[0] == 0, "moving pays %g", h.env.rewards[0]);
    expect_alive(&h, 0, 6, 5, 4);
    CHECK(h.env.snakes[0].tail == cell_at(&h.env, 4, 4), "tail follows");
    close_env(&h);
}

static void scene_reversal(void) {
    Harness h;
    scene_open(&h, 2);
    place(&h, 0, 3, 4, "RR", SNAKE_RIGHT);
    place(&h, 1, 8, 7, "", SNAKE_RIGHT);   /* a lone head has no neck: it may turn back */
    step(&h, "LL");
    expect_alive(&h, 0, 6, 4, 3);           /* went on right */
    expect_alive(&h, 1, 7, 7, 1);
    CHECK(h.env.snakes[0].dir == SNAKE_RIGHT, "direction kept");
    close_env(&h);
}

static void scene_wall_and_respawn(void) {
    Harness h;
    scene_open(&h, 1);
    h.env.death_food_prob = 1;
    place(&h, 0, 7, 2, "RRR", SNAKE_RIGHT);   /* head at (10, 2), the last column */
    uint8_t before[4096];
    memcpy(before, h.env.grid, (size_t)h.env.grid_cells);
    step(&h, "R");
    expect_dead(&h, 0);
    const SnakeLog *log = h.env.logs;
    CHECK(log->n == 1 && log->length == 4 && log->episode_length == 1 &&
          log->episode_return == h.env.death_reward && log->food_eaten == 0,
          "log n %g length %g episode_length %g return %g", log->n, log->length,
          log->episode_length, log->episode_return);
    int head = h.env.snakes[0].head;
    CHECK(h.env.snakes[0].length == 1 && before[head] == SNAKE_CELL_EMPTY,
          "respawned at length %d on a cell that held %d", h.env.snakes[0].length, before[head]);
    CHECK(h.env.food_count == 3, "the body, its tail already moved on, became food: %d",
          h.env.food_count);
    CHECK(count_obs(&h, 0, SNAKE_OBS_OWN_HEAD) == 1 && count_obs(&h, 0, SNAKE_OBS_OWN_BODY) == 0,
          "a fresh window");
    close_env(&h);

    scene_open(&h, 1);  /* death_food_prob 0: the body leaves nothing */
    place(&h, 0, 2, 3, "UU", SNAKE_UP);       /* head at (2, 1), the first row */
    step(&h, "U");
    expect_dead(&h, 0);
    CHECK(h.env.food_count == 0, "no corpse food");
    close_env(&h);
}

static void scene_body_deaths(void) {
    Harness h;
    scene_open(&h, 2);
    place(&h, 0, 5, 3, "DDD", SNAKE_DOWN);    /* a wall of body at x = 5, y = 3..6 */
    place(&h, 1, 2, 5, "RR", SNAKE_RIGHT);    /* head at (4, 5), heading into it */
    step(&h, "DR");
    expect_dead(&h, 1);
    expect_alive(&h, 0, 5, 7, 4);
    close_env(&h);

    scene_open(&h, 1);                        /* into its own body */
    place(&h, 0, 3, 3, "RRDL", SNAKE_LEFT);   /* head at (4, 4), (4, 3) above it is body */
    step(&h, "U");
    expect_dead(&h, 0);
    close_env(&h);

    scene_open(&h, 2);                        /* into a neck: B's head moves on, its neck stays */
    place(&h, 0, 2, 6, "RR", SNAKE_RIGHT);    /* head at (4, 6) */
    place(&h, 1, 5, 8, "UU", SNAKE_UP);       /* head at (5, 6) moves up to (5, 5) */
    step(&h, "RU");
    expect_dead(&h, 0);
    expect_alive(&h, 1, 5, 5, 3);
    close_env(&h);
}

static void scene_head_on(void) {
    Harness h;
    scene_open(&h, 2);                        /* two heads into one cell, with food */
    place(&h, 0, 1, 4, "RR", SNAKE_RIGHT);    /* head (3, 4) */
    place(&h, 1, 7, 4, "LL", SNAKE_LEFT);     /* head (5, 4) */
    put_food(&h, 4, 4);
    step(&h, "RL");
    expect_dead(&h, 0);
    expect_dead(&h, 1);
    CHECK(h.env.grid[cell_at(&h.env, 4, 4)] == SNAKE_CELL_FOOD && h.env.food_count == 1,
          "the contested food stays");
    close_env(&h);

    scene_open(&h, 3);                        /* three heads into one empty cell */
    place(&h, 0, 5, 1, "DD", SNAKE_DOWN);     /* head (5, 3) */
    place(&h, 1, 2, 4, "RR", SNAKE_RIGHT);    /* head (4, 4) */
    place(&h, 2, 8, 4, "LL", SNAKE_LEFT);     /* head (6, 4) */
    step(&h, "DRL");
    expect_dead(&h, 0);
    expect_dead(&h, 1);
    expect_dead(&h, 2);
    close_env(&h);

    const char *lengths[] = {"", "R"};        /* heads that swap cells: lone and long */
    for (int i = 0; i < 2; i++) {
        scene_open(&h, 2);
        place(&h, 0, 3 - i, 4, lengths[i], SNAKE_RIGHT);   /* head (3, 4) */
        place(&h, 1, 4 + i, 4, i ? "L" : "", SNAKE_LEFT);   /* head (4, 4) */
        step(&h, "RL");
        expect_dead(&h, 0);
        expect_dead(&h, 1);
        close_env(&h);
    }
}

static void scene_tails(void) {
    Harness h;
    scene_open(&h, 2);                        /* A follows B's tail as it leaves */
    place(&h, 0, 1, 5, "RR", SNAKE_RIGHT);    /* head (3, 5) */
    place(&h, 1, 4, 5, "RR", SNAKE_RIGHT);    /* tail (4, 5), head (6, 5) */
    step(&h, "RR");
    expect_alive(&h, 0, 4, 5, 3);
    expect_alive(&h, 1, 7, 5, 3);
    close_env(&h);

    scene_open(&h, 1);                        /* a snake chasing its own tail in a 2x2 loop */
    place(&h, 0, 4, 4, "RDL", SNAKE_LEFT);    /* tail (4, 4), head (4, 5) */
    for (int i = 0; i < 8; i++) step(&h, "URDL" + i % 4);
    expect_alive(&h, 0, 4, 5, 4);
    close_env(&h);

    scene_open(&h, 2);                        /* B eats, so its tail stays: A dies */
    place(&h, 0, 1, 5, "RR", SNAKE_RIGHT);
    place(&h, 1, 4, 5, "RR", SNAKE_RIGHT);
    put_food(&h, 7, 5);
    step(&h, "RR");
    expect_dead(&h, 0);
    expect_alive(&h, 1, 7, 5, 4);
    close_env(&h);

    scene_open(&h, 2);                        /* a lone head's cell is never entered */
    place(&h, 0, 1, 5, "RR", SNAKE_RIGHT);    /* head (3, 5) */
    place(&h, 1, 4, 5, "", SNAKE_RIGHT);      /* lone head (4, 5) moving on */
    step(&h, "RR");
    expect_dead(&h, 0);
    expect_alive(&h, 1, 5, 5, 1);
    close_env(&h);
}

static void run_rules(void) {
    scene_eating();
    scene_reversal();
    scene_wall_and_respawn();
    scene_body_deaths();
    scene_head_on();
    scene_tails();
    printf("rules: all scenes pass\n");
}

int main(int argc, char **argv) {
    static const HarnessMode modes[] = {
        {"invariants", "[AGENT_STEPS]", run_invariants},
        {"rules", "", run_rules},
    };
    return harness_main(argc, argv, modes, (int)OCEAN_COUNT(modes));
}
