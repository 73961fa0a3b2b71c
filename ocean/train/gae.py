"""Generalised advantage estimation (Schulman et al. 2016, eq. 11-16), over (T, N) tensors.

Index t is one agent-step: obs_t was seen, value_t = V(obs_t), the action earned reward_t,
and terminal_t / truncation_t say the step ended the episode. next_value is V of the obs
after the last step.

Ocean auto-resets in the same step, so the obs after a finished step is already the next
episode's first: the true final obs of an episode is never seen.
  - terminal: the return stops there: delta_t = r_t - V_t.
  - truncation (time limit): the episode would have gone on, so we bootstrap, but V of the
    unseen final obs is unknown; we use V(obs_t), the latest value of that episode:
    delta_t = r_t + gamma * V_t - V_t. (Treating truncation as terminal biases values of
    late states down; this biases them by one step's change of V, usually far less.)
In both cases the advantage chain is cut: nothing after t belongs to this episode.
"""
import torch


def compute_gae(rewards, values, terminals, truncations, next_value, gamma, lam):
    """Returns (advantages, returns), each shaped like rewards. terminals and truncations
    are 0/1 float tensors."""
    advantages = torch.empty_like(rewards)
    running = torch.zeros_like(next_value)
    for t in reversed(range(rewards.shape[0])):
        following = next_value if t == rewards.shape[0] - 1 else values[t + 1]
        bootstrap = torch.where(truncations[t] > 0, values[t], following) * (1 - terminals[t])
        delta = rewards[t] + gamma * bootstrap - values[t]
        cont = (1 - terminals[t]) * (1 - truncations[t])
        running = delta + gamma * lam * cont * running
        advantages[t] = running
    return advantages, advantages + values
