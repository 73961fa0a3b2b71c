"""What every game owes, checked for each game in ocean.list_envs(): a game gets these tests by
being registered in csrc/games.h. Its own rules live in tests/test_<game>.py.

Where a game has a max_steps key it is set to SHORT_EPISODE, so random play ends episodes (and
auto-resets) many times within a few hundred steps; a game without that key must end random
episodes that quickly by its own rules (a random snake dies within about 60 steps)."""
import re

import gymnasium
import numpy as np
import pytest
import torch
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

import ocean
from ocean import registry
from ocean.config import ConfigError

GAMES = ocean.list_envs()
SHORT_EPISODE = 64


def short_episodes(name):
    """Config that ends random episodes within SHORT_EPISODE steps, where the game has a key
    for it."""
    return {"max_steps": SHORT_EPISODE} if "max_steps" in ocean.default_config(name) else {}


def make(name, num_envs, seed, **config):
    return ocean.make(name, num_envs=num_envs, seed=seed, **{**short_episodes(name), **config})


def random_actions(env, steps, seed=0):
    """(steps, agents) random valid actions."""
    return np.random.default_rng(seed).integers(0, env.single_action_space.n,
                                                (steps, env.num_agents), dtype=np.int32)


def play(env, actions, reset_seed=None):
    """Copies of what reset() and then step() on each row of actions returned."""
    obs, _ = env.reset(seed=reset_seed)
    steps = [(obs.copy(),)]
    for row in actions:
        obs, rewards, terminals, truncations, info = env.step(row)
        steps.append((obs.copy(), rewards.copy(), terminals.copy(), truncations.copy(), info))
    return steps


def assert_same(first, second):
    assert len(first) == len(second)
    for t, (a, b) in enumerate(zip(first, second)):
        for x, y in zip(a, b):
            assert np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y, f"step {t}"


def differ(first, second):
    """Whether two runs saw different observations somewhere."""
    return any(not np.array_equal(a[0], b[0]) for a, b in zip(first, second))


def ended(steps):
    """Episodes (agent rows) that ended over a run from play()."""
    return sum(int((step[2] | step[3]).sum()) for step in steps[1:])


# ---- a gymnasium VectorEnv over shared buffers ----

@pytest.mark.parametrize("name", GAMES)
def test_is_a_gymnasium_vector_env_with_batched_spaces(name):
    game = registry.game(name)
    env = ocean.make(name, num_envs=3, seed=0)
    n = 3 * game.agents_per_env(env.config)
    space = env.single_observation_space
    assert isinstance(env, gymnasium.vector.VectorEnv)
    assert env.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    assert env.num_games == 3 and env.num_envs == env.num_agents == n
    assert env.config == ocean.resolve_config(name)
    assert isinstance(space, spaces.Box)
    assert np.isfinite(space.low).all() and np.isfinite(space.high).all()  # normalised in C
    assert env.observation_space.shape == (n, *space.shape)
    assert env.single_action_space == spaces.Discrete(game.num_actions)
    assert env.action_space.shape == (n,)
    obs, info = env.reset()
    assert obs.dtype == space.dtype and obs.shape == (n, *space.shape) and info == {}
    assert env.observation_space.contains(obs)
    obs, rewards, terminals, truncations, info = env.step(np.zeros(n, dtype=np.int32))
    assert rewards.dtype == np.float32 and rewards.shape == (n,)
    assert terminals.dtype == truncations.dtype == np.bool_
    assert terminals.shape == truncations.shape == (n,)
    assert env.observation_space.contains(obs)
    env.close()


@pytest.mark.parametrize("name", GAMES)
def test_returned_arrays_are_the_same_memory_every_step(name):
    env = ocean.make(name, num_envs=2, seed=0)
    first = env.reset()[0]
    actions = random_actions(env, 4)
    outputs = env.step(actions[0])
    for row in actions[1:]:
        again = env.step(row)
        for a, b in zip(outputs[:4], again[:4]):
            assert a is b
    assert outputs[0] is first
    assert np.shares_memory(outputs[0], env.observations)


