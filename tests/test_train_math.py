"""GAE (and its V-trace form), the PPO loss (and its options), the Munchausen terms and
episode means against values worked out by hand (numbers in the comments)."""
import math

import pytest

import torch  # noqa: E402  (the [train] extra)

from ocean.train.gae import compute_gae, vtrace_weights  # noqa: E402
from ocean.train.loss import ppo_loss  # noqa: E402
from ocean.train.munchausen import munchausen_rewards  # noqa: E402
from ocean.train.rollout import EpisodeStats  # noqa: E402


def columns(*cols):
    """(T, N) tensor from N per-agent columns."""
    return torch.tensor(list(zip(*cols)), dtype=torch.float32)


def test_gae_terminal_stops_and_truncation_bootstraps_from_own_value():
    gamma, lam = 0.9, 0.8                                   # gamma * lam = 0.72
    rewards = columns([1, 2, 0, 1], [0, 1, 1, 0])
    values = columns([0.5, 1.0, 0.2, 0.4], [1, 2, 3, 4])
    terminals = columns([0, 1, 0, 0], [0, 0, 0, 0])        # agent 0 dies at t=1
    truncations = columns([0, 0, 0, 0], [0, 0, 1, 0])      # agent 1 times out at t=2
    next_value = torch.tensor([0.6, 5.0])
    advantages, returns = compute_gae(rewards, values, terminals, truncations, next_value,
                                      gamma, lam)
    # agent 0: t3: 1 + .9*.6 - .4 = 1.14      t2: 0 + .9*.4 - .2 + .72*1.14 = .9808
    #          t1 (terminal): 2 - 1 = 1.0     t0: 1 + .9*1 - .5 + .72*1.0 = 2.12
    # agent 1: t3: 0 + .9*5 - 4 = .5
    #          t2 (truncated, bootstrap V(s2) = 3, chain cut): 1 + .9*3 - 3 = .7
    #          t1: 1 + .9*3 - 2 + .72*.7 = 2.204    t0: 0 + .9*2 - 1 + .72*2.204 = 2.38688
    expected = columns([2.12, 1.0, 0.9808, 1.14], [2.38688, 2.204, 0.7, 0.5])
    assert torch.allclose(advantages, expected, atol=1e-5)
    assert torch.allclose(returns, expected + values, atol=1e-5)


def test_gae_without_episode_ends_is_discounted_td_sum():
    # lam = 1: advantage = discounted rewards + gamma^k * bootstrap - V(s_t)
    rewards = columns([1, 1, 1])
    values = columns([0, 0, 0])
    zeros = columns([0, 0, 0])
    advantages, _ = compute_gae(rewards, values, zeros, zeros, torch.tensor([10.0]), 0.5, 1.0)
    # t0: 1 + .5 + .25 + .125*10 = 3.0; t1: 1 + .5 + .25*10 = 4.0; t2: 1 + .5*10 = 6.0
    assert torch.allclose(advantages, columns([3.0, 4.0, 6.0]))


# Three samples: ratios 1.25 (clipped, A > 0), 0.5 (clipped, A < 0), 1.1 (inside the clip).
NEW_LOGP = torch.log(torch.tensor([0.5, 0.2, 0.44]))
OLD_LOGP = torch.log(torch.tensor([0.4, 0.4, 0.4]))
ADVANTAGES = torch.tensor([1.0, -2.0, 0.5])
NEW_V, OLD_V, RETURNS = torch.tensor([1.0, 3.0, 2.0]), torch.tensor([0.5, 2.9, 2.0]), \
    torch.tensor([2.0, 2.0, 2.0])
ENTROPY = torch.tensor([1.0, 0.5, 0.75])


def loss(**kw):
    args = dict(clip_coef=0.2, vf_coef=0.5, ent_coef=0.01, clip_vloss=True, norm_adv=False)
    args.update(kw)
    return ppo_loss(NEW_LOGP, ENTROPY, NEW_V, OLD_LOGP, OLD_V, ADVANTAGES, RETURNS, **args)


def test_clipped_policy_loss_value_loss_entropy_and_total():
    terms = loss()
    # policy: max(-A r, -A clip(r)) = max(-1.25, -1.2), max(1.0, 1.6), max(-.55, -.55)
    assert terms.policy.item() == pytest.approx((-1.2 + 1.6 - 0.55) / 3, abs=1e-6)
    # value clipped: V_old + clip(V - V_old, +-.2) = .7, 3.0, 2.0 -> squared errors
    # max(1, 1.69), max(1, 1), max(0, 0) -> 0.5 * mean
    assert terms.value.item() == pytest.approx(0.5 * (1.69 + 1 + 0) / 3, abs=1e-6)
    assert terms.entropy.item() == pytest.approx(0.75)
    assert terms.loss.item() == pytest.approx(-0.05 - 0.01 * 0.75 + 0.5 * 0.5 * 2.69 / 3,
                                              abs=1e-6)


def test_unclipped_value_loss():
    assert loss(clip_vloss=False).value.item() == pytest.approx(0.5 * 2 / 3, abs=1e-6)


