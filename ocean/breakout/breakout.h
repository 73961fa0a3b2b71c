/* breakout.h: Atari-like Breakout for one agent.
 *
 * Court 144 x 192 pixels, y down, walls on the left, right and top, open at the bottom. The
 * brick wall hangs from y = 36: `rows` rows (at most 6) of `columns` bricks, each brick
 * 144/columns wide and 6 tall, worth 7, 7, 4, 4, 1, 1 points from the top row down (a wall
 * of fewer rows keeps the top ones). The paddle's top face is the line y = 180.
 *
 * The ball is a point that moves in straight lines between events: it bounces off the walls
 * and off every brick it enters (breaking it), and off the paddle if it crosses y = 180
 * within the paddle's width plus one pixel; where it meets the paddle sets the angle (centre
 * straight up, the edges 60 degrees out). It is lost when it reaches y = 192.
 *
 * Collision is swept, so no speed tunnels: each frame the ball walks the brick grid cell by
 * cell (the side walls are the grid's outer lines; the top wall, the paddle line and the
 * bottom close it) and stops at the first line whose crossing is an event, in time order.
 * It can never skip a brick, the paddle or a wall; it stays in the cell the walk tracks (to
 * rounding) and inside the court (exactly: crossings snap to the line). At most 64 events
 * per frame; past that the rest of the frame's motion is dropped, which the ball survives.
 * Most frames cross no line and take a shortcut with the same result (breakout_move_ball).
 *
 * Serve: automatic. At the start and after each lost life the ball leaves y = 108 at a
 * random x in [14.4, 129.6] heading down, up to 45 degrees off vertical, at `ball_speed`.
 * Speed-ups (each + 25% of `ball_speed`, so at most 2 x `ball_speed`), each once per served
 * ball: its 4th and 12th paddle hit, its first brick in the second row from the top
 * (Atari's orange row) and its first brick in the top row (red). A lost life restarts the
 * ball at `ball_speed`. The paddle shrinks to half width the first time in an episode the
 * ball hits the top wall, and stays so for the episode.
 * When a wall is cleared, a fresh one appears the next time the ball leaves the paddle (or
 * at the next serve), so the ball is never inside a brick; clearing the second wall ends
 * the episode (864 points at the default 6 x 18).
 *
 * Observation: 8 + rows * columns float32, computed once per agent-step:
 *   0 paddle centre x / 144              [0, 1]
 *   1 paddle width / 144                 [0, 1]
 *   2 ball x / 144                       [0, 1]
 *   3 ball y / 192                       [0, 1]
 *   4 ball vx / (2 * ball_speed)         [-1, 1]
 *   5 ball vy / (2 * ball_speed)         [-1, 1]  (negative: moving up)
 *   6 lives left / lives                 [0, 1]
 *   7 walls cleared (0 first wall, 1 second wall) [0, 1]
 *   8 + row * columns + column: 1 if that brick stands, else 0; row 0 is the top row.
 * Actions: Discrete(3): 0 stay, 1 left, 2 right (`paddle_speed` px per frame).
 * Reward: points of each brick broken, times `reward_scale`, summed over the skipped frames.
 * Episode: terminal when the last life is lost or the second wall is cleared; truncated at
 * max_steps agent-steps.
 * Log: score (points), episode_return, episode_length (agent-steps), bricks_broken,
 * lives_lost.
 * Config: see BREAKOUT_CONFIG below. init allocates nothing: the bricks are bytes in the
 * struct (376 bytes per env on x86-64); bytes rather than bits because writing them out as
 * floats every step is then one vectorised loop.
 */
#ifndef OCEAN_BREAKOUT_H
#define OCEAN_BREAKOUT_H

#include <math.h>
#include <string.h>
#include "ocean.h"

