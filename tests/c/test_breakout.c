/* Breakout's invariants that need its internal state, frame by frame:
 *   - random and tracking play over five configs: the ball stays in the court and in the
 *     grid cell the walk tracks, never inside a standing brick; every frame's points are
 *     exactly the values of the bricks that frame removed; score and bricks_broken agree;
 *     a new wall appears only over an empty one, with the ball below the wall;
 *   - no tunnelling: at the top configured speed the brick the ball breaks is the first
 *     standing brick on its straight path, found by brute force (every brick's box against
 *     the path); the paddle catches a ball at top speed that it covers, and only those;
 *   - the rules: speed-ups, lost ball, paddle shrink, the second wall and the end.
 * Usage: test_breakout play [FRAMES] | tunnelling | paddle | rules   (play: 10^6 random
 * frames by default). Each mode prints a line starting with its name; a failed check prints
 * what and where, and the exit status is 1. */
#include <math.h>

#include "ocean/breakout/breakout.h"
#include "harness.h"

typedef struct {
    Breakout env;
    HarnessEnv rows;
} Harness;

/* overrides: (config index, value) pairs, ended by -1 */
static void make(Harness *h, uint64_t seed, const double *overrides) {
    double config[HARNESS_MAX_CONFIG];
    harness_config(&breakout_game, config, overrides);
    harness_open(&h->rows, &breakout_game, &h->env, config, seed);
}

static float wall_bottom(const Breakout *env) { return breakout_row_line(env->rows); }

/* Puts the ball at (x, y) with velocity (vx, vy), its grid cell to match. */
static void place_ball(Breakout *env, float x, float y, float vx, float vy) {
    env->ball_x = x, env->ball_y = y, env->ball_vx = vx, env->ball_vy = vy;
    if (y < BREAKOUT_WALL_TOP) env->ball_row = -1;
    else if (y >= wall_bottom(env)) env->ball_row = env->rows;
    else env->ball_row = (int)((y - BREAKOUT_WALL_TOP) / BREAKOUT_BRICK_HEIGHT);
    env->ball_column = breakout_column_of(env, x);
    env->free_left = BREAKOUT_FAR;   /* the box was for the old place */
}

static void count_bricks(Breakout *env) {
    env->bricks_left = 0;
    for (int k = 0; k < env->rows * env->columns; k++) env->bricks_left += env->bricks[k];
}

static void check_state(const Breakout *env, const char *where) {
    const float eps = 1e-3f;
    float x = env->ball_x, y = env->ball_y;
    CHECK(x >= 0 && x <= BREAKOUT_WIDTH && y >= 0 && y <= BREAKOUT_HEIGHT,
          "%s: ball (%f, %f) left the court", where, x, y);
    int row = env->ball_row;
    float top = row < 0 ? 0 : breakout_row_line(row);
    float bottom = row < 0 ? BREAKOUT_WALL_TOP
                 : (row < env->rows ? breakout_row_line(row + 1) : BREAKOUT_HEIGHT);
    CHECK(y >= top - eps && y <= bottom + eps, "%s: ball y %f outside its row %d", where, y, row);
    if (row >= 0 && row < env->rows) {
        float left = breakout_column_left(env, env->ball_column);
        float right = breakout_column_right(env, env->ball_column);
        CHECK(x >= left - eps && x <= right + eps, "%s: ball x %f outside its column %d", where,
              x, env->ball_column);
    }
    if (y > BREAKOUT_WALL_TOP && y < wall_bottom(env)) {
        float fr = (y - BREAKOUT_WALL_TOP) / BREAKOUT_BRICK_HEIGHT, fc = x / env->brick_width;
        int r = (int)fr, c = (int)fc;
        int off_lines = fr - (float)r > eps && (float)(r + 1) - fr > eps
                     && fc - (float)c > eps && (float)(c + 1) - fc > eps;
        if (off_lines && c < env->columns)
            CHECK(!breakout_brick_at(env, r, c), "%s: ball (%f, %f) inside standing brick (%d, %d)",
                  where, x, y, r, c);
    }
    float speed = hypotf(env->ball_vx, env->ball_vy);
    CHECK(speed <= 2 * env->ball_speed * 1.0001f, "%s: speed %f over twice %f", where, speed,
          env->ball_speed);
    CHECK(env->ball_vy != 0, "%s: the ball moves flat", where);
    int standing = 0;
    for (int k = 0; k < env->rows * env->columns; k++) standing += env->bricks[k];
    CHECK(standing == env->bricks_left, "%s: %d bricks stand, bricks_left says %d", where,
          standing, env->bricks_left);
    CHECK(env->paddle_x >= env->paddle_half && env->paddle_x <= BREAKOUT_WIDTH - env->paddle_half,
          "%s: paddle off the court", where);
}

