"""make()'s own arguments, whatever the game: the name, num_envs and seeds. What every game's
env owes is in tests/test_contract.py."""
import numpy as np
import pytest

import ocean


@pytest.mark.parametrize("name", ["pongg", "", "Pong"])
def test_unknown_env_name_lists_valid_names(name):
    with pytest.raises(ValueError, match="valid names: .*pong"):
        ocean.make(name)


@pytest.mark.parametrize("num_envs", [0, -3, 2.5, "4", True, None])
def test_bad_num_envs(num_envs):
    with pytest.raises(ValueError, match="num_envs must be a positive integer"):
        ocean.make("pong", num_envs=num_envs)


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, "0"])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be an integer"):
        ocean.make("pong", seed=seed)
    env = ocean.make("pong")
    with pytest.raises(ValueError, match="seed must be an integer"):
        env.reset(seed=seed)


@pytest.mark.parametrize("name", ocean.list_envs())
def test_step_raw_moves_the_envs_as_step_does(name):
    stepped, raw = (ocean.make(name, num_envs=2, seed=1) for _ in range(2))
    stepped.reset(), raw.reset()
    rng = np.random.default_rng(0)
    ended = 0
    for _ in range(3000):
        actions = rng.integers(0, stepped.single_action_space.n, stepped.num_agents)
        stepped.step(actions)
        raw.actions[:] = actions
        raw.step_raw()
        for a, b in zip(buffers(stepped), buffers(raw)):
            assert np.array_equal(a, b)
        ended += np.count_nonzero(stepped.terminals | stepped.truncations)
    assert ended > 0  # auto-resets happened on the way, and matched too
    stepped.close(), raw.close()


def buffers(env):
    return env.observations, env.rewards, env.terminals, env.truncations


def test_step_raw_refuses_before_reset_after_close_and_over_workers():
    env = ocean.make("pong", num_envs=2)
    with pytest.raises(RuntimeError, match=r"call reset\(\) before step_raw"):
        env.step_raw()
    env.reset()
    env.close()
    with pytest.raises(RuntimeError, match="closed"):
        env.step_raw()
    with ocean.make("pong", num_envs=2, backend="multiprocess", num_workers=1) as workers:
        workers.reset()
        with pytest.raises(NotImplementedError, match="serial backend"):
            workers.step_raw()
