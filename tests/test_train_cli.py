"""`ocean train` / `ocean eval` command lines: overrides apply, and every bad key or value
is an error that names it."""
import typing

import pytest

from conftest import fails
from ocean.cli import main
from ocean.config import ConfigError
from ocean.train import config as train_config


def test_overrides_apply_over_game_defaults():
    config = train_config.parse("pong", ["--train.learning-rate", "5e-4", "--env.frameskip", "2",
                                         "--train.total-steps", "50_000_000", "--policy.lstm",
                                         "--train.num-envs", "16"])
    assert config.train.learning_rate == 5e-4 and config.env.frameskip == 2
    assert config.train.total_steps == 50_000_000 and config.policy.lstm
    defaults = train_config.game_defaults("pong")
    assert config.train.horizon == defaults["train"]["horizon"]  # from ocean/pong/train.toml


def test_unknown_key_is_named_with_a_suggestion(capsys):
    text = fails(["train", "pong", "--train.lerning-rate", "1e-3"], capsys)
    assert "--train.lerning-rate" in text and "--train.learning-rate" in text


def test_value_of_wrong_type_names_the_key(capsys):
    text = fails(["train", "pong", "--train.learning-rate", "fast"], capsys)
    assert "--train.learning-rate" in text and "fast" in text


@pytest.mark.parametrize("flag, value, named", [
    ("--train.gamma", "1.5", "train.gamma"),
    ("--train.num-envs", "0", "train.num_envs"),
    ("--policy.encoder", "transformer", "policy.encoder"),
    ("--env.frameskip", "99", "frameskip"),
    ("--train.num-minibatches", "3", "train.num_minibatches"),
    ("--device", "tpu", "device"),
])
def test_out_of_range_values_name_the_key(capsys, flag, value, named):
    text = fails(["train", "pong", flag, value], capsys)
    assert named in text and value in text


def test_unknown_env_is_an_error(capsys):
    assert "nosuch" in fails(["train", "nosuch"], capsys)


def test_defaults_file_with_an_unknown_key_names_file_and_key():
    with pytest.raises(ConfigError, match=r"pong/train.toml: \[train\] has no key 'lr'"):
        train_config.build("pong", [{"train": {"lr": 1}}], where="ocean/pong/train.toml")
    with pytest.raises(ConfigError, match="unknown section"):
        train_config.build("pong", [{"trian": {"lr": 1}}])


def test_resume_and_eval_of_a_missing_checkpoint_say_so(capsys, tmp_path):
    missing = str(tmp_path / "nope.pt")
    assert "does not exist" in fails(["train", "pong", "--resume", missing], capsys)
    assert "does not exist" in fails(["eval", "pong", "--checkpoint", missing], capsys)


def test_corrupt_checkpoint_from_the_command_line(capsys, tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(b"not a checkpoint")
    assert "truncated, corrupt" in fails(["eval", "--checkpoint", str(path)], capsys)


@pytest.mark.parametrize("layer, named", [
    ({"policy": {"lstm": "yes"}}, "policy.lstm"),
    ({"train": {"learning_rate": "fast"}}, "train.learning_rate"),
    ({"env": {"max_score": 0}}, "max_score"),
])
def test_bad_values_in_a_defaults_file_name_the_key(layer, named):
    with pytest.raises(ConfigError, match=named):
        train_config.validate("pong", train_config.build("pong", [layer]))


def test_env_keys_left_unset_take_the_games_derived_defaults():
    config = train_config.build("maze", [{"env": {"size": 4}}])
    assert train_config.resolve_env("maze", config)["max_steps"] == 8 * 4 ** 2
    config = train_config.parse("maze", ["--env.size", "4", "--env.max-steps", "99"])
    assert train_config.resolve_env("maze", config)["max_steps"] == 99


def bounded_keys():
    """(section, key, Range) of every train/policy/e3b/dqn field annotated with a Range."""
    for section in ("train", "policy", "e3b", "dqn"):
        cls = type(getattr(train_config.build("pong"), section))
        for key, hint in typing.get_type_hints(cls, include_extras=True).items():
            for mark in getattr(hint, "__metadata__", ()):
                if isinstance(mark, train_config.Range):
                    yield pytest.param(section, key, mark, id=f"{section}.{key}")


@pytest.mark.parametrize("section, key, bounds", list(bounded_keys()))
def test_every_bounded_key_refuses_values_outside_its_range(section, key, bounds):
    for value in (bounds.low - 1, bounds.high + 1):
        with pytest.raises(ConfigError, match=f"'{section}.{key}'.* must be in .* got"):
            train_config.validate("pong", train_config.build("pong", [{section: {key: value}}]))


def test_help_lists_the_choices(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "pong", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "{auto,mlp,grid}" in text and "{idm,policy}" in text and "{ppo,dqn}" in text
    assert "--dqn.munchausen-alpha" in text and "--dqn.replay-ratio" in text


def test_config_file_layers_over_defaults_and_under_flags(tmp_path):
    path = tmp_path / "best.toml"
    path.write_text("[train]\nlearning_rate = 3e-3\nhorizon = 32\n[policy]\nhidden = 32\n"
                    "[env]\nframeskip = 2\n[sweep.train.horizon]\nkind = 'pow2'\n")
    config = train_config.parse("pong", ["--config", str(path), "--train.horizon", "16"])
    assert config.train.learning_rate == 3e-3 and config.policy.hidden == 32
    assert config.env.frameskip == 2
    assert config.train.horizon == 16  # the flag wins over the file
    defaults = train_config.game_defaults("pong")
    assert config.train.num_envs == defaults["train"]["num_envs"]  # the rest: the game's
    assert "sweep" not in defaults  # the [sweep] table is the sweep's, not a run setting


def test_config_file_errors_name_the_file_and_key(capsys, tmp_path):
    assert "nope.toml" in fails(["train", "pong", "--config", str(tmp_path / "nope.toml")],
                                capsys)
    bad = tmp_path / "bad.toml"
    bad.write_text("[train]\nlerning_rate = 1e-3\n")
    text = fails(["train", "pong", "--config", str(bad)], capsys)
    assert "bad.toml" in text and "lerning_rate" in text
    bad.write_text("[train\n")
    assert "bad.toml" in fails(["train", "pong", "--config", str(bad)], capsys)
