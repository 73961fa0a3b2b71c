"""make()'s own arguments, whatever the game: the name, num_envs and seeds. What every game's
env owes is in tests/test_contract.py."""
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
