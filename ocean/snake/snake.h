/* snake.h: many snakes on one grid, one agent per snake.
 *
 * A width x height grid whose border cells are walls holds num_snakes snakes and food.
 * Every snake moves one cell per agent-step; all snakes move at once (simultaneously), so
 * no snake's index ever decides a collision. A step, in phases:
 *   1. Each snake picks its direction. The direction back into its own neck is ignored
 *      (the snake keeps going straight); a snake of length 1 has no neck and may turn any
 *      way. A snake "eats" if its target cell holds food at the start of the step.
 *   2. Every snake of length >= 2 that does not eat moves its tail off the grid, so a head
 *      may follow any such tail, its own included. A snake of length 1 keeps its cell until
 *      the step is over: its head is its tail, and heads are never entered.
 *   3. Each head then enters its target. It dies if the cell holds a wall, any snake's body
 *      or any head (as they stood at the start of the step: a head that moves on leaves its
 *      neck behind), or if two or more heads enter the same cell: all of them die. So a
 *      head-on collision, whether the heads meet in a cell or swap cells, kills both.
 * Eating: reward food_reward, the snake grows by one (its tail stays), and food is topped
 * back up to num_food on random empty cells at the end of the step. Dying: reward
 * death_reward, terminal set for that agent only; each cell of its body (whose tail may have
 * moved on in phase 2) becomes food with probability death_food_prob (corpse food is extra:
 * it is not replaced once eaten), and the snake respawns in the same step at length 1 on a
 * random empty cell, or on a cell holding food (the food is gone) when the grid is crowded.
 * Episodes end only by death; truncation is written 0 every step.
 *
 * Finding cells: SNAKE_RANDOM_TRIES random looks for an empty cell, then for food; only when
 * both fail (a grid nearly full of snakes) does a respawn sweep the grid for one, and a step
 * sweeps it at most once per code, each sweep going on where the last stopped: a step's
 * search costs O(num_snakes) looks plus at most two passes over the grid, however crowded.
 * Topping up food looks at random only (and in a sweep a respawn began), so on a crowded
 * grid the food can lag below num_food for a few steps; reset always places all of it.
 *
 * Observation: uint8 (2*vision+1) x (2*vision+1) window centred on the snake's head (row
 * 0 is up, column 0 is left); cells beyond the walls read as wall. Codes:
 *   0 empty   1 wall   2 food   3 own body   4 own head (always the centre)
 *   5 other snake's head   6 other snake's body
 * Actions: Discrete(4): 0 up, 1 down, 2 left, 3 right (absolute directions). Python refuses
 * any other value; should one reach C anyway, the snake keeps going straight.
 * Log, per snake at death: episode_return, episode_length (agent-steps), length (at
 * death), food_eaten.
 * Config: see SNAKE_CONFIG below. The defaults make a lively env: 16 snakes on a 46 x 46
 * interior (one snake per 130 cells) with 64 food (3% of cells). Under random actions an
 * agent sees about 2.3 food and, more than half the time, another snake in its window, and
 * lives about 60 steps. food_reward 0.1 makes a death cost ten meals, so staying alive
 * beats reckless eating; death_food_prob 0.5 leaves a trail worth fighting over.
 *
 * init allocates the grid, (width + 2 vision) x (height + 2 vision) bytes padded with walls
 * so every window is a plain copy; one SnakeAgent per snake; one window of scratch. A grid
 * cell holds a byte: empty, wall, food, head, or body plus the direction of the next
 * segment towards the head, so a snake's chain lives in the grid itself (the tail follows
 * the directions) and a snake can grow to any length without a per-snake buffer.
 */
#ifndef OCEAN_SNAKE_H
#define OCEAN_SNAKE_H

#include <stdlib.h>
#include <string.h>
#include "ocean.h"

enum { SNAKE_UP, SNAKE_DOWN, SNAKE_LEFT, SNAKE_RIGHT, SNAKE_NUM_ACTIONS };  /* d ^ 1: opposite */

