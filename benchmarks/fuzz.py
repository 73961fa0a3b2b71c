"""Config and action fuzzing: random configs inside and just outside each game's declared
ranges, random seeds, random action arrays (dtypes, shapes, values, strides), both backends,
and threads racing one env, for as long as asked. Every case must either work (and then
its observations lie in the declared space, its rewards are finite and its flags 0 or 1,
and a serial twin stepped on the same actions agrees) or raise a clear Python error
(ConfigError, ValueError, TypeError, RuntimeError naming the problem). A crash, a hang,
another exception or a broken promise is a finding.

    python benchmarks/fuzz.py [--minutes 20] [--seed 0] [--case K]

Cases run in a child process so that a crash is reported, not suffered: the report names
the seed and case, and `--case K` (with the same --seed) replays that one case alone.
Not part of the test suite: it runs for minutes.
"""
import argparse
import collections
import faulthandler
import math
import os
import subprocess
import sys
import threading
import time
import traceback

import numpy as np

import ocean

CLEAR_ERRORS = (ocean.ConfigError, ValueError, TypeError, RuntimeError)
CASE_TIMEOUT_S = 120      # one case, multiprocess start-up included
MAX_STEPS_PER_CASE = 64
# Keep a case's memory and time small: the fuzz is about edges, not about size.
SIZE_LIMITS = {"width": 96, "height": 96, "num_snakes": 256, "num_food": 2048, "size": 32}
DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
          np.float32, np.float64, np.bool_, object]


def random_value(rng, kind, low, high, default):
    """A value for one config key: mostly inside the range, sometimes just outside it or of
    another type (numpy scalars included)."""
    roll = rng.random()
    if roll < 0.4:
        return default if kind != "bool" else bool(default)
    if roll < 0.94:
        value = rng.uniform(low, high) if kind == "float" else int(rng.integers(low, high + 1))
    elif roll < 0.97:
        step = 1 if kind != "float" else max(1e-6, abs(high - low) * 1e-3)
        value = low - step if rng.random() < 0.5 else high + step
    else:
        return [None, "3", 2.5, True, np.True_, np.float32(1.0), np.int64(2), math.nan,
                math.inf, -1][rng.integers(10)]
    if kind == "bool":
        return bool(value) if low <= value <= high else value
    if kind == "int" and rng.random() < 0.2:
        value = (np.int64 if rng.random() < 0.5 else np.float32)(value)
    return value


def random_config(rng, game):
    config = {}
    for key in game.config:
        if rng.random() < 0.5:
            continue
        value = random_value(rng, key.kind, key.min, min(key.max, SIZE_LIMITS.get(key.name,
                                                                                 key.max)),
                             key.default)
        config[key.name] = value
    if rng.random() < 0.05:
        config["no_such_key"] = 1
    return config


def random_actions(rng, env):
    """(actions, valid): an array step() must take (valid) or refuse with a clear error."""
    n, num_actions = env.num_agents, env.single_action_space.n
    roll = rng.random()
    if roll < 0.6:
        dtype = [np.int32, np.int64, np.int8, np.uint8, np.uint64][rng.integers(5)]
        actions = rng.integers(0, num_actions, n).astype(dtype)
        if rng.random() < 0.2:  # strided
            wide = np.repeat(actions, 2)
            wide[1::2] = num_actions
            actions = wide[::2]
        return actions, True
    dtype = DTYPES[rng.integers(len(DTYPES))]
    shape = [(n,), (n + 1,), (max(n - 1, 0),), (n, 1), (), (1, n)][rng.integers(6)]
    values = rng.integers(-2**40, 2**40, shape) if rng.random() < 0.5 else \
        rng.integers(-2, num_actions + 2, shape)
    with np.errstate(all="ignore"):
        actions = np.asarray(values).astype(dtype)
    valid = (shape == (n,) and np.dtype(dtype).kind in "iu"
             and bool(((values >= 0) & (values < num_actions)).all())
             and np.array_equal(actions.astype(np.int64), values))
    return actions, valid


def check_outputs(env):
    space = env.single_observation_space
    obs = env.observations
    assert obs.dtype == space.dtype and ((obs >= space.low) & (obs <= space.high)).all(), \
        "observation outside the declared space"
    assert np.isfinite(env.rewards).all(), "a reward is not finite"
    for flags in (env.terminals, env.truncations):
        assert set(np.unique(flags.view(np.uint8))) <= {0, 1}, "a flag is neither 0 nor 1"


