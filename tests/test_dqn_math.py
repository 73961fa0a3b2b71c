"""The learning rule of `--algo dqn` against values worked out by hand (numbers in the
comments): the Munchausen and (double) DQN targets and the loss, the target network update,
epsilon-greedy exploration and the Q-network seen as a policy."""
import math

import pytest
import torch

from ocean.train.dqn_loss import (dqn_target, munchausen_target, scaled_log_softmax,
                                  td_loss)
from ocean.train.policy import MLPEncoder
from ocean.train.qnetwork import (QNetwork, epsilon_greedy, linear_schedule, make_target,
                                  update_target)

torch.set_num_threads(1)  # two cores shared with the rest of the suite


def test_scaled_log_softmax_is_stable_and_exact():
    q = torch.tensor([[1.0, 2.0]])
    # q / tau = [2, 4]; logsumexp = 4 + ln(1 + e^-2) = 4.126928; tau * that = 2.063464
    assert scaled_log_softmax(q, 0.5).tolist()[0] == pytest.approx([-1.063464, -0.063464],
                                                                   abs=1e-6)
    huge = scaled_log_softmax(torch.tensor([[1000.0, 999.0, -1000.0]]), 0.03)
    assert torch.isfinite(huge).all() and huge[0, 0].item() == 0.0


def test_munchausen_target_by_hand():
    """tau 0.5, alpha 0.9, l0 -1, r 1, discount 0.9.
    At s, q = [1, 2]: tau ln pi = [-1.063464, -0.063464]. The clip is on tau ln pi:
    action 0's -1.063464 clips to -1 (bonus -0.9); action 1's gives -0.0571176.
    (Clipping ln pi instead would give 0.9 * 0.5 * -1 = -0.45 for action 0.)
    At s', q = [0, 1]: tau ln pi = [-1.063464, -0.063464], pi = [0.119203, 0.880797],
    soft value = .119203 * 1.063464 + .880797 * 1.063464 = 1.063464.
    y = 1 + bonus + 0.9 * 1.063464: action 0: 1.057118, action 1: 1.9."""
    q_now = torch.tensor([[1.0, 2.0], [1.0, 2.0]])
    q_next = torch.tensor([[0.0, 1.0], [0.0, 1.0]])
    y = munchausen_target(torch.tensor([1.0, 1.0]), torch.tensor([0.9, 0.9]), q_now,
                          torch.tensor([0, 1]), q_next, alpha=0.9, tau=0.5, clip=-1.0)
    assert y.tolist() == pytest.approx([1.057118, 1.9], abs=1e-5)
    # a terminal (discount 0) keeps the reward and the Munchausen term only
    y = munchausen_target(torch.tensor([1.0]), torch.tensor([0.0]), q_now[:1],
                          torch.tensor([1]), q_next[:1], alpha=0.9, tau=0.5, clip=-1.0)
    assert y.item() == pytest.approx(1 - 0.0571176, abs=1e-6)


def test_double_and_plain_dqn_targets_by_hand():
    next_target = torch.tensor([[1.0, 5.0, 3.0]])
    next_online = torch.tensor([[4.0, 0.0, 2.0]])
    returns, discounts = torch.tensor([0.5]), torch.tensor([0.9])
    # double: the online net picks action 0, the target values it 1: 0.5 + 0.9 * 1
    assert dqn_target(returns, discounts, next_target, next_online).item() == pytest.approx(1.4)
    # plain: the target's own max, 5: 0.5 + 0.9 * 5
    assert dqn_target(returns, discounts, next_target).item() == pytest.approx(5.0)


def test_td_loss_weights_each_sample():
    q = torch.tensor([[1.0, 0.0], [0.0, 3.0]], requires_grad=True)
    terms = td_loss(q, torch.tensor([0, 1]), torch.tensor([1.5, 0.0]), torch.tensor([1.0, 0.5]))
    # errors -0.5 and 3: Huber 0.125 and 2.5; weighted mean (0.125 + 0.5 * 2.5) / 2
    assert terms.loss.item() == pytest.approx(0.6875)
    assert terms.td_errors.tolist() == [0.5, 3.0] and terms.q_mean.item() == 2.0
    mse = td_loss(q, torch.tensor([0, 1]), torch.tensor([1.5, 0.0]), torch.ones(2), "mse")
    assert mse.loss.item() == pytest.approx((0.25 + 9) / 2)


def small_q_network(seed):
    torch.manual_seed(seed)
    return QNetwork(MLPEncoder(4, 8, 1), 3)


def test_target_update_hard_copy_and_polyak():
    online, target = small_q_network(0), small_q_network(1)
    before = [p.clone() for p in target.parameters()]
    update_target(target, online, 0.25)
    for mine, old, theirs in zip(target.parameters(), before, online.parameters()):
        assert torch.allclose(mine, 0.25 * theirs + 0.75 * old, atol=1e-7)
    update_target(target, online, 1.0)
    assert all(torch.equal(a, b) for a, b in zip(target.parameters(), online.parameters()))
    frozen = make_target(online)
    assert not any(p.requires_grad for p in frozen.parameters())
    with torch.no_grad():
        next(online.parameters()).add_(1.0)  # a copy, not a view of the online weights
    assert not torch.equal(next(frozen.parameters()), next(online.parameters()))


def test_epsilon_greedy_and_its_schedule():
    q = torch.tensor([[0.0, 1.0, 0.0]]).repeat(20_000, 1)
    assert (epsilon_greedy(q, 0.0) == 1).all()
    torch.manual_seed(0)
    random_share = (epsilon_greedy(q, 0.3) != 1).float().mean().item()
    assert random_share == pytest.approx(0.3 * 2 / 3, abs=0.015)  # a random pick can be 1
    assert linear_schedule(1.0, 0.1, 100, 0) == 1.0
    assert linear_schedule(1.0, 0.1, 100, 50) == pytest.approx(0.55)
    assert linear_schedule(1.0, 0.1, 100, 10**6) == 0.1


def test_q_network_as_a_policy_is_epsilon_greedy():
    net = small_q_network(0)
    obs = torch.randn(5, 4)
    net.epsilon = 0.3
    logits, value, state = net(obs)
    q = net.q_values(obs)
    probs = logits.softmax(-1)
    greedy = q.argmax(-1)
    assert torch.allclose(probs.gather(1, greedy[:, None]).squeeze(1), torch.full((5,), 0.8))
    assert torch.allclose(probs.sum(-1), torch.ones(5)) and state == ()
    assert torch.equal(value, q.max(-1).values) and torch.equal(logits.argmax(-1), greedy)
    net.epsilon = 0.0
    assert math.isinf(net(obs)[0].min().item())
