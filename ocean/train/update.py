"""One PPO update: advantages over the experience buffer, then minibatches drawn from it
(CleanRL's ppo.py / ppo_atari_lstm.py loop). By default the buffer is the one rollout just
collected and the update is CleanRL's: GAE, then update_epochs passes over shuffled
minibatches. A feed-forward policy shuffles agent-steps; a recurrent one shuffles whole
segments (agents' sequences), so each minibatch replays them from the state they started in.

The experience-buffer options (each off by default; docs/offpolicy.md):
  - train.buffer_rollouts K keeps the last K rollouts (buffer.py); train.replay_factor R is
    the number of minibatch samples drawn per agent-step collected (0: update_epochs), so
    an update runs R * num_minibatches minibatches of the usual size.
  - train.prio_alpha > 0 draws whole segments by priority, with importance weights
    (sampling.py); annealed over training by `progress`.
  - train.vtrace_rho_clip / vtrace_c_clip weight the advantages by clipped importance ratios
    pi/mu (gae.py). The ratio of a step is the one its last minibatch computed (PufferLib's
    way: free; 1 for the rollout just collected), or exact with refresh_values.
  - train.refresh_values recomputes, before the update, the stored values (and V-trace's
    ratios) of the older rollouts with the current network; the rollout just collected is
    current already.
  - train.munchausen_alpha / munchausen_mode add the Munchausen terms to the rewards of each
    rollout once, when it is added (munchausen.py).
  - train.kl_coef and train.clip_coef 0: the loss (loss.py).

What keeps it fast on a CPU (docs/learner.md has the profile): each rollout's worth of
minibatches is gathered from the buffer at once, so a minibatch is a slice of contiguous
memory rather than a gather per tensor; the minibatch's forward pass and loss are one
function, `minibatch_loss`, which Learner compiles with torch.compile (train.compile) into a
few fused kernels; the optimiser step is Adam's fused (or foreach) implementation; glibc
keeps freed memory instead of faulting fresh pages in for every minibatch's activations
(keep_freed_memory); and the update may use more threads than the rollout
(train.learn_threads). The eager `minibatch_loss` is the reference the compiled one is tested
against. An option that is off costs nothing: none of its tensors exist and none of its
work runs.
"""
import ctypes
from collections import namedtuple

import torch
from torch import nn

from ocean.train.buffer import ExperienceBuffer
from ocean.train.gae import compute_gae, vtrace_weights
from ocean.train.loss import LossTerms, ppo_loss
from ocean.train.munchausen import munchausen_rewards
from ocean.train.policy import logprob_and_entropy
from ocean.train.sampling import (annealed_beta, importance_weights, prioritized_chunks,
                                  sample_probabilities, segment_priorities, segment_steps,
                                  uniform_chunks)

# What an update returns: every one is a metrics.csv column and shows on the dashboard.
# The loss terms are minibatch means (loss.py); explained_variance of the stored values
# against the returns; epochs: the rollouts' worth of minibatches run (num_minibatches
# each; fewer than planned when target_kl stopped the update); samples_per_step: the
# minibatch samples drawn per agent-step collected; buffer_age: the mean age, in updates,
# of the samples drawn (0: the rollout just collected). value_staleness is measured over the
# whole buffer before the update when refresh_values recomputes the values, else over the
# samples drawn, against the values their minibatch's forward pass computed.
UPDATE_KEYS = (*LossTerms._fields, "explained_variance", "epochs", "samples_per_step",
               "buffer_age")

# What an update draws from, made once before its minibatches (Learner.prepare): the buffer,
# its fields one row per step (obs, actions, logprobs, values, advantages, returns[, starts]),
# the segments' start states, the chunks of indices to draw (segments or steps), the segments'
# importance weights, the returns, and the value staleness a refresh measured (or None).
Plan = namedtuple("Plan", "buffer fields state chunks segments weights returns staleness")

# One minibatch: rows of agent-steps (time-major sequences of whole segments for a recurrent
# policy, with their starts and the state they started in), and the importance weights of
# prioritized sampling (None when sampling is uniform).
Minibatch = namedtuple("Minibatch", "obs actions logprobs values advantages returns starts state "
                                    "weights", defaults=(None,))


def explained_variance(predicted, target):
    """1 - Var(target - predicted) / Var(target): 1 is perfect, 0 no better than the mean."""
    variance = target.var()
    return float("nan") if variance == 0 else float(1 - (target - predicted).var() / variance)


def minibatch_loss(policy, batch, clip_coef, vf_coef, ent_coef, clip_vloss, norm_adv,
                   kl_coef=0.0, vf_clip_coef=None, rho_clip=0.0, keep_ratio=False):
    """The PPO loss terms of one minibatch under the current policy, and (keep_ratio) the
    samples' new importance ratios pi/mu, detached (else None)."""
    if policy.recurrent:
        logits, value, _ = policy(batch.obs, batch.state, batch.starts)
    else:
        logits, value, _ = policy(batch.obs)
    logprob, entropy = logprob_and_entropy(logits, batch.actions)
    terms = ppo_loss(logprob, entropy, value, batch.logprobs, batch.values, batch.advantages,
                     batch.returns, clip_coef, vf_coef, ent_coef, clip_vloss, norm_adv,
                     batch.weights, kl_coef, vf_clip_coef, rho_clip)
    return terms, (logprob - batch.logprobs).exp().detach() if keep_ratio else None


