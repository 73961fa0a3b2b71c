"""`ocean train`: the PPO loop. Build env, policy and optimiser from a resolved config,
then repeat rollout -> update until total_steps, recording each update and checkpointing
every checkpoint_interval agent-steps, at the end, and on Ctrl-C."""
import contextlib
import datetime
import functools
import math
import os
import pathlib
import signal
import sys
import threading
import time

import torch

import ocean
from ocean.multiprocess import physical_cores
from ocean.train import config as train_config
from ocean.train.checkpoint import (load_policy, restore_e3b, restore_optimizer,
                                    save_checkpoint)
from ocean.train.e3b import E3B, E3B_KEYS
from ocean.train.dashboard import LEARNING_KEYS, Dashboard, MetricsLog, plot_curve
from ocean.train.policy import make_encoder, make_policy
from ocean.train.buffer import ExperienceBuffer
from ocean.train.rollout import Collector, OverlapCollector
from ocean.train.update import Learner, keep_freed_memory, make_optimizer


COMPILE_MIN_STEPS = 10_000_000


def curve_key(log_keys, metric=""):
    """The episode log key a run is judged by: the config's metric, else score, else return."""
    return metric or ("score" if "score" in log_keys else "episode_return")


def new_run_dir(runs_dir, name):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = pathlib.Path(runs_dir) / f"{name}-{stamp}"
    path, n = base, 1
    while True:
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            n += 1
            path = base.with_name(f"{base.name}-{n}")


def env_seed(seed, global_step):
    """Resumed runs restart their envs from fresh episodes, seeded by the step count."""
    return (seed + global_step) % 2**64


def make_env(name, config, global_step=0, halves=True):
    """The run's batch of envs, seeded by the step count it starts from. halves: made for
    PPO's overlapped rollout when num_workers > 1 (see train_config.env_backend)."""
    return ocean.make(name, num_envs=config.train.num_envs,
                      seed=env_seed(config.train.seed, global_step),
                      **train_config.env_backend(config.train, halves),
                      **train_config.env_kwargs(config))


def build(name, config, global_step=0, policy=None):
    """(env, policy, optimizer) for a resolved config (policy on config.device); `policy`:
    a loaded one (a resumed run's) instead of a fresh one."""
    env = make_env(name, config, global_step)
    if policy is None:
        policy = make_policy(env.single_observation_space, int(env.single_action_space.n),
                             config.policy, env.game, env.config).to(config.device)
    optimizer = make_optimizer(policy.parameters(), config.train.learning_rate, config.device)
    return env, policy, optimizer


def one_batch_note(train, num_agents, global_step):
    """What a total_steps less than one batch past the start does: updates are whole
    batches, and a short run (a smoke test of a config) beats a refusal to run."""
    past = f" past the resumed step {global_step:,}" if global_step else \
        f" of {train.horizon * num_agents:,} agent-steps"
    return (f"train.total_steps {train.total_steps:,} is below one batch{past} "
            f"({num_agents:,} agents x {train.horizon:,} horizon): the run will do one "
            f"update, of {train.horizon * num_agents:,} agent-steps")


def write_scalars(writer, row):
    for key, value in row.items():
        if isinstance(value, (int, float)) and math.isfinite(value):
            writer.add_scalar(key, value, row["step"])


def should_compile(train, policy):
    """train.compile resolved: "auto" compiles a feed-forward policy's loss for a run long
    enough to pay the compilation back (an LSTM's loop over time compiles for minutes)."""
    if train.compile == "auto":
        return not policy.recurrent and train.total_steps >= COMPILE_MIN_STEPS
    return train.compile == "always"


def idle_cores(seconds=0.1):
    """How many cores other processes leave idle, from /proc/stat over `seconds` (this
    process idles meanwhile); the physical core count where /proc/stat is missing."""
    def idle_and_total():
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
        return values[3] + values[4], sum(values[:8])  # idle + iowait; user..steal
    try:
        idle0, total0 = idle_and_total()
        time.sleep(seconds)
        idle1, total1 = idle_and_total()
    except (OSError, ValueError, IndexError):
        return physical_cores()
    share = (idle1 - idle0) / max(1, total1 - total0)
    return max(1, min(physical_cores(), round(share * (os.cpu_count() or 1))))


@contextlib.contextmanager
def torch_threads(count):
    """torch's intra-op threads set to `count` inside the block (0: unchanged)."""
    before = torch.get_num_threads()
    if count and count != before:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        if count and count != before:
            torch.set_num_threads(before)


class StopFlag:
    """Set by the first Ctrl-C (the loop then saves and stops at the end of the update);
    a second Ctrl-C interrupts at once."""

    def __init__(self):
        self.stop, self.previous = False, None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self.handle)
        return self

    def handle(self, signum, frame):
        if self.stop:
            raise KeyboardInterrupt
        self.stop = True

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


