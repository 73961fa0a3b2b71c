"""PPO's experience-buffer options (ocean/train/update.py, buffer.py, sampling.py): the
defaults are CleanRL's PPO draw for draw, prioritized segments follow their formulas, the
buffer and replay factor give the documented number of samples, the stale-data corrections
recompute what they say, a config that would not fit is refused before anything is
allocated, and whole runs with every option on (feed-forward and LSTM) record each metric."""
import copy
import csv
import io

import pytest
import torch
from torch import nn

from ocean.config import ConfigError
from ocean.train import config as train_config
from ocean.train.buffer import ExperienceBuffer
from ocean.train.gae import compute_gae
from ocean.train.loss import ppo_loss
from ocean.train.policy import logprob_and_entropy
from ocean.train.rollout import Collector
from ocean.train.sampling import (annealed_beta, importance_weights, prioritized_chunks,
                                  sample_probabilities, segment_priorities)
from ocean.train.trainer import build, train
from ocean.train.update import UPDATE_KEYS, Learner, make_optimizer

torch.set_num_threads(1)  # two cores shared with the rest of the suite
SMALL = {"train": {"num_envs": 8, "horizon": 16, "num_minibatches": 4, "update_epochs": 2},
         "policy": {"hidden": 16}}


def small(lstm=False, name="pong", **train):
    layers = [SMALL, {"train": train, "policy": {"lstm": lstm}}]
    return train_config.validate(name, train_config.build(name, layers))


def collected(config, rollouts=1, name="pong"):
    """(policy, optimizer, buffer, collector) after `rollouts` rollouts into the buffer the
    config asks for (no update between them)."""
    torch.manual_seed(0)
    env, policy, optimizer = build(name, config)
    buffer = ExperienceBuffer.for_run(name, config, "cpu")
    collector = Collector(env, policy, "cpu")
    for _ in range(rollouts):
        collector.collect(buffer.next_rollout())
    return policy, optimizer, buffer, collector


def twin(policy, optimizer, config):
    copied = copy.deepcopy(policy)
    copied_optimizer = make_optimizer(copied.parameters(), config.train.learning_rate, "cpu")
    copied_optimizer.load_state_dict(optimizer.state_dict())
    return copied, copied_optimizer


def cleanrl_update(policy, optimizer, rollout, train):
    """PPO's update as CleanRL writes it (and as Ocean's was before the experience buffer):
    GAE, then per epoch a fresh permutation of the agent-steps (of the agents, recurrent)
    cut into num_minibatches minibatches."""
    horizon, agents = rollout.rewards.shape
    advantages, returns = compute_gae(rollout.rewards, rollout.values, rollout.terminals,
                                      rollout.truncations, rollout.next_value, train.gamma,
                                      train.gae_lambda)
    data = (rollout.obs, rollout.actions, rollout.logprobs, rollout.values, advantages, returns)
    policies = []
    for _ in range(train.update_epochs):
        if policy.recurrent:
            order = torch.randperm(agents)
            size = agents // train.num_minibatches
        else:
            order = torch.randperm(horizon * agents)
            size = horizon * agents // train.num_minibatches
        for i in range(train.num_minibatches):
            rows = order[i * size:(i + 1) * size]
            if policy.recurrent:
                obs, actions, logprobs, values, adv, ret, starts = (
                    x[:, rows].reshape(-1, *x.shape[2:]) for x in (*data, rollout.starts))
                state = tuple(s[:, rows] for s in rollout.start_state)
                logits, value, _ = policy(obs, state, starts)
            else:
                obs, actions, logprobs, values, adv, ret = (x.flatten(0, 1)[rows] for x in data)
                logits, value, _ = policy(obs)
            logprob, entropy = logprob_and_entropy(logits, actions)
            terms = ppo_loss(logprob, entropy, value, logprobs, values, adv, ret,
                             train.clip_coef, train.vf_coef, train.ent_coef, train.clip_vloss,
                             train.norm_adv)
            optimizer.zero_grad(set_to_none=True)
            terms.loss.backward()
            nn.utils.clip_grad_norm_(list(policy.parameters()), train.max_grad_norm)
            optimizer.step()
            policies.append(terms.policy.item())
    return policies