#define BREAKOUT_WIDTH 144.0f
#define BREAKOUT_HEIGHT 192.0f
#define BREAKOUT_WALL_TOP 36.0f        /* y of the top row's top edge */
#define BREAKOUT_BRICK_HEIGHT 6.0f
#define BREAKOUT_PADDLE_Y 180.0f       /* the paddle's top face */
#define BREAKOUT_SERVE_Y 108.0f
#define BREAKOUT_SERVE_MARGIN 0.1f     /* serves leave from x in [0.1, 0.9] of the width */
#define BREAKOUT_SERVE_ANGLE 0.7853982f      /* 45 degrees */
#define BREAKOUT_BOUNCE_ANGLE 1.0471976f     /* 60 degrees, the paddle's edges */
#define BREAKOUT_BALL_REACH 1.0f       /* the paddle catches the ball this far past its ends */
#define BREAKOUT_SPEEDUP 0.25f         /* of ball_speed, per speed-up */
#define BREAKOUT_MAX_SPEEDUPS 4
#define BREAKOUT_FIRST_HIT_SPEEDUP 4   /* paddle hits of one ball that speed it up */
#define BREAKOUT_LAST_HIT_SPEEDUP 12
#define BREAKOUT_SHRINK 0.5f
#define BREAKOUT_MAX_EVENTS 64
#define BREAKOUT_MAX_ROWS 6
#define BREAKOUT_MAX_COLUMNS 32
#define BREAKOUT_MAX_BRICKS (BREAKOUT_MAX_ROWS * BREAKOUT_MAX_COLUMNS)
#define BREAKOUT_OBS_HEADER 8
#define BREAKOUT_NUM_WALLS 2
#define BREAKOUT_FAR 1e30f                 /* beyond any line: no bound on that side */

enum { BREAKOUT_STAY, BREAKOUT_LEFT, BREAKOUT_RIGHT, BREAKOUT_NUM_ACTIONS };

/* Points per row, from the top (red, orange, yellow, green, aqua, blue on the Atari). */
static const int BREAKOUT_ROW_POINTS[BREAKOUT_MAX_ROWS] = {7, 7, 4, 4, 1, 1};
enum { BREAKOUT_RED_ROW = 0, BREAKOUT_ORANGE_ROW = 1 };

/* Config, in the order init reads it. */
enum { BREAKOUT_FRAMESKIP, BREAKOUT_MAX_STEPS, BREAKOUT_ROWS, BREAKOUT_COLUMNS, BREAKOUT_LIVES,
       BREAKOUT_PADDLE_WIDTH, BREAKOUT_PADDLE_SPEED, BREAKOUT_BALL_SPEED,
       BREAKOUT_REWARD_SCALE };
static const OceanConfigKey BREAKOUT_CONFIG[] = {
    {"frameskip", OCEAN_INT, 4, 1, 16, "frames simulated per agent-step"},
    {"max_steps", OCEAN_INT, 27000, 1, 1e9, "agent-steps before truncation"},
    {"rows", OCEAN_INT, 6, 1, BREAKOUT_MAX_ROWS, "brick rows, worth 7 7 4 4 1 1 from the top"},
    {"columns", OCEAN_INT, 18, 1, BREAKOUT_MAX_COLUMNS, "bricks per row"},
    {"lives", OCEAN_INT, 5, 1, 100, "balls per episode"},
    {"paddle_width", OCEAN_FLOAT, 16, 4, 144, "paddle width in px (halves after the top wall)"},
    {"paddle_speed", OCEAN_FLOAT, 4, 0.5, 144, "paddle px/frame"},
    {"ball_speed", OCEAN_FLOAT, 3, 0.5, 24, "serve speed in px/frame; speed-ups reach 2x"},
    {"reward_scale", OCEAN_FLOAT, 1, 0.001, 1000, "reward per brick point"},
};

typedef struct {
    float score, episode_return, episode_length, bricks_broken, lives_lost, n;
} BreakoutLog;
static const char *const BREAKOUT_LOG_KEYS[] = {"score", "episode_return", "episode_length",
                                                "bricks_broken", "lives_lost"};

typedef struct {
    /* this env's rows of the shared buffers */
    float *obs;
    const int32_t *actions;
    float *rewards;
    uint8_t *terminals, *truncations;
    BreakoutLog *log;
    /* config */
    int frameskip, max_steps, rows, columns, lives_max;
    float paddle_width, paddle_speed, ball_speed, reward_scale;
    float brick_width, per_max_speed;   /* derived: 144 / columns, 1 / (2 * ball_speed) */
    /* state: paddle and ball */
    float paddle_x, paddle_half;
    float ball_x, ball_y, ball_vx, ball_vy;
    int ball_row;           /* the ball's grid cell: row -1 above the wall, 0..rows-1 in */
    int ball_column;        /* it, rows below it; the column counts only inside the wall */
    float free_left, free_right, free_top, free_bottom;   /* see breakout_move_ball */
    int8_t speedups, paddle_hits, hit_orange, hit_red, paddle_shrunk, wall_pending;
    /* state: episode */
    int lives, walls_cleared, bricks_left, tick, score, bricks_broken;
    float episode_return;
    uint8_t bricks[BREAKOUT_MAX_BRICKS];     /* [row * columns + column]: 1 while it stands */
    OceanRng rng;
} Breakout;

