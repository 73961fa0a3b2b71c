"""The Q-network of `--algo dqn`, its target copy and epsilon-greedy exploration.

    q_net = make_q_network(obs_space, num_actions, policy_config, game, env_config)
    q = q_net.q_values(obs)                       # (batch, actions)
    logits, value, state = q_net(obs)             # the Policy interface (eval, play, render)

The body is the PPO policy's encoder (ocean/train/policy.py: an MLP for float vectors, the
grid encoder for uint8 windows), then one linear layer giving a value per action. Called as
a Policy, it returns logits whose softmax is the epsilon-greedy policy over Q with
epsilon = q_net.epsilon: `ocean eval` samples from it (argmax with --greedy), `ocean play`
and `ocean render` sample from it. Training sets no epsilon there: the loop acts with
epsilon_greedy() on q_values directly.
"""
import copy

import torch
from torch import nn
from torch.nn import functional as F

from ocean.train.policy import layer_init, make_encoder


class QNetwork(nn.Module):
    recurrent = False

    def __init__(self, encoder, num_actions, epsilon=0.0):
        super().__init__()
        self.encoder = encoder
        self.head = layer_init(nn.Linear(encoder.out_size, num_actions), std=1.0)
        self.num_actions, self.epsilon = num_actions, epsilon

    def q_values(self, obs):
        return self.head(self.encoder(obs))

    def initial_state(self, batch, device):
        return ()

    def forward(self, obs, state=(), starts=None):
        """(log of the epsilon-greedy action probabilities, max_a Q, state): a Policy's
        (logits, value, state). With epsilon 0 the other actions' logits are -inf."""
        q = self.q_values(obs)
        greedy = F.one_hot(q.argmax(-1), self.num_actions).to(q.dtype)
        probs = self.epsilon / self.num_actions + (1 - self.epsilon) * greedy
        return probs.log(), q.max(-1).values, state


def make_q_network(obs_space, num_actions, policy_config, game=None, env_config=None):
    """The Q-network on the encoder PolicyConfig describes for this observation space."""
    return QNetwork(make_encoder(obs_space, policy_config, game, env_config), num_actions)


def make_target(q_net):
    """A frozen copy of q_net, moved towards it only by update_target()."""
    target = copy.deepcopy(q_net)
    target.requires_grad_(False)
    return target


def update_target(target, online, tau):
    """target <- tau * online + (1 - tau) * target, parameter by parameter (Polyak
    averaging); tau 1 is the hard copy of Mnih et al. 2015, exact."""
    with torch.no_grad():
        for mine, theirs in zip(target.parameters(), online.parameters()):
            if tau == 1.0:
                mine.copy_(theirs)
            else:
                mine.lerp_(theirs, tau)


def linear_schedule(start, end, duration, t):
    """start at t = 0, moving linearly to end at t = duration, then end."""
    if t >= duration:
        return end
    return start + (end - start) * t / duration


def epsilon_greedy(q_values, epsilon):
    """Per agent: a uniformly random action with probability epsilon, else argmax Q (torch's
    global generator, which the run seeds and checkpoints)."""
    greedy = q_values.argmax(-1)
    if epsilon <= 0:
        return greedy
    explore = torch.rand(greedy.shape, device=greedy.device) < epsilon
    random = torch.randint(q_values.shape[-1], greedy.shape, device=greedy.device)
    return torch.where(explore, random, greedy)
