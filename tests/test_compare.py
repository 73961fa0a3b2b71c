"""`ocean compare`: grouping of real run folders, the table's numbers on crafted metrics,
the two-panel figure, and every refusal naming what it refuses."""
import contextlib
import io
import json
import math
import shutil

import matplotlib.image
import pytest
import torch

import ocean
from conftest import fails
from ocean import registry
from ocean.cli import main
from ocean.train.compare import (SECONDS, STEP, compare, group_curve, group_runs, load_runs,
                                 rolling_scores)
from ocean.train.dashboard import MetricsLog

torch.set_num_threads(1)  # two cores shared with the rest of the suite


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory):
    """Four tiny `ocean train pong` runs: seeds 0 and 1 of horizon 16 and of horizon 32."""
    runs_dir = tmp_path_factory.mktemp("runs")
    for horizon in (16, 32):
        for seed in (0, 1):
            with contextlib.redirect_stdout(io.StringIO()):
                main(["train", "pong", "--train.total-steps", "4096", "--train.num-envs", "16",
                      "--train.horizon", str(horizon), "--train.num-minibatches", "2",
                      "--train.seed", str(seed), "--policy.hidden", "16",
                      "--env.max-score", "1", "--no-dashboard", "--runs-dir", str(runs_dir)])
    folders = sorted(runs_dir.iterdir())
    assert len(folders) == 4
    return folders


def seeds_and_horizons(runs):
    return sorted((run.config["train"]["seed"], run.config["train"]["horizon"]) for run in runs)


def test_seeds_group_together_and_configs_apart(real_runs):
    groups = group_runs(load_runs(map(str, real_runs)))
    assert [label for label, _ in groups] == ["train.horizon=16", "train.horizon=32"]
    assert [seeds_and_horizons(runs) for _, runs in groups] == [[(0, 16), (1, 16)],
                                                                [(0, 32), (1, 32)]]


def test_group_by_chosen_keys(real_runs):
    runs = load_runs(map(str, real_runs))
    groups = group_runs(runs, ["train.seed"])
    assert [label for label, _ in groups] == ["train.seed=0", "train.seed=1"]
    assert [seeds_and_horizons(members) for _, members in groups] == [[(0, 16), (0, 32)],
                                                                      [(1, 16), (1, 32)]]
    both = group_runs(runs, ["train.horizon", "train.seed"])
    assert [label for label, _ in both] == [
        "train.horizon=16, train.seed=0", "train.horizon=16, train.seed=1",
        "train.horizon=32, train.seed=0", "train.horizon=32, train.seed=1"]