/* Frame by frame, alternating episodes of random play and of a noisy tracker (which reaches
 * the upper rows and the second wall). Returns the episodes finished. */
static long play_frames(const double *overrides, uint64_t seed, long frames, long *new_walls) {
    Harness h;
    make(&h, seed, overrides);
    Breakout *env = &h.env;
    OceanRng rng;
    ocean_rng_seed(&rng, seed, 99);
    uint8_t before[BREAKOUT_MAX_BRICKS];
    long episodes = 0;
    for (long f = 0; f < frames; f++) {
        int count = env->rows * env->columns;
        for (int k = 0; k < count; k++) before[k] = env->bricks[k];
        int score = env->score, broken = env->bricks_broken, standing = env->bricks_left;
        int action = ocean_rng_int(&rng, BREAKOUT_NUM_ACTIONS);
        float ahead = env->ball_x - env->paddle_x;
        if (episodes % 2 && ocean_rng_float(&rng) < 0.9f)
            action = ahead > 2 ? BREAKOUT_RIGHT : (ahead < -2 ? BREAKOUT_LEFT : BREAKOUT_STAY);

        int points = breakout_frame(env, action);

        int removed = 0, removed_points = 0, added = 0;
        for (int k = 0; k < count; k++) {
            if (before[k] && !env->bricks[k]) {
                removed++;
                removed_points += BREAKOUT_ROW_POINTS[k / env->columns];
            }
            added += !before[k] && env->bricks[k];
        }
        CHECK(points == removed_points, "frame %ld: %d points for bricks worth %d", f, points,
              removed_points);
        CHECK(env->score - score == points, "frame %ld: score moved %d for %d points", f,
              env->score - score, points);
        CHECK(env->bricks_broken - broken == removed, "frame %ld: bricks_broken moved %d for %d",
              f, env->bricks_broken - broken, removed);
        if (added) {
            CHECK(standing == 0 && added == count && removed == 0,
                  "frame %ld: a wall appeared over %d standing bricks", f, standing);
            /* leaving the paddle, or served after a lost ball: never near the wall */
            int served = env->ball_y == BREAKOUT_SERVE_Y;
            CHECK(env->ball_row == env->rows && (env->ball_vy < 0 || served),
                  "frame %ld: the new wall appeared with the ball at (%f, %f)", f, env->ball_x,
                  env->ball_y);
            (*new_walls)++;
        }
        check_state(env, "play");
        if (env->lives == 0 || env->walls_cleared == BREAKOUT_NUM_WALLS) {
            breakout_new_episode(env);
            episodes++;
        }
    }
    harness_close(&h.rows);
    return episodes;
}

/* The reference for the grid walk, by brute force: intersect the ball's straight path with
 * every standing brick's box (the slab test) and with the court's lines. Returns the index
 * of the brick it enters first; -1 if it meets a wall or the paddle line first, or nothing
 * within `length` px; -2 when two bricks (or a brick's corner) are within 1e-4 px of a tie,
 * where either answer is right. */
