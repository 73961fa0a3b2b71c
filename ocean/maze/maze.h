/* maze.h: find the goal in a maze never seen before, from a small window, with sparse reward.
 *
 * Built to need exploration: every episode draws a fresh maze (unless fixed_layout), the only
 * reward is for reaching the goal, and the goal is as far from the start as the maze allows.
 * A random walk almost never gets there; an agent that explores systematically (a novelty
 * bonus, or a wall-follower) does.
 *
 * Layout. A maze of size x size cells lives on a (2 size + 1)^2 tile grid: cells are the
 * tiles at odd (x, y), the tiles between two cells are passages (open or wall), the tiles at
 * even (x, y) and the border are always walls. Generation (each reset, O(cells), no malloc):
 *   1. a perfect maze by randomized depth-first search (the recursive backtracker, with an
 *      explicit stack): a spanning tree of the cells, so cells - 1 open passages, long winding
 *      corridors and few branches;
 *   2. loops: of the (size - 1)^2 interior walls the tree leaves, round(loops * (size - 1)^2)
 *      chosen uniformly are opened (loops = 0: a tree; loops = 1: no interior walls at all);
 *   3. the agent starts in a uniformly random cell; the goal is the cell farthest from it by
 *      BFS (ties: the last one the BFS reaches) or, with min_goal_distance = d > 0, a uniform
 *      cell among those at BFS distance >= d (in cell moves; the farthest if none is that far);
 *   4. keys = 1: every open passage into the goal cell becomes a door, and a key lies in a
 *      uniform cell reachable from the start without a door, other than the start (if there is
 *      none, which only min_goal_distance can cause, the goal moves to the farthest cell).
 * fixed_layout = 1 draws steps 1-4 from a generator seeded by layout_seed alone, so every
 * episode of every env plays the same maze from the same start.
 *
 * Observation: view^2 + 2 (+ 2 with position) uint8, computed once per agent-step:
 *   [0, view^2)  the view x view tiles centred on the agent, row-major, north up (not rotated):
 *                0 wall (also beyond the border), 1 floor, 2 goal, 3 key, 4 closed door
 *   view^2       previous action, 0-3, or 4 on an episode's first observation
 *   view^2 + 1   1 if the agent holds the key, else 0
 *   view^2 + 2   with position = 1 only: the agent's tile x, then y (2 bytes; cells are at odd
 *                coordinates, 1 .. 2 size - 1), like the coordinates NetHack's status line
 *                gives a MiniHack agent
 * No visited map: remembering where it has been is the agent's job.
 * Actions: Discrete(4) absolute moves: 0 up (north), 1 right, 2 down, 3 left. Moving into a
 * wall, or a door without the key, leaves the agent in place. Moving onto the key picks it up;
 * moving into a door with the key opens it (it becomes floor). Each move is one tile, so going
 * from a cell to the next takes two agent-steps. Python refuses any other action; should one
 * reach C anyway, the agent stays and previous action reads 4.
 * Reward (MiniGrid's): 1 - 0.9 * t / max_steps on the step t that reaches the goal, else 0.
 * Episode: terminal at the goal; truncated after max_steps agent-steps.
 * Log: success (0/1), episode_length (agent-steps), episode_return, coverage (cells visited
 * this episode / cells, start included).
 * Config: see MAZE_CONFIG below; its defaults are the "medium" preset (ocean/maze/__init__.py
 * holds the easy/medium/hard presets and their measured difficulty). Python's default
 * max_steps is MAZE_STEPS_PER_CELL * size^2 (the table's default is that at the default size).
 * init allocates the tile grid and the generation work arrays, one block sized by size and
 * view; nothing else allocates.
 */
#ifndef OCEAN_MAZE_H
#define OCEAN_MAZE_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ocean.h"