/* Observation codes. */
enum { SNAKE_OBS_EMPTY, SNAKE_OBS_WALL, SNAKE_OBS_FOOD, SNAKE_OBS_OWN_BODY, SNAKE_OBS_OWN_HEAD,
       SNAKE_OBS_OTHER_HEAD, SNAKE_OBS_OTHER_BODY, SNAKE_OBS_MAX = SNAKE_OBS_OTHER_BODY };

/* Grid codes. BODY + d: a body segment whose next segment towards the head lies in
 * direction d. Empty, wall, food and head equal their observation codes as another snake
 * sees them, and every body code is >= other body, so min(cell, other body) turns a row of
 * grid into observation (own cells are patched in after). CLAIMED/CONTESTED (+1 if the cell
 * held food) exist only inside a step, while heads claim their targets. */
enum { SNAKE_CELL_EMPTY = SNAKE_OBS_EMPTY, SNAKE_CELL_WALL = SNAKE_OBS_WALL,
       SNAKE_CELL_FOOD = SNAKE_OBS_FOOD, SNAKE_CELL_HEAD = SNAKE_OBS_OTHER_HEAD,
       SNAKE_CELL_BODY = SNAKE_OBS_OTHER_BODY, SNAKE_CELL_CLAIMED = SNAKE_CELL_BODY + 4,
       SNAKE_CELL_CONTESTED = SNAKE_CELL_CLAIMED + 2 };

static const int SNAKE_DX[SNAKE_NUM_ACTIONS] = {0, 0, -1, 1};
static const int SNAKE_DY[SNAKE_NUM_ACTIONS] = {-1, 1, 0, 0};
#define SNAKE_RANDOM_TRIES 64   /* random looks for a cell before a sweep */
#define SNAKE_CHUNK 16          /* window cells translated at once (one SIMD register) */
#define SNAKE_PREFETCH_AHEAD 4  /* snakes between a window's prefetch and its copy */

/* Config, in the order init reads it. */
enum { SNAKE_WIDTH, SNAKE_HEIGHT, SNAKE_NUM_SNAKES, SNAKE_NUM_FOOD, SNAKE_VISION,
       SNAKE_FOOD_REWARD, SNAKE_DEATH_REWARD, SNAKE_DEATH_FOOD_PROB };
static const OceanConfigKey SNAKE_CONFIG[] = {
    {"width", OCEAN_INT, 48, 4, 4096, "grid columns, border walls included"},
    {"height", OCEAN_INT, 48, 4, 4096, "grid rows, border walls included"},
    {"num_snakes", OCEAN_INT, 16, 1, 65536, "snakes (agents) per env"},
    {"num_food", OCEAN_INT, 64, 1, 1e7, "food kept on the grid (corpse food comes on top)"},
    {"vision", OCEAN_INT, 5, 1, 16, "view radius: the window is 2*vision+1 cells square"},
    {"food_reward", OCEAN_FLOAT, 0.1, -10, 10, "reward for eating"},
    {"death_reward", OCEAN_FLOAT, -1, -10, 10, "reward for dying"},
    {"death_food_prob", OCEAN_FLOAT, 0.5, 0, 1, "chance each cell of a dead snake becomes food"},
};

typedef struct { float episode_return, episode_length, length, food_eaten, n; } SnakeLog;
static const char *const SNAKE_LOG_KEYS[] = {"episode_return", "episode_length", "length",
                                             "food_eaten"};

typedef struct {
    int head, tail;            /* grid indices */
    int length, dir;           /* dir: the last move */
    int target, next_dir;      /* this step's move */
    uint8_t eats, dies;
    int episode_length, food_eaten;
    float episode_return;
} SnakeAgent;