@pytest.mark.parametrize("name", GAMES)
def test_torch_tensors_share_the_buffers(name):
    env = ocean.make(name, num_envs=2, seed=0)
    tensors = env.as_torch()
    obs, _ = env.reset()
    env.step(random_actions(env, 1)[0])
    assert torch.equal(tensors.obs, torch.from_numpy(obs.copy()))
    for tensor, array in zip(tensors, (env.observations, env.actions, env.rewards,
                                       env.terminals, env.truncations)):
        assert tensor.data_ptr() == array.ctypes.data
    last = env.single_action_space.n - 1
    tensors.actions[:] = last  # the trainer writes actions straight into the buffer
    assert (env.actions == last).all()
    env.step(torch.zeros(env.num_agents, dtype=torch.int64))  # torch's int64 actions work


# ---- determinism ----

@pytest.mark.parametrize("name", GAMES)
def test_same_seed_same_trajectory_other_seed_differs(name):
    def run(seed):
        env = make(name, num_envs=8, seed=seed)
        return play(env, random_actions(env, 4 * SHORT_EPISODE))
    first, again, other = run(7), run(7), run(8)
    assert_same(first, again)
    assert differ(first, other)
    assert ended(first) > 0, "no episode ended: the resets were not compared"


@pytest.mark.parametrize("name", GAMES)
def test_reset_with_seed_replays_and_a_seedless_reset_continues(name):
    env = make(name, num_envs=4, seed=3)
    actions = random_actions(env, 2 * SHORT_EPISODE)
    first = play(env, actions)  # the first reset uses make()'s seed
    continued = play(env, actions)  # a seedless reset continues each env's stream
    replay = play(env, actions, reset_seed=3)
    assert_same(replay, first)
    assert differ(continued, first)


@pytest.mark.parametrize("name", GAMES)
def test_envs_in_a_batch_get_different_streams(name):
    """Every env gets the same action each step, so only their streams tell them apart."""
    env = make(name, num_envs=32, seed=0)
    actions = np.repeat(random_actions(env, 20)[:, :1], env.num_agents, axis=1)
    observations = np.stack([step[0] for step in play(env, actions)])
    per_env = observations.reshape(len(observations), env.num_games, -1)  # an env's rows
    assert len({per_env[:, i].tobytes() for i in range(env.num_games)}) == env.num_games


# ---- bounds ----

