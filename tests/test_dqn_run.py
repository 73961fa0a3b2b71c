"""Whole `--algo dqn` runs on a tiny Pong: the run folder and its metrics, the checkpoint
(round trip, resume, the target network), `ocean eval`, `ocean play`/`render` of a DQN
checkpoint, the command line, and the errors a user can cause."""
import csv
import io
import json

import numpy as np
import pytest
import torch

import ocean
from conftest import actions_taken, fails
from ocean.cli import main
from ocean.config import ConfigError
from ocean.render.policy import load_policy as play_policy
from ocean.train import config as train_config
from ocean.train.checkpoint import CheckpointError, load_checkpoint, load_policy, save_checkpoint
from ocean.train.dqn import DQN_KEYS, PRIO_KEYS
from ocean.train.evaluate import evaluate, summary
from ocean.train.qnetwork import QNetwork
from ocean.train.trainer import train

torch.set_num_threads(1)  # two cores shared with the rest of the suite
# 8 agents x 16 env steps = 128 agent-steps an iteration; gradient steps from agent-step
# 256 on, one batch of 32 per env step (8 agents x replay ratio 4)
TINY = {"algo": "dqn", "dashboard": False, "env": {"max_score": 2}, "policy": {"hidden": 16},
        "train": {"num_envs": 8, "total_steps": 100_000, "checkpoint_interval": 256},
        "dqn": {"batch_size": 32, "replay_ratio": 4.0, "buffer_size": 8 * 100,
                "learning_starts": 256, "iteration_steps": 16, "target_interval": 10,
                "epsilon_steps": 1000, "learning_rate": 1e-3}}


def tiny(tmp_path, *layers):
    config = train_config.build("pong", [TINY, {"runs_dir": str(tmp_path)}, *layers])
    return train_config.validate("pong", config)


def rows(run_dir):
    with open(run_dir / "metrics.csv") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """4 iterations of 128 agent-steps, checkpoints every 256."""
    return train("pong", tiny(tmp_path_factory.mktemp("runs")), out=io.StringIO(),
                 max_updates=4)


def test_run_folder_metrics_and_samples_per_step(first_run):
    for name in ("config.json", "metrics.csv", "curve.png", "model.pt",
                 "model_000000000256.pt", "model_000000000512.pt"):
        assert (first_run / name).is_file(), name
    written = rows(first_run)
    assert [int(r["step"]) for r in written] == [128, 256, 384, 512]
    assert set(DQN_KEYS) <= written[0].keys() and "samples_per_step" in written[0]
    assert not {"explained_variance", "clip_frac", *PRIO_KEYS} & written[0].keys()
    # learning starts at agent-step 256, the last env step of iteration 2: one batch there
    assert [float(r["samples_per_step"]) for r in written] == [0.0, 32 / 128, 4.0, 4.0]
    assert [int(r["gradient_steps"]) for r in written] == [0, 1, 17, 33]
    assert written[0]["loss"] == "" and float(written[-1]["loss"]) >= 0  # none learned yet
    assert float(written[0]["epsilon"]) > float(written[-1]["epsilon"]) > 0.01
    for row in written[1:]:  # every number the loop computed reached the file
        assert [k for k, v in row.items() if v == ""
                and k not in ocean.registry.game("pong").log_keys] == []


def test_checkpoint_holds_the_q_network_and_target_not_the_buffer(first_run):
    payload = load_checkpoint(first_run / "model.pt")
    assert payload["format"] == "ocean-dqn/1" and payload["config"]["algo"] == "dqn"
    assert set(payload) == {"format", "env", "config", "global_step", "update", "model",
                            "optimizer", "torch_rng", "cuda_rng", "dqn"}
    assert payload["dqn"]["gradient_steps"] == 33 and payload["global_step"] == 512
    trained = load_policy(first_run / "model.pt", "pong")
    assert isinstance(trained.policy, QNetwork) and trained.config.algo == "dqn"
    assert trained.policy.epsilon == trained.config.dqn.eval_epsilon == 0.001
    for key, value in trained.policy.state_dict().items():
        assert torch.equal(value, payload["model"][key]), key
    # 33 gradient steps, target updated at 10, 20, 30: not the online weights
    assert any(not torch.equal(payload["dqn"]["target"][k], payload["model"][k])
               for k in payload["model"])


