"""benchmarks/studies.py, what the study scripts share: how --shard splits the alternating
order of runs, and how a report run game by game keeps the other games' sections."""
import argparse
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import studies  # noqa: E402  (a script folder, not a package)

VARIANTS = ["baseline", "a", "b", "c"]


def test_one_shard_is_the_alternating_order():
    assert studies.shard_runs(VARIANTS, 3) == [
        (0, "baseline"), (0, "a"), (0, "b"), (0, "c"),
        (1, "a"), (1, "b"), (1, "c"), (1, "baseline"),
        (2, "b"), (2, "c"), (2, "baseline"), (2, "a")]


@pytest.mark.parametrize("count", [2, 3, 5])
def test_shards_split_every_run_once_and_keep_its_order(count):
    whole = studies.shard_runs(VARIANTS, 3)
    shards = [studies.shard_runs(VARIANTS, 3, index, count) for index in range(count)]
    assert sorted(run for runs in shards for run in runs) == sorted(whole)
    for runs in shards:
        assert runs == sorted(runs, key=whole.index)
    assert max(map(len, shards)) - min(map(len, shards)) <= 1


@pytest.mark.parametrize("text", ["2", "a/2", "2/2", "-1/2", "0/0", "1/2/3"])
def test_a_bad_shard_is_a_clear_error(text):
    with pytest.raises(argparse.ArgumentTypeError, match="--shard"):
        studies.shard(text)


def test_a_report_keeps_the_games_it_did_not_rerun(tmp_path):
    studies.write_report("demo", ["Methods: x\n", "## Pong\n\nPong's table\n"], tmp_path,
                         ["--games", "pong"])
    studies.write_report("demo", ["Methods: x\n", "## Breakout\n\nBreakout's table\n"],
                         tmp_path, ["--games", "breakout"])
    studies.write_report("demo", ["Methods: x\n", "## Pong\n\nPong's new table\n"], tmp_path,
                         ["--games", "pong", "--seeds", "5"])
    text = (tmp_path / "demo_study.md").read_text()
    head, pong, breakout = text.split("\n## ")
    assert head == "# Demo study: results\n\nMethods: x\n"
    assert pong.startswith("Pong\n\nWritten by `python benchmarks/demo_study.py --games pong "
                           "--seeds 5` on ") and "Pong's new table" in pong
    assert "Pong's table" not in text
    assert breakout.startswith("Breakout\n\nWritten by `python benchmarks/demo_study.py "
                               "--games breakout` on ") and "Breakout's table" in breakout
    assert not list(tmp_path.glob("*.tmp"))
