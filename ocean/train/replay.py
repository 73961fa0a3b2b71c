"""The replay buffer of `--algo dqn`: the latest transitions of every agent, in tensors
allocated once, sampled uniformly or by priority, with n-step returns.

Layout: a ring of `rows` time steps by `agents`, as the envs produce them: row t holds, for
every agent at once, the observation acted on, the action, its reward and the terminal and
truncation flags of that step (observations keep the env's dtype). One batched env step
writes one row with a few tensor copies; no Python runs per env. Capacity is counted in
agent-steps: rows = buffer_size // agents. Nothing of it is saved in checkpoints: a resumed
run starts with an empty buffer and waits learning_starts agent-steps again.

Ocean auto-resets in the same step, so the observation after a step that ends an episode is
already the next episode's first (ocean/train/gae.py says the same for PPO). A transition
therefore never reads past its episode's end:
  - terminal at step t: the return stops, nothing is bootstrapped (discount 0);
  - truncation at step t (time limit): the episode would have gone on, so the target
    bootstraps, but from the unseen final observation's stand-in: the observation of step t
    itself (the episode's latest one seen), with the discount of one more step. This is
    PPO's choice (V(obs_t) for the unseen V(obs_t+1)) carried to Q; it errs by one step's
    change of the value, where treating a time limit as terminal would pull late states'
    values towards 0.
An n-step window sums rewards up to and including the first step that ends the episode, and
bootstraps as above there; else it bootstraps from the observation n rows on with gamma^n.
A row is sampled only once the n rows after it are written, and until its slot is reused.
"""
from typing import NamedTuple

import numpy as np
import torch

from ocean.config import ConfigError
from ocean.train.buffer import available_bytes
from ocean.train.prioritized import Priorities


class Batch(NamedTuple):
    obs: torch.Tensor        # (B, *obs_shape), the stored dtype
    actions: torch.Tensor    # (B,) int64
    returns: torch.Tensor    # (B,) sum_k gamma^k r_k over the window
    discounts: torch.Tensor  # (B,) gamma^m of the bootstrap, 0 after a terminal
    next_obs: torch.Tensor   # (B, *obs_shape), the bootstrap observation
    weights: torch.Tensor    # (B,) importance weights (ones without priorities)
    slots: np.ndarray        # (B,) where they are stored, for update_priorities


def nstep_returns(rewards, terminals, truncations, gamma):
    """Over (B, n) windows of consecutive steps of one agent: (returns, discounts, offsets).
    m = n, or the steps up to and including the first that ends the episode;
    returns = sum_{k<m} gamma^k r_k; discounts = gamma^m, 0 if the episode ended in a
    terminal; offsets = the window row whose observation bootstraps: n without an end,
    k at an end at step k (a truncation's stand-in, see the module docstring)."""
    batch, n = rewards.shape
    ended = (terminals + truncations).clamp(max=1)
    running = torch.cat([torch.ones(batch, 1, device=rewards.device), 1 - ended[:, :-1]], 1)
    running = running.cumprod(1)                     # 1 while no earlier step ended
    powers = gamma ** torch.arange(n, device=rewards.device, dtype=rewards.dtype)
    returns = (running * powers * rewards).sum(1)
    steps = running.sum(1)                           # m
    stopped = (running * ended).sum(1)               # 1 if the window holds an end
    terminal = (running * terminals).sum(1)
    discounts = gamma ** steps * (1 - terminal)
    return returns, discounts, (steps - stopped).long()