def test_target_network_follows_its_interval(tmp_path):
    every_step = train("pong", tiny(tmp_path, {"dqn": {"target_interval": 1}}),
                       out=io.StringIO(), max_updates=3)
    never = train("pong", tiny(tmp_path, {"dqn": {"target_interval": 10**6}}),
                  out=io.StringIO(), max_updates=3)
    for run, equal in ((every_step, True), (never, False)):
        payload = load_checkpoint(run / "model.pt")
        assert payload["dqn"]["gradient_steps"] == 17
        same = [torch.equal(payload["dqn"]["target"][k], v) for k, v in payload["model"].items()]
        assert all(same) if equal else not any(same), run


def test_resume_continues_steps_gradient_steps_deterministically(first_run, tmp_path):
    """Resuming the mid-run checkpoint twice gives identical runs; the replay buffer is
    not saved, so each waits learning_starts agent-steps before its first gradient step."""
    resumed = []
    for _ in range(2):
        config = tiny(tmp_path, {"resume": str(first_run / "model_000000000256.pt")})
        resumed.append(train("pong", config, out=io.StringIO(), max_updates=3))
    first, second = (rows(r) for r in resumed)
    assert first == [{**a, **{k: b[k] for k in a if k.endswith("seconds") or k == "sps"}}
                     for a, b in zip(second, first)]  # identical but for timings
    assert [int(r["step"]) for r in first] == [384, 512, 640]
    # the checkpoint at 256 had made 1 gradient step; an empty buffer refills for 256 steps
    assert [int(r["gradient_steps"]) for r in first] == [1, 2, 18]
    a, b = (load_checkpoint(r / "model.pt") for r in resumed)
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])


def test_eval_and_greedy_eval_of_a_dqn_checkpoint(first_run):
    for greedy in (False, True):
        result = evaluate(first_run / "model.pt", episodes=4, num_envs=2, greedy=greedy)
        assert result["episodes"] >= 4 and -2 <= result["score"] <= 2
        assert summary(result).startswith("pong: mean score ")


def always_down(tmp_path, eval_epsilon):
    """A DQN checkpoint whose Q-network values "down" (action 2) above all else."""
    config = tiny(tmp_path, {"dqn": {"eval_epsilon": eval_epsilon}})
    trained = load_policy(train("pong", config, out=io.StringIO(), max_updates=1) / "model.pt")
    net = trained.policy
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias.copy_(torch.tensor([0.0, 0.0, 50.0]))
    optimizer = torch.optim.Adam(net.parameters())
    resolved = {**train_config.to_dict(config), "env": trained.env_config}
    return save_checkpoint(tmp_path / "down.pt", net, optimizer, resolved, "pong", 0, 0,
                           dqn={"target": net.state_dict(), "gradient_steps": 0})


def test_play_and_render_act_epsilon_greedily_on_q(tmp_path):
    path = always_down(tmp_path, eval_epsilon=0.0)
    env = ocean.make("pong", num_envs=4, seed=0, max_score=2)
    assert (actions_taken(play_policy(env, str(path)), env) == 2).all()
    gif = tmp_path / "dqn.gif"
    assert main(["render", "pong", "--checkpoint", str(path), "--steps", "4",
                 "--out", str(gif)]) == 0
    assert gif.stat().st_size > 0


def test_eval_epsilon_sets_how_often_eval_explores(tmp_path):
    path = always_down(tmp_path, eval_epsilon=1.0)  # every action uniformly random
    env = ocean.make("pong", num_envs=64, seed=0, max_score=2)
    obs, _ = env.reset()
    torch.manual_seed(0)
    actions = np.concatenate([play_policy(env, str(path))(obs) for _ in range(10)])
    assert set(np.unique(actions)) == {0, 1, 2}


