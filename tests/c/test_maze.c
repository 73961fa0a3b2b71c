/* test_maze.c: Maze invariants that need the layout, checked against independent code here
 * (plain (x, y) coordinates and bounds checks, none of maze.h's margin and offset tricks).
 *
 *   test_maze layouts     every generated maze: walls, reachability, tree, goal, key, doors
 *   test_maze policy      a BFS policy reaches the goal in every maze; reward, log, coverage
 *   test_maze rules       random moves against a reference step model; exact coverage
 *   test_maze door        the door blocks until the key is held
 *   test_maze fresh       a new layout every episode; the same one with fixed_layout
 *   test_maze dump SIZE VIEW LOOPS KEYS SEED STEPS
 *                         prints layout, agent and observation after each random step, for
 *                         the Python reference in tests/test_maze.py
 * Exit status 0 when every check holds; a failed check prints what and where, and makes it 1. */
#include "ocean/maze/maze.h"
#include "harness.h"

#define MAX_SIDE (2 * MAZE_MAX_SIZE + 1)

typedef struct {
    int size, view, max_steps, keys, min_goal_distance, fixed_layout;
    double loops, layout_seed;
} Setup;

typedef struct {
    Setup setup;
    Maze env;
    HarnessEnv rows;
} Harness;

static Setup setup_default(int size) {
    Setup s = {size, 5, MAZE_STEPS_PER_CELL * size * size, 0, 0, 0, 0.0, 0.0};
    return s;
}

static void open_maze(Harness *h, Setup setup, uint64_t seed) {
    h->setup = setup;
    double config[HARNESS_MAX_CONFIG];
    harness_config(&maze_game, config, NULL);
    config[MAZE_SIZE] = setup.size;
    config[MAZE_LOOPS] = setup.loops;
    config[MAZE_VIEW] = setup.view;
    config[MAZE_MAX_STEPS] = setup.max_steps;
    config[MAZE_FIXED_LAYOUT] = setup.fixed_layout;
    config[MAZE_KEYS] = setup.keys;
    config[MAZE_MIN_GOAL_DISTANCE] = setup.min_goal_distance;
    config[MAZE_LAYOUT_SEED] = setup.layout_seed;
    config[MAZE_POSITION] = 0;
    CHECK(maze_obs_bytes(config) == (size_t)(setup.view * setup.view + 2), "obs bytes");
    harness_open(&h->rows, &maze_game, &h->env, config, seed);
}

static void close_maze(Harness *h) { harness_close(&h->rows); }

/* ---- the layout in plain coordinates: (x, y) on the (2 size + 1)^2 tile grid ---- */
static int side(const Harness *h) { return 2 * h->setup.size + 1; }

static int tile_byte(const Harness *h, int x, int y) {
    if (x < 0 || y < 0 || x >= side(h) || y >= side(h)) return MAZE_WALL;
    const Maze *env = &h->env;
    return env->tiles[(y + env->pad) * env->stride + x + env->pad];
}

static int code_at(const Harness *h, int x, int y) { return tile_byte(h, x, y) & MAZE_CODE_MASK; }

static void tile_xy(const Harness *h, int index, int *x, int *y) {
    *x = index % h->env.stride - h->env.pad;
    *y = index / h->env.stride - h->env.pad;
}

static const int DX[4] = {0, 1, 0, -1}, DY[4] = {-1, 0, 1, 0};   /* up right down left */

/* BFS over tiles from (x0, y0); passable(code) decides. dist is side*side, -1 unreached. */
typedef int (*Passable)(int code, int has_key);
static int pass_all(int code, int has_key) { (void)has_key; return code != MAZE_WALL; }
static int pass_rules(int code, int has_key) {
    return code != MAZE_WALL && (code != MAZE_DOOR || has_key);
}
static int pass_no_doors(int code, int has_key) {
    (void)has_key;
    return code != MAZE_WALL && code != MAZE_DOOR;
}

static int queue_x[MAX_SIDE * MAX_SIDE], queue_y[MAX_SIDE * MAX_SIDE];
static int tile_dist[MAX_SIDE * MAX_SIDE];

