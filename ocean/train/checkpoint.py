"""Checkpoints: one torch file per save holding the model, the optimiser, the step count,
the torch RNG state, the resolved config and, with E3B, its normaliser and inverse-dynamics
model; written to a temp file then renamed, so a crash never leaves half a checkpoint under
the real name. The format tag names the learner: "ocean-ppo/1" (model: the policy) or
"ocean-dqn/1" (model: the online Q-network; "dqn": the target network and the count of
gradient steps). A DQN checkpoint does not hold the replay buffer: a resumed run refills
it. Loading uses torch.load(weights_only=True): tensors and plain containers only, never
code; then check_payload() checks every field's type and range, and restoring checks the
states fit the network they go into. load_policy() is the one way from a file to a policy
(a PPO policy, or a DQN run's Q-network acting as one): `ocean eval`, `ocean play/render
--checkpoint` and a resumed run all take it."""
import math
import os
import pathlib
from typing import NamedTuple

import torch

from ocean import registry
from ocean.train import config as train_config
from ocean.train.policy import make_policy
from ocean.train.qnetwork import make_q_network

FORMATS = {"ppo": "ocean-ppo/1", "dqn": "ocean-dqn/1"}   # the learner (config algo): its tag
FORMAT = FORMATS["ppo"]


class CheckpointError(RuntimeError):
    """A checkpoint that cannot be read, or that does not fit the run loading it."""


def save_checkpoint(path, policy, optimizer, config, env_name, global_step, update, e3b=None,
                    dqn=None):
    """e3b: the exploration bonus's learned state (E3B.state_dict()), when the run has one;
    dqn: {"target": the target network's state dict, "gradient_steps": n} of a DQN run.
    config (the resolved dict) says the learner: its algo, PPO where it has none."""
    path = pathlib.Path(path)
    payload = {
        "format": FORMATS[config.get("algo", "ppo")], "env": env_name, "config": config,
        "global_step": int(global_step), "update": int(update),
        "model": policy.state_dict(), "optimizer": optimizer.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else [],
    }
    if e3b is not None:
        payload["e3b"] = e3b
    if dqn is not None:
        payload["dqn"] = dqn
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
    check_payload(payload, path)
    return payload


def check_payload(payload, path):
    """weights_only keeps code out, not nonsense: a file of plain containers and tensors can
    still hold a string step count or NaN weights. Each field's type and range is checked
    here, once, so what reads a payload after load_checkpoint can trust it; every problem
    found is named in one CheckpointError."""
    if not isinstance(payload, dict):
        raise CheckpointError(f"{path} is not an Ocean checkpoint: it holds a "
                              f"{type(payload).__name__}, not a dict")
    if payload.get("format") not in FORMATS.values():
        raise CheckpointError(f"{path} is not an Ocean {' or '.join(FORMATS.values())} "
                              f"checkpoint (its format tag: {shown(payload.get('format'))})")
    problems = []
    for key, check in PAYLOAD_FIELDS.items():
        if key in payload:
            problems += under(key, check(payload[key]))
        elif key not in OPTIONAL_FIELDS or (key == "dqn" and algo_of(payload) == "dqn"):
            problems.append(f"{key} is missing")
    if isinstance(payload.get("config"), dict) \
            and payload["config"].get("algo", "ppo") != algo_of(payload):
        problems.append(f"config algo {shown(payload['config'].get('algo'))} is not its "
                        f"format's ({payload['format']})")
    if problems:
        raise CheckpointError(f"checkpoint {path} cannot be used: {'; '.join(problems)}")


def shown(value):
    """A value for an error message: a tensor by its shape, anything else cut short."""
    if torch.is_tensor(value):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def under(prefix, problems):
    """Each of a part's problems, saying which part: 'optimizer' + 'must be a dict'."""
    return (f"{prefix} {problem}" for problem in problems)


