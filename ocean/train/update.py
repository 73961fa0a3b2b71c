"""One PPO update: GAE over the rollout, then update_epochs passes over shuffled
minibatches (CleanRL's ppo.py / ppo_atari_lstm.py loop). A feed-forward policy shuffles
agent-steps; a recurrent one shuffles whole agents, so each minibatch replays its agents'
sequences from the state the rollout started in."""
import torch
from torch import nn

from ocean.train.gae import compute_gae
from ocean.train.loss import LossTerms, ppo_loss
from ocean.train.policy import logprob_and_entropy

# what ppo_update returns: every one is a metrics.csv column and shows on the dashboard
UPDATE_KEYS = (*LossTerms._fields, "explained_variance", "epochs")


def explained_variance(predicted, target):
    """1 - Var(target - predicted) / Var(target): 1 is perfect, 0 no better than the mean."""
    variance = target.var()
    return float("nan") if variance == 0 else float(1 - (target - predicted).var() / variance)


def ppo_update(policy, optimizer, rollout, train):
    """Returns the minibatch-averaged LossTerms as floats, plus explained_variance and
    the number of epochs run (fewer when target_kl stopped it)."""
    advantages, returns = compute_gae(rollout.rewards, rollout.values, rollout.terminals,
                                      rollout.truncations, rollout.next_value,
                                      train.gamma, train.gae_lambda)
    horizon, agents = rollout.rewards.shape
    device = rollout.rewards.device
    sums = torch.zeros(len(LossTerms._fields), device=device)
    steps = epochs = 0
    for epoch in range(train.update_epochs):
        epochs += 1
        if policy.recurrent:
            order = torch.randperm(agents, device=device)
            chunks = order.view(train.num_minibatches, -1)
        else:
            order = torch.randperm(horizon * agents, device=device)
            chunks = order.view(train.num_minibatches, -1)
        for index in chunks:
            if policy.recurrent:
                pick = lambda x: x[:, index].reshape(-1, *x.shape[2:])  # noqa: E731
                state = tuple(s[:, index] for s in rollout.start_state)
                logits, value, _ = policy(pick(rollout.obs), state, pick(rollout.starts))
            else:
                pick = lambda x: x.reshape(-1, *x.shape[2:])[index]  # noqa: E731
                logits, value, _ = policy(pick(rollout.obs))
            logprob, entropy = logprob_and_entropy(logits, pick(rollout.actions))
            terms = ppo_loss(logprob, entropy, value, pick(rollout.logprobs), pick(rollout.values),
                             pick(advantages), pick(returns), train.clip_coef, train.vf_coef,
                             train.ent_coef, train.clip_vloss, train.norm_adv)
            optimizer.zero_grad(set_to_none=True)
            terms.loss.backward()
            nn.utils.clip_grad_norm_(policy.parameters(), train.max_grad_norm)
            optimizer.step()
            sums += torch.stack([t.detach() for t in terms])
            steps += 1
        if train.target_kl and terms.approx_kl > train.target_kl:
            break
    stats = dict(zip(LossTerms._fields, (sums / steps).tolist()))
    stats["explained_variance"] = explained_variance(rollout.values.flatten(), returns.flatten())
    stats["epochs"] = epochs
    return stats