static void bfs_tiles(const Harness *h, int x0, int y0, Passable passable, int has_key,
                      int avoid_x, int avoid_y) {
    int n = side(h), head = 0, tail = 0;
    for (int i = 0; i < n * n; i++) tile_dist[i] = -1;
    tile_dist[y0 * n + x0] = 0;
    queue_x[tail] = x0, queue_y[tail++] = y0;
    while (head < tail) {
        int x = queue_x[head], y = queue_y[head++];
        for (int d = 0; d < 4; d++) {
            int nx = x + DX[d], ny = y + DY[d];
            if (nx < 0 || ny < 0 || nx >= n || ny >= n || tile_dist[ny * n + nx] >= 0) continue;
            if (!passable(code_at(h, nx, ny), has_key) || (nx == avoid_x && ny == avoid_y))
                continue;
            tile_dist[ny * n + nx] = tile_dist[y * n + x] + 1;
            queue_x[tail] = nx, queue_y[tail++] = ny;
        }
    }
}

static int find_code(const Harness *h, int code, int *x, int *y) {
    int count = 0;
    for (int j = 0; j < side(h); j++)
        for (int i = 0; i < side(h); i++)
            if (code_at(h, i, j) == code) { *x = i, *y = j; count++; }
    return count;
}

/* Everything the spec says about a fresh episode's layout and state. */
static void check_layout(const Harness *h) {
    const Maze *env = &h->env;
    const Setup *s = &h->setup;
    int n = side(h), cells = s->size * s->size;
    /* the margin around the maze: walls, no flags */
    for (int y = -env->pad; y < n + env->pad; y++)
        for (int x = -env->pad; x < n + env->pad; x++)
            if (x < 0 || y < 0 || x >= n || y >= n)
                CHECK(env->tiles[(y + env->pad) * env->stride + x + env->pad] == MAZE_WALL,
                      "margin tile (%d,%d) is not a wall", x, y);
    int passages = 0, visited_bits = 0;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            int byte = tile_byte(h, x, y), code = byte & MAZE_CODE_MASK;
            int border = x == 0 || y == 0 || x == n - 1 || y == n - 1;
            int is_cell = x % 2 == 1 && y % 2 == 1, pillar = x % 2 == 0 && y % 2 == 0;
            CHECK(code < MAZE_NUM_CODES, "bad code %d", code);
            CHECK(!(byte & MAZE_CELL_BIT) == !is_cell, "cell bit wrong at (%d,%d)", x, y);
            visited_bits += (byte & MAZE_VISITED_BIT) != 0;
            if (border || pillar) CHECK(code == MAZE_WALL, "(%d,%d) must be a wall", x, y);
            else if (is_cell)
                CHECK(code == MAZE_FLOOR || code == MAZE_GOAL || code == MAZE_KEY,
                      "cell (%d,%d) has code %d", x, y, code);
            else {
                CHECK(code == MAZE_WALL || code == MAZE_FLOOR || code == MAZE_DOOR,
                      "passage (%d,%d) has code %d", x, y, code);
                passages += code != MAZE_WALL;
            }
        }
    int interior = (s->size - 1) * (s->size - 1);
    int extra = (int)floor(s->loops * interior + 0.5);
    CHECK(passages == cells - 1 + extra, "%d passages, want %d - 1 + %d (size %d loops %g)",
          passages, cells, extra, s->size, s->loops);
    if (s->loops == 0) CHECK(passages == cells - 1, "loops=0 must give a tree");

    /* the start: a cell, the agent on it, nothing held, only it visited */
    int ax, ay;
    tile_xy(h, env->agent, &ax, &ay);
    CHECK(ax % 2 == 1 && ay % 2 == 1, "agent at (%d,%d) is not on a cell", ax, ay);
    CHECK(env->agent == env->cell_tile[env->start_cell], "agent not at the start cell");
    CHECK(env->tick == 0 && env->has_key == 0 && env->prev_action == MAZE_NO_ACTION &&
          env->cells_visited == 1, "fresh episode state");
    CHECK(visited_bits == 1 && (tile_byte(h, ax, ay) & MAZE_VISITED_BIT), "visited flags");

    /* every open tile is reachable from the start (doors count as open) */
    bfs_tiles(h, ax, ay, pass_all, 0, -1, -1);
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
            if (code_at(h, x, y) != MAZE_WALL)
                CHECK(tile_dist[y * n + x] >= 0, "(%d,%d) unreachable from the start", x, y);

    /* the goal: one, a cell, not the start, at the distance the config asks (in cell moves:
     * tile distance / 2, doors open, since a door is just a passage to measure through) */
    int gx, gy;
    REQUIRE(find_code(h, MAZE_GOAL, &gx, &gy) == 1, "want exactly one goal");
    CHECK(env->goal == (gy + env->pad) * env->stride + gx + env->pad, "goal index");
    CHECK(!(gx == ax && gy == ay), "goal on the start");
    int farthest = 0;
    for (int y = 1; y < n; y += 2)
        for (int x = 1; x < n; x += 2)
            if (tile_dist[y * n + x] > farthest) farthest = tile_dist[y * n + x];
    int goal_moves = tile_dist[gy * n + gx] / 2, farthest_moves = farthest / 2;
    if (s->min_goal_distance == 0 || farthest_moves < s->min_goal_distance)
        CHECK(goal_moves == farthest_moves, "goal %d cell moves away, farthest is %d",
              goal_moves, farthest_moves);
    else
        CHECK(goal_moves >= s->min_goal_distance, "goal %d cell moves away, want >= %d",
              goal_moves, s->min_goal_distance);

    /* key and doors */
    int kx, ky, keys = find_code(h, MAZE_KEY, &kx, &ky), doors = 0;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) doors += code_at(h, x, y) == MAZE_DOOR;
    if (!s->keys) {
        CHECK(keys == 0 && doors == 0, "keys=0 but %d keys, %d doors", keys, doors);
        return;
    }
    REQUIRE(keys == 1, "keys=1 but %d keys", keys);
    CHECK(!(kx == ax && ky == ay) && !(kx == gx && ky == gy), "key on the start or goal");
    int entrances = 0;
    for (int d = 0; d < 4; d++) {
        int code = code_at(h, gx + DX[d], gy + DY[d]);
        CHECK(code == MAZE_WALL || code == MAZE_DOOR, "an open way into the goal");
        entrances += code == MAZE_DOOR;
    }
    CHECK(entrances >= 1 && entrances == doors, "%d doors, %d around the goal", doors, entrances);
    bfs_tiles(h, ax, ay, pass_no_doors, 0, -1, -1);
    CHECK(tile_dist[ky * n + kx] >= 0, "key unreachable without passing a door");
}