def gathered(fields, index, state=(), segments=None, weights=None):
    """The minibatches of one chunk of indices: index (n, rows) step indices into each of
    `fields` (one row per step); each field is gathered once for the whole chunk and each
    minibatch is a slice of it. `segments` (n, m): the segments a recurrent policy's
    minibatches hold, whose start states are picked out of `state`. weights: (n, rows) or
    None."""
    n = index.shape[0]
    flat = index.reshape(-1)
    parts = [field.index_select(0, flat).view(n, -1, *field.shape[1:]) for field in fields]
    for i in range(n):
        obs, actions, logprobs, values, advantages, returns, *starts = (x[i] for x in parts)
        yield Minibatch(obs, actions, logprobs, values, advantages, returns,
                        starts[0] if starts else None,
                        tuple(s.index_select(1, segments[i]) for s in state),
                        weights[i] if weights is not None else None)


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
    update(buffer) returns the numbers of UPDATE_KEYS as floats."""

    def __init__(self, policy, optimizer, train, compile=False):
        self.policy, self.optimizer, self.train = policy, optimizer, train
        self.loss = torch.compile(minibatch_loss, dynamic=False) if compile else minibatch_loss
        self.parameters = [p for p in policy.parameters() if p.requires_grad]
        self.vtrace = bool(train.vtrace_rho_clip or train.vtrace_c_clip)
        self.munchausen = bool(train.munchausen_alpha or train.munchausen_mode == "soft")
        # Without refresh_values, V-trace reads each step's ratio from its last minibatch.
        self.keep_ratios = self.vtrace and not train.refresh_values

    def minibatches_per_update(self):
        """replay_factor (or update_epochs) minibatch samples per agent-step collected, in
        minibatches of a rollout / num_minibatches samples."""
        train = self.train
        return round((train.replay_factor or train.update_epochs) * train.num_minibatches)

    def update(self, data, progress=0.0):
        """One update on `data`: an ExperienceBuffer whose newest slot was just collected, or
        the Rollout just collected (a buffer of one). progress: the fraction of training
        done, for prioritized sampling's beta."""
        train, plan = self.train, self.prepare(data, progress)
        buffer = plan.buffer
        args, options = self.loss_arguments()
        drawn = torch.zeros(buffer.filled, device=plan.returns.device)  # samples per slot
        slot_size = buffer.agents if plan.segments else buffer.horizon * buffer.agents
        sums = torch.zeros(len(LossTerms._fields), device=plan.returns.device)
        steps = epochs = 0
        for chunk in plan.chunks:
            epochs += 1
            index, batches = self.minibatches(plan, chunk)
            if buffer.filled > 1:
                drawn += torch.bincount((chunk // slot_size).flatten(), minlength=buffer.filled)
            for i, batch in enumerate(batches):
                terms, ratio = self.loss(self.policy, batch, *args, **options)
                self.optimizer.zero_grad(set_to_none=True)
                terms.loss.backward()
                nn.utils.clip_grad_norm_(self.parameters, train.max_grad_norm, foreach=True)
                self.optimizer.step()
                if ratio is not None:
                    buffer.steps(buffer.ratios).index_copy_(0, index[i], ratio)
                sums += torch.stack([t.detach() for t in terms])
                steps += 1
            if train.target_kl and terms.approx_kl > train.target_kl:
                break
        stats = dict(zip(LossTerms._fields, (sums / steps).tolist()))
        if plan.staleness is not None:
            stats["value_staleness"] = plan.staleness
        stats["explained_variance"] = explained_variance(buffer.steps(buffer.values),
                                                         plan.returns)
        stats["epochs"] = epochs
        stats["samples_per_step"] = steps / train.num_minibatches
        ages = torch.tensor(buffer.ages(), dtype=drawn.dtype, device=drawn.device)
        stats["buffer_age"] = float((drawn * ages).sum() / drawn.sum()) \
            if buffer.filled > 1 else 0.0
        return stats

    def loss_arguments(self):
        """(positional, keyword) arguments of minibatch_loss after the policy and batch."""
        train = self.train
        return ((train.clip_coef, train.vf_coef, train.ent_coef, train.clip_vloss,
                 train.norm_adv),
                dict(kl_coef=train.kl_coef, vf_clip_coef=train.vf_clip_coef or None,
                     rho_clip=train.vtrace_rho_clip, keep_ratio=self.keep_ratios))

    def prepare(self, data, progress=0.0):
        """What comes before the minibatches: the new rollout added to the buffer, the older
        ones' values refreshed, the advantages, and the plan of which samples to draw."""
        buffer = data if isinstance(data, ExperienceBuffer) else \
            ExperienceBuffer.over(data, ratios=self.vtrace)
        self.add_newest(buffer)
        staleness = self.refresh(buffer) if self.train.refresh_values else None
        advantages, returns = self.advantages(buffer)
        chunks, segments, weights = self.sampler(buffer, advantages, progress)
        fields = [buffer.steps(x) for x in (buffer.obs, buffer.actions, buffer.logprobs,
                                            buffer.values)]
        fields += [advantages.reshape(-1), returns.reshape(-1)]
        state = ()
        if self.policy.recurrent:
            fields.append(buffer.steps(buffer.starts))
            state = buffer.start_states()
        return Plan(buffer, fields, state, chunks, segments, weights, fields[5], staleness)

    def minibatches(self, plan, chunk):
        """(the step indices, (n, rows), and the minibatches) of one chunk of the plan."""
        horizon, agents = plan.buffer.horizon, plan.buffer.agents
        if not plan.segments:
            return chunk, gathered(plan.fields, chunk)
        index = segment_steps(chunk, horizon, agents).flatten(1)
        weights = None
        if plan.weights is not None:  # each segment's weight on each of its steps
            weights = plan.weights[chunk].unsqueeze(1).expand(-1, horizon, -1).flatten(1)
        return index, gathered(plan.fields, index, plan.state, chunk, weights)

    def add_newest(self, buffer):
        """What a rollout gets once, when it is added: its importance ratios start at 1 (the
        policy that collected it is the current one) and its Munchausen terms."""
        newest = buffer.rollouts[buffer.newest]
        if buffer.ratios is not None:
            buffer.ratios[buffer.newest].fill_(1.0)
        if self.munchausen:
            train = self.train
            if train.munchausen_mode == "soft" and newest.next_entropy is None:
                raise ValueError("munchausen_mode soft needs the rollout's next_entropy: "
                                 "collect into ExperienceBuffer.for_train's rollouts")
            newest.rewards.copy_(munchausen_rewards(
                newest.rewards, newest.logprobs, newest.terminals, newest.truncations,
                newest.next_entropy, train.gamma, train.munchausen_alpha, train.munchausen_tau,
                train.munchausen_clip, train.munchausen_mode == "soft"))

    @torch.no_grad()
    def refresh(self, buffer):
        """Recompute the stored values (and the value after the last step, and V-trace's
        ratios) of every older slot with the current network; returns the value staleness,
        mean |V_stored - V_now| over the buffered steps (0 on the rollout just collected)."""
        total = torch.zeros((), device=buffer.values.device)
        for k, age in enumerate(buffer.ages()):
            if age == 0:
                continue
            rollout = buffer.rollouts[k]
            logits, values, state = self.policy(rollout.obs.flatten(0, 1), rollout.start_state,
                                                rollout.starts.flatten())
            _, rollout.next_value, _ = self.policy(rollout.next_obs, state, rollout.next_starts)
            values = values.view_as(rollout.values)
            total += (values - rollout.values).abs().sum()
            rollout.values.copy_(values)
            if buffer.ratios is not None:
                logprob, _ = logprob_and_entropy(logits, rollout.actions.flatten())
                buffer.ratios[k].copy_((logprob.view_as(rollout.logprobs)
                                        - rollout.logprobs).exp())
        return float(total / buffer.steps(buffer.values).numel())

    def advantages(self, buffer):
        """(advantages, returns), each (K, horizon, agents) in step order: GAE over every
        filled slot, V-trace-weighted when on."""
        train = self.train
        rho = c = None
        if self.vtrace:
            rho, c = vtrace_weights(buffer.time_major(buffer.ratios), train.vtrace_rho_clip,
                                    train.vtrace_c_clip)
        advantages, returns = compute_gae(
            *(buffer.time_major(x) for x in (buffer.rewards, buffer.values, buffer.terminals,
                                             buffer.truncations)),
            buffer.next_values(), train.gamma, train.gae_lambda, rho, c)
        return advantages.transpose(0, 1), returns.transpose(0, 1)

    def sampler(self, buffer, advantages, progress):
        """(chunks of indices, whether they index segments (else steps), the segments'
        importance weights or None)."""
        train = self.train
        minibatches, per_update = train.num_minibatches, self.minibatches_per_update()
        device = advantages.device
        if train.prio_alpha:
            probabilities = sample_probabilities(segment_priorities(advantages,
                                                                    train.prio_alpha))
            weights = importance_weights(probabilities,
                                         annealed_beta(train.prio_beta0, progress))
            return (prioritized_chunks(probabilities, buffer.agents // minibatches,
                                       per_update, minibatches), True, weights)
        if self.policy.recurrent:
            return (uniform_chunks(buffer.filled * buffer.agents, buffer.agents // minibatches,
                                   per_update, minibatches, device), True, None)
        steps = buffer.horizon * buffer.agents
        return (uniform_chunks(buffer.filled * steps, steps // minibatches, per_update,
                               minibatches, device), False, None)


def ppo_update(policy, optimizer, rollout, train):
    """One eager update (Learner without compilation)."""
    return Learner(policy, optimizer, train).update(rollout)
