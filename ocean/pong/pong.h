/* pong.h: Atari-like Pong against a scripted opponent.
 *
 * Court 160 x 192 (pixels, y down). The agent's paddle is on the right, the opponent's on
 * the left. The ball bounces off the top and bottom walls; where it meets a paddle sets its
 * vertical speed (edge hits are steep), and every paddle hit speeds it up 5% up to twice
 * `ball_speed`. The opponent tracks the ball while it comes its way (at most
 * `opponent_speed` px/frame) and drifts back to the centre otherwise: flat returns it
 * always reaches, steep ones it can miss. After a point the ball is served from the centre
 * towards a random side.
 *
 * Observation: 8 float32, computed once per agent-step (after the skipped frames):
 *   0 agent paddle y / 192            [0, 1]
 *   1 opponent paddle y / 192         [0, 1]
 *   2 ball x / 160                    [0, 1]
 *   3 ball y / 192                    [0, 1]
 *   4 ball vx / (2 * ball_speed)      [-1, 1]
 *   5 ball vy / (1.5 * ball_speed)    [-1, 1]
 *   6 points won / max_score          [0, 1]
 *   7 points lost / max_score         [0, 1]
 * Actions: Discrete(3): 0 stay, 1 up, 2 down.
 * Reward: +1 per point won, -1 per point lost (summed over the skipped frames).
 * Episode: terminal when either side reaches max_score; truncated at max_steps agent-steps.
 * Log: episode_return, episode_length (agent-steps), score (won - lost), win (0/1).
 * Config: see PONG_CONFIG below. init allocates nothing.
 * Frame (pong_render): 320 x 384 RGB, the court scaled 2x: agent paddle green on the right
 * (court x 140..144), opponent red on the left (x 16..20), the ball a white disc of radius 2
 * (twice its real size, to be seen), both scores in grey at the top (the opponent's on the
 * left), a dashed centre line.
 */
#ifndef OCEAN_PONG_H
#define OCEAN_PONG_H

#include <math.h>
#include "ocean.h"

#define PONG_WIDTH 160.0f
#define PONG_HEIGHT 192.0f
#define PONG_PADDLE_HALF 10.0f      /* paddles are 20 px tall */
#define PONG_BALL_RADIUS 1.0f
#define PONG_AGENT_X 140.0f         /* the x where the ball meets each paddle's face */
#define PONG_OPPONENT_X 20.0f
#define PONG_SPEEDUP 1.05f
#define PONG_MAX_SPEEDUP 2.0f       /* |vx| <= 2 * ball_speed */
#define PONG_STEEPEST 1.5f          /* |vy| <= 1.5 * ball_speed */
#define PONG_SERVE_STEEPNESS 0.5f   /* serves leave with |vy| <= 0.5 * ball_speed */
#define PONG_OBS_SIZE 8

enum { PONG_STAY, PONG_UP, PONG_DOWN, PONG_NUM_ACTIONS };

/* Config, in the order init reads it. */
enum { PONG_FRAMESKIP, PONG_MAX_SCORE, PONG_MAX_STEPS, PONG_PADDLE_SPEED, PONG_BALL_SPEED,
       PONG_OPPONENT_SPEED };
static const OceanConfigKey PONG_CONFIG[] = {
    {"frameskip", OCEAN_INT, 4, 1, 16, "frames simulated per agent-step"},
    {"max_score", OCEAN_INT, 21, 1, 1000, "points that end the episode (either side)"},
    {"max_steps", OCEAN_INT, 10000, 1, 1e9, "agent-steps before truncation"},
    {"paddle_speed", OCEAN_FLOAT, 4, 0.5, 20, "agent paddle px/frame"},
    {"ball_speed", OCEAN_FLOAT, 2.5, 0.5, 8, "serve speed, horizontal px/frame"},
    {"opponent_speed", OCEAN_FLOAT, 2, 0, 20, "scripted paddle px/frame (0: never moves)"},
};

typedef struct { float episode_return, episode_length, score, win, n; } PongLog;
static const char *const PONG_LOG_KEYS[] = {"episode_return", "episode_length", "score", "win"};

typedef struct {
    /* this env's rows of the shared buffers */
    float *obs;
    const int32_t *actions;
    float *rewards;
    uint8_t *terminals, *truncations;
    PongLog *log;
    /* config */
    int frameskip, max_score, max_steps;
    float paddle_speed, ball_speed, opponent_speed;
    float vx_scale, vy_scale, score_scale;   /* reciprocals, so observations multiply */
    /* state */
    float agent_y, opponent_y;
    float ball_x, ball_y, ball_vx, ball_vy;
    int tick, points_won, points_lost;
    float episode_return;
    OceanRng rng;
} Pong;

