"""`ocean train ENV --algo dqn`: Munchausen DQN (Vieillard et al. 2020) on Ocean's batched
envs; plain DQN, double by default, with dqn.munchausen_alpha 0. CleanRL's dqn.py loop over
the run machinery PPO uses (ocean/train/trainer.py: run folder, metrics, dashboard,
checkpoints, Ctrl-C, resume).

One iteration is dqn.iteration_steps steps of the whole batch of envs. Each step: store the
observations in the replay buffer, act epsilon-greedily on the online network, step every
env at once, store the rewards and flags the step returned. Every agent-step collected owes
dqn.replay_ratio gradient samples (once learning_starts agent-steps are stored); the debt
is paid right after the step, in batches of batch_size, so the ratio holds whatever the
number of envs. A gradient step: sample (uniformly, or by priority), regress on the target
of ocean/train/dqn_loss.py, one Adam step, the batch's new priorities, and every
target_interval gradient steps the target network's update. The iteration then writes one
metrics row: its gradient steps' mean loss, q and TD error, the epsilon, and
samples_per_step (gradient samples per agent-step collected in it).
"""
import sys
import time

import numpy as np
import torch
from torch import nn

from ocean import registry
from ocean.train import config as train_config
from ocean.train.checkpoint import restore_dqn, restore_optimizer, save_checkpoint
from ocean.train.dqn_loss import dqn_target, munchausen_target, td_loss
from ocean.train.qnetwork import (epsilon_greedy, linear_schedule, make_q_network, make_target,
                                  update_target)
from ocean.train.replay import ReplayBuffer
from ocean.train.rollout import EpisodeStats
from ocean.train.trainer import Run, make_env, start

# what each metrics row of a DQN run holds (PRIO_KEYS too, with prioritized replay)
DQN_KEYS = ("learning_rate", "loss", "q_mean", "td_error", "epsilon", "samples_per_step",
            "gradient_steps", "replay_size")
PRIO_KEYS = ("prio_alpha", "prio_beta")


def learner_name(dqn):
    if dqn.munchausen_alpha > 0:
        return "M-DQN"
    return "double DQN" if dqn.double else "DQN"


def gradient_step(q_net, target, optimizer, batch, dqn):
    """One Adam step of q_net on a sampled Batch; returns its DQNTerms."""
    with torch.no_grad():
        if dqn.munchausen_alpha > 0:
            q_target, next_q_target = target.q_values(
                torch.cat([batch.obs, batch.next_obs])).chunk(2)
            targets = munchausen_target(batch.returns, batch.discounts, q_target, batch.actions,
                                        next_q_target, dqn.munchausen_alpha, dqn.munchausen_tau,
                                        dqn.munchausen_clip)
        else:
            next_online = q_net.q_values(batch.next_obs) if dqn.double else None
            targets = dqn_target(batch.returns, batch.discounts, target.q_values(batch.next_obs),
                                 next_online)
    terms = td_loss(q_net.q_values(batch.obs), batch.actions, targets, batch.weights, dqn.loss)
    optimizer.zero_grad(set_to_none=True)
    terms.loss.backward()
    if dqn.max_grad_norm:
        nn.utils.clip_grad_norm_(q_net.parameters(), dqn.max_grad_norm)
    optimizer.step()
    return terms


def prio_alpha(dqn, progress):
    """Prioritized replay's alpha at `progress` (0 to 1) through the run's budget."""
    end = dqn.prio_alpha if dqn.prio_alpha_end < 0 else dqn.prio_alpha_end
    return linear_schedule(dqn.prio_alpha, end, 1.0, progress)


