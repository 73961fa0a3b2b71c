"""Checkpoints: one torch file per save holding the model, the optimiser, the step count,
the torch RNG state, the resolved config and, with E3B, its normaliser and inverse-dynamics
model; written to a temp file then renamed, so a crash never leaves half a checkpoint under
the real name. Loading uses torch.load(weights_only=True): tensors and plain containers
only, never code. load_policy() is the one way from a file to a policy: `ocean eval`,
`ocean play/render --checkpoint` and a resumed run all take it."""
import os
import pathlib
from typing import NamedTuple

import torch

from ocean import registry
from ocean.train import config as train_config
from ocean.train.policy import make_policy

FORMAT = "ocean-ppo/1"


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be read, or that does not fit the run loading it."""


def save_checkpoint(path, policy, optimizer, config, env_name, global_step, update, e3b=None):
    """e3b: the exploration bonus's learned state (E3B.state_dict()), when the run has one."""
    path = pathlib.Path(path)
    payload = {
        "format": FORMAT, "env": env_name, "config": config,
        "global_step": int(global_step), "update": int(update),
        "model": policy.state_dict(), "optimizer": optimizer.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else [],
    }
    if e3b is not None:
        payload["e3b"] = e3b
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(path, map_location="cpu"):
    """The checkpoint's dict; CheckpointError if it is missing, corrupt, or not ours."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # damaged bytes can make the unpickler raise almost anything
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CheckpointError(
            f"cannot read checkpoint {path}: it is truncated, corrupt or not an Ocean "
            f"checkpoint ({type(error).__name__}: {first_line[:200]})") from error
    missing = [k for k in ("format", "env", "config", "global_step", "model", "optimizer")
               if not isinstance(payload, dict) or k not in payload]
    if missing or payload.get("format") != FORMAT or not isinstance(payload["config"], dict):
        raise CheckpointError(f"{path} is not an Ocean {FORMAT} checkpoint "
                              f"(missing {', '.join(missing) or 'format tag or config'})")
    return payload


class LoadedPolicy(NamedTuple):
    """What load_policy returns."""
    config: object          # the run config saved with it (train_config.run_config_class)
    policy: torch.nn.Module  # the network, built for env_config, saved weights loaded
    env_config: dict        # every env key's value the network is built for
    payload: dict           # the whole checkpoint: optimiser, step counts, RNG states, E3B


def load_policy(path, env_name=None, device="cpu", env_config=None, policy_config=None):
    """The policy a checkpoint holds, on `device`. The network is built for the env config
    and [policy] settings it was trained with, unless env_config (every key's value: an env
    made with KEY=VALUE overrides) or policy_config (a resumed run's, flags applied) say
    otherwise. CheckpointError if the file is not a checkpoint, was trained on another env
    than env_name, or its weights do not fit that network."""
    payload = load_checkpoint(path, map_location=device)
    check_env(payload, env_name, path)
    name = payload["env"]
    try:  # ConfigError, or ValueError for a game this version does not have
        config = train_config.build(name, [payload["config"]], where=str(path))
        if env_config is None:
            env_config = train_config.resolve_env(name, config)
    except ValueError as error:
        raise CheckpointError(f"{path}: its saved config does not fit this version of "
                              f"{name}: {error}") from None
    game = registry.game(name)
    policy = make_policy(game.observation_space(env_config), game.num_actions,
                         policy_config or config.policy, game, env_config).to(device)
    restore(payload, policy, path=path)
    return LoadedPolicy(config, policy, env_config, payload)


def check_env(payload, env_name, path):
    if env_name is not None and payload["env"] != env_name:
        raise CheckpointError(f"{path} was trained on {payload['env']!r}, not {env_name!r}")


def restore(payload, policy, optimizer=None, env_name=None, path="checkpoint"):
    """Load model (and optimiser and RNG when given an optimiser) from a payload; a
    checkpoint of another env or network shape is a CheckpointError saying so."""
    check_env(payload, env_name, path)
    try:
        policy.load_state_dict(payload["model"])
    except RuntimeError as error:
        raise CheckpointError(
            f"{path} does not fit this policy (different env config or [policy] settings "
            f"than it was trained with?): {str(error).splitlines()[0]}") from None
    if optimizer is not None:
        restore_optimizer(payload, optimizer)


def restore_optimizer(payload, optimizer):
    """The optimiser's state and the RNG states: what a resumed run takes beyond weights."""
    optimizer.load_state_dict(payload["optimizer"])
    # map_location may have moved these onto the GPU; RNG states live on the CPU
    torch.set_rng_state(payload["torch_rng"].cpu())
    if payload.get("cuda_rng") and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([state.cpu() for state in payload["cuda_rng"]])