static void run_layouts(void) {
    const int sizes[] = {2, 3, 4, 5, 8, 13, 16, 32};
    const double loops[] = {0.0, 0.25, 1.0};
    const int views[] = {3, 5, 9}, distances[] = {0, 1, 5};
    long checked = 0;
    for (size_t a = 0; a < OCEAN_COUNT(sizes); a++)
        for (size_t b = 0; b < OCEAN_COUNT(loops); b++)
            for (int keys = 0; keys <= 1; keys++)
                for (size_t c = 0; c < OCEAN_COUNT(views); c++)
                    for (size_t d = 0; d < OCEAN_COUNT(distances); d++) {
                        Setup s = setup_default(sizes[a]);
                        s.loops = loops[b], s.keys = keys, s.view = views[c];
                        s.min_goal_distance = distances[d];
                        if (s.min_goal_distance > s.size * s.size - 1) continue;
                        Harness h;
                        open_maze(&h, s, 1000 * a + 100 * b + 10 * c + d);
                        int episodes = sizes[a] >= 16 ? 4 : 25;
                        for (int e = 0; e < episodes; e++, checked++) {
                            check_layout(&h);
                            maze_reset(&h.env);
                        }
                        close_maze(&h);
                    }
    printf("layouts: %ld mazes checked\n", checked);
}

/* ---- stepping ---- */
static void step_maze(Harness *h, int action) {
    h->rows.actions[0] = action;
    maze_step(&h->env);
}

/* The first move of a shortest path to (tx, ty), or -1 if unreachable. */
static int bfs_move(const Harness *h, int tx, int ty, Passable passable, int avoid_x,
                    int avoid_y) {
    int n = side(h), ax, ay;
    tile_xy(h, h->env.agent, &ax, &ay);
    bfs_tiles(h, tx, ty, passable, h->env.has_key, avoid_x, avoid_y);   /* from the target */
    int here = tile_dist[ay * n + ax];
    if (here <= 0) return -1;   /* unreachable, or already there */
    for (int d = 0; d < 4; d++) {
        int nx = ax + DX[d], ny = ay + DY[d];
        if (nx >= 0 && ny >= 0 && nx < n && ny < n && tile_dist[ny * n + nx] == here - 1)
            return d;
    }
    return -1;
}

static int bfs_policy(const Harness *h) {
    int tx, ty;
    if (h->setup.keys && !h->env.has_key) find_code(h, MAZE_KEY, &tx, &ty);
    else find_code(h, MAZE_GOAL, &tx, &ty);
    return bfs_move(h, tx, ty, pass_rules, -1, -1);
}

