"""Snake as a user sees it: one agent per snake, every observation code emitted, the log,
death at the wall, the rules between config keys. The rules and the per-step invariants need
the game's internal state, so they run in C (tests/c/test_snake.c); what every game owes is
in tests/test_contract.py."""
import numpy as np
import pytest

import ocean

SMALL = dict(width=16, height=12, num_snakes=6, num_food=10)


def random_run(env, steps):
    """(observations, rewards, terminals, infos) of a reset and `steps` random steps (the
    same actions every call), copied."""
    rng = np.random.default_rng(0)
    obs, _ = env.reset()
    trajectory = [obs.copy()], [], [], []
    for _ in range(steps):
        obs, rewards, terminals, truncations, info = env.step(
            rng.integers(0, 4, size=env.num_agents))
        assert not truncations.any()
        for store, value in zip(trajectory, (obs, rewards, terminals, info)):
            store.append(value.copy())
    return trajectory


def test_c_invariants_over_a_million_random_agent_steps(c_program):
    out = c_program("tests/c/test_snake.c")("invariants", 1_000_000)
    assert "deaths" in out


def test_c_scripted_rules(c_program):
    assert "all scenes pass" in c_program("tests/c/test_snake.c")("rules")


def test_one_agent_per_snake():
    env = ocean.make("snake", num_envs=3, seed=0, vision=4, **SMALL)
    assert env.num_agents == env.num_envs == 18 and env.num_games == 3
    assert env.single_observation_space.shape == (9, 9)
    assert env.single_observation_space.dtype == np.uint8
    assert env.single_action_space.n == 4
    obs, _ = env.reset()
    assert obs.shape == (18, 9, 9)
    assert (obs[:, 4, 4] == 4).all()  # every agent sits at the centre of its own window


def test_observations_stay_in_bounds_and_reach_the_declared_high():
    env = ocean.make("snake", num_envs=2, seed=1, **SMALL)
    space = env.single_observation_space
    seen = np.zeros(space.high.max() + 1, dtype=bool)
    for obs in random_run(env, 400)[0]:
        assert obs.min() >= 0 and obs.max() <= space.high.max()
        seen[np.unique(obs)] = True
        assert ((obs == 4).sum(axis=(1, 2)) == 1).all()  # one own head per window
    assert seen.all(), "every code up to high, the largest included, is emitted"


def test_a_snake_dies_at_its_length_one_plus_its_meals_and_only_by_dying():
    """The log at death: length is 1 + food eaten (it grows by one per meal); episodes end
    only by death, never by truncation (random_run checks every step)."""
    env = ocean.make("snake", num_envs=2, seed=2, **SMALL)
    ended = [info for info in random_run(env, 300)[3] if info]
    assert sum(info["episodes"] for info in ended) > 10
    for info in ended:
        assert info["length"] == pytest.approx(1 + info["food_eaten"])
    assert sum(info["food_eaten"] * info["episodes"] for info in ended) > 0


def test_a_snake_that_keeps_going_up_dies_at_the_wall_and_respawns():
    env = ocean.make("snake", num_envs=1, seed=3, width=10, height=10, num_snakes=1, num_food=1)
    obs, _ = env.reset()
    for step in range(8):  # 8 rows inside the walls
        wall_above = obs[0, 4, 5] == 1
        obs, rewards, terminals, _, info = env.step(np.zeros(1, dtype=np.int32))
        assert terminals[0] == wall_above
        if terminals[0]:
            assert rewards[0] == -1 and info["episode_length"] == step + 1
            assert (obs[0] == 3).sum() == 0 and obs[0, 5, 5] == 4  # a new snake, length 1
            return
        assert rewards[0] in (0, np.float32(0.1))
    pytest.fail("8 steps up a 10 x 10 grid should hit the wall")


@pytest.mark.parametrize("config, key", [
    (dict(width=6, height=6, num_snakes=17, num_food=1), "num_snakes"),   # 16 free cells
    (dict(width=6, height=6, num_snakes=10, num_food=7), "num_food"),
])
def test_more_snakes_and_food_than_free_cells_is_a_clear_error(config, key):
    with pytest.raises(ocean.ConfigError, match=f"'{key}'"):
        ocean.make("snake", num_envs=1, **config)


def test_a_full_grid_is_allowed():
    env = ocean.make("snake", num_envs=1, seed=0, width=6, height=6, num_snakes=10, num_food=6)
    env.reset()
    random_run(env, 50)


def test_many_snakes_on_a_big_grid_make_and_step():
    env = ocean.make("snake", num_envs=16, seed=0, num_snakes=256, width=640, height=360,
                     num_food=4096, vision=5)
    assert env.num_agents == 4096
    random_run(env, 3)