def threads_case(rng, env):
    """Two threads step one env, then a third closes it: only clear errors, no damage."""
    errors, stop = [], threading.Event()

    def stepper(seed):
        local = np.random.default_rng(seed)
        while not stop.is_set():
            try:
                env.step(local.integers(0, env.single_action_space.n, env.num_agents))
            except RuntimeError as error:
                text = str(error)
                if "closed" in text:
                    return
                if "two threads at once" not in text:
                    errors.append(text)
            except Exception as error:  # anything else is a finding
                errors.append(repr(error))
                return
    threads = [threading.Thread(target=stepper, args=(int(rng.integers(2**32)),), daemon=True)
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for _ in range(int(rng.integers(1, 50))):
        check_outputs(env)  # a read while others step: values in range all the same
    env.close()
    stop.set()
    for thread in threads:
        thread.join(CASE_TIMEOUT_S)
        assert not thread.is_alive(), "a stepping thread hangs after close()"
    assert not errors, errors


def run_case(seed, case):
    """One case: returns a short description; raises on a finding."""
    rng = np.random.default_rng([seed, case])
    name = ocean.list_envs()[rng.integers(len(ocean.list_envs()))]
    game = ocean.registry.game(name)
    config = random_config(rng, game)
    multiprocess = rng.random() < 0.1
    num_envs = int(rng.integers(1, 9)) * (2 if multiprocess else 1)
    extra = {"backend": "multiprocess", "num_workers": 2} if multiprocess else {}
    if rng.random() < 0.05:
        num_envs = [0, -1, 2**31, 2**63, 2.0, "4", np.int64(3)][rng.integers(7)]
    described = f"{name} num_envs={num_envs!r} {extra} config={config}"
    try:
        env = ocean.make(name, num_envs=num_envs, seed=int(rng.integers(2**63)), **extra,
                         **config)
    except CLEAR_ERRORS as error:
        return f"{described}: refused ({type(error).__name__})"
    twin = None if not multiprocess and rng.random() < 0.5 else \
        ocean.make(name, num_envs=env.num_games, seed=0, **config)
    try:
        reset_seed = [None, 0, int(rng.integers(2**64, dtype=np.uint64)), -1, 2**64, 1.5,
                      np.uint64(7)][rng.integers(7)]
        try:
            env.reset(seed=reset_seed)
        except CLEAR_ERRORS:
            env.reset(seed=0)
            reset_seed = 0
        if twin is not None:
            twin.reset(seed=reset_seed if reset_seed is not None else 0)
            if reset_seed is None:
                env.reset(seed=0)
        check_outputs(env)
        if not multiprocess and rng.random() < 0.15:
            threads_case(rng, env)
            return f"{described}: threads"
        for _ in range(int(rng.integers(1, MAX_STEPS_PER_CASE))):
            actions, valid = random_actions(rng, env)
            if not multiprocess and rng.random() < 0.1:  # step_raw on a scribbled buffer
                env.actions[:] = rng.integers(-5, env.single_action_space.n + 5, env.num_agents)
                raw_valid = bool(((env.actions >= 0)
                                  & (env.actions < env.single_action_space.n)).all())
                try:
                    env.step_raw()
                    assert raw_valid, "step_raw() took an out-of-range action"
                    if twin is not None:
                        twin.step(env.actions.copy())
                except ValueError:
                    assert not raw_valid, "step_raw() refused valid actions"
                check_outputs(env)
                continue
            try:
                env.step(actions)
            except CLEAR_ERRORS as error:
                assert not valid, f"valid actions refused: {error}"
                continue
            assert valid, f"invalid actions {actions.dtype} {actions.shape} taken"
            check_outputs(env)
            if twin is not None:
                twin.step(actions)
                assert np.array_equal(env.observations, twin.observations) and \
                    np.array_equal(env.rewards, twin.rewards), "differs from a serial twin"
        return f"{described}: stepped"
    finally:
        env.close()
        if twin is not None:
            twin.close()


def worker(seed, first_case, deadline):
    """Runs cases from first_case until the deadline; prints each before running it. A
    crash prints every thread's stack (faulthandler), and so does a case that hangs, which
    then ends the process."""
    faulthandler.enable()
    case = first_case
    while time.time() < deadline:
        print(f"CASE {case}", flush=True)
        faulthandler.dump_traceback_later(CASE_TIMEOUT_S, exit=True)
        try:
            outcome = run_case(seed, case)
        except Exception:
            print(f"FINDING in case {case}:\n{traceback.format_exc()}", flush=True)
            return 1
        faulthandler.cancel_dump_traceback_later()
        print(f"  {outcome[:300]}", flush=True)
        case += 1
    print(f"DONE {case - first_case}", flush=True)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--case", type=int, help="replay this case alone, in this process")
    parser.add_argument("--worker-from", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case is not None:
        print(run_case(args.seed, args.case))
        return 0
    if args.worker_from is not None:
        return worker(args.seed, args.worker_from, args.deadline)

    deadline, case, cases, findings = time.time() + 60 * args.minutes, 0, 0, 0
    outcomes = collections.Counter()
    print(f"fuzz: seed {args.seed}, {args.minutes:g} minutes, Python "
          f"{sys.version.split()[0]}, numpy {np.__version__}, pid {os.getpid()}")
    while time.time() < deadline:
        # a child runs cases until it finds something (or dies); then go on after that case
        child = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--seed", str(args.seed),
             "--worker-from", str(case), "--deadline", str(deadline)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        last, lines, done = case, [], None
        for line in child.stdout:
            lines.append(line)
            if line.startswith("CASE "):
                last = int(line.split()[1])
            elif line.startswith("DONE "):
                done = int(line.split()[1])
            elif line.startswith("  "):
                outcomes[line.rsplit(":", 1)[-1].strip()] += 1
        code = child.wait()
        cases += done if done is not None else last - case
        if code != 0:
            findings += 1
            how = (f"killed by signal {-code}" if code < 0 else f"exit status {code}")
            print(f"finding in case {last} ({how}); replay: python benchmarks/fuzz.py "
                  f"--seed {args.seed} --case {last}")
            print("".join(lines[-30:]))
        case = last + 1
    print(f"{cases} cases ({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}), "
          f"{findings} finding(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