/* Tile codes, as the observation shows them. */
enum { MAZE_WALL, MAZE_FLOOR, MAZE_GOAL, MAZE_KEY, MAZE_DOOR, MAZE_NUM_CODES };
/* A tile byte is its code plus two flags the observation masks out. */
#define MAZE_CODE_MASK 0x07
#define MAZE_CELL_BIT 0x08      /* a cell (odd x and y), not a passage or pillar */
#define MAZE_VISITED_BIT 0x10   /* a cell the agent has stood in this episode */

enum { MAZE_UP, MAZE_RIGHT, MAZE_DOWN, MAZE_LEFT, MAZE_NUM_ACTIONS };
#define MAZE_NO_ACTION MAZE_NUM_ACTIONS   /* "previous action" at an episode's start */
#define MAZE_STEPS_PER_CELL 8             /* default max_steps = this * size^2 */
#define MAZE_DEFAULT_SIZE 10
#define MAZE_MAX_SIZE 128
#define MAZE_SUCCESS_REWARD 1.0f
#define MAZE_TIME_PENALTY 0.9f            /* reward at the goal = 1 - 0.9 * t / max_steps */

/* Config, in the order init reads it. */
enum { MAZE_SIZE, MAZE_LOOPS, MAZE_VIEW, MAZE_MAX_STEPS, MAZE_FIXED_LAYOUT, MAZE_KEYS,
       MAZE_MIN_GOAL_DISTANCE, MAZE_LAYOUT_SEED, MAZE_POSITION };
static const OceanConfigKey MAZE_CONFIG[] = {
    {"size", OCEAN_INT, MAZE_DEFAULT_SIZE, 2, MAZE_MAX_SIZE, "cells per side"},
    {"loops", OCEAN_FLOAT, 0, 0, 1, "fraction of the tree's interior walls opened"},
    {"view", OCEAN_INT, 5, 3, 31, "side of the observed window in tiles (odd)"},
    {"max_steps", OCEAN_INT, MAZE_STEPS_PER_CELL * MAZE_DEFAULT_SIZE * MAZE_DEFAULT_SIZE, 1, 1e9,
     "agent-steps before truncation (default 8 * size^2)"},
    {"fixed_layout", OCEAN_BOOL, 0, 0, 1, "every episode plays the maze of layout_seed"},
    {"keys", OCEAN_INT, 0, 0, 1, "1: a door guards the goal, a key elsewhere opens it"},
    {"min_goal_distance", OCEAN_INT, 0, 0, MAZE_MAX_SIZE * MAZE_MAX_SIZE - 1,
     "0: goal in the farthest cell; d: a random cell >= d cell moves away"},
    {"layout_seed", OCEAN_INT, 0, 0, 4294967295.0, "the maze fixed_layout plays"},
    {"position", OCEAN_BOOL, 0, 0, 1, "1: observe the agent's tile (x, y), 2 more bytes"},
};

typedef struct { float success, episode_length, episode_return, coverage, n; } MazeLog;
static const char *const MAZE_LOG_KEYS[] = {"success", "episode_length", "episode_return",
                                            "coverage"};

typedef struct {
    /* this env's rows of the shared buffers */
    uint8_t *obs;
    const int32_t *actions;
    float *rewards;
    uint8_t *terminals, *truncations;
    MazeLog *log;
    /* config */
    int size, view, max_steps, fixed_layout, keys, min_goal_distance, position;
    float loops;
    uint64_t layout_seed;
    /* derived from the config in init */
    int pad;                      /* wall margin around the maze: view / 2 tiles */
    int stride;                   /* tiles per row, margin included */
    int num_cells, extra_passages;
    int moves[MAZE_NUM_ACTIONS + 1];  /* tile-index offset of each action; 0: no move */
    int cell_steps[MAZE_NUM_ACTIONS]; /* cell-index offset of the same moves */
    /* state */
    uint8_t *tiles;      /* stride^2 tile bytes, row-major, margin included */
    int32_t *cell_tile;  /* num_cells: tile index of each cell (fixed in init) */
    int32_t *order;      /* num_cells, work: the DFS stack, then the BFS queue */
    int32_t *dist;       /* num_cells, work: BFS distance from the start in cell moves */
    int32_t *walls;      /* (size - 1)^2, work: the interior walls the tree left */
    int agent, goal;     /* tile indices */
    int start_cell, goal_cell;
    int tick, prev_action, has_key, cells_visited;
    OceanRng rng;
} Maze;

