"""Config resolution: merge a user's keys over a game's defaults, validate every value
against the range its C header declares. Runs once in make(); nothing below trusts less."""
import math
import numbers


class ConfigError(ValueError):
    """A config key that does not exist, or a value of the wrong type or out of range."""


def resolve_config(game, table, user_config):
    """table: [(key, kind, default, min, max, doc)] from the game's C header.
    Returns {key: value} with every key, in table order."""
    known = [row[0] for row in table]
    unknown = sorted(set(user_config) - set(known))
    if unknown:
        raise ConfigError(f"{game} has no config key {', '.join(map(repr, unknown))}; "
                          f"valid keys: {', '.join(known)}")
    resolved = {}
    for key, kind, default, low, high, doc in table:
        if key in user_config:
            value = user_config[key]
        else:  # the C table stores every default as a double
            value = bool(default) if kind == "bool" else default
        resolved[key] = check_value(game, key, kind, value, low, high, doc)
    return resolved


def check_value(game, key, kind, value, low, high, doc):
    where = f"{game} config {key!r} ({doc})"
    if kind == "bool":
        if not isinstance(value, (bool, numbers.Integral)) or value not in (0, 1):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return bool(value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            if isinstance(value, float) and value.is_integer() and kind == "int":
                value = int(value)  # 1e6 is a fine way to write a step count
            else:
                raise ConfigError(f"{where} must be an integer, got {value!r}")
        value = int(value)
    else:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not math.isfinite(value):
            raise ConfigError(f"{where} must be a finite number, got {value!r}")
        value = float(value)
    if not low <= value <= high:
        shown = (lambda x: int(x)) if kind == "int" else (lambda x: x)
        raise ConfigError(f"{where} must be in [{shown(low)}, {shown(high)}], got {value!r}")
    return value
