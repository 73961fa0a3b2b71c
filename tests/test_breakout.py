"""Breakout's rules as a user sees them: the first observation, the ball in the court over
10^6 random agent-steps, reward accounting brick by brick, the second wall, policies that win
and lose. Frame-level invariants and the no-tunnelling check against a brute-force path live
in tests/c/test_breakout.c; what every game owes, in tests/test_contract.py."""
import numpy as np
import pytest

import ocean
from ocean.breakout import brick_points

WIDTH, HEIGHT, WALL_TOP, BRICK_HEIGHT = 144.0, 192.0, 36.0, 6.0   # breakout.h
HEADER = 8
PADDLE_X, PADDLE_WIDTH, BALL_X, BALL_Y, BALL_VX, BALL_VY, LIVES, WALL = range(HEADER)


def predictive_tracker(obs, config):
    """Moves the paddle to where the ball will be after this agent-step."""
    frames, speed = config["frameskip"], config["paddle_speed"]
    paddle = obs[:, PADDLE_X] * WIDTH
    ball = obs[:, BALL_X] * WIDTH + obs[:, BALL_VX] * 2 * config["ball_speed"] * frames
    step = speed * frames
    choices = np.stack([paddle, paddle - step, paddle + step])   # stay, left, right
    return np.argmin(np.abs(choices - ball), axis=0)


def finished_episodes(env, policy, steps):
    """[(episodes, info)] of every step that finished episodes."""
    obs, _ = env.reset()
    finished = []
    for _ in range(steps):
        obs, _, _, _, info = env.step(policy(obs))
        if info:
            finished.append(info)
    return finished


def mean_of(finished, key):
    episodes = sum(i["episodes"] for i in finished)
    assert episodes > 0, "no episode finished"
    return sum(i[key] * i["episodes"] for i in finished) / episodes


def test_spaces_and_first_observation():
    env = ocean.make("breakout", num_envs=4, seed=0)
    assert env.single_observation_space.shape == (HEADER + 6 * 18,)
    assert env.single_action_space.n == 3
    obs, _ = env.reset()
    assert env.observation_space.contains(obs)
    assert np.all(obs[:, HEADER:] == 1)                     # a full wall
    assert np.all(obs[:, LIVES] == 1) and np.all(obs[:, WALL] == 0)
    assert np.allclose(obs[:, PADDLE_X], 0.5) and np.allclose(obs[:, PADDLE_WIDTH], 16 / WIDTH)
    assert np.all(obs[:, BALL_VY] > 0)                       # served downwards, below the wall
    assert np.all(obs[:, BALL_Y] * HEIGHT == 108)
    small = ocean.make("breakout", num_envs=2, seed=0, rows=1, columns=3)
    assert small.single_observation_space.shape == (HEADER + 3,)
    np.testing.assert_array_equal(brick_points(small.config), [7, 7, 7])
    np.testing.assert_array_equal(brick_points(env.config)[::18], [7, 7, 4, 4, 1, 1])


def ball_inside_standing_brick(obs, rows, columns):
    """Rows of obs whose ball lies strictly inside (by more than 1e-3 px) a standing brick."""
    x, y = obs[:, BALL_X] * WIDTH, obs[:, BALL_Y] * HEIGHT
    brick_width = WIDTH / columns
    row_f, column_f = (y - WALL_TOP) / BRICK_HEIGHT, x / brick_width
    row, column = np.floor(row_f).astype(int), np.floor(column_f).astype(int)
    margin_rows, margin_columns = 1e-3 / BRICK_HEIGHT, 1e-3 / brick_width
    inside = ((row >= 0) & (row < rows) & (column < columns)
              & (row_f - row > margin_rows) & (row + 1 - row_f > margin_rows)
              & (column_f - column > margin_columns) & (column + 1 - column_f > margin_columns))
    index = np.clip(row, 0, rows - 1) * columns + np.clip(column, 0, columns - 1)
    standing = obs[np.arange(len(obs)), HEADER + index] == 1
    return inside & standing