static int breakout_brick_at(const Breakout *env, int row, int column) {
    return env->bricks[row * env->columns + column];
}

static void breakout_fill_wall(Breakout *env) {
    int count = env->rows * env->columns;
    memset(env->bricks, 1, (size_t)count);
    env->bricks_left = count;
    env->wall_pending = 0;
}

/* Edges of the ball's cell. Column lines at multiples of brick_width, the outer ones the
 * side walls (exactly 0 and 144); row lines 6 px apart from WALL_TOP. */
static float breakout_column_left(const Breakout *env, int column) {
    return (float)column * env->brick_width;
}
static float breakout_column_right(const Breakout *env, int column) {
    return column + 1 == env->columns ? BREAKOUT_WIDTH : (float)(column + 1) * env->brick_width;
}
static float breakout_row_line(int line) {   /* line k is the top edge of row k */
    return BREAKOUT_WALL_TOP + (float)line * BREAKOUT_BRICK_HEIGHT;
}

static float breakout_speed(const Breakout *env) {
    return env->ball_speed * (1 + BREAKOUT_SPEEDUP * (float)env->speedups);
}

static void breakout_speed_up(Breakout *env) {
    if (env->speedups >= BREAKOUT_MAX_SPEEDUPS) return;
    float before = breakout_speed(env);
    env->speedups++;
    float factor = breakout_speed(env) / before;
    env->ball_vx *= factor;
    env->ball_vy *= factor;
}

static void breakout_serve(Breakout *env) {
    float span = 1 - 2 * BREAKOUT_SERVE_MARGIN;
    env->ball_x = BREAKOUT_WIDTH * (BREAKOUT_SERVE_MARGIN + span * ocean_rng_float(&env->rng));
    env->ball_y = BREAKOUT_SERVE_Y;
    float angle = (2 * ocean_rng_float(&env->rng) - 1) * BREAKOUT_SERVE_ANGLE;
    env->ball_vx = env->ball_speed * sinf(angle);
    env->ball_vy = env->ball_speed * cosf(angle);
    env->ball_column = 0;   /* tracked only inside the wall's rows */
    env->free_left = BREAKOUT_FAR;   /* an empty box: the next frame takes the full walk */
    env->ball_row = env->rows;
    env->speedups = env->paddle_hits = env->hit_orange = env->hit_red = 0;
    if (env->wall_pending) breakout_fill_wall(env);
}

static void breakout_new_episode(Breakout *env) {
    env->paddle_x = BREAKOUT_WIDTH / 2;
    env->paddle_half = env->paddle_width / 2;
    env->paddle_shrunk = 0;
    env->lives = env->lives_max;
    env->walls_cleared = env->tick = env->score = env->bricks_broken = 0;
    env->episode_return = 0;
    breakout_fill_wall(env);
    breakout_serve(env);
}

static void breakout_compute_observations(Breakout *env) {
    /* Multiplying by the rounded 1/144 and 1/192 maps 144 and 192 to exactly 1. */
    const float per_width = 1.0f / BREAKOUT_WIDTH, per_height = 1.0f / BREAKOUT_HEIGHT;
    float *obs = env->obs;
    obs[0] = env->paddle_x * per_width;
    obs[1] = 2 * env->paddle_half * per_width;
    obs[2] = env->ball_x * per_width;
    obs[3] = env->ball_y * per_height;
    /* |v| <= 2 * ball_speed; the clamp guards the last bit of rounding */
    obs[4] = ocean_clampf(env->ball_vx * env->per_max_speed, -1, 1);
    obs[5] = ocean_clampf(env->ball_vy * env->per_max_speed, -1, 1);
    obs[6] = (float)env->lives / (float)env->lives_max;
    obs[7] = (float)env->walls_cleared;
    float *out = obs + BREAKOUT_OBS_HEADER;
    const uint8_t *bricks = env->bricks;
    int count = env->rows * env->columns;
    for (int i = 0; i < count; i++) out[i] = (float)bricks[i];
}

