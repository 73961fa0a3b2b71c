"""Breakout, Snake and Maze frames show what their observations say. Expected pixels come
from the observation and the geometry in each header's contract, never a stored image."""
import numpy as np
import pytest

import ocean
import ocean.breakout


def step_randomly(env, steps, seed=0):
    rng = np.random.default_rng(seed)
    obs, _ = env.reset()
    for _ in range(steps):
        obs, *_ = env.step(rng.integers(0, env.single_action_space.n, env.num_agents))
    return obs


def colour_at(frame, x, y):
    return tuple(int(v) for v in frame[int(y), int(x)])


# ---- Breakout: 144 x 192 court drawn at 2x ----
BRICK_COLOURS = [(200, 72, 72), (198, 108, 58), (180, 122, 48), (162, 162, 42), (72, 160, 72),
                 (66, 72, 200)]
BREAKOUT_BACKGROUND = (16, 16, 24)
PADDLE = (200, 72, 72)
BALL = (248, 248, 248)


@pytest.mark.parametrize("steps", [5, 150, 400])
def test_breakout_frame_shows_bricks_paddle_and_ball(steps):
    env = ocean.make("breakout", num_envs=2, seed=3)
    obs, _ = env.reset()
    for _ in range(steps):  # the tracking policy, so bricks break
        obs, *_ = env.step(ocean.breakout.scripted_policy(obs))
    obs = obs[0]
    if steps > 100:
        assert 0 < obs[8:].sum() < 108, "some bricks broken, some standing"
    frame = env.render(0)
    assert frame.shape == (384, 288, 3) and frame.dtype == np.uint8
    rows, columns = 6, 18
    bricks = obs[8:].reshape(rows, columns)
    for row in range(rows):
        for column in range(columns):
            x = (column + 0.4) * 144 / columns * 2
            y = (36 + (row + 0.4) * 6) * 2
            ball_near = abs(x - obs[2] * 288) < 6 and abs(y - obs[3] * 384) < 6
            if not ball_near:
                want = BRICK_COLOURS[row] if bricks[row, column] else BREAKOUT_BACKGROUND
                assert colour_at(frame, x, y) == want, (row, column)
    # the paddle: its colour in the band below y = 180, centred where obs[0] says
    band = frame[360:368]
    cols = np.nonzero((band == PADDLE).all(axis=-1).any(axis=0))[0]
    centre, half = obs[0] * 144 * 2, obs[1] * 144
    assert abs(cols.min() - (centre - half)) <= 1 and abs(cols.max() + 1 - (centre + half)) <= 1
    # the ball: a white disc around (x, y)
    ys, xs = np.nonzero((frame == BALL).all(axis=-1))
    assert abs(xs.mean() - obs[2] * 288) <= 1 and abs(ys.mean() - obs[3] * 384) <= 1


# ---- Snake: every grid cell, agent 0 highlighted ----
SNAKE_COLOURS = {  # observation code -> colour of that cell in the frame (agent 0's view)
    0: (16, 16, 24), 1: (96, 96, 112), 2: (232, 88, 80), 3: (64, 176, 96), 4: (160, 248, 128),
    5: (128, 168, 248), 6: (64, 96, 176),
}


