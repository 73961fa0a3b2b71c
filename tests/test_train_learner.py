"""The fast update (ocean/train/update.py) computes what the plain one does: minibatches are
a permutation of the rollout, the fused optimiser steps as Adam does, and the compiled loss
agrees with the eager one."""
import copy

import pytest
import torch

from ocean.train import config as train_config
from ocean.train.rollout import Collector, Rollout
from ocean.train.trainer import build
from ocean.train.update import Learner, make_optimizer


def small_rollout(name="pong", lstm=False, horizon=16, num_envs=8):
    config = train_config.build(name, [{"train": {"num_envs": num_envs, "horizon": horizon,
                                                  "num_minibatches": 4, "update_epochs": 2},
                                        "policy": {"hidden": 16, "lstm": lstm}}])
    torch.manual_seed(0)
    env, policy, optimizer = build(name, config)
    rollout = Rollout.allocate(horizon, env.num_agents, env.single_observation_space.shape,
                               torch.from_numpy(env.observations).dtype, "cpu")
    Collector(env, policy, "cpu").collect(rollout)
    env.close()
    return config, policy, optimizer, rollout


@pytest.mark.parametrize("recurrent", [False, True])
def test_an_epochs_minibatches_hold_every_row_once_and_keep_rows_together(recurrent):
    """Tag every agent-step with its index in each stored field: a minibatch's rows must
    carry the same tag in every field (obs, action, logprob, value, and the advantage and
    return computed for that step), and each epoch's minibatches must hold each agent-step
    exactly once (whole agents in time order when recurrent)."""
    config, policy, optimizer, rollout = small_rollout(lstm=recurrent)
    horizon, agents = rollout.rewards.shape
    tags = torch.arange(horizon * agents, dtype=torch.float32).view(horizon, agents)
    rollout.obs[:] = tags.unsqueeze(-1)
    rollout.actions[:] = tags.long()
    for field in (rollout.logprobs, rollout.values, rollout.starts):
        field.copy_(tags)
    learner = Learner(policy, optimizer, config.train)
    plan = learner.prepare(rollout)
    advantages, returns = plan.fields[4], plan.fields[5]
    chunks = list(plan.chunks)
    assert len(chunks) == config.train.update_epochs
    for chunk in chunks:
        seen = []
        for batch in learner.minibatches(plan, chunk)[1]:
            row_tags = batch.obs[:, 0]
            for field in (batch.actions, batch.logprobs, batch.values):
                assert torch.equal(field.float(), row_tags)
            assert torch.equal(batch.advantages, advantages[row_tags.long()])
            assert torch.equal(batch.returns, returns[row_tags.long()])
            if recurrent:
                assert torch.equal(batch.starts, row_tags)
                steps = row_tags.view(horizon, -1)  # time-major: each column one agent's steps
                assert torch.equal(steps - steps[0], torch.arange(horizon).float()[:, None]
                                   * agents * torch.ones_like(steps))
                assert len(batch.state) == 2 and batch.state[0].shape[1] == agents // 4
            seen.append(row_tags)
        assert torch.equal(torch.cat(seen).sort().values, tags.flatten())


def test_fused_adam_steps_as_adam_does():
    torch.manual_seed(0)
    weights = [torch.randn(64, 8, requires_grad=True), torch.randn(64, requires_grad=True)]
    twins = [w.detach().clone().requires_grad_() for w in weights]
    fused = make_optimizer(weights, 1e-3, "cpu")
    plain = torch.optim.Adam(twins, lr=1e-3, eps=1e-5, foreach=False)
    assert fused.defaults["fused"]
    for step in range(20):
        for group in (weights, twins):
            for w in group:
                w.grad = torch.sin(w.detach() * (step + 1))
        fused.step(), plain.step()
    for a, b in zip(weights, twins):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_compiled_update_agrees_with_the_eager_one():
    """Two copies of a policy and optimiser, one update each from the same RNG state: the
    compiled loss gives the same statistics and weights as the eager one (to float error)."""
    config, policy, optimizer, rollout = small_rollout()
    twin = copy.deepcopy(policy)
    twin_optimizer = make_optimizer(twin.parameters(), config.train.learning_rate, "cpu")
    twin_optimizer.load_state_dict(optimizer.state_dict())
    torch.manual_seed(1)
    eager = Learner(policy, optimizer, config.train).update(rollout)
    torch.manual_seed(1)
    compiled = Learner(twin, twin_optimizer, config.train, compile=True).update(rollout)
    for key, value in eager.items():
        assert compiled[key] == pytest.approx(value, rel=1e-4, abs=1e-6, nan_ok=True), key
    for a, b in zip(policy.parameters(), twin.parameters()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
    assert eager["epochs"] == 2 and eager["loss"] != 0
