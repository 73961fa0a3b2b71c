"""Training config: dataclasses (train, policy, e3b, dqn, env) resolved once per run.

Precedence, lowest first: the dataclass defaults below, the game's ocean/<game>/train.toml
(its best known settings), a resumed checkpoint's saved config, a `--config FILE` (a TOML of
[train]/[policy]/[e3b]/[env] sections, such as a sweep's best.toml), then command-line
overrides (`--train.learning-rate 5e-4`, `--env.frameskip 2`, parsed by tyro, which checks
types and Literal choices). validate() then checks each field against its annotation (Range bounds,
choices, true or false) and the rules between keys; errors name the key. The resolved config
is saved with the run as config.json and inside every checkpoint.
"""
import dataclasses
import json
import pathlib
import sys
import tempfile
import typing
from typing import Annotated, Literal, Optional

import numpy as np
import torch
import tyro

import ocean
from ocean import registry
from ocean.config import ConfigError, check_value

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


@dataclasses.dataclass(frozen=True)
class Range:
    """A numeric field's inclusive bounds, `Annotated[int, Range(1, 10**6)]`: validate()
    checks every field that carries one."""
    low: float
    high: float


@dataclasses.dataclass
class TrainConfig:
    """The run (length, envs, seed, threads, checkpoints) and PPO's hyperparameters (CleanRL's
    names where it has one)."""
    total_steps: Annotated[int, Range(1, 10**15)] = 10_000_000
    """agent-steps to train for"""
    num_envs: Annotated[int, Range(1, 10**6)] = 1024
    """envs stepped in one batch (agents = num_envs x agents per env)"""
    horizon: Annotated[int, Range(1, 10**5)] = 64
    """agent-steps per env in one rollout; batch = agents x horizon"""
    num_workers: Annotated[int, Range(1, 1024)] = 1
    """env worker processes. 1: the envs step in the trainer's process (serial backend).
    More (an even number dividing num_envs): the multiprocess backend, and the rollout
    infers on one half of the envs while the workers step the other half"""
    num_minibatches: Annotated[int, Range(1, 10**6)] = 4
    update_epochs: Annotated[int, Range(1, 1000)] = 4
    learning_rate: Annotated[float, Range(0, 10)] = 2.5e-4
    anneal_lr: bool = True
    """decay the learning rate linearly to 0 over total_steps"""
    gamma: Annotated[float, Range(0, 1)] = 0.99
    gae_lambda: Annotated[float, Range(0, 1)] = 0.95
    clip_coef: Annotated[float, Range(0, 10)] = 0.2
    """PPO's ratio clipping range (0: no ratio clipping)"""
    clip_vloss: bool = True
    norm_adv: bool = True
    """normalise advantages per minibatch"""
    ent_coef: Annotated[float, Range(0, 10)] = 0.01
    vf_coef: Annotated[float, Range(0, 100)] = 0.5
    max_grad_norm: Annotated[float, Range(0, 1e6)] = 0.5
    target_kl: Annotated[float, Range(0, 100)] = 0.0
    """stop the epochs of an update early above this approx-KL (0: never)"""
    seed: Annotated[int, Range(0, 2**63 - 1)] = 0
    threads: Annotated[int, Range(0, 1024)] = 1
    """torch CPU threads while the rollout runs (0: torch's default, one per core)"""
    learn_threads: Annotated[int, Range(0, 1024)] = 0
    """torch CPU threads while the update runs. 0: the cores nothing else is using when the
    run starts (saved in config.json as the number chosen). Threads on cores that other jobs
    want make the update several times slower: on a shared machine, use 1"""
    compile: Literal["auto", "always", "never"] = "auto"
    """torch.compile the minibatch's forward pass and loss into fused kernels. auto: for
    feed-forward policies in runs of at least 10M agent-steps (compiling takes seconds, most
    of a minute the first time on a machine, and pays back only over a long run)"""
    checkpoint_interval: Annotated[int, Range(1, 10**15)] = 10_000_000
    """agent-steps between checkpoints (one is also written at the end)"""
    log_interval: Annotated[float, Range(0, 1e6)] = 5.0
    """seconds between plain log lines when stdout is not a terminal"""
    max_seconds: Annotated[float, Range(0, 1e9)] = 0.0
    """stop at the end of the update where this many seconds of training have passed,
    saving as Ctrl-C does (0: no limit). The learning-rate decay and prioritized sampling's
    beta then run over whichever of total_steps and max_seconds comes first"""
    # The experience-buffer options of PPO (ocean/train/update.py; docs/offpolicy.md). Each
    # is off by default, and off it changes nothing.
    buffer_rollouts: Annotated[int, Range(1, 1 << 20)] = 1
    """K: the update draws from the last K rollouts (1: the one just collected, on-policy
    PPO). Memory: K rollouts, observations in the env's dtype"""
    replay_factor: Annotated[float, Range(0, 1e6)] = 0.0
    """R: minibatch samples drawn per agent-step collected (0: update_epochs, today's PPO);
    an update runs R x num_minibatches minibatches, which must be a whole number"""
    prio_alpha: Annotated[float, Range(0, 100)] = 0.0
    """prioritized segments: a segment's priority is (sum of its |advantages|)^alpha
    (0: off, samples uniformly with weights 1)"""
    prio_beta0: Annotated[float, Range(0, 1)] = 0.2
    """importance weights (N P)^-beta, beta annealed from prio_beta0 to 1 over training"""
    vtrace_rho_clip: Annotated[float, Range(0, 1e6)] = 0.0
    """V-trace: advantages weighted by min(rho_clip, pi/mu) per step (0: off)"""
    vtrace_c_clip: Annotated[float, Range(0, 1e6)] = 0.0
    """V-trace: the trace cut by min(c_clip, pi/mu) per step (0: off)"""
    refresh_values: bool = False
    """recompute the stored values of older buffered rollouts with the current value
    network before each update"""
    munchausen_alpha: Annotated[float, Range(0, 1e3)] = 0.0
    """Munchausen: add alpha * clip(tau ln pi_old(a|s), munchausen_clip, 0) to each reward
    (0: off)"""
    munchausen_tau: Annotated[float, Range(0, 1e3)] = 0.03
    """tau, the temperature that scales ln pi_old in both Munchausen terms"""
    munchausen_clip: Annotated[float, Range(-1e6, 0)] = -1.0
    """l0, the lower clip of tau ln pi_old(a|s) (M-DQN's)"""
    munchausen_mode: Literal["reward", "soft"] = "reward"
    """reward: the term above; soft: also - gamma tau ln pi_old(a_t+1|s_t+1) (1 - done), the
    soft next-state value (on even at alpha 0)"""
    kl_coef: Annotated[float, Range(0, 1e6)] = 0.0
    """add kl_coef x KL(pi_old || pi) to the loss (0: off); pair with clip_coef 0 for
    PPO's KL-penalty variant"""
    vf_clip_coef: Annotated[float, Range(0, 10)] = 0.0
    """value clipping's range when clip_vloss (0: clip_coef, CleanRL's)"""


