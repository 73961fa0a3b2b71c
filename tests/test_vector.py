"""The batched env as a user sees it: spaces, shared buffers, seeding, auto-reset, bad input
and gymnasium's own wrappers. Pong stands in for every game here."""
import gymnasium
import numpy as np
import pytest
import torch
from gymnasium.vector import AutoresetMode

import ocean
from ocean.config import ConfigError


def rollout(env, steps, reset_seed=None):
    """Observations and rewards of `steps` random steps (actions from a fixed generator)."""
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=reset_seed)
    observations, rewards = [obs.copy()], []
    for _ in range(steps):
        obs, rew, *_ = env.step(rng.integers(0, env.single_action_space.n, env.num_agents))
        observations.append(obs.copy())
        rewards.append(rew.copy())
    return np.array(observations), np.array(rewards)


def test_is_a_gymnasium_vector_env_with_batched_spaces():
    env = ocean.make("pong", num_envs=8, seed=0)
    assert isinstance(env, gymnasium.vector.VectorEnv)
    assert env.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
    assert env.num_envs == env.num_agents == 8
    assert env.single_observation_space.shape == (8,)
    assert env.observation_space.shape == (8, 8)
    assert env.single_action_space == gymnasium.spaces.Discrete(3)
    assert env.action_space.shape == (8,)
    obs, info = env.reset()
    assert obs.dtype == np.float32 and obs.shape == (8, 8) and info == {}
    obs, rewards, terminals, truncations, info = env.step(np.zeros(8, dtype=np.int32))
    assert rewards.dtype == np.float32 and rewards.shape == (8,)
    assert terminals.dtype == np.bool_ and truncations.dtype == np.bool_
    assert env.observation_space.contains(obs)
    env.close()


def test_list_envs_names_every_registered_game():
    assert "pong" in ocean.list_envs()


def test_returned_arrays_are_the_same_memory_every_step():
    env = ocean.make("pong", num_envs=4, seed=0)
    first = env.reset()[0]
    outputs = env.step(np.zeros(4, dtype=np.int64))
    for _ in range(3):
        again = env.step(np.ones(4, dtype=np.int64))
        for a, b in zip(outputs[:4], again[:4]):
            assert a is b
    assert outputs[0] is first
    assert np.shares_memory(outputs[0], env.observations)


def test_torch_tensors_share_the_buffers():
    env = ocean.make("pong", num_envs=4, seed=0)
    tensors = env.as_torch()
    obs, _ = env.reset()
    env.step(np.full(4, 1))
    assert torch.equal(tensors.obs, torch.from_numpy(obs.copy()))
    assert tensors.obs.data_ptr() == env.observations.ctypes.data
    tensors.actions[:] = 2  # the trainer writes actions straight into the buffer
    assert (env.actions == 2).all()
    env.step(torch.zeros(4, dtype=torch.int64))  # torch's int64 actions are accepted


def test_same_seed_same_trajectory_other_seed_differs():
    runs = [rollout(ocean.make("pong", num_envs=32, seed=s), 10_000) for s in (7, 7, 8)]
    assert np.array_equal(runs[0][0], runs[1][0]) and np.array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_reset_with_seed_replays_and_seedless_reset_continues():
    env = ocean.make("pong", num_envs=16, seed=3)
    first = rollout(env, 200)  # the first reset uses make()'s seed
    continued = rollout(env, 200)  # a seedless reset continues each env's stream
    replay = rollout(env, 200, reset_seed=3)
    assert not np.array_equal(continued[0], first[0])
    assert np.array_equal(replay[0], first[0]) and np.array_equal(replay[1], first[1])


def test_envs_in_a_batch_get_different_streams():
    obs, _ = rollout(ocean.make("pong", num_envs=64, seed=0), 50)
    assert len({obs[:, i].tobytes() for i in range(64)}) == 64


def test_truncation_and_same_step_auto_reset():
    env = ocean.make("pong", num_envs=16, seed=0, max_steps=50, max_score=21)
    env.reset()
    for t in range(1, 101):
        obs, rewards, terminals, truncations, info = env.step(np.zeros(16, dtype=np.int64))
        done = terminals | truncations
        if t % 50 == 0:
            assert truncations[~terminals].all() and info["episodes"] == 16
            assert info["episode_length"] == 50
        else:
            assert not truncations.any()
        # the observation returned with a done flag is the next episode's first one
        np.testing.assert_array_equal(obs[done][:, [0, 1, 2, 3, 6, 7]],
                                      np.tile([0.5, 0.5, 0.5, 0.5, 0, 0], (done.sum(), 1)))


def test_info_is_a_new_dict_and_empty_when_nothing_finished():
    env = ocean.make("pong", num_envs=2, seed=0)
    env.reset()
    first = env.step(np.zeros(2, dtype=np.int64))[4]
    second = env.step(np.zeros(2, dtype=np.int64))[4]
    assert first == {} and second == {} and first is not second


@pytest.mark.parametrize("name", ["pongg", "", "Pong"])
def test_unknown_env_name_lists_valid_names(name):
    with pytest.raises(ValueError, match="valid names: .*pong"):
        ocean.make(name)


@pytest.mark.parametrize("num_envs", [0, -3, 2.5, "4", True, None])
def test_bad_num_envs(num_envs):
    with pytest.raises(ValueError, match="num_envs must be a positive integer"):
        ocean.make("pong", num_envs=num_envs)