def test_the_issues_command_lines(tmp_path):
    """`ocean train pong --algo dqn` end to end for a few thousand steps, with the issue's
    DQN flags (n-step 3, prioritized replay, no Munchausen term)."""
    common = ["--train.total-steps", "3004", "--train.num-envs", "8", "--env.max-score", "2",
              "--dqn.learning-starts", "512", "--dqn.buffer-size", "2048",
              "--dqn.replay-ratio", "1", "--no-dashboard", "--runs-dir", str(tmp_path / "a")]
    assert main(["train", "pong", "--algo", "dqn", *common]) == 0
    assert main(["train", "pong", "--algo", "dqn", *common[:-1], str(tmp_path / "b"),
                 "--dqn.n-step", "3", "--dqn.prio-alpha", "0.6",
                 "--dqn.munchausen-alpha", "0"]) == 0
    (plain,), (prioritized,) = (list((tmp_path / d).glob("pong-*")) for d in "ab")
    for run in (plain, prioritized):   # stops at the env step that reaches total_steps
        assert load_checkpoint(run / "model.pt")["global_step"] == 3008
        assert float(rows(run)[-1]["samples_per_step"]) > 0
    saved = json.loads((prioritized / "config.json").read_text())
    assert saved["algo"] == "dqn" and saved["dqn"]["n_step"] == 3
    assert saved["dqn"]["prio_alpha"] == 0.6 and saved["dqn"]["munchausen_alpha"] == 0
    assert set(PRIO_KEYS) <= rows(prioritized)[-1].keys()
    defaults = train_config.game_defaults("pong")["dqn"]   # ocean/pong/train.toml's [dqn]
    assert json.loads((plain / "config.json").read_text())["dqn"]["batch_size"] == \
        defaults["batch_size"]


def test_a_buffer_that_does_not_fit_is_refused_before_anything_is_made(tmp_path):
    config = tiny(tmp_path, {"dqn": {"buffer_size": 10**12}})
    with pytest.raises(ConfigError, match=r"dqn.buffer_size 1,000,000,000,000 agent-steps "
                                          r"need [\d.]+ GiB .* GiB available"):
        train("pong", config, out=io.StringIO())
    assert list(tmp_path.iterdir()) == []   # no run folder


@pytest.mark.parametrize("flags, message", [
    (["--policy.lstm"], "no recurrent Q-network"),
    (["--e3b.enabled", "true"], "E3B is a PPO option"),
    (["--dqn.buffer-size", "16", "--dqn.n-step", "3"], "raise dqn.buffer_size to"),
    (["--dqn.munchausen-tau", "0"], "dqn.munchausen_tau"),
    (["--algo", "sac"], "sac"),
])
def test_bad_dqn_flags_name_what_to_change(capsys, flags, message):
    assert message in fails(["train", "pong", "--algo", "dqn", "--train.num-envs", "8",
                             *flags], capsys)


def test_a_checkpoint_resumes_only_with_its_own_learner(first_run, tmp_path, capsys):
    text = fails(["train", "pong", "--resume", str(first_run / "model.pt"), "--algo", "ppo",
                  "--runs-dir", str(tmp_path)], capsys)
    assert "trained by dqn, not ppo: resume it with --algo dqn" in text
    payload = load_checkpoint(first_run / "model.pt")
    payload["config"]["algo"] = "ppo"
    torch.save(payload, tmp_path / "mixed.pt")
    with pytest.raises(CheckpointError, match="config algo 'ppo' is not its format's"):
        load_checkpoint(tmp_path / "mixed.pt")
    del payload["dqn"]
    payload["config"]["algo"] = "dqn"
    torch.save(payload, tmp_path / "no_target.pt")
    with pytest.raises(CheckpointError, match="dqn is missing"):
        load_checkpoint(tmp_path / "no_target.pt")


def test_dqn_train_table_sets_train_keys_for_dqn_runs_only():
    """ocean/pong/train.toml's [dqn.train] gives --algo dqn its own total_steps; PPO keeps
    [train]'s."""
    toml = train_config.read_toml(train_config.defaults_path("pong"))
    dqn_steps, ppo_steps = toml["dqn"]["train"]["total_steps"], toml["train"]["total_steps"]
    assert dqn_steps != ppo_steps
    assert train_config.parse("pong", ["--algo", "dqn"]).train.total_steps == dqn_steps
    assert train_config.parse("pong", []).train.total_steps == ppo_steps
    assert train_config.parse("pong", ["--algo", "dqn", "--train.total-steps", "123"]) \
        .train.total_steps == 123   # the command line still wins


@pytest.mark.parametrize("tables", [{"dqn": {"train": 5}}, {"dqn": 5}])
def test_a_malformed_dqn_table_is_a_clear_error(tables):
    with pytest.raises(ConfigError, match=r"dqn"):
        train_config.build("pong", [train_config.settings(tables, "dqn")])
