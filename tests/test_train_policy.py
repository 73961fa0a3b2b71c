"""Policies: the grid encoder on synthetic uint8 windows, the LSTM core's resets and its
sequence replay (what the update recomputes must equal what the rollout saw)."""
import types

import numpy as np
import pytest
import torch
from gymnasium import spaces

from ocean.train import config as train_config
from ocean.train.policy import grid_layout, make_encoder, make_policy
from ocean.train.rollout import Collector, Rollout
from ocean.train.trainer import build

torch.set_num_threads(1)  # two cores shared with the rest of the suite


def policy_config(**kw):
    config = train_config.PolicyConfig()
    for key, value in kw.items():
        setattr(config, key, value)
    return config


def grid_space(size, codes=5):
    return spaces.Box(0, codes - 1, shape=(size,), dtype=np.uint8)


def test_grid_policy_reads_window_and_extra_bytes():
    torch.manual_seed(0)
    game = types.SimpleNamespace(grid_shape=lambda config: (7, 7))  # a 7x7 view + 2 bytes
    policy = make_policy(grid_space(51), 4, policy_config(), game, {})
    assert type(policy.encoder).__name__ == "GridEncoder"
    obs = torch.randint(0, 5, (6, 51), dtype=torch.uint8)
    logits, value, state = policy(obs)
    assert logits.shape == (6, 4) and value.shape == (6,) and state == ()
    for index in (24, 50):  # the centre cell, then the last extra byte
        changed = obs.clone()
        changed[:, index] = (changed[:, index] + 1) % 5
        assert not torch.allclose(policy(changed)[1], value), index


def test_grid_policy_can_fit_where_a_code_is():
    """Some Adam steps teach the grid encoder which quadrant holds code 3."""
    torch.manual_seed(0)
    policy = make_policy(grid_space(36), 4, policy_config(hidden=32, channels=8), None, {})
    optimizer = torch.optim.Adam(policy.parameters(), lr=3e-3)
    obs = torch.zeros(128, 6, 6, dtype=torch.uint8)
    rows, cols = torch.randint(0, 6, (128,)), torch.randint(0, 6, (128,))
    obs[torch.arange(128), rows, cols] = 3
    target = (rows >= 3).long() * 2 + (cols >= 3).long()
    for _ in range(60):
        logits, _, _ = policy(obs.view(128, 36))
        loss = torch.nn.functional.cross_entropy(logits * 100, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    accuracy = (policy(obs.view(128, 36))[0].argmax(-1) == target).float().mean()
    assert accuracy > 0.95


def test_make_encoder_picks_the_encoder_by_dtype_unless_told():
    """The policy's body and E3B's inverse-dynamics features both come from make_encoder."""
    game = types.SimpleNamespace(grid_shape=lambda config: (7, 7))
    floats = spaces.Box(-1, 1, shape=(6,))
    for space, choice, kind in [(grid_space(51), "auto", "GridEncoder"),
                                (floats, "auto", "MLPEncoder"),
                                (grid_space(51), "mlp", "MLPEncoder")]:
        encoder = make_encoder(space, policy_config(encoder=choice, hidden=24), game, {})
        assert type(encoder).__name__ == kind and encoder.out_size == 24
        assert encoder(torch.zeros(2, *space.shape, dtype=torch.from_numpy(
            space.sample()).dtype)).shape == (2, 24)


def test_grid_layout_rules():
    assert grid_layout(grid_space(49), None, {}) == ((7, 7), 0)
    square = spaces.Box(0, 3, shape=(5, 6), dtype=np.uint8)
    assert grid_layout(square, None, {}) == ((5, 6), 0)
    with pytest.raises(ValueError, match="declare grid_shape"):
        grid_layout(grid_space(51), None, {})
    game = types.SimpleNamespace(grid_shape=lambda config: (config["view"],) * 2)
    assert grid_layout(grid_space(27), game, {"view": 5}) == ((5, 5), 2)


def lstm_policy():
    torch.manual_seed(0)
    return make_policy(spaces.Box(-1, 1, shape=(3,)), 3, policy_config(hidden=16, lstm=True))


def test_lstm_state_is_zeroed_where_an_episode_starts():
    policy = lstm_policy()
    obs = torch.randn(2, 3)
    busy = tuple(torch.randn(1, 2, 16) for _ in range(2))
    fresh = policy.initial_state(2, "cpu")
    started = policy(obs, busy, torch.ones(2))
    assert torch.equal(started[0], policy(obs, fresh, torch.zeros(2))[0])
    assert not torch.allclose(policy(obs, busy, torch.zeros(2))[0], started[0])


def test_lstm_sequence_replay_equals_step_by_step():
    policy = lstm_policy()
    steps, batch = 5, 3
    obs, starts = torch.randn(steps, batch, 3), (torch.rand(steps, batch) < 0.3).float()
    state = policy.initial_state(batch, "cpu")
    one_by_one = []
    for t in range(steps):
        logits, _, state = policy(obs[t], state, starts[t])
        one_by_one.append(logits)
    replay, _, end = policy(obs.view(-1, 3), policy.initial_state(batch, "cpu"), starts.view(-1))
    assert torch.allclose(torch.stack(one_by_one).view(-1, 3), replay, atol=1e-6)
    assert torch.allclose(end[0], state[0], atol=1e-6)


def test_update_minibatch_recomputes_rollout_logprobs_for_lstm_on_pong():
    """The update replays agent subsets from the rollout's start state; before any
    gradient step its log-probs and values must equal the rollout's."""
    config = train_config.build("pong", [{"train": {"num_envs": 8, "horizon": 16},
                                          "policy": {"lstm": True, "hidden": 16},
                                          "env": {"max_score": 1}}])
    torch.manual_seed(0)
    env, policy, _ = build("pong", config)
    rollout = Rollout.allocate(16, env.num_agents, (8,), torch.float32, "cpu")
    collector = Collector(env, policy, "cpu")
    collector.collect(rollout)
    collector.collect(rollout)   # the second rollout starts mid-episode, state non-zero
    assert rollout.start_state[0].abs().sum() > 0 and rollout.starts.sum() > 0
    index = torch.tensor([5, 0, 2])
    with torch.no_grad():
        logits, values, _ = policy(rollout.obs[:, index].reshape(-1, 8),
                                   tuple(s[:, index] for s in rollout.start_state),
                                   rollout.starts[:, index].reshape(-1))
    logprobs = torch.log_softmax(logits, -1).gather(
        -1, rollout.actions[:, index].reshape(-1, 1)).squeeze(-1)
    assert torch.allclose(logprobs, rollout.logprobs[:, index].reshape(-1), atol=1e-5)
    assert torch.allclose(values, rollout.values[:, index].reshape(-1), atol=1e-5)
    env.close()