static int breakout_num_agents(const double *config) { (void)config; return 1; }
static size_t breakout_obs_bytes(const double *config) {
    int bricks = (int)config[BREAKOUT_ROWS] * (int)config[BREAKOUT_COLUMNS];
    return (size_t)(BREAKOUT_OBS_HEADER + bricks) * sizeof(float);
}

static int breakout_init(Breakout *env, const OceanRows *rows, const double *config) {
    OCEAN_BIND_ROWS(env, rows, log);
    env->frameskip = (int)config[BREAKOUT_FRAMESKIP];
    env->max_steps = (int)config[BREAKOUT_MAX_STEPS];
    env->rows = (int)config[BREAKOUT_ROWS];
    env->columns = (int)config[BREAKOUT_COLUMNS];
    env->lives_max = (int)config[BREAKOUT_LIVES];
    env->paddle_width = (float)config[BREAKOUT_PADDLE_WIDTH];
    env->paddle_speed = (float)config[BREAKOUT_PADDLE_SPEED];
    env->ball_speed = (float)config[BREAKOUT_BALL_SPEED];
    env->reward_scale = (float)config[BREAKOUT_REWARD_SCALE];
    env->brick_width = BREAKOUT_WIDTH / (float)env->columns;
    env->per_max_speed = 1 / (2 * env->ball_speed);
    return 0;
}

static void breakout_reset(Breakout *env) {
    breakout_new_episode(env);
    env->rewards[0] = 0;
    env->terminals[0] = env->truncations[0] = 0;
    breakout_compute_observations(env);
}

/* Breaks the brick and applies what it triggers; returns its points. */
static int breakout_break_brick(Breakout *env, int row, int column) {
    env->bricks[row * env->columns + column] = 0;
    env->bricks_left--;
    env->bricks_broken++;
    int points = BREAKOUT_ROW_POINTS[row];
    env->score += points;
    if (row == BREAKOUT_ORANGE_ROW && !env->hit_orange) {
        env->hit_orange = 1;
        breakout_speed_up(env);
    }
    if (row == BREAKOUT_RED_ROW && !env->hit_red) {
        env->hit_red = 1;
        breakout_speed_up(env);
    }
    if (env->bricks_left == 0) {
        env->walls_cleared++;
        env->wall_pending = env->walls_cleared < BREAKOUT_NUM_WALLS;
    }
    return points;
}

static void breakout_paddle_bounce(Breakout *env) {
    float reach = env->paddle_half + BREAKOUT_BALL_REACH;
    float offset = ocean_clampf((env->ball_x - env->paddle_x) / reach, -1, 1);
    float speed = breakout_speed(env);
    env->ball_vx = speed * sinf(offset * BREAKOUT_BOUNCE_ANGLE);
    env->ball_vy = -speed * cosf(offset * BREAKOUT_BOUNCE_ANGLE);
    if (env->paddle_hits < BREAKOUT_LAST_HIT_SPEEDUP) {
        env->paddle_hits++;
        int hits = env->paddle_hits;
        if (hits == BREAKOUT_FIRST_HIT_SPEEDUP || hits == BREAKOUT_LAST_HIT_SPEEDUP)
            breakout_speed_up(env);
    }
    if (env->wall_pending) breakout_fill_wall(env);
}

static int breakout_column_of(const Breakout *env, float x) {
    int column = (int)(x / env->brick_width);
    return column < env->columns ? column : env->columns - 1;
}

/* One frame of ball motion: a walk over the grid lines in time order (see the header
 * comment); outside the wall's rows only the side walls are vertical lines. Returns the
 * points it scored.
 * Most frames cross no line. The walk's last step records the box the ball can move in
 * without crossing one (the lines ahead of it, unbounded behind it), and the next frame
 * moves straight on if it ends strictly inside: the same test the walk would make. Any
 * other exit from the walk leaves the box empty. */