def train_dqn(name, config, out=sys.stdout, live=None, max_updates=None):
    """Train; returns the run folder. max_updates stops after that many iterations (tests)."""
    train, dqn = config.train, config.dqn
    if train.threads:
        torch.set_num_threads(train.threads)
    device = train_config.resolve_device(config.device)
    resumed, global_step, update = start(name, config, device)
    game, env_config = registry.game(name), train_config.resolve_env(name, config)
    space = game.observation_space(env_config)
    agents = train.num_envs * game.agents_per_env(env_config)
    prioritized = dqn.prio_alpha > 0 or dqn.prio_alpha_end > 0
    replay = ReplayBuffer(  # before the env: a buffer that does not fit is refused first
        dqn.buffer_size, agents, space.shape, torch.from_numpy(np.empty(0, space.dtype)).dtype,
        device, dqn.n_step, train.gamma,
        prio_alpha(dqn, global_step / train.total_steps) if prioritized else None, dqn.prio_eps)
    q_net = resumed.policy if resumed else make_q_network(
        space, game.num_actions, config.policy, game, env_config).to(device)
    target = make_target(q_net)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=dqn.learning_rate, eps=dqn.adam_eps)
    gradient_steps = 0
    if resumed:
        restore_optimizer(resumed.payload, optimizer, config.resume)
        gradient_steps = restore_dqn(resumed.payload, target, config.resume)

    env = make_env(name, config, global_step, halves=False)
    obs = torch.from_numpy(env.reset()[0])   # the env's buffer: each step rewrites it
    rewards, terminals, truncations = (torch.from_numpy(array) for array in
                                       (env.rewards, env.terminals, env.truncations))
    episode_stats = EpisodeStats(env.game.log_keys)
    env_seconds = inference_seconds = learn_seconds = 0.0
    debt = 0.0   # gradient samples owed to the agent-steps collected

    def save(path, resolved, global_step, update):
        save_checkpoint(path, q_net, optimizer, resolved, name, global_step, update,
                        dqn={"target": target.state_dict(), "gradient_steps": gradient_steps})

    run = Run(name, config, env, learner_name(dqn), save, global_step, update, DQN_KEYS,
              PRIO_KEYS if prioritized else (), out, live, max_updates)
    clock = time.perf_counter
    try:
        with run.flag:
            while run.going():
                progress = run.progress()  # of total_steps, or of max_seconds where sooner
                beta = linear_schedule(dqn.prio_beta0, dqn.prio_beta_end, 1.0, progress)
                if prioritized:
                    replay.priorities.set_alpha(prio_alpha(dqn, progress))
                sums, steps, collected = torch.zeros(3, device=device), 0, 0
                for _ in range(dqn.iteration_steps):
                    if global_step >= train.total_steps:
                        break
                    epsilon = linear_schedule(dqn.epsilon_start, dqn.epsilon_end,
                                              dqn.epsilon_steps, global_step)
                    began = clock()
                    with torch.no_grad():
                        actions = epsilon_greedy(q_net.q_values(replay.begin(obs)), epsilon)
                        sent = actions.cpu()
                    stepped = clock()
                    *_, info = env.step(sent)
                    returned = clock()
                    replay.end(actions, rewards, terminals, truncations)
                    episode_stats.add(info)
                    global_step += agents
                    collected += agents
                    inference_seconds += (stepped - began) + (clock() - returned)
                    env_seconds += returned - stepped

                    began = clock()
                    if replay.size and replay.written * agents >= dqn.learning_starts:
                        debt += agents * dqn.replay_ratio
                    while debt >= dqn.batch_size:
                        batch = replay.sample(dqn.batch_size, beta)
                        terms = gradient_step(q_net, target, optimizer, batch, dqn)
                        replay.update_priorities(batch.slots, terms.td_errors)
                        gradient_steps += 1
                        if gradient_steps % dqn.target_interval == 0:
                            update_target(target, q_net, dqn.target_tau)
                        sums += torch.stack([terms.loss.detach(), terms.q_mean, terms.td_error])
                        steps += 1
                        debt -= dqn.batch_size
                    learn_seconds += clock() - began
                update += 1
                means = (sums / steps).tolist() if steps else [None] * 3  # none learned yet
                row = {**episode_stats.take(), "learning_rate": dqn.learning_rate,
                       **dict(zip(("loss", "q_mean", "td_error"), means)),
                       "epsilon": epsilon, "samples_per_step": steps * dqn.batch_size / collected,
                       "gradient_steps": gradient_steps, "replay_size": replay.size,
                       "env_seconds": env_seconds, "inference_seconds": inference_seconds,
                       "learn_seconds": learn_seconds}
                if prioritized:
                    row.update(prio_alpha=replay.priorities.alpha, prio_beta=beta)
                run.record(row, global_step, update)
    finally:
        run.close()
    return run.dir
