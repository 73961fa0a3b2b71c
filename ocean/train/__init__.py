"""PPO for Ocean's batched envs (needs the [train] extra: torch, rich, matplotlib, tyro).

One module per concept: config (what a run is), policy (networks), rollout (stepping the
envs into buffers), gae, loss, update (PPO), checkpoint, dashboard, trainer (the loop),
evaluate (`ocean eval`), compare (`ocean compare`)."""
