"""Rollouts: step the whole batch of envs `horizon` times with the policy, into buffers
allocated once. The env's own numpy buffers are read through torch.from_numpy views (no
copy); the one copy per step is into the rollout storage, which the update needs anyway.

Collector steps every env, then infers on every agent, in turn. OverlapCollector (the
multiprocess backend, train.num_workers > 1) splits the agents into two halves, EnvPool
style: while the workers step one half, the policy infers on the other. Both fill the same
time-major (horizon, agents) rollout, so GAE and the update do not know which ran.
EpisodeStats averages the logs of the episodes that finish (`ocean eval` counts with it too)."""
import time
from dataclasses import dataclass

import torch

from ocean.train.policy import entropy_of, sample_actions


class EpisodeStats:
    """Means of the episode logs over the episodes finished since the last take(). A batch
    env's step info holds the means of the episodes that step finished and their count
    ('episodes'); they are summed as mean x count and divided once."""

    def __init__(self, log_keys):
        self.log_keys = tuple(log_keys)
        self.clear()

    def clear(self):
        self.sums, self.count = dict.fromkeys(self.log_keys, 0.0), 0

    def add(self, info):
        if info:
            count = info["episodes"]
            for key in self.log_keys:
                self.sums[key] += info[key] * count
            self.count += count

    def means(self):
        """{'episodes': count, key: mean of each log key (None while count is 0)}."""
        return {"episodes": self.count,
                **{key: total / self.count if self.count else None
                   for key, total in self.sums.items()}}

    def take(self):
        """means(), then start counting afresh."""
        means = self.means()
        self.clear()
        return means


@dataclass
class Rollout:
    """(horizon, agents, ...) storage plus the recurrent state the rollout started from.
    next_obs, next_starts, next_entropy: (agents, ...) storage the collector fills where
    given (None: not kept), the observation after the last step, whether it starts an
    episode, and the behaviour policy's entropy there (see ExperienceBuffer)."""
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
    next_obs: torch.Tensor = None
    next_starts: torch.Tensor = None
    next_entropy: torch.Tensor = None

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
        self.obs = torch.from_numpy(self.start_env())
        self.rewards = torch.from_numpy(env.rewards)
        self.terminals = torch.from_numpy(env.terminals)
        self.truncations = torch.from_numpy(env.truncations)
        self.state = policy.initial_state(env.num_agents, self.device)
        self.starts = torch.ones(env.num_agents, device=self.device)
        self.episode_stats = EpisodeStats(env.game.log_keys)
        self.env_seconds = self.inference_seconds = 0.0

    def start_env(self):
        """Reset the env; returns its observation buffer."""
        return self.env.reset()[0]

    def collect(self, rollout):
        """Fill `rollout` in place; the logs of episodes that finish accumulate in
        episode_stats."""
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
            self.episode_stats.add(info)
            self.inference_seconds += (stepped - begin) + (clock() - done)
            self.env_seconds += done - stepped
        return self.bootstrap(rollout)

    def bootstrap(self, rollout):
        """The value of the observations after the rollout's last step, for GAE (and what
        the rollout keeps of them: see Rollout)."""
        begin = time.perf_counter()
        with torch.no_grad():
            obs = self.obs.to(self.device)
            logits, rollout.next_value, _ = self.policy(obs, self.state, self.starts)
            if rollout.next_obs is not None:
                rollout.next_obs.copy_(obs)
                rollout.next_starts.copy_(self.starts)
            if rollout.next_entropy is not None:
                rollout.next_entropy.copy_(entropy_of(torch.log_softmax(logits, dim=-1)))
        self.inference_seconds += time.perf_counter() - begin
        return rollout


class OverlapCollector(Collector):
    """Collector for a multiprocess env made with batch_size = num_envs / 2: agents
    [0, n/2) and [n/2, n) are two halves. A half's t-th step: recv() its results (rewards
    and flags of step t - 1, observations of step t), infer on it, send() its actions; the
    workers step it while the policy infers on the other half. Between rollouts both halves
    are held (received, not sent), so the update sees envs that stand still."""

    def __init__(self, env, policy, device):
        if getattr(env, "batch_size", None) is None or 2 * env.batch_size != env.num_games:
            raise ValueError(f"OverlapCollector needs a multiprocess env with batch_size = "
                             f"num_envs / 2, got {env!r}")
        half = env.num_agents // 2
        self.rows = (slice(0, half), slice(half, env.num_agents))
        self.half_agents = half
        super().__init__(env, policy, device)

    def start_env(self):
        """Reset every env and receive both halves: collect() starts by inferring on them."""
        self.env.async_reset()
        self.env_ids = [None] * len(self.rows)  # each half's ids, as send() wants them back
        for _ in self.rows:
            env_ids = self.env.recv()[-1]
            self.env_ids[int(env_ids[0]) // self.half_agents] = env_ids
        return self.env.observations

    def act(self, rollout, half, t):
        """Infer on a received half's observations (step t); returns its actions on the CPU."""
        rows = self.rows[half]
        with torch.no_grad():
            obs = rollout.obs[t, rows]
            obs.copy_(self.obs[rows])
            starts = self.starts[rows]
            rollout.starts[t, rows] = starts
            state = tuple(s[:, rows] for s in self.state)
            logits, value, state = self.policy(obs, state, starts)
            for old, new in zip(self.state, state):
                old[:, rows] = new
            actions, logprobs = sample_actions(logits)
            rollout.actions[t, rows] = actions
            rollout.logprobs[t, rows] = logprobs
            rollout.values[t, rows] = value
            return actions.cpu()

    def collect(self, rollout):
        """Fill `rollout` in place, as Collector.collect does; env_seconds counts the time
        spent in recv() and send(), which is what the overlap leaves of stepping."""
        rollout.start_state = tuple(s.clone() for s in self.state)
        horizon = rollout.obs.shape[0]
        clock = time.perf_counter
        sent = [0, 0]  # steps sent per half this rollout

        def send(half):
            begin = clock()
            actions = self.act(rollout, half, sent[half])
            stepped = clock()
            self.env.send(actions, self.env_ids[half])
            sent[half] += 1
            self.inference_seconds += stepped - begin
            self.env_seconds += clock() - stepped

        for half in range(len(self.rows)):
            send(half)
        for _ in range(len(self.rows) * horizon):
            begin = clock()
            *_, info, env_ids = self.env.recv()
            received = clock()
            half = int(env_ids[0]) // self.half_agents
            rows, t = self.rows[half], sent[half] - 1
            rollout.rewards[t, rows] = self.rewards[rows]
            rollout.terminals[t, rows] = self.terminals[rows]
            rollout.truncations[t, rows] = self.truncations[rows]
            self.starts[rows] = rollout.terminals[t, rows] + rollout.truncations[t, rows]
            self.episode_stats.add(info)
            self.env_seconds += received - begin
            self.inference_seconds += clock() - received
            if sent[half] < horizon:
                send(half)
        return self.bootstrap(rollout)
