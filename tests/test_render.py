"""Frames without a display: env.render() pixels against the state the observations report,
the rasteriser against brute force, recording to GIF/PNG, the policy hook and the keyboard
mapping. The window itself is tested in test_render_window.py."""
import dataclasses
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageSequence

import ocean
import ocean.breakout
import ocean.pong
import ocean.render
from conftest import ROOT, actions_taken
from ocean.render.controls import Controls
from ocean.render.policy import PolicyError, load_policy

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


def frames_of(name, steps, seed, policy, **config):
    env = ocean.make(name, num_envs=1, seed=seed, **config)
    obs, _ = env.reset()
    frames = [env.render()]
    for _ in range(steps):
        obs, *_ = env.step(policy(obs))
        frames.append(env.render())
    return frames


def test_gif_holds_every_frame_exactly_and_png_the_last(tmp_path):
    want = frames_of("pong", 40, 5, ocean.pong.scripted_policy, frameskip=2)
    gif = ocean.render.record("pong", steps=40, out=tmp_path / "pong.gif", seed=5, frameskip=2)
    with Image.open(gif) as image:
        got = [np.array(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)]
        assert image.info["duration"] == 30  # 30 FPS, in the centiseconds GIF stores
    assert len(got) == 41
    assert all(np.array_equal(g, w) for g, w in zip(got, want))
    png = ocean.render.record("pong", steps=40, out=tmp_path / "pong.png", seed=5, frameskip=2)
    assert np.array_equal(np.array(Image.open(png)), want[-1])


def test_render_command_writes_a_gif_without_a_display(tmp_path):
    out = tmp_path / "pong.gif"
    result = subprocess.run(
        [sys.executable, "-m", "ocean", "render", "pong", "--steps", "10", "--out", str(out),
         "--seed", "1", "frameskip=2"], capture_output=True, text=True, cwd=ROOT, timeout=60,
        env=without_display())
    assert result.returncode == 0, result.stderr
    with Image.open(out) as image:
        assert image.n_frames == 11 and image.size == (WIDTH * SCALE, HEIGHT * SCALE)


@pytest.mark.parametrize("args, message", [
    (["--out", "x.jpg"], "must end in .gif"),
    (["--out", "x.gif", "frameskip=99"], "frameskip"),
    (["--out", "x.gif", "nope=1"], "no config key 'nope'"),
    (["--out", "x.gif", "--checkpoint", "missing.pt"], "no checkpoint file"),
    (["--out", "x.gif", "frameskip=fast"], "must be a number"),
])
def test_render_command_reports_bad_input_without_a_traceback(tmp_path, args, message):
    result = subprocess.run([sys.executable, "-m", "ocean", "render", "pong", "--steps", "3",
                             *args], capture_output=True, text=True, cwd=tmp_path, timeout=60,
                            env={**without_display(), "PYTHONPATH": str(ROOT)})
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.gif").exists()


@pytest.mark.parametrize("name", ["frames.gif", "frames"])
def test_an_out_that_is_a_directory_is_refused_before_stepping(tmp_path, name):
    (tmp_path / name).mkdir()
    result = subprocess.run([sys.executable, "-m", "ocean", "render", "pong", "--steps", "3",
                             "--out", name], capture_output=True, text=True, cwd=tmp_path,
                            timeout=60, env={**without_display(), "PYTHONPATH": str(ROOT)})
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"{name} is a directory" in result.stderr, result.stderr
    calls = []

    def policy(observations):  # a policy that counts the steps taken
        calls.append(1)
        return np.zeros(len(observations), np.int64)
    with pytest.raises(ValueError, match="is a directory"):
        ocean.render.record("pong", steps=3, out=tmp_path / name, policy=policy)
    assert calls == [] and list((tmp_path / name).iterdir()) == []


def without_display():
    import os
    return {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}


def test_a_missing_extra_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("DISPLAY", ":4093")  # past the display check; never reached
    monkeypatch.delitem(sys.modules, "ocean.render.window", raising=False)
    monkeypatch.setitem(sys.modules, "pyray", None)  # as if raylib were not installed
    with pytest.raises(ocean.render.RenderError, match=r"ocean play needs the \[render\] extra"):
        ocean.render.play("pong")
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    with pytest.raises(ocean.render.RenderError, match=r"recording needs the \[render\] extra"):
        ocean.render.record("pong", steps=1, out=tmp_path / "x.gif")