typedef struct {
    /* this env's rows of the shared buffers: one per snake */
    uint8_t *obs;
    const int32_t *actions;
    float *rewards;
    uint8_t *terminals, *truncations;
    SnakeLog *logs;
    /* config */
    int width, height, num_snakes, num_food, vision;
    float food_reward, death_reward, death_food_prob;
    int stride, grid_cells, window;        /* padded row length, cells, window side */
    int offset[SNAKE_NUM_ACTIONS];         /* grid index step per direction */
    /* state */
    uint8_t *grid;
    SnakeAgent *snakes;
    uint8_t *scratch;                      /* one window + SNAKE_CHUNK bytes */
    int food_count;                        /* cells holding food */
    int sweep_cursor[2], sweep_left[2];    /* this step's sweeps for empty [0] and food [1]; */
    uint8_t sweeping[2];                   /* left: cells it has yet to look at */
    OceanRng rng;
} Snake;

static int snake_num_agents(const double *config) { return (int)config[SNAKE_NUM_SNAKES]; }

static size_t snake_obs_bytes(const double *config) {
    size_t side = 2 * (size_t)config[SNAKE_VISION] + 1;
    return side * side;
}

static void snake_close(Snake *env) {
    free(env->grid);
    free(env->snakes);
    free(env->scratch);
    env->grid = env->scratch = NULL;
    env->snakes = NULL;
}

static int snake_init(Snake *env, const OceanRows *rows, const double *config) {
    OCEAN_BIND_ROWS(env, rows, logs);
    env->width = (int)config[SNAKE_WIDTH];
    env->height = (int)config[SNAKE_HEIGHT];
    env->num_snakes = (int)config[SNAKE_NUM_SNAKES];
    env->num_food = (int)config[SNAKE_NUM_FOOD];
    env->vision = (int)config[SNAKE_VISION];
    env->food_reward = (float)config[SNAKE_FOOD_REWARD];
    env->death_reward = (float)config[SNAKE_DEATH_REWARD];
    env->death_food_prob = (float)config[SNAKE_DEATH_FOOD_PROB];
    long interior = (long)(env->width - 2) * (env->height - 2);
    if ((long)env->num_snakes + env->num_food > interior) return -1;  /* Python says why */
    env->stride = env->width + 2 * env->vision;
    env->grid_cells = env->stride * (env->height + 2 * env->vision);
    env->window = 2 * env->vision + 1;
    env->offset[SNAKE_UP] = -env->stride;
    env->offset[SNAKE_DOWN] = env->stride;
    env->offset[SNAKE_LEFT] = -1;
    env->offset[SNAKE_RIGHT] = 1;
    env->grid = malloc((size_t)env->grid_cells + SNAKE_CHUNK);  /* slack: see copy_window */
    env->snakes = calloc((size_t)env->num_snakes, sizeof(SnakeAgent));
    env->scratch = malloc((size_t)(env->window * env->window) + SNAKE_CHUNK);
    if (!env->grid || !env->snakes || !env->scratch) {
        snake_close(env);
        return -1;
    }
    return 0;
}

/* A cell holding `code` (empty or food), or -1. SNAKE_RANDOM_TRIES random looks first
 * (cheap on a sparse grid), unless this step's sweep for `code` has begun; then, if `sweep`
 * or it has begun, the sweep: cells in order from a random one, going on where its last find
 * stopped, once round the grid at most per step. Finds only remove cells of `code` while a
 * step looks (respawns and food fill them), so a finished sweep means there are none. */
static int snake_find_cell(Snake *env, uint8_t code, int sweep) {
    int k = code == SNAKE_CELL_FOOD;
    if (!env->sweeping[k]) {
        for (int i = 0; i < SNAKE_RANDOM_TRIES; i++) {
            int cell = ocean_rng_int(&env->rng, env->grid_cells);
            if (env->grid[cell] == code) return cell;
        }
        if (!sweep) return -1;
        env->sweeping[k] = 1;
        env->sweep_cursor[k] = ocean_rng_int(&env->rng, env->grid_cells);
        env->sweep_left[k] = env->grid_cells;
    }
    while (env->sweep_left[k] > 0) {
        int cell = env->sweep_cursor[k];
        env->sweep_cursor[k] = cell + 1 < env->grid_cells ? cell + 1 : 0;
        env->sweep_left[k]--;
        if (env->grid[cell] == code) return cell;
    }
    return -1;
}

