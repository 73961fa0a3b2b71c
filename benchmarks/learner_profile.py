"""Where a PPO update's time goes, per game (default config): GAE (Learner.prepare), the
epoch's shuffle (permutation and gathers), the minibatch forward pass and loss, backward,
gradient clipping and the Adam step, and what is left (Python between them), for the eager
update and the compiled one.

    python benchmarks/learner_profile.py [ENV ...] [--updates 5] [--threads 1] [--no-compile]
                                         [--release-memory]

Collects one rollout with the game's defaults (ocean/<game>/train.toml; Maze with E3B off),
then times `--updates` updates phase by phase with a wall clock (torch on the CPU runs each
op before returning, so the clock sees the work) and prints milliseconds per update, the
median over the updates, after one warm-up update (compilation included there). Also prints
torch.profiler's heaviest ops of one eager update. Memory is kept as `ocean train` keeps it
(keep_freed_memory) unless --release-memory: glibc's default, which hands freed activations
back to the kernel and faults fresh pages in for the next minibatch."""
import argparse
import statistics
import time
from collections import defaultdict

import torch
from torch import nn

import ocean
from ocean.bench import machine_line
from ocean.train import config as train_config
from ocean.train.rollout import Collector, Rollout
from ocean.train.trainer import build
from ocean.train.update import Learner, keep_freed_memory

PHASES = ("gae", "shuffle", "forward+loss", "backward", "clip+adam", "python")


def timed_update(learner, rollout):
    """One update as Learner.update does it (its prepare, minibatches and loss), with each
    phase's seconds added up."""
    clock, seconds = time.perf_counter, defaultdict(float)
    begin = clock()
    plan = learner.prepare(rollout)
    seconds["gae"] += clock() - begin
    args, options = learner.loss_arguments()
    train, chunks = learner.train, iter(plan.chunks)
    while True:
        t0 = clock()
        chunk = next(chunks, None)  # an epoch's shuffle: its permutation, then its gathers
        if chunk is None:
            break
        _, batches = learner.minibatches(plan, chunk)
        seconds["shuffle"] += clock() - t0
        while True:
            t0 = clock()
            batch = next(batches, None)  # the first one of an epoch gathers the epoch
            if batch is None:
                break
            t1 = clock()
            terms, _ = learner.loss(learner.policy, batch, *args, **options)
            t2 = clock()
            learner.optimizer.zero_grad(set_to_none=True)
            terms.loss.backward()
            t3 = clock()
            nn.utils.clip_grad_norm_(learner.parameters, train.max_grad_norm, foreach=True)
            learner.optimizer.step()
            t4 = clock()
            seconds["shuffle"] += t1 - t0
            seconds["forward+loss"] += t2 - t1
            seconds["backward"] += t3 - t2
            seconds["clip+adam"] += t4 - t3
    seconds["python"] = clock() - begin - sum(seconds.values())
    return seconds


def profile_game(name, updates, compiled_too, out=print):
    config = train_config.parse(name, ["--e3b.enabled", "false"])
    env, policy, optimizer = build(name, config)
    train = config.train
    rollout = Rollout.allocate(train.horizon, env.num_agents, env.single_observation_space.shape,
                               torch.from_numpy(env.observations).dtype, "cpu")
    Collector(env, policy, "cpu").collect(rollout)
    env.close()
    batch = train.horizon * env.num_agents
    out(f"\n{name}: {env.num_agents} agents x {train.horizon} = {batch} agent-steps per update, "
        f"{train.update_epochs} epochs x {train.num_minibatches} minibatches, policy "
        f"{sum(p.numel() for p in policy.parameters()):,} parameters")
    variants = [("eager", Learner(policy, optimizer, train))]
    if compiled_too:
        variants.append(("compiled", Learner(policy, optimizer, train, compile=True)))
    out(f"{'':<9}" + "".join(f"{p:>13}" for p in PHASES) + f"{'total':>10}{'k steps/s':>11}")
    for label, learner in variants:
        warm = time.perf_counter()
        timed_update(learner, rollout)
        warm = time.perf_counter() - warm
        runs = [timed_update(learner, rollout) for _ in range(updates)]
        medians = {p: statistics.median(r[p] for r in runs) for p in PHASES}
        total = statistics.median(sum(r.values()) for r in runs)
        out(f"{label:<9}" + "".join(f"{medians[p] * 1e3:>10.1f} ms" for p in PHASES)
            + f"{total * 1e3:>7.0f} ms{batch / total / 1e3:>11.0f}"
            + f"   (first update {warm:.1f} s)")
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        timed_update(variants[0][1], rollout)
    table = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=8)
    out("heaviest ops of one eager update (torch.profiler, self time):")
    out("\n".join(line for line in table.splitlines() if line.strip()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("envs", nargs="*", default=ocean.list_envs())
    parser.add_argument("--updates", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-compile", action="store_true")
    parser.add_argument("--release-memory", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    kept = not args.release_memory and keep_freed_memory()
    print(machine_line())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), freed memory "
          f"{'kept' if kept else 'released (glibc default)'}")
    for name in args.envs:
        profile_game(name, args.updates, not args.no_compile)


if __name__ == "__main__":
    main()