@dataclasses.dataclass
class PolicyConfig:
    """The network: an encoder chosen by observation dtype, an optional LSTM, two heads."""
    encoder: Literal["auto", "mlp", "grid"] = "auto"
    """auto (float obs: mlp, uint8 obs: grid), mlp or grid"""
    hidden: Annotated[int, Range(1, 1 << 14)] = 64
    """width of the encoder output, the MLP layers and the LSTM"""
    layers: Annotated[int, Range(0, 16)] = 2
    """MLP hidden layers"""
    embed_dim: Annotated[int, Range(1, 1024)] = 8
    """grid encoder: embedding size of each extra byte after the window"""
    channels: Annotated[int, Range(0, 1024)] = 32
    """grid encoder: channels of its two 3x3 convolutions (0: no convolution)"""
    lstm: bool = False


@dataclasses.dataclass
class E3BConfig:
    """E3B exploration bonus (ocean/train/e3b.py): reward r = r_ext + coef * b / std(b)."""
    enabled: Annotated[bool, tyro.conf.FlagConversionOff] = False
    """turn it on: --e3b.enabled true"""
    features: Literal["idm", "policy"] = "idm"
    """idm: an inverse-dynamics encoder trained alongside PPO (the paper); policy: the policy
    encoder's detached features (then dim must equal policy.hidden)"""
    dim: Annotated[int, Range(1, 4096)] = 32
    """feature size d: the per-agent matrices take agents x d x d x 4 bytes"""
    lam: Annotated[float, Range(1e-6, 1e6)] = 0.1
    """ridge lambda: each episode's C starts at lambda * I"""
    coef: Annotated[float, Range(0, 1e6)] = 1.0
    """beta, the weight of the normalised bonus"""
    clip: Annotated[float, Range(0, 1e6)] = 0.0
    """clip the total reward to [-clip, clip] (0: no clipping)"""
    first_step_bonus: Annotated[bool, tyro.conf.FlagConversionOff] = False
    """give an episode's first step a bonus too (off: it gets 0; its phi is still added)"""
    idm_learning_rate: Annotated[float, Range(0, 10)] = 1e-3
    memory_budget_mb: Annotated[float, Range(0, 1e9)] = 1024
    """refuse (before allocating) a config whose matrices would need more"""