/* Before a phase that finds cells: the grid has changed since any sweep, so none has begun. */
static void snake_forget_sweeps(Snake *env) {
    env->sweeping[0] = env->sweeping[1] = 0;
}

/* A new snake of length 1 on a random empty cell, else on food (see the opening comment). A
 * dying snake always frees at least its own cells (as empty or food), so one is found. */
static void snake_spawn(Snake *env, SnakeAgent *snake) {
    int cell = snake_find_cell(env, SNAKE_CELL_EMPTY, 0);
    if (cell < 0) cell = snake_find_cell(env, SNAKE_CELL_FOOD, 0);
    if (cell < 0) cell = snake_find_cell(env, SNAKE_CELL_EMPTY, 1);
    if (cell < 0) cell = snake_find_cell(env, SNAKE_CELL_FOOD, 1);
    env->food_count -= env->grid[cell] == SNAKE_CELL_FOOD;
    env->grid[cell] = SNAKE_CELL_HEAD;
    snake->head = snake->tail = cell;
    snake->length = 1;
    snake->dir = ocean_rng_int(&env->rng, SNAKE_NUM_ACTIONS);
    snake->episode_length = snake->food_eaten = 0;
    snake->episode_return = 0;
}

/* Food back up to num_food on empty cells: all of it when `sweep` (at reset), else as far as
 * random looks (and a sweep a respawn began) find empty cells this step. */
static void snake_top_up_food(Snake *env, int sweep) {
    while (env->food_count < env->num_food) {
        int cell = snake_find_cell(env, SNAKE_CELL_EMPTY, sweep);
        if (cell < 0) return;  /* none found: the grid is full, or crowded this step */
        env->grid[cell] = SNAKE_CELL_FOOD;
        env->food_count++;
    }
}

/* Grid coordinates of a cell (padded: the wall border starts at vision). */
static int snake_cell_x(const Snake *env, int cell) { return cell % env->stride; }
static int snake_cell_y(const Snake *env, int cell) { return cell / env->stride; }

static inline uint8_t snake_obs_code(uint8_t cell) {
    return cell < SNAKE_OBS_OTHER_BODY ? cell : SNAKE_OBS_OTHER_BODY;
}

/* SNAKE_CHUNK cells of a grid row as observation codes: fixed-size, so the compiler makes it
 * a few vector instructions. */
static inline void snake_copy_chunk(uint8_t *dst, const uint8_t *src) {
    uint8_t chunk[SNAKE_CHUNK];
    memcpy(chunk, src, SNAKE_CHUNK);
    for (int i = 0; i < SNAKE_CHUNK; i++) chunk[i] = snake_obs_code(chunk[i]);
    memcpy(dst, chunk, SNAKE_CHUNK);
}

/* The window around `head` as observation codes, at out. Whole chunks, even past a row's
 * end: they read the next cells of the grid (which has slack at its end), and the excess
 * they write lands on cells written later, or up to SNAKE_CHUNK - 1 bytes past the window,
 * which the caller must own. */
static void snake_copy_window(const Snake *env, int head, uint8_t *out) {
    const int side = env->window, stride = env->stride;
    const uint8_t *row = env->grid + head - env->vision * stride - env->vision;
    for (int r = 0; r < side; r++, row += stride, out += side)
        for (int c = 0; c < side; c += SNAKE_CHUNK) snake_copy_chunk(out + c, row + c);
}

