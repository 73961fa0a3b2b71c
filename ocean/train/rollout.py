"""Rollouts: step the whole batch of envs `horizon` times with the policy, into buffers
allocated once. The env's own numpy buffers are read through torch.from_numpy views (no
copy); the one copy per step is into the rollout storage, which the update needs anyway."""
import time
from dataclasses import dataclass

import torch

from ocean.train.policy import sample_actions


@dataclass
class Rollout:
    """(horizon, agents, ...) storage plus the recurrent state the rollout started from."""
    obs: torch.Tensor
    actions: torch.Tensor
    logprobs: torch.Tensor
    values: torch.Tensor
    rewards: torch.Tensor
    terminals: torch.Tensor
    truncations: torch.Tensor
    starts: torch.Tensor          # 1.0 where obs[t] is an episode's first
    start_state: tuple = ()
    next_value: torch.Tensor = None

    @classmethod
    def allocate(cls, horizon, agents, obs_shape, obs_dtype, device):
        def zeros(*shape, dtype=torch.float32):
            return torch.zeros((horizon, agents, *shape), dtype=dtype, device=device)
        return cls(obs=zeros(*obs_shape, dtype=obs_dtype), actions=zeros(dtype=torch.int64),
                   logprobs=zeros(), values=zeros(), rewards=zeros(), terminals=zeros(),
                   truncations=zeros(), starts=zeros())


class Collector:
    """Holds what carries over between rollouts: the live env views, the policy's recurrent
    state and which agents start an episode at the next step."""

    def __init__(self, env, policy, device):
        self.env, self.policy, self.device = env, policy, torch.device(device)
        obs, _ = env.reset()
        self.obs = torch.from_numpy(obs)
        self.rewards = torch.from_numpy(env.rewards)
        self.terminals = torch.from_numpy(env.terminals)
        self.truncations = torch.from_numpy(env.truncations)
        self.state = policy.initial_state(env.num_agents, self.device)
        self.starts = torch.ones(env.num_agents, device=self.device)
        self.episode_sums, self.episodes = {}, 0
        self.env_seconds = self.inference_seconds = 0.0

    def collect(self, rollout):
        """Fill `rollout` in place; episode logs of finished episodes accumulate in
        episode_sums (sum of means x count) until take_episode_stats()."""
        rollout.start_state = tuple(s.clone() for s in self.state)
        clock = time.perf_counter
        for t in range(rollout.obs.shape[0]):
            begin = clock()
            with torch.no_grad():
                rollout.obs[t].copy_(self.obs, non_blocking=True)
                rollout.starts[t] = self.starts
                logits, value, self.state = self.policy(rollout.obs[t], self.state, self.starts)
                actions, logprobs = sample_actions(logits)
                rollout.actions[t] = actions
                rollout.logprobs[t] = logprobs
                rollout.values[t] = value
                actions = actions.cpu()
            stepped = clock()
            _, _, _, _, info = self.env.step(actions)
            done = clock()
            rollout.rewards[t].copy_(self.rewards)
            rollout.terminals[t].copy_(self.terminals)
            rollout.truncations[t].copy_(self.truncations)
            self.starts = rollout.terminals[t] + rollout.truncations[t]  # a new tensor
            if info:
                count = info.pop("episodes")
                for key, mean in info.items():
                    self.episode_sums[key] = self.episode_sums.get(key, 0.0) + mean * count
                self.episodes += count
            self.inference_seconds += (stepped - begin) + (clock() - done)
            self.env_seconds += done - stepped
        begin = clock()
        with torch.no_grad():
            obs = self.obs.to(self.device)
            _, rollout.next_value, _ = self.policy(obs, self.state, self.starts)
        self.inference_seconds += clock() - begin
        return rollout

    def take_episode_stats(self):
        """Means of the episodes finished since the last call, with 'episodes' = count."""
        if not self.episodes:
            return {}
        stats = {key: total / self.episodes for key, total in self.episode_sums.items()}
        stats["episodes"] = self.episodes
        self.episode_sums, self.episodes = {}, 0
        return stats