def test_kl_estimate_and_clip_fraction():
    terms = loss()
    kl = sum((r - 1) - math.log(r) for r in (1.25, 0.5, 1.1)) / 3   # = 0.0748978
    assert terms.approx_kl.item() == pytest.approx(kl, abs=1e-6)
    assert terms.clip_frac.item() == pytest.approx(2 / 3)


def test_advantages_normalised_per_minibatch():
    # A = [1, -2, .5]: mean -1/6, sample std 1.607275 -> [.72587, -1.14064, .41478]
    # policy: max(-.90734, -.87104), max(.57032, .91251), -.45626 (inside the clip)
    terms = loss(norm_adv=True)
    assert terms.policy.item() == pytest.approx((-0.87104 + 0.91251 - 0.45626) / 3, abs=1e-4)


def test_clip_coef_0_is_the_plain_surrogate_and_value_clipping_its_own_switch():
    terms = loss(clip_coef=0.0, vf_clip_coef=0.2)
    # -A * ratio = -1.25, 1.0, -0.55, nothing clipped
    assert terms.policy.item() == pytest.approx((-1.25 + 1.0 - 0.55) / 3, abs=1e-6)
    assert terms.clip_frac.item() == 0
    assert terms.value.item() == pytest.approx(0.5 * 2.69 / 3, abs=1e-6)  # still clipped


def test_kl_penalty_adds_kl_coef_times_the_sampled_kl():
    plain, penalised = loss(), loss(kl_coef=2.0)
    kl = sum((r - 1) - math.log(r) for r in (1.25, 0.5, 1.1)) / 3   # = 0.0748978
    assert penalised.loss.item() == pytest.approx(plain.loss.item() + 2.0 * kl, abs=1e-6)
    assert penalised.approx_kl.item() == pytest.approx(kl, abs=1e-6)
    # its gradient is mean((ratio - 1) * d log pi): d/d logp_new of the penalty
    new_logp = NEW_LOGP.clone().requires_grad_()
    ppo_loss(new_logp, ENTROPY, NEW_V, OLD_LOGP, OLD_V, ADVANTAGES, RETURNS, 0.2, 0.5, 0.01,
             norm_adv=False, kl_coef=1.0).loss.backward()
    without = NEW_LOGP.clone().requires_grad_()
    ppo_loss(without, ENTROPY, NEW_V, OLD_LOGP, OLD_V, ADVANTAGES, RETURNS, 0.2, 0.5, 0.01,
             norm_adv=False).loss.backward()
    expected = torch.tensor([0.25, -0.5, 0.1]) / 3
    assert torch.allclose(new_logp.grad - without.grad, expected, atol=1e-6)


def test_importance_weights_scale_the_normalised_advantages():
    # weights [2, 1, 0.5] on A = [1, -2, .5] (no normalisation): -wA r and -wA clip(r):
    # max(-2.5, -2.4) = -2.4, max(1.0, 1.6) = 1.6, max(-.275, -.275) = -.275
    terms = loss(weights=torch.tensor([2.0, 1.0, 0.5]))
    assert terms.policy.item() == pytest.approx((-2.4 + 1.6 - 0.275) / 3, abs=1e-6)
    assert terms.value.item() == pytest.approx(loss().value.item())  # value loss unweighted


def test_ratio_metrics_and_value_staleness():
    terms = loss(rho_clip=1.0)
    assert terms.ratio_mean.item() == pytest.approx((1.25 + 0.5 + 1.1) / 3, abs=1e-6)
    assert terms.ratio_clipped.item() == pytest.approx(2 / 3)   # 1.25 and 1.1 exceed 1
    assert math.isnan(loss().ratio_clipped.item())              # no V-trace
    assert terms.value_staleness.item() == pytest.approx((0.5 + 0.1 + 0) / 3, abs=1e-6)


def test_vtrace_with_every_ratio_1_is_gae_exactly():
    torch.manual_seed(0)
    horizon, agents = 16, 5
    rewards, values = torch.randn(horizon, agents), torch.randn(horizon, agents)
    terminals = (torch.rand(horizon, agents) < 0.1).float()
    truncations = (torch.rand(horizon, agents) < 0.1).float() * (1 - terminals)
    next_value = torch.randn(agents)
    gae = compute_gae(rewards, values, terminals, truncations, next_value, 0.99, 0.95)
    for clip in (1.0, 3.0):
        rho, c = vtrace_weights(torch.ones(horizon, agents), clip, clip)
        vtrace = compute_gae(rewards, values, terminals, truncations, next_value, 0.99, 0.95,
                             rho, c)
        assert torch.equal(vtrace[0], gae[0]) and torch.equal(vtrace[1], gae[1])


