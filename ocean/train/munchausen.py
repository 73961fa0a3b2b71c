"""Munchausen rewards for PPO (after M-DQN: Vieillard, Pietquin, Geist, NeurIPS 2020).

M-DQN regresses q(s_t, a_t) on

    r_t + alpha * clip(tau * ln pi(a_t|s_t), l0, 0)
        + gamma * sum_a' pi(a'|s_t+1) [q(s_t+1, a') - tau * ln pi(a'|s_t+1)] * (1 - done_t)

with pi = softmax(q / tau). The second term is the Munchausen bonus: the agent's own
log-policy added to its reward, which makes the learned values those of a KL-regularised
(to the previous policy) and entropy-regularised problem. The clip is on the scaled term
tau * ln pi, as in the official code (m_dqn.py clips tau_log_pi_a, then multiplies by alpha),
not on ln pi; with tau 0.03 and l0 -1 it bites only where pi(a|s) < e^-33.

PPO has no q; it has pi_old, the behaviour policy that collected the step, and stores
ln pi_old(a_t|s_t) anyway. munchausen_rewards adds to each step's reward

  mode "reward":  alpha * clip(tau * ln pi_old(a_t|s_t), l0, 0)
      On its own and on-policy, its expectation is -alpha * tau * H(pi_old(.|s_t)): an
      entropy penalty, pushing the policy toward determinism.
  mode "soft":    that, plus - gamma * tau * ln pi_old(a_t+1|s_t+1) * (1 - done_t)
      The sampled form of M-DQN's soft next-state value (the -tau ln pi inside the sum):
      its expectation is + gamma * tau * H(pi_old(.|s_t+1)), an entropy bonus. Together the
      pair is an entropy bonus of about (1 - alpha) * tau per step plus the implicit
      KL-to-the-previous-policy term, as in M-DQN, rather than a bare entropy penalty.

done_t is a terminal or a truncation: either way the next observation is a new episode's
first (Ocean auto-resets) and its action is not this episode's. The rollout's last step has
no next action in the rollout; it takes the term's expectation there, gamma * tau times the
entropy of pi_old at the observation after the rollout (Rollout.next_entropy).
"""
import torch


def munchausen_rewards(rewards, logprobs, terminals, truncations, next_entropy, gamma, alpha,
                       tau, clip, soft):
    """rewards + the Munchausen terms above, over (T, N) time-major tensors: logprobs are
    ln pi_old(a_t|s_t); next_entropy (N,) the entropy of pi_old after the last step (used by
    soft only)."""
    bonus = alpha * (tau * logprobs).clamp(clip, 0)
    if soft:
        next_logprob = torch.cat([logprobs[1:], -next_entropy.unsqueeze(0)])
        done = torch.maximum(terminals, truncations)
        bonus = bonus - gamma * tau * next_logprob * (1 - done)
    return rewards + bonus