class ReplayBuffer:
    def __init__(self, capacity, agents, obs_shape, obs_dtype, device, n_step, gamma,
                 prio_alpha=None, prio_eps=1e-6):
        """prio_alpha: None for uniform sampling, else prioritized with this exponent.
        ConfigError, before anything is allocated, if the buffer does not fit in memory."""
        self.device = torch.device(device)
        self.rows, self.agents, self.n_step, self.gamma = capacity // agents, agents, n_step, gamma
        obs_bytes = int(np.prod(obs_shape)) * torch.empty((), dtype=obs_dtype).element_size()
        per_step = obs_bytes + 4 + 4 + 2   # observation, action int32, reward, two flags
        per_step_priorities = 8 + 32       # raw priority, and sum and min trees (<= 2x leaves)
        need = self.rows * agents * (per_step + (per_step_priorities
                                                 if prio_alpha is not None else 0))
        free = available_bytes(self.device)
        if free is not None and need > free:
            where = "the GPU" if self.device.type == "cuda" else "this machine"
            raise ConfigError(
                f"dqn.buffer_size {capacity:,} agent-steps need {need / 2**30:.2f} GiB "
                f"({per_step} bytes per agent-step"
                f"{f' + {per_step_priorities} for priorities' if prio_alpha is not None else ''}"
                f"), {where} has {free / 2**30:.2f} GiB available: lower dqn.buffer_size")

        def empty(*shape, dtype):
            return torch.zeros((self.rows, agents, *shape), dtype=dtype, device=self.device)
        self.obs = empty(*obs_shape, dtype=obs_dtype)
        self.actions = empty(dtype=torch.int32)
        self.rewards = empty(dtype=torch.float32)
        self.terminals = empty(dtype=torch.bool)
        self.truncations = empty(dtype=torch.bool)
        self.priorities = (Priorities(self.rows * agents, prio_alpha, prio_eps)
                           if prio_alpha is not None else None)
        self.written = 0   # rows written since the start; the next goes to written % rows

    @property
    def size(self):
        """Transitions that can be sampled: rows with all n following rows written."""
        return max(0, min(self.written, self.rows) - self.n_step) * self.agents

    def begin(self, obs):
        """Store the observations the agents are about to act on; returns the stored copy
        (on the buffer's device), for the Q-network to act from."""
        row = self.written % self.rows
        if self.priorities is not None:  # the transitions this row held are gone
            self.priorities.disable(row * self.agents, (row + 1) * self.agents)
        self.obs[row].copy_(obs, non_blocking=True)
        return self.obs[row]

    def end(self, actions, rewards, terminals, truncations):
        """Complete the row begin() started with what the step returned."""
        row = self.written % self.rows
        self.actions[row].copy_(actions)
        self.rewards[row].copy_(rewards)
        self.terminals[row].copy_(terminals)
        self.truncations[row].copy_(truncations)
        self.written += 1
        ready = self.written - 1 - self.n_step     # the row whose window this one completes
        if self.priorities is not None and ready >= 0:
            ready %= self.rows
            self.priorities.enable(ready * self.agents, (ready + 1) * self.agents)

    def sample(self, count, beta=1.0):
        """`count` transitions, with replacement: uniformly, or by priority with importance
        weights of exponent beta."""
        if self.priorities is None:
            oldest = max(0, self.written - self.rows)
            flat = torch.randint(self.size, (count,), device=self.device)
            return self.gather((oldest + flat // self.agents) % self.rows, flat % self.agents)
        uniforms = torch.rand(count, dtype=torch.float64).numpy()
        slots, weights = self.priorities.sample(uniforms, beta)
        index = torch.from_numpy(slots).to(self.device)
        return self.gather(index // self.agents, index % self.agents,
                           torch.from_numpy(weights).to(self.device, torch.float32), slots)

    def gather(self, rows, agents, weights=None, slots=None):
        """The Batch of the transitions at ring rows `rows` of agents `agents` (two (B,)
        int64 tensors), their n-step windows read here."""
        window = (rows.unsqueeze(1) + torch.arange(self.n_step, device=self.device)) % self.rows
        columns = agents.unsqueeze(1)
        returns, discounts, offsets = nstep_returns(
            self.rewards[window, columns], self.terminals[window, columns].float(),
            self.truncations[window, columns].float(), self.gamma)
        if weights is None:
            weights = torch.ones(len(rows), device=self.device)
        return Batch(self.obs[rows, agents], self.actions[rows, agents].long(), returns,
                     discounts, self.obs[(rows + offsets) % self.rows, agents], weights, slots)

    def update_priorities(self, slots, td_errors):
        if self.priorities is not None:
            self.priorities.update(slots, td_errors.detach().cpu().numpy())
