"""Which buffered steps an update's minibatches hold (indices as in buffer.py: step
i = (k * horizon + t) * agents + a, segment s = k * agents + a).

Uniform (the default): passes over the buffer, each a fresh permutation (torch.randperm) of
its agent-steps (feed-forward policies) or of its segments (recurrent ones, which replay a
segment's steps in order); a pass is consumed one rollout's worth of samples at a time, so
with one slot each pass is one of PPO's epochs (CleanRL's shuffle, draw for draw).

Prioritized segments (train.prio_alpha > 0; PufferLib 3.0's scheme): segment i's priority
is p_i = (sum_t |A_i,t|)^alpha over its steps' advantages, its probability
P_i = (p_i + eps) / sum_j (p_j + eps) (eps = 1e-6: no segment is impossible), and each
minibatch draws its segments without replacement (torch.multinomial), independently of the
other minibatches. A sample's importance weight is w_i = (N * P_i)^-beta, N the number of
segments, with beta annealed linearly from beta0 at the start of training to 1 at its end.
Where it differs from Schaul et al.'s prioritized replay (2016): the weights are not divided
by their maximum (a minibatch's weights are not rescaled to at most 1), priorities are whole
segments' summed |advantage| rather than one transition's |TD error|, sampling is without
replacement within a minibatch, and the weights scale the policy's advantages after their
normalisation, not the value loss. Unlike PufferLib, priorities are computed once per update
(not before every minibatch), and beta reaches 1 at the end of training (PufferLib's
schedule stops at beta0 + (1 - beta0) * alpha).
"""
import torch

PRIORITY_EPS = 1e-6


def segment_priorities(advantages, alpha):
    """p = (sum over each segment's steps of |A|)^alpha, from (K, horizon, agents)
    advantages; (K * agents,) in segment order. NaN (a diverged advantage) counts as 0."""
    summed = advantages.abs().sum(1).flatten()
    return torch.nan_to_num(summed, nan=0.0) ** alpha


def sample_probabilities(priorities):
    """P_i = (p_i + eps) / sum_j (p_j + eps)."""
    shifted = priorities + PRIORITY_EPS
    return shifted / shifted.sum()


def importance_weights(probabilities, beta):
    """w_i = (N * P_i)^-beta, not max-normalised."""
    return (len(probabilities) * probabilities) ** -beta


def annealed_beta(beta0, progress):
    """beta from beta0 at progress 0 (the start of training) to 1 at progress 1."""
    return beta0 + (1.0 - beta0) * min(max(progress, 0.0), 1.0)


def uniform_chunks(units, per_minibatch, minibatches, chunk, device):
    """(n, per_minibatch) index tensors, n <= chunk minibatches each, `minibatches` in all:
    passes over range(units), each a fresh permutation."""
    order, used = None, 0
    for first in range(0, minibatches, chunk):
        n = min(chunk, minibatches - first)
        if order is None or used + n * per_minibatch > units:
            order, used = torch.randperm(units, device=device), 0
        yield order[used:used + n * per_minibatch].view(n, per_minibatch)
        used += n * per_minibatch


def prioritized_chunks(probabilities, per_minibatch, minibatches, chunk):
    """(n, per_minibatch) segment indices, n <= chunk minibatches each: every row drawn
    without replacement with the given probabilities, rows independent."""
    for first in range(0, minibatches, chunk):
        n = min(chunk, minibatches - first)
        yield torch.multinomial(probabilities.expand(n, -1), per_minibatch)


def segment_steps(segments, horizon, agents):
    """The step indices of (..., m) segments, shaped (..., horizon, m): time-major, each
    column one segment's steps in order."""
    slot, agent = segments // agents, segments % agents
    first = (slot * horizon * agents + agent).unsqueeze(-2)
    return first + torch.arange(horizon, device=segments.device).unsqueeze(-1) * agents
