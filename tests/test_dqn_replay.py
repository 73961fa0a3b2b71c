"""The replay buffer of `--algo dqn` against values worked out by hand (numbers in the
comments): n-step windows with terminals and truncations inside them, across the ring's
wrap; the sum tree's sampling frequencies; prioritized replay's importance weights."""
import numpy as np
import pytest
import torch

from ocean.train.prioritized import Priorities, SumTree
from ocean.train.replay import ReplayBuffer, nstep_returns

torch.set_num_threads(1)  # two cores shared with the rest of the suite

# Two agents, gamma 0.5, 3-step windows, 7 steps (t = 0..6). obs_t = 10 t + agent.
#   agent 0: rewards 1 2 3 4 5 6 7, terminal at t = 2
#   agent 1: rewards all 1, truncated at t = 1
GAMMA, N = 0.5, 3
REWARDS = [[1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 1], [7, 1]]
TERMINALS = [[0, 0], [0, 0], [1, 0], [0, 0], [0, 0], [0, 0], [0, 0]]
TRUNCATIONS = [[0, 0], [0, 1], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]
# (t, agent) -> (return, discount, bootstrap obs); a terminal's bootstrap obs is unused
EXPECTED = {
    (0, 0): (1 + .5 * 2 + .25 * 3, 0.0, None),      # terminal at the window's 3rd step
    (1, 0): (2 + .5 * 3, 0.0, None),                # terminal at its 2nd
    (2, 0): (3.0, 0.0, None),                       # terminal at its 1st
    (3, 0): (4 + .5 * 5 + .25 * 6, .125, 60.0),     # no end: obs 3 steps on, gamma^3
    (0, 1): (1 + .5 * 1, .25, 11.0),    # truncated at t = 1: its own obs stands in, gamma^2
    (1, 1): (1.0, .5, 11.0),            # truncated at its 1st step: obs_1, gamma^1
    (2, 1): (1 + .5 + .25, .125, 51.0),
    (3, 1): (1 + .5 + .25, .125, 61.0),
}


def filled(capacity, prio_alpha=None):
    replay = ReplayBuffer(capacity, 2, (1,), torch.float32, "cpu", N, GAMMA, prio_alpha)
    for t in range(len(REWARDS)):
        replay.begin(torch.tensor([[10.0 * t], [10.0 * t + 1]]))
        replay.end(torch.tensor([t % 3, (t + 1) % 3]), torch.tensor(REWARDS[t]),
                   torch.tensor(TERMINALS[t]), torch.tensor(TRUNCATIONS[t]))
    return replay


def check_row(replay, t):
    rows = torch.tensor([t % replay.rows] * 2)
    batch = replay.gather(rows, torch.tensor([0, 1]))
    for agent in (0, 1):
        ret, discount, bootstrap = EXPECTED[(t, agent)]
        assert batch.returns[agent].item() == pytest.approx(ret), (t, agent)
        assert batch.discounts[agent].item() == pytest.approx(discount), (t, agent)
        if bootstrap is not None:
            assert batch.next_obs[agent].item() == bootstrap, (t, agent)
        assert batch.obs[agent].item() == 10 * t + agent
        assert batch.actions[agent].item() == (t + agent) % 3


def test_nstep_windows_stop_at_terminals_and_bootstrap_at_truncations():
    replay = filled(capacity=2 * 10)
    assert replay.size == 2 * (7 - N)          # rows 0..3 have their 3 following rows
    for t in range(4):
        check_row(replay, t)


def test_nstep_windows_read_across_the_ring_wrap():
    """5 rows hold t = 2..6: only t = 2 and 3 have a whole window, read across the wrap."""
    replay = filled(capacity=2 * 5)
    assert replay.size == 2 * (5 - N)
    for t in (2, 3):
        check_row(replay, t)
    for _ in range(20):  # uniform draws land only on those
        batch = replay.sample(8)
        assert set(batch.obs.flatten().tolist()) <= {20.0, 21.0, 30.0, 31.0}


def test_one_step_targets_and_a_step_that_is_both_terminal_and_truncated():
    zeros = torch.zeros(2, 1)
    returns, discounts, offsets = nstep_returns(torch.tensor([[2.0], [3.0]]), zeros, zeros, .9)
    assert returns.tolist() == [2.0, 3.0] and discounts.tolist() == pytest.approx([.9, .9])
    assert offsets.tolist() == [1, 1]
    # terminal and truncated at once: terminal wins, nothing is bootstrapped
    returns, discounts, _ = nstep_returns(torch.tensor([[2.0]]), torch.ones(1, 1),
                                          torch.ones(1, 1), .9)
    assert returns.item() == 2.0 and discounts.item() == 0.0