static void pong_serve(Pong *env) {
    env->ball_x = PONG_WIDTH / 2;
    env->ball_y = PONG_HEIGHT / 2;
    env->ball_vx = ocean_rng_float(&env->rng) < 0.5f ? -env->ball_speed : env->ball_speed;
    env->ball_vy = (2 * ocean_rng_float(&env->rng) - 1) * PONG_SERVE_STEEPNESS * env->ball_speed;
}

static void pong_compute_observations(Pong *env) {
    float *obs = env->obs;
    obs[0] = env->agent_y * (1.0f / PONG_HEIGHT);
    obs[1] = env->opponent_y * (1.0f / PONG_HEIGHT);
    obs[2] = env->ball_x * (1.0f / PONG_WIDTH);
    obs[3] = env->ball_y * (1.0f / PONG_HEIGHT);
    obs[4] = ocean_clampf(env->ball_vx * env->vx_scale, -1, 1);
    obs[5] = ocean_clampf(env->ball_vy * env->vy_scale, -1, 1);
    obs[6] = (float)env->points_won * env->score_scale;
    obs[7] = (float)env->points_lost * env->score_scale;
}

static void pong_new_episode(Pong *env) {
    env->agent_y = env->opponent_y = PONG_HEIGHT / 2;
    env->tick = env->points_won = env->points_lost = 0;
    env->episode_return = 0;
    pong_serve(env);
}

static int pong_num_agents(const double *config) { (void)config; return 1; }
static size_t pong_obs_bytes(const double *config) { (void)config; return PONG_OBS_SIZE * sizeof(float); }

static int pong_init(Pong *env, const OceanRows *rows, const double *config) {
    OCEAN_BIND_ROWS(env, rows, log);
    env->frameskip = (int)config[PONG_FRAMESKIP];
    env->max_score = (int)config[PONG_MAX_SCORE];
    env->max_steps = (int)config[PONG_MAX_STEPS];
    env->paddle_speed = (float)config[PONG_PADDLE_SPEED];
    env->ball_speed = (float)config[PONG_BALL_SPEED];
    env->opponent_speed = (float)config[PONG_OPPONENT_SPEED];
    env->vx_scale = 1.0f / (PONG_MAX_SPEEDUP * env->ball_speed);
    env->vy_scale = 1.0f / (PONG_STEEPEST * env->ball_speed);
    env->score_scale = 1.0f / (float)env->max_score;
    return 0;
}

static void pong_reset(Pong *env) {
    pong_new_episode(env);
    env->rewards[0] = 0;
    env->terminals[0] = env->truncations[0] = 0;
    pong_compute_observations(env);
}

/* The ball meets a paddle's face at x = face if it crosses that plane this frame within the
 * paddle's reach: a swept test, so no speed can tunnel through. Returns 1 on a hit. */
static int pong_paddle_hit(Pong *env, float face, float paddle_y, float *next_x, float *next_y) {
    float crossed = (face - env->ball_x) * (face - *next_x);
    if (crossed > 0 || env->ball_x == face) return 0;
    float t = (face - env->ball_x) / env->ball_vx;
    float y_at_face = env->ball_y + env->ball_vy * t;
    float reach = PONG_PADDLE_HALF + PONG_BALL_RADIUS;
    float offset = y_at_face - paddle_y;
    if (offset < -reach || offset > reach) return 0;
    float speed = fminf(fabsf(env->ball_vx) * PONG_SPEEDUP, PONG_MAX_SPEEDUP * env->ball_speed);
    env->ball_vx = env->ball_vx > 0 ? -speed : speed;
    env->ball_vy = (offset / reach) * PONG_STEEPEST * env->ball_speed;
    *next_x = face + (env->ball_vx > 0 ? 0.01f : -0.01f);
    *next_y = ocean_clampf(y_at_face, 0, PONG_HEIGHT);
    return 1;
}

/* One frame; returns the reward it earned. */
static float pong_frame(Pong *env, int action) {
    float lo = PONG_PADDLE_HALF, hi = PONG_HEIGHT - PONG_PADDLE_HALF;
    if (action == PONG_UP) env->agent_y -= env->paddle_speed;
    else if (action == PONG_DOWN) env->agent_y += env->paddle_speed;
    env->agent_y = ocean_clampf(env->agent_y, lo, hi);

    float target = env->ball_vx < 0 ? env->ball_y : PONG_HEIGHT / 2;
    float move = ocean_clampf(target - env->opponent_y, -env->opponent_speed, env->opponent_speed);
    env->opponent_y = ocean_clampf(env->opponent_y + move, lo, hi);

    float next_x = env->ball_x + env->ball_vx;
    float next_y = env->ball_y + env->ball_vy;
    if (next_y < 0) { next_y = -next_y; env->ball_vy = -env->ball_vy; }
    if (next_y > PONG_HEIGHT) { next_y = 2 * PONG_HEIGHT - next_y; env->ball_vy = -env->ball_vy; }
    if (env->ball_vx > 0) pong_paddle_hit(env, PONG_AGENT_X, env->agent_y, &next_x, &next_y);
    else pong_paddle_hit(env, PONG_OPPONENT_X, env->opponent_y, &next_x, &next_y);
    env->ball_x = next_x;
    env->ball_y = next_y;

    if (next_x > PONG_WIDTH) { env->points_lost++; pong_serve(env); return -1; }
    if (next_x < 0) { env->points_won++; pong_serve(env); return 1; }
    return 0;
}

