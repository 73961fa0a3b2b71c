"""`ocean sweep`'s body: make or resume a sweep folder, run it locally or on Ray, and say
what it found. ocean/cli.py parses the command line and imports this only when it runs."""
import dataclasses
import os

from ocean import registry
from ocean.config import ConfigError
from ocean.sweep.report import SweepDisplay
from ocean.sweep.runner import Sweep, run_local
from ocean.sweep.spaces import parse_spaces
from ocean.train import config as train_config
from ocean.train.trainer import curve_key, new_run_dir

SWEEPS_DIR = "sweeps"
REFUSED = {"--runs-dir": "the sweep puts each trial's run in its own folder",
           "--resume": "--resume here names a sweep folder to continue",
           "--dashboard": "trials run without a dashboard; the sweep shows its own table"}


def fixed_names(overrides):
    """The parameters the flags set ("--train.total-steps 5_000_000" -> train.total_steps):
    same for every trial, so not swept."""
    return {arg[2:].split("=", 1)[0].replace("-", "_") for arg in overrides
            if arg.startswith("--") and "." in arg.split("=", 1)[0]}


def limits(args):
    return {key: getattr(args, key) for key in ("trials", "max_minutes", "max_trial_minutes")
            if getattr(args, key) is not None}


def new_sweep(args, overrides):
    game = args.env
    for flag, why in REFUSED.items():
        if any(arg.split("=", 1)[0] in (flag, f"--no-{flag[2:]}") for arg in overrides):
            raise ConfigError(f"{flag} is not a trial flag: {why}")
    config = train_config.parse(game, overrides)
    if args.sweep_config:
        where = args.sweep_config
        table = train_config.read_toml(where).get("sweep")
        if table is None:
            raise ConfigError(f"--sweep-config {where} has no [sweep] table")
    else:
        where = str(train_config.defaults_path(game))
        table = train_config.read_toml(where).get("sweep") \
            if train_config.defaults_path(game).exists() else None
        if table is None:
            raise ConfigError(f"{where} has no [sweep] table: give the spaces with "
                              f"--sweep-config FILE")
    spaces, options = parse_spaces(table, config, train_config.resolve_env(game, config),
                                   f"{where} [sweep]", fixed_names(overrides))
    if not spaces:
        raise ConfigError("every swept parameter is fixed by a flag: nothing left to search")
    plan = {"game": game, "overrides": list(overrides),
            "spaces": [dataclasses.asdict(space) for space in spaces], **options,
            "trials": None, "max_minutes": None, "max_trial_minutes": None, **limits(args),
            "seed": int.from_bytes(os.urandom(4), "little"),
            "metric": curve_key(registry.game(game).log_keys, config.metric), "elapsed": 0.0}
    return Sweep.create(new_run_dir(SWEEPS_DIR, game), plan)


def resume_sweep(args, overrides):
    sweep = Sweep.load(args.resume, limits(args))
    plan = sweep.plan
    if plan["game"] != args.env:
        raise ConfigError(f"{args.resume} is a sweep of {plan['game']}, not {args.env}")
    if overrides and overrides != plan["overrides"]:
        raise ConfigError(f"a resumed sweep gives its trials the flags it began with "
                          f"({' '.join(plan['overrides']) or 'none'}); drop "
                          f"{' '.join(overrides)}")
    if args.sweep_config:
        raise ConfigError("a resumed sweep keeps its spaces: drop --sweep-config")
    return sweep


def runner(args):
    """run(sweep, display) for --backend; Ray is imported here, before any folder is made."""
    if args.backend == "local":
        if args.address:
            raise ConfigError("--address joins a Ray cluster: add --backend ray")
        return run_local
    try:
        from ocean.sweep.ray_runner import run_ray
    except ImportError as error:
        raise ConfigError(f"--backend ray needs Ray ({error}): "
                          f"pip install \".[train,sweep]\"") from None
    return lambda sweep, display: run_ray(sweep, args.address, display)


def sweep_main(args, overrides):
    try:
        run = runner(args)
        sweep = resume_sweep(args, overrides) if args.resume else new_sweep(args, overrides)
    except ConfigError as error:
        raise SystemExit(f"ocean sweep {args.env}: {error}") from None
    display = SweepDisplay(sweep)
    stopped = False
    try:
        stopped = run(sweep, display)
    except KeyboardInterrupt:  # a second Ctrl-C between trials: the files are saved
        stopped = True
    finally:
        display.close()
    print(summary(sweep, stopped))
    return sweep


def summary(sweep, stopped):
    game, folder = sweep.plan["game"], sweep.folder
    trials = len({row["trial"] for row in sweep.rows})
    failed = len({row["trial"] for row in sweep.rows if row["failed"]})
    lines = [f"{'stopped' if stopped else 'done'}: {trials} trials ({failed} failed) in "
             f"{folder}: sweep.csv, front.png, params.png"]
    best = sweep.best()
    if best:
        lines.append(f"best: trial {best['trial']}, mean {sweep.plan['metric']} "
                     f"{best['score']:.4g} after {best['cost']:.1f} s -> "
                     f"ocean train {game} --config {folder / 'best.toml'}")
    else:
        lines.append("no trial finished, so there is no best.toml")
    if stopped or sweep.wants_more():
        lines.append(f"continue: ocean sweep {game} --resume {folder}")
    return "\n".join(lines)
