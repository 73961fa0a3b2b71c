"""The experience buffer: the last K rollouts (train.buffer_rollouts), the data PPO's update
draws its minibatches from. K = 1 is on-policy PPO: one rollout, reused every update.

A rollout is `agents x horizon` segments: segment (k, a) is agent a's `horizon` consecutive
steps in slot k, with the recurrent state it started from and the value after its last step.
Every field is one tensor shaped (K, horizon, agents, ...), allocated once; slot k viewed as
a Rollout is a contiguous (horizon, agents, ...) block that the collector fills in place, so
K = 1 is exactly the rollout PPO always had. Slots are reused oldest first. Observations keep
the env's dtype (uint8 stays uint8).

Step index i = (k * horizon + t) * agents + a over the filled slots flattened, segment index
s = k * agents + a: the update's samplers (sampling.py) speak in these.

What an option needs is allocated only when it is on: the importance ratios pi/mu of every
step (V-trace), the observation after each slot's last step (refresh_values recomputes the
value there), the behaviour policy's entropy there (Munchausen's soft term). Before any of it
is allocated, the buffer and the update's working copies of it are measured against the
memory free on the device, and a config that would not fit is refused with both numbers.
"""
import math
import os

import numpy as np
import torch

from ocean import registry
from ocean.config import ConfigError
from ocean.train import config as train_config
from ocean.train.rollout import Rollout

STEP_FIELDS = ("obs", "actions", "logprobs", "values", "rewards", "terminals", "truncations",
               "starts")