static void pong_step(Pong *env) {
    int action = env->actions[0];
    float reward = 0;
    int terminal = 0;
    for (int f = 0; f < env->frameskip && !terminal; f++) {
        reward += pong_frame(env, action);
        terminal = env->points_won >= env->max_score || env->points_lost >= env->max_score;
    }
    env->tick++;
    env->episode_return += reward;
    int truncated = !terminal && env->tick >= env->max_steps;
    env->rewards[0] = reward;
    env->terminals[0] = (uint8_t)terminal;
    env->truncations[0] = (uint8_t)truncated;
    if (terminal || truncated) {
        PongLog *log = env->log;
        log->episode_return += env->episode_return;
        log->episode_length += (float)env->tick;
        log->score += (float)(env->points_won - env->points_lost);
        log->win += env->points_won >= env->max_score ? 1.0f : 0.0f;
        log->n += 1;
        pong_new_episode(env);
    }
    pong_compute_observations(env);
}

static void pong_close(Pong *env) { (void)env; }

/* ---- Rendering: court units times PONG_RENDER_SCALE pixels. ---- */
#define PONG_RENDER_SCALE 2.0f
#define PONG_PADDLE_WIDTH 4.0f      /* drawn behind each paddle's face, away from the court */
#define PONG_BALL_DRAWN_RADIUS 2.0f  /* twice the physical radius: a 2-unit ball is hard to see */
#define PONG_DIGIT_PX 4
#define PONG_DASH 8.0f              /* centre line: dashes and gaps, court units */
static const OceanColor PONG_BACKGROUND = {16, 20, 32};
static const OceanColor PONG_LINE = {48, 56, 72};
static const OceanColor PONG_SCORE_COLOR = {128, 136, 152};
static const OceanColor PONG_AGENT_COLOR = {80, 208, 120};
static const OceanColor PONG_OPPONENT_COLOR = {232, 88, 80};
static const OceanColor PONG_BALL_COLOR = {248, 248, 248};

static void pong_frame_size(const double *config, int *width, int *height) {
    (void)config;
    *width = (int)(PONG_WIDTH * PONG_RENDER_SCALE);
    *height = (int)(PONG_HEIGHT * PONG_RENDER_SCALE);
}

static void pong_render(const Pong *env, OceanCanvas *canvas) {
    const float s = PONG_RENDER_SCALE;
    ocean_clear(canvas, PONG_BACKGROUND);
    for (float y = PONG_DASH / 2; y < PONG_HEIGHT; y += 2 * PONG_DASH)
        ocean_rect(canvas, (PONG_WIDTH / 2 - 0.5f) * s, y * s, s, PONG_DASH * s, PONG_LINE);
    float top = 4 * s;
    int opponent_width = ocean_number_width(env->points_lost, PONG_DIGIT_PX);
    ocean_number(canvas, PONG_WIDTH / 4 * s - (float)opponent_width / 2, top, env->points_lost,
                 PONG_DIGIT_PX, PONG_SCORE_COLOR);
    int agent_width = ocean_number_width(env->points_won, PONG_DIGIT_PX);
    ocean_number(canvas, 3 * PONG_WIDTH / 4 * s - (float)agent_width / 2, top, env->points_won,
                 PONG_DIGIT_PX, PONG_SCORE_COLOR);
    ocean_rect(canvas, (PONG_OPPONENT_X - PONG_PADDLE_WIDTH) * s,
               (env->opponent_y - PONG_PADDLE_HALF) * s, PONG_PADDLE_WIDTH * s,
               2 * PONG_PADDLE_HALF * s, PONG_OPPONENT_COLOR);
    ocean_rect(canvas, PONG_AGENT_X * s, (env->agent_y - PONG_PADDLE_HALF) * s,
               PONG_PADDLE_WIDTH * s, 2 * PONG_PADDLE_HALF * s, PONG_AGENT_COLOR);
    ocean_circle(canvas, env->ball_x * s, env->ball_y * s, PONG_BALL_DRAWN_RADIUS * s,
                 PONG_BALL_COLOR);
}

OCEAN_DEFINE_GAME(pong, Pong, PongLog, PONG_CONFIG, PONG_LOG_KEYS, PONG_NUM_ACTIONS);

#endif /* OCEAN_PONG_H */