static int maze_num_agents(const double *config) { (void)config; return 1; }

static size_t maze_obs_bytes(const double *config) {
    size_t view = (size_t)config[MAZE_VIEW];
    return view * view + 2 + (config[MAZE_POSITION] != 0 ? 2 : 0);
}

static int maze_init(Maze *env, const OceanRows *rows, const double *config) {
    OCEAN_BIND_ROWS(env, rows, log);
    env->size = (int)config[MAZE_SIZE];
    env->loops = (float)config[MAZE_LOOPS];
    env->view = (int)config[MAZE_VIEW];
    env->max_steps = (int)config[MAZE_MAX_STEPS];
    env->fixed_layout = config[MAZE_FIXED_LAYOUT] != 0;
    env->keys = (int)config[MAZE_KEYS];
    env->min_goal_distance = (int)config[MAZE_MIN_GOAL_DISTANCE];
    env->layout_seed = (uint64_t)config[MAZE_LAYOUT_SEED];
    env->position = config[MAZE_POSITION] != 0;

    int size = env->size;
    env->pad = env->view / 2;
    env->stride = 2 * size + 1 + 2 * env->pad;
    env->num_cells = size * size;
    /* 2 size (size - 1) walls between cells; any spanning tree opens size^2 - 1 of them */
    int interior_walls = (size - 1) * (size - 1);
    env->extra_passages = (int)floor(config[MAZE_LOOPS] * interior_walls + 0.5);
    int s = env->stride;
    env->moves[MAZE_UP] = -s, env->moves[MAZE_RIGHT] = 1;
    env->moves[MAZE_DOWN] = s, env->moves[MAZE_LEFT] = -1;
    env->moves[MAZE_NO_ACTION] = 0;
    env->cell_steps[MAZE_UP] = -size, env->cell_steps[MAZE_RIGHT] = 1;
    env->cell_steps[MAZE_DOWN] = size, env->cell_steps[MAZE_LEFT] = -1;

    size_t ints = 3 * (size_t)env->num_cells + (size_t)interior_walls;
    char *block = malloc(ints * sizeof(int32_t) + (size_t)s * (size_t)s);
    if (!block) return 1;
    env->cell_tile = (int32_t *)block;
    env->order = env->cell_tile + env->num_cells;
    env->dist = env->order + env->num_cells;
    env->walls = env->dist + env->num_cells;
    env->tiles = (uint8_t *)(env->walls + interior_walls);
    for (int c = 0; c < env->num_cells; c++) {
        int x = 2 * (c % size) + 1 + env->pad, y = 2 * (c / size) + 1 + env->pad;
        env->cell_tile[c] = y * s + x;
    }
    return 0;
}

/* Step 1: a spanning tree by randomized DFS. Cells start as walls carrying the cell bit, so
 * "an unvisited cell" is exactly a tile equal to MAZE_CELL_BIT, and the margin (no cell bit)
 * stops the search at the border without bounds checks. */