@dataclasses.dataclass
class DQNConfig:
    """The off-policy learner (`--algo dqn`, ocean/train/dqn.py): Munchausen DQN by default
    (Vieillard et al. 2020, the official code's settings where it has one), plain double DQN
    with munchausen_alpha 0. Of [train] it reads total_steps, num_envs, num_workers, gamma,
    seed, threads, checkpoint_interval and log_interval; the rest of [train] is PPO's."""
    learning_rate: Annotated[float, Range(0, 10)] = 5e-5
    adam_eps: Annotated[float, Range(0, 1)] = 3.125e-4
    batch_size: Annotated[int, Range(1, 10**6)] = 32
    """transitions per gradient step"""
    replay_ratio: Annotated[float, Range(0, 10**4)] = 8.0
    """gradient samples per agent-step collected (8: one batch of 32 every 4 steps)"""
    buffer_size: Annotated[int, Range(1, 10**12)] = 1_000_000
    """replay capacity in agent-steps (each agent keeps buffer_size / agents of its latest);
    refused before allocating if this machine lacks the memory"""
    learning_starts: Annotated[int, Range(0, 10**15)] = 20_000
    """agent-steps collected before the first gradient step (again after a resume: the
    buffer is not saved in checkpoints)"""
    n_step: Annotated[int, Range(1, 1000)] = 1
    """rewards summed before bootstrapping; stops at an episode's end"""
    double: Annotated[bool, tyro.conf.FlagConversionOff] = True
    """double DQN: the online network picks the next action, the target network values it
    (only with munchausen_alpha 0: the Munchausen target has no max to decouple)"""
    target_interval: Annotated[int, Range(1, 10**9)] = 2000
    """gradient steps between target network updates"""
    target_tau: Annotated[float, Range(0, 1)] = 1.0
    """each target update: target = tau * online + (1 - tau) * target (1: a hard copy)"""
    epsilon_start: Annotated[float, Range(0, 1)] = 1.0
    epsilon_end: Annotated[float, Range(0, 1)] = 0.01
    epsilon_steps: Annotated[int, Range(0, 10**15)] = 250_000
    """agent-steps over which epsilon falls linearly from start to end"""
    eval_epsilon: Annotated[float, Range(0, 1)] = 0.001
    """epsilon of `ocean eval` (without --greedy), `ocean play` and `ocean render`"""
    munchausen_alpha: Annotated[float, Range(0, 10)] = 0.9
    """weight of the Munchausen term alpha * clip(tau * ln pi(a|s), clip, 0); 0: plain DQN"""
    munchausen_tau: Annotated[float, Range(1e-6, 100)] = 0.03
    """temperature of the target network's softmax policy"""
    munchausen_clip: Annotated[float, Range(-1e6, 0)] = -1.0
    """l0, the lower clip of tau * ln pi(a|s)"""
    prio_alpha: Annotated[float, Range(0, 10)] = 0.0
    """prioritized replay exponent: P(i) = p_i^alpha / sum p^alpha (0: uniform replay)"""
    prio_alpha_end: Annotated[float, Range(-1, 10)] = -1.0
    """alpha at total_steps, annealed linearly from prio_alpha (-1: alpha stays prio_alpha)"""
    prio_beta0: Annotated[float, Range(0, 1)] = 0.4
    """importance-sampling exponent at the start, annealed linearly to prio_beta_end"""
    prio_beta_end: Annotated[float, Range(0, 1)] = 1.0
    """beta at total_steps"""
    prio_eps: Annotated[float, Range(0, 1e6)] = 1e-6
    """added to |TD error|: no transition's priority is 0"""
    loss: Literal["huber", "mse"] = "huber"
    max_grad_norm: Annotated[float, Range(0, 1e6)] = 10.0
    """clip the gradient's norm (0: no clipping)"""
    iteration_steps: Annotated[int, Range(1, 10**6)] = 32
    """batched env steps per iteration: a metrics row, and where checkpoints and Ctrl-C
    happen; gradient steps interleave with the env steps inside it"""


