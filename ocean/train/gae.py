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

Stale data (steps collected by an older policy mu than the current pi) can be corrected
V-trace style (Espeholt et al. 2018, eq. 1) with per-step weights from the importance ratio
pi/mu: rho_t = min(rho_clip, ratio_t) scales delta_t and c_t = min(c_clip, ratio_t) scales
the trace, so the recursion is

    A_t = rho_t * delta_t + gamma * lam * c_t * A_{t+1}    (A_t = v_t - V_t, V-trace's target)

with lam on c_t as RESEARCH.md's "GAE's lambda-return" form (PufferLib 3.0 computes the same
GAE-style advantages; the policy gradient uses A_t, not the paper's rho_s (r_s + gamma v_{s+1}
- V_s)). With every ratio 1 and clips >= 1 it is GAE exactly. A clip of 0 leaves its factor
out (1 for every step).
"""
import torch


def vtrace_weights(ratios, rho_clip, c_clip):
    """(rho, c) for compute_gae from the importance ratios pi/mu: each clipped from above,
    None where its clip is 0 (off)."""
    return (ratios.clamp(max=rho_clip) if rho_clip else None,
            ratios.clamp(max=c_clip) if c_clip else None)


def compute_gae(rewards, values, terminals, truncations, next_value, gamma, lam, rho=None,
                c=None):
    """Returns (advantages, returns), each shaped like rewards: (T, ...) time-major, any
    trailing shape. terminals and truncations are 0/1 float tensors. rho, c: V-trace's
    per-step weights (vtrace_weights), None for plain GAE."""
    advantages = torch.empty_like(rewards)
    running = torch.zeros_like(next_value)
    for t in reversed(range(rewards.shape[0])):
        following = next_value if t == rewards.shape[0] - 1 else values[t + 1]
        bootstrap = torch.where(truncations[t] > 0, values[t], following) * (1 - terminals[t])
        delta = rewards[t] + gamma * bootstrap - values[t]
        if rho is not None:
            delta = rho[t] * delta
        cont = (1 - terminals[t]) * (1 - truncations[t])
        if c is not None:
            cont = c[t] * cont
        running = delta + gamma * lam * cont * running
        advantages[t] = running
    return advantages, advantages + values
