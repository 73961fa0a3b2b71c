"""Search spaces: each swept hyperparameter maps its range onto [-1, 1], where the search
samples around a centre.

A space is `kind` in [min, max] with a `mean` (the search centre) and a `scale` (the noise
width in normalised units). The kinds, each linear in a transform f of the value:
    linear   f(v) = v                      (`integer = true` rounds to whole numbers)
    log      f(v) = log10(v), min > 0      (`integer = true` rounds to whole numbers)
    pow2     f(v) = log2(v), bounds powers of two; values are powers of two
    log1m    f(v) = -log10(1 - v), 0 <= min < max < 1: for values near 1 such as gamma and
             lambda, where 0.99 -> 0.999 is as big a step as 0.9 -> 0.99. (Log-spaced in
             1 - v; it is not the logit.)
normalize(v) = 2 (f(v) - f(min)) / (f(max) - f(min)) - 1 maps [min, max] onto [-1, 1];
unnormalize inverts it and rounds after the inverse transform (pow2 rounds the exponent,
then takes 2^e; integer spaces round half up).

Sampling around a centre c (a vector of normalised values): x = clip(c + scale * eps, -1, 1)
with eps ~ N(0, 1) ("gaussian", as CARBS) or U(-1, 1) ("uniform", as PufferLib's Protein).

Spaces come from the `[sweep]` table of a game's train.toml (or --sweep-config FILE):
    [sweep]
    noise = "gaussian"                  # or "uniform"
    random_trials = 4                   # after the centre, before the models (search.py)
    points = 5                          # (cost, score) points per trial's learning curve
    [sweep.train.learning_rate]
    kind = "log"
    min = 1e-4
    max = 1e-2
    scale = 0.5                         # default 0.5
    # mean: default the value the run would use (the game's train.toml, --config)
Parameters live under train, policy, e3b or env; an int key needs an integer space
(`integer = true`, or pow2).
"""
import dataclasses
import difflib
import math
import typing
from typing import Annotated

import numpy as np

from ocean.config import ConfigError

KINDS = ("linear", "log", "pow2", "log1m")
NOISES = ("gaussian", "uniform")
OPTIONS = {"noise": "gaussian", "random_trials": 4, "points": 5}  # a [sweep] table's defaults
SECTIONS = ("train", "policy", "e3b", "env")
SPEC_KEYS = ("kind", "min", "max", "mean", "scale", "integer")
DEFAULT_SCALE = 0.5


@dataclasses.dataclass(frozen=True)
class Space:
    name: str  # "train.learning_rate"
    kind: str
    min: float
    max: float
    mean: float
    scale: float = DEFAULT_SCALE
    integer: bool = False

    def __post_init__(self):
        check_space(self)

    def forward(self, value):
        if self.kind == "log":
            return math.log10(value)
        if self.kind == "pow2":
            return math.log2(value)
        if self.kind == "log1m":
            return -math.log10(1.0 - value)
        return float(value)

    def inverse(self, t):
        if self.kind == "log":
            return 10.0 ** t
        if self.kind == "pow2":
            return 2.0 ** t
        if self.kind == "log1m":
            return 1.0 - 10.0 ** -t
        return t

    def normalize(self, value):
        low, high = self.forward(self.min), self.forward(self.max)
        return 2.0 * (self.forward(value) - low) / (high - low) - 1.0

    def unnormalize(self, x):
        low, high = self.forward(self.min), self.forward(self.max)
        t = low + (float(np.clip(x, -1.0, 1.0)) + 1.0) / 2.0 * (high - low)
        if self.kind == "pow2":
            return int(2 ** math.floor(t + 0.5))
        value = min(max(self.inverse(t), self.min), self.max)  # float round-off at the ends
        return int(math.floor(value + 0.5)) if self.integer else value

    @property
    def centre(self):
        return self.normalize(self.mean)

    def on_grid(self, value):
        """Whether unnormalize can give `value` exactly."""
        if self.kind == "pow2":
            return value > 0 and float(value).is_integer() and math.log2(value).is_integer()
        return not self.integer or float(value).is_integer()


def check_space(space):
    """ConfigError naming the parameter for a space that cannot work."""
    name, kind = space.name, space.kind
    if kind not in KINDS:
        raise ConfigError(f"sweep {name}: kind must be one of {', '.join(KINDS)}, "
                          f"got {kind!r}")
    for key in ("min", "max", "mean", "scale"):
        value = getattr(space, key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value):
            raise ConfigError(f"sweep {name}: {key} must be a finite number, got {value!r}")
    if not space.min < space.max:
        raise ConfigError(f"sweep {name}: min ({space.min}) must be below max ({space.max})")
    if kind in ("log", "pow2") and space.min <= 0:
        raise ConfigError(f"sweep {name}: a {kind} space needs min > 0, got {space.min}")
    if kind == "log1m" and not (0 <= space.min and space.max < 1):
        raise ConfigError(f"sweep {name}: a log1m space lies in [0, 1) (it is log-spaced in "
                          f"1 - value), got [{space.min}, {space.max}]")
    if space.integer and kind not in ("linear", "log"):
        raise ConfigError(f"sweep {name}: integer applies to linear and log spaces "
                          f"(pow2 is always whole numbers, log1m never), got kind {kind}")
    if kind == "pow2" and not (space.on_grid(space.min) and space.on_grid(space.max)):
        raise ConfigError(f"sweep {name}: pow2 min and max must be powers of two, "
                          f"got {space.min} and {space.max}")
    if space.integer and not (space.on_grid(space.min) and space.on_grid(space.max)):
        raise ConfigError(f"sweep {name}: an integer space needs whole-number min and max, "
                          f"got {space.min} and {space.max}")
    if not space.min <= space.mean <= space.max:
        raise ConfigError(f"sweep {name}: mean {space.mean} is outside [{space.min}, "
                          f"{space.max}]")
    if not space.on_grid(space.mean):
        grid = "a power of two" if kind == "pow2" else "a whole number"
        raise ConfigError(f"sweep {name}: mean {space.mean} must be {grid}, as every value "
                          f"of this space is (the centre trial runs the mean itself)")
    if space.scale < 0:
        raise ConfigError(f"sweep {name}: scale must be 0 or more, got {space.scale}")