static int breakout_move_ball(Breakout *env) {
    float end_x = env->ball_x + env->ball_vx, end_y = env->ball_y + env->ball_vy;
    if ((end_x > env->free_left) & (end_x < env->free_right) &
        (end_y > env->free_top) & (end_y < env->free_bottom)) {
        env->ball_x = end_x;
        env->ball_y = end_y;
        return 0;
    }
    env->free_left = BREAKOUT_FAR;
    int points = 0;
    float left = 1;   /* the fraction of this frame's motion still to go */
    for (int event = 0; event < BREAKOUT_MAX_EVENTS && left > 0; event++) {
        float x = env->ball_x, y = env->ball_y, vx = env->ball_vx, vy = env->ball_vy;
        int column = env->ball_column, row = env->ball_row;
        int in_wall = row >= 0 && row < env->rows;
        float x_line = vx > 0 ? (in_wall ? breakout_column_right(env, column) : BREAKOUT_WIDTH)
                              : (in_wall ? breakout_column_left(env, column) : 0);
        float y_line;   /* the next horizontal line ahead: a row line, the top, paddle or bottom */
        if (vy > 0) {
            y_line = row < env->rows ? breakout_row_line(row + 1)
                   : (y < BREAKOUT_PADDLE_Y ? BREAKOUT_PADDLE_Y : BREAKOUT_HEIGHT);
        } else {
            y_line = row >= 0 ? breakout_row_line(row) : 0;
        }
        end_x = x + vx * left;
        end_y = y + vy * left;
        int cross_x = vx > 0 ? end_x >= x_line : (vx < 0 && end_x <= x_line);
        int cross_y = vy > 0 ? end_y >= y_line : end_y <= y_line;
        if (!cross_x && !cross_y) {
            env->ball_x = end_x;
            env->ball_y = end_y;
            env->free_left = vx < 0 ? x_line : -BREAKOUT_FAR;
            env->free_right = vx > 0 ? x_line : BREAKOUT_FAR;
            env->free_top = vy < 0 ? y_line : -BREAKOUT_FAR;
            env->free_bottom = vy > 0 ? y_line : BREAKOUT_FAR;
            break;
        }
        /* rounding can leave the ball a hair past a line it is about to cross: t >= 0 */
        float tx = INFINITY, ty = INFINITY;
        if (cross_x) { tx = (x_line - x) / vx; tx = tx > 0 ? tx : 0; }
        if (cross_y) { ty = (y_line - y) / vy; ty = ty > 0 ? ty : 0; }
        if (tx <= ty) {
            env->ball_x = x_line;
            env->ball_y = ocean_clampf(y + vy * tx, 0, BREAKOUT_HEIGHT);
            left -= tx;
            int next = vx > 0 ? column + 1 : column - 1;
            if (!in_wall || next < 0 || next >= env->columns) {
                env->ball_vx = -vx;   /* side wall */
            } else if (breakout_brick_at(env, row, next)) {
                env->ball_vx = -vx;
                points += breakout_break_brick(env, row, next);
            } else {
                env->ball_column = next;
            }
        } else {
            env->ball_y = y_line;
            env->ball_x = ocean_clampf(x + vx * ty, 0, BREAKOUT_WIDTH);
            left -= ty;
            if (vy < 0 && row < 0) {   /* top wall */
                env->ball_vy = -vy;
                if (!env->paddle_shrunk) {
                    env->paddle_shrunk = 1;
                    env->paddle_half *= BREAKOUT_SHRINK;
                }
            } else if (vy < 0 || row < env->rows) {   /* a row line */
                int next = vy > 0 ? row + 1 : row - 1;
                if (!in_wall) column = env->ball_column = breakout_column_of(env, env->ball_x);
                if (next >= 0 && next < env->rows && breakout_brick_at(env, next, column)) {
                    env->ball_vy = -vy;
                    points += breakout_break_brick(env, next, column);
                } else {
                    env->ball_row = next;
                }
            } else if (y_line == BREAKOUT_PADDLE_Y) {
                if (fabsf(env->ball_x - env->paddle_x) <= env->paddle_half + BREAKOUT_BALL_REACH)
                    breakout_paddle_bounce(env);
            } else {   /* the bottom: this ball is lost */
                env->lives--;
                if (env->lives > 0) breakout_serve(env);
                break;
            }
        }
    }
    return points;
}

/* One frame; returns the points it scored. */
static int breakout_frame(Breakout *env, int action) {
    float direction = (float)((action == BREAKOUT_RIGHT) - (action == BREAKOUT_LEFT));
    env->paddle_x += direction * env->paddle_speed;
    env->paddle_x = ocean_clampf(env->paddle_x, env->paddle_half,
                                 BREAKOUT_WIDTH - env->paddle_half);
    return breakout_move_ball(env);
}