def non_negative_int(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        yield f"must be an integer >= 0, got {shown(value)}"


def finite_number(value, low=-math.inf):
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not low <= value < math.inf:
        yield f"must be a finite number{'' if low == -math.inf else f' >= {low}'}, " \
              f"got {shown(value)}"


def game_name(value):
    if not isinstance(value, str) or not value:
        yield f"must be a game's name, got {shown(value)}"


def config_sections(value):
    if not isinstance(value, dict):
        yield f"must be a dict of config sections, got {shown(value)}"


def named_tensors(value):
    """A state dict: names to tensors, every float one finite (NaN weights mean the run
    diverged; loading them would evaluate or train garbage)."""
    if not isinstance(value, dict):
        yield f"must be a dict of named tensors, got {shown(value)}"
        return
    for key, tensor in value.items():
        if not torch.is_tensor(tensor):
            yield f"{key!r} must be a tensor, got {shown(tensor)}"
        elif tensor.is_floating_point() and not torch.isfinite(tensor).all():
            yield f"{key!r} holds NaN or infinity (did the run diverge before this save?)"


def algo_of(payload):
    """The learner a checked payload's format tag names: "ppo" or "dqn"."""
    return next(algo for algo, tag in FORMATS.items() if tag == payload["format"])


def optimizer_state(value):
    """torch's optimizer state_dict: {"state": {index: {name: tensor}}, "param_groups":
    [{"params": [index, ...], hyperparameters}]}."""
    if not isinstance(value, dict) or not isinstance(value.get("state"), dict) \
            or not isinstance(value.get("param_groups"), list):
        yield f"must be a dict of state and param_groups, got {shown(value)}"
        return
    for group in value["param_groups"]:
        if not isinstance(group, dict) or not isinstance(group.get("params"), list):
            yield f"param group must be a dict with a params list, got {shown(group)}"
    for index, state in value["state"].items():
        yield from under(f"parameter {index} state", named_tensors(state))


def rng_state(value):
    if not torch.is_tensor(value) or value.dtype != torch.uint8 or value.dim() != 1:
        yield f"must be a uint8 tensor (a torch RNG state), got {shown(value)}"


def rng_states(value):
    if not isinstance(value, list):
        yield f"must be a list of CUDA RNG states, got {shown(value)}"
        return
    for state in value:
        yield from rng_state(state)


def e3b_state(value):
    """E3B.state_dict(): the normaliser's sums, and with learned features the inverse-
    dynamics model and its optimiser."""
    if not isinstance(value, dict) or not isinstance(value.get("std"), dict):
        yield f"must be a dict with the bonus normaliser's std, got {shown(value)}"
        return
    std = value["std"]
    yield from under("std count", non_negative_int(std.get("count")))
    yield from under("std mean", finite_number(std.get("mean")))
    yield from under("std m2", finite_number(std.get("m2"), low=0))
    if "idm" in value:
        yield from under("idm", named_tensors(value["idm"]))
        yield from under("idm_optimizer", optimizer_state(value.get("idm_optimizer")))


def dqn_state(value):
    """A DQN run's target network and its count of gradient steps (the target schedule)."""
    if not isinstance(value, dict):
        yield f"must be a dict with the target network, got {shown(value)}"
        return
    yield from under("target", named_tensors(value.get("target")))
    yield from under("gradient_steps", non_negative_int(value.get("gradient_steps")))


PAYLOAD_FIELDS = {"env": game_name, "config": config_sections,
                  "global_step": non_negative_int, "update": non_negative_int,
                  "model": named_tensors, "optimizer": optimizer_state,
                  "torch_rng": rng_state, "cuda_rng": rng_states, "e3b": e3b_state,
                  "dqn": dqn_state}
OPTIONAL_FIELDS = ("e3b", "dqn")  # saved only by runs with E3B; by DQN runs (required there)


class LoadedPolicy(NamedTuple):
    """What load_policy returns."""
    config: object          # the run config saved with it (train_config.run_config_class)
    policy: torch.nn.Module  # the network, built for env_config, saved weights loaded: a
    #                          Policy, or a DQN run's QNetwork (acting epsilon-greedily with
    #                          its config's dqn.eval_epsilon when called as a policy)
    env_config: dict        # every env key's value the network is built for
    payload: dict           # the whole checkpoint: optimiser, step counts, RNG states, E3B


def load_policy(path, env_name=None, device="cpu", env_config=None, policy_config=None,
                algo=None):
    """The policy a checkpoint holds, on `device`. The network is built for the env config
    and [policy] settings it was trained with, unless env_config (every key's value: an env
    made with KEY=VALUE overrides) or policy_config (a resumed run's, flags applied) say
    otherwise. CheckpointError if the file is not a checkpoint, was trained on another env
    than env_name or by another learner than algo (a resumed run's), or its weights do not
    fit that network; ConfigError for a device this machine does not have."""
    device = train_config.resolve_device(device)
    payload = load_checkpoint(path, map_location=device)
    check_env(payload, env_name, path)
    if algo is not None and algo_of(payload) != algo:
        raise CheckpointError(f"{path} was trained by {algo_of(payload)}, not {algo}: resume "
                              f"it with --algo {algo_of(payload)}")
    name = payload["env"]
    try:  # ConfigError, or ValueError for a game this version does not have
        config = train_config.build(name, [payload["config"]], where=str(path))
        if env_config is None:
            env_config = train_config.resolve_env(name, config)
    except ValueError as error:
        raise CheckpointError(f"{path}: its saved config does not fit this version of "
                              f"{name}: {error}") from error
    game = registry.game(name)
    make = make_q_network if algo_of(payload) == "dqn" else make_policy
    policy = make(game.observation_space(env_config), game.num_actions,
                  policy_config or config.policy, game, env_config).to(device)
    if algo_of(payload) == "dqn":
        policy.epsilon = config.dqn.eval_epsilon
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
            f"than it was trained with?): {first_lines(error)}") from error
    if optimizer is not None:
        restore_optimizer(payload, optimizer, path)