def test_the_command_prints_the_table_and_writes_a_two_panel_figure(real_runs, tmp_path,
                                                                    capsys):
    out = tmp_path / "compare.png"
    assert main(["compare", *map(str, real_runs), "--threshold", "99", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    rows = [line for line in printed.splitlines() if line.startswith("| train.horizon=")]
    assert len(rows) == 2 and all("| 2 | not reached | not reached |" in row for row in rows)
    assert "seconds to score >= 99" in printed and f"wrote {out}" in printed
    assert matplotlib.image.imread(out).shape == (450, 1200, 4)  # the 12 x 4.5 in figure
    assert [p.name for p in tmp_path.iterdir()] == ["compare.png"]  # no temp file left

    _, figure = compare(map(str, real_runs), out=tmp_path / "again.svg")
    assert [ax.get_xlabel() for ax in figure.axes] == ["wall-clock seconds", "agent-steps"]
    assert figure.axes[0].get_ylabel() == "score (mean of the last 100 episodes)"
    labels = [line.get_label() for line in figure.axes[0].lines]
    assert labels == ["train.horizon=16 (2 runs)", "train.horizon=32 (2 runs)"]
    assert (tmp_path / "again.svg").read_text().startswith("<?xml")


# Crafted runs: a real run's config.json, and metrics.csv written by the trainer's own
# MetricsLog with rows chosen by hand.
RUN_A = [(100, 1.0, 100, 60, -10), (200, 2.0, 100, 60, 0), (300, 3.0, 100, 50, 20),
         (400, 4.0, 100, 0, ""), (500, 5.0, 100, 100, 15)]
RUN_B = [(100, 2.0, 50, 100, 5), (200, 4.0, 50, 100, 12)]
RUN_C = [(100, 1.5, 80, 100, 1), (200, 2.5, 80, 100, 2)]
# rolling means of the last 100 episodes: A's third point drops its first row (the 110
# episodes of the last two are enough), its last keeps only itself
CURVE_A = [(100, 1.0, -10), (200, 2.0, -5), (300, 3.0, (60 * 0 + 50 * 20) / 110),
           (500, 5.0, 15)]


def craft(folder, template, rows, seed, horizon=16, samples=None, env=None):
    folder.mkdir()
    config = json.loads((template / "config.json").read_text())
    config["train"].update(seed=seed, horizon=horizon, update_epochs=2)
    if env is not None:
        config["env"] = env
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    metrics = MetricsLog(folder / "metrics.csv", registry.game("pong").log_keys,
                         ("samples_per_step",) if samples else ())
    for i, (step, seconds, sps, episodes, score) in enumerate(rows):
        row = {"step": step, "seconds": seconds, "sps": sps, "episodes": episodes,
               "score": score}
        if samples:
            row["samples_per_step"] = samples[i]
        metrics.add(row)
    metrics.close()
    return str(folder)


@pytest.fixture
def crafted(real_runs, tmp_path):
    return [craft(tmp_path / "pong-a", real_runs[0], RUN_A, seed=0),
            craft(tmp_path / "pong-b", real_runs[0], RUN_B, seed=1),
            craft(tmp_path / "pong-c", real_runs[0], RUN_C, seed=0, horizon=8,
                  samples=[3, 5])]


def table_rows(text):
    lines = [line for line in text.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_rolling_scores_weigh_updates_by_their_episodes():
    rows = [dict(zip(("step", "seconds", "sps", "episodes", "score"), map(str, row)))
            for row in RUN_A]
    curve = rolling_scores(rows)
    assert [point[:2] for point in curve] == [point[:2] for point in CURVE_A]
    assert [point[2] for point in curve] == pytest.approx([point[2] for point in CURVE_A])


def test_table_numbers_against_hand_computed_values(crafted, tmp_path):
    text, _ = compare(crafted, threshold=9, out=tmp_path / "c.png")
    header, _, horizon8, horizon16 = table_rows(text)
    # the budget every run reached: C's 2.5 s, B's and C's 200 agent-steps
    assert header == ["group", "runs", "seconds to score >= 9", "agent-steps to score >= 9",
                      "score at 2.5 s", "score at 200 agent-steps", "training agent-steps/s",
                      "gradient samples per agent-step"]
    # A reaches 9 at 3 s / 300 steps, B at 4 s / 200 steps; at 2.5 s A had -5, B 5; at 200
    # steps A had -5, B 12; speeds 100 and 50; PPO's update_epochs 2 (craft sets it)
    assert horizon16 == ["train.horizon=16", "2", "3.5 (3 to 4)", "250 (200 to 300)",
                         "0 (-5 to 5)", "3.5 (-5 to 12)", "75 (50 to 100)", "2"]
    # C never reaches 9; the samples it wrote (3 and 5) win over its config
    assert horizon8 == ["train.horizon=8", "1", "not reached", "not reached", "2", "2", "80",
                        "4"]


def test_a_threshold_some_runs_miss_counts_them_as_never(crafted, tmp_path):
    text, _ = compare(crafted[:2], threshold=13, out=tmp_path / "c.png")
    _, _, group = table_rows(text)  # header, rule, the one group: A and B
    # A reaches 13 at 5 s / 500 steps, B never: the median of (5, never) is never
    assert group[2:4] == ["not reached (5 to not reached), 1/2 reached",
                          "not reached (500 to not reached), 1/2 reached"]
    assert group[0] == "all runs"


def test_a_run_that_ended_leaves_the_band(crafted):
    runs = load_runs(crafted[:2])
    x, mean, low, high = group_curve(runs, SECONDS)
    assert list(x) == [1, 2, 3, 4, 5]
    assert mean[0] == low[0] == high[0] == -10  # B has no point before 2 s
    assert (mean[1], low[1], high[1]) == (0, -5, 5)
    b_at_3 = 5 + (12 - 5) / 2
    assert mean[2] == pytest.approx((CURVE_A[2][2] + b_at_3) / 2)
    assert mean[4] == low[4] == high[4] == 15  # B ended at 4 s: A alone
    x, mean, _, _ = group_curve(runs, STEP)
    assert list(x) == [100, 200, 300, 500] and mean[0] == pytest.approx((-10 + 5) / 2)


def test_folders_that_are_not_runs_are_named(real_runs, tmp_path, capsys):
    empty = tmp_path / "pong-empty"
    empty.mkdir()
    config_only = tmp_path / "pong-config-only"
    config_only.mkdir()
    shutil.copy(real_runs[0] / "config.json", config_only)
    no_updates = tmp_path / "pong-no-updates"
    no_updates.mkdir()
    shutil.copy(real_runs[0] / "config.json", no_updates)
    MetricsLog(no_updates / "metrics.csv", registry.game("pong").log_keys).close()
    text = fails(["compare", str(real_runs[0]), str(empty), str(config_only), str(no_updates),
                  str(tmp_path / "nowhere"), "--out", str(tmp_path / "c.png")], capsys)
    assert f"{empty}: no config.json or metrics.csv" in text
    assert f"{config_only}: no metrics.csv" in text
    assert f"{no_updates / 'metrics.csv'}: no update recorded" in text
    assert f"{tmp_path / 'nowhere'}: no such folder" in text
    assert str(real_runs[0]) not in text  # the run among them is not refused
    assert "Traceback" not in text and not (tmp_path / "c.png").exists()


def test_runs_of_another_game_are_named(real_runs, tmp_path, capsys):
    breakout = craft(tmp_path / "breakout-x", real_runs[0], RUN_B, seed=0,
                     env=ocean.resolve_config("breakout"))
    text = fails(["compare", *map(str, real_runs[:2]), breakout, "--out",
                  str(tmp_path / "c.png")], capsys)
    assert "runs of different games" in text
    assert f"breakout: {breakout}" in text
    assert f"pong: {real_runs[0]}, {real_runs[1]}" in text


def test_an_empty_glob_and_a_missing_out_folder_are_errors(real_runs, tmp_path, capsys):
    pattern = str(tmp_path / "pong-*")
    text = fails(["compare", pattern, "--out", str(tmp_path / "c.png")], capsys)
    assert f"{pattern} matches no folder" in text
    out = tmp_path / "missing" / "c.png"
    text = fails(["compare", str(real_runs[0]), "--out", str(out)], capsys)
    assert f"the folder {out.parent} does not exist" in text
    text = fails(["compare", str(real_runs[0]), "--out", str(tmp_path / "c.nope")], capsys)
    assert ".png" in text and "c.nope" in text


def test_a_glob_the_shell_left_alone_is_expanded(real_runs, tmp_path):
    pattern = str(real_runs[0].parent / "pong-*")
    assert len(load_runs([pattern])) == 4


def test_an_unknown_group_by_key_is_named(real_runs, capsys):
    text = fails(["compare", *map(str, real_runs), "--group-by", "train.horizn"], capsys)
    assert "--group-by train.horizn: not a config key" in text and "train.horizon" in text