def test_vtrace_weights_clip_the_ratios():
    gamma, lam = 0.9, 0.8
    rewards, values = columns([1, 0]), columns([0.5, 1.0])
    zeros = columns([0, 0])
    ratios = columns([2.0, 0.5])
    rho, c = vtrace_weights(ratios, 1.0, 1.5)          # rho = [1, .5], c = [1.5, .5]
    advantages, returns = compute_gae(rewards, values, zeros, zeros, torch.tensor([2.0]),
                                      gamma, lam, rho, c)
    # deltas: t1: 0 + .9*2 - 1 = .8;  t0: 1 + .9*1 - .5 = 1.4
    # A1 = .5 * .8 = .4;  A0 = 1 * 1.4 + .9 * .8 * 1.5 * .4 = 1.832
    assert torch.allclose(advantages, columns([1.832, 0.4]), atol=1e-6)
    assert torch.allclose(returns, columns([2.332, 1.4]), atol=1e-6)
    assert vtrace_weights(ratios, 0.0, 0.0) == (None, None)  # 0: off


def test_munchausen_terms_by_hand():
    gamma, alpha, tau, clip = 0.9, 0.9, 0.03, -1.0
    probs = [0.5, 0.25, 1e-20, 0.8]                     # pi_old(a_t|s_t) of one agent
    logprobs = columns([math.log(p) for p in probs])
    terminals = columns([0, 0, 0, 0])
    truncations = columns([0, 1, 0, 0])                 # step 1 ends the episode
    next_entropy = torch.tensor([0.6])
    zeros = columns([0, 0, 0, 0])
    reward_terms = munchausen_rewards(zeros, logprobs, terminals, truncations, next_entropy,
                                      gamma, alpha, tau, clip, soft=False)
    # alpha * clip(tau ln p, -1, 0): tau ln 1e-20 = -1.3816 is clipped to -1
    expected = [alpha * max(tau * math.log(p), clip) for p in probs]
    assert expected[2] == pytest.approx(-0.9)
    assert torch.allclose(reward_terms, columns(expected), atol=1e-7)
    soft = munchausen_rewards(zeros, logprobs, terminals, truncations, next_entropy, gamma,
                              alpha, tau, clip, soft=True)
    # - gamma tau ln pi(a_t+1|s_t+1) (1 - done): the next step's log-prob; none after the
    # truncation at step 1; after the last step, + gamma tau H(next)
    nxt = [-gamma * tau * math.log(0.25), 0.0, -gamma * tau * math.log(0.8),
           gamma * tau * 0.6]
    assert torch.allclose(soft, columns([e + n for e, n in zip(expected, nxt)]), atol=1e-7)
    rewards = columns([1, 0, -1, 0])                    # the terms add to the rewards
    assert torch.allclose(munchausen_rewards(rewards, logprobs, terminals, truncations,
                                             next_entropy, gamma, alpha, tau, clip, True),
                          rewards + soft, atol=1e-7)


def test_one_update_on_a_fixed_batch_decreases_the_loss():
    from ocean.train import config as train_config
    from ocean.train.gae import compute_gae
    from ocean.train.policy import logprob_and_entropy
    from ocean.train.rollout import Collector, Rollout
    from ocean.train.trainer import build
    from ocean.train.update import UPDATE_KEYS, ppo_update

    torch.manual_seed(0)
    config = train_config.build("pong", [{"train": {"num_envs": 16, "horizon": 32,
                                                    "num_minibatches": 1, "update_epochs": 1,
                                                    "learning_rate": 1e-3},
                                          "env": {"max_score": 1}}])
    env, policy, optimizer = build("pong", config)
    rollout = Collector(env, policy, "cpu").collect(
        Rollout.allocate(32, env.num_agents, (8,), torch.float32, "cpu"))
    train = config.train
    advantages, returns = compute_gae(rollout.rewards, rollout.values, rollout.terminals,
                                      rollout.truncations, rollout.next_value, train.gamma,
                                      train.gae_lambda)

    def batch_loss():
        with torch.no_grad():
            logits, value, _ = policy(rollout.obs.view(-1, 8))
            logprob, entropy = logprob_and_entropy(logits, rollout.actions.view(-1))
            return ppo_loss(logprob, entropy, value, rollout.logprobs.view(-1),
                            rollout.values.view(-1), advantages.view(-1), returns.view(-1),
                            train.clip_coef, train.vf_coef, train.ent_coef).loss.item()

    before = batch_loss()
    stats = ppo_update(policy, optimizer, rollout, train)
    assert stats["loss"] == pytest.approx(before, abs=1e-5)  # the update saw the same loss
    assert list(stats) == list(UPDATE_KEYS)  # each one a metrics.csv column
    assert batch_loss() < before - 1e-4
    env.close()


def test_episode_stats_weight_each_steps_means_by_its_episode_count():
    stats = EpisodeStats(["score", "win"])
    assert stats.means() == {"episodes": 0, "score": None, "win": None}
    stats.add({})                                               # a step that ended none
    stats.add({"score": 2.0, "win": 1.0, "episodes": 1})
    stats.add({"score": -1.0, "win": 0.25, "episodes": 4})      # 4 episodes, one won
    assert stats.take() == {"episodes": 5, "score": (2 - 4) / 5, "win": 2 / 5}
    assert stats.take() == {"episodes": 0, "score": None, "win": None}  # taken: afresh
