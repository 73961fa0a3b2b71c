"""OceanEnv: one gymnasium VectorEnv over a batch of C envs and the buffers they share.

Agents are flattened: a game with k agents per env gives num_agents = num_envs * k rows, and
gymnasium's `num_envs` counts those rows (the number of C envs is `num_games`). Auto-reset
happens in the same step (AutoresetMode.SAME_STEP): a finished agent's reward and
terminal/truncation flag are its last, and the observation returned with them is already
the first of its next episode. The arrays returned by reset() and step() ARE the
preallocated buffers: the same memory every call, overwritten in place; copy them to keep
them. Gymnasium's observation wrappers refuse same-step envs by design; its episode
statistics and reward wrappers work.

Rendering: every game draws itself in C, so render_mode is always "rgb_array" and render(i)
returns C env i's frame. This differs from gymnasium's VectorEnv.render(), which takes no
argument and returns a tuple with every sub-env's frame: with thousands of envs that would be
gigabytes per call, so Ocean renders the one env asked for (env 0 by default), and gymnasium's
vector rendering/recording wrappers, which expect the tuple, do not apply.

Threads: an env is used by one thread at a time. A step, reset or render while another
thread is inside one raises RuntimeError ("used from two threads at once") and changes
nothing; close() from another thread waits for the call in progress to return, then closes,
and that thread's next call raises "closed". The games read the actions step() checked, from
a buffer of their own: writing env.actions during a step cannot reach them.
"""
from collections import namedtuple

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ocean import _core

Tensors = namedtuple("Tensors", "obs actions rewards terminals truncations")


def check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) \
            or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2**64), got {seed!r}")
    return int(seed)


class OceanEnv(VectorEnv):
    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": ["rgb_array"]}
    render_mode = "rgb_array"
    _batch = None  # the C envs, where this process holds them (not in the multiprocess backend)

    def __init__(self, game, num_games, seed, config):
        self._init_spaces(game, num_games, config)
        n, space = self.num_agents, self.single_observation_space
        self.observations = np.zeros((n, *space.shape), dtype=space.dtype)
        self.actions = np.zeros(n, dtype=np.int32)
        self.rewards = np.zeros(n, dtype=np.float32)
        self.terminals = np.zeros(n, dtype=np.bool_)
        self.truncations = np.zeros(n, dtype=np.bool_)
        self.logs = np.zeros((n, len(game.log_keys) + 1), dtype=np.float32)
        self._batch = _core.Batch(game.name, num_games, game.config_values(config),
                                  self.observations, self.actions, self.rewards,
                                  self.terminals, self.truncations, self.logs)
        self.frame_shape = (self._batch.frame_height, self._batch.frame_width, 3)
        self._seed = seed
        self._needs_reset = True
        self.closed = False

    def _init_spaces(self, game, num_games, config):
        """Names, sizes and spaces: what every backend shares (the action space and agents
        per env from C, the observation space from the game's package)."""
        self.game, self.name, self.config = game, game.name, config
        self.num_games = num_games
        self.single_observation_space = game.observation_space(config)
        self.single_action_space = game.action_space()
        self.agents_per_env = game.agents_per_env(config)
        self.num_agents = self.num_envs = num_games * self.agents_per_env
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)

    def reset(self, *, seed=None, options=None):
        """Start a new episode everywhere. seed reseeds every env's generator from
        (seed, env index); without one, the first reset uses make()'s seed and later ones
        continue each env's stream."""
        self._check_open()
        if options:
            raise ValueError(f"{self.name}: unknown reset options {sorted(options)}")
        if seed is not None:
            seed = check_seed(seed)
        elif self._needs_reset:
            seed = self._seed
        self._batch.reset(seed)
        self._seed = None  # used once; later seedless resets continue the streams
        self._needs_reset = False
        return self.observations, {}

    def step(self, actions):
        """actions: shape (num_agents,), any integer dtype (numpy or CPU torch). Returns
        (observations, rewards, terminals, truncations, info), the shared buffers; info
        holds the means of episodes that finished this step plus their count
        ('episodes'), or is empty."""
        if self._needs_reset:
            self._check_open()
            raise RuntimeError(f"{self.name}: call reset() before step()")
        info = self._batch.step(actions)
        return self.observations, self.rewards, self.terminals, self.truncations, info

    def step_raw(self):
        """Step every env on the actions already in `env.actions`: the C loop, with no
        episode info. It moves the envs exactly as step() does on the same actions; episodes
        that end under it are reported by the first later step() that ends the same agent
        row. It is the reference `ocean bench` times env.step against. The actions are
        checked as step() checks them and copied where the games read them (one vectorised
        pass each), so a write to env.actions while the batch steps cannot reach C."""
        if self._batch is None:
            raise NotImplementedError(
                f"{self.name}: step_raw() needs the serial backend (here the envs live in "
                "worker processes); make a serial env to time the C loop alone")
        if self._needs_reset:
            self._check_open()
            raise RuntimeError(f"{self.name}: call reset() before step_raw()")
        self._batch.step_raw()

    def render(self, index=0, out=None):
        """The current frame of C env `index`, 0 <= index < num_games (in multi-agent games
        one env holds several agent rows), as an (H, W, 3) uint8 array (`frame_shape`): a new
        one, or `out` (a C-contiguous uint8 array of that shape) drawn over in place.
        Drawing only reads the env: stepping after it goes on exactly as without it."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"{self.name}: render index must be an integer, got {index!r}")
        if not 0 <= index < self.num_games:
            raise IndexError(f"{self.name}: render index {index} is out of range; this env "
                             f"has {self.num_games} games, indices 0..{self.num_games - 1}")
        if self._needs_reset:
            self._check_open()
            raise RuntimeError(f"{self.name}: call reset() before render()")
        return self._batch.render(int(index), out)

    def as_torch(self):
        """The same buffers as torch tensors, sharing memory (no copies)."""
        import torch
        return Tensors(*(torch.from_numpy(a) for a in (
            self.observations, self.actions, self.rewards, self.terminals, self.truncations)))

    def close_extras(self, **kwargs):
        self._batch.close()  # waits for a call another thread has in progress
        self.closed = True   # first: a call racing this one then says "closed"
        self._needs_reset = True

    def __reduce_ex__(self, protocol):
        """pickle, copy.copy and copy.deepcopy all come here, and are refused."""
        raise TypeError(
            f"{self!r} cannot be pickled or copied: its arrays are shared with the C envs "
            f"(in the multiprocess backend, with worker processes) that step in place, and "
            f"a copy could not take that state along. Make another with ocean.make() and "
            f"the same seed and config (env.config) to get the same trajectory")

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def _check_open(self):
        if self.closed:
            raise RuntimeError(f"{self.name}: this env is closed")

    def __repr__(self):
        return f"OceanEnv({self.name!r}, num_games={self.num_games}, num_agents={self.num_agents})"