def env_config_class(name):
    """A dataclass of game `name`'s config keys. None (the default) leaves a key to the
    game: its C default, or one derived from other keys (Maze's max_steps from size)."""
    kinds = {"int": int, "float": float, "bool": bool}
    fields = []
    for key, kind, default, low, high, doc in \
            (dataclasses.astuple(row) for row in registry.game(name).config):
        shown = (int(low), int(high), int(default)) if kind != "float" else (low, high, default)
        help_text = (f"{doc}; in [{shown[0]}, {shown[1]}], " if kind != "bool" else f"{doc}; ") \
            + f"game default {bool(default) if kind == 'bool' else shown[2]}"
        fields.append((key, Annotated[Optional[kinds[kind]], tyro.conf.arg(help=help_text)],
                       dataclasses.field(default=None)))
    return dataclasses.make_dataclass(f"{name.capitalize()}EnvConfig", fields)


def env_kwargs(config):
    """The env keys a run sets (the rest stay the game's defaults), for ocean.make()."""
    return {k: v for k, v in dataclasses.asdict(config.env).items() if v is not None}


def run_config_class(name):
    """The whole run's config for game `name`: env, train, policy, plus run-level options."""
    env_cls = env_config_class(name)
    return dataclasses.make_dataclass("RunConfig", [
        ("env", env_cls, dataclasses.field(default_factory=env_cls)),
        ("train", TrainConfig, dataclasses.field(default_factory=TrainConfig)),
        ("policy", PolicyConfig, dataclasses.field(default_factory=PolicyConfig)),
        ("e3b", E3BConfig, dataclasses.field(default_factory=E3BConfig)),
        ("dqn", DQNConfig, dataclasses.field(default_factory=DQNConfig)),
        ("algo", Annotated[Literal["ppo", "dqn"], tyro.conf.arg(help=(
            "the learner: ppo (on-policy, [train] settings) or dqn (off-policy Munchausen "
            "DQN, [dqn] settings)"))], dataclasses.field(default="ppo")),
        ("device", str, dataclasses.field(default="cpu")),
        ("runs_dir", str, dataclasses.field(default="runs")),
        ("resume", str, dataclasses.field(default="")),
        ("config", Annotated[str, tyro.conf.arg(metavar="FILE", help=(
            "a TOML file of [train], [policy], [e3b] and [env] settings (a sweep's best.toml) "
            "over the game's defaults, under these flags"))], dataclasses.field(default="")),
        ("tensorboard", bool, dataclasses.field(default=False)),
        ("dashboard", bool, dataclasses.field(default=True)),
        ("metric", Annotated[str, tyro.conf.arg(help=(
            "the episode log the curve and ocean eval lead with (default: score if the game "
            "logs one, else episode_return)"))], dataclasses.field(default="")),
    ])


def defaults_path(name):
    return pathlib.Path(ocean.__file__).parent / name / "train.toml"


def read_toml(path):
    """A TOML file's tables; ConfigError naming the file if it is missing or malformed."""
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None


