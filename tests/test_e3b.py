"""E3B against its definition: C^-1 = inv(lambda I + sum phi phi^T) per agent and episode."""
import numpy as np
import pytest
import torch

from ocean.config import ConfigError
from ocean.train.e3b import E3B_KEYS, EllipticalBonus, InverseDynamics, RunningStd

LAM = 0.1


def no_starts(n):
    return torch.zeros(n)


def test_sherman_morrison_matches_the_inverse_after_200_updates():
    torch.manual_seed(0)
    bonus = EllipticalBonus(3, 8, LAM, dtype=torch.float64)
    phis = torch.randn(200, 3, 8, dtype=torch.float64)
    for phi in phis:
        bonus.step(phi, no_starts(3))
    for agent in range(3):
        c = LAM * torch.eye(8, dtype=torch.float64) + phis[:, agent].T @ phis[:, agent]
        torch.testing.assert_close(bonus.inverse[agent], torch.linalg.inv(c), rtol=1e-9,
                                   atol=1e-9)


def test_the_same_phi_seen_n_times():
    phi = torch.tensor([[0.3, -1.2, 0.5, 2.0]], dtype=torch.float64)
    norm2 = (phi ** 2).sum().item()
    bonus = EllipticalBonus(1, 4, LAM, first_step_bonus=True, dtype=torch.float64)
    for n in range(6):  # before the n-th sighting, phi has been added n times
        b = bonus.step(phi, no_starts(1)).item()
        assert b == pytest.approx(norm2 / (LAM + n * norm2), rel=1e-9)


def test_an_orthogonal_phi_is_as_novel_as_the_first():
    bonus = EllipticalBonus(1, 4, LAM, first_step_bonus=True, dtype=torch.float64)
    for _ in range(5):
        bonus.step(torch.tensor([[2.0, 0, 0, 0]], dtype=torch.float64), no_starts(1))
    fresh = torch.tensor([[0, 0, 1.5, 0]], dtype=torch.float64)
    assert bonus.step(fresh, no_starts(1)).item() == pytest.approx(1.5 ** 2 / LAM)


def test_bonus_is_positive_and_bounded_by_the_first_sighting():
    torch.manual_seed(1)
    bonus = EllipticalBonus(64, 16, LAM, first_step_bonus=True)
    for _ in range(100):
        phi = torch.randn(64, 16)
        b = bonus.step(phi, no_starts(64))
        assert (b > 0).all() and (b <= (phi ** 2).sum(-1) / LAM * (1 + 1e-5)).all()


def test_reset_exactly_for_agents_whose_episode_ended_and_first_step_bonus_is_zero():
    torch.manual_seed(2)
    bonus = EllipticalBonus(4, 6, LAM)
    for _ in range(10):
        bonus.step(torch.randn(4, 6), no_starts(4))
    before = bonus.inverse.clone()
    starts = torch.tensor([0.0, 1.0, 0.0, 1.0])
    phi = torch.randn(4, 6)
    b = bonus.step(phi, starts)
    assert b[1] == 0 and b[3] == 0 and (b[[0, 2]] > 0).all()
    for agent in (1, 3):  # restarted at I / lambda, then this episode's first phi added
        c = LAM * torch.eye(6) + torch.outer(phi[agent], phi[agent])
        torch.testing.assert_close(bonus.inverse[agent], torch.linalg.inv(c), rtol=1e-4,
                                   atol=1e-4)
    assert not torch.allclose(bonus.inverse[0], torch.eye(6) / LAM)
    assert not torch.allclose(bonus.inverse[0], before[0])  # phi still added, not reset


@pytest.mark.parametrize("first_step_bonus", [False, True])
def test_rollout_in_c_matches_step_by_step(first_step_bonus):
    """The CPU rollout (one C call) against step() in float64: bonuses and final inverses,
    with episodes starting mid-rollout and matrices carried in from an earlier rollout."""
    torch.manual_seed(4)
    fast = EllipticalBonus(5, 6, LAM, first_step_bonus)
    exact = EllipticalBonus(5, 6, LAM, first_step_bonus, dtype=torch.float64)
    for phis, starts in [(torch.randn(30, 5, 6), (torch.rand(30, 5) < 0.1).float())
                         for _ in range(2)]:
        got = fast.rollout(phis, starts)
        want = torch.stack([exact.step(phi.double(), start) for phi, start in zip(phis, starts)])
        torch.testing.assert_close(got.double(), want, rtol=1e-3, atol=1e-5)
        assert got.shape == starts.shape and (got[starts.bool()] == 0).all() != first_step_bonus
    torch.testing.assert_close(fast.inverse.double(), exact.inverse, rtol=1e-3, atol=1e-3)


def test_rollout_in_c_refuses_mismatched_shapes():
    from ocean._elliptical import elliptical_bonus
    inverse = np.zeros((5, 6, 6), np.float32)
    with pytest.raises(ValueError, match="inverse has shape"):
        elliptical_bonus(inverse, np.zeros((3, 4, 6), np.float32), np.zeros((3, 4), np.float32),
                         np.zeros((3, 4), np.float32), LAM, False)
    with pytest.raises(ValueError, match="starts and bonus"):
        elliptical_bonus(inverse, np.zeros((3, 5, 6), np.float32), np.zeros((2, 5), np.float32),
                         np.zeros((3, 5), np.float32), LAM, False)


def test_memory_guard_refuses_before_allocating():
    with pytest.raises(ConfigError, match="4096 agents x 128x128.*256 MiB.*memory_budget_mb"):
        EllipticalBonus(4096, 128, LAM, memory_budget_mb=200)
    EllipticalBonus(4096, 8, LAM, memory_budget_mb=200)  # 1 MiB is fine


