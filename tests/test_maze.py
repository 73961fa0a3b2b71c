"""Maze. Invariants that need the layout (walls, reachability, tree, goal, key and doors, exact
coverage, the BFS policy, fresh and fixed layouts) run in C, in tests/c/test_maze.c, against
independent code there; its dump mode feeds the slow Python reference for observation windows
below. Everything else goes through ocean.make like a user would; what every game owes is
in tests/test_contract.py."""
import numpy as np
import pytest

import ocean
import ocean.maze as maze
from ocean import ConfigError
from ocean.maze.scripted import wall_follower

WALL, FLOOR, GOAL, KEY, DOOR = range(5)


@pytest.fixture(scope="module")
def test_maze(c_program):
    return c_program("tests/c/test_maze.c")


@pytest.mark.parametrize("mode", ["layouts", "policy", "rules", "door", "fresh"])
def test_c_invariants(test_maze, mode):
    out = test_maze(mode)
    assert out.startswith(mode + ":"), out


# ---- observations against a slow reference built from the layout ----

def reference_observation(layout, side, view, x, y, prev_action, has_key):
    half, window = view // 2, []
    for dy in range(-half, half + 1):
        for dx in range(-half, half + 1):
            tx, ty = x + dx, y + dy
            inside = 0 <= tx < side and 0 <= ty < side
            window.append(layout[ty * side + tx] if inside else WALL)
    return window + [prev_action, has_key]


@pytest.mark.parametrize("size,view,loops,keys", [
    (2, 31, 0.0, 1),     # the window is wider than the whole maze
    (3, 7, 0.5, 1),
    (5, 5, 0.3, 0),
    (8, 3, 1.0, 0),
])
def test_observation_matches_reference_window(test_maze, size, view, loops, keys):
    lines = test_maze("dump", size, view, loops, keys, 17, 400).splitlines()
    side, seen = 2 * size + 1, set()
    for line in lines:
        values = [int(v) for v in line.split()]
        _, _, x, y, prev_action, has_key = values[:6]
        layout = values[6:6 + side * side]
        obs = values[6 + side * side:]
        assert obs == reference_observation(layout, side, view, x, y, prev_action, has_key)
        seen.update(obs[:view * view])
    want = {WALL, FLOOR, GOAL, KEY, DOOR} if keys else {WALL, FLOOR, GOAL}
    assert want <= seen  # the walk saw every kind of tile the config has
    assert len(lines) == 401


# ---- the public API ----

def rollout(env, steps, seed):
    rng = np.random.default_rng(seed)
    trace = []
    obs, _ = env.reset()
    for _ in range(steps):
        obs, rewards, terminals, truncations, _ = env.step(
            rng.integers(0, 4, env.num_envs))
        trace.append((obs.copy(), rewards.copy(), terminals.copy(), truncations.copy()))
    return trace


def test_spaces_match_the_header():
    env = ocean.make("maze", num_envs=2, seed=0, view=7)
    space = env.single_observation_space
    assert space.shape == (51,) and space.dtype == np.uint8
    assert list(space.high[:49]) == [DOOR] * 49
    assert space.high[49] == maze.NO_ACTION and space.high[50] == 1
    assert env.single_action_space.n == 4
    obs, _ = env.reset()
    assert obs.shape == (2, 51) and obs.dtype == np.uint8
    assert (obs[:, 49] == maze.NO_ACTION).all() and (obs[:, 50] == 0).all()
    assert (obs[:, 24] == FLOOR).all()  # the agent's own tile, the window's centre


def test_declared_bounds_hold_and_are_reached_over_long_random_runs():
    env = ocean.make("maze", num_envs=128, seed=3, size=3, view=5, loops=0.5, keys=1,
                     min_goal_distance=1, max_steps=60)
    space = env.single_observation_space
    low, high = space.low, space.high
    reached = np.zeros_like(high)
    for obs, _, _, _ in rollout(env, 3000, seed=4):
        assert (obs >= low).all() and (obs <= high).all()
        np.maximum(reached, obs.max(axis=0), out=reached)
    window = reached[:25]
    assert window[12] == FLOOR                 # the agent's tile (an opened door is floor)
    assert (np.delete(window, 12) == DOOR).all()   # doors everywhere else, now and then
    assert reached[25] == maze.NO_ACTION and reached[26] == 1
    assert space.contains(obs[0])


def first_episode_ends(env, policy, steps):
    """Each env's first episode end under policy(obs, view): {env: (step, terminal, reward)}."""
    first_end = {}
    obs, _ = env.reset()
    for step in range(1, steps + 1):
        obs, rewards, terminals, truncations, _ = env.step(policy(obs, env.config["view"]))
        for i in np.flatnonzero(terminals | truncations):
            first_end.setdefault(int(i), (step, bool(terminals[i]), float(rewards[i])))
        if len(first_end) == env.num_envs:
            break
    return first_end


@pytest.mark.parametrize("size,keys", [(5, 0), (9, 0), (6, 1)])
def test_wall_following_reaches_the_goal_in_every_tree_maze(size, keys):
    """From observations alone. In a tree the left-hand rule walks the Euler tour: every
    tile within 4 (cells - 1) steps; with a key, one tour to find it, at most one more to
    reach the goal."""
    cells, max_steps = size * size, 8 * size * size
    env = ocean.make("maze", num_envs=300, seed=size, size=size, keys=keys,
                     max_steps=max_steps)
    ends = first_episode_ends(env, wall_follower, max_steps)
    assert len(ends) == env.num_envs
    bound = 4 * (cells - 1) * (2 if keys else 1)
    for step, terminal, reward in ends.values():
        assert terminal and step <= bound
        assert reward == pytest.approx(1 - 0.9 * step / max_steps, abs=1e-6)