static float expected_reward(const Harness *h, int t) {
    return MAZE_SUCCESS_REWARD - MAZE_TIME_PENALTY * (float)t / (float)h->setup.max_steps;
}

/* Steps with `policy` until the episode ends; checks the end and returns 1 on success. The
 * test keeps its own visited set to check coverage. */
static int play_episode(Harness *h, int (*policy)(const Harness *), OceanRng *rng) {
    static uint8_t seen[MAZE_MAX_SIZE * MAZE_MAX_SIZE];
    int size = h->setup.size, cells = size * size, visited = 1, ax, ay;
    memset(seen, 0, (size_t)cells);
    tile_xy(h, h->env.agent, &ax, &ay);
    seen[(ay / 2) * size + ax / 2] = 1;
    for (int t = 1;; t++) {
        int action = policy ? policy(h) : ocean_rng_int(rng, MAZE_NUM_ACTIONS);
        REQUIRE(action >= 0, "the BFS policy found no path (t=%d)", t);
        /* a reference step model: where must the agent be after this move? */
        int tx = ax + DX[action], ty = ay + DY[action], code = code_at(h, tx, ty);
        int moves = code != MAZE_WALL && (code != MAZE_DOOR || h->env.has_key);
        int had_key = h->env.has_key;
        MazeLog before = *h->env.log;
        step_maze(h, action);
        if (moves) {
            ax = tx, ay = ty;
            if (ax % 2 == 1 && ay % 2 == 1 && !seen[(ay / 2) * size + ax / 2]) {
                seen[(ay / 2) * size + ax / 2] = 1;
                visited++;
            }
        }
        int goal = moves && code == MAZE_GOAL;
        int terminal = h->env.terminals[0], truncated = h->env.truncations[0];
        float reward = h->env.rewards[0];
        CHECK(terminal == goal, "terminal %d at t=%d, goal reached %d", terminal, t, goal);
        CHECK(truncated == (!goal && t >= h->setup.max_steps), "truncation at t=%d", t);
        if (goal) CHECK(reward == expected_reward(h, t), "reward %g at t=%d", reward, t);
        else CHECK(reward == 0, "reward %g before the goal", reward);
        if (terminal || truncated) {
            const MazeLog *log = h->env.log;
            CHECK(log->n == before.n + 1 && log->success == before.success + (float)goal &&
                  log->episode_length == before.episode_length + (float)t &&
                  log->episode_return == before.episode_return + reward,
                  "episode log at t=%d", t);
            float coverage = (float)visited / (float)cells;
            CHECK(log->coverage == before.coverage + coverage,
                  "coverage %g, want %g (%d of %d cells)", log->coverage - before.coverage,
                  coverage, visited, cells);
            return goal;
        }
        int x, y;
        tile_xy(h, h->env.agent, &x, &y);
        CHECK(x == ax && y == ay, "agent at (%d,%d), reference says (%d,%d) after action %d",
              x, y, ax, ay, action);
        CHECK(h->env.has_key == (had_key || (moves && code == MAZE_KEY)), "key pick-up");
        CHECK(h->env.obs[h->setup.view * h->setup.view] == action, "previous action in obs");
        CHECK(h->env.obs[h->setup.view * h->setup.view + 1] == h->env.has_key, "has-key in obs");
        CHECK(h->env.cells_visited == visited, "cells visited %d, want %d",
              h->env.cells_visited, visited);
    }
}

static void run_policy(void) {
    const int sizes[] = {2, 3, 5, 8, 12, 16};
    const double loops[] = {0.0, 0.3};
    long episodes = 0;
    for (size_t a = 0; a < OCEAN_COUNT(sizes); a++)
        for (size_t b = 0; b < OCEAN_COUNT(loops); b++)
            for (int keys = 0; keys <= 1; keys++)
                for (int mgd = 0; mgd <= 1; mgd++) {
                    Setup s = setup_default(sizes[a]);
                    s.loops = loops[b], s.keys = keys, s.min_goal_distance = mgd;
                    s.max_steps = 1000000;   /* the BFS path is never that long */
                    Harness h;
                    open_maze(&h, s, 7 + a * 16 + b * 4 + (size_t)keys * 2 + (size_t)mgd);
                    for (int e = 0; e < 30; e++, episodes++) {
                        check_layout(&h);
                        CHECK(play_episode(&h, bfs_policy, NULL), "BFS policy failed");
                    }
                    close_maze(&h);
                }
    printf("policy: BFS reached the goal in %ld of %ld mazes\n", episodes, episodes);
}