@pytest.mark.parametrize("config", [{}, {"width": 20, "height": 12, "num_snakes": 6, "num_food": 10}])
def test_snake_frame_around_agent_zero_matches_its_window(config):
    env = ocean.make("snake", num_envs=2, seed=5, **config)
    for steps in (1, 30, 90):
        obs = step_randomly(env, steps, seed=steps)
        frame = env.render(0)
        width, height = env.config["width"], env.config["height"]
        px = frame.shape[1] // width
        assert frame.shape == (height * px, width * px, 3)
        centres = frame[px // 2::px, px // 2::px]          # one pixel per cell
        head = np.argwhere((centres == SNAKE_COLOURS[4]).all(axis=-1))
        assert len(head) == 1, "exactly one highlighted head"
        (hy, hx), vision = head[0], env.config["vision"]
        side = 2 * vision + 1
        for r in range(side):
            for c in range(side):
                y, x = hy - vision + r, hx - vision + c
                inside = 0 <= y < height and 0 <= x < width
                got = tuple(int(v) for v in centres[y, x]) if inside else SNAKE_COLOURS[1]
                assert got == SNAKE_COLOURS[int(obs[0, r, c])], (r, c)


def test_snake_reference_size_frame_is_two_pixels_a_cell():
    env = ocean.make("snake", num_envs=1, seed=0, width=640, height=360, num_snakes=256,
                     num_food=4096)
    env.reset()
    assert env.render(0).shape == (720, 1280, 3)


# ---- Maze: the full maze, visited cells tinted, the view outlined ----
TILES = [(40, 40, 52), (200, 200, 190), (72, 200, 96), (240, 200, 48), (168, 104, 48)]
TINT, AGENT, VIEW = (96, 144, 240), (224, 64, 64), (240, 80, 200)


def tinted(colour):
    return tuple(int(0.65 * c + 0.35 * t + 0.5) for c, t in zip(colour, TINT))


def tile_code(colour):
    for code, base in enumerate(TILES):
        if colour in (base, tinted(base)):
            return code
    raise AssertionError(f"unexpected tile colour {colour}")


@pytest.mark.parametrize("config", [{}, {"size": 6, "keys": 1, "view": 7}])
def test_maze_frame_window_and_outline_match_the_observation(config):
    env = ocean.make("maze", num_envs=2, seed=2, **config)
    view, side = env.config["view"], 2 * env.config["size"] + 1
    for steps in (1, 25, 60):
        obs = step_randomly(env, steps, seed=steps)[0]
        frame = env.render(0)
        px = frame.shape[0] // side
        assert frame.shape == (side * px, side * px, 3)
        centres = frame[px // 2::px, px // 2::px]
        agent = np.argwhere((centres == AGENT).all(axis=-1))
        assert len(agent) == 1
        (ay, ax), half = agent[0], view // 2
        window = obs[:view * view].reshape(view, view)
        for r in range(view):
            for c in range(view):
                y, x = ay - half + r, ax - half + c
                if (r, c) == (half, half):
                    continue  # the agent's disc covers its tile
                inside = 0 <= y < side and 0 <= x < side
                code = tile_code(tuple(int(v) for v in centres[y, x])) if inside else 0
                assert code == window[r, c], (r, c)
        ys, xs = np.nonzero((frame == VIEW).all(axis=-1))
        assert xs.min() == max(0, (ax - half) * px) and ys.min() == max(0, (ay - half) * px)
        assert xs.max() + 1 == min(side * px, (ax + half + 1) * px)
        assert ys.max() + 1 == min(side * px, (ay + half + 1) * px)


def test_maze_visited_cells_are_tinted():
    env = ocean.make("maze", num_envs=1, seed=4)
    env.reset()
    side = 2 * env.config["size"] + 1
    first = env.render(0)
    px = first.shape[0] // side
    rng = np.random.default_rng(0)
    for _ in range(40):
        _, _, terminal, truncation, _ = env.step(rng.integers(0, 4, 1))
        assert not (terminal | truncation).any()
    centres = env.render(0)[px // 2::px, px // 2::px]
    tinted_floor = (centres == tinted(TILES[1])).all(axis=-1).sum()
    start_tinted = (first[px // 2::px, px // 2::px] == tinted(TILES[1])).all(axis=-1).sum()
    assert tinted_floor >= 1 and start_tinted == 0  # the start cell sits under the agent


def test_multiprocess_render_says_to_use_serial():
    env = ocean.make("pong", num_envs=2, backend="multiprocess", num_workers=1)
    try:
        env.reset(seed=0)
        with pytest.raises(NotImplementedError, match="serial backend"):
            env.render(0)
    finally:
        env.close()