static int first_brick_on_path(const Breakout *env, double length) {
    const double tie = 1e-4;
    double speed = hypot(env->ball_vx, env->ball_vy);
    double px = env->ball_x, py = env->ball_y;
    double dx = env->ball_vx / speed, dy = env->ball_vy / speed;
    double line = length;   /* the distance to the first court line */
    if (dx > 0) line = fmin(line, (BREAKOUT_WIDTH - px) / dx);
    if (dx < 0) line = fmin(line, -px / dx);
    line = fmin(line, dy > 0 ? (BREAKOUT_PADDLE_Y - py) / dy : -py / dy);
    double best = INFINITY, second = INFINITY;
    int best_index = -1;
    for (int r = 0; r < env->rows; r++) {
        for (int c = 0; c < env->columns; c++) {
            if (!breakout_brick_at(env, r, c)) continue;
            double x0 = breakout_column_left(env, c), x1 = breakout_column_right(env, c);
            double y0 = breakout_row_line(r), y1 = breakout_row_line(r + 1);
            double enter = -INFINITY, exit = INFINITY;
            if (dx != 0) {
                double a = (x0 - px) / dx, b = (x1 - px) / dx;
                enter = fmax(enter, fmin(a, b));
                exit = fmin(exit, fmax(a, b));
            } else if (px <= x0 || px >= x1) {
                continue;
            }
            double a = (y0 - py) / dy, b = (y1 - py) / dy;
            enter = fmax(enter, fmin(a, b));
            exit = fmin(exit, fmax(a, b));
            if (enter > exit || exit < 0) continue;
            if (exit - enter < tie) enter = -1;   /* grazes a corner: a tie if it is first */
            if (enter < best) {
                second = best;
                best = enter;
                best_index = r * env->columns + c;
            } else if (enter < second) {
                second = enter;
            }
        }
    }
    if (best_index < 0 || best > line) return -1;
    if (best < 0 || second - best < tie) return -2;
    return best_index;
}

/* Whether the frame's whole straight path stays off the court's lines. */
static int path_inside_court(const Breakout *env) {
    float x = env->ball_x + env->ball_vx, y = env->ball_y + env->ball_vy;
    return x > 0 && x < BREAKOUT_WIDTH && y > 0 && y < BREAKOUT_PADDLE_Y;
}

static void test_no_tunnelling(int trials) {
    int compared = 0;
    OceanRng rng;
    ocean_rng_seed(&rng, 7, 0);
    for (int t = 0; t < trials; t++) {
        int columns = 1 + ocean_rng_int(&rng, BREAKOUT_MAX_COLUMNS);
        double overrides[] = {BREAKOUT_BALL_SPEED, 24, BREAKOUT_COLUMNS, columns, -1};
        Harness h;
        make(&h, (uint64_t)t, overrides);
        Breakout *env = &h.env;
        for (int k = 0; k < env->rows * env->columns; k++)
            env->bricks[k] = ocean_rng_float(&rng) < 0.6f;
        count_bricks(env);
        /* the ball around the wall, in a free cell, at top speed, in a direction not flat */
        float top_speed = 2 * env->ball_speed, angle = 6.2831853f * ocean_rng_float(&rng);
        if (fabsf(cosf(angle)) < 0.2f) {
            harness_close(&h.rows);
            continue;
        }
        do {
            place_ball(env, BREAKOUT_WIDTH * ocean_rng_float(&rng),
                       BREAKOUT_WALL_TOP - 20 + 80 * ocean_rng_float(&rng),
                       top_speed * sinf(angle), top_speed * cosf(angle));
        } while (env->ball_row >= 0 && env->ball_row < env->rows
                 && breakout_brick_at(env, env->ball_row, env->ball_column));
        env->speedups = BREAKOUT_MAX_SPEEDUPS;
        env->hit_orange = env->hit_red = 1;
        int expected = first_brick_on_path(env, top_speed);
        int clear_path = expected == -1 && path_inside_court(env);
        int standing = env->bricks_left;

        breakout_move_ball(env);

        if (expected >= 0) {
            compared++;
            CHECK(!env->bricks[expected], "trial %d: the path's first brick (%d, %d) stands",
                  t, expected / columns, expected % columns);
        } else if (clear_path) {
            CHECK(env->bricks_left == standing, "trial %d: a brick off the path broke", t);
        }
        check_state(env, "tunnelling");
        harness_close(&h.rows);
    }
    CHECK(compared > trials / 4, "only %d of %d trials reached a brick", compared, trials);
    printf("tunnelling: %d trials, %d compared with the brute-force path\n", trials, compared);
}

