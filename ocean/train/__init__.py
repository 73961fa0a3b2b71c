"""PPO and (Munchausen) DQN for Ocean's batched envs (needs the [train] extra: torch, rich,
matplotlib, tyro).

One module per concept: config (what a run is), policy (networks), rollout (stepping the
envs into buffers), gae, loss, update (PPO), checkpoint, dashboard, trainer (the PPO loop
and the run machinery every loop shares), evaluate (`ocean eval`), compare (`ocean compare`);
for `--algo dqn`: qnetwork (Q-network, target, epsilon-greedy), replay (buffer, n-step
returns), prioritized (sum tree, proportional replay), dqn_loss (targets and loss), dqn (the
loop)."""