def available_bytes(device):
    """Memory free for new tensors on `device` (MemAvailable on a CPU, the CUDA driver's free
    memory on a GPU); None where the OS does not say."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def gigabytes(count):
    return f"{count / 1e9:.3g} GB"


class ExperienceBuffer:
    """K slots of (horizon, agents) steps; see the module docstring. `rollouts[k]` is slot k
    as a Rollout (views of the buffer's tensors)."""

    def __init__(self, slots, horizon, agents, obs_shape, obs_dtype, device, ratios=False,
                 next_obs=False, next_entropy=False):
        shapes = self.shapes(slots, horizon, agents, obs_shape, obs_dtype, ratios, next_obs,
                             next_entropy)
        needed = self.bytes_needed(shapes, horizon * agents)
        free = available_bytes(device)
        if free is not None and needed > free:
            raise ConfigError(
                f"train.buffer_rollouts {slots} x {horizon} horizon x {agents} agents needs "
                f"{gigabytes(needed)} for the experience buffer and the update's copies of it, "
                f"but {gigabytes(free)} is free on {torch.device(device)}: lower "
                f"train.buffer_rollouts, train.horizon or train.num_envs")
        tensors = {name: torch.zeros(shape, dtype=dtype, device=device)
                   for name, (shape, dtype) in shapes.items()}
        self.setup(tensors, slots, horizon, agents)
        self.rollouts = [Rollout(**{name: tensors[name][k] for name in STEP_FIELDS},
                                 **{name: tensors[name][k] if name in tensors else None
                                    for name in ("next_obs", "next_starts", "next_entropy")})
                         for k in range(slots)]

    def setup(self, tensors, slots, horizon, agents):
        for name in STEP_FIELDS:
            setattr(self, name, tensors[name])
        self.ratios = tensors.get("ratios")
        self.slots, self.horizon, self.agents = slots, horizon, agents
        self.added = 0                   # rollouts added so far
        self.added_at = [0] * slots      # the count when each slot was filled
        self.newest = 0

    @staticmethod
    def shapes(slots, horizon, agents, obs_shape, obs_dtype, ratios, next_obs, next_entropy):
        """{name: (shape, dtype)} of every tensor the buffer allocates."""
        step, f32 = (slots, horizon, agents), torch.float32
        shapes = {"obs": ((*step, *obs_shape), obs_dtype), "actions": (step, torch.int64),
                  **{name: (step, f32) for name in STEP_FIELDS[2:]}}
        if ratios:
            shapes["ratios"] = (step, f32)
        if next_obs:
            shapes["next_obs"] = ((slots, agents, *obs_shape), obs_dtype)
            shapes["next_starts"] = ((slots, agents), f32)
        if next_entropy:
            shapes["next_entropy"] = ((slots, agents), f32)
        return shapes

    @staticmethod
    def bytes_needed(shapes, rollout_steps):
        """The buffer's tensors, plus what an update adds in proportion: advantages, returns
        and V-trace's two weights for every buffered step, and one rollout's worth of
        gathered minibatch rows (observation, action, log-prob, value, advantage, return,
        weight, index)."""
        def size(shape, dtype):
            return math.prod(shape) * torch.empty((), dtype=dtype).element_size()
        total = sum(size(*spec) for spec in shapes.values())
        steps = math.prod(shapes["values"][0])
        obs_shape, obs_dtype = shapes["obs"][0][3:], shapes["obs"][1]
        row = size(obs_shape, obs_dtype) + 8 + 4 * 5 + 8
        return total + 4 * 4 * steps + rollout_steps * row

    @classmethod
    def for_train(cls, train, agents, obs_shape, obs_dtype, device):
        """The buffer train's options need."""
        return cls(train.buffer_rollouts, train.horizon, agents, obs_shape, obs_dtype, device,
                   ratios=bool(train.vtrace_rho_clip or train.vtrace_c_clip),
                   next_obs=train.refresh_values,
                   next_entropy=train.munchausen_mode == "soft")

    @classmethod
    def for_run(cls, name, config, device):
        """for_train for game `name`'s resolved config: sizes from the game's record, so that
        a config that would not fit is refused before the env is built."""
        env_config = train_config.resolve_env(name, config)
        game = registry.game(name)
        space = game.observation_space(env_config)
        agents = config.train.num_envs * game.agents_per_env(env_config)
        dtype = torch.from_numpy(np.empty(0, space.dtype)).dtype
        return cls.for_train(config.train, agents, space.shape, dtype, device)

    @classmethod
    def over(cls, rollout, ratios=False):
        """A one-slot buffer that is `rollout` (its tensors, not copies), just added."""
        buffer = cls.__new__(cls)
        horizon, agents = rollout.rewards.shape
        tensors = {name: getattr(rollout, name).unsqueeze(0) for name in STEP_FIELDS}
        if ratios:
            tensors["ratios"] = torch.ones_like(tensors["values"])
        buffer.setup(tensors, 1, horizon, agents)
        buffer.rollouts = [rollout]
        buffer.added = buffer.added_at[0] = 1
        return buffer

    def next_rollout(self):
        """The slot to collect into next (the oldest), counted as added."""
        self.newest = self.added % self.slots
        self.added += 1
        self.added_at[self.newest] = self.added
        return self.rollouts[self.newest]

    @property
    def filled(self):
        return min(self.added, self.slots)

    def ages(self):
        """Each filled slot's age in updates: 0 for the rollout just collected."""
        return [self.added - self.added_at[k] for k in range(self.filled)]

    def time_major(self, field):
        """A (K, horizon, agents) field of the filled slots as (horizon, K, agents) (a view),
        the layout compute_gae steps through."""
        return field[:self.filled].transpose(0, 1)

    def steps(self, field):
        """A field of the filled slots as one row per step, in step-index order (a view)."""
        return field[:self.filled].flatten(0, 2)

    def next_values(self):
        """(K, agents): V of the observation after each filled slot's last step."""
        return torch.stack([r.next_value for r in self.rollouts[:self.filled]])

    def start_states(self):
        """The recurrent state each segment started from, (layers, K * agents, hidden) per
        tensor of the state (an empty tuple without an LSTM)."""
        states = [r.start_state for r in self.rollouts[:self.filled]]
        return tuple(torch.cat(parts, dim=1) for parts in zip(*states))