static void test_paddle_at_top_speed(void) {
    double overrides[] = {BREAKOUT_BALL_SPEED, 24, -1};
    OceanRng rng;
    ocean_rng_seed(&rng, 3, 0);
    for (int t = 0; t < 1000; t++) {
        Harness h;
        make(&h, (uint64_t)t, overrides);
        Breakout *env = &h.env;
        float top_speed = 2 * env->ball_speed, angle = (2 * ocean_rng_float(&rng) - 1) * 1.2f;
        float vx = top_speed * sinf(angle), vy = top_speed * cosf(angle);
        /* within half a frame of the paddle line; crosses it at x in [18, 126] */
        place_ball(env, 40 + 64 * ocean_rng_float(&rng),
                   BREAKOUT_PADDLE_Y - vy * 0.5f * ocean_rng_float(&rng) - 0.01f, vx, vy);
        float x_cross = env->ball_x + vx * (BREAKOUT_PADDLE_Y - env->ball_y) / vy;
        int covered = t % 2 == 0;
        float reach = env->paddle_half - 0.01f;
        env->paddle_x = covered ? x_cross + (2 * ocean_rng_float(&rng) - 1) * reach
                                : (x_cross > 72 ? x_cross - 40 : x_cross + 40);
        breakout_move_ball(env);
        if (covered) {
            CHECK(env->ball_vy < 0 && env->lives == 5, "trial %d: the paddle missed a ball", t);
        } else {
            for (int f = 0; f < 3 && env->lives == 5; f++) breakout_move_ball(env);
            CHECK(env->lives == 4, "trial %d: an uncovered ball was not lost", t);
        }
        check_state(env, "paddle");
        harness_close(&h.rows);
    }
    printf("paddle: 1000 balls at top speed, caught exactly when covered\n");
}

static void test_rules(void) {
    Harness h;
    make(&h, 1, NULL);
    Breakout *env = &h.env;
    float base = env->ball_speed;
    /* speed-ups on the 4th and 12th paddle hit of one ball */
    for (int hit = 1; hit <= 13; hit++) {
        float speed = breakout_speed(env);
        place_ball(env, env->paddle_x, BREAKOUT_PADDLE_Y - 0.5f * speed, 0, speed);
        breakout_move_ball(env);
        float expected = base * (1 + BREAKOUT_SPEEDUP * (float)((hit >= 4) + (hit >= 12)));
        CHECK(fabsf(-env->ball_vy - expected) < 1e-4f, "paddle hit %d: speed %f, expected %f",
              hit, -env->ball_vy, expected);
    }
    /* a lost ball costs one life, and the next ball starts at ball_speed */
    place_ball(env, env->paddle_x > 72 ? 10 : 130, BREAKOUT_HEIGHT - 0.1f, 0, 1);
    breakout_move_ball(env);
    CHECK(env->lives == 4 && env->ball_vy > 0 && env->ball_y == BREAKOUT_SERVE_Y,
          "a lost ball: lives %d", env->lives);
    CHECK(fabsf(hypotf(env->ball_vx, env->ball_vy) - base) < 1e-4f, "the serve's speed %f",
          hypotf(env->ball_vx, env->ball_vy));
    /* the first brick of the orange row, then of the red row, speeds the ball up */
    for (int row = BREAKOUT_ORANGE_ROW; row >= BREAKOUT_RED_ROW; row--) {
        for (int column = 3; column <= 4; column++) {   /* the second brick: no speed-up */
            for (int r = row + 1; r < env->rows; r++) env->bricks[r * env->columns + column] = 0;
            count_bricks(env);
            float before = breakout_speed(env);
            place_ball(env, (column + 0.5f) * env->brick_width, 100, 0, -before);
            int score = env->score;
            for (int f = 0; f < 100 && env->score == score; f++) breakout_move_ball(env);
            CHECK(env->score - score == 7, "row %d: the brick paid %d", row, env->score - score);
            float expected = column == 3 ? before + BREAKOUT_SPEEDUP * base : before;
            CHECK(fabsf(breakout_speed(env) - expected) < 1e-5f
                  && fabsf(env->ball_vy - expected) < 1e-4f,
                  "row %d, brick %d: speed %f, expected %f", row, column, env->ball_vy, expected);
        }
    }
    /* the paddle halves the first time the ball hits the top wall, once per episode */
    float half = env->paddle_half;
    for (int times = 0; times < 2; times++) {
        place_ball(env, 70, 10, 0, -3);
        for (int f = 0; f < 5; f++) breakout_move_ball(env);
        CHECK(env->ball_vy > 0 && env->paddle_half == half * BREAKOUT_SHRINK,
              "top wall hit %d: half width %f", times + 1, env->paddle_half);
    }
    breakout_new_episode(env);
    CHECK(env->paddle_half == env->paddle_width / 2 && env->lives == env->lives_max,
          "a new episode restores the paddle and the lives");
    harness_close(&h.rows);
}