static void maze_carve_tree(Maze *env, OceanRng *rng) {
    uint8_t *tiles = env->tiles;
    memset(tiles, MAZE_WALL, (size_t)env->stride * (size_t)env->stride);
    for (int c = 0; c < env->num_cells; c++) tiles[env->cell_tile[c]] = MAZE_CELL_BIT;
    int root = ocean_rng_int(rng, env->num_cells), top = 0;
    env->order[top++] = root;
    tiles[env->cell_tile[root]] |= MAZE_FLOOR;
    while (top > 0) {
        int cell = env->order[top - 1], tile = env->cell_tile[cell];
        int options[MAZE_NUM_ACTIONS], n = 0;
        for (int a = 0; a < MAZE_NUM_ACTIONS; a++)
            if (tiles[tile + 2 * env->moves[a]] == MAZE_CELL_BIT) options[n++] = a;
        if (n == 0) { top--; continue; }
        int a = options[n == 1 ? 0 : ocean_rng_int(rng, n)];
        tiles[tile + env->moves[a]] = MAZE_FLOOR;
        tiles[tile + 2 * env->moves[a]] |= MAZE_FLOOR;
        env->order[top++] = cell + env->cell_steps[a];
    }
}

/* Step 2: open extra_passages of the interior walls the tree left, chosen uniformly (a
 * partial Fisher-Yates shuffle). */
static void maze_open_loops(Maze *env, OceanRng *rng) {
    if (env->extra_passages == 0) return;
    uint8_t *tiles = env->tiles;
    int n = 0;
    for (int c = 0; c < env->num_cells; c++) {
        int tile = env->cell_tile[c];
        for (int a = MAZE_RIGHT; a <= MAZE_DOWN; a++) {   /* each interior wall once */
            int wall = tile + env->moves[a];
            if (tiles[wall] == MAZE_WALL && (tiles[wall + env->moves[a]] & MAZE_CELL_BIT))
                env->walls[n++] = wall;
        }
    }
    for (int i = 0; i < env->extra_passages && i < n; i++) {
        int j = i + ocean_rng_int(rng, n - i);
        int wall = env->walls[j];
        env->walls[j] = env->walls[i];
        tiles[wall] = MAZE_FLOOR;
    }
}

/* BFS over cells from `start` through open passages (doors closed). Fills env->order with
 * the cells reached, in order of distance, and env->dist; returns how many. */
static int maze_bfs(Maze *env, int start) {
    memset(env->dist, 0xff, (size_t)env->num_cells * sizeof(int32_t));   /* all -1 */
    const uint8_t *tiles = env->tiles;
    int head = 0, tail = 0;
    env->order[tail++] = start;
    env->dist[start] = 0;
    while (head < tail) {
        int cell = env->order[head++], tile = env->cell_tile[cell];
        for (int a = 0; a < MAZE_NUM_ACTIONS; a++) {
            int code = tiles[tile + env->moves[a]] & MAZE_CODE_MASK;
            int next = cell + env->cell_steps[a];
            if (code == MAZE_WALL || code == MAZE_DOOR || env->dist[next] >= 0) continue;
            env->dist[next] = env->dist[cell] + 1;
            env->order[tail++] = next;
        }
    }
    return tail;
}

/* Step 3's goal from a BFS out of the start: the farthest cell, or a uniform one at
 * distance >= min_goal_distance. The queue is in order of distance, so those are its tail. */
static int maze_pick_goal(Maze *env, OceanRng *rng, int reached) {
    int farthest = env->order[reached - 1];
    int d = env->min_goal_distance;
    if (d == 0 || env->dist[farthest] < d) return farthest;
    int first = reached - 1;
    while (env->dist[env->order[first - 1]] >= d) first--;
    return env->order[first + ocean_rng_int(rng, reached - first)];
}

/* Step 4: doors on every open passage into the goal cell. */
static void maze_set_doors(Maze *env, int code) {
    int tile = env->cell_tile[env->goal_cell];
    for (int a = 0; a < MAZE_NUM_ACTIONS; a++) {
        uint8_t *passage = &env->tiles[tile + env->moves[a]];
        if (*passage != MAZE_WALL) *passage = (uint8_t)code;
    }
}

/* Step 4's key: a uniform cell other than the start that the BFS reaches with the doors
 * closed; -1 if there is none. */
