"""Config values checked against the ranges a game's C header declares (the game record,
ocean/registry.py, resolves a whole config with these)."""
import math
import numbers

import numpy as np

BOOLS = (bool, np.bool_)  # numpy's scalars count as Python's: np.True_, np.int64(3), np.float32(2.0)


class ConfigError(ValueError):
    """A config key that does not exist, or a value of the wrong type or out of range."""


def check_value(game, key, kind, value, low, high, doc):
    where = f"{game} config {key!r} ({doc})"
    if kind == "bool":
        if not isinstance(value, (*BOOLS, numbers.Integral)) or value not in (0, 1):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return bool(value)
    if kind == "int":
        if isinstance(value, BOOLS) or not isinstance(value, numbers.Integral):
            if isinstance(value, (float, np.floating)) and float(value).is_integer():
                value = int(value)  # 1e6 is a fine way to write a step count
            else:
                raise ConfigError(f"{where} must be an integer, got {value!r}")
        value = int(value)
    else:
        if isinstance(value, BOOLS) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value):
            raise ConfigError(f"{where} must be a finite number, got {value!r}")
        value = float(value)
    if not low <= value <= high:
        shown = (lambda x: int(x)) if kind == "int" else (lambda x: x)
        raise ConfigError(f"{where} must be in [{shown(low)}, {shown(high)}], got {value!r}")
    return value