@pytest.mark.parametrize("config, message", [
    ({"frameskipp": 4}, "no config key 'frameskipp'; valid keys: frameskip"),
    ({"frameskip": 0}, r"'frameskip'.*must be in \[1, 16\], got 0"),
    ({"frameskip": 2.5}, "'frameskip'.*must be an integer"),
    ({"max_score": "21"}, "'max_score'.*must be an integer"),
    ({"ball_speed": float("nan")}, "'ball_speed'.*finite number"),
    ({"ball_speed": 100.0}, r"'ball_speed'.*must be in \[0.5, 8"),
])
def test_bad_config_names_the_key(config, message):
    with pytest.raises(ConfigError, match=message):
        ocean.make("pong", num_envs=2, **config)


@pytest.mark.parametrize("seed", [-1, 2**64, 1.5, "0"])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed must be an integer"):
        ocean.make("pong", seed=seed)
    env = ocean.make("pong")
    with pytest.raises(ValueError, match="seed must be an integer"):
        env.reset(seed=seed)


@pytest.mark.parametrize("actions, error, message", [
    (np.zeros(5, dtype=np.int64), ValueError, r"shape \(4,\), got \(5,\)"),
    (np.zeros((4, 1), dtype=np.int64), ValueError, r"shape \(4,\)"),
    (np.zeros(4, dtype=np.float32), TypeError, "integer dtype, got float32"),
    (np.zeros(4, dtype=np.bool_), TypeError, "integer dtype, got bool"),
    (np.array([0, 1, 3, 0]), ValueError, "action 3 at index 2 is out of range: valid actions are 0..2"),
    (np.array([0, -1, 0, 0], dtype=np.int8), ValueError, "action -1 at index 1"),
    (np.array([0, 0, -1, 0], dtype=np.int32), ValueError, "action -1 at index 2"),
    (np.arange(8, dtype=np.int32)[::2], ValueError, "action 4 at index 2"),  # strided
    (np.array([0, 0, 0, 2**40]), ValueError, "at index 3"),
    (np.array([0, 0, 0, 2**63], dtype=np.uint64), ValueError, "at index 3"),
    ([0, 1, 2, 5], ValueError, "action 5 at index 3"),
])
def test_bad_actions_raise_and_leave_state_untouched(actions, error, message):
    env, twin = (ocean.make("pong", num_envs=4, seed=1) for _ in range(2))
    env.reset(), twin.reset()
    good = np.array([1, 2, 0, 1])
    env.step(good), twin.step(good)
    before = env.observations.copy()
    with pytest.raises(error, match=message):
        env.step(actions)
    assert np.array_equal(env.observations, before)
    for _ in range(20):  # and the env goes on exactly like one that never saw the bad call
        assert np.array_equal(env.step(good)[0], twin.step(good)[0])


def test_strided_actions_step_like_contiguous_ones():
    env, twin = (ocean.make("pong", num_envs=4, seed=1) for _ in range(2))
    env.reset(), twin.reset()
    actions = np.random.default_rng(0).integers(0, 3, (50, 8)).astype(np.int32)
    for row in actions:
        assert np.array_equal(env.step(row[::2])[0], twin.step(row[::2].copy())[0])
    assert not np.array_equal(actions[:, ::2], actions[:, :4])  # the stride mattered


def test_step_before_reset_and_after_close():
    env = ocean.make("pong", num_envs=2)
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(2, dtype=np.int64))
    env.reset()
    env.close()
    with pytest.raises(RuntimeError, match="closed"):
        env.step(np.zeros(2, dtype=np.int64))
    with pytest.raises(RuntimeError, match="closed"):
        env.reset()
    env.close()  # closing twice is fine


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


def test_context_manager_closes():
    with ocean.make("pong", num_envs=2) as env:
        env.reset()
    assert env.closed


def test_unknown_reset_option():
    with pytest.raises(ValueError, match="unknown reset options"):
        ocean.make("pong").reset(options={"mask": 1})


def test_record_episode_statistics_counts_same_step_episodes():
    env = gymnasium.wrappers.vector.RecordEpisodeStatistics(
        ocean.make("pong", num_envs=8, seed=0, max_score=2))
    env.reset()
    returns = np.zeros(8)
    lengths = np.zeros(8, dtype=int)
    recorded = 0
    rng = np.random.default_rng(0)
    for _ in range(400):
        _, rewards, terminals, truncations, info = env.step(rng.integers(0, 3, 8))
        returns += rewards
        lengths += 1
        done = terminals | truncations
        if done.any():
            assert np.array_equal(info["_episode"], done)
            np.testing.assert_allclose(info["episode"]["r"][done], returns[done])
            np.testing.assert_array_equal(info["episode"]["l"][done], lengths[done])
            # our own means agree with the wrapper's per-env numbers
            assert info["episodes"] == done.sum()
            assert info["episode_return"] == pytest.approx(returns[done].mean())
            recorded += done.sum()
            returns[done], lengths[done] = 0, 0
    assert recorded > 20 and len(env.return_queue) > 0


def test_normalize_reward_wrapper_runs():
    env = gymnasium.wrappers.vector.NormalizeReward(ocean.make("pong", num_envs=8, seed=0))
    env.reset(seed=0)
    for _ in range(200):
        _, rewards, *_ = env.step(np.ones(8, dtype=np.int64))
        assert np.isfinite(rewards).all()