# The run machinery every learner's loop shares (ocean/train/dqn.py's too): start(),
# make_env() and Run.
def start(name, config, device):
    """What every learner does before building anything: check the runs folder and
    TensorBoard, seed torch, load the checkpoint a resumed run continues. Returns
    (the LoadedPolicy or None, global_step, update)."""
    train_config.check_runs_dir(config.runs_dir)
    if config.tensorboard:
        try:  # tensorboard is optional, outside the [train] extra
            from torch.utils.tensorboard import SummaryWriter  # noqa: F401 (Run makes one)
        except ImportError:
            raise train_config.ConfigError("--tensorboard needs the tensorboard package: "
                                           "pip install tensorboard") from None
    torch.manual_seed(config.train.seed)
    if not config.resume:
        return None, 0, 0
    # this run's network (flags may override keys), the saved weights
    resumed = load_policy(config.resume, name, device, train_config.resolve_env(name, config),
                          config.policy, algo=config.algo)
    global_step, update = resumed.payload["global_step"], resumed.payload["update"]
    if global_step >= config.train.total_steps:  # else a new run folder, the same weights
        raise train_config.ConfigError(
            f"{config.resume} has trained {global_step:,} agent-steps of train.total_steps "
            f"{config.train.total_steps:,}: give a larger --train.total-steps to train on")
    return resumed, global_step, update