/* A wall of one brick, through breakout_step: breaking it clears the first wall; the new
 * wall waits for the paddle; breaking that ends the episode. */
static void test_second_wall(void) {
    double overrides[] = {BREAKOUT_ROWS, 1, BREAKOUT_COLUMNS, 1, BREAKOUT_FRAMESKIP, 1, -1};
    Harness h;
    make(&h, 5, overrides);
    Breakout *env = &h.env;
    int32_t *action = h.rows.actions;
    const float *obs = env->obs;
    *action = BREAKOUT_STAY;
    place_ball(env, 50, 100, 1, -3);
    for (int f = 0; f < 50 && env->walls_cleared == 0; f++) breakout_step(env);
    CHECK(env->walls_cleared == 1 && env->bricks_left == 0 && env->rewards[0] == 7,
          "the first wall: cleared %d, reward %f", env->walls_cleared, env->rewards[0]);
    CHECK(obs[7] == 1 && obs[8] == 0 && !env->terminals[0], "the observation after the first wall");
    while (env->ball_vy > 0 && env->lives == 5) {   /* down to the paddle, which follows */
        float ahead = env->ball_x - env->paddle_x;
        *action = ahead > 1 ? BREAKOUT_RIGHT : (ahead < -1 ? BREAKOUT_LEFT : BREAKOUT_STAY);
        CHECK(env->bricks_left == 0, "the new wall came before the paddle");
        breakout_step(env);
    }
    CHECK(env->lives == 5 && env->bricks_left == 1 && obs[8] == 1 && obs[7] == 1,
          "the second wall did not appear as the ball left the paddle");
    place_ball(env, 50, 100, 1, -3);
    *action = BREAKOUT_STAY;
    for (int f = 0; f < 50 && !env->terminals[0]; f++) breakout_step(env);
    CHECK(env->terminals[0] && !env->truncations[0] && env->rewards[0] == 7,
          "clearing the second wall: terminal %d", env->terminals[0]);
    const BreakoutLog *log = env->log;
    CHECK(log->n == 1 && log->score == 14 && log->episode_return == 14
          && log->bricks_broken == 2 && log->lives_lost == 0,
          "the log after two walls: n %f, score %f", log->n, log->score);
    CHECK(env->walls_cleared == 0 && env->bricks_left == 1 && obs[7] == 0 && obs[8] == 1,
          "the next episode did not start");
    harness_close(&h.rows);
}

/* (key, value) pairs: default; top speed on the widest wall; one brick; a paddle as wide as
 * the court (it clears walls); slow ball and fast paddle on a short wall */
static const double PLAY_CONFIGS[][9] = {
    {-1},
    {BREAKOUT_BALL_SPEED, 24, BREAKOUT_COLUMNS, 32, -1},
    {BREAKOUT_ROWS, 1, BREAKOUT_COLUMNS, 1, -1},
    {BREAKOUT_PADDLE_WIDTH, 144, BREAKOUT_ROWS, 2, BREAKOUT_COLUMNS, 5, -1},
    {BREAKOUT_BALL_SPEED, 0.5, BREAKOUT_PADDLE_SPEED, 20, BREAKOUT_ROWS, 3, BREAKOUT_COLUMNS,
     7, -1},
};

static void run_play(void) {
    long frames = (long)harness_arg(0, 1000000);
    int num_configs = (int)OCEAN_COUNT(PLAY_CONFIGS);
    long new_walls = 0, episodes = 0;
    for (int c = 0; c < num_configs; c++)
        episodes += play_frames(PLAY_CONFIGS[c], (uint64_t)c, frames / num_configs, &new_walls);
    printf("play: %ld frames, %ld episodes, %ld second walls\n", frames, episodes, new_walls);
    CHECK(new_walls > 0, "play never reached a second wall");
}

static void run_tunnelling(void) { test_no_tunnelling(3000); }

static void run_rules(void) {
    test_rules();
    test_second_wall();
    printf("rules: speed-ups, lost ball, shrink, second wall\n");
}

int main(int argc, char **argv) {
    static const HarnessMode modes[] = {
        {"play", "[FRAMES]", run_play},
        {"tunnelling", "", run_tunnelling},
        {"paddle", "", test_paddle_at_top_speed},
        {"rules", "", run_rules},
    };
    return harness_main(argc, argv, modes, (int)OCEAN_COUNT(modes));
}