def test_policy_hook_scripted_random_and_checkpoints(tmp_path):
    env = ocean.make("pong", num_envs=4, seed=0)
    obs, _ = env.reset()
    assert load_policy(env) is ocean.pong.scripted_policy
    assert load_policy(env, "scripted") is ocean.pong.scripted_policy
    first, second = load_policy(env, "random", seed=7), \
        load_policy(env, "random", seed=7)
    draws = np.array([first(obs) for _ in range(50)])
    assert np.array_equal(draws, [second(obs) for _ in range(50)])
    assert draws.shape == (50, 4) and set(np.unique(draws)) == {0, 1, 2}
    with pytest.raises(PolicyError, match="no checkpoint file"):
        load_policy(env, str(tmp_path / "missing.pt"))
    checkpoint = tmp_path / "model.pt"
    checkpoint.write_bytes(b"not a checkpoint")
    with pytest.raises(PolicyError, match="model.pt"):
        load_policy(env, str(checkpoint))

    snake = ocean.make("snake", num_envs=1, seed=0)  # no scripted policy: random instead
    snake_obs, _ = snake.reset()
    assert load_policy(snake, seed=0)(snake_obs).shape == (snake.num_agents,)
    with pytest.raises(PolicyError, match="no scripted policy"):
        load_policy(snake, "scripted")


def test_a_trained_checkpoint_plays_its_policy(tmp_path):
    import torch
    from ocean.train import config as train_config
    from ocean.train.checkpoint import save_checkpoint
    from ocean.train.trainer import build
    config = train_config.build("pong")
    config.train.num_envs = 4
    train_env, policy, optimizer = build("pong", config)
    with torch.no_grad():  # a policy that only ever presses "down"
        policy.actor.weight.zero_()
        policy.actor.bias.copy_(torch.tensor([-50.0, -50.0, 50.0]))
    path = save_checkpoint(tmp_path / "model.pt", policy, optimizer,
                           train_config.to_dict(config), "pong", 0, 0)
    env = ocean.make("pong", num_envs=4, seed=0)
    assert (actions_taken(load_policy(env, str(path)), env) == 2).all()
    with pytest.raises(PolicyError, match="trained on 'pong', not 'breakout'"):
        load_policy(ocean.make("breakout", num_envs=1), str(path))


def test_a_checkpoint_plays_the_env_config_it_was_trained_on(tmp_path):
    """maze's train.toml trains with position on (29-byte observations, not the default
    27): rendering its checkpoint needs no KEY=VALUE; an override still wins."""
    from ocean.render import record
    from ocean.train import config as train_config
    from ocean.train.checkpoint import save_checkpoint
    from ocean.train.trainer import build
    config = train_config.parse("maze", ["--train.num-envs", "2"])  # train.toml's defaults
    train_env, policy, optimizer = build("maze", config)
    default_shape = ocean.make("maze").single_observation_space.shape
    assert train_env.single_observation_space.shape != default_shape
    resolved = {**train_config.to_dict(config), "env": dict(train_env.config)}
    path = save_checkpoint(tmp_path / "model.pt", policy, optimizer, resolved, "maze", 0, 0)
    out = record("maze", steps=3, out=str(tmp_path / "maze.png"), checkpoint=str(path))
    assert pathlib.Path(out).stat().st_size > 0
    with pytest.raises(PolicyError, match="does not fit this policy"):
        record("maze", steps=3, out=str(tmp_path / "maze2.png"), checkpoint=str(path),
               position=False)
    with pytest.raises(PolicyError, match="trained on 'maze', not 'pong'"):
        record("pong", steps=3, out=str(tmp_path / "pong.png"), checkpoint=str(path))


def test_pong_keys_map_to_actions_and_idle():
    controls = Controls.for_game(ocean.registry.game("pong"))
    assert controls.action({"UP"}, last_action=2) == 1
    assert controls.action({"W"}, last_action=2) == 1
    assert controls.action({"DOWN", "LEFT"}, last_action=1) == 2
    assert controls.action(set(), last_action=2) == 0  # Shift alone: the paddle stays
    assert controls.help_text() == "Up/W: up  Down/S: down"
    assert "LEFT_SHIFT" in controls.key_names and "S" in controls.key_names


def test_game_key_tables_are_checked():
    maze = ocean.registry.game("maze")  # 4 actions
    fake = dataclasses.replace(maze, human_keys=(("jump", ("SPACE",), 5),))
    with pytest.raises(ValueError, match="action in 0..3"):
        Controls.for_game(fake)
    fake = dataclasses.replace(maze, human_keys=(("left", ("LEFT",), 1),),
                               human_idle_action=None)  # repeat the last action
    controls = Controls.for_game(fake)
    assert controls.action(set(), last_action=3) == 3 and controls.action({"LEFT"}, 3) == 1
    assert not Controls.for_game(dataclasses.replace(maze, human_keys=())).enabled