static void run_rules(void) {
    const int sizes[] = {2, 3, 4, 6};
    long episodes = 0, successes = 0;
    OceanRng rng;
    ocean_rng_seed(&rng, 99, 0);
    for (size_t a = 0; a < OCEAN_COUNT(sizes); a++)
        for (int keys = 0; keys <= 1; keys++)
            for (int view = 3; view <= 7; view += 4) {
                Setup s = setup_default(sizes[a]);
                s.keys = keys, s.view = view, s.loops = 0.5, s.min_goal_distance = 1;
                Harness h;
                open_maze(&h, s, 3 + a * 4 + (size_t)keys * 2 + (size_t)view);
                for (int e = 0; e < 400; e++, episodes++) {
                    check_layout(&h);
                    successes += play_episode(&h, NULL, &rng);
                }
                close_maze(&h);
            }
    /* with goals anywhere in tiny mazes, a random walk must succeed sometimes and fail
     * sometimes, or the checks above did not see both kinds of ending */
    CHECK(successes > 0 && successes < episodes, "%ld of %ld random episodes succeeded",
          successes, episodes);
    printf("rules: %ld random episodes (%ld reached the goal)\n", episodes, successes);
}

/* keys=1: walk up to a door without the key (never stepping on it), bump into the door: the
 * agent stays and the door stays closed. Then fetch the key and walk through. */
static void run_door(void) {
    int tested = 0, mazes = 0;
    for (int size = 3; size <= 8; size++) {
        Setup s = setup_default(size);
        s.keys = 1, s.max_steps = 1000000;
        Harness h;
        open_maze(&h, s, 500 + (uint64_t)size);
        for (int e = 0; e < 40; e++, mazes++) {
            int n = side(&h), gx, gy, kx, ky, door = -1;
            find_code(&h, MAZE_GOAL, &gx, &gy);
            find_code(&h, MAZE_KEY, &kx, &ky);
            for (int d = 0; d < 4 && door < 0; d++)
                if (code_at(&h, gx + DX[d], gy + DY[d]) == MAZE_DOOR) door = d;
            /* the cell in front of the door, seen from outside the goal */
            int fx = gx + 2 * DX[door], fy = gy + 2 * DY[door];
            int dx = gx + DX[door], dy = gy + DY[door];
            int ax, ay, move, steps = 0;
            tile_xy(&h, h.env.agent, &ax, &ay);
            bfs_tiles(&h, ax, ay, pass_no_doors, 0, kx, ky);
            if (tile_dist[fy * n + fx] < 0) {   /* the key is on the way: try another maze */
                maze_reset(&h.env);
                continue;
            }
            while ((move = bfs_move(&h, fx, fy, pass_no_doors, kx, ky)) >= 0) {
                step_maze(&h, move);
                REQUIRE(++steps < 100000, "stuck walking to the door");
            }
            int agent = h.env.agent;
            tile_xy(&h, agent, &ax, &ay);
            CHECK(ax == fx && ay == fy && !h.env.has_key, "did not reach the door keyless");
            int view = h.setup.view, offsets[4] = {-view, 1, view, -1};
            int ahead = (view / 2) * view + view / 2 + offsets[(door + 2) % 4];
            CHECK(h.env.obs[ahead] == MAZE_DOOR, "the observation shows %d ahead, not a door",
                  h.env.obs[ahead]);
            for (int bump = 0; bump < 3; bump++) {
                step_maze(&h, (door + 2) % 4);   /* towards the goal, into the door */
                CHECK(h.env.agent == agent && code_at(&h, dx, dy) == MAZE_DOOR
                      && !h.env.terminals[0], "a door let the agent through without the key");
            }
            int through_door = 0;   /* loops=0, farthest goal: a leaf, one door */
            while (!h.env.terminals[0] && !h.env.truncations[0]) {
                step_maze(&h, bfs_policy(&h));
                tile_xy(&h, h.env.agent, &ax, &ay);
                if (ax == dx && ay == dy && !h.env.terminals[0]) {
                    CHECK(h.env.has_key && code_at(&h, dx, dy) == MAZE_FLOOR, "door not open");
                    through_door = 1;
                }
            }
            CHECK(h.env.terminals[0] && through_door, "did not reach the goal through the door");
            tested++;
        }
        close_maze(&h);
    }
    CHECK(tested >= 50, "only %d of %d mazes had the key off the way to the door", tested, mazes);
    printf("door: blocked without the key in %d mazes\n", tested);
}