def test_prioritized_replay_samples_only_complete_windows():
    replay = filled(capacity=2 * 5, prio_alpha=0.6)
    assert np.count_nonzero(replay.priorities.raw) == replay.size
    batch = replay.sample(64)
    assert set(batch.obs.flatten().tolist()) <= {20.0, 21.0, 30.0, 31.0}


def test_sum_tree_draws_each_leaf_as_often_as_its_share():
    """200,000 stratified draws over p^0.6 of 6 priorities (one empty, two padding leaves):
    each leaf's frequency within 4 standard deviations of p^a / sum p^a, the empty ones
    never."""
    raw = np.array([0.1, 1.0, 0.0, 3.0, 0.5, 7.0])
    priorities = Priorities(len(raw), alpha=0.6, eps=0.0)
    priorities.update(np.flatnonzero(raw), raw[raw > 0])
    expected = np.where(raw > 0, raw ** 0.6, 0) / (raw[raw > 0] ** 0.6).sum()
    rng = np.random.default_rng(0)
    counts = np.zeros(8)
    draws = 1000
    for _ in range(200):
        slots, _ = priorities.sample(rng.random(draws), beta=0.4)
        counts += np.bincount(slots, minlength=8)
    frequency = counts[:6] / counts.sum()
    tolerance = 4 * np.sqrt(expected * (1 - expected) / counts.sum()) + 1e-12
    assert np.all(np.abs(frequency - expected) <= tolerance), (frequency, expected)
    assert counts[2] == 0 and counts[6:].sum() == 0


def test_sum_tree_sums_and_minimum_follow_every_kind_of_write():
    tree = SumTree(5)
    tree.set_range(0, 5, 2.0)
    tree.set(np.array([1, 3, 3]), np.array([0.5, 9.0, 4.0]))   # a repeat keeps the last
    assert tree.total == pytest.approx(2 + .5 + 2 + 4 + 2) and tree.min == 0.5
    tree.set_range(1, 2, 0.0)
    assert tree.total == pytest.approx(10.0) and tree.min == 2.0
    tree.rebuild(np.array([1.0, 0.0, 0.0, 0.0, 3.0]))
    assert tree.total == 4.0 and tree.min == 1.0
    assert tree.find(np.array([0.0, 0.99, 1.0, 3.99])).tolist() == [0, 0, 4, 4]


def test_prioritized_weights_are_max_normalised_importance_weights():
    """w_i = (N P(i))^-beta / max_j (N P(j))^-beta, the max over the whole buffer: the
    least-priority transition has weight 1 even when the batch does not hold it."""
    raw = np.array([0.5, 2.0, 1.0, 4.0])
    alpha, beta = 0.7, 0.4
    priorities = Priorities(len(raw), alpha, eps=0.0)
    priorities.update(np.arange(4), raw)
    probs = raw ** alpha / (raw ** alpha).sum()
    expected = (len(raw) * probs) ** -beta / ((len(raw) * probs) ** -beta).max()
    slots, weights = priorities.sample(np.random.default_rng(1).random(64), beta)
    assert np.allclose(weights, expected[slots], rtol=1e-12)
    assert weights.max() <= 1.0
    slots, weights = priorities.sample(np.array([0.99]), beta)  # the top priority alone
    assert slots.tolist() == [3] and weights[0] == pytest.approx(expected[3])
    assert expected[3] < 1
    # new transitions get the largest priority seen; td errors set |delta| + eps
    priorities.disable(0, 4)
    priorities.enable(2, 3)
    assert priorities.raw.tolist() == [0.0, 0.0, 4.0, 0.0]


def test_annealed_alpha_reweights_every_stored_priority():
    raw = np.array([0.5, 2.0, 0.0, 4.0])
    priorities = Priorities(len(raw), alpha=0.6, eps=0.0)
    priorities.update(np.array([0, 1, 3]), raw[[0, 1, 3]])
    priorities.set_alpha(0.2)
    assert priorities.tree.total == pytest.approx((raw[raw > 0] ** 0.2).sum())
    priorities.set_alpha(0.0)   # uniform: every stored transition weighs 1
    assert priorities.tree.total == pytest.approx(3.0)
    _, weights = priorities.sample(np.full(10, 0.5), beta=1.0)
    assert np.all(weights == 1.0)
