"""How hard is each Maze preset? Success of two scripted policies on fresh mazes: a uniform
random walk (what an untrained agent does) and the left-hand wall-follower (a reactive
policy that explores systematically).

    python benchmarks/maze_difficulty.py [--episodes N]
"""
import argparse
import time

import numpy as np

import ocean
from ocean.bench import machine_line
from ocean.maze import PRESETS
from ocean.maze.scripted import wall_follower


def success(preset, policy, episodes, num_envs, seed=0):
    """(successes, episodes, mean coverage) of `policy` (None: random) over >= episodes."""
    env = ocean.make("maze", num_envs=num_envs, seed=seed, **preset)
    obs, _ = env.reset()
    rng = np.random.default_rng(seed)
    view, wins, done, coverage = preset["view"], 0.0, 0, 0.0
    while done < episodes:
        actions = rng.integers(0, 4, num_envs) if policy is None else policy(obs, view)
        obs, _, _, _, info = env.step(actions)
        if info:
            done += info["episodes"]
            wins += info["success"] * info["episodes"]
            coverage += info["coverage"] * info["episodes"]
    env.close()
    return round(wins), done, coverage / done


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=20000, help="per preset and policy")
    parser.add_argument("--num-envs", type=int, default=4096)
    args = parser.parse_args()
    print(machine_line())
    for name, preset in PRESETS.items():
        print(f"{name:<8} " + " ".join(f"{key}={value}" for key, value in preset.items()))
    print(f"{'preset':<8} {'policy':<14} {'success':>23} {'coverage':>9}")
    for name, preset in PRESETS.items():
        for label, policy in (("random", None), ("wall-follower", wall_follower)):
            start = time.perf_counter()
            wins, done, coverage = success(preset, policy, args.episodes, args.num_envs)
            print(f"{name:<8} {label:<14} {wins:>7} / {done:<7} {wins / done:7.2%} "
                  f"{coverage:>9.1%}   ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
