"""Sweep spaces (ocean/sweep/spaces.py): every rule of normalize, unnormalize and sampling,
against hand-computed values, and every bad spec as an error naming the parameter."""
import math

import numpy as np
import pytest

from ocean.config import ConfigError
from ocean.sweep.spaces import Space, parse_spaces, sample_around
from ocean.train import config as train_config

SPACES = [
    Space("train.learning_rate", "log", 1e-4, 1e-2, 1e-3),
    Space("train.total_steps", "log", 1_000, 1_000_000, 10_000, integer=True),
    Space("train.clip_coef", "linear", 0.1, 0.5, 0.2),
    Space("train.update_epochs", "linear", 1, 8, 2, integer=True),
    Space("train.num_envs", "pow2", 16, 4096, 1024),
    Space("train.gamma", "log1m", 0.9, 0.999, 0.99),
]


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.kind + ("-int" if s.integer else ""))
def test_bounds_map_to_minus_one_and_one(space):
    assert space.normalize(space.min) == -1.0 and space.normalize(space.max) == 1.0
    assert space.unnormalize(-1.0) == space.min and space.unnormalize(1.0) == space.max


@pytest.mark.parametrize("space, value, x", [
    (SPACES[0], 1e-3, 0.0),                # log10: -4, -3, -2
    (SPACES[2], 0.4, 0.5),                 # (0.4 - 0.1) / 0.4 * 2 - 1
    (Space("policy.hidden", "pow2", 16, 1024, 64), 128, 0.0),  # log2: 4, 7, 10
    (SPACES[5], 0.99, 0.0),                # 1 - v: 0.1, 0.01, 0.001
    (SPACES[5], 0.9, -1.0),
])
def test_normalize_by_hand(space, value, x):
    assert space.normalize(value) == pytest.approx(x, abs=1e-12)


def test_rounding_comes_after_the_inverse_transform():
    # log integer: x = 0 is 10**1.5 = 31.62..., rounded to 32 (not 10**round(1.5) = 100)
    assert Space("p.x", "log", 1, 1000, 10, integer=True).unnormalize(0.0) == 32
    # pow2 rounds the exponent: 2**4.6 = 24.25 -> e = 5 -> 32 (rounding the value: 24)
    space = Space("p.x", "pow2", 16, 1024, 64)
    assert space.unnormalize(space.normalize(2 ** 4.6)) == 32
    assert space.unnormalize(space.normalize(2 ** 4.4)) == 16
    # integer linear rounds half up: 1..8, x = 0 is 4.5 -> 5
    assert Space("p.x", "linear", 1, 8, 2, integer=True).unnormalize(0.0) == 5


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.kind + ("-int" if s.integer else ""))
def test_monotone_and_round_trips(space):
    xs = np.linspace(-1, 1, 401)
    values = [space.unnormalize(x) for x in xs]
    assert all(a <= b for a, b in zip(values, values[1:]))  # unnormalize never goes down
    grid = sorted(set(values))
    normalized = [space.normalize(v) for v in grid]
    assert all(a < b for a, b in zip(normalized, normalized[1:]))  # normalize strictly up
    on_grid = space.integer or space.kind == "pow2"
    for value in grid:  # exactly on the integer and pow2 grids, to round-off elsewhere
        back = space.unnormalize(space.normalize(value))
        assert back == value if on_grid else back == pytest.approx(value, rel=1e-12)
    if not on_grid:
        for x in xs:
            assert space.normalize(space.unnormalize(x)) == pytest.approx(x, abs=1e-9)
    if space.kind == "pow2":
        assert all(math.log2(v).is_integer() for v in values)
    if space.integer or space.kind == "pow2":
        assert all(isinstance(v, int) for v in values)


@pytest.mark.parametrize("noise", ["gaussian", "uniform"])
def test_samples_stay_in_bounds(noise):
    rng = np.random.default_rng(0)
    centre = np.array([s.centre for s in SPACES])
    x = sample_around(centre, np.full(len(SPACES), 3.0), rng, noise, count=2000)
    assert x.min() == -1.0 and x.max() == 1.0  # wide noise: clipped onto the bounds
    for column, space in zip(x.T, SPACES):
        values = [space.unnormalize(v) for v in column]
        assert min(values) >= space.min and max(values) <= space.max


@pytest.mark.parametrize("noise", ["gaussian", "uniform"])
def test_scale_zero_samples_the_centre(noise):
    centre = np.array([s.centre for s in SPACES])
    x = sample_around(centre, np.zeros(len(SPACES)), np.random.default_rng(1), noise, count=5)
    assert (x == centre).all()
    assert [s.unnormalize(c) for s, c in zip(SPACES, x[0])] == [s.mean for s in SPACES]


def test_noise_kinds_differ_as_documented():
    rng = np.random.default_rng(2)
    uniform = sample_around([0.0], [0.25], rng, "uniform", count=4000)
    gaussian = sample_around([0.0], [0.25], rng, "gaussian", count=4000)
    assert np.abs(uniform).max() <= 0.25           # U(-1, 1) * scale never goes further
    assert np.abs(gaussian).max() > 0.5            # N(0, 1) * scale does, now and then
    assert np.std(gaussian) == pytest.approx(0.25, rel=0.1)
    with pytest.raises(ConfigError, match="noise"):
        sample_around([0.0], [0.25], rng, "cauchy")