def test_position_bytes_track_the_agent_and_leave_the_rest_unchanged():
    """position=1 appends the agent's tile (x, y): it starts on a cell (odd x, y), moves by
    one tile exactly when the window shows no wall that way, and the other bytes are the
    ones the same env gives without position."""
    kwargs = dict(num_envs=64, seed=3, size=7)
    plain, located = ocean.make("maze", **kwargs), ocean.make("maze", position=True, **kwargs)
    assert located.single_observation_space.shape == (29,)
    assert located.single_observation_space.high[-1] == 13
    before = located.reset()[0].copy()  # the env reuses its buffer
    assert (before[:, -2:] % 2 == 1).all()
    assert (plain.reset()[0] == before[:, :-2]).all()
    rng = np.random.default_rng(0)
    steps = {0: (0, -1), 1: (1, 0), 2: (0, 1), 3: (-1, 0)}
    neighbour = {0: 7, 1: 13, 2: 17, 3: 11}   # index of that tile in the 5x5 window
    for _ in range(300):
        actions = rng.integers(0, 4, 64)
        after, _, terminals, truncations, _ = located.step(actions)
        assert (plain.step(actions)[0] == after[:, :-2]).all()
        for i in np.flatnonzero(~(terminals | truncations)):
            a = int(actions[i])
            open_way = before[i, neighbour[a]] != maze.WALL
            expect = before[i, -2:].astype(int) + (np.array(steps[a]) if open_way else 0)
            assert (after[i, -2:] == expect).all()
        before = after.copy()
    assert located.observations[:, -2:].max() <= 13


def test_truncation_at_max_steps_with_the_logs():
    env = ocean.make("maze", num_envs=32, seed=0, size=16, max_steps=10)
    trace = rollout(env, 30, seed=1)
    for t, (_, rewards, terminals, truncations) in enumerate(trace, start=1):
        assert not terminals.any() and (rewards == 0).all()  # the goal is >= 30 steps away
        assert truncations.all() == (t % 10 == 0) and truncations.any() == (t % 10 == 0)
    env.reset()
    rng = np.random.default_rng(0)
    infos = [env.step(rng.integers(0, 4, 32))[4] for _ in range(10)]
    assert infos[:9] == [{}] * 9
    info = infos[9]
    assert set(info) == {"success", "episode_length", "episode_return", "coverage", "episodes"}
    assert info["episodes"] == 32 and info["episode_length"] == 10
    assert info["success"] == 0 and info["episode_return"] == 0
    assert 1 / 256 <= info["coverage"] <= 6 / 256  # 10 moves reach at most 5 more cells


def test_fixed_layout_repeats_one_maze_in_every_env_and_episode():
    def first_obs(seed, **config):
        env = ocean.make("maze", num_envs=8, seed=seed, size=5, keys=1, **config)
        return env, env.reset()[0].copy()
    env, start = first_obs(0, fixed_layout=True, layout_seed=7)
    assert (start == start[0]).all()
    assert np.array_equal(first_obs(1, fixed_layout=True, layout_seed=7)[1], start)
    assert not np.array_equal(first_obs(0, fixed_layout=True, layout_seed=8)[1], start)
    rng, restarts = np.random.default_rng(2), 0
    for _ in range(400):
        obs, _, terminals, truncations, _ = env.step(rng.integers(0, 4, 8))
        done = terminals | truncations
        assert (obs[done] == start[0]).all()
        restarts += done.sum()
    assert restarts > 0
    _, fresh = first_obs(0)
    assert len({row.tobytes() for row in fresh}) > 1


def test_max_steps_defaults_to_a_multiple_of_the_cells():
    assert ocean.make("maze", size=6).config["max_steps"] == maze.STEPS_PER_CELL * 36
    assert ocean.make("maze", size=6, max_steps=50).config["max_steps"] == 50
    table = ocean.default_config("maze")
    assert table["max_steps"][0] == maze.STEPS_PER_CELL * table["size"][0] ** 2
    assert ocean.make("maze").config["max_steps"] == table["max_steps"][0]


@pytest.mark.parametrize("config,words", [
    ({"view": 4}, ["'view'", "odd", "4"]),
    ({"size": 4, "min_goal_distance": 16}, ["'min_goal_distance'", "15", "16"]),
])
def test_rules_between_config_keys_are_clear_errors(config, words):
    with pytest.raises(ConfigError) as error:
        ocean.make("maze", **config)
    for word in words:
        assert word in str(error.value)


def test_presets_are_valid_and_medium_is_the_default():
    assert set(maze.PRESETS) == {"easy", "medium", "hard", "explore"}
    defaults = {key: value[0] for key, value in ocean.default_config("maze").items()}
    medium = ocean.make("maze", **maze.PRESETS["medium"]).config
    assert medium == ocean.make("maze").config
    for key, value in maze.PRESETS["medium"].items():
        assert defaults[key] == value
    for name, preset in maze.PRESETS.items():
        env = ocean.make("maze", num_envs=2, seed=0, **preset)
        env.reset()
        env.step(np.zeros(2, dtype=np.int64))
