"""The C side on its own: every game compiles warning-free and survives 10^6 random
agent-steps under AddressSanitizer and UndefinedBehaviorSanitizer."""
import subprocess

import ocean
from conftest import ROOT


def make(target):
    return subprocess.run(["make", "-s", "-C", str(ROOT / "csrc"), target],
                          capture_output=True, text=True, timeout=600)


def test_every_game_builds_with_werror():
    result = make("build/bench")
    assert result.returncode == 0, result.stderr


def test_sanitizer_run_covers_every_game_without_reports():
    result = make("sanitize")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "runtime error" not in result.stderr and "AddressSanitizer" not in result.stderr
    games_run = [line.split()[0] for line in result.stdout.splitlines() if "agent-steps/s" in line]
    assert games_run == ocean.list_envs()


def test_actions_outside_the_range_never_index_memory():
    """Python refuses them, but the shared-memory hand-off could still deliver one: every
    game must take any int32 without a sanitizer report."""
    result = make("sanitize-wild")
    assert result.returncode == 0, result.stdout + result.stderr
    games_run = [line.split()[0] for line in result.stdout.splitlines() if "agent-steps/s" in line]
    assert games_run == ocean.list_envs()