def test_samples_pick_among_several_centres():
    centres = np.array([[-0.5], [0.5]])
    x = sample_around(centres, [0.0], np.random.default_rng(3), "gaussian", count=200)
    assert set(x.ravel()) == {-0.5, 0.5}


@pytest.mark.parametrize("spec, message", [
    (dict(kind="linear", min=1.0, max=1.0), r"min \(1.0\) must be below max"),
    (dict(kind="linear", min=2.0, max=1.0), r"min \(2.0\) must be below max"),
    (dict(kind="log", min=0.0, max=1.0), "log space needs min > 0"),
    (dict(kind="pow2", min=-4, max=16), "pow2 space needs min > 0"),
    (dict(kind="pow2", min=3, max=16), "powers of two"),
    (dict(kind="log1m", min=0.9, max=1.0), r"log1m space lies in \[0, 1\)"),
    (dict(kind="log1m", min=-0.1, max=0.9), r"log1m space lies in \[0, 1\)"),
    (dict(kind="linear", min=0.0, max=1.0, mean=2.0), r"mean 2.0 is outside \[0.0, 1.0\]"),
    (dict(kind="logit", min=0.0, max=1.0), "kind must be one of linear, log, pow2, log1m"),
    (dict(kind="linear", min=0.0, max=1.0, scale=-1), "scale must be 0 or more"),
    (dict(kind="log1m", min=0.0, max=0.9, integer=True), "integer applies to linear and log"),
    (dict(kind="linear", min=0.5, max=3.0, integer=True), "whole-number min and max"),
])
def test_bad_space_names_the_parameter(spec, message):
    spec = {"mean": spec["min"] if spec["kind"] != "pow2" else 16, **spec}
    with pytest.raises(ConfigError, match=message) as error:
        Space("train.gamma", **spec)
    assert "train.gamma" in str(error.value)


def parse(table, game="pong", fixed=()):
    config = train_config.build(game, [train_config.game_defaults(game)])
    return parse_spaces(table, config, train_config.resolve_env(game, config), "test", fixed)


def test_mean_defaults_to_the_games_value_and_can_be_given():
    spaces, options = parse({"train": {"learning_rate": {"kind": "log", "min": 1e-5,
                                                         "max": 1e-1}},
                             "env": {"frameskip": {"kind": "linear", "integer": True,
                                                   "min": 1, "max": 8, "mean": 2}},
                             "policy": {"hidden": {"kind": "pow2", "min": 16, "max": 256}}})
    lr, frameskip, hidden = spaces
    assert lr.mean == train_config.game_defaults("pong")["train"]["learning_rate"]
    assert frameskip.mean == 2 and hidden.mean == 64 and hidden.scale == 0.5
    assert options == {"noise": "gaussian", "random_trials": 4, "points": 5}


@pytest.mark.parametrize("table, message", [
    ({"train": {"learning_rte": {"kind": "log", "min": 1e-4, "max": 1e-2}}},
     r"unknown parameter train.learning_rte \(did you mean train.learning_rate\?\)"),
    ({"env": {"frameskp": {"kind": "linear", "min": 1, "max": 4, "integer": True}}},
     r"unknown parameter env.frameskp \(did you mean env.frameskip\?\)"),
    ({"trian": {}}, r"unknown entry 'trian'.*did you mean train"),
    ({"train": {"learning_rate": {"kind": "log", "min": 1e-4, "max": 1e-2, "sclae": 1}}},
     r"train.learning_rate: unknown key 'sclae' \(did you mean scale\?\)"),
    ({"train": {"learning_rate": {"kind": "log", "max": 1e-2}}}, "learning_rate: needs min"),
    ({"train": {"num_envs": {"kind": "linear", "min": 8, "max": 64}}},
     "train.num_envs is a whole number"),
    ({"train": {"anneal_lr": {"kind": "linear", "min": 0, "max": 1}}},
     "train.anneal_lr: only numeric"),
    ({"train": {"learning_rate": {"kind": "log", "min": 1e-2, "max": 1e-1}}},
     r"train.learning_rate: mean [-+.\de]+ is outside"),
    ({"train": {"num_envs": {"kind": "pow2", "min": 16, "max": 4096, "mean": 1000}}},
     "train.num_envs: mean 1000 must be a power of two"),
    ({"noise": "cauchy"}, "noise must be one of gaussian, uniform"),
    ({"points": 0}, "points must be an integer of at least 1"),
])
def test_bad_tables_are_clear_errors(table, message):
    with pytest.raises(ConfigError, match=message):
        parse(table)


def test_fixed_parameters_are_left_out():
    table = {"train": {"total_steps": {"kind": "log", "integer": True, "min": 10**6,
                                       "max": 10**8}}}
    assert parse(table, fixed={"train.total_steps"})[0] == []


@pytest.mark.parametrize("game", ["pong", "breakout", "snake", "maze"])
def test_every_games_sweep_table_parses(game):
    table = train_config.read_toml(train_config.defaults_path(game))["sweep"]
    spaces, _ = parse(table, game)
    assert spaces and all(s.min <= s.mean <= s.max for s in spaces)