@pytest.mark.parametrize("lstm", [False, True])
def test_defaults_reproduce_cleanrls_ppo_bit_for_bit(lstm):
    """Two copies of a policy and optimiser, three updates each from the same RNG state on
    the same rollouts: the default Learner (one-rollout buffer, replay factor
    update_epochs, no option on) and CleanRL's loop end with exactly equal weights."""
    config = small(lstm)
    policy, optimizer, buffer, collector = collected(config)
    copied, copied_optimizer = twin(policy, optimizer, config)
    learner = Learner(policy, optimizer, config.train)
    for update in range(3):
        if update:
            collector.collect(buffer.next_rollout())
        state = torch.get_rng_state()
        stats = learner.update(buffer)
        torch.set_rng_state(state)
        cleanrl_update(copied, copied_optimizer, buffer.rollouts[0], config.train)
        for a, b in zip(policy.parameters(), copied.parameters()):
            assert torch.equal(a, b)
        assert stats["samples_per_step"] == 2 and stats["buffer_age"] == 0
    assert buffer.ratios is None and buffer.rollouts[0].next_obs is None  # nothing extra


def test_alpha_0_samples_uniformly_with_weights_1():
    advantages = torch.randn(3, 16, 8) * torch.arange(8)  # very unequal segments
    probabilities = sample_probabilities(segment_priorities(advantages, 0.0))
    assert torch.equal(probabilities, torch.full_like(probabilities, probabilities[0].item()))
    assert probabilities.sum().item() == pytest.approx(1.0)
    weights = importance_weights(probabilities, 0.4)
    assert torch.allclose(weights, torch.ones(24), rtol=0, atol=1e-6)


def test_priorities_weights_and_beta_by_hand():
    # 2 slots x 2 steps x 2 agents: segment sums of |A| = 1, 3, 4, 0 (segment s = k*2 + a)
    advantages = torch.tensor([[[1.0, -1.0], [0.0, 2.0]], [[-4.0, 0.0], [0.0, 0.0]]])
    priorities = segment_priorities(advantages, 0.5)
    assert torch.allclose(priorities, torch.tensor([1.0, 3 ** 0.5, 2.0, 0.0]))
    # P = (p + 1e-6) / sum: the segment with no advantage stays possible
    probabilities = sample_probabilities(torch.tensor([1.0, 2.0, 1.0, 0.0]))
    assert torch.allclose(probabilities, torch.tensor([0.25, 0.5, 0.25, 0.0]), atol=1e-6)
    assert probabilities[3] > 0
    # w = (N P)^-beta with N = 4: (1, 2, 1, ~0)^-0.5 -- not divided by the largest
    weights = importance_weights(torch.tensor([0.25, 0.5, 0.125, 0.125]), 0.5)
    assert torch.allclose(weights, torch.tensor([1.0, 2 ** -0.5, 2 ** 0.5, 2 ** 0.5]))
    assert annealed_beta(0.2, 0.0) == 0.2 and annealed_beta(0.2, 1.0) == 1.0
    assert annealed_beta(0.2, 0.5) == pytest.approx(0.6)


def test_prioritized_minibatches_never_repeat_a_segment():
    probabilities = torch.tensor([0.9] + [0.1 / 15] * 15)  # with replacement: repeats
    for rows in prioritized_chunks(probabilities, 8, 40, 4):
        for row in rows:
            assert len(set(row.tolist())) == 8


def test_a_prioritized_update_weights_each_step_by_its_segment():
    """Through the Learner: at progress 0 each drawn step carries (N P)^-beta0 of its
    segment, with P from the buffer's advantages; segments do not repeat in a minibatch."""
    config = small(buffer_rollouts=2, prio_alpha=0.8, prio_beta0=0.3)
    policy, optimizer, buffer, _ = collected(config, rollouts=2)
    learner = Learner(policy, optimizer, config.train)
    plan = learner.prepare(buffer, progress=0.0)
    horizon, agents = buffer.horizon, buffer.agents
    advantages = plan.fields[4].view(2, horizon, agents)
    summed = advantages.abs().sum(1).flatten() ** 0.8 + 1e-6
    expected = (len(summed) * summed / summed.sum()) ** -0.3
    chunks = list(plan.chunks)
    assert sum(len(chunk) for chunk in chunks) == 2 * 4  # R = update_epochs: 8 minibatches
    for chunk in chunks:
        for segments, batch in zip(chunk, learner.minibatches(plan, chunk)[1]):
            assert len(set(segments.tolist())) == len(segments) == agents // 4
            step_weights = expected[segments].expand(horizon, -1).flatten()
            assert torch.allclose(batch.weights, step_weights, rtol=1e-5)