/* The codes of the current layout, the start and the goal, in `out` (side^2 + 2 ints). */
static int snapshot(const Harness *h, int *out) {
    int n = side(h), k = 0;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) out[k++] = code_at(h, x, y);
    out[k++] = h->env.agent;
    out[k++] = h->env.goal;
    return k;
}

static void run_fresh(void) {
    static int first[MAX_SIDE * MAX_SIDE + 2], other[MAX_SIDE * MAX_SIDE + 2];
    OceanRng rng;
    ocean_rng_seed(&rng, 5, 0);
    /* fresh: each episode's layout differs from the one before (size 6: 1 in millions) */
    for (int keys = 0; keys <= 1; keys++) {
        Setup s = setup_default(6);
        s.keys = keys, s.max_steps = 50;
        Harness h;
        open_maze(&h, s, 11);
        int k = snapshot(&h, first);
        for (int e = 0; e < 200; e++) {
            if (e % 2) maze_reset(&h.env);
            else play_episode(&h, NULL, &rng);   /* ends by the goal or truncation */
            snapshot(&h, other);
            CHECK(memcmp(first, other, (size_t)k * sizeof(int)) != 0, "layout repeated");
            memcpy(first, other, (size_t)k * sizeof(int));
        }
        close_maze(&h);
    }
    /* fixed: the same layout in every episode of every env, whatever the env's own seed,
     * also after the key was taken and the door opened; another layout_seed differs */
    Setup s = setup_default(6);
    s.keys = 1, s.fixed_layout = 1, s.layout_seed = 123, s.max_steps = 1000000;
    Harness a, b, c;
    open_maze(&a, s, 1);
    open_maze(&b, s, 2);
    s.layout_seed = 124;
    open_maze(&c, s, 1);
    int k = snapshot(&a, first);
    snapshot(&c, other);
    CHECK(memcmp(first, other, (size_t)k * sizeof(int)) != 0, "layout_seed ignored");
    for (int e = 0; e < 20; e++) {
        snapshot(&b, other);
        CHECK(memcmp(first, other, (size_t)k * sizeof(int)) == 0, "env seed changed the layout");
        snapshot(&a, other);
        CHECK(memcmp(first, other, (size_t)k * sizeof(int)) == 0, "fixed layout changed");
        check_layout(&a);
        CHECK(play_episode(&a, bfs_policy, NULL), "BFS policy failed on the fixed layout");
        if (e % 2) play_episode(&b, NULL, &rng);
        else maze_reset(&b.env);
    }
    close_maze(&a);
    close_maze(&b);
    close_maze(&c);
    printf("fresh: new layouts each episode; fixed_layout repeats one\n");
}

/* One line per step: the layout's codes row-major, the agent (x y), previous action, key
 * held, then the observation, all space-separated. */
static void run_dump(void) {
    REQUIRE(harness_argc == 6, "dump SIZE VIEW LOOPS KEYS SEED STEPS");
    Setup s = setup_default((int)harness_arg(0, 0));
    s.view = (int)harness_arg(1, 0), s.loops = harness_arg(2, 0), s.keys = (int)harness_arg(3, 0);
    s.min_goal_distance = 1;
    uint64_t seed = (uint64_t)harness_arg(4, 0);
    Harness h;
    open_maze(&h, s, seed);
    OceanRng rng;
    ocean_rng_seed(&rng, seed, 1);
    int steps = (int)harness_arg(5, 0), n = side(&h), obs_size = s.view * s.view + 2;
    for (int t = 0; t <= steps; t++) {
        if (t > 0) step_maze(&h, ocean_rng_int(&rng, MAZE_NUM_ACTIONS));
        int ax, ay;
        tile_xy(&h, h.env.agent, &ax, &ay);
        printf("%d %d %d %d %d %d", s.size, s.view, ax, ay, h.env.prev_action, h.env.has_key);
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++) printf(" %d", code_at(&h, x, y));
        for (int i = 0; i < obs_size; i++) printf(" %d", h.env.obs[i]);
        printf("\n");
    }
    close_maze(&h);
}

int main(int argc, char **argv) {
    static const HarnessMode modes[] = {
        {"layouts", "", run_layouts},
        {"policy", "", run_policy},
        {"rules", "", run_rules},
        {"door", "", run_door},
        {"fresh", "", run_fresh},
        {"dump", "SIZE VIEW LOOPS KEYS SEED STEPS", run_dump},
    };
    return harness_main(argc, argv, modes, (int)OCEAN_COUNT(modes));
}
