"""Human takeover: while Left Shift is held, the keyboard drives agent 0 of env 0.

A game declares its keys in its package (ocean/<game>/__init__.py; ocean/registry.py):
    HUMAN_KEYS = ((label, (raylib key names...), action), ...)   first held binding wins
    HUMAN_IDLE_ACTION = action with Shift held and no key, or None: repeat the last action
Key names are raylib's without the KEY_ prefix ("UP", "W", "SPACE"). No raylib here: the
window turns names into key codes.
"""
from dataclasses import dataclass

TAKEOVER_KEY = "LEFT_SHIFT"


@dataclass(frozen=True)
class Controls:
    bindings: tuple  # ((label, (key names...), action), ...)
    idle_action: object  # int, or None to repeat the last action

    @classmethod
    def for_game(cls, game):
        """The game record's HUMAN_KEYS/HUMAN_IDLE_ACTION, checked against its action count;
        a game without HUMAN_KEYS gets no takeover."""
        num_actions = game.num_actions
        bindings = tuple((label, tuple(keys), int(action))
                         for label, keys, action in game.human_keys)
        idle = game.human_idle_action
        for label, keys, action in bindings:
            if not 0 <= action < num_actions or not keys:
                raise ValueError(f"ocean.{game.name}.HUMAN_KEYS: binding {label!r} needs keys "
                                 f"and an action in 0..{num_actions - 1}, got {keys}, {action}")
        if idle is not None and not 0 <= idle < num_actions:
            raise ValueError(f"ocean.{game.name}.HUMAN_IDLE_ACTION must be in "
                             f"0..{num_actions - 1} or None, got {idle}")
        return cls(bindings, idle)

    @property
    def enabled(self):
        return bool(self.bindings)

    @property
    def key_names(self):
        return sorted({key for _, keys, _ in self.bindings for key in keys} | {TAKEOVER_KEY})

    def action(self, held, last_action):
        """The action for the set of held key names (Shift assumed held)."""
        for _, keys, action in self.bindings:
            if any(key in held for key in keys):
                return action
        return last_action if self.idle_action is None else self.idle_action

    def help_text(self):
        """'Up/W: up  Down/S: down' for the HUD."""
        if not self.enabled:
            return "no keyboard controls for this game"
        return "  ".join(f"{'/'.join(key.title() for key in keys)}: {label}"
                         for label, keys, _ in self.bindings)
