"""The dashboard: plain lines off a terminal, a rich panel on one, means over the last
100 or more episodes."""
import csv
import io

import pytest

from ocean.train.dashboard import Dashboard, MetricsLog

ROW = {"step": 2_000_000, "seconds": 20.0, "sps": 100_000.0, "learning_rate": 2.5e-4,
       "loss": 0.09, "policy": 0.01, "value": 0.2, "entropy": 1.05, "approx_kl": 0.003,
       "clip_frac": 0.1, "explained_variance": 0.5, "epochs": 4,
       "env_seconds": 1.0, "inference_seconds": 4.0, "learn_seconds": 15.0}


def updates(dashboard, *batches):
    for episodes, score in batches:
        dashboard.update({**ROW, "episodes": episodes, "score": score}, force=True)


def test_plain_lines_show_progress_episode_means_losses_and_time_split():
    out = io.StringIO()
    dashboard = Dashboard("pong", 10_000_000, ["score"], live=False, out=out)
    updates(dashboard, (60, 1.0), (60, 3.0), (50, 5.0))
    last = out.getvalue().splitlines()[-1]
    # the first batch drops out once the others hold 110 >= 100 episodes: (60*3 + 50*5) / 110
    assert "score 3.91" in last and "100,000 sps" in last and "eta 0:01:20" in last
    assert "entropy 1.05" in last and "env/inference/learn 5%/20%/75%" in last
    assert "learning rate 0.00025 loss 0.09 policy 0.01" in last and "epochs 4" in last


def test_live_panel_on_a_terminal():
    out = io.StringIO()
    dashboard = Dashboard("ocean train pong", 10_000_000, ["score"], live=True, out=out)
    updates(dashboard, (10, -20.0))
    dashboard.close()
    text = out.getvalue()
    for words in ("ocean train pong", "2,000,000 (20%)", "explained variance", "learn",
                  "epochs", "-20", "Ctrl-C saves"):
        assert words in text, words


def test_e3b_bonus_shows_only_when_the_row_has_it():
    out = io.StringIO()
    dashboard = Dashboard("maze", 10_000_000, ["score"], live=False, out=out)
    dashboard.update({**ROW, "episodes": 0}, force=True)
    dashboard.update({**ROW, "episodes": 0, "e3b_bonus_mean": 0.25, "e3b_bonus_max": 9.5,
                      "e3b_bonus_normalised": 1.5, "e3b_std": 0.125, "e3b_idm_loss": 1.3},
                     force=True)
    plain, with_e3b = out.getvalue().splitlines()
    assert "e3b" not in plain
    assert ("e3b bonus mean 0.25 e3b bonus max 9.5 e3b bonus normalised 1.5 e3b std 0.125 "
            "e3b idm loss 1.3") in with_e3b
    live = io.StringIO()
    dashboard = Dashboard("maze", 10_000_000, ["score"], live=True, out=live)
    dashboard.update({**ROW, "episodes": 0, "e3b_bonus_mean": 0.25, "e3b_std": 0.125})
    dashboard.close()
    assert "e3b bonus mean" in live.getvalue() and "e3b std" in live.getvalue()


def test_metrics_csv_refuses_a_key_it_has_no_column_for(tmp_path):
    log = MetricsLog(tmp_path / "metrics.csv", ["score"])
    log.add({**ROW, "episodes": 0, "score": None})
    with pytest.raises(ValueError, match="new_loss"):
        log.add({**ROW, "episodes": 0, "score": None, "new_loss": 1.0})
    log.close()
    with open(tmp_path / "metrics.csv") as f:
        written = list(csv.DictReader(f))
    assert len(written) == 1 and written[0]["epochs"] == "4" and written[0]["loss"] == "0.09"