static void snake_compute_observations(Snake *env) {
    const int vision = env->vision, side = env->window, stride = env->stride;
    const size_t obs_size = (size_t)(side * side), obs_bytes = obs_size * (size_t)env->num_snakes;
    for (int s = 0; s < env->num_snakes; s++) {
        const SnakeAgent *snake = &env->snakes[s];
        uint8_t *obs = env->obs + (size_t)s * obs_size;
        /* Windows are scattered over a grid bigger than the L2 cache: ask for a later
         * snake's rows now, so their loads overlap this snake's work. */
        if (s + SNAKE_PREFETCH_AHEAD < env->num_snakes) {
            const uint8_t *ahead = env->grid + env->snakes[s + SNAKE_PREFETCH_AHEAD].head
                                   - vision * stride - vision;
            for (int r = 0; r < side; r++, ahead += stride) {
                ocean_prefetch(ahead);
                ocean_prefetch(ahead + side - 1);
            }
        }
        /* The excess past a window lands on the next snakes' rows, written after; only
         * the last windows of this env go through scratch, to stay inside its rows. */
        if ((size_t)(s + 1) * obs_size + SNAKE_CHUNK <= obs_bytes) {
            snake_copy_window(env, snake->head, obs);
        } else {
            snake_copy_window(env, snake->head, env->scratch);
            memcpy(obs, env->scratch, obs_size);
        }
        obs[vision * side + vision] = SNAKE_OBS_OWN_HEAD;
        if (snake->length == 1) continue;
        /* Own body: follow the chain from the tail; a body can leave the window and come
         * back, so every segment is checked. */
        int head_x = snake_cell_x(env, snake->head), head_y = snake_cell_y(env, snake->head);
        int dx = snake_cell_x(env, snake->tail) - head_x, dy = snake_cell_y(env, snake->tail) - head_y;
        for (int cell = snake->tail; cell != snake->head;) {
            if (dx >= -vision && dx <= vision && dy >= -vision && dy <= vision)
                obs[(dy + vision) * side + dx + vision] = SNAKE_OBS_OWN_BODY;
            int d = env->grid[cell] - SNAKE_CELL_BODY;
            cell += env->offset[d];
            dx += SNAKE_DX[d];
            dy += SNAKE_DY[d];
        }
    }
}

static void snake_reset(Snake *env) {
    /* Walls everywhere, then the interior cleared. */
    memset(env->grid, SNAKE_CELL_WALL, (size_t)env->grid_cells + SNAKE_CHUNK);
    for (int y = 1; y < env->height - 1; y++) {
        uint8_t *row = env->grid + (y + env->vision) * env->stride + env->vision;
        for (int x = 1; x < env->width - 1; x++) row[x] = SNAKE_CELL_EMPTY;
    }
    env->food_count = 0;
    snake_forget_sweeps(env);
    for (int s = 0; s < env->num_snakes; s++) {
        snake_spawn(env, &env->snakes[s]);
        env->rewards[s] = 0;
        env->terminals[s] = env->truncations[s] = 0;
    }
    snake_top_up_food(env, 1);
    snake_compute_observations(env);
}

/* Removes a dead snake's body (each cell becomes food with death_food_prob), logs its
 * episode. It respawns after every snake has moved. */
static void snake_die(Snake *env, int s) {
    SnakeAgent *snake = &env->snakes[s];
    uint8_t *grid = env->grid;
    int cell = snake->tail;
    for (;;) {
        uint8_t code = grid[cell];
        int food = ocean_rng_float(&env->rng) < env->death_food_prob;
        grid[cell] = food ? SNAKE_CELL_FOOD : SNAKE_CELL_EMPTY;
        env->food_count += food;
        if (code == SNAKE_CELL_HEAD) break;
        cell += env->offset[code - SNAKE_CELL_BODY];
    }
    snake->episode_return += env->death_reward;
    env->rewards[s] = env->death_reward;
    env->terminals[s] = 1;
    SnakeLog *log = &env->logs[s];
    log->episode_return += snake->episode_return;
    log->episode_length += (float)snake->episode_length;
    log->length += (float)snake->length;
    log->food_eaten += (float)snake->food_eaten;
    log->n += 1;
}