class Run:
    """A run's folder and the frame of its loop, the same for every learner: config.json,
    metrics.csv (one row per update), the dashboard, TensorBoard, a checkpoint every
    checkpoint_interval agent-steps and at the end, the learning curve, Ctrl-C (save and
    stop) and max_updates (tests stop early). A loop reads

        run = Run(...)
        try:
            with run.flag:
                while run.going():
                    ...collect and learn; global_step += agent-steps; update += 1
                    run.record(row, global_step, update)
        finally:
            run.close()

    save(path, config_dict, global_step, update) writes the learner's checkpoint: at the
    end too, with the last recorded counts, whatever stopped the loop."""

    def __init__(self, name, config, env, label, save, global_step, update, learning_keys,
                 extra_keys=(), out=sys.stdout, live=None, max_updates=None):
        train = config.train
        self.config, self.env, self.save, self.out = config, env, save, out
        self.global_step, self.update, self.max_updates = global_step, update, max_updates
        self.start_step, self.first_update = global_step, update
        self.dir = new_run_dir(config.runs_dir, name)
        self.resolved = train_config.to_dict(config)
        self.resolved["env"] = dict(env.config)  # every key's value, defaults included
        train_config.save(self.resolved, self.dir / "config.json")
        log_keys = env.game.log_keys
        self.metrics = MetricsLog(self.dir / "metrics.csv", log_keys, extra_keys, learning_keys)
        self.dashboard = Dashboard(f"ocean train {name} -> {self.dir}", train.total_steps,
                                   log_keys, live=live if config.dashboard else False,
                                   log_interval=train.log_interval, out=out,
                                   learning_keys=(*learning_keys, *extra_keys))
        if config.tensorboard:
            from torch.utils.tensorboard import SummaryWriter
            self.writer = SummaryWriter(str(self.dir))
        else:
            self.writer = None
        self.curve_key = curve_key(log_keys, config.metric)
        self.title = f"{name}: {label}, {env.num_agents} agents"
        self.next_checkpoint = self.checkpoint_after(global_step)
        self.row, self.flag, self.start = None, StopFlag(), time.perf_counter()

    def checkpoint_after(self, global_step):
        interval = self.config.train.checkpoint_interval
        return (global_step // interval + 1) * interval

    def going(self):
        """Whether to run another update: steps and time left (train.max_seconds), no
        Ctrl-C, max_updates not reached."""
        return (self.global_step < self.config.train.total_steps and not self.flag.stop
                and not self.out_of_time()
                and (self.max_updates is None
                     or self.update - self.first_update < self.max_updates))

    def out_of_time(self):
        budget = self.config.train.max_seconds
        return bool(budget) and time.perf_counter() - self.start >= budget

    def progress(self):
        """How far through its budget the run is, 0 to 1: agent-steps of total_steps, or
        seconds of max_seconds where that ends first (schedules anneal over it)."""
        train = self.config.train
        done = self.global_step / train.total_steps
        if train.max_seconds:
            done = max(done, (time.perf_counter() - self.start) / train.max_seconds)
        return min(1.0, done)

    def record(self, row, global_step, update):
        """One update's numbers (step, seconds and sps are added here) into metrics.csv,
        the dashboard and TensorBoard; then a checkpoint if one is due."""
        self.global_step, self.update = global_step, update
        seconds = time.perf_counter() - self.start
        self.row = {"step": global_step, "seconds": seconds,
                    "sps": (global_step - self.start_step) / seconds, **row}
        self.metrics.add(self.row)
        self.dashboard.update(self.row)
        if self.writer is not None:
            write_scalars(self.writer, self.row)
        if global_step >= self.next_checkpoint:
            self.checkpoint()
            self.next_checkpoint = self.checkpoint_after(global_step)

    def checkpoint(self):
        for file in ("model.pt", f"model_{self.global_step:012d}.pt"):
            self.save(self.dir / file, self.resolved, self.global_step, self.update)
        plot_curve(self.metrics.rows, self.curve_key, self.dir / "curve.png", self.title)

    def close(self):
        """The last checkpoint, then close what the run holds (the env too); says where the
        run went."""
        try:
            self.checkpoint()
        finally:
            self.dashboard.close(self.row)
            self.metrics.close()
            if self.writer is not None:
                self.writer.close()
            self.env.close()
        if self.flag.stop:
            print(f"stopped by Ctrl-C at step {self.global_step:,}; checkpoint "
                  f"{self.dir / 'model.pt'}", file=self.out)
        elif self.out_of_time():
            print(f"stopped at train.max_seconds {self.config.train.max_seconds:g} at step "
                  f"{self.global_step:,}; checkpoint {self.dir / 'model.pt'}", file=self.out)
        print(f"run folder: {self.dir}", file=self.out)


def train(name, config, out=sys.stdout, live=None, max_updates=None):
    """Train; returns the run folder. max_updates stops early (tests)."""
    if config.algo == "dqn":  # imported here: the DQN loop builds on this module
        from ocean.train.dqn import train_dqn
        return train_dqn(name, config, out, live, max_updates)
    train = config.train
    if train.threads:
        torch.set_num_threads(train.threads)
    keep_freed_memory()
    if not train.learn_threads:  # chosen once, saved with the run: a rerun uses the same
        train.learn_threads = idle_cores()
    device = train_config.resolve_device(config.device)
    resumed, global_step, update = start(name, config, device)
    payload = resumed.payload if resumed else None
    buffer = ExperienceBuffer.for_run(name, config, device)  # refuses one that would not fit
    env, policy, optimizer = build(name, config, global_step,
                                   resumed.policy if resumed else None)
    if payload:
        restore_optimizer(payload, optimizer, config.resume)
    if train.total_steps - global_step < train.horizon * env.num_agents:
        print(one_batch_note(train, env.num_agents, global_step), file=out)

    bonus = None
    if config.e3b.enabled:
        new_encoder = functools.partial(make_encoder, env.single_observation_space,
                                        config.policy, env.game, env.config)  # policy's kind
        echo = env.game.action_echo(env.config) or None
        bonus = E3B(config.e3b, env.num_agents, policy, new_encoder,
                    int(env.single_action_space.n), device, echo)
        if payload:
            restore_e3b(payload, bonus, config.resume)
    collector = (Collector if train.num_workers == 1 else OverlapCollector)(env, policy, device)
    learner = Learner(policy, optimizer, train, compile=should_compile(train, policy))
    batch = train.horizon * env.num_agents
    learn_seconds = 0.0

    def save(path, resolved, global_step, update):
        save_checkpoint(path, policy, optimizer, resolved, name, global_step, update,
                        bonus.state_dict() if bonus is not None else None)

    run = Run(name, config, env, "PPO", save, global_step, update, LEARNING_KEYS,
              E3B_KEYS if config.e3b.enabled else (), out, live, max_updates)
    try:
        with run.flag:
            while run.going():
                progress = run.progress()
                if train.anneal_lr:
                    fraction = 1.0 - progress
                    for group in optimizer.param_groups:
                        group["lr"] = fraction * train.learning_rate
                rollout = buffer.next_rollout()
                collector.collect(rollout)
                global_step += batch
                update += 1
                began = time.perf_counter()
                bonus_stats = bonus.add_bonus(rollout) if bonus is not None else {}
                with torch_threads(train.learn_threads):
                    stats = learner.update(buffer, progress)
                if bonus is not None:
                    bonus_stats.update(bonus.train_idm(rollout))
                learn_seconds += time.perf_counter() - began

                run.record({**collector.episode_stats.take(),
                            "learning_rate": optimizer.param_groups[0]["lr"], **stats,
                            **bonus_stats,
                            "env_seconds": collector.env_seconds,
                            "inference_seconds": collector.inference_seconds,
                            "learn_seconds": learn_seconds}, global_step, update)
    finally:
        run.close()
    return run.dir
