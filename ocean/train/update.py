"""One PPO update: GAE over the rollout, then update_epochs passes over shuffled minibatches
(CleanRL's ppo.py / ppo_atari_lstm.py loop). A feed-forward policy shuffles agent-steps; a
recurrent one shuffles whole agents, so each minibatch replays its agents' sequences from
the state the rollout started in.

What keeps it fast on a CPU (docs/learner.md has the profile): each epoch gathers the
shuffled rollout once, so a minibatch is a slice of contiguous memory rather than a gather
per tensor; the minibatch's forward pass and loss are one function, `minibatch_loss`, which
Learner compiles with torch.compile (train.compile) into a few fused kernels; the optimiser
step is Adam's fused (or foreach) implementation; glibc keeps freed memory instead of
faulting fresh pages in for every minibatch's activations (keep_freed_memory); and the update
may use more threads than the rollout (train.learn_threads). The eager `minibatch_loss` is
the reference the compiled one is tested against.
"""
import ctypes
from collections import namedtuple

import torch
from torch import nn

from ocean.train.gae import compute_gae
from ocean.train.loss import LossTerms, ppo_loss
from ocean.train.policy import logprob_and_entropy

# what an update returns: every one is a metrics.csv column and shows on the dashboard
UPDATE_KEYS = (*LossTerms._fields, "explained_variance", "epochs")

# One minibatch: rows of agent-steps (time-major sequences of whole agents for a recurrent
# policy, with their starts and the state the rollout started in).
Minibatch = namedtuple("Minibatch", "obs actions logprobs values advantages returns starts state")


def explained_variance(predicted, target):
    """1 - Var(target - predicted) / Var(target): 1 is perfect, 0 no better than the mean."""
    variance = target.var()
    return float("nan") if variance == 0 else float(1 - (target - predicted).var() / variance)


def minibatch_loss(policy, batch, clip_coef, vf_coef, ent_coef, clip_vloss, norm_adv):
    """The PPO loss terms of one minibatch under the current policy."""
    if policy.recurrent:
        logits, value, _ = policy(batch.obs, batch.state, batch.starts)
    else:
        logits, value, _ = policy(batch.obs)
    logprob, entropy = logprob_and_entropy(logits, batch.actions)
    return ppo_loss(logprob, entropy, value, batch.logprobs, batch.values, batch.advantages,
                    batch.returns, clip_coef, vf_coef, ent_coef, clip_vloss, norm_adv)


def minibatches(rollout, advantages, returns, num_minibatches, recurrent):
    """One epoch's minibatches, in a fresh random order (torch's RNG)."""
    horizon, agents = rollout.rewards.shape
    data = (rollout.obs, rollout.actions, rollout.logprobs, rollout.values, advantages, returns)
    device = rollout.rewards.device
    if recurrent:  # whole agents: every step of each, in time order
        order = torch.randperm(agents, device=device)
        shuffled = [x.index_select(1, order) for x in (*data, rollout.starts)]
        state = tuple(s.index_select(1, order) for s in rollout.start_state)
        size = agents // num_minibatches
        for i in range(num_minibatches):
            rows = slice(i * size, (i + 1) * size)
            *fields, starts = (x[:, rows].reshape(-1, *x.shape[2:]) for x in shuffled)
            yield Minibatch(*fields, starts, tuple(s[:, rows] for s in state))
    else:  # agent-steps
        order = torch.randperm(horizon * agents, device=device)
        shuffled = [x.flatten(0, 1).index_select(0, order) for x in data]
        size = horizon * agents // num_minibatches
        for i in range(num_minibatches):
            yield Minibatch(*(x[i * size:(i + 1) * size] for x in shuffled), None, ())


def keep_freed_memory():
    """Ask glibc to keep freed memory in the process. An update frees and allocates the same
    activation sizes every minibatch; by default glibc hands large freed blocks back to the
    kernel (munmap, heap trimming), so each new one comes back as fresh pages, faulted in one
    at a time. Process-wide and for the process's life; Linux with glibc only (returns False
    elsewhere, changing nothing)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    trim_threshold, top_pad, mmap_threshold = -1, -2, -3  # glibc's M_* parameter numbers
    return bool(mallopt(mmap_threshold, 1 << 30) and mallopt(trim_threshold, 2**31 - 1)
                and mallopt(top_pad, 64 << 20))


def make_optimizer(parameters, learning_rate, device):
    """Adam (eps 1e-5, as CleanRL) in its fused implementation where torch has one for the
    device, else foreach: one kernel over every parameter instead of several per tensor."""
    fused = torch.device(device).type in ("cpu", "cuda")
    return torch.optim.Adam(parameters, lr=learning_rate, eps=1e-5, fused=fused or None,
                            foreach=None if fused else True)


class Learner:
    """The update of a run: the policy, its optimiser and the (compiled) minibatch loss.
    update(rollout) returns the minibatch-averaged loss terms as floats, explained_variance
    and the number of epochs run (fewer when target_kl stopped it)."""

    def __init__(self, policy, optimizer, train, compile=False):
        self.policy, self.optimizer, self.train = policy, optimizer, train
        self.loss = torch.compile(minibatch_loss, dynamic=False) if compile else minibatch_loss
        self.parameters = [p for p in policy.parameters() if p.requires_grad]

    def update(self, rollout):
        train = self.train
        advantages, returns = compute_gae(rollout.rewards, rollout.values, rollout.terminals,
                                          rollout.truncations, rollout.next_value,
                                          train.gamma, train.gae_lambda)
        sums = torch.zeros(len(LossTerms._fields), device=rollout.rewards.device)
        steps = epochs = 0
        for _ in range(train.update_epochs):
            epochs += 1
            for batch in minibatches(rollout, advantages, returns, train.num_minibatches,
                                     self.policy.recurrent):
                terms = self.loss(self.policy, batch, train.clip_coef, train.vf_coef,
                                  train.ent_coef, train.clip_vloss, train.norm_adv)
                self.optimizer.zero_grad(set_to_none=True)
                terms.loss.backward()
                nn.utils.clip_grad_norm_(self.parameters, train.max_grad_norm, foreach=True)
                self.optimizer.step()
                sums += torch.stack([t.detach() for t in terms])
                steps += 1
            if train.target_kl and terms.approx_kl > train.target_kl:
                break
        stats = dict(zip(LossTerms._fields, (sums / steps).tolist()))
        stats["explained_variance"] = explained_variance(rollout.values.flatten(),
                                                         returns.flatten())
        stats["epochs"] = epochs
        return stats


def ppo_update(policy, optimizer, rollout, train):
    """One eager update (Learner without compilation)."""
    return Learner(policy, optimizer, train).update(rollout)