def restore_optimizer(payload, optimizer, path="checkpoint"):
    """The optimiser's state and the RNG states: what a resumed run takes beyond weights."""
    load_optimizer(optimizer, payload["optimizer"], "optimizer", path)
    try:  # set_rng_state checks the bytes are a generator's state, not just their size
        # map_location may have moved these onto the GPU; RNG states live on the CPU
        torch.set_rng_state(payload["torch_rng"].cpu())
        if payload["cuda_rng"] and torch.cuda.is_available():  # as many GPUs as are here
            torch.cuda.set_rng_state_all([state.cpu() for state in
                                          payload["cuda_rng"][:torch.cuda.device_count()]])
    except RuntimeError as error:
        raise CheckpointError(f"{path}: torch_rng is not a torch RNG state: {error}") from error


def restore_e3b(payload, bonus, path="checkpoint"):
    """E3B's normaliser, inverse-dynamics model and its optimiser, when the run saved them."""
    if "e3b" not in payload:  # saved by a run without E3B: this one starts it fresh
        return
    state = payload["e3b"]
    try:
        if bonus.idm is not None and "idm" in state:
            check_optimizer_fits(bonus.optimizer, state["idm_optimizer"])
        bonus.load_state_dict(state)
    except (RuntimeError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{path}: its e3b state does not fit this run's E3B (another "
                              f"e3b.dim or policy?): {first_lines(error)}") from error


def restore_dqn(payload, target, path="checkpoint"):
    """A DQN run's target network, from its checkpoint; returns its count of gradient steps
    (the target update schedule goes on from there)."""
    state = payload["dqn"]
    try:
        target.load_state_dict(state["target"])
    except RuntimeError as error:
        raise CheckpointError(f"{path}: its target network does not fit this Q-network: "
                              f"{first_lines(error)}") from error
    return state["gradient_steps"]


def first_lines(error):
    """torch's load_state_dict says which state dict in its first line, what differs in the
    second."""
    return " ".join(line.strip() for line in str(error).splitlines()[:2])


def load_optimizer(optimizer, state, what, path):
    try:
        check_optimizer_fits(optimizer, state)
        optimizer.load_state_dict(state)
    except (ValueError, KeyError, TypeError) as error:
        raise CheckpointError(f"{path}: its {what} state does not fit this network: "
                              f"{error}") from error


def check_optimizer_fits(optimizer, state):
    """ValueError for what torch's load_state_dict lets through (it checks the groups'
    sizes): moments of another shape than their parameter, or a group without one of the
    optimiser's hyperparameters. Either would fail only at the first step, deep in the
    update."""
    params = [param for group in optimizer.param_groups for param in group["params"]]
    indices = [index for group in state["param_groups"] for index in group["params"]]
    for index, param in zip(indices, params):
        for key, value in state["state"].get(index, {}).items():
            if value.dim() and value.shape != param.shape:
                raise ValueError(f"{key} of parameter {index} has shape {tuple(value.shape)}, "
                                 f"the parameter {tuple(param.shape)}")
    for group in state["param_groups"]:
        missing = [key for key in optimizer.defaults if key not in group]
        if missing:
            raise ValueError(f"a parameter group lacks {', '.join(missing)}")