static void snake_step(Snake *env) {
    uint8_t *grid = env->grid;
    const int num_snakes = env->num_snakes;

    /* 1. Directions and targets. */
    for (int s = 0; s < num_snakes; s++) {
        SnakeAgent *snake = &env->snakes[s];
        if (s + SNAKE_PREFETCH_AHEAD < num_snakes) {  /* its target's rows and its tail */
            const SnakeAgent *ahead = &env->snakes[s + SNAKE_PREFETCH_AHEAD];
            ocean_prefetch(grid + ahead->head - env->stride);
            ocean_prefetch(grid + ahead->head);
            ocean_prefetch(grid + ahead->head + env->stride);
            ocean_prefetch(grid + ahead->tail);
        }
        int dir = env->actions[s];
        if ((unsigned)dir >= SNAKE_NUM_ACTIONS) dir = snake->dir;  /* never an index: straight on */
        if (snake->length > 1 && dir == (snake->dir ^ 1)) dir = snake->dir;
        snake->next_dir = dir;
        snake->target = snake->head + env->offset[dir];
        snake->eats = grid[snake->target] == SNAKE_CELL_FOOD;
        snake->dies = 0;
    }
    /* 2. Tails of snakes that will not grow leave. */
    for (int s = 0; s < num_snakes; s++) {
        SnakeAgent *snake = &env->snakes[s];
        if (snake->eats || snake->length == 1) continue;
        int tail = snake->tail;
        snake->tail = tail + env->offset[grid[tail] - SNAKE_CELL_BODY];
        grid[tail] = SNAKE_CELL_EMPTY;
    }
    /* 3. Heads claim their targets; a cell claimed twice is contested. */
    for (int s = 0; s < num_snakes; s++) {
        SnakeAgent *snake = &env->snakes[s];
        uint8_t *cell = &grid[snake->target];
        if (*cell == SNAKE_CELL_EMPTY || *cell == SNAKE_CELL_FOOD)
            *cell = (uint8_t)(SNAKE_CELL_CLAIMED + (*cell == SNAKE_CELL_FOOD));
        else if (*cell == SNAKE_CELL_CLAIMED || *cell == SNAKE_CELL_CLAIMED + 1)
            *cell = (uint8_t)(*cell + 2);  /* CLAIMED(+food) -> CONTESTED(+food) */
        else if (*cell < SNAKE_CELL_CLAIMED)
            snake->dies = 1;  /* wall, head or body */
    }
    for (int s = 0; s < num_snakes; s++) {
        SnakeAgent *snake = &env->snakes[s];
        if (grid[snake->target] >= SNAKE_CELL_CONTESTED) snake->dies = 1;
    }
    /* 4. Moves and deaths. Contested cells go back to what they held. */
    for (int s = 0; s < num_snakes; s++) {
        SnakeAgent *snake = &env->snakes[s];
        uint8_t *target = &grid[snake->target];
        snake->episode_length++;
        env->terminals[s] = env->truncations[s] = 0;
        if (snake->dies) {
            if (*target >= SNAKE_CELL_CONTESTED)
                *target = (*target & 1) ? SNAKE_CELL_FOOD : SNAKE_CELL_EMPTY;
            snake_die(env, s);
            continue;
        }
        float reward = 0;
        if (snake->eats) {
            reward = env->food_reward;
            snake->length++;
            snake->food_eaten++;
            env->food_count--;
        }
        /* The old head becomes the neck, or is left empty by a lone head moving on. */
        grid[snake->head] = snake->length == 1 ? SNAKE_CELL_EMPTY
                                               : (uint8_t)(SNAKE_CELL_BODY + snake->next_dir);
        *target = SNAKE_CELL_HEAD;
        snake->head = snake->target;
        if (snake->length == 1) snake->tail = snake->head;
        snake->dir = snake->next_dir;
        snake->episode_return += reward;
        env->rewards[s] = reward;
    }
    /* 5. The dead respawn, then food is topped up. */
    snake_forget_sweeps(env);
    for (int s = 0; s < num_snakes; s++)
        if (env->snakes[s].dies) snake_spawn(env, &env->snakes[s]);
    snake_top_up_food(env, 0);
    snake_compute_observations(env);
}

