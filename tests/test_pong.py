"""Pong's rules, played through the public API."""
import numpy as np

import ocean

HEIGHT = 192.0  # court height in pixels (pong.h); observations are fractions of it


def play(policy, num_envs=64, steps=3000, seed=0, **config):
    """Mean logged score/win over every episode finished in `steps` steps."""
    env = ocean.make("pong", num_envs=num_envs, seed=seed, **config)
    obs, _ = env.reset()
    totals, episodes = {"score": 0.0, "win": 0.0}, 0
    for _ in range(steps):
        obs, _, _, _, info = env.step(policy(obs))
        if info:
            for key in totals:
                totals[key] += info[key] * info["episodes"]
            episodes += info["episodes"]
    assert episodes > 0
    return {key: value / episodes for key, value in totals.items()}, episodes


def track_ball(obs):
    """Move the paddle's centre towards the ball's height."""
    gap = obs[:, 3] - obs[:, 0]
    return np.where(gap < -2 / HEIGHT, 1, np.where(gap > 2 / HEIGHT, 2, 0))


def test_ball_tracking_policy_wins():
    means, episodes = play(track_ball)
    assert means["score"] > 5 and means["win"] > 0.9, means


def test_idle_and_random_policies_lose():
    idle, _ = play(lambda obs: np.zeros(len(obs), dtype=np.int64))
    rng = np.random.default_rng(0)
    random, _ = play(lambda obs: rng.integers(0, 3, len(obs)))
    assert idle["score"] < -15 and idle["win"] == 0, idle
    assert random["score"] < -15 and random["win"] == 0, random


def test_episode_ends_exactly_at_max_score():
    max_score = 3
    env = ocean.make("pong", num_envs=32, seed=0, max_score=max_score)
    obs, _ = env.reset()
    won = np.zeros(32)
    lost = np.zeros(32)
    finished = 0
    for _ in range(2000):
        obs, rewards, terminals, truncations, info = env.step(track_ball(obs))
        won += rewards > 0
        lost += rewards < 0
        # points are only ever +-1 per agent-step here, and score fractions are consistent
        assert np.isin(rewards, [-1, 0, 1]).all()
        assert not truncations.any()
        ended = np.maximum(won, lost) >= max_score
        assert np.array_equal(ended, terminals), "terminal exactly when a side reaches max_score"
        live = ~terminals
        np.testing.assert_allclose(obs[live, 6], won[live] / max_score)
        np.testing.assert_allclose(obs[live, 7], lost[live] / max_score)
        if info:
            assert abs(info["score"]) <= max_score
        finished += terminals.sum()
        won[terminals], lost[terminals] = 0, 0
    assert finished > 50


def test_rewards_sum_to_logged_score():
    env = ocean.make("pong", num_envs=16, seed=5, max_score=5)
    obs, _ = env.reset()
    returns = np.zeros(16)
    for _ in range(3000):
        obs, rewards, terminals, truncations, info = env.step(track_ball(obs))
        returns += rewards
        done = terminals | truncations
        if done.any():
            assert info["score"] == info["episode_return"] == returns[done].mean()
            returns[done] = 0


def test_random_play_sees_the_ball_fast_and_steep_both_ways():
    """The velocity features reach past half their range on either side: the ball speeds up
    on paddle hits and edge hits send it steeply (the contract checks the bounds hold)."""
    env = ocean.make("pong", num_envs=1024, seed=11, max_score=5)
    actions = np.random.default_rng(0).integers(0, 3, (16, 1024))
    obs, _ = env.reset()
    low, high = obs.min(axis=0), obs.max(axis=0)
    for t in range(1000):
        obs, *_ = env.step(actions[t % 16])
        low, high = np.minimum(low, obs.min(axis=0)), np.maximum(high, obs.max(axis=0))
    assert high[4] > 0.5 and low[4] < -0.5 and high[5] > 0.5 and low[5] < -0.5, (low, high)


def test_the_observation_returned_with_a_done_flag_is_the_next_episodes_first():
    """Same-step auto-reset: paddles centred, the ball at the centre, no points yet."""
    env = ocean.make("pong", num_envs=16, seed=0, max_steps=50)
    assert env.single_observation_space.shape == (8,) and env.single_action_space.n == 3
    env.reset()
    ended = 0
    for _ in range(100):
        obs, _, terminals, truncations, _ = env.step(np.zeros(16, dtype=np.int64))
        done = terminals | truncations
        np.testing.assert_array_equal(obs[done][:, [0, 1, 2, 3, 6, 7]],
                                      np.tile([0.5, 0.5, 0.5, 0.5, 0, 0], (done.sum(), 1)))
        ended += done.sum()
    assert ended == 32


def test_frameskip_moves_the_paddle_per_frame():
    for frameskip in (1, 4):
        env = ocean.make("pong", num_envs=1, seed=0, frameskip=frameskip, paddle_speed=2.0)
        obs, _ = env.reset()
        start = obs[0, 0]
        obs, *_ = env.step(np.array([1]))  # up
        assert np.isclose((start - obs[0, 0]) * HEIGHT, 2.0 * frameskip)