def settings(tables, algo="ppo"):
    """A train.toml's run settings for `algo`: all but its [sweep] table (the search spaces
    of `ocean sweep`, not settings of a run), with [dqn.train]'s keys over [train]'s for an
    --algo dqn run (a DQN run of a game may want other budgets than its PPO defaults)."""
    tables = {key: dict(value) if isinstance(value, dict) else value
              for key, value in tables.items() if key != "sweep"}
    dqn = tables.get("dqn")
    dqn_train = dqn.pop("train", {}) if isinstance(dqn, dict) else {}
    if not isinstance(dqn_train, dict):
        raise ConfigError(f"[dqn] train must be a table of [train] keys, got {dqn_train!r}")
    if algo == "dqn":
        tables["train"] = {**tables.get("train", {}), **dqn_train}
    return tables


def game_defaults(name, algo="ppo"):
    """{section: {key: value}} from ocean/<game>/train.toml for `algo` ({} if the game has
    none)."""
    path = defaults_path(name)
    return settings(read_toml(path), algo) if path.exists() else {}


def build(name, sections=(), where="config"):
    """A RunConfig for `name` from its defaults with each {section: {key: value}} of
    `sections` applied in order. Unknown sections or keys raise ConfigError naming them."""
    return build_over(run_config_class(name)(), sections, where)


def build_over(config, sections, where="config"):
    """`config` with each {section: {key: value}} of `sections` applied in order."""
    for layer in sections:
        for section, values in layer.items():
            target = getattr(config, section, None)
            if not isinstance(values, dict):
                if section not in {f.name for f in dataclasses.fields(config)} \
                        or dataclasses.is_dataclass(target):
                    raise ConfigError(f"{where}: unknown key {section!r}")
                setattr(config, section, values)
                continue
            if not dataclasses.is_dataclass(target):
                raise ConfigError(f"{where}: unknown section [{section}]; "
                                  f"valid: env, train, policy, e3b, dqn")
            known = {f.name for f in dataclasses.fields(target)}
            for key, value in values.items():
                if key not in known:
                    raise ConfigError(f"{where}: [{section}] has no key {key!r}; "
                                      f"valid keys: {', '.join(sorted(known))}")
                setattr(target, key, value)
    return config


def parse(name, overrides=(), base=None):
    """Apply command-line overrides (tyro; exits with a message naming the flag on an
    unknown flag or a value of the wrong type) over `base` (default: the game's defaults)."""
    algo = flag_value(overrides, "--algo") or "ppo"
    if base is None:
        base = build(name, [game_defaults(name, algo)], str(defaults_path(name)))
    config_file = flag_value(overrides, "--config")
    if config_file:
        try:
            layer = settings(read_toml(config_file), algo)
        except ConfigError as error:
            raise ConfigError(f"--config: {error}") from None
        base = build_over(base, [layer], config_file)
    check_fields(base)  # a bad value in train.toml is named before tyro takes it as a default
    # `--e3b.enabled true`: tyro spells bool values True/False; accept the lower case too
    overrides = [{"true": "True", "false": "False"}.get(arg, arg) for arg in overrides]
    config = tyro.cli(type(base), args=overrides, default=base, prog=f"ocean train {name}",
                      description=f"Train PPO (or DQN: --algo dqn) on {name}. Defaults: "
                                  f"{defaults_path(name)}.")
    validate(name, config)
    return config


