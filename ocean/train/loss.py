"""The PPO loss on one minibatch (Schulman et al. 2017; CleanRL's ppo.py line by line).

    ratio    = exp(logp_new - logp_old)
    L_clip   = mean(max(-A * ratio, -A * clip(ratio, 1 - c, 1 + c)))          (eq. 7)
    L_value  = 0.5 * mean(max((V - R)^2, (V_old + clip(V - V_old, -c_v, c_v) - R)^2))
               (value clipping; plain 0.5 * mean((V - R)^2) when clip_vloss is off)
    loss     = L_clip - ent_coef * mean(entropy) + vf_coef * L_value           (eq. 9)
               [+ kl_coef * KL(pi_old || pi)]

A is normalised over the minibatch when norm_adv, then multiplied by the samples'
importance weights when the minibatch was drawn by priority (PufferLib's order: normalise,
then weight; the value loss is not weighted). clip_coef 0 turns ratio clipping off: L_clip
is the plain surrogate -mean(A * ratio). Value clipping is its own switch (clip_vloss), by
vf_clip_coef c_v (None: clip_coef, as CleanRL).

KL(pi_old || pi) is estimated on the minibatch's samples (drawn from pi_old) as
mean((ratio - 1) - log ratio) (Schulman's "k3" estimator): unbiased, never negative, and its
gradient mean((ratio - 1) * grad log pi) is unbiased for the exact KL's gradient, without
storing pi_old's whole distribution. approx_kl is the same number; clip_frac the share of
samples with |ratio - 1| > c (0 when clipping is off); ratio_mean the mean ratio, and
ratio_clipped the share above rho_clip (V-trace's truncation; nan without V-trace);
value_staleness mean |V_old - V|, how far the stored values are from the current ones.
"""
from collections import namedtuple

import torch

LossTerms = namedtuple("LossTerms", "loss policy value entropy approx_kl clip_frac ratio_mean "
                                    "ratio_clipped value_staleness")


def ppo_loss(new_logprob, entropy, new_value, old_logprob, old_value, advantages, returns,
             clip_coef, vf_coef, ent_coef, clip_vloss=True, norm_adv=True, weights=None,
             kl_coef=0.0, vf_clip_coef=None, rho_clip=0.0):
    log_ratio = new_logprob - old_logprob
    ratio = log_ratio.exp()
    if kl_coef:
        kl = ((ratio - 1) - log_ratio).mean()
        approx_kl = kl.detach()
    with torch.no_grad():
        if not kl_coef:
            approx_kl = ((ratio - 1) - log_ratio).mean()
        clip_frac = ((ratio - 1).abs() > clip_coef).float().mean() if clip_coef \
            else torch.zeros((), device=ratio.device)
        ratio_mean = ratio.mean()
        ratio_clipped = (ratio > rho_clip).float().mean() if rho_clip \
            else torch.full((), float("nan"), device=ratio.device)
        value_staleness = (new_value - old_value).abs().mean()

    if norm_adv:
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    if weights is not None:
        advantages = advantages * weights
    if clip_coef:
        policy_loss = torch.max(-advantages * ratio,
                                -advantages * ratio.clamp(1 - clip_coef, 1 + clip_coef)).mean()
    else:
        policy_loss = (-advantages * ratio).mean()

    if clip_vloss:
        value_clip = clip_coef if vf_clip_coef is None else vf_clip_coef
        clipped = old_value + (new_value - old_value).clamp(-value_clip, value_clip)
        value_loss = 0.5 * torch.max((new_value - returns) ** 2, (clipped - returns) ** 2).mean()
    else:
        value_loss = 0.5 * ((new_value - returns) ** 2).mean()

    entropy_mean = entropy.mean()
    loss = policy_loss - ent_coef * entropy_mean + vf_coef * value_loss
    if kl_coef:
        loss = loss + kl_coef * kl
    return LossTerms(loss, policy_loss, value_loss, entropy_mean, approx_kl, clip_frac,
                     ratio_mean, ratio_clipped, value_staleness)