@pytest.mark.parametrize("name", GAMES)
def test_long_random_runs_stay_inside_the_declared_bounds(name):
    """10^6 random agent-steps through many episode ends: every observation inside the
    declared space and finite, every reward finite."""
    rows, steps = 1024, 1000
    config = ocean.resolve_config(name, **short_episodes(name))
    num_envs = max(1, rows // registry.game(name).agents_per_env(config))
    env = ocean.make(name, num_envs=num_envs, seed=11, **config)
    space = env.single_observation_space
    obs, _ = env.reset()
    low, high = obs.min(axis=0), obs.max(axis=0)
    episodes = 0
    for actions in random_actions(env, steps, seed=11):
        obs, rewards, _, _, info = env.step(actions)
        np.minimum(low, obs.min(axis=0), out=low)
        np.maximum(high, obs.max(axis=0), out=high)
        assert np.isfinite(rewards).all()
        episodes += info.get("episodes", 0)
    assert np.isfinite(low).all() and np.isfinite(high).all()
    outside = (low < space.low) | (high > space.high)
    assert not outside.any(), (f"elements {np.flatnonzero(outside)} reached "
                               f"{low[outside]}..{high[outside]}, declared "
                               f"{space.low[outside]}..{space.high[outside]}")
    assert (low < high).any(), "the observations never changed"
    assert episodes > env.num_agents, "too few episodes ended: resets were barely covered"


# ---- episode ends ----

@pytest.mark.parametrize("name", GAMES)
def test_episodes_end_by_one_flag_and_reset_in_the_same_step(name):
    """Per agent row: an episode ends with terminal or truncation, never both; truncation
    exactly at max_steps agent-steps where the game has that key, never without it. The
    row goes on in its next episode in the same step, with no reset() call. The info of a
    step holds the game's log keys and 'episodes', averaged over the rows that ended, whose
    episode_return and episode_length are what those rows saw; it is empty when none ended,
    and a new dict every step."""
    game = registry.game(name)
    env = make(name, num_envs=8, seed=1)
    max_steps = env.config.get("max_steps")
    env.reset()
    lengths = np.zeros(env.num_agents, dtype=np.int64)
    returns = np.zeros(env.num_agents)
    episodes, previous_info = 0, None
    for actions in random_actions(env, 4 * SHORT_EPISODE, seed=1):
        _, rewards, terminals, truncations, info = env.step(actions)
        lengths += 1
        returns += rewards
        for flags in (terminals, truncations):  # numpy bools: C must write bytes 0 or 1
            assert flags.view(np.uint8).max() <= 1
        assert not (terminals & truncations).any()
        if max_steps is None:
            assert not truncations.any()
        else:
            np.testing.assert_array_equal(truncations, ~terminals & (lengths == max_steps))
        done = terminals | truncations
        if done.any():
            assert set(info) == {*game.log_keys, "episodes"}
            assert info["episodes"] == done.sum()
            assert info["episode_length"] == lengths[done].mean()
            assert info["episode_return"] == pytest.approx(returns[done].mean(), rel=1e-5,
                                                           abs=1e-4)
        else:
            assert info == {}
        assert info is not previous_info
        previous_info = info
        episodes += done.sum()
        lengths[done], returns[done] = 0, 0
    assert episodes >= env.num_agents, "too few episodes ended to check the auto-reset"


# ---- bad input ----

CONFIG_KEYS = [(name, key.name) for name in GAMES for key in registry.game(name).config]


def bad_values(key):
    """[(value, what the error says)] for a config key: out of its range, or of a wrong type."""
    if key.kind == "bool":
        return [(2, "must be true or false"), ("yes", "must be true or false"),
                (0.5, "must be true or false")]
    shown = int if key.kind == "int" else float
    in_range = f"must be in [{shown(key.min)}, {shown(key.max)}], got "
    below, above = shown(key.min) - 1, shown(key.max) + 1
    wrong_type = ([(key.min + 0.5, "must be an integer"), ("1", "must be an integer")]
                  if key.kind == "int" else
                  [(float("nan"), "must be a finite number"), ("1", "must be a finite number")])
    return [(below, in_range + repr(below)), (above, in_range + repr(above)), *wrong_type]


@pytest.mark.parametrize("name, key", CONFIG_KEYS)
def test_config_values_out_of_range_or_of_a_wrong_type_are_errors_naming_the_key(name, key):
    row = {k.name: k for k in registry.game(name).config}[key]
    default = bool(row.default) if row.kind == "bool" else row.default
    assert ocean.resolve_config(name, **{key: default})[key] == default
    for value, message in bad_values(row):
        with pytest.raises(ConfigError) as error:
            ocean.make(name, num_envs=1, **{key: value})
        assert f"{name} config '{key}'" in str(error.value) and message in str(error.value), \
            f"{key}={value!r}: {error.value}"


@pytest.mark.parametrize("name", GAMES)
def test_an_unknown_config_key_is_an_error_listing_the_valid_ones(name):
    keys = list(ocean.default_config(name))
    expected = f"{name} has no config key '{keys[0]}x'; valid keys: {', '.join(keys)}"
    with pytest.raises(ConfigError, match=re.escape(expected)):
        ocean.make(name, num_envs=1, **{keys[0] + "x": 1})


def with_action(n, index, value, dtype=np.int64):
    actions = np.zeros(n, dtype=dtype)
    actions[index] = value
    return actions


def bad_actions(n, num_actions):
    """{case: (actions, error, message)} for an env of n >= 4 agent rows."""
    a = num_actions
    strided = (a + 1) // 2  # the first index of 0, 2, 4, ... past the last action
    return {
        "one row too many": (np.zeros(n + 1, dtype=np.int64), ValueError,
                             rf"shape \({n},\), got \({n + 1},\)"),
        "a column": (np.zeros((n, 1), dtype=np.int64), ValueError, rf"shape \({n},\)"),
        "float": (np.zeros(n, dtype=np.float32), TypeError, "integer dtype, got float32"),
        "bool": (np.zeros(n, dtype=np.bool_), TypeError, "integer dtype, got bool"),
        "past the last": (with_action(n, 2, a), ValueError,
                          f"action {a} at index 2 is out of range: valid actions are 0..{a - 1}"),
        "negative int8": (with_action(n, 1, -1, np.int8), ValueError, "action -1 at index 1"),
        "negative int32": (with_action(n, 2, -1, np.int32), ValueError, "action -1 at index 2"),
        "strided": (np.arange(2 * n, dtype=np.int32)[::2], ValueError,
                    f"action {2 * strided} at index {strided}"),
        "2**40": (with_action(n, 3, 2**40), ValueError, "at index 3"),
        "uint64 2**63": (with_action(n, 3, 2**63, np.uint64), ValueError, "at index 3"),
        "a list": ([0] * (n - 1) + [a + 2], ValueError, f"action {a + 2} at index {n - 1}"),
    }


@pytest.mark.parametrize("case", list(bad_actions(4, 3)))
@pytest.mark.parametrize("name", GAMES)
def test_bad_actions_raise_and_leave_the_env_untouched(name, case):
    env, twin = (ocean.make(name, num_envs=4, seed=1) for _ in range(2))
    actions, error, message = bad_actions(env.num_agents, env.single_action_space.n)[case]
    good = random_actions(env, 21)
    env.reset(), twin.reset()
    env.step(good[0]), twin.step(good[0])
    buffers = (env.observations, env.actions, env.rewards, env.terminals, env.truncations,
               env.logs)
    before = [buffer.copy() for buffer in buffers]
    with pytest.raises(error, match=message):
        env.step(actions)
    for buffer, copy in zip(buffers, before):
        assert np.array_equal(buffer, copy)
    # and the env goes on exactly like one that never saw the bad call
    assert_same(play_on(env, good[1:]), play_on(twin, good[1:]))


def play_on(env, actions):
    """Copies of what step() on each row of actions returned, without a reset first."""
    return [tuple(x.copy() if isinstance(x, np.ndarray) else x for x in env.step(row))
            for row in actions]


@pytest.mark.parametrize("name", GAMES)
def test_strided_actions_step_like_contiguous_ones(name):
    env, twin = (ocean.make(name, num_envs=4, seed=1) for _ in range(2))
    env.reset(), twin.reset()
    actions = np.repeat(random_actions(env, 50), 2, axis=1)
    actions[:, 1::2] = env.single_action_space.n  # invalid: a step that read them would fail
    assert_same(play_on(env, actions[:, ::2]), play_on(twin, actions[:, ::2].copy()))


@pytest.mark.parametrize("name", GAMES)
def test_step_before_reset_and_after_close(name):
    env = ocean.make(name, num_envs=2)
    actions = np.zeros(env.num_agents, dtype=np.int64)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(actions)
    env.reset()
    env.close()
    with pytest.raises(RuntimeError, match="closed"):
        env.step(actions)
    with pytest.raises(RuntimeError, match="closed"):
        env.reset()
    env.close()  # closing twice is fine


@pytest.mark.parametrize("name", GAMES)
def test_context_manager_closes(name):
    with ocean.make(name, num_envs=2) as env:
        env.reset()
    assert env.closed


@pytest.mark.parametrize("name", GAMES)
def test_unknown_reset_option(name):
    with pytest.raises(ValueError, match="unknown reset options"):
        ocean.make(name).reset(options={"mask": 1})


# ---- gymnasium's wrappers ----

@pytest.mark.parametrize("name", GAMES)
def test_record_episode_statistics_counts_same_step_episodes(name):
    """The wrapper sees each episode end when its flag is set and agrees with our logs."""
    inner = make(name, num_envs=4, seed=0)
    env = gymnasium.wrappers.vector.RecordEpisodeStatistics(inner)
    env.reset()
    recorded = 0
    for actions in random_actions(inner, 4 * SHORT_EPISODE):
        _, _, terminals, truncations, info = env.step(actions)
        done = terminals | truncations
        if done.any():
            assert np.array_equal(info["_episode"], done)
            assert info["episodes"] == done.sum()
            assert info["episode_return"] == pytest.approx(info["episode"]["r"][done].mean(),
                                                           rel=1e-5, abs=1e-4)
            assert info["episode_length"] == info["episode"]["l"][done].mean()
            recorded += done.sum()
        else:
            assert "episode" not in info
    assert recorded >= inner.num_agents and len(env.return_queue) > 0


@pytest.mark.parametrize("name", GAMES)
def test_normalize_reward_wrapper_runs(name):
    inner = make(name, num_envs=4, seed=0)
    env = gymnasium.wrappers.vector.NormalizeReward(inner)
    env.reset(seed=0)
    for actions in random_actions(inner, 2 * SHORT_EPISODE):
        _, rewards, *_ = env.step(actions)
        assert np.isfinite(rewards).all()