def test_running_std_matches_numpy():
    std, values = RunningStd(epsilon=0), []
    rng = np.random.default_rng(0)
    for size in (5, 17, 1, 40):
        batch = rng.exponential(size=size)
        values.extend(batch)
        std.update(torch.from_numpy(batch))
        assert std.std == pytest.approx(np.std(values), rel=1e-9)


class Flatten(torch.nn.Module):
    out_size = 3

    def forward(self, obs):
        return obs.float()


def test_idm_loss_masks_pairs_that_cross_an_episode_boundary():
    torch.manual_seed(3)
    idm = InverseDynamics(Flatten(), dim=4, num_actions=3)
    obs = torch.randn(4, 2, 3)                        # 4 steps of 2 agents: 3 pairs each
    actions = torch.tensor([[0, 1], [2, 0], [1, 2], [0, 0]])
    starts = torch.tensor([[1, 1], [0, 1], [0, 0], [1, 0]])  # pairs (0,1) of agent 1 and
    masked = idm.loss(obs, actions, starts)                   # (2,3) of agent 0 cross one
    # the same loss from the 4 valid pairs alone, each a one-step sequence
    valid = [(0, 0), (1, 0), (1, 1), (2, 1)]          # (t, agent) of s_t in a valid pair
    pairs = torch.stack([torch.stack([obs[t, i], obs[t + 1, i]]) for t, i in valid], 1)
    alone = idm.loss(pairs, torch.stack([actions[t, i] for t, i in valid]).repeat(2, 1),
                     torch.zeros(2, 4))
    assert masked.item() == pytest.approx(alone.item(), rel=1e-6)
    other = actions.clone()
    other[0, 1] = 2
    other[2, 0] = 2                                   # masked pairs' actions do not matter
    assert idm.loss(obs, other, starts).item() == pytest.approx(masked.item())
    other[1, 1] = 1                                   # a valid pair's action does
    assert idm.loss(obs, other, starts).item() != pytest.approx(masked.item())


def test_training_maze_with_e3b_logs_the_bonus_and_resumes_its_state(tmp_path):
    import csv

    from ocean.train import config as train_config
    from ocean.train.checkpoint import load_checkpoint
    from ocean.train.trainer import train
    args = ["--e3b.enabled", "true", "--e3b.features", "idm", "--e3b.dim", "8",
            "--train.num-envs", "16", "--train.horizon", "16", "--train.num-minibatches", "2",
            "--no-dashboard", "--runs-dir", str(tmp_path)]
    config = train_config.parse("maze", args)
    assert config.e3b.enabled
    run = train("maze", config, out=open(tmp_path / "log.txt", "w"), max_updates=2)
    rows = list(csv.DictReader(open(run / "metrics.csv")))
    assert len(rows) == 2
    assert float(rows[-1]["e3b_bonus_mean"]) > 0 and float(rows[-1]["e3b_idm_loss"]) > 0
    assert all(row[key] != "" for row in rows for key in E3B_KEYS)  # each a column, filled
    saved = load_checkpoint(run / "model.pt")["e3b"]
    assert saved["std"]["count"] == 2 * 16 * 16 and saved["idm_optimizer"]["state"]
    # a resumed run carries on from the saved normaliser and inverse-dynamics model
    resumed = train("maze", train_config.parse("maze", args + ["--resume", str(run / "model.pt")]),
                    out=open(tmp_path / "log2.txt", "w"), max_updates=1)
    again = load_checkpoint(resumed / "model.pt")["e3b"]
    assert again["std"]["count"] == 3 * 16 * 16
    moved = [not torch.equal(saved["idm"][k], again["idm"][k]) for k in saved["idm"]]
    assert any(moved)  # one more update trained it...
    steps = [int(state["idm_optimizer"]["state"][0]["step"]) for state in (saved, again)]
    assert steps[1] == steps[0] * 3 // 2  # ...from the saved optimiser: 3 updates' steps


@pytest.mark.parametrize("args, message", [
    (["--e3b.lam", "0"], "e3b.lam"),
    (["--e3b.dim", "0"], "e3b.dim"),
])
def test_bad_e3b_config_names_the_key(args, message):
    from ocean.train import config as train_config
    with pytest.raises(ConfigError, match=message):
        train_config.parse("maze", args)


def test_e3b_features_are_one_of_the_choices_on_the_command_line_and_in_files(capsys):
    from ocean.train import config as train_config
    with pytest.raises(SystemExit):
        train_config.parse("maze", ["--e3b.features", "pixels"])
    error = capsys.readouterr().err
    assert "--e3b.features" in error and "'pixels'" in error and "'policy'" in error
    with pytest.raises(ConfigError, match="e3b.features must be one of idm, policy, got 'x'"):
        train_config.validate("maze", train_config.build("maze", [{"e3b": {"features": "x"}}]))


def test_idm_does_not_see_the_bytes_that_echo_the_action():
    import ocean.maze
    config = {"view": 5}
    echo = ocean.maze.action_echo(config)
    assert echo == {25: ocean.maze.NO_ACTION}
    torch.manual_seed(4)
    idm = InverseDynamics(Flatten(), dim=4, num_actions=4, echo={1: 7})
    obs = torch.tensor([[1.0, 0.0, 2.0], [1.0, 3.0, 2.0], [1.0, 7.0, 2.0]])
    phi = idm.features(obs)
    torch.testing.assert_close(phi[0], phi[1])
    torch.testing.assert_close(phi[0], phi[2])
    assert obs[1, 1] == 3  # the caller's tensor is untouched
    assert not torch.allclose(phi[0], idm.features(obs + torch.tensor([1.0, 0, 0]))[0])
