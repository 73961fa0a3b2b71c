"""E3B: an elliptical episodic exploration bonus (Henaff et al., NeurIPS 2022).

Per agent, C = lambda*I + sum of phi phi^T over the features seen this episode. Only its
inverse is kept, updated by Sherman-Morrison, never inverted:
    u = C^-1 phi,   b = phi^T u,   C^-1 <- C^-1 - u u^T / (1 + b)
The bonus b is large for a feature unlike this episode's so far (b <= |phi|^2 / lambda) and
shrinks as similar ones repeat. C^-1 restarts at I / lambda where an episode starts.
Features come from an inverse-dynamics model (the paper's default: phi trained so that
(phi(s_t), phi(s_t+1)) predicts a_t) or from the policy's own encoder, detached.
"""
import torch
from torch import nn
from torch.nn import functional as F

from ocean._elliptical import elliptical_bonus
from ocean.config import ConfigError


E3B_KEYS = ("e3b_bonus_mean", "e3b_bonus_max", "e3b_bonus_normalised", "e3b_std",
            "e3b_idm_loss")   # the metrics.csv columns a run with E3B adds


def matrices_bytes(num_agents, dim):
    """Memory of the per-agent inverse matrices (float32)."""
    return num_agents * dim * dim * 4


class EllipticalBonus:
    """C^-1 for every agent slot, updated in place, batched: O(agents * dim^2) a step."""

    def __init__(self, num_agents, dim, lam=0.1, first_step_bonus=False, memory_budget_mb=1024,
                 device="cpu", dtype=torch.float32):
        need = matrices_bytes(num_agents, dim)
        if need > memory_budget_mb * 2**20:
            raise ConfigError(
                f"e3b: {num_agents} agents x {dim}x{dim} inverse matrices need "
                f"{need / 2**20:.0f} MiB, over e3b.memory_budget_mb = {memory_budget_mb}; "
                f"lower e3b.dim or the number of envs, or raise the budget")
        self.lam, self.first_step_bonus = lam, first_step_bonus
        self.identity = torch.eye(dim, device=device, dtype=dtype) / lam
        self.inverse = self.identity.repeat(num_agents, 1, 1)

    def reset(self, mask):
        """Restart the agents where mask is true (their episode just started)."""
        mask = mask.bool()
        if mask.any():  # most steps start no episode: skip the masked copy
            self.inverse[mask] = self.identity

    def step(self, phi, starts):
        """phi: (agents, dim) features of the observations actions are taken on; starts: 1
        where that observation is an episode's first. Returns the bonus (agents,) and adds
        phi to each agent's ellipse."""
        starts = starts.bool()
        self.reset(starts)
        phi = phi.to(self.inverse.dtype)
        u = torch.bmm(self.inverse, phi.unsqueeze(-1)).squeeze(-1)      # C^-1 phi
        bonus = (phi * u).sum(-1)                                         # phi^T C^-1 phi
        # C^-1 -= u u^T / (1 + b), in place: no (agents, d, d) temporary
        scaled = (u / (1 + bonus).unsqueeze(-1)).unsqueeze(-1)
        torch.baddbmm(self.inverse, scaled, u.unsqueeze(1), alpha=-1, out=self.inverse)
        if not self.first_step_bonus:
            bonus = torch.where(starts, torch.zeros_like(bonus), bonus)
        return bonus

    def rollout(self, phi, starts):
        """step() over a rollout, phi (T, agents, dim) and starts (T, agents), in order:
        the bonus (T, agents). On a CPU in float32, one C call (csrc/elliptical.h) does it
        several times faster than T rounds of batched torch ops on small matrices."""
        if self.inverse.device.type == "cpu" and self.inverse.dtype == torch.float32:
            bonus = torch.empty(starts.shape, dtype=torch.float32)
            elliptical_bonus(self.inverse.numpy(), phi.float().contiguous().numpy(),
                             starts.float().contiguous().numpy(), bonus.numpy(), self.lam,
                             self.first_step_bonus)
            return bonus
        return torch.stack([self.step(phi[t], starts[t]) for t in range(len(phi))])


class RunningStd:
    """Standard deviation of everything seen so far (Chan et al.'s parallel update); the
    bonus is divided by it, without subtracting a mean, so it stays positive."""

    def __init__(self, epsilon=1e-8):
        self.count, self.mean, self.m2, self.epsilon = 0, 0.0, 0.0, epsilon

    def update(self, values):
        values = values.detach().double().flatten()
        n = values.numel()
        if n == 0:
            return
        mean, var = values.mean().item(), values.var(unbiased=False).item()
        total = self.count + n
        delta = mean - self.mean
        self.m2 += var * n + delta * delta * self.count * n / total
        self.mean += delta * n / total
        self.count = total

    def state_dict(self):
        return {"count": self.count, "mean": self.mean, "m2": self.m2}

    def load_state_dict(self, state):
        self.count, self.mean, self.m2 = int(state["count"]), float(state["mean"]), \
            float(state["m2"])

    @property
    def std(self):
        return (self.m2 / self.count) ** 0.5 + self.epsilon if self.count else 1.0


