"""The PPO loss on one minibatch (Schulman et al. 2017; CleanRL's ppo.py line by line).

    ratio    = exp(logp_new - logp_old)
    L_clip   = mean(max(-A * ratio, -A * clip(ratio, 1 - c, 1 + c)))          (eq. 7)
    L_value  = 0.5 * mean(max((V - R)^2, (V_old + clip(V - V_old, -c, c) - R)^2))
               (value clipping; plain 0.5 * mean((V - R)^2) when clip_vloss is off)
    loss     = L_clip - ent_coef * mean(entropy) + vf_coef * L_value           (eq. 9)

A is normalised over the minibatch when norm_adv. approx_kl is the low-variance estimator
mean((ratio - 1) - log ratio); clip_frac the share of samples with |ratio - 1| > c.
"""
from collections import namedtuple

import torch

LossTerms = namedtuple("LossTerms", "loss policy value entropy approx_kl clip_frac")


def ppo_loss(new_logprob, entropy, new_value, old_logprob, old_value, advantages, returns,
             clip_coef, vf_coef, ent_coef, clip_vloss=True, norm_adv=True):
    log_ratio = new_logprob - old_logprob
    ratio = log_ratio.exp()
    with torch.no_grad():
        approx_kl = ((ratio - 1) - log_ratio).mean()
        clip_frac = ((ratio - 1).abs() > clip_coef).float().mean()

    if norm_adv:
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    policy_loss = torch.max(-advantages * ratio,
                            -advantages * ratio.clamp(1 - clip_coef, 1 + clip_coef)).mean()

    if clip_vloss:
        clipped = old_value + (new_value - old_value).clamp(-clip_coef, clip_coef)
        value_loss = 0.5 * torch.max((new_value - returns) ** 2, (clipped - returns) ** 2).mean()
    else:
        value_loss = 0.5 * ((new_value - returns) ** 2).mean()

    entropy_mean = entropy.mean()
    loss = policy_loss - ent_coef * entropy_mean + vf_coef * value_loss
    return LossTerms(loss, policy_loss, value_loss, entropy_mean, approx_kl, clip_frac)