static void breakout_step(Breakout *env) {
    int action = env->actions[0];
    int points = 0, terminal = 0;
    for (int f = 0; f < env->frameskip && !terminal; f++) {
        points += breakout_frame(env, action);
        terminal = env->lives == 0 || env->walls_cleared == BREAKOUT_NUM_WALLS;
    }
    env->tick++;
    float reward = (float)points * env->reward_scale;
    env->episode_return += reward;
    int truncated = !terminal && env->tick >= env->max_steps;
    env->rewards[0] = reward;
    env->terminals[0] = (uint8_t)terminal;
    env->truncations[0] = (uint8_t)truncated;
    if (terminal || truncated) {
        BreakoutLog *log = env->log;
        log->score += (float)env->score;
        log->episode_return += env->episode_return;
        log->episode_length += (float)env->tick;
        log->bricks_broken += (float)env->bricks_broken;
        log->lives_lost += (float)(env->lives_max - env->lives);
        log->n += 1;
        breakout_new_episode(env);
    }
    breakout_compute_observations(env);
}

static void breakout_close(Breakout *env) { (void)env; }

/* ---- Drawing (render.h): the court at 2x, 288 x 384 RGB. ---- */
#define BREAKOUT_RENDER_SCALE 2.0f
#define BREAKOUT_PADDLE_THICKNESS 4.0f
#define BREAKOUT_BALL_DRAWN_RADIUS 1.5f   /* larger than the point it is, to be seen */
#define BREAKOUT_DIGIT_PX 3
static const OceanColor BREAKOUT_BACKGROUND = {16, 16, 24};
static const OceanColor BREAKOUT_PADDLE_COLOR = {200, 72, 72};
static const OceanColor BREAKOUT_BALL_COLOR = {248, 248, 248};
static const OceanColor BREAKOUT_TEXT_COLOR = {160, 160, 176};
/* Atari's row colours from the top: red, orange, yellow, green, aqua, blue. */
static const OceanColor BREAKOUT_ROW_COLORS[BREAKOUT_MAX_ROWS] = {
    {200, 72, 72}, {198, 108, 58}, {180, 122, 48}, {162, 162, 42}, {72, 160, 72}, {66, 72, 200},
};

static void breakout_frame_size(const double *config, int *width, int *height) {
    (void)config;
    *width = (int)(BREAKOUT_WIDTH * BREAKOUT_RENDER_SCALE);
    *height = (int)(BREAKOUT_HEIGHT * BREAKOUT_RENDER_SCALE);
}

/* Score top left, lives left top right, every standing brick, the paddle, the ball. */
static void breakout_render(const Breakout *env, OceanCanvas *canvas) {
    const float s = BREAKOUT_RENDER_SCALE;
    ocean_clear(canvas, BREAKOUT_BACKGROUND);
    ocean_number(canvas, 4 * s, 4 * s, env->score, BREAKOUT_DIGIT_PX, BREAKOUT_TEXT_COLOR);
    int lives_width = ocean_number_width(env->lives, BREAKOUT_DIGIT_PX);
    ocean_number(canvas, (BREAKOUT_WIDTH - 4) * s - (float)lives_width, 4 * s, env->lives,
                 BREAKOUT_DIGIT_PX, BREAKOUT_TEXT_COLOR);
    for (int row = 0; row < env->rows; row++)
        for (int column = 0; column < env->columns; column++)
            if (breakout_brick_at(env, row, column)) {
                float left = breakout_column_left(env, column);
                float width = breakout_column_right(env, column) - left;
                ocean_rect(canvas, left * s, breakout_row_line(row) * s, width * s - 1,
                           BREAKOUT_BRICK_HEIGHT * s - 1, BREAKOUT_ROW_COLORS[row]);  /* 1 px gaps */
            }
    ocean_rect(canvas, (env->paddle_x - env->paddle_half) * s, BREAKOUT_PADDLE_Y * s,
               2 * env->paddle_half * s, BREAKOUT_PADDLE_THICKNESS * s, BREAKOUT_PADDLE_COLOR);
    ocean_circle(canvas, env->ball_x * s, env->ball_y * s, BREAKOUT_BALL_DRAWN_RADIUS * s,
                 BREAKOUT_BALL_COLOR);
}

OCEAN_DEFINE_GAME(breakout, Breakout, BreakoutLog, BREAKOUT_CONFIG, BREAKOUT_LOG_KEYS,
                  BREAKOUT_NUM_ACTIONS);

#endif /* OCEAN_BREAKOUT_H */