class InverseDynamics(nn.Module):
    """phi = head(encoder(s)); logits of a_t = classifier([phi(s_t), phi(s_t+1)])."""

    def __init__(self, encoder, dim, num_actions, hidden=64, echo=None):
        super().__init__()
        self.encoder = encoder
        # {byte index: fill}: observation bytes that repeat the last action (a game's
        # action_echo(config)); hidden, else a_t is read straight off s_t+1 and phi learns
        # nothing about where the agent is
        echo = echo or {}
        self.register_buffer("echo_index", torch.tensor(list(echo), dtype=torch.long))
        self.register_buffer("echo_fill", torch.tensor(list(echo.values())))
        self.project = nn.Linear(encoder.out_size, dim)
        self.classifier = nn.Sequential(nn.Linear(2 * dim, hidden), nn.ReLU(),
                                        nn.Linear(hidden, num_actions))

    def features(self, obs):
        if len(self.echo_index):
            obs = obs.clone()
            obs[:, self.echo_index] = self.echo_fill.to(obs.dtype)
        return self.project(self.encoder(obs))

    def loss(self, obs, actions, starts):
        """Cross-entropy of a_t from (phi(s_t), phi(s_t+1)) over time-major sequences
        obs (T, n, ...), actions and starts (T, n). Each observation is encoded once and
        serves in two pairs. A pair whose s_t+1 starts a new episode (starts[t+1] = 1) did
        not come from a_t, so it is masked."""
        phi = self.features(obs.flatten(0, 1)).view(*obs.shape[:2], -1)
        logits = self.classifier(torch.cat([phi[:-1], phi[1:]], -1)).flatten(0, 1)
        per_pair = F.cross_entropy(logits, actions[:-1].flatten(), reduction="none")
        valid = (1 - starts[1:]).flatten().float()
        return (per_pair * valid).sum() / valid.sum().clamp(min=1)


class E3B:
    """What the trainer holds: the ellipses, the normaliser and (for "idm") the inverse-
    dynamics model and its optimiser. add_bonus() rewrites a collected rollout's rewards;
    train_idm() learns phi from it. new_encoder() makes an encoder of the policy's kind, for
    the inverse-dynamics model (only called with e3b.features idm)."""

    def __init__(self, config, num_agents, policy, new_encoder, num_actions, device, echo=None):
        self.config, self.policy = config, policy
        self.bonus = EllipticalBonus(num_agents, config.dim, config.lam, config.first_step_bonus,
                                     config.memory_budget_mb, device)
        self.std = RunningStd()
        self.idm = None
        if config.features == "idm":
            self.idm = InverseDynamics(new_encoder(), config.dim, num_actions,
                                       echo=echo).to(device)
            self.optimizer = torch.optim.Adam(self.idm.parameters(), lr=config.idm_learning_rate,
                                              eps=1e-5)
        elif policy.encoder.out_size != config.dim:
            raise ConfigError(f"e3b.features policy uses the policy encoder's "
                              f"{policy.encoder.out_size} features: set e3b.dim to that")

    def state_dict(self):
        """What a checkpoint keeps: the normaliser and the inverse-dynamics model with its
        optimiser. Not the ellipses: a resumed run starts fresh episodes, so fresh ellipses."""
        state = {"std": self.std.state_dict()}
        if self.idm is not None:
            state["idm"] = self.idm.state_dict()
            state["idm_optimizer"] = self.optimizer.state_dict()
        return state

    def load_state_dict(self, state):
        self.std.load_state_dict(state["std"])
        if self.idm is not None and "idm" in state:
            self.idm.load_state_dict(state["idm"])
            self.optimizer.load_state_dict(state["idm_optimizer"])

    @torch.no_grad()
    def features(self, obs):
        if self.idm is not None:
            return self.idm.features(obs)
        return self.policy.encoder(obs)

    @torch.no_grad()
    def add_bonus(self, rollout):
        """Bonus for every step, in order (the ellipses carry across rollouts), normalised
        by the running std and added to the rewards. Returns the numbers to log."""
        horizon, agents = rollout.obs.shape[:2]
        phi = self.features(rollout.obs.flatten(0, 1)).view(horizon, agents, -1)  # one pass
        raw = self.bonus.rollout(phi, rollout.starts)
        self.std.update(raw)
        normalised = raw / self.std.std
        total = rollout.rewards + self.config.coef * normalised
        if self.config.clip > 0:
            total = total.clamp(-self.config.clip, self.config.clip)
        rollout.rewards.copy_(total)
        return {"e3b_bonus_mean": raw.mean().item(), "e3b_bonus_max": raw.max().item(),
                "e3b_bonus_normalised": normalised.mean().item(), "e3b_std": self.std.std}

    def train_idm(self, rollout, minibatches=4):
        """One pass over the rollout, minibatched by agents so each keeps its sequence."""
        if self.idm is None:
            return {}
        order = torch.randperm(rollout.obs.shape[1], device=rollout.obs.device)
        losses = []
        for agents in order.chunk(minibatches):
            loss = self.idm.loss(rollout.obs[:, agents], rollout.actions[:, agents],
                                 rollout.starts[:, agents])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            losses.append(loss.item())
        return {"e3b_idm_loss": sum(losses) / len(losses)}