@pytest.mark.parametrize("config, num_envs, steps", [
    ({}, 1000, 1000),                                                  # 10^6 agent-steps
    ({"ball_speed": 24, "columns": 32, "frameskip": 1}, 250, 1000),    # top speed, thin bricks
])
def test_random_play_stays_in_the_court_and_pays_each_brick_once(config, num_envs, steps):
    """Every agent-step: observations inside the declared space, the ball inside the court
    and never inside a standing brick; the reward is exactly the points of the bricks that
    disappeared from the observation; each finished episode's score equals its return, and
    the next one starts with a full wall, every life and the paddle centred."""
    env = ocean.make("breakout", num_envs=num_envs, seed=3, **config)
    rows, columns = env.config["rows"], env.config["columns"]
    points = brick_points(env.config)
    space = env.single_observation_space
    rng = np.random.default_rng(3)
    obs, _ = env.reset()
    bricks = obs[:, HEADER:].copy()
    episode_return = np.zeros(num_envs)
    broken_total = 0
    for _ in range(steps):
        obs, reward, terminal, truncated, info = env.step(rng.integers(0, 3, num_envs))
        assert np.all(obs >= space.low) and np.all(obs <= space.high)
        assert not ball_inside_standing_brick(obs, rows, columns).any()
        now = obs[:, HEADER:]
        assert np.all((now == 0) | (now == 1))
        done = terminal | truncated
        new_wall = ~done & (now > bricks).any(axis=1)
        # a new wall only replaces an empty one, in a step that broke nothing
        assert np.all(bricks[new_wall] == 0) and np.all(now[new_wall] == 1)
        assert np.all(obs[new_wall, WALL] == 1) and np.all(reward[new_wall] == 0)
        going = ~done & ~new_wall
        paid = ((bricks[going] == 1) & (now[going] == 0)) @ points
        np.testing.assert_array_equal(reward[going], paid)
        broken_total += paid.sum()
        episode_return += reward
        if done.any():
            assert info["episodes"] == done.sum()
            assert info["score"] == info["episode_return"]
            returns = episode_return[done].sum()
            assert info["episode_return"] * info["episodes"] == pytest.approx(returns)
            # the observation returned with the flag is the next episode's first
            assert np.all(obs[done, HEADER:] == 1) and np.all(obs[done, LIVES] == 1)
            assert np.all(obs[done, PADDLE_X] == 0.5)
            episode_return[done] = 0
        bricks = now.copy()
    assert broken_total > 0


def test_reward_scale_scales_rewards_not_score():
    rng = np.random.default_rng(0)
    finished = finished_episodes(ocean.make("breakout", num_envs=64, seed=0, reward_scale=0.5),
                                 lambda obs: rng.integers(0, 3, len(obs)), 500)
    assert mean_of(finished, "score") > 0
    assert mean_of(finished, "episode_return") == pytest.approx(0.5 * mean_of(finished, "score"))


def test_tracking_policy_scores_and_idle_loses_every_life():
    env = ocean.make("breakout", num_envs=64, seed=0)
    tracking = finished_episodes(env, lambda obs: predictive_tracker(obs, env.config), 1500)
    idle = finished_episodes(env, lambda obs: np.zeros(len(obs), dtype=np.int64), 400)
    assert mean_of(tracking, "score") > 100 and mean_of(tracking, "bricks_broken") > 20
    assert sum(i["episodes"] for i in idle) >= 64
    assert all(i["lives_lost"] == 5 for i in idle)
    assert mean_of(idle, "score") < 5


def test_second_wall_appears_then_clearing_it_ends_the_episode():
    """One row of four bricks (7 points each): the tracker clears it, a full wall comes back
    (walls-cleared feature 1), and clearing that ends the episode at 2 * 4 * 7 points."""
    env = ocean.make("breakout", num_envs=8, seed=0, rows=1, columns=4, frameskip=1)
    obs, _ = env.reset()
    saw_empty = np.zeros(8, dtype=bool)
    saw_second_wall = np.zeros(8, dtype=bool)
    scores = []
    for _ in range(4000):
        obs, _, terminal, truncated, info = env.step(predictive_tracker(obs, env.config))
        second = obs[:, WALL] == 1
        saw_empty |= second & np.all(obs[:, HEADER:] == 0, axis=1)
        saw_second_wall |= saw_empty & second & np.all(obs[:, HEADER:] == 1, axis=1)
        assert not truncated.any()
        if terminal.any():
            scores.append(info["score"])
    assert saw_second_wall.all()
    assert 56 in scores


def test_paddle_shrinks_once_the_ball_hits_the_top():
    env = ocean.make("breakout", num_envs=16, seed=0, rows=1)
    obs, _ = env.reset()
    widths = set()
    for _ in range(2000):
        obs, *_ = env.step(predictive_tracker(obs, env.config))
        widths.update(np.round(obs[:, PADDLE_WIDTH] * WIDTH, 4))
    assert widths == {16.0, 8.0}


@pytest.mark.parametrize("mode", ["play", "tunnelling", "paddle", "rules"])
def test_c_invariants_frame_by_frame(c_program, mode):
    """tests/c/test_breakout.c under ASan/UBSan. play: 10^6 random frames over five configs
    with per-frame accounting; tunnelling: the grid walk against a brute-force path at top
    speed; paddle: a ball at top speed is caught exactly when the paddle covers it; rules:
    speed-ups, shrink, lost ball, second wall."""
    output = c_program("tests/c/test_breakout.c")(mode)
    assert output.startswith(mode + ":"), output
