"""The regression targets and loss of `--algo dqn` on one sampled batch.

Munchausen DQN (Vieillard, Pietquin, Geist 2020, eq. 2 and the official m_dqn.py), with the
target network's q and its softmax policy pi = softmax(q / tau):

    y = R + alpha * clip(tau * ln pi(a|s), l0, 0)
          + discount * sum_a' pi(a'|s') * (q(s', a') - tau * ln pi(a'|s'))

The clip is on tau * ln pi, as in the official code (not alpha * tau * clip(ln pi, l0, 0)).
tau * ln pi = q - tau * logsumexp(q / tau), computed with the max subtracted first so that
exp never overflows. R and discount come from the n-step window (ocean/train/replay.py):
with n > 1 the Munchausen term is the first action's only, and the soft value is taken at
the bootstrap state; the paper's setting is n = 1, where this is exact.

alpha 0 is plain DQN: y = R + discount * q(s', a*), a* = argmax of the target network's q
(Mnih et al. 2015), or of the online network's with double (van Hasselt et al. 2016).

The loss is Huber (as the official code) or squared error of q(s, a) - y, each sample
weighted by its importance weight (ones without prioritized replay); |q(s, a) - y| is the
TD error that sets the sample's new priority.
"""
from typing import NamedTuple

import torch
from torch.nn import functional as F


class DQNTerms(NamedTuple):
    loss: torch.Tensor
    q_mean: torch.Tensor      # mean q(s, a) over the batch
    td_error: torch.Tensor    # mean |q(s, a) - y|
    td_errors: torch.Tensor   # (B,) |q(s, a) - y|, the new priorities


def scaled_log_softmax(q, tau):
    """tau * ln softmax(q / tau), along the last axis, stable for any scale of q."""
    shifted = q - q.max(-1, keepdim=True).values
    return shifted - tau * torch.logsumexp(shifted / tau, dim=-1, keepdim=True)


def munchausen_target(returns, discounts, q_target, actions, next_q_target, alpha, tau, clip):
    """y of M-DQN. q_target: the target network's q at s (B, A); next_q_target: at the
    bootstrap state (B, A); actions: a (B,) int64."""
    tau_log_pi = scaled_log_softmax(q_target, tau).gather(1, actions.unsqueeze(1)).squeeze(1)
    bonus = alpha * tau_log_pi.clamp(min=clip, max=0.0)
    next_tau_log_pi = scaled_log_softmax(next_q_target, tau)
    next_pi = F.softmax(next_q_target / tau, dim=-1)
    soft_value = (next_pi * (next_q_target - next_tau_log_pi)).sum(-1)
    return returns + bonus + discounts * soft_value


def dqn_target(returns, discounts, next_q_target, next_q_online=None):
    """y of DQN: the target network's q at the bootstrap state, of the action argmax
    next_q_online (double DQN) or argmax next_q_target when that is None."""
    chooser = next_q_target if next_q_online is None else next_q_online
    best = chooser.argmax(-1, keepdim=True)
    return returns + discounts * next_q_target.gather(1, best).squeeze(1)


def td_loss(q, actions, targets, weights, kind="huber"):
    """DQNTerms of online q (B, A) regressed on targets (B,) at the taken actions."""
    chosen = q.gather(1, actions.unsqueeze(1)).squeeze(1)
    errors = chosen - targets
    if kind == "huber":
        per_sample = F.smooth_l1_loss(chosen, targets, reduction="none")
    else:
        per_sample = errors.square()
    td_errors = errors.detach().abs()
    return DQNTerms((weights * per_sample).mean(), chosen.detach().mean(), td_errors.mean(),
                    td_errors)