static int maze_place_key(Maze *env, OceanRng *rng) {
    maze_set_doors(env, MAZE_DOOR);
    int reached = maze_bfs(env, env->start_cell);
    if (reached < 2) {
        maze_set_doors(env, MAZE_FLOOR);
        return -1;
    }
    int key = env->order[1 + ocean_rng_int(rng, reached - 1)];
    env->tiles[env->cell_tile[key]] = MAZE_CELL_BIT | MAZE_KEY;
    return key;
}

static void maze_generate(Maze *env, OceanRng *rng) {
    maze_carve_tree(env, rng);
    maze_open_loops(env, rng);
    env->start_cell = ocean_rng_int(rng, env->num_cells);
    int reached = maze_bfs(env, env->start_cell);
    int farthest = env->order[reached - 1];
    env->goal_cell = maze_pick_goal(env, rng, reached);
    if (env->keys && maze_place_key(env, rng) < 0) {
        env->goal_cell = farthest;   /* then every other cell is reachable without the goal */
        maze_place_key(env, rng);
    }
    env->goal = env->cell_tile[env->goal_cell];
    env->tiles[env->goal] = MAZE_CELL_BIT | MAZE_GOAL;
}

static void maze_new_episode(Maze *env) {
    if (env->fixed_layout) {
        OceanRng layout_rng;
        ocean_rng_seed(&layout_rng, env->layout_seed, 0);
        maze_generate(env, &layout_rng);
    } else {
        maze_generate(env, &env->rng);
    }
    env->agent = env->cell_tile[env->start_cell];
    env->tiles[env->agent] |= MAZE_VISITED_BIT;
    env->cells_visited = 1;
    env->tick = 0;
    env->prev_action = MAZE_NO_ACTION;
    env->has_key = 0;
}

static void maze_compute_observations(Maze *env) {
    int view = env->view;
    const uint8_t *row = env->tiles + env->agent - env->pad * env->stride - env->pad;
    uint8_t *obs = env->obs;
    for (int r = 0; r < view; r++, row += env->stride, obs += view)
        for (int c = 0; c < view; c++) obs[c] = row[c] & MAZE_CODE_MASK;
    obs[0] = (uint8_t)env->prev_action;
    obs[1] = (uint8_t)env->has_key;
    if (env->position) {  /* tile coordinates: 1 .. 2 size - 1 <= 255, so a byte holds them */
        obs[2] = (uint8_t)(env->agent % env->stride - env->pad);
        obs[3] = (uint8_t)(env->agent / env->stride - env->pad);
    }
}

static void maze_reset(Maze *env) {
    maze_new_episode(env);
    env->rewards[0] = 0;
    env->terminals[0] = env->truncations[0] = 0;
    maze_compute_observations(env);
}

static void maze_step(Maze *env) {
    int action = env->actions[0];
    if ((unsigned)action >= MAZE_NUM_ACTIONS) action = MAZE_NO_ACTION;  /* never an index */
    int target = env->agent + env->moves[action];
    uint8_t tile = env->tiles[target];
    int code = tile & MAZE_CODE_MASK;
    if (code == MAZE_DOOR && env->has_key) {
        code = MAZE_FLOOR;   /* the key opens it for good */
        tile = (uint8_t)((tile & ~MAZE_CODE_MASK) | MAZE_FLOOR);
    }
    int terminal = 0;
    if (code != MAZE_WALL && code != MAZE_DOOR) {
        env->agent = target;
        if (code == MAZE_KEY) {
            env->has_key = 1;
            tile = (uint8_t)((tile & ~MAZE_CODE_MASK) | MAZE_FLOOR);
        }
        if ((tile & (MAZE_CELL_BIT | MAZE_VISITED_BIT)) == MAZE_CELL_BIT) {
            tile |= MAZE_VISITED_BIT;
            env->cells_visited++;
        }
        env->tiles[target] = tile;
        terminal = code == MAZE_GOAL;
    }
    env->prev_action = action;
    env->tick++;
    float reward = terminal ? MAZE_SUCCESS_REWARD
                              - MAZE_TIME_PENALTY * (float)env->tick / (float)env->max_steps
                            : 0.0f;
    int truncated = !terminal && env->tick >= env->max_steps;
    env->rewards[0] = reward;
    env->terminals[0] = (uint8_t)terminal;
    env->truncations[0] = (uint8_t)truncated;
    if (terminal || truncated) {
        MazeLog *log = env->log;
        log->success += (float)terminal;
        log->episode_length += (float)env->tick;
        log->episode_return += reward;
        log->coverage += (float)env->cells_visited / (float)env->num_cells;
        log->n += 1;
        maze_new_episode(env);
    }
    maze_compute_observations(env);
}