def flag_value(overrides, flag):
    """The value of `flag` among command-line overrides ("" if absent), for the options
    needed before tyro parses the rest (tyro parses them again)."""
    for i, arg in enumerate(overrides):
        if arg == flag and i + 1 < len(overrides):
            return overrides[i + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return ""


def validate(name, config):
    """Every key against its field (ranges, choices, true or false), the rules between keys,
    and the env config (as make() checks it). Raises ConfigError naming the key."""
    check_fields(config)
    train, policy = config.train, config.policy
    log_keys = registry.game(name).log_keys
    if config.metric and config.metric not in log_keys:
        raise ConfigError(f"metric must be one of {name}'s episode logs "
                          f"({', '.join(log_keys)}), got {config.metric!r}")
    parse_device(config.device)  # whether this machine has it is train()'s to check
    check_workers(train.num_envs, train.num_workers)
    game, env_config = registry.game(name), resolve_env(name, config)
    space = game.observation_space(env_config)
    if policy.encoder == "grid" and space.dtype != np.uint8:
        raise ConfigError(f"policy.encoder grid embeds the byte code of each cell of a uint8 "
                          f"observation, but {name}'s observations are {space.dtype} of shape "
                          f"{space.shape}: use --policy.encoder mlp (or auto)")
    agents = train.num_envs * game.agents_per_env(env_config)
    if config.algo == "dqn":
        check_dqn(config, agents)
        return config
    batch = agents * train.horizon
    if batch % train.num_minibatches:
        raise ConfigError(f"train.num_minibatches ({train.num_minibatches}) must divide the "
                          f"batch of {agents} agents x {train.horizon} horizon = {batch}")
    if policy.lstm and agents % train.num_minibatches:
        raise ConfigError(f"with policy.lstm, train.num_minibatches ({train.num_minibatches}) "
                          f"must divide the {agents} agents (minibatches split by env)")
    check_replay(train, agents)
    return config


def check_dqn(config, agents):
    """The rules of an --algo dqn run: what it does not have, and a buffer that holds an
    n-step window for every agent."""
    if config.policy.lstm:
        raise ConfigError("--algo dqn has no recurrent Q-network: drop --policy.lstm")
    if config.e3b.enabled:
        raise ConfigError("E3B is a PPO option: drop --e3b.enabled with --algo dqn")
    dqn = config.dqn
    rows = dqn.buffer_size // agents
    if rows < dqn.n_step + 2:
        raise ConfigError(f"dqn.buffer_size {dqn.buffer_size:,} holds {rows} steps of each of "
                          f"the {agents:,} agents; an n-step window (dqn.n_step {dqn.n_step}) "
                          f"needs at least {dqn.n_step + 2}: raise dqn.buffer_size to "
                          f"{(dqn.n_step + 2) * agents:,} or more")


def check_replay(train, agents):
    """The rules between the experience-buffer options and the rest of the train section."""
    minibatches = train.replay_factor * train.num_minibatches
    if train.replay_factor and (minibatches < 1 or abs(minibatches - round(minibatches)) > 1e-9):
        raise ConfigError(f"train.replay_factor ({train.replay_factor:g}) x "
                          f"train.num_minibatches ({train.num_minibatches}) = {minibatches:g} "
                          f"minibatches per update: it must be a whole number of at least 1")
    if train.prio_alpha and agents % train.num_minibatches:
        raise ConfigError(f"with train.prio_alpha, minibatches are whole segments: "
                          f"train.num_minibatches ({train.num_minibatches}) must divide the "
                          f"{agents} agents")
    if not train.clip_coef and train.clip_vloss and not train.vf_clip_coef:
        raise ConfigError("train.clip_coef 0 turns ratio clipping off, and value clipping "
                          "(train.clip_vloss) would clip by it: give --train.vf-clip-coef "
                          "(e.g. 0.2) or --train.no-clip-vloss")


def check_fields(values, prefix=""):
    """Each field of `values` (and of its sections) against its annotation: Range bounds,
    Literal choices, bool true or false. Numbers are stored back as the field's type (a TOML
    1e6 for an int field becomes 1000000). The env section is the game's to check."""
    for key, hint in typing.get_type_hints(type(values), include_extras=True).items():
        value, name = getattr(values, key), prefix + key
        if dataclasses.is_dataclass(value):
            if key != "env":
                check_fields(value, f"{name}.")
            continue
        kind, *marks = typing.get_args(hint) if typing.get_origin(hint) is Annotated else (hint,)
        bounds = [mark for mark in marks if isinstance(mark, Range)]
        if bounds:
            value = check_value("ocean train", name, kind.__name__, value, bounds[0].low,
                                bounds[0].high, f"--{name.replace('_', '-')}")
        elif kind is bool and not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, got {value!r}")
        elif typing.get_origin(kind) is Literal and value not in typing.get_args(kind):
            raise ConfigError(f"{name} must be one of {', '.join(typing.get_args(kind))}, "
                              f"got {value!r}")
        setattr(values, key, value)


def parse_device(text):
    """The torch.device `text` names: cpu, cuda or cuda:N; ConfigError for anything else."""
    try:
        device = torch.device(text)
    except (RuntimeError, TypeError) as error:
        raise ConfigError(f"device must be cpu, cuda or cuda:N (N a GPU index), "
                          f"got {text!r}") from error
    if device.type not in ("cpu", "cuda"):
        raise ConfigError(f"device must be cpu, cuda or cuda:N (N a GPU index), got {text!r}")
    return device


def resolve_device(text):
    """parse_device(text), checked against the GPUs torch sees here, so that a device this
    machine lacks is named as such before anything loads onto it (torch.load would call it
    a checkpoint it cannot deserialise)."""
    device = parse_device(text)
    if device.type == "cpu":
        return device
    if not torch.cuda.is_available():
        why = ("this torch is a CPU-only build" if torch.version.cuda is None else
               "is a GPU visible? check nvidia-smi and CUDA_VISIBLE_DEVICES")
        raise ConfigError(f"device {text!r} needs a CUDA GPU but torch sees none ({why}); "
                          f"use --device cpu")
    count = torch.cuda.device_count()
    if device.index is not None and device.index >= count:
        visible = "cuda:0" if count == 1 else f"cuda:0 to cuda:{count - 1}"
        raise ConfigError(f"device {text!r}: torch sees {count} CUDA GPU"
                          f"{'s' if count > 1 else ''} ({visible})")
    return device


def check_runs_dir(runs_dir):
    """Make runs_dir if it is missing, and check a run folder can be made in it: an
    unusable --runs-dir is said before the env is built, not after. The check is a real
    mkdir, so it is the OS's own answer (root's included)."""
    path = pathlib.Path(runs_dir)
    blocking = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ConfigError(f"runs_dir (--runs-dir) {runs_dir}: {blocking} is a file, "
                          f"not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryDirectory(dir=path).cleanup()
    except OSError as error:
        raise ConfigError(f"runs_dir (--runs-dir) {runs_dir}: cannot make a run folder "
                          f"there ({error.strerror})") from error


def check_workers(num_envs, num_workers):
    """num_workers > 1 steps two halves of the envs in turn, each a whole number of the
    workers' equal blocks: num_workers must be even and divide num_envs."""
    if num_workers == 1:
        return
    if num_workers % 2 or num_envs % num_workers:
        raise ConfigError(
            f"train.num_workers ({num_workers}) must be 1, or an even number that divides "
            f"train.num_envs ({num_envs}): the rollout steps two halves of the envs in turn, "
            f"each made of whole workers' blocks")


def env_backend(train, halves=True):
    """ocean.make()'s backend arguments for the train section. halves: step the envs in two
    halves (send/recv, PPO's overlapped rollout); else the whole batch in one step()."""
    if train.num_workers == 1:
        return {}
    return {"backend": "multiprocess", "num_workers": train.num_workers,
            "batch_size": train.num_envs // 2 if halves else None}


def resolve_env(name, config):
    """Every env key's value, as ocean.make() will resolve them."""
    return ocean.resolve_config(name, **env_kwargs(config))


def agents_per_env(name, config):
    return registry.game(name).agents_per_env(resolve_env(name, config))


def to_dict(config):
    return dataclasses.asdict(config)


def save(config_dict, path):
    pathlib.Path(path).write_text(json.dumps(config_dict, indent=2) + "\n")



def samples_per_step(config):
    """Gradient samples per agent-step collected: how many times the learner's minibatches
    use each agent-step, from a resolved config as config.json holds it (to_dict()). PPO:
    each epoch passes over the whole rollout once, so update_epochs (the most: target_kl
    may stop an update's epochs early). A learner that reuses experience (a replay buffer,
    a replay ratio) adds its rule here, and writes the number it really drew per update to
    metrics.csv as samples_per_step, which `ocean compare` prefers to this one. PPO with
    the experience buffer: train.replay_factor when set (whatever buffer_rollouts is). DQN:
    its replay_ratio."""
    if config.get("algo") == "dqn":
        return float(config["dqn"]["replay_ratio"])
    train = config["train"]
    return float(train.get("replay_factor") or train["update_epochs"])
