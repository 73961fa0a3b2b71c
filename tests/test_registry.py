"""The game registry (ocean/registry.py) and ocean.resolve_config: one record per game, what
C knows read from C, every hook a game may define resolved in one place."""
import re

import pytest

import ocean
from conftest import ROOT
from ocean import registry


def games_h_table():
    """The names in csrc/games.h's table, in its order: the registration a new game adds."""
    return re.findall(r"^\s*&(\w+)_game,", (ROOT / "csrc" / "games.h").read_text(), re.M)


def test_one_record_per_game_built_once():
    assert games_h_table()[:4] == ["pong", "breakout", "snake", "maze"]
    assert list(registry.games()) == ocean.list_envs() == games_h_table()
    assert registry.games() is registry.games()
    for name, game in registry.games().items():
        assert game.name == name and game.module.__name__ == f"ocean.{name}"
        assert game is registry.game(name)


def test_unknown_game_names_the_valid_ones():
    with pytest.raises(ValueError, match="unknown env 'pongg'; valid names: pong, breakout"):
        registry.game("pongg")


def test_action_space_and_agents_come_from_c():
    """Snake's agents per env is its num_snakes (snake_num_agents in C); every game's action
    count is the C descriptor's, and env.step refuses the first action past it."""
    snake = registry.game("snake")
    assert snake.agents_per_env(ocean.resolve_config("snake", num_snakes=7)) == 7
    assert registry.game("pong").agents_per_env(ocean.resolve_config("pong")) == 1
    for name, game in registry.games().items():
        env = ocean.make(name, num_envs=2, seed=0)
        assert env.single_action_space.n == game.num_actions
        env.reset()
        with pytest.raises(ValueError, match=f"valid actions are 0..{game.num_actions - 1}"):
            env.step([game.num_actions] * env.num_agents)
        env.close()


def test_hooks_default_when_a_game_leaves_them_out():
    pong, maze = registry.game("pong"), registry.game("maze")
    assert pong.derived_defaults({}) == {} and pong.action_echo({}) == {}
    assert pong.grid_shape is None and registry.game("snake").scripted_policy is None
    assert registry.game("snake").human_idle_action is None
    assert maze.grid_shape(ocean.resolve_config("maze")) == (5, 5)
    assert pong.scripted_policy is ocean.pong.scripted_policy
    assert [label for label, _, _ in pong.human_keys] == ["up", "down"]


def test_resolve_config_applies_defaults_derived_values_and_rules():
    resolved = ocean.resolve_config("maze", size=12)
    assert resolved["size"] == 12 and resolved["max_steps"] == 8 * 12 ** 2  # derived
    assert ocean.resolve_config("maze", size=12, max_steps=50)["max_steps"] == 50
    assert list(resolved) == list(ocean.default_config("maze"))
    assert ocean.make("maze", size=12).config == resolved
    with pytest.raises(ocean.ConfigError, match="'view' must be odd"):
        ocean.resolve_config("maze", view=4)
    with pytest.raises(ocean.ConfigError, match="has no config key 'sise'"):
        ocean.resolve_config("maze", sise=4)
    with pytest.raises(ocean.ConfigError, match=r"'size' .* must be in"):
        ocean.resolve_config("maze", size=10 ** 6)
