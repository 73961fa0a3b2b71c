"""Frames without a display: env.render() pixels against the state the observations report,
and the rasteriser against brute force."""
import numpy as np
import pytest

import ocean
import ocean.pong

# What pong.h says it draws: 2 frame pixels per court pixel, and these colours.
SCALE = 2
WIDTH, HEIGHT = 160, 192
AGENT = (80, 208, 120)
OPPONENT = (232, 88, 80)
BALL = (248, 248, 248)
SCORE = (128, 136, 152)
PADDLE_HALF, PADDLE_WIDTH, BALL_DRAWN_RADIUS = 10, 4, 2
AGENT_X, OPPONENT_X = 140, 20
DIGIT_PX, SCORE_TOP = 4, 8


def pack(frame):
    """One int per pixel (0xRRGGBB), so each colour test is one comparison."""
    frame = frame.astype(np.int32)
    return (frame[..., 0] << 16) | (frame[..., 1] << 8) | frame[..., 2]


def mask(packed, color):
    r, g, b = color
    return packed == (r << 16) | (g << 8) | b


def box(pixels):
    """(top, bottom, left, right) of the True pixels, bottom/right exclusive."""
    rows, cols = np.nonzero(pixels)
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


def first_pixel(coordinate):
    """The first pixel whose centre is at or past `coordinate` (render.h's half-pixel rule)."""
    return int(np.ceil(coordinate - 0.5))


def check_paddle(frame, color, face_left, centre_y):
    top, bottom, left, right = box(mask(frame, color))
    assert (left, right) == (face_left * SCALE, (face_left + PADDLE_WIDTH) * SCALE)
    want_top = first_pixel((centre_y - PADDLE_HALF) * SCALE)
    want_bottom = first_pixel((centre_y + PADDLE_HALF) * SCALE)
    # observations are float32 fractions: allow the one pixel a rounding at an edge can move
    assert abs(top - want_top) <= 1 and abs(bottom - want_bottom) <= 1, \
        (top, bottom, want_top, want_bottom)


# render.h's 3x5 digit font, as its comment describes it: the spec the score pixels follow.
FONT = {
    "0": ("###", "#.#", "#.#", "#.#", "###"), "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"), "3": ("###", "..#", "###", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"), "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"), "7": ("###", "..#", "..#", "..#", "..#"),
    "8": ("###", "#.#", "###", "#.#", "###"), "9": ("###", "#.#", "###", "..#", "###"),
}


def check_score(frame, points, centre_x):
    """The score's digits, each font pixel DIGIT_PX square, centred on centre_x (court
    pixels) under the top edge: exactly these pixels and no others in that half of the court."""
    glyphs = [FONT[digit] for digit in str(points)]
    rows = ["." .join(glyph[r] for glyph in glyphs) for r in range(5)]  # a blank column between
    want = np.kron(np.array([[c == "#" for c in row] for row in rows]),
                   np.ones((DIGIT_PX, DIGIT_PX), dtype=bool))
    left = int(centre_x * SCALE) - want.shape[1] // 2
    half = slice(int((centre_x - WIDTH / 4) * SCALE), int((centre_x + WIDTH / 4) * SCALE))
    expected = np.zeros(frame.shape, dtype=bool)
    expected[SCORE_TOP:SCORE_TOP + want.shape[0], left:left + want.shape[1]] = want
    visible = ~mask(frame, BALL)  # the ball flies over the digits sometimes
    assert np.array_equal((mask(frame, SCORE) & visible)[:, half],
                          (expected & visible)[:, half]), points