/* ---- Drawing (render.h): the whole grid, agent 0's snake highlighted. ---- */
#define SNAKE_FRAME_TARGET 1280   /* px on the longer side, at most; cells 1..10 px */
#define SNAKE_MAX_CELL_PX 10
static const OceanColor SNAKE_EMPTY_COLOR = {16, 16, 24};
static const OceanColor SNAKE_WALL_COLOR = {96, 96, 112};
static const OceanColor SNAKE_FOOD_COLOR = {232, 88, 80};
static const OceanColor SNAKE_BODY_COLOR = {64, 96, 176};
static const OceanColor SNAKE_HEAD_COLOR = {128, 168, 248};
static const OceanColor SNAKE_PLAYER_BODY_COLOR = {64, 176, 96};
static const OceanColor SNAKE_PLAYER_HEAD_COLOR = {160, 248, 128};

static int snake_cell_px(const double *config) {
    int longer = (int)(config[SNAKE_WIDTH] > config[SNAKE_HEIGHT] ? config[SNAKE_WIDTH]
                                                                  : config[SNAKE_HEIGHT]);
    int px = SNAKE_FRAME_TARGET / longer;
    return ocean_clampi(px, 1, SNAKE_MAX_CELL_PX);
}

static void snake_frame_size(const double *config, int *width, int *height) {
    int px = snake_cell_px(config);
    *width = (int)config[SNAKE_WIDTH] * px;
    *height = (int)config[SNAKE_HEIGHT] * px;
}

static void snake_render(const Snake *env, OceanCanvas *canvas) {
    int px = canvas->width / env->width;
    int inset = px >= 4 ? 1 : 0;   /* a gap between cells once they are big enough to see it */
    ocean_clear(canvas, SNAKE_EMPTY_COLOR);
    for (int y = 0; y < env->height; y++) {
        const uint8_t *row = env->grid + (y + env->vision) * env->stride + env->vision;
        for (int x = 0; x < env->width; x++) {
            uint8_t cell = row[x];
            if (cell == SNAKE_CELL_EMPTY) continue;
            OceanColor color = cell == SNAKE_CELL_WALL ? SNAKE_WALL_COLOR
                             : cell == SNAKE_CELL_FOOD ? SNAKE_FOOD_COLOR
                             : cell == SNAKE_CELL_HEAD ? SNAKE_HEAD_COLOR : SNAKE_BODY_COLOR;
            ocean_cell(canvas, x, y, px, cell == SNAKE_CELL_WALL ? 0 : inset, color);
        }
    }
    /* Agent 0's snake, tail to head along the directions its body cells store. */
    const SnakeAgent *player = &env->snakes[0];
    int cell = player->tail;
    for (int i = 1; i < player->length && cell != player->head; i++) {
        ocean_cell(canvas, snake_cell_x(env, cell) - env->vision,
                   snake_cell_y(env, cell) - env->vision, px, inset, SNAKE_PLAYER_BODY_COLOR);
        cell += env->offset[(env->grid[cell] - SNAKE_CELL_BODY) & 3];
    }
    ocean_cell(canvas, snake_cell_x(env, player->head) - env->vision,
               snake_cell_y(env, player->head) - env->vision, px, inset, SNAKE_PLAYER_HEAD_COLOR);
}

OCEAN_DEFINE_GAME(snake, Snake, SnakeLog, SNAKE_CONFIG, SNAKE_LOG_KEYS, SNAKE_NUM_ACTIONS);

#endif /* OCEAN_SNAKE_H */