@pytest.mark.parametrize("lstm", [False, True])
@pytest.mark.parametrize("slots,replay", [(1, 1.5), (3, 1.5), (3, 0.5), (2, 4.0)])
def test_buffer_and_replay_factor_give_the_documented_number_of_samples(lstm, slots, replay):
    """An update runs replay_factor x num_minibatches minibatches of a rollout /
    num_minibatches samples, whatever K: replay_factor samples per agent-step collected.
    Uniform passes draw each buffered sample at most once per pass."""
    config = small(lstm, buffer_rollouts=slots, replay_factor=replay)
    policy, optimizer, buffer, _ = collected(config, rollouts=slots)
    learner = Learner(policy, optimizer, config.train)
    stats = learner.update(buffer)
    minibatches = round(replay * 4)
    assert optimizer.state[next(iter(policy.parameters()))]["step"] == minibatches
    assert stats["samples_per_step"] == replay
    assert train_config.samples_per_step(train_config.to_dict(config)) == replay
    plan = learner.prepare(buffer)
    drawn = torch.cat([learner.minibatches(plan, chunk)[0].flatten() for chunk in plan.chunks])
    rollout = buffer.horizon * buffer.agents
    assert len(drawn) == replay * rollout
    passes = drawn.split(slots * rollout)
    for one_pass in passes:
        assert len(set(one_pass.tolist())) == len(one_pass)
        assert one_pass.max() < slots * rollout


def test_buffer_age_and_slots_reused_oldest_first():
    config = small(buffer_rollouts=3, replay_factor=6)  # whole passes over 1, 2 or 3 slots
    policy, optimizer, buffer, collector = collected(config)
    learner = Learner(policy, optimizer, config.train)
    ages = []
    for _ in range(4):
        ages.append(learner.update(buffer)["buffer_age"])
        collector.collect(buffer.next_rollout())
    # whole passes draw evenly from the filled slots: ages (0), (0, 1), (0, 1, 2) x 2
    assert ages == pytest.approx([0.0, 0.5, 1.0, 1.0])
    assert buffer.newest == 1 and buffer.ages() == [1, 0, 2]


def test_refresh_values_recomputes_older_values_and_ratios():
    config = small(buffer_rollouts=2, refresh_values=True, vtrace_rho_clip=1.0,
                   vtrace_c_clip=1.0)
    policy, optimizer, buffer, collector = collected(config)
    learner = Learner(policy, optimizer, config.train)
    learner.update(buffer)
    older = buffer.rollouts[0]
    stale = older.values.clone()
    collector.collect(buffer.next_rollout())
    fresh = buffer.rollouts[1].values.clone()
    plan = learner.prepare(buffer)
    with torch.no_grad():
        logits, values, _ = policy(older.obs.flatten(0, 1))
        logprob, _ = logprob_and_entropy(logits, older.actions.flatten())
        _, next_value, _ = policy(older.next_obs)
    assert torch.equal(older.values, values.view_as(stale))
    assert torch.equal(older.next_value, next_value)
    assert torch.equal(buffer.ratios[0], (logprob.view_as(stale) - older.logprobs).exp())
    assert torch.equal(buffer.rollouts[1].values, fresh) and (buffer.ratios[1] == 1).all()
    staleness = (values.view_as(stale) - stale).abs().sum() / (2 * stale.numel())
    assert plan.staleness == pytest.approx(staleness.item(), rel=1e-5)
    assert plan.staleness > 0


def test_vtrace_without_refresh_keeps_each_steps_last_ratio():
    """PufferLib's way: the ratio a step's last minibatch computed feeds the next advantage
    pass; the rollout just added starts at 1."""
    config = small(buffer_rollouts=2, vtrace_rho_clip=1.0, update_epochs=1)
    policy, optimizer, buffer, collector = collected(config)
    learner = Learner(policy, optimizer, config.train)
    before = copy.deepcopy(policy)
    learner.update(buffer)
    ratios = buffer.ratios[0]
    assert (ratios != 1).any() and torch.isfinite(ratios).all()
    # each step's ratio is that of the policy of its minibatch: between the policy before
    # the update and after; at least the first minibatch's ratios are exactly 1
    assert (ratios == 1).sum() >= buffer.horizon * buffer.agents // 4
    with torch.no_grad():
        logprob, _ = logprob_and_entropy(before(buffer.rollouts[0].obs.flatten(0, 1))[0],
                                         buffer.rollouts[0].actions.flatten())
    assert torch.allclose(logprob, buffer.rollouts[0].logprobs.flatten(), atol=1e-6)
    collector.collect(buffer.next_rollout())
    learner.prepare(buffer)
    assert (buffer.ratios[1] == 1).all()


