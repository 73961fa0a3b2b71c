"""Policies: encoder -> optional LSTM core -> actor and critic heads, one interface.

    logits, value, state = policy(obs, state, starts)

obs is a batch of raw env observations (float32 vectors, or uint8 grids of cell codes);
state is the recurrent state (an empty tuple without an LSTM); starts is 1.0 where obs is
the first of an episode (the LSTM state is zeroed there). With an LSTM, obs and starts are
time-major sequences flattened to (T * B, ...) and state holds the B sequences' start.
Orthogonal init as CleanRL: sqrt(2) gain in the body, 0.01 on the actor, 1 on the critic.
"""
import math

import numpy as np
import torch
from torch import nn


def layer_init(layer, std=math.sqrt(2), bias=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


class MLPEncoder(nn.Module):
    """Flattened float observations -> `layers` ReLU layers of width `hidden`."""

    def __init__(self, obs_size, hidden, layers):
        super().__init__()
        body, width = [], obs_size
        for _ in range(layers):
            body += [layer_init(nn.Linear(width, hidden)), nn.ReLU()]
            width = hidden
        self.net = nn.Sequential(*body)
        self.out_size = width

    def forward(self, obs):
        return self.net(obs.flatten(1).float())


class GridEncoder(nn.Module):
    """uint8 observations: the first h*w bytes are a row-major window of cell codes, the
    rest are extra bytes (previous action, flags...). Cells are one-hot encoded (one
    channel per code); two 3x3 convolutions read the window (none when channels is 0: the
    linear layer then reads the one-hot cells directly, cheap on a CPU); each extra byte
    has its own embedding; a linear layer mixes both into `hidden` features. (One-hot then
    a linear map is an embedding; written this way its backward pass is a matmul, not a
    scatter, several times faster on a CPU.)"""

    def __init__(self, grid_shape, num_extra, num_codes, embed_dim, channels, hidden):
        super().__init__()
        self.grid_shape, self.num_extra, self.num_codes = tuple(grid_shape), num_extra, num_codes
        h, w = self.grid_shape
        if channels:
            self.conv = nn.Sequential(
                layer_init(nn.Conv2d(num_codes, channels, 3, padding=1)), nn.ReLU(),
                layer_init(nn.Conv2d(channels, channels, 3, padding=1)), nn.ReLU(), nn.Flatten())
        else:
            self.conv = nn.Flatten()
        self.extras = nn.Embedding(256 * num_extra, embed_dim) if num_extra else None
        self.register_buffer("codes", torch.arange(num_codes, dtype=torch.uint8),
                             persistent=False)
        self.register_buffer("extra_offsets", torch.arange(num_extra) * 256, persistent=False)
        window = (channels or num_codes) * h * w
        self.mix = nn.Sequential(
            layer_init(nn.Linear(window + embed_dim * num_extra, hidden)), nn.ReLU())
        self.out_size = hidden

    def forward(self, obs):
        h, w = self.grid_shape
        flat = obs.reshape(obs.shape[0], -1)
        cells = flat[:, :h * w].view(-1, 1, h, w)
        x = self.conv((cells == self.codes.view(1, -1, 1, 1)).float())  # (B, codes, h, w)
        if self.extras is not None:
            extra = self.extras(flat[:, h * w:].long() + self.extra_offsets).flatten(1)
            x = torch.cat([x, extra], dim=1)
        return self.mix(x)


class LSTMCore(nn.Module):
    """One LSTM layer stepped through time; the state is zeroed where an episode starts."""

    def __init__(self, size):
        super().__init__()
        self.lstm = nn.LSTM(size, size)
        for name, param in self.lstm.named_parameters():
            if "bias" in name:
                nn.init.constant_(param, 0)
            else:
                nn.init.orthogonal_(param, 1.0)

    def initial_state(self, batch, device):
        zeros = torch.zeros(1, batch, self.lstm.hidden_size, device=device)
        return (zeros, zeros.clone())

    def forward(self, x, state, starts):
        batch = state[0].shape[1]
        x = x.view(-1, batch, x.shape[-1])
        keep = (1.0 - starts).view(-1, batch, 1)
        h, c = state
        out = []
        for t in range(x.shape[0]):
            y, (h, c) = self.lstm(x[t:t + 1], (h * keep[t], c * keep[t]))
            out.append(y)
        return torch.cat(out).view(-1, x.shape[-1]), (h, c)


class Policy(nn.Module):
    def __init__(self, encoder, num_actions, lstm=False):
        super().__init__()
        self.encoder = encoder
        size = encoder.out_size
        self.core = LSTMCore(size) if lstm else None
        self.actor = layer_init(nn.Linear(size, num_actions), std=0.01)
        self.critic = layer_init(nn.Linear(size, 1), std=1.0)

    @property
    def recurrent(self):
        return self.core is not None

    def initial_state(self, batch, device):
        return self.core.initial_state(batch, device) if self.core is not None else ()

    def forward(self, obs, state=(), starts=None):
        x = self.encoder(obs)
        if self.core is not None:
            x, state = self.core(x, state, starts)
        return self.actor(x), self.critic(x).squeeze(-1), state


def grid_layout(obs_space, game, env_config):
    """(grid_shape, num_extra) of a uint8 observation: the game's grid_shape(config) if it
    declares one (the rest of the bytes are extras), else a 2-D observation's shape, else a
    square 1-D observation."""
    shape, size = obs_space.shape, int(np.prod(obs_space.shape))
    if game is not None and game.grid_shape is not None:
        h, w = game.grid_shape(env_config)
    elif len(shape) == 2:
        h, w = shape
    elif len(shape) == 1 and math.isqrt(size) ** 2 == size:
        h = w = math.isqrt(size)
    else:
        raise ValueError(f"cannot tell the grid of a {shape} observation: declare "
                         f"grid_shape(config) -> (height, width) in the game's __init__.py")
    if h * w > size:
        raise ValueError(f"grid {h}x{w} is larger than the {size}-byte observation")
    return (h, w), size - h * w


def make_encoder(obs_space, policy_config, game=None, env_config=None):
    """The encoder PolicyConfig describes for this observation space: the policy's body,
    and E3B's inverse-dynamics features when they are learned apart from the policy."""
    encoder = policy_config.encoder
    if encoder == "auto":
        encoder = "grid" if obs_space.dtype == np.uint8 else "mlp"
    if encoder == "grid":
        grid, extra = grid_layout(obs_space, game, env_config or {})
        num_codes = int(np.max(obs_space.high.reshape(-1)[:grid[0] * grid[1]])) + 1  # window
        return GridEncoder(grid, extra, num_codes, policy_config.embed_dim,
                           policy_config.channels, policy_config.hidden)
    return MLPEncoder(int(np.prod(obs_space.shape)), policy_config.hidden, policy_config.layers)


def make_policy(obs_space, num_actions, policy_config, game=None, env_config=None):
    """The policy PolicyConfig describes for this observation space."""
    return Policy(make_encoder(obs_space, policy_config, game, env_config), num_actions,
                  lstm=policy_config.lstm)


def sample_actions(logits):
    """Actions drawn from softmax(logits) (Gumbel-max: one random draw per logit) and
    their log-probabilities."""
    noise = torch.rand_like(logits).clamp_(min=1e-20)
    actions = (logits - torch.log(-torch.log(noise))).argmax(dim=-1)
    logprobs = torch.log_softmax(logits, dim=-1).gather(-1, actions.unsqueeze(-1)).squeeze(-1)
    return actions, logprobs


def logprob_and_entropy(logits, actions):
    logp = torch.log_softmax(logits, dim=-1)
    entropy = entropy_of(logp)  # before the gather: autograd sums logp's gradients in this order
    return logp.gather(-1, actions.unsqueeze(-1)).squeeze(-1), entropy


def entropy_of(logp):
    """The entropy of a distribution given its log-probabilities (log_softmax(logits))."""
    return -(logp.exp() * logp).sum(-1)
