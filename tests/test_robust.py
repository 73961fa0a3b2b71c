"""Ocean under misuse a long training day meets: threads sharing one env, buffers written at
the wrong time, forked processes, configs at the edges. Each of these once crashed the
process or answered wrongly. Runs that could crash the interpreter happen in a subprocess, so
a segfault fails the test instead of killing pytest."""
import numpy as np
import pytest

import ocean

GAMES = ocean.list_envs()


# ---- the C side writes what it owns, every step ----

@pytest.mark.parametrize("name", GAMES)
def test_every_step_writes_both_episode_flags(name):
    """A stray write to terminals or truncations lasts one step at most."""
    env, twin = (ocean.make(name, num_envs=4, seed=3) for _ in range(2))
    env.reset(), twin.reset()
    rng = np.random.default_rng(0)
    for _ in range(50):
        actions = rng.integers(0, env.single_action_space.n, env.num_agents)
        env.terminals[:] = env.truncations[:] = True
        env.step(actions), twin.step(actions)
        assert np.array_equal(env.terminals, twin.terminals)
        assert np.array_equal(env.truncations, twin.truncations)