def test_munchausen_terms_are_added_once_when_a_rollout_is_added():
    config = small(buffer_rollouts=2, munchausen_alpha=0.9, munchausen_mode="soft")
    policy, optimizer, buffer, collector = collected(config)
    rewards = buffer.rollouts[0].rewards.clone()
    learner = Learner(policy, optimizer, config.train)
    learner.update(buffer)
    added = buffer.rollouts[0].rewards.clone()
    assert not torch.equal(added, rewards)
    collector.collect(buffer.next_rollout())
    learner.update(buffer)
    assert torch.equal(buffer.rollouts[0].rewards, added)  # not added again


def test_observations_keep_their_dtype():
    config = small(name="snake", buffer_rollouts=2)
    buffer = ExperienceBuffer.for_run("snake", config, "cpu")
    assert buffer.obs.dtype == torch.uint8 and buffer.obs.shape[:3] == (2, 16, 8 * 16)


def test_a_buffer_that_would_not_fit_is_refused_before_anything_is_allocated(tmp_path):
    """1M rollouts of 1024 agents x 100k steps: petabytes. Allocated first, torch would fail
    with its own error (or the machine would swap); refused first, ConfigError names the
    numbers, and not even the run folder exists."""
    config = small(buffer_rollouts=1 << 20)
    config.train.horizon, config.train.num_envs = 100_000, 1024
    config.runs_dir = str(tmp_path / "runs")
    with pytest.raises(ConfigError, match=r"train.buffer_rollouts 1048576 .* needs [\d.e+]+ GB"
                                          r" .* but [\d.e+]+ GB is free"):
        train("pong", config, out=io.StringIO())
    assert not list((tmp_path / "runs").iterdir())


@pytest.mark.parametrize("options,message", [
    ({"replay_factor": 0.3}, "whole number"),
    ({"prio_alpha": 0.5, "num_minibatches": 16}, "whole segments"),
    ({"clip_coef": 0.0}, "vf-clip-coef"),
    ({"munchausen_clip": 0.5}, "munchausen_clip"),
])
def test_options_that_do_not_fit_together_are_named(options, message):
    with pytest.raises(ConfigError, match=message):
        small(**options)
    small(clip_coef=0.0, clip_vloss=False)  # fine: no value clipping to clip by it
    small(clip_coef=0.0, vf_clip_coef=0.2)


def rows(run_dir):
    with open(run_dir / "metrics.csv") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("lstm", [False, True])
def test_a_run_with_every_option_on_records_every_metric(tmp_path, lstm):
    config = small(lstm, buffer_rollouts=2, replay_factor=1.5, prio_alpha=0.8,
                   vtrace_rho_clip=1.0, vtrace_c_clip=1.0, refresh_values=True,
                   munchausen_alpha=0.9, munchausen_mode="soft", kl_coef=0.5, clip_coef=0.0,
                   vf_clip_coef=0.2, total_steps=10_000, max_seconds=1e6)
    config.runs_dir, config.dashboard = str(tmp_path), False
    run = train("pong", config, out=io.StringIO(), max_updates=3)
    written = rows(run)
    assert len(written) == 3
    for row in written:
        for key in UPDATE_KEYS:
            assert float(row[key]) == float(row[key]), key  # a number, not nan
        assert float(row["samples_per_step"]) == 1.5
    assert [float(r["buffer_age"]) for r in written][0] == 0
    assert float(written[-1]["buffer_age"]) > 0 and float(written[-1]["value_staleness"]) > 0


def test_max_seconds_stops_at_the_end_of_the_update_and_saves(tmp_path):
    config = small(total_steps=10**9, max_seconds=1e-3)
    config.runs_dir, config.dashboard = str(tmp_path), False
    out = io.StringIO()
    run = train("pong", config, out=out)
    assert len(rows(run)) == 1
    assert "stopped at train.max_seconds 0.001 at step 128" in out.getvalue()
    assert (run / "model.pt").is_file()