static void maze_close(Maze *env) {
    free(env->cell_tile);   /* the start of init's one block */
    env->cell_tile = NULL;
}

/* Ask for the tiles this env's next step will read (the window rows, the target among them)
 * while an earlier env steps: at 4096 envs the grids outgrow the cache. */
static inline void maze_prefetch(const Maze *env) {
    const uint8_t *row = env->tiles + env->agent - env->pad * env->stride - env->pad;
    for (int r = 0; r < env->view; r++, row += env->stride) ocean_prefetch(row);
}

/* ---- Drawing (render.h): the full maze, visited cells tinted, the view outlined. ---- */
#define MAZE_FRAME_TARGET 768   /* px on a side, at most; tiles 2..24 px */
#define MAZE_MAX_TILE_PX 24
static const OceanColor MAZE_TILE_COLORS[MAZE_NUM_CODES] = {
    {40, 40, 52}, {200, 200, 190}, {72, 200, 96}, {240, 200, 48}, {168, 104, 48},
};   /* wall, floor, goal, key, door */
static const OceanColor MAZE_VISITED_TINT = {96, 144, 240};
static const OceanColor MAZE_AGENT_COLOR = {224, 64, 64};
static const OceanColor MAZE_VIEW_COLOR = {240, 80, 200};

static int maze_tile_px(const double *config) {
    int side = 2 * (int)config[MAZE_SIZE] + 1;
    int px = MAZE_FRAME_TARGET / side;
    return ocean_clampi(px, 2, MAZE_MAX_TILE_PX);
}

static void maze_frame_size(const double *config, int *width, int *height) {
    *width = *height = (2 * (int)config[MAZE_SIZE] + 1) * maze_tile_px(config);
}

static void maze_render(const Maze *env, OceanCanvas *canvas) {
    int side = 2 * env->size + 1, px = canvas->width / side;
    for (int y = 0; y < side; y++) {
        const uint8_t *row = env->tiles + (y + env->pad) * env->stride + env->pad;
        for (int x = 0; x < side; x++) {
            ocean_cell(canvas, x, y, px, 0, MAZE_TILE_COLORS[row[x] & MAZE_CODE_MASK]);
            if (row[x] & MAZE_VISITED_BIT)
                ocean_rect_blend(canvas, (float)(x * px), (float)(y * px), (float)px,
                                 (float)px, MAZE_VISITED_TINT, 0.35f);
        }
    }
    int agent_x = env->agent % env->stride - env->pad, agent_y = env->agent / env->stride - env->pad;
    ocean_circle(canvas, ((float)agent_x + 0.5f) * (float)px, ((float)agent_y + 0.5f) * (float)px,
                 0.4f * (float)px, MAZE_AGENT_COLOR);
    int half = env->view / 2;
    ocean_rect_outline(canvas, (float)((agent_x - half) * px), (float)((agent_y - half) * px),
                       (float)(env->view * px), (float)(env->view * px),
                       px >= 8 ? 2.0f : 1.0f, MAZE_VIEW_COLOR);
}

OCEAN_DEFINE_GAME_PREFETCHING(maze, Maze, MazeLog, MAZE_CONFIG, MAZE_LOG_KEYS, MAZE_NUM_ACTIONS);

#endif /* OCEAN_MAZE_H */