def test_frames_match_the_state_the_observations_report():
    env = ocean.make("pong", num_envs=4, seed=3, max_score=50)
    obs, _ = env.reset()
    rng = np.random.default_rng(0)
    balls_checked = 0
    for step in range(300):
        obs, *_ = env.step(np.where(rng.random(4) < 0.7, ocean.pong.scripted_policy(obs),
                                    rng.integers(0, 3, 4)))
        index = step % 4
        frame = pack(env.render(index))
        o = obs[index]
        check_paddle(frame, AGENT, AGENT_X, o[0] * HEIGHT)
        check_paddle(frame, OPPONENT, OPPONENT_X - PADDLE_WIDTH, o[1] * HEIGHT)
        check_score(frame, round(o[7] * 50), WIDTH / 4)  # opponent's on the left
        check_score(frame, round(o[6] * 50), 3 * WIDTH / 4)
        ball_x, ball_y = o[2] * WIDTH * SCALE, o[3] * HEIGHT * SCALE
        radius = BALL_DRAWN_RADIUS * SCALE
        inside = radius + 1 < ball_x < WIDTH * SCALE - radius - 1 \
            and radius + 1 < ball_y < HEIGHT * SCALE - radius - 1
        if inside:  # whole disc on the canvas: it sits where the state says, at its size
            rows, cols = np.nonzero(mask(frame, BALL))
            assert abs(cols.mean() + 0.5 - ball_x) < 0.5 and abs(rows.mean() + 0.5 - ball_y) < 0.5
            assert abs(len(rows) - np.pi * radius**2) < 2 * np.pi * radius
            balls_checked += 1
    assert balls_checked > 200


def test_frame_shape_dtype_and_a_new_array_per_call():
    env = ocean.make("pong", num_envs=2, seed=0)
    env.reset()
    first, second = env.render(), env.render(1)
    assert env.frame_shape == (HEIGHT * SCALE, WIDTH * SCALE, 3)
    assert first.shape == env.frame_shape and first.dtype == np.uint8
    assert first.flags.c_contiguous and first is not second
    assert env.render_mode == "rgb_array" and "rgb_array" in env.metadata["render_modes"]
    out = np.zeros(env.frame_shape, dtype=np.uint8)
    assert env.render(0, out=out) is out and np.array_equal(out, first)


def test_every_game_renders_a_real_frame():
    for name in ocean.list_envs():
        env = ocean.make(name, num_envs=2, seed=0)
        obs, _ = env.reset()
        for _ in range(20):
            obs, *_ = env.step(env.action_space.sample())
        frame = env.render(1)
        assert frame.shape == env.frame_shape and frame.dtype == np.uint8, name
        assert len(np.unique(frame.reshape(-1, 3), axis=0)) >= 3, f"{name}: a blank frame"
        env.close()


def test_rendering_does_not_change_the_trajectory():
    watched = ocean.make("pong", num_envs=3, seed=9)
    unwatched = ocean.make("pong", num_envs=3, seed=9)
    watched.reset()
    unwatched.reset()
    rng = np.random.default_rng(1)
    for _ in range(500):
        actions = rng.integers(0, 3, 3)
        watched.render(1)
        a = watched.step(actions)
        b = unwatched.step(actions)
        for x, y in zip(a[:4], b[:4]):
            assert np.array_equal(x, y)


def test_bad_render_calls_raise_clear_errors():
    env = ocean.make("pong", num_envs=2, seed=0)
    with pytest.raises(RuntimeError, match="reset"):
        env.render()
    env.reset()
    with pytest.raises(IndexError, match=r"indices 0\.\.1"):
        env.render(2)
    with pytest.raises(IndexError):
        env.render(-1)
    with pytest.raises(TypeError, match="integer"):
        env.render(0.0)
    for out in (np.zeros((384, 320, 3), np.float32), np.zeros((320, 384, 3), np.uint8),
                np.zeros((384, 320, 3), np.uint8)[:, ::-1], [0]):
        with pytest.raises(ValueError, match="out must be"):
            env.render(0, out=out)
    env.close()
    with pytest.raises(RuntimeError, match="closed"):
        env.render()


def test_rasteriser_paints_exactly_the_pixels_inside_each_shape(c_program):
    assert c_program("tests/c/test_render.c")().strip() == "ok"