def sample_around(centres, scales, rng, noise="gaussian", count=1):
    """`count` points x = clip(c + scale * eps, -1, 1), each around a centre drawn from the
    rows of `centres` (shape (n, d) or (d,)); scales has one entry per dimension."""
    centres = np.atleast_2d(np.asarray(centres, dtype=np.float64))
    picked = centres[rng.integers(len(centres), size=count)]
    shape = (count, centres.shape[1])
    if noise == "gaussian":
        eps = rng.standard_normal(shape)
    elif noise == "uniform":
        eps = rng.uniform(-1.0, 1.0, shape)
    else:
        raise ConfigError(f"sweep noise must be one of {', '.join(NOISES)}, got {noise!r}")
    return np.clip(picked + np.asarray(scales) * eps, -1.0, 1.0)


def closest(name, known):
    """' (did you mean X?)' for the closest of `known`, or ''."""
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return f" (did you mean {match[0]}?)" if match else ""


def numeric_kind(section_value, key):
    """int or float for a sweepable field of a config section; ConfigError otherwise."""
    hint = typing.get_type_hints(type(section_value), include_extras=True)[key]
    kind = typing.get_args(hint)[0] if typing.get_origin(hint) is Annotated else hint
    if typing.get_origin(kind) is typing.Union:  # an env key: Optional[int] etc.
        kind = typing.get_args(kind)[0]
    return kind if kind in (int, float) else None


def parse_options(table, where):
    """The sweep options of a [sweep] table (OPTIONS), checked."""
    options = {key: table.get(key, default) for key, default in OPTIONS.items()}
    if options["noise"] not in NOISES:
        raise ConfigError(f"{where}: noise must be one of {', '.join(NOISES)}, "
                          f"got {options['noise']!r}")
    for key, low in (("random_trials", 0), ("points", 1)):
        value = options[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{where}: {key} must be an integer of at least {low}, "
                              f"got {value!r}")
    return options


def parse_spaces(table, config, env_values, where="[sweep]", fixed=()):
    """(spaces, options) from a [sweep] table. `config` is the run config the sweep starts
    from: it names the parameters that exist and gives each space's default mean;
    `env_values` holds every env key's value (the game's defaults included). Parameters
    named in `fixed` (set by a flag for every trial) are left out."""
    options = parse_options(table, where)
    table = {key: value for key, value in table.items() if key not in OPTIONS}
    known = [f"{section}.{field.name}" for section in SECTIONS
             for field in dataclasses.fields(getattr(config, section))]
    spaces = []
    for section, params in table.items():
        if section not in SECTIONS or not isinstance(params, dict):
            raise ConfigError(f"{where}: unknown entry {section!r}; a sweep table holds "
                              f"{', '.join(OPTIONS)} and tables of train, policy, e3b and "
                              f"env parameters{closest(section, [*OPTIONS, *SECTIONS])}")
        for key, spec in params.items():
            name = f"{section}.{key}"
            if name not in known:
                raise ConfigError(f"{where}: unknown parameter {name}{closest(name, known)}")
            if name not in fixed:
                spaces.append(make_space(name, spec, config, env_values, where))
    return spaces, options


def make_space(name, spec, config, env_values, where):
    section, key = name.split(".", 1)
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: {name} must be a table of {', '.join(SPEC_KEYS)}, "
                          f"got {spec!r}")
    unknown = [k for k in spec if k not in SPEC_KEYS]
    if unknown:
        raise ConfigError(f"sweep {name}: unknown key {unknown[0]!r}"
                          f"{closest(unknown[0], SPEC_KEYS)}; keys: {', '.join(SPEC_KEYS)}")
    missing = [k for k in ("kind", "min", "max") if k not in spec]
    if missing:
        raise ConfigError(f"sweep {name}: needs {', '.join(missing)}")
    kind = numeric_kind(getattr(config, section), key)
    if kind is None:
        raise ConfigError(f"sweep {name}: only numeric parameters can be swept")
    integer = spec.get("integer", False)
    if not isinstance(integer, bool):
        raise ConfigError(f"sweep {name}: integer must be true or false, got {integer!r}")
    if kind is int and not (integer or spec["kind"] == "pow2"):
        raise ConfigError(f"sweep {name} is a whole number: give its space integer = true, "
                          f"or kind pow2")
    mean = spec.get("mean", env_values[key] if section == "env"
                    else getattr(getattr(config, section), key))
    return Space(name, spec["kind"], spec["min"], spec["max"], mean,
                 spec.get("scale", DEFAULT_SCALE), integer)
